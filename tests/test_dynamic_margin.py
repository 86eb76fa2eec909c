"""Dynamic margin (DESIGN.md 3) and the oracle deviation rule (DESIGN.md 6) on the demo market.

    callHF_eff = min(maxCallHF, marginCallHF + volSlope · max(0, σ_acct − σ_ref))

with σ_acct the collateral volatilities weighted by value at the status prices. Volatility moves
the start of a warning and the borrowing limit, never whether a position is sold. Exact values
come from ``tests.model.call_level`` (integer reference) with every view pinned to one block.
Most tests switch interest off (``zero_rate``) so that HF does not drift while time passes.
"""

import dataclasses

import brownie
import pytest
from brownie import chain

from tests.model.call_level import (
    HEALTHY,
    LIQUIDATABLE,
    MARGIN_CALL,
    call_level,
    ladder_status,
    max_debt,
    opening_ok,
    valuation,
)
from tests.model.fixed_point import WAD
from tests.model.valuation import DEVIATING, FALLBACK, INVALID, VALID
from tests.support.actions import open_position, post_new_phase
from tests.support.chain_time import latest_block, mine_at, mine_at_least
from tests.support.reads import holdings_of, reference_state
from tests.support.reverts import err, events
from tests.support.units import HOUR, USDC, WBTC, WETH


# ------------------------------------------------------------------ helpers
def feed_answer(feed) -> int:
    return feed.latestRoundData()[1]


def whipsaw(feed, writer, sender, down_bps: int):
    """Two rounds now: −down_bps, then back to the same answer. Prices end unchanged; the
    estimator sees two large returns in (almost) no time."""
    p = feed_answer(feed)
    now = latest_block()[1]
    first = feed.latestRound() + 1
    writer.writeRounds(feed, first, [p * (10_000 - down_bps) // 10_000, p], [now, now], {"from": sender})


def jump_price(market, symbol: str, answer: int, sender):
    """Posts ``answer`` as the first round of a new feed phase of ``symbol`` (round ids jump
    ahead, now), and a keeper pokes it: the estimator restarts there without a sample
    (DESIGN.md 3), so the price moves and σ does not, and later rounds chain on from it. A
    plain round counts at once since v3.3 (the view folds pending rounds in, DESIGN.md 11); the
    ladder tests at the base level move the price this way."""
    asset = market.collaterals[symbol]
    post_new_phase(asset.feed, answer, latest_block()[1], sender)
    market.oracle.poke(asset.token, {"from": sender})


def refresh(writer, sender, *feeds):
    """Re-posts each feed's answer now (one transaction), so that a time jump leaves no stale
    price."""
    writer.refresh(list(feeds), {"from": sender})


def state_at(lens, account, block):
    return lens.accountState(account, block_identifier=block)


def check_against_reference(market, account, block=None):
    """accountState (and effectiveCallHF) equal the reference at ``block``. Returns the state."""
    if block is None:
        block = latest_block()[0]
    v, hf, level = reference_state(market, account, block)
    s = state_at(market.lens, account, block)
    assert s["priceOk"]
    assert s["collateralValue"] == v.collateral_value
    assert s["liquidationValue"] == v.liquidation_value
    assert s["debtValue"] == v.debt_value
    assert s["healthFactor"] == hf
    assert s["callLevel"] == level == market.lens.effectiveCallHF(account, block_identifier=block)
    return s


@pytest.fixture
def feeds(usdc_feed, weth_feed, wbtc_feed):
    return (usdc_feed, weth_feed, wbtc_feed)


# ------------------------------------------------------------------ the effective call level
def test_call_level_weights_two_collaterals_by_value(
    market, pool, weth, wbtc, weth_feed, wbtc_feed, oracle, round_writer, borrower, borrower2, liquidity,
    margin_params, governor,
):
    open_position(market, borrower, {"WETH": 10 * WETH, "WBTC": WBTC // 4}, 20_000 * USDC)  # $30k + $15k
    assert market.lens.effectiveCallHF(borrower) == margin_params.margin_call_hf  # σ = σ_ref for both
    whipsaw(weth_feed, round_writer, governor, 300)  # ±3 %
    whipsaw(wbtc_feed, round_writer, governor, 100)  # ±1 %
    oracle.poke(weth, {"from": governor})
    oracle.poke(wbtc, {"from": governor})
    block, _ = latest_block()
    s_weth = oracle.volatility(weth, block_identifier=block)
    s_wbtc = oracle.volatility(wbtc, block_identifier=block)
    assert s_weth > s_wbtc > margin_params.vol_ref
    s = check_against_reference(market, borrower, block)
    # by hand: σ_acct = ⌈(30,000·σ_WETH + 15,000·σ_WBTC) / 45,000⌉ (values in wad USD)
    sigma = -(-(30_000 * WAD * s_weth + 15_000 * WAD * s_wbtc) // (45_000 * WAD))
    level = margin_params.margin_call_hf + -(-margin_params.vol_slope * (sigma - margin_params.vol_ref) // WAD)
    assert margin_params.margin_call_hf < level < margin_params.max_call_hf  # not clamped
    assert s["callLevel"] == level
    # an account holding only the calmer asset has that asset's level
    open_position(market, borrower2, {"WBTC": WBTC // 4}, 10_000 * USDC)
    block, _ = latest_block()
    s2 = check_against_reference(market, borrower2, block)
    s_wbtc = oracle.volatility(wbtc, block_identifier=block)
    assert s2["callLevel"] == margin_params.margin_call_hf + -(
        -margin_params.vol_slope * (s_wbtc - margin_params.vol_ref) // WAD
    )
    assert s2["callLevel"] < state_at(market.lens, borrower, block)["callLevel"]


def test_call_level_clamps_at_max_call_hf(
    market, pool, weth, weth_feed, oracle, round_writer, borrower, weth_position, margin_params, governor
):
    whipsaw(weth_feed, round_writer, governor, 1_000)  # ±10 %: σ ≈ 290 %
    oracle.poke(weth, {"from": governor})
    s = check_against_reference(market, borrower)
    assert s["callLevel"] == margin_params.max_call_hf


def test_call_level_is_the_base_level_when_calm(
    market, pool, weth, weth_feed, oracle, round_writer, borrower, weth_position, margin_params, governor, feeds
):
    """σ below σ_ref never lowers the level below the base marginCallHF."""
    oracle.poke(weth, {"from": governor})
    mine_at_least(2 * 24 * HOUR)
    refresh(round_writer, governor, *feeds)  # a flat round after two days: σ² divided by 3
    oracle.poke(weth, {"from": governor})
    block, _ = latest_block()
    assert oracle.volatility(weth, block_identifier=block) < margin_params.vol_ref
    s = check_against_reference(market, borrower, block)
    assert s["callLevel"] == margin_params.margin_call_hf


# ------------------------------------------------------------------ volatility never sells
@pytest.mark.parametrize(
    "debt, price",
    [(22_500 * USDC, 2_915 * 10**8), (21_250 * USDC, 3_000 * 10**8), (19_700 * USDC, 3_000 * 10**8)],
    ids=["HF 1.101", "HF 1.200", "HF 1.294"],
)
def test_a_volatility_spike_calls_but_never_liquidates(
    market, pool, weth, weth_feed, oracle, round_writer, borrower, keeper, liquidity, zero_rate, margin_params,
    governor, feeds, debt, price,
):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    open_position(market, borrower, {"WETH": 10 * WETH}, debt)
    weth_feed.setPrice(price, {"from": governor})  # a round left pending: read at once (v3.3), never sells
    s0 = check_against_reference(market, borrower)
    hf = s0["healthFactor"]
    assert margin_params.margin_call_hf < hf < margin_params.max_call_hf
    base = margin_params.margin_call_hf
    assert s0["status"] == ladder_status(hf, s0["callLevel"], base, True, False) != LIQUIDATABLE

    whipsaw(weth_feed, round_writer, governor, 1_000)
    before = market.lens.accountState(borrower)
    tx = oracle.poke(weth, {"from": keeper})
    assert events(tx, "VolatilitySampled")
    s1 = check_against_reference(market, borrower)
    assert s1["healthFactor"] == hf == before["healthFactor"]  # prices did not move
    assert s1["callLevel"] == margin_params.max_call_hf
    assert s1["status"] == MARGIN_CALL

    tx = pool.issueMarginCall(borrower, {"from": keeper})
    deadline = tx.events["MarginCallIssued"]["deadline"]
    assert tx.events["MarginCallIssued"]["healthFactor"] == hf
    for wait in (HOUR, 5 * HOUR + 60, 6 * HOUR):  # before, past the deadline, past the lapse
        mine_at_least(wait)
        refresh(round_writer, governor, *feeds)
        for poke in (False, True):
            if poke:
                oracle.poke(weth, {"from": keeper})
            block, now = latest_block()
            s = check_against_reference(market, borrower, block)
            live = s["callDeadline"] != 0
            assert s["status"] != LIQUIDATABLE
            assert s["status"] == ladder_status(
                s["healthFactor"], s["callLevel"], margin_params.margin_call_hf, True, live and now > deadline
            )
    assert latest_block()[1] > deadline


# ------------------------------------------------------------------ no inflation
def test_a_gap_a_feed_switch_and_repeated_pokes_do_not_inflate(
    market, pool, weth, weth_feed, oracle, round_writer, borrower, weth_position, zero_rate, margin_params,
    governor, new_feed, usdc_feed, wbtc_feed,
):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    oracle.poke(weth, {"from": governor})
    level0 = market.lens.effectiveCallHF(borrower)
    assert level0 == margin_params.margin_call_hf
    assert oracle.volState(weth)["variance"] == market.oracle.volRef() ** 2 // WAD
    # a −3 % round after three silent days
    mine_at_least(3 * 24 * HOUR)
    refresh(round_writer, governor, usdc_feed, wbtc_feed)
    weth_feed.setPrice(feed_answer(weth_feed) * 97 // 100, {"from": governor})
    tx = oracle.poke(weth, {"from": governor})
    assert tx.events["VolatilitySampled"]["variance"] < market.oracle.volRef() ** 2 // WAD
    assert market.lens.effectiveCallHF(borrower) == level0
    # a switch to a primary feed 8 % away: no return is read across it
    feed2 = new_feed(feed_answer(weth_feed) * 92 // 100, "WETH / USD v2")
    oracle.setFeed(weth, True, feed2, 3600, WAD, 10**6 * WAD, {"from": governor})
    tx = oracle.poke(weth, {"from": governor})
    assert "VolatilitySampled" not in tx.events and "VolatilityChainRestarted" in tx.events
    learnt = oracle.volState(weth)["variance"]
    assert learnt < market.oracle.volRef() ** 2 // WAD  # kept across the switch, not raised
    assert market.lens.effectiveCallHF(borrower) == level0
    # repeated pokes
    for _ in range(3):
        tx = oracle.poke(weth, {"from": governor})
        assert "VolatilitySampled" not in tx.events
        assert oracle.volState(weth)["variance"] == learnt
        assert market.lens.effectiveCallHF(borrower) == level0
    check_against_reference(market, borrower)


# ------------------------------------------------------------------ opening risk
def test_max_borrow_is_smaller_at_high_volatility_and_lands_healthy(
    market, pool, weth, weth_feed, oracle, round_writer, borrower, borrower2, liquidity, zero_rate, margin_params,
    governor,
):
    # Incident class: positions opened at the liquidation edge (a borrow limit too close to the liquidation threshold), sellable on the next tick.
    results = {}
    for who, spike in ((borrower, False), (borrower2, True)):
        open_position(market, who, {"WETH": 10 * WETH}, 0)
        if spike:
            whipsaw(weth_feed, round_writer, governor, 1_000)
            oracle.poke(weth, {"from": governor})  # the borrow would consume the rounds itself
        holdings = holdings_of(market, who)
        base_low, base_high = oracle.priceRange(market.base.token)
        level = call_level(valuation(holdings, 0, USDC, base_low, base_high), margin_params)
        assert level == (margin_params.max_call_hf if spike else margin_params.margin_call_hf)
        cap = max_debt(holdings, USDC, base_low, base_high, margin_params)
        _, required, capacity = opening_ok(
            valuation(holdings, cap + 1, USDC, base_low, base_high), level, margin_params.margin_call_hf
        )
        with brownie.reverts(err("InsufficientMargin", required, capacity)):
            pool.borrow(cap + 1, who, {"from": who})
        pool.borrow(cap, who, {"from": who})
        s = check_against_reference(market, who)
        assert s["status"] == HEALTHY and s["healthFactor"] >= s["callLevel"] == level
        results[spike] = cap
    assert results[False] == 22_500 * USDC  # 1.10 · 30,000 · 0.75 / 1.10
    assert results[True] == 24_750 * USDC * 10 // 13  # 1.10 · 30,000 · 0.75 / 1.30, rounded down
    assert results[True] < results[False]


# ------------------------------------------------------------------ the deviation rule
@pytest.fixture
def weth_secondary(oracle, weth, new_feed, governor):
    """Factory: attach a secondary WETH feed at ``answer``."""

    def attach(answer: int):
        feed2 = new_feed(answer, "WETH / USD secondary")
        oracle.setFeed(weth, False, feed2, 3600, WAD, 10**6 * WAD, {"from": governor})
        return feed2

    return attach


@pytest.fixture
def usdc_secondary(oracle, usdc, new_feed, governor):
    def attach(answer: int):
        feed2 = new_feed(answer, "USDC / USD secondary")
        oracle.setFeed(usdc, False, feed2, 86400, WAD // 2, 2 * WAD, {"from": governor})
        return feed2

    return attach


def test_price_status_cases(oracle, weth, weth_feed, weth_secondary, governor):
    assert oracle.priceStatus(weth) == VALID  # no secondary
    feed2 = weth_secondary(3060 * 10**8)  # exactly 2 % above: a tie is not a deviation
    assert oracle.priceStatus(weth) == VALID
    assert list(oracle.priceRange(weth)) == [3000 * WAD, 3000 * WAD]
    feed2.setPrice(3060 * 10**8 + 1, {"from": governor})
    assert oracle.priceStatus(weth) == DEVIATING
    assert list(oracle.priceRange(weth)) == [3000 * WAD, 3060 * WAD + 10**10]
    weth_feed.setRound(weth_feed.latestRound() + 1, 0, chain[-1].timestamp, weth_feed.latestRound() + 1,
                       {"from": governor})  # primary answers 0: invalid
    assert oracle.priceStatus(weth) == FALLBACK
    assert oracle.getPrice(weth) == 3060 * WAD + 10**10
    feed2.setReverting(True, {"from": governor})
    assert oracle.priceStatus(weth) == INVALID
    tx = oracle.poke(weth, {"from": governor})
    assert tx.events["PriceStatusChanged"]["newStatus"] == INVALID


@pytest.mark.parametrize("deviating", ["collateral", "base"])
def test_one_deviating_feed_cannot_get_an_account_called(
    market, pool, weth, usdc, borrower, keeper, liquidity, zero_rate, weth_secondary, usdc_secondary, oracle,
    deviating,
):
    # Incident class: one faulty or manipulated price feed among two (primary/secondary disagreement) deciding a liquidation.
    open_position(market, borrower, {"WETH": 10 * WETH}, 21_000 * USDC)  # HF 1.214 at $3,000
    if deviating == "collateral":
        weth_secondary(2_700 * 10**8)  # −10 %: HF 1.093 at the secondary
        assert oracle.priceStatus(weth) == DEVIATING
    else:
        usdc_secondary(108 * 10**6)  # +8 %: HF 1.124 at the secondary
        assert oracle.priceStatus(usdc) == DEVIATING
    s = check_against_reference(market, borrower)
    assert s["status"] == HEALTHY
    assert s["healthFactor"] == 25_500 * WAD // 21_000
    assert pool.healthFactor(borrower) == s["healthFactor"]
    with brownie.reverts(err("NotInMarginCall", HEALTHY)):
        pool.issueMarginCall(borrower, {"from": keeper})


@pytest.mark.parametrize("primary_low", [True, False])
def test_hf_straddling_one_between_feeds_is_margin_call_not_liquidatable(
    market, pool, weth, weth_feed, borrower, keeper, liquidity, zero_rate, weth_secondary, oracle, governor,
    primary_low,
):
    # Incident class: one faulty or manipulated price feed among two (primary/secondary disagreement) deciding a liquidation.
    open_position(market, borrower, {"WETH": 10 * WETH}, 21_000 * USDC)
    low, high = 2_400 * 10**8, 2_520 * 10**8  # HF 0.971 and 1.020
    weth_feed.setPrice(low if primary_low else high, {"from": governor})
    weth_secondary(high if primary_low else low)
    assert oracle.priceStatus(weth) == DEVIATING
    s = check_against_reference(market, borrower)
    assert s["healthFactor"] == 21_420 * WAD // 21_000  # at the higher price
    assert s["status"] == MARGIN_CALL
    assert pool.accountStatus(borrower) == MARGIN_CALL
    tx = pool.issueMarginCall(borrower, {"from": keeper})
    assert tx.events["MarginCallIssued"]["healthFactor"] == s["healthFactor"]
    # both feeds agreeing on the low price: Liquidatable at once (HF < 1, no deadline needed)
    oracle.detachSecondary(weth, {"from": governor})
    weth_feed.setPrice(low, {"from": governor})
    assert pool.accountStatus(borrower) == LIQUIDATABLE


def test_borrow_and_withdraw_use_the_worse_price(
    market, pool, weth, usdc, borrower, liquidity, zero_rate, weth_secondary, usdc_secondary, margin_params, oracle,
):
    # Incident class: one faulty or manipulated price feed among two (primary/secondary disagreement) deciding a liquidation.
    open_position(market, borrower, {"WETH": 10 * WETH}, 0)
    weth_secondary(2_900 * 10**8)  # WETH range [2,900, 3,000]
    usdc_secondary(102 * 10**6 + 1)  # USDC range [1.00, 1.02000001]
    assert oracle.priceStatus(weth) == DEVIATING and oracle.priceStatus(usdc) == DEVIATING
    holdings = holdings_of(market, borrower)
    base_low, base_high = oracle.priceRange(usdc)
    assert (holdings[0].low, holdings[0].high) == (2_900 * WAD, 3_000 * WAD)
    cap = max_debt(holdings, USDC, base_low, base_high, margin_params)
    # by hand: 1.1 · 29,000 · 0.75 ≥ 1.1 · debt · 1.02000001 (the worse end of both ranges)
    assert abs(cap - 21_750 * USDC * 10**8 // (102 * 10**6 + 1)) <= 1
    level = margin_params.margin_call_hf
    _, required, capacity = opening_ok(valuation(holdings, cap + 1, USDC, base_low, base_high), level, level)
    with brownie.reverts(err("InsufficientMargin", required, capacity)):
        pool.borrow(cap + 1, borrower, {"from": borrower})
    pool.borrow(cap, borrower, {"from": borrower})
    assert pool.accountStatus(borrower) == HEALTHY
    left = [dataclasses.replace(h, amount=h.amount - 10**12) for h in holdings]
    _, required, capacity = opening_ok(valuation(left, cap, USDC, base_low, base_high), level, level)
    with brownie.reverts(err("InsufficientMargin", required, capacity)):
        pool.withdrawCollateral(weth, 10**12, borrower, {"from": borrower})
    # after repaying half, the largest withdrawal is found at the worse prices too
    usdc.approve(pool, cap, {"from": borrower})
    pool.repay(cap // 2, borrower, {"from": borrower})
    debt = pool.debtOf(borrower)
    lo, hi = 0, 10 * WETH
    while hi - lo > 1:
        mid = (lo + hi) // 2
        left = [dataclasses.replace(h, amount=h.amount - mid) for h in holdings]
        ok = opening_ok(valuation(left, debt, USDC, base_low, base_high), level, level)[0]
        lo, hi = (mid, hi) if ok else (lo, mid)
    with brownie.reverts(revert_pattern="InsufficientMargin: .*"):
        pool.withdrawCollateral(weth, lo + 1, borrower, {"from": borrower})
    pool.withdrawCollateral(weth, lo, borrower, {"from": borrower})
    check_against_reference(market, borrower)


# ------------------------------------------------------------------ exact boundaries
@pytest.fixture
def twin_positions(market, pool, borrower, borrower2, liquidity, zero_rate):
    """``borrower``: 10 WETH; ``borrower2``: 10 WETH − 1 wei; both owe 17,000 USDC (debt value
    exactly 17,000e18 at $1)."""
    open_position(market, borrower, {"WETH": 10 * WETH}, 17_000 * USDC)
    open_position(market, borrower2, {"WETH": 10 * WETH - 1}, 17_000 * USDC)
    return borrower, borrower2


def test_hf_exactly_one_is_margin_call_one_wei_below_liquidatable(
    market, pool, weth_feed, twin_positions, keeper, governor
):
    exact, below = twin_positions
    weth_feed.setPrice(2_000 * 10**8, {"from": governor})  # liq value 17,000 exactly
    s = check_against_reference(market, exact)
    assert s["healthFactor"] == WAD and s["status"] == MARGIN_CALL
    s2 = check_against_reference(market, below)
    assert s2["healthFactor"] == WAD - 1 and s2["status"] == LIQUIDATABLE
    pool.issueMarginCall(exact, {"from": keeper})
    with brownie.reverts(err("NotInMarginCall", LIQUIDATABLE)):
        pool.issueMarginCall(below, {"from": keeper})


def test_hf_exactly_the_call_level_is_healthy(
    market, pool, weth, weth_feed, oracle, round_writer, twin_positions, keeper, margin_params, governor
):
    exact, below = twin_positions
    jump_price(market, "WETH", 2_200 * 10**8, governor)  # HF 1.10 exactly: the base level
    for who, hf, status in ((exact, 11 * 10**17, HEALTHY), (below, 11 * 10**17 - 1, MARGIN_CALL)):
        s = check_against_reference(market, who)
        assert (s["healthFactor"], s["callLevel"], s["status"]) == (hf, margin_params.margin_call_hf, status)
    with brownie.reverts(err("NotInMarginCall", HEALTHY)):
        pool.issueMarginCall(exact, {"from": keeper})
    # at the clamped level 1.30: HF 1.30 exactly is Healthy, one wei less is MarginCall
    weth_feed.setPrice(2_600 * 10**8, {"from": governor})
    whipsaw(weth_feed, round_writer, governor, 1_000)
    oracle.poke(weth, {"from": governor})
    for who, hf, status in ((exact, 13 * 10**17, HEALTHY), (below, 13 * 10**17 - 1, MARGIN_CALL)):
        s = check_against_reference(market, who)
        assert (s["healthFactor"], s["callLevel"], s["status"]) == (hf, margin_params.max_call_hf, status)
    pool.issueMarginCall(below, {"from": keeper})


def test_base_level_after_the_deadline(
    market, pool, weth_feed, usdc_feed, wbtc_feed, round_writer, twin_positions, keeper, margin_params, governor
):
    """A live call past its deadline: HF exactly the base marginCallHF is not Liquidatable, one
    wei below is. At the deadline second itself neither is (the deadline has not passed)."""
    exact, below = twin_positions
    jump_price(market, "WETH", 2_100 * 10**8, governor)  # HF 1.05: both in the band
    deadlines = [pool.issueMarginCall(who, {"from": keeper}).events["MarginCallIssued"]["deadline"]
                 for who in (exact, below)]
    mine_at_least(deadlines[1] - latest_block()[1] - 600)
    refresh(round_writer, governor, usdc_feed, wbtc_feed)
    jump_price(market, "WETH", 2_200 * 10**8, governor)  # HF 1.10 exactly / 1.10 − 1 wei
    mine_at(deadlines[1])
    block, now = latest_block()
    assert now == deadlines[1] and now > deadlines[0] - 600
    assert state_at(market.lens, below, block)["status"] == MARGIN_CALL  # at its deadline: not passed
    mine_at(deadlines[1] + 1)
    block, now = latest_block()
    s = check_against_reference(market, exact, block)
    assert s["healthFactor"] == margin_params.margin_call_hf and s["callDeadline"] == deadlines[0]
    assert s["status"] == HEALTHY  # ≥ the level and ≥ the base level: the live call does not matter
    s2 = check_against_reference(market, below, block)
    assert s2["healthFactor"] == margin_params.margin_call_hf - 1 and s2["callDeadline"] == deadlines[1]
    assert s2["status"] == LIQUIDATABLE
    assert pool.accountStatus(below) == LIQUIDATABLE
    # the Healthy account's call is cleared by anyone; the other one stays
    tx = pool.clearMarginCall(exact, {"from": keeper})
    assert "MarginCallMet" in tx.events
    with brownie.reverts(err("AccountNotHealthy", LIQUIDATABLE)):
        pool.clearMarginCall(below, {"from": keeper})
