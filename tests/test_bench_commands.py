"""The lab bench driven by hand (issue 12): ``margincall up`` keeps a chain with the market, a
FlashTaker and MockAMMs; ``open``, ``populate``, ``price``, ``time``, ``top-up``, ``repay`` move
it; ``watch`` and ``keeper`` find it (and the keeper its taker) without ``--rpc-url``; SIGTERM
and Ctrl-C stop it with 143 / 130 and remove its state file and record.

``up`` runs as a subprocess on a free port (its state file in a temporary folder through
``MARGINCALL_STATE_DIR``); the other commands run through typer's CliRunner."""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner
from web3 import Web3

from margincall import cli
from margincall.anvil import LocalAnvil
from margincall.bench_commands import (
    BenchError,
    amm_price,
    draw_population,
    leverage_around,
    parse_duration,
    parse_price,
    require_lab,
)
from margincall.deploy import load_deployment
from margincall.session import Chain, Signer

MARGINCALL = str(Path(sys.executable).parent / "margincall")


def test_durations_and_prices_read_as_a_user_writes_them():
    assert [parse_duration(t, "time") for t in ("+6h", "90m", "60s", "1d", "3600", "1.5h")] == [21600, 5400, 60, 86400, 3600, 5400]
    with pytest.raises(BenchError, match=r"^time six: not a duration \(e.g. \+6h"):
        parse_duration("six", "time")
    assert parse_price("-20%", Decimal(3000), "price") == Decimal(2400)
    assert parse_price("+5%", Decimal(2000), "price") == Decimal(2100)
    assert parse_price("2500", Decimal(3000), "price") == Decimal(2500)
    with pytest.raises(BenchError, match="must stay above 0"):
        parse_price("-100%", Decimal(3000), "price")
    with pytest.raises(BenchError, match="not a price"):
        parse_price("cheap", Decimal(3000), "price")


def start_up(tmp_path, *extra):
    env = {**os.environ, "MARGINCALL_STATE_DIR": str(tmp_path / "state")}
    log = open(tmp_path / "up.log", "w")
    process = subprocess.Popen(
        [MARGINCALL, "up", "--out", str(tmp_path / "deployments"), *extra], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    state = tmp_path / "state" / "up.json"
    deadline = time.monotonic() + 120
    while not state.exists():
        assert process.poll() is None, (tmp_path / "up.log").read_text()
        assert time.monotonic() < deadline, "margincall up did not come up in 120 s"
        time.sleep(0.2)
    return process, json.loads(state.read_text())


def stop(process, sig):
    process.send_signal(sig)
    return process.wait(timeout=60)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    process, state = start_up(tmp)
    yield tmp, state, process
    if process.poll() is None:
        stop(process, signal.SIGTERM)


def drive(bench, *args):
    tmp, _state, _process = bench
    result = CliRunner().invoke(cli.app, [str(a) for a in args], env={"MARGINCALL_STATE_DIR": str(tmp / "state")})
    assert result.exit_code == 0, result.output
    return result.output


def test_up_prints_the_url_the_addresses_and_the_next_commands(bench):
    tmp, state, _ = bench
    text = (tmp / "up.log").read_text()
    assert f"bench up: {state['rpcUrl']} (chain 31337)" in text
    assert "FlashTaker" in text and "MockAMM" in text and "margincall open --account 2" in text
    record = json.loads(Path(state["deployment"]).read_text())
    assert record["rpcUrl"] == state["rpcUrl"] and set(record["keeper"]["amms"]) == {"WETH", "WBTC"}


def test_the_walkthrough_open_move_the_price_advance_time_watch_and_keep(bench):
    out = drive(bench, "open", "--account", "2", "--collateral", "WETH=10", "--borrow", "90%")
    assert "opened: borrowed" in out and "10.0000 WETH" in out and "Healthy" in out
    assert "using the bench of `margincall up`" in out
    out = drive(bench, "populate", "--accounts", "12", "--seed", "7")
    assert "12 borrowers opened on WETH (seed 7, leverage 0.7)" in out
    assert out.count(" new: debt ") >= 9 and "more (margincall watch --once shows them all)" in out  # 10 lines at most
    out = drive(bench, "price", "WETH", "-14%", "--steps", "2", "--every", "60s")
    assert "WETH: 3,000.00 → 2,580.00 USD (-14.00 %) in 2 rounds 60 s apart" in out
    # account 2 borrowed 90 % of its capacity: HF 25,800 × 0.85 / 20,250 = 1.08 < 1.10
    assert "HF 1.2592 → 1.0829, Healthy → MarginCall" in out
    out = drive(bench, "keeper", "--once")
    assert "using the recorded FlashTaker" in out and "│ call " in out
    out = drive(bench, "time", "+7h", "--keep-feeds-fresh")
    assert "chain time +25,200 s (7.00 h), feeds refreshed" in out
    assert "MarginCall → Liquidatable, call deadline passed" in out  # missed call, HF under 1.10
    out = drive(bench, "keeper", "--once")
    assert "│ kick " in out
    out = drive(bench, "top-up", "--account", "2", "--collateral", "WETH=1")
    before, after = [l for l in out.splitlines() if l.startswith(("before", "after"))]
    assert before.split("collateral ")[1].split(",")[0] != after.split("collateral ")[1].split(",")[0]
    out = drive(bench, "repay", "--account", "2", "--amount", "1000")
    before, after = [l for l in out.splitlines() if l.startswith(("before", "after"))]
    debt = lambda line: Decimal(line.split("debt ")[1].split(" ")[0].replace(",", ""))
    assert debt(before) - debt(after) == 1000
    out = drive(bench, "watch", "--once")
    assert "Accounts on chain 31337" in out


def test_bench_commands_refuse_a_market_whose_feeds_are_not_the_labs_mocks(bench):
    _tmp, state, _ = bench
    w3 = Web3(Web3.HTTPProvider(state["rpcUrl"]))
    chain = Chain(w3, Signer(w3.eth.accounts[0]))
    market = load_deployment(chain, state["deployment"])
    require_lab(market)  # the bench's own market passes
    weth = market.collaterals["WETH"]
    fake = dataclasses.replace(weth, feed=chain.contract("MockAggregator", market.pool.address))
    other = dataclasses.replace(market, collaterals={**market.collaterals, "WETH": fake})
    with pytest.raises(BenchError, match=r"^the WETH feed at 0x[0-9a-fA-F]{40} is not the lab's MockAggregator"):
        require_lab(other)


def test_a_second_up_is_refused_while_one_runs(bench):
    tmp, state, _ = bench
    result = CliRunner().invoke(cli.app, ["up"], env={"MARGINCALL_STATE_DIR": str(tmp / "state")})
    assert result.exit_code == 1
    assert f"Error: a bench is already up at {state['rpcUrl']}" in result.output


def test_bench_commands_without_a_bench_say_how_to_start_one(tmp_path):
    result = CliRunner().invoke(cli.app, ["time", "+1h"], env={"MARGINCALL_STATE_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "Error: no bench is up and no --rpc-url given: start one with `margincall up`" in result.output


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["sigterm", "ctrl-c"])
def test_up_stops_on_a_signal_and_leaves_nothing_behind(tmp_path, sig, code):
    process, state = start_up(tmp_path)
    url = state["rpcUrl"]
    assert stop(process, sig) == code
    assert not (tmp_path / "state" / "up.json").exists()
    assert not Path(state["deployment"]).exists()
    with pytest.raises(Exception):
        Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2})).eth.chain_id


def test_a_record_of_a_live_deployment_is_not_overwritten_without_force(tmp_path):
    with LocalAnvil() as node:
        args = ["deploy", "--rpc-url", node.url, "--out", str(tmp_path)]
        first = CliRunner().invoke(cli.app, args, env={"MARGINCALL_STATE_DIR": str(tmp_path / "s")})
        assert first.exit_code == 0, first.output
        record = (tmp_path / "31337.json").read_text()
        again = CliRunner().invoke(cli.app, args, env={"MARGINCALL_STATE_DIR": str(tmp_path / "s")})
        assert again.exit_code == 1
        assert "records a live deployment (LendingPool" in again.output and "give --force" in again.output
        assert (tmp_path / "31337.json").read_text() == record
        forced = CliRunner().invoke(cli.app, args + ["--force"], env={"MARGINCALL_STATE_DIR": str(tmp_path / "s")})
        assert forced.exit_code == 0, forced.output
        (aside,) = tmp_path.glob("31337.replaced-*.json")
        assert aside.read_text() == record and (tmp_path / "31337.json").read_text() != record


def test_deploy_on_its_own_chain_refuses_to_record_a_chain_that_will_be_gone(tmp_path):
    result = CliRunner().invoke(cli.app, ["deploy", "--out", str(tmp_path)], env={"MARGINCALL_STATE_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "stops when it ends: a record would name a chain that no longer exists" in result.output
    assert list(tmp_path.glob("*.json")) == []


# ================================================================ keepers and help that behave
def test_version_and_every_help_has_an_example_and_reads_flags_as_flags():
    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == "margincall 0.1.0"
    commands = [[], ["deploy"], ["keeper"], ["watch"], ["demo"], ["up"], ["price"], ["time"], ["open"], ["top-up"],
                ["repay"], ["populate"], ["bench", "gas"], ["bench", "throughput"]]  # fmt: skip
    for command in commands:
        text = CliRunner().invoke(cli.app, [*command, "--help"], env={"COLUMNS": "200"}).output
        assert "Example: margincall" in text, command
        assert "<bool>" not in text and "<str>" not in text and "<int>" not in text, (command, text)


def test_ctrl_c_mid_pass_reports_every_transaction_already_mined(bench, monkeypatch):
    from margincall.keeper import Keeper

    drive(bench, "open", "--account", "5", "--collateral", "WETH=10", "--borrow", "95%")
    drive(bench, "price", "WETH", "-25%")

    def interrupted(self):
        raise KeyboardInterrupt  # Ctrl-C after the pass kicked, before it looked at auctions

    monkeypatch.setattr(Keeper, "act_on_auctions", interrupted)
    tmp, _state, _ = bench
    result = CliRunner().invoke(cli.app, ["keeper", "--once"], env={"MARGINCALL_STATE_DIR": str(tmp / "state")})
    assert result.exit_code == 130, result.output
    assert "│ kick " in result.output and "incentive" in result.output
    mined = result.output.count("│ kick ") + result.output.count("│ call ")
    assert f"keeper stopped (Ctrl-C); {mined} transaction(s) of the interrupted pass mined, listed above" in result.output


def test_a_keeper_beats_on_quiet_passes_and_stops_on_sigterm_with_143(bench):
    tmp, state, _ = bench
    env = {**os.environ, "MARGINCALL_STATE_DIR": str(tmp / "state")}
    keeper = subprocess.Popen(
        [MARGINCALL, "keeper", "--interval", "0.2"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline and sum("quiet pass, nothing to do" in l for l in seen) < 2:
        seen.append(keeper.stderr.readline())
    assert sum("quiet pass, nothing to do" in l for l in seen) >= 2, seen
    keeper.send_signal(signal.SIGTERM)
    assert keeper.wait(timeout=60) == 143
    assert "keeper stopped (SIGTERM)" in keeper.stderr.read()
    quiet = subprocess.Popen(
        [MARGINCALL, "keeper", "--interval", "0.2", "--quiet"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    time.sleep(4)
    quiet.send_signal(signal.SIGINT)
    assert quiet.wait(timeout=60) == 130
    assert "quiet pass" not in quiet.stderr.read()


# ================================================================ populate draws the lab's population
def bench_market(bench):
    _tmp, state, _ = bench
    w3 = Web3(Web3.HTTPProvider(state["rpcUrl"]))
    chain = Chain(w3, Signer(w3.eth.accounts[0]))
    return chain, load_deployment(chain, state["deployment"]), json.loads(Path(state["deployment"]).read_text())


def test_populate_opens_the_labs_draw_and_the_same_seed_gives_the_same_positions(bench):
    from margincall.bulk import addresses
    from margincall.lab.population import Position

    _chain, market, _record = bench_market(bench)
    drawn = draw_population(market, 6, 11, 0.6, "WETH")
    assert drawn == draw_population(market, 6, 11, 0.6, "WETH") != draw_population(market, 6, 12, 0.6, "WETH")
    assert all(isinstance(p, Position) and set(p.collateral) == {"WETH"} for p in drawn)
    assert {p.use for p in drawn} != {drawn[0].use} and all(Decimal("0.05") <= p.use <= Decimal("0.95") for p in drawn)
    out = drive(bench, "populate", "--accounts", "6", "--seed", "11", "--leverage", "0.6")
    assert "6 borrowers opened on WETH (seed 11, leverage 0.6)" in out
    weth = market.collaterals["WETH"].token.address
    for account, p in zip(addresses(6, seed="populate:11"), drawn):
        assert market.pool.call.collateralOf(account, weth) == p.collateral["WETH"]
        debt = market.pool.call.debtOf(account)
        assert p.debt <= debt <= p.debt + p.debt // 10**6  # interest of a few blocks at most
    assert [round(float(u), 2) for u in (leverage_around(0.6).alpha / 7, 1 - leverage_around(0.6).beta / 7)] == [0.6, 0.6]


# ================================================================ the keeper's AMMs follow `price`
def test_price_moves_the_keepers_amm_so_a_flash_take_sells_at_the_new_price(bench):
    chain, market, record = bench_market(bench)
    amms = {s: chain.contract("MockAMM", a) for s, a in record["keeper"]["amms"].items()}
    wbtc_before = amm_price(market, "WBTC", amms["WBTC"])
    out = drive(bench, "price", "WETH", "-10%", "--steps", "2", "--every", "60s")
    feed = Decimal(market.collaterals["WETH"].feed.call.latestRoundData()[1]) / 10**8
    assert abs(amm_price(market, "WETH", amms["WETH"]) / feed - 1) < Decimal("1e-9")
    assert re.search(rf"MockAMM WETH: [\d,.]+ → {feed:,.2f} USDC \(arbitraged to the feeds by account 1\)", out), out
    assert amm_price(market, "WBTC", amms["WBTC"]) == wbtc_before and "MockAMM WBTC" not in out  # only WETH moved
    # a position the fall makes Liquidatable: kicked at once, taken only once the auction's price
    # is under the AMM's (which is now the oracle's), and sold on the AMM at about the new price
    drive(bench, "open", "--account", "7", "--collateral", "WETH=10", "--borrow", "95%")
    borrower = chain.unlocked()[7]
    drive(bench, "price", "WETH", "-40%")  # under HF 1 whatever call level the volatility gave it
    new_price = Decimal(market.collaterals["WETH"].feed.call.latestRoundData()[1]) / 10**8
    rows = [json.loads(line) for line in drive(bench, "keeper", "--once", "--json").splitlines() if line.startswith("{")]
    kicks = [r for r in rows if r["kind"] == "kick" and r["subject"] == borrower]
    assert len(kicks) == 1, rows
    (kick,) = kicks
    auction = re.search(r"auction (\d+):", kick["detail"]).group(1)
    assert not [r for r in rows if r["kind"] == "take" and r["subject"] == auction]  # starts at 1.10 × oracle > AMM
    drive(bench, "time", "+30m", "--keep-feeds-fresh")  # the auction's price falls 1 % per 90 s
    rows = [json.loads(line) for line in drive(bench, "keeper", "--once", "--json").splitlines() if line.startswith("{")]
    (take,) = [r for r in rows if r["kind"] == "take" and r["subject"] == auction]
    assert take["outcome"] == "ok", take
    (sold,) = chain.receipt(chain.w3.eth.get_transaction_receipt(take["tx"])).event("FlashTaken")
    amm_sale = Decimal(sold["owe"] + sold["profit"]) / 10**6 / (Decimal(sold["collateral"]) / 10**18)
    # under the new price by the fee and the slippage of this and other lots sold in the pass; the
    # AMM left where `up` put it would have paid about the price before the two moves (-46 %)
    assert new_price * Decimal("0.95") < amm_sale < new_price


def test_the_swap_that_brings_an_amm_to_a_price_is_the_smallest_that_does():
    from fractions import Fraction

    from margincall.amm import amount_out, swap_to_price

    x, y = 6_666 * 10**18, 20_000_000 * 10**6  # WETH/USDC at $3,000.30
    for target in (Fraction(2_580 * 10**6, 10**18), Fraction(3_300 * 10**6, 10**18)):
        side, a = swap_to_price(x, y, target)

        def after(amount):
            if side == "collateral":
                return Fraction(y - amount_out(amount, x, y), x + amount)
            return Fraction(y + amount, x - amount_out(amount, y, x))

        assert side == ("collateral" if target < Fraction(y, x) else "base")
        reached = (lambda p: p <= target) if side == "collateral" else (lambda p: p >= target)
        assert reached(after(a)) and not reached(after(a - 1))
        assert abs(after(a) / target - 1) < Fraction(1, 10**9)
    assert swap_to_price(x, y, Fraction(y, x)) == ("base", 0)


def test_up_with_the_fixed_spread_baseline_and_its_keeper(tmp_path):
    process, state = start_up(tmp_path, "--liquidator", "fixed-spread")
    try:
        text = (tmp_path / "up.log").read_text()
        assert "(FixedSpreadLiquidator)" in text and "holds 1,000,000 USDC to pay liquidations" in text
        assert "FlashTaker" not in text and "MockAMM" not in text
        record = json.loads(Path(state["deployment"]).read_text())
        assert record["liquidator"] == "fixed-spread" and record["keeper"]["amms"] == {}
        bench = (tmp_path, state, process)
        drive(bench, "open", "--account", "2", "--collateral", "WETH=10", "--borrow", "90%")
        out = drive(bench, "price", "WETH", "-30%")
        assert "MockAMM" not in out and "Healthy → Liquidatable" in out
        out = drive(bench, "keeper", "--once")
        assert "using the recorded FlashTaker" not in out
        assert "│ liquidationCall " in out and "profit " in out and "USDC at the oracle" in out
        w3 = Web3(Web3.HTTPProvider(state["rpcUrl"]))
        market = load_deployment(Chain(w3, Signer(w3.eth.accounts[0])), state["deployment"])
        assert market.liquidator_kind == "fixed-spread"
        keeper, borrower = w3.eth.accounts[0], w3.eth.accounts[2]
        assert market.collaterals["WETH"].token.call.balanceOf(keeper) > 0  # the keeper holds the collateral
        assert market.pool.call.debtOf(borrower) == 0  # HF 1.2592 × 0.7 = 0.88 < 0.95: all of the debt covered
    finally:
        assert stop(process, signal.SIGTERM) == 143
