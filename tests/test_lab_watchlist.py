"""The cascade's watchlist (``margincall.lab.watchlist``): the accounts a block's read asks PoolLens
(and the pool, for their holdings) about, the others written by an exact model of the lens. The model must agree with the lens to
the wei at every block, and a run reading through it must take exactly the decisions (calls,
kicks, takes: every event, sample and total) of a run that asks the lens about every account."""

from collections import namedtuple

from margincall.lab.engine import RunOptions
from margincall.lab.metrics import read_metrics
from margincall.lab.scenarios import run_scenario
from margincall.lab.watchlist import DEADLINE_ROOM, WAD, Snapshot, Watchlist
from margincall.status import AccountStatus

FIELDS = (
    "debt collateralValue liquidationValue debtValue healthFactor callLevel status callDeadline priceOk debtInAuction "
    "liveAuctions assetsIn liquidationPrice liquidationDrop"
)
State = namedtuple("State", FIELDS)
WETH, WBTC = "0x" + "11" * 20, "0x" + "22" * 20


def snapshot(weth_usd, wbtc_usd=50_000, index=10**27, vol=(WAD // 2, WAD // 2), ok=True):
    asset = [int(WETH, 16), int(WBTC, 16)] + [0] * 6
    return Snapshot(
        {
            "ok": ok, "market": {"marginCallHF": 11 * WAD // 10, "maxCallHF": 13 * WAD // 10, "volSlope": WAD // 4},
            "borrowIndex": index, "volRef": 6 * WAD // 10, "basePriced": True, "baseLow": WAD, "asset": asset,
            "scale": [10**18, 10**8] + [0] * 6, "liquidationFactor": [85 * WAD // 100, 80 * WAD // 100] + [0] * 6,
            "volatility": list(vol) + [0] * 6, "priced": [True, True] + [False] * 6,
            "high": [weth_usd * WAD, wbtc_usd * WAD] + [0] * 6,
        }
    )  # fmt: skip


def watchlist():
    holdings = {"a": {WETH: 10**18}, "b": {WETH: 10**18, WBTC: 10**7}, "c": {WETH: 2 * 10**18}}
    return Watchlist(State, 10**6, holdings, {"a": 2_000 * 10**6, "b": 5_000 * 10**6, "c": 3_000 * 10**6})


def test_the_model_values_an_account_as_the_lens_does():
    written, due = watchlist().value(snapshot(3_000), ["a", "b"], timestamp=1_000)
    assert due == []
    a = written["a"]
    # 1 WETH at $3,000 · 0.85 against 2,000 USDC: HF 1.275, below the call level of 1.10 + 0.25 · 0 → Healthy
    assert (a.debt, a.collateralValue, a.liquidationValue, a.debtValue) == (2_000 * 10**6, 3_000 * WAD, 2_550 * WAD, 2_000 * WAD)
    assert a.healthFactor == 1_275 * WAD // 1_000 and a.callLevel == 11 * WAD // 10 and a.status == AccountStatus.Healthy
    assert a.assetsIn == 1 and a.liquidationPrice == -(-2_000 * WAD * WAD // (85 * WAD // 100))  # ⌈D·WAD/lf⌉·scale/amount
    assert a.liquidationDrop == WAD - -(-2_000 * WAD * WAD // (2_550 * WAD))
    b = written["b"]  # two collaterals: no single liquidation price
    assert b.assetsIn == 3 and b.liquidationPrice == 0 and b.collateralValue == 8_000 * WAD


def test_the_ladder_and_the_volatility_scaled_call_level():
    # σ 100 %: call level 1.10 + 0.25 · 0.40 = 1.20; WETH at $2,700 puts "a" at HF 1.1475: in the band
    written, _ = watchlist().value(snapshot(2_700, vol=(WAD, WAD)), ["a"], timestamp=1_000)
    assert written["a"].callLevel == 12 * WAD // 10 and written["a"].status == AccountStatus.MarginCall
    written, _ = watchlist().value(snapshot(2_000), ["a"], timestamp=1_000)  # HF 0.85
    assert written["a"].status == AccountStatus.Liquidatable
    # interest: the index up 10 % makes the debt 2,200 USDC, rounded up
    written, _ = watchlist().value(snapshot(3_000, index=11 * 10**26), ["a"], timestamp=1_000)
    assert written["a"].debt == 2_200 * 10**6 and written["a"].healthFactor == 2_550 * WAD // 2_200


def test_what_the_model_cannot_vouch_for_is_read_and_what_a_read_says_is_learnt():
    w = watchlist()
    w.touch(["a", "b"])  # transactions named them: read at the next block
    _, due = w.value(snapshot(3_000), ["a", "b", "c"], timestamp=1_000)
    assert due == ["a", "b"]
    called = State(*([0] * 14))._replace(callDeadline=1_000 + DEADLINE_ROOM + 30, assetsIn=1)
    kicked = State(*([0] * 14))._replace(liveAuctions=1, debtInAuction=777, assetsIn=3)  # a kick took half of each
    w.absorb([("a", called), ("b", kicked)], {"b": (2_500 * 10**6, {WETH: 5 * 10**17, WBTC: 5 * 10**6})})
    written, due = w.value(snapshot(3_000), ["a", "b", "c"], timestamp=1_000)
    assert due == [] and written["a"].callDeadline == 1_000 + DEADLINE_ROOM + 30
    b = written["b"]  # valued from what the pool answered: its holdings, its auctions
    assert (b.debt, b.collateralValue, b.liveAuctions, b.debtInAuction) == (2_500 * 10**6, 4_000 * WAD, 1, 777)
    _, due = w.value(snapshot(3_000), ["a", "b", "c"], timestamp=1_030)  # a's deadline is now near
    assert due == ["a"]
    _, due = w.value(snapshot(3_000, ok=False), ["a", "b", "c"], timestamp=1_030)  # a price missing: every account
    assert due == ["a", "b", "c"]


def _run(tmp_path, reads):
    folder = run_scenario("cascade", RunOptions(seed=3, accounts=60, out=tmp_path / reads, extra={"reads": reads}))
    return read_metrics(folder)


def test_reading_through_the_watchlist_decides_exactly_as_reading_every_account(tmp_path):
    # "checked": every account read from the lens at every block, and the model checked against it
    # (a difference stops the run); "model": the run as it goes by default
    checked, model = _run(tmp_path, "checked"), _run(tmp_path, "model")
    assert checked["throughput"]["lensAccountReads"] == checked["throughput"]["accountStatesRead"]
    assert model["throughput"]["lensAccountReads"] < model["throughput"]["accountStatesRead"]
    steady = [{k: v for k, v in m.items() if k not in ("wall", "throughput")} for m in (checked, model)]
    assert steady[0] == steady[1]
    assert model["totals"]["kicks"] > 0 and any(e["kind"] == "call" for e in model["events"])
