"""The keeper (``margincall.keeper``) and the CLI (``margincall.cli``) on the demo market.

WETH falls from $3,000 to $1,900 under five WETH borrowers of the crowd: two land in the
margin-call band, two are Liquidatable (one partially, one wholly), one stays Healthy. The keeper
must call and kick exactly the accounts the pool says, take the lots through a FlashTaker on a
MockAMM once that pays (its owner holding no base tokens), redo stale auctions, and record a lost
race as an outcome instead of raising.
"""

import json
from decimal import Decimal

import pytest
from brownie import chain, web3
from typer.testing import CliRunner

from margincall import cli
from margincall.keeper import Keeper
from margincall.retry import RpcUnavailable
from tests.model.fixed_point import MAX_UINT
from tests.support.chain_time import advance
from tests.support.units import ETH, USDC


@pytest.fixture
def amm(project, market, market_maker, weth, usdc):
    """WETH/USDC at the oracle's $1,900, deep enough for a 10 WETH lot."""
    pool = project.MockAMM.deploy(weth, usdc, {"from": market_maker})
    for token, amount in ((weth, 1_000 * ETH), (usdc, 1_900_000 * USDC)):
        token.mint(market_maker, amount, {"from": market_maker})
        token.approve(pool, MAX_UINT, {"from": market_maker})
    pool.addLiquidity(1_000 * ETH, 1_900_000 * USDC, {"from": market_maker})
    return pool


def subjects(actions, kind):
    return sorted(a.subject for a in actions if a.kind == kind)


def test_one_pass_calls_and_kicks_exactly_the_accounts_the_pool_names(market, keeper, crashed, books):
    actions = Keeper(market, keeper).run_once()
    assert all(a.ok and a.tx for a in actions), actions
    assert subjects(actions, "call") == sorted(crashed["MarginCall"])
    assert subjects(actions, "kick") == sorted(crashed["Liquidatable"])
    assert {a.kind for a in actions} == {"call", "kick"}  # no auction is old or cheap yet
    pool = market.pool
    for who in crashed["MarginCall"]:
        assert pool.marginCallDeadline(who) > 0
    for who in crashed["Liquidatable"]:
        assert pool.liveAuctions(who) == 1
    (healthy,) = crashed["Healthy"]
    assert pool.marginCallDeadline(healthy) == 0 and pool.liveAuctions(healthy) == 0
    # a second keeper, looping twice at once, finds nothing left to do
    assert Keeper(market, keeper).run(0, stop_after=2) == []


def test_each_pass_pokes_the_collaterals_with_a_new_round_first(market, keeper, crashed, books):
    """Volatility is written off the user path (DESIGN.md 11): the keeper pokes every listed
    collateral whose primary feed has a round the oracle has not consumed, before it calls or
    kicks; a pass with no new round pokes nothing."""
    oracle, weth, wbtc = market.oracle, market.collaterals["WETH"], market.collaterals["WBTC"]
    assert oracle.needsPoke(weth.token) and not oracle.needsPoke(wbtc.token)  # the crash round
    k = Keeper(market, keeper)
    actions = k.run_once()
    assert [(a.kind, a.subject) for a in k.pokes] == [("poke", "WETH")] and all(a.ok and a.tx for a in k.pokes)
    assert "poke" not in {a.kind for a in actions + k.current_pass}
    mined_at = lambda a: web3.eth.get_transaction_receipt(a.tx)["blockNumber"]  # noqa: E731
    assert max(map(mined_at, k.pokes)) < min(map(mined_at, actions))  # before the calls and kicks
    assert oracle.volState(weth.token)["round"] == weth.feed.latestRound()
    assert not oracle.needsPoke(weth.token)
    wbtc.feed.setPrice(wbtc.feed.latestRoundData()[1], {"from": keeper})
    k.run_once()
    assert [(a.kind, a.subject) for a in k.pokes] == [("poke", "WBTC")]
    k.run_once()
    assert k.pokes == []


def test_a_kick_row_shows_its_incentive_and_each_lot_and_tab(market, keeper, crashed, books):
    actions = Keeper(market, keeper).run_once()
    kicks = [a for a in actions if a.kind == "kick"]
    assert kicks and all(a.ok for a in kicks)
    for a in kicks:
        assert a.detail.startswith("incentive ") and " USDC; auction " in a.detail and "lot " in a.detail
        paid = Decimal(a.detail.split()[1].replace(",", ""))  # whole USDC, exact
        events = chain.get_transaction(a.tx).events
        assert paid * 10**6 == sum(e["paid"] for e in events["KickIncentive"])
        for e in events["Kick"]:
            assert f"auction {e['id']}: lot " in a.detail


def test_a_race_the_simulation_sees_lost_is_not_sent(market, keeper, stranger, crashed, books):
    k = Keeper(market, keeper)  # simulate=True: eth_call first
    states = k.read_accounts()
    raced = crashed["Liquidatable"][0]
    market.liquidator.kick(raced, stranger, {"from": stranger})
    nonce = web3.eth.get_transaction_count(keeper.address)
    actions = {(a.kind, a.subject): a for a in k.act_on_accounts(states)}
    lost = actions[("kick", raced)]
    assert lost.outcome in ("NotLiquidatable", "NothingToSeize") and lost.tx is None, lost
    assert "simulated, not sent: no gas spent" in lost.detail
    sent = [a for a in actions.values() if a.ok]
    assert web3.eth.get_transaction_count(keeper.address) == nonce + len(sent)  # only the others were sent
    assert k.current_pass == list(actions.values())


def test_a_later_pass_takes_the_lots_with_no_capital_and_profits(
    market, project, keeper, taker_owner, crashed, amm, usdc, books
):
    Keeper(market, keeper).run_once()
    liq = market.liquidator
    ids = sorted(str(i) for i in liq.activeAuctions())
    assert len(ids) == 2
    flash = project.FlashTaker.deploy(liq, usdc, {"from": taker_owner})
    taker = Keeper(market, taker_owner, taker=flash, amms={"WETH": amm}, margin_bps=100)
    assert usdc.balanceOf(taker_owner) == 0

    assert taker.act_on_auctions() == []  # at top (oracle × 1.10) the AMM does not pay
    advance(market, 20 * 90)  # 20 steps of ×0.99: $2,090 → $1,710
    actions = taker.act_on_auctions()
    assert subjects(actions, "take") == ids and all(a.ok for a in actions), actions
    assert liq.activeCount() == 0
    # the detail reads "profit 960.535237 USDC, ...": whole tokens, exact
    profit = sum(int(Decimal(a.detail.split()[1].replace(",", "")) * 10**6) for a in actions)
    assert all(a.detail.split()[2].rstrip(",") == "USDC" for a in actions)
    assert profit > 0 and usdc.balanceOf(taker_owner) == profit
    assert usdc.balanceOf(flash) == 0


def test_an_auction_past_tail_is_redone(market, keeper, crashed, books):
    k = Keeper(market, keeper)
    k.run_once()
    liq = market.liquidator
    ids = list(liq.activeAuctions())
    tics = {i: liq.auctions(i)["tic"] for i in ids}
    advance(market, liq.tail() + 1)
    assert all(liq.getStatus(i)[0] for i in ids)
    actions = k.run_once()
    assert sorted(a.subject for a in actions if a.kind == "redo") == sorted(str(i) for i in ids)
    assert all(a.ok for a in actions), actions
    for i in ids:
        assert liq.auctions(i)["tic"] > tics[i] and not liq.getStatus(i)[0]


def test_a_lost_race_is_recorded_not_raised(market, keeper, stranger, crashed, books):
    # simulate=False: every race lost is mined (as one lost between the simulation and the block)
    k = Keeper(market, keeper, simulate=False)
    states = k.read_accounts()
    # between the keeper's read and its sends, another keeper kicks one account and calls another
    raced_kick, raced_call = crashed["Liquidatable"][0], crashed["MarginCall"][0]
    market.liquidator.kick(raced_kick, stranger, {"from": stranger})
    market.pool.issueMarginCall(raced_call, {"from": stranger})
    actions = {(a.kind, a.subject): a for a in k.act_on_accounts(states)}
    lost_kick, lost_call = actions[("kick", raced_kick)], actions[("call", raced_call)]
    assert lost_kick.outcome in ("NotLiquidatable", "NothingToSeize") and lost_kick.tx, lost_kick
    assert lost_call.outcome == "MarginCallAlreadyLive" and lost_call.tx, lost_call
    others = [a for key, a in actions.items() if key not in (("kick", raced_kick), ("call", raced_call))]
    assert len(others) == 2 and all(a.ok for a in others), others


def test_a_pass_settles_an_auction_stuck_without_a_price(market, keeper, crashed, books):
    k = Keeper(market, keeper)
    k.run_once()
    liq = market.liquidator
    ids = sorted(str(i) for i in liq.activeAuctions())
    assert len(ids) == 2
    # the WETH feed goes silent for more than (3 + 1) tails: the lots cannot be priced, redone
    # or sold, and the liquidator accepts a settle (their collateral goes to the fund)
    chain.sleep(4 * liq.tail() + 1)
    chain.mine()
    actions = k.act_on_auctions()
    assert subjects(actions, "settle") == ids and all(a.ok and a.tx for a in actions), actions
    assert liq.activeCount() == 0
    assert k.act_on_auctions() == []


def test_a_live_auction_is_not_settled(market, keeper, crashed, books):
    k = Keeper(market, keeper)
    k.run_once()
    assert [a.kind for a in k.act_on_auctions()] == []  # fresh prices, young auctions: nothing to do
    assert market.liquidator.activeCount() == 2


def test_a_dropped_rpc_is_retried_with_backoff_then_given_up(market, keeper, monkeypatch):
    k = Keeper(market, keeper)
    calls, retries = [], []

    def dropped():
        calls.append(1)
        raise ConnectionError("connection refused")

    monkeypatch.setattr(k, "run_once", dropped)
    with pytest.raises(RpcUnavailable, match="did not answer for 3 attempts"):
        k.run(0, stop_after=1, retries=2, backoff=0.01, on_retry=lambda n, d, e: retries.append((n, d)))
    assert len(calls) == 3 and retries == [(1, 0.01), (2, 0.02)]


def test_a_pass_after_a_short_drop_goes_on(market, keeper, crashed, monkeypatch):
    k = Keeper(market, keeper)
    real, failures = k.run_once, [ConnectionError("reset")]

    def flaky():
        if failures:
            raise failures.pop()
        return real()

    monkeypatch.setattr(k, "run_once", flaky)
    retried = []
    actions = k.run(0, stop_after=1, backoff=0.01, on_retry=lambda n, d, e: retried.append(n))
    assert retried == [1]
    assert subjects(actions, "kick") == sorted(crashed["Liquidatable"])


# ================================================================ CLI
def invoke(*args):
    return CliRunner().invoke(cli.app, list(args))


@pytest.fixture(scope="module")
def rpc_url():
    """The URL of the chain Brownie runs the suite on: the CLI reaches it like any node."""
    return web3.provider.endpoint_uri


def test_cli_refuses_a_missing_deployment_file(tmp_path):
    result = invoke("keeper", "--once", "--deployment", str(tmp_path / "nowhere.json"))
    assert result.exit_code != 0
    assert "deployment file not found" in result.output and "nowhere.json" in result.output


def test_cli_refuses_a_deployment_of_another_chain(market, record, rpc_url):
    result = invoke("keeper", "--once", "--rpc-url", rpc_url, "--deployment", str(record(chainId=market.chain_id + 1)))
    assert result.exit_code == 1
    assert f"deployment on chain {market.chain_id + 1}" in result.output


def test_cli_refuses_an_address_without_a_flash_taker(market, record, stranger, rpc_url):
    path = record()
    result = invoke("keeper", "--once", "--rpc-url", rpc_url, "--deployment", str(path), "--flash-taker", str(stranger))
    assert result.exit_code == 1
    assert f"no FlashTaker at {stranger}" in result.output


def test_cli_keeper_once_prints_the_actions(market, record, crashed, rpc_url):
    result = invoke("keeper", "--once", "--rpc-url", rpc_url, "--deployment", str(record()), "--unlocked", "7")
    assert result.exit_code == 0, result.output
    for who in crashed["MarginCall"] + crashed["Liquidatable"]:
        assert who[:10] in result.output
    assert market.pool.marginCallDeadline(crashed["MarginCall"][0]) > 0


def test_cli_keeper_json_logs_one_line_per_action(market, record, crashed, rpc_url, keeper):
    result = invoke("keeper", "--once", "--json", "--rpc-url", rpc_url, "--deployment", str(record()), "--unlocked", "7")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted((a["kind"], a["subject"]) for a in lines) == sorted(
        [("call", who) for who in crashed["MarginCall"]] + [("kick", who) for who in crashed["Liquidatable"]]
    )
    assert all(a["outcome"] == "ok" and a["tx"].startswith("0x") and a["chainId"] == market.chain_id for a in lines)
    # a second keeper a moment later finds nothing left: no line at all
    again = invoke("keeper", "--once", "--json", "--rpc-url", rpc_url, "--deployment", str(record()), "--unlocked", "7")
    assert again.exit_code == 0 and again.stdout == ""


def test_cli_keeper_refuses_a_negative_margin(tmp_path):
    result = invoke("keeper", "--once", "--margin-bps", "-5")
    assert result.exit_code == 1
    assert "--margin-bps -5: must be 0 or more" in result.output and "Traceback" not in result.output


def test_cli_keeper_refuses_a_deployment_file_with_a_malformed_address(market, record, rpc_url):
    doctored = market.record()
    doctored["contracts"]["LendingPool"] = "0x1234"
    result = invoke("keeper", "--once", "--rpc-url", rpc_url, "--deployment", str(record(contracts=doctored["contracts"])))
    assert result.exit_code == 1
    assert "contracts.LendingPool is '0x1234', not an address" in result.output


def test_cli_keeper_refuses_a_corrupt_deployment_file(tmp_path, rpc_url):
    path = tmp_path / "31337.json"
    path.write_text('{"chainId": 31337, "contr')
    result = invoke("keeper", "--once", "--rpc-url", rpc_url, "--deployment", str(path))
    assert result.exit_code == 1 and "not JSON" in result.output and "Traceback" not in result.output


def test_cli_keeper_needs_a_chain_for_a_deployment_file(market, record):
    result = invoke("keeper", "--once", "--deployment", str(record()))
    assert result.exit_code == 1 and "needs --rpc-url" in result.output
