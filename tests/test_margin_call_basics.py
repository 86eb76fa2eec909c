"""The margin-call ladder of DESIGN.md 3 on the demo market: Healthy / MarginCall / Liquidatable
against the health factor computed exactly in Python, issuing, meeting, clearing and lapsing a
call, and the deadline rule.

Most tests run the *base* ladder (fixture ``base_ladder``): the governor sets a flat 0 % rate
model and ``volSlope`` 0, so the health factor moves only with prices and the effective
margin-call level is exactly ``marginCallHF`` (1.10). The volatility term and interest each
have a test of their own here with the demo parameters untouched.

The position: 10 WETH and 17,000 USDC of debt. WETH at $2,200 puts HF at exactly 1.10 and at
$2,000 at exactly 1.00 (10 · P · 0.85 / 17,000)."""

import pytest
from brownie import InterestRateModel

from tests.model.call_level import HEALTHY, LIQUIDATABLE, MARGIN_CALL
from tests.model.fixed_point import RAY, WAD, div_up
from tests.model.interest import expected_accrual
from tests.model.valuation import Holding, borrow_capacity, debt_value, health_factor, liquidation_value
from tests.support.actions import post_round
from tests.support.chain_time import mine_at, next_block_at, now
from tests.support.reads import pool_books
from tests.support.reverts import err, event, plain, reverts_views_unchanged
from tests.support.units import answer

COLLATERAL = 10 * 10**18  # [WETH units]
DEBT = 17_000 * 10**6  # [USDC units]
WETH_LF, WETH_BF = 85 * 10**16, 75 * 10**16
CALL_HF = 110 * 10**16
GRACE = 6 * 3600
MARKET_KEYS = (
    "marginCallHF", "gracePeriod", "targetHF", "fullLiquidationHF", "maxCallHF", "reserveFactor", "dust", "volSlope",
    "exitMargin",
)


def usd(price: str) -> int:
    """A human USD price as WAD, the way an 8-decimal feed reports it."""
    return answer(price) * 10**10


def hf_of(weth_amount: int, weth_price: int, debt: int) -> int:
    weth = Holding(weth_amount, weth_price, 18, liquidation_factor=WETH_LF)
    return health_factor(liquidation_value([weth]), debt_value(debt))


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def base_ladder(config, governor):
    """Interest frozen (flat 0 % model) and no volatility term (volSlope 0)."""
    flat = InterestRateModel.deploy(0, 80 * 10**16, 0, 0, {"from": governor})
    config.setRateModel(flat, {"from": governor})
    params = dict(zip(MARKET_KEYS, config.marketParamsTarget()))
    params["volSlope"] = 0
    config.setMarketParams(tuple(params[k] for k in MARKET_KEYS), {"from": governor})


def open_position(pool, weth, usdc, borrower, collateral, debt):
    weth.mint(borrower, collateral + 5 * 10**18, {"from": borrower})  # and 5 WETH to top up with
    weth.approve(pool, 2**256 - 1, {"from": borrower})
    pool.depositCollateral(weth, collateral, borrower, {"from": borrower})
    pool.borrow(debt, borrower, {"from": borrower})
    usdc.mint(borrower, 10**12, {"from": borrower})  # room to repay
    usdc.approve(pool, 2**256 - 1, {"from": borrower})


@pytest.fixture
def position(base_ladder, pool, weth, usdc, borrower, liquidity):
    """``borrower``: 10 WETH, 17,000 USDC of debt, at WETH $3,000 (HF 1.50)."""
    open_position(pool, weth, usdc, borrower, COLLATERAL, DEBT)
    assert pool.healthFactor(borrower) == 15 * 10**17


@pytest.fixture
def set_weth(weth_feed, governor):
    """Post a fresh WETH round at ``price`` (USD string), stamped ``at`` (default: now)."""

    def post(price: str, at: int | None = None):
        post_round(weth_feed, answer(price), now() if at is None else at, governor)

    return post


def account(pool, borrower, weth):
    """The account's books, for the 'nothing changed' checks (none of them moves with time
    at a 0 % rate)."""
    return lambda: (
        pool.normalizedDebtOf(borrower),
        pool.collateralOf(borrower, weth),
        pool.totalCollateral(weth),
        pool.marginCallDeadline(borrower),
        pool.cash(),
    )


def issue(pool, borrower, keeper):
    tx = pool.issueMarginCall(borrower, {"from": keeper})
    return tx, tx.events["MarginCallIssued"]["deadline"]


# ================================================================== statuses
@pytest.mark.parametrize(
    "price, expected_hf, status",
    [
        ("3000", 15 * 10**17, HEALTHY),
        ("2200", CALL_HF, HEALTHY),  # HF exactly 1.10: Healthy
        ("2199.99999999", None, MARGIN_CALL),
        ("2000", WAD, MARGIN_CALL),  # HF exactly 1.00: in the band, not Liquidatable
        ("1999.99999999", None, LIQUIDATABLE),  # HF < 1: Liquidatable at once, without a call
    ],
)
def test_status_follows_the_health_factor(pool, lens, weth, borrower, position, set_weth, price, expected_hf, status):
    set_weth(price)
    hf = hf_of(COLLATERAL, usd(price), DEBT)
    if expected_hf is not None:
        assert hf == expected_hf
    assert pool.healthFactor(borrower) == hf
    assert pool.accountStatus(borrower) == status
    assert pool.marginCallDeadline(borrower) == 0
    state = lens.accountState(borrower)
    assert (state["healthFactor"], state["callLevel"], state["status"], state["priceOk"]) == (hf, CALL_HF, status, True)


def test_margin_call_only_in_the_band(pool, weth, borrower, stranger, keeper, position, set_weth):
    state = account(pool, borrower, weth)
    with reverts_views_unchanged(err("NotInMarginCall", HEALTHY), state):
        pool.issueMarginCall(borrower, {"from": keeper})
    with reverts_views_unchanged(err("NotInMarginCall", HEALTHY), state):
        pool.issueMarginCall(stranger, {"from": keeper})  # no debt at all
    set_weth("1999.99999999")
    with reverts_views_unchanged(err("NotInMarginCall", LIQUIDATABLE), state):
        pool.issueMarginCall(borrower, {"from": keeper})

    set_weth("2100")
    tx, deadline = issue(pool, borrower, keeper)
    hf = hf_of(COLLATERAL, usd("2100"), DEBT)
    assert event(tx, "MarginCallIssued") == plain((borrower, hf, tx.timestamp + GRACE))
    assert pool.marginCallDeadline(borrower) == deadline
    assert pool.accountStatus(borrower) == MARGIN_CALL
    with reverts_views_unchanged(err("MarginCallAlreadyLive", deadline), account(pool, borrower, weth)):
        pool.issueMarginCall(borrower, {"from": keeper})


def test_after_the_deadline_liquidatable_only_below_the_base_level(
    pool, borrower, keeper, position, set_weth
):
    set_weth("2100")  # HF 1.05
    _, deadline = issue(pool, borrower, keeper)

    set_weth("2100", at=deadline)
    mine_at(deadline)
    assert pool.accountStatus(borrower) == MARGIN_CALL  # at the deadline: not yet
    mine_at(deadline + 1)
    assert pool.accountStatus(borrower) == LIQUIDATABLE

    after_deadline = (("2200", HEALTHY), ("2199.99999999", LIQUIDATABLE), ("2000", LIQUIDATABLE), ("3000", HEALTHY))
    for price, status in after_deadline:
        set_weth(price)
        assert pool.accountStatus(borrower) == status, price
        assert pool.marginCallDeadline(borrower) == deadline  # the call lives on while Healthy


# ================================================================== meeting the call
def test_top_up_meets_the_call_only_when_it_leaves_the_account_healthy(
    pool, weth, borrower, keeper, position, set_weth
):
    set_weth("2000")  # HF 1.00
    _, deadline = issue(pool, borrower, keeper)

    tx = pool.depositCollateral(weth, 10**18 - 1, borrower, {"from": borrower})
    hf = hf_of(11 * 10**18 - 1, usd("2000"), DEBT)
    assert hf == CALL_HF - 1
    assert "MarginCallMet" not in tx.events
    assert pool.healthFactor(borrower) == hf
    assert pool.accountStatus(borrower) == MARGIN_CALL
    assert pool.marginCallDeadline(borrower) == deadline

    tx = pool.depositCollateral(weth, 1, borrower, {"from": borrower})
    assert event(tx, "MarginCallMet") == plain((borrower,))
    assert pool.healthFactor(borrower) == CALL_HF
    assert pool.accountStatus(borrower) == HEALTHY
    assert pool.marginCallDeadline(borrower) == 0


def test_repay_meets_the_call_only_when_it_leaves_the_account_healthy(
    pool, weth, borrower, keeper, position, set_weth
):
    set_weth("2000")
    _, deadline = issue(pool, borrower, keeper)
    liq = liquidation_value([Holding(COLLATERAL, usd("2000"), 18, liquidation_factor=WETH_LF)])
    healthy_debt = liq * WAD // (CALL_HF * 10**12)  # the largest debt with HF ≥ 1.10
    assert hf_of(COLLATERAL, usd("2000"), healthy_debt) >= CALL_HF > hf_of(COLLATERAL, usd("2000"), healthy_debt + 1)

    tx = pool.repay(DEBT - healthy_debt - 1, borrower, {"from": borrower})
    assert "MarginCallMet" not in tx.events
    assert pool.debtOf(borrower) == healthy_debt + 1
    assert pool.marginCallDeadline(borrower) == deadline
    assert pool.accountStatus(borrower) == MARGIN_CALL

    tx = pool.repay(1, borrower, {"from": borrower})
    assert event(tx, "MarginCallMet") == plain((borrower,))
    assert pool.marginCallDeadline(borrower) == 0
    assert pool.accountStatus(borrower) == HEALTHY


def test_clear_margin_call(pool, weth, borrower, keeper, position, set_weth):
    with reverts_views_unchanged(err("NoLiveMarginCall"), account(pool, borrower, weth)):
        pool.clearMarginCall(borrower, {"from": keeper})
    set_weth("2100")
    _, deadline = issue(pool, borrower, keeper)
    with reverts_views_unchanged(err("AccountNotHealthy", MARGIN_CALL), account(pool, borrower, weth)):
        pool.clearMarginCall(borrower, {"from": keeper})
    set_weth("1999.99999999")
    with reverts_views_unchanged(err("AccountNotHealthy", LIQUIDATABLE), account(pool, borrower, weth)):
        pool.clearMarginCall(borrower, {"from": keeper})

    set_weth("2200")  # HF exactly 1.10, with no transaction of the account's
    assert pool.marginCallDeadline(borrower) == deadline
    tx = pool.clearMarginCall(borrower, {"from": keeper})
    assert event(tx, "MarginCallMet") == plain((borrower,))
    assert pool.marginCallDeadline(borrower) == 0
    with reverts_views_unchanged(err("NoLiveMarginCall"), account(pool, borrower, weth)):
        pool.clearMarginCall(borrower, {"from": keeper})


# ================================================================== lapse and recovery
def test_a_call_lapses_one_grace_period_after_its_deadline(pool, weth, borrower, keeper, position, set_weth):
    set_weth("2100")
    _, deadline = issue(pool, borrower, keeper)
    lapses_at = deadline + GRACE

    set_weth("2100", at=lapses_at - 1)
    mine_at(lapses_at - 1)
    assert pool.marginCallDeadline(borrower) == deadline
    assert pool.accountStatus(borrower) == LIQUIDATABLE

    mine_at(lapses_at)
    assert pool.marginCallDeadline(borrower) == 0
    assert pool.accountStatus(borrower) == MARGIN_CALL  # back in the band: a new call is needed
    with reverts_views_unchanged(err("NoLiveMarginCall"), account(pool, borrower, weth)):
        pool.clearMarginCall(borrower, {"from": keeper})

    next_block_at(lapses_at + 5)
    tx, new_deadline = issue(pool, borrower, keeper)
    assert new_deadline == lapses_at + 5 + GRACE  # with a new grace period
    assert pool.marginCallDeadline(borrower) == new_deadline
    assert pool.accountStatus(borrower) == MARGIN_CALL


def test_a_recovered_call_still_bites_after_the_deadline(pool, borrower, keeper, position, set_weth):
    """Prices recover with no transaction: the call lives on; a dip below the base level
    before the lapse is Liquidatable at once after the deadline."""
    set_weth("2100")
    _, deadline = issue(pool, borrower, keeper)
    set_weth("3000")
    assert pool.accountStatus(borrower) == HEALTHY
    assert pool.marginCallDeadline(borrower) == deadline

    set_weth("3000", at=deadline + 1)
    mine_at(deadline + 1)
    assert pool.accountStatus(borrower) == HEALTHY
    set_weth("2150")  # HF 1.075: no new call, no new grace
    assert pool.accountStatus(borrower) == LIQUIDATABLE
    assert pool.marginCallDeadline(borrower) == deadline


# ================================================================== no reset by deposit-then-withdraw
def test_deposit_then_withdraw_cannot_reset_a_call(pool, weth, borrower, keeper, position, set_weth):
    # Incident class: resetting a liquidation grace timer with a round trip of actions (deposit then withdraw).
    set_weth("2000")  # HF 1.00
    _, deadline = issue(pool, borrower, keeper)
    half = 5 * 10**17

    # a top-up that stays in the band keeps the call, and a called account opens no risk
    pool.depositCollateral(weth, half, borrower, {"from": borrower})
    assert pool.marginCallDeadline(borrower) == deadline
    with reverts_views_unchanged(err("AccountNotHealthy", MARGIN_CALL), account(pool, borrower, weth)):
        pool.withdrawCollateral(weth, half, borrower, {"from": borrower})

    # a top-up to Healthy meets the call legitimately (HF exactly 1.10) ...
    tx = pool.depositCollateral(weth, half, borrower, {"from": borrower})
    assert "MarginCallMet" in tx.events and pool.marginCallDeadline(borrower) == 0
    assert pool.healthFactor(borrower) == CALL_HF

    # ... and taking it back out is refused by the opening-risk rule, to the last wei
    def opening(amount):
        capacity = borrow_capacity([Holding(amount, usd("2000"), 18, borrow_factor=WETH_BF)]) * CALL_HF // WAD
        return div_up(debt_value(DEBT) * CALL_HF, WAD), capacity

    for amount in (10**18, 1):
        required, capacity = opening(11 * 10**18 - amount)
        assert required > capacity
        with reverts_views_unchanged(err("InsufficientMargin", required, capacity), account(pool, borrower, weth)):
            pool.withdrawCollateral(weth, amount, borrower, {"from": borrower})
    assert opening(10 * 10**18) == (18_700 * WAD, 16_500 * WAD)
    assert pool.accountStatus(borrower) == HEALTHY


def test_deposit_then_withdraw_with_the_volatility_term(
    pool, lens, oracle, weth, usdc, weth_feed, borrower, keeper, liquidity, governor, spec
):
    """Demo parameters untouched (volSlope 0.25, demo rates). The crash round counts from the
    block it is posted (v3.3: the pool reads σ with pending rounds folded in, DESIGN.md 11):
    volatility raises the call level to maxCallHF, so a top-up to HF 1.10 does not meet the
    call, and the withdrawal is refused as not Healthy. (v3.2: the top-up met the call at the
    stale level, and only the withdrawal's own poke put the account back in the band.)"""
    # Incident class: resetting a liquidation grace timer with a round trip of actions (deposit then withdraw).
    open_position(pool, weth, usdc, borrower, COLLATERAL, DEBT)
    post_round(weth_feed, answer("2050"), now(), governor)  # HF ≈ 1.025
    issue(pool, borrower, keeper)
    tx = pool.depositCollateral(weth, 75 * 10**16, borrower, {"from": borrower})  # HF ≈ 1.10 at σ_ref
    max_call_hf = spec.market["max_call_hf"]
    assert "MarginCallMet" not in tx.events  # v3.3 (v3.2: met at the stale level)
    assert lens.effectiveCallHF(borrower) == max_call_hf  # v3.3: the pending crash round is read (v3.2: CALL_HF)

    with reverts_views_unchanged(err("AccountNotHealthy", MARGIN_CALL), account(pool, borrower, weth)):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})

    oracle.poke(weth, {"from": keeper})
    assert lens.effectiveCallHF(borrower) == max_call_hf
    assert CALL_HF <= pool.healthFactor(borrower) < max_call_hf
    assert pool.accountStatus(borrower) == MARGIN_CALL  # a poke never makes it Liquidatable


# ================================================================== interest
def test_interest_alone_pushes_an_account_into_the_band(pool, weth, usdc, weth_feed, usdc_feed, borrower,
                                                        supplier, keeper, governor, spec):
    """Demo rate model, 95 % utilisation (≈ 60 % APR): no price moves, the debt grows."""
    usdc.mint(supplier, 20_000 * 10**6, {"from": supplier})
    usdc.approve(pool, 20_000 * 10**6, {"from": supplier})
    pool.supply(20_000 * 10**6, supplier, {"from": supplier})
    open_position(pool, weth, usdc, borrower, COLLATERAL, 19_000 * 10**6)
    assert pool.accountStatus(borrower) == HEALTHY

    t = now() + 140 * 86400
    for feed in (weth_feed, usdc_feed):
        post_round(feed, feed.latestRoundData()[1], t, governor)
    books = pool_books(pool)
    next_block_at(t)
    tx = pool.accrueInterest({"from": keeper})
    curve = tuple(spec.interest[k] for k in ("base_rate", "kink", "kink_rate", "max_rate"))
    index, interest, to_reserves, rate = expected_accrual(books, curve, spec.market["reserve_factor"], t)
    assert event(tx, "InterestAccrued") == (index, interest, to_reserves, rate)

    debt = div_up(pool.normalizedDebtOf(borrower) * index, RAY)
    assert pool.debtOf(borrower) == debt
    hf = hf_of(COLLATERAL, 3000 * WAD, debt)
    assert WAD <= hf < CALL_HF
    assert pool.healthFactor(borrower) == hf
    assert pool.accountStatus(borrower) == MARGIN_CALL
    next_block_at(t)  # the call at the same second: no interest since the reads
    tx, _ = issue(pool, borrower, keeper)
    assert tx.events["MarginCallIssued"]["healthFactor"] == hf


# ================================================================== stale prices
def test_repay_and_top_up_work_on_a_stale_feed_and_keep_the_call(
    pool, lens, oracle, weth, weth_feed, borrower, keeper, position, set_weth
):
    set_weth("2000")
    _, deadline = issue(pool, borrower, keeper)
    updated_at = weth_feed.latestRoundData()[3]
    mine_at(updated_at + 3601)
    stale = err("StalePrice", weth, updated_at)
    with reverts_views_unchanged(stale, account(pool, borrower, weth)):
        pool.accountStatus(borrower)

    tx = pool.depositCollateral(weth, 10**18, borrower, {"from": borrower})  # HF 1.10 at the last price
    assert "MarginCallMet" not in tx.events
    tx = pool.repay(1_000 * 10**6, borrower, {"from": borrower})
    assert "MarginCallMet" not in tx.events
    assert pool.marginCallDeadline(borrower) == deadline
    state = lens.accountState(borrower)
    assert (state["priceOk"], state["callDeadline"], state["debt"]) == (False, deadline, DEBT - 1_000 * 10**6)

    for action in (
        lambda: pool.clearMarginCall(borrower, {"from": keeper}),
        lambda: pool.withdrawCollateral(weth, 1, borrower, {"from": borrower}),
        lambda: pool.borrow(10**6, borrower, {"from": borrower}),
    ):
        with reverts_views_unchanged(stale, account(pool, borrower, weth)):
            action()

    set_weth("2000")
    assert pool.accountStatus(borrower) == HEALTHY
    tx = pool.clearMarginCall(borrower, {"from": keeper})
    assert event(tx, "MarginCallMet") == plain((borrower,))
