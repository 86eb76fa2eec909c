"""The keeper (``margincall.keeper``) and the CLI (``margincall.cli``) on the demo market.

WETH falls from $3,000 to $1,900 under five WETH borrowers of the crowd: two land in the
margin-call band, two are Liquidatable (one partially, one wholly), one stays Healthy. The keeper
must call and kick exactly the accounts the pool says, take the lots through a FlashTaker on a
MockAMM once that pays (its owner holding no base tokens), redo stale auctions, and record a lost
race as an outcome instead of raising.
"""

import pytest
from typer.testing import CliRunner

from margincall import cli
from margincall.keeper import Keeper
from tests.liquidation_helpers import MAX_UINT, advance

ETH, USDC = 10**18, 10**6


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
    profit = sum(int(a.detail.split()[1]) for a in actions)
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
    k = Keeper(market, keeper)
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


# ================================================================ CLI
def invoke(*args):
    return CliRunner().invoke(cli.app, list(args))


def test_cli_refuses_a_missing_deployment_file(tmp_path):
    result = invoke("keeper", "--once", "--deployment", str(tmp_path / "nowhere.json"))
    assert result.exit_code != 0
    assert "deployment file not found" in result.output and "nowhere.json" in result.output


def test_cli_refuses_a_deployment_of_another_chain(market, record):
    result = invoke("keeper", "--once", "--deployment", str(record(chainId=market.chain_id + 1)))
    assert result.exit_code == 1
    assert f"deployment on chain {market.chain_id + 1}" in result.output


def test_cli_refuses_an_address_without_a_flash_taker(market, record, stranger):
    path = record()
    result = invoke("keeper", "--once", "--deployment", str(path), "--flash-taker", str(stranger))
    assert result.exit_code == 1
    assert f"no FlashTaker at {stranger}" in result.output


def test_cli_keeper_once_prints_the_actions(market, record, crashed):
    result = invoke("keeper", "--once", "--deployment", str(record()), "--account", "7")
    assert result.exit_code == 0, result.output
    for who in crashed["MarginCall"] + crashed["Liquidatable"]:
        assert who[:10] in result.output
    assert market.pool.marginCallDeadline(crashed["MarginCall"][0]) > 0
