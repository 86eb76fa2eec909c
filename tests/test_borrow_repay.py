"""Borrowing and repaying: the opening-risk rule, the dust rule, repay on behalf, and repay
that works whatever the pauses and the oracle say."""

from brownie import chain
from brownie.exceptions import VirtualMachineError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from margincall.chain import set_price
from tests.model.fixed_point import MAX_UINT, RAY, div_up
from tests.model.interest import InterestBook
from tests.model.valuation import (
    debt_value,
    health_factor,
    holding,
    liquidation_value,
    max_borrow,
    opening_capacity,
    opening_required,
)
from tests.support.actions import fund
from tests.support.chain_time import pin_time
from tests.support.reverts import err, pool_state, reverts_unchanged
from tests.support.units import USDC, WETH, ZERO_ADDRESS


def _collateralise(market, pool, who, weth_amount, wbtc_amount=0):
    """``who`` deposits the given WETH and WBTC and approves the pool for repayments."""
    tokens = market.collaterals
    for symbol, amount in (("WETH", weth_amount), ("WBTC", wbtc_amount)):
        if amount:
            fund(tokens[symbol].token, who, amount, pool)
            pool.depositCollateral(tokens[symbol].token, amount, who, {"from": who})
    market.base.token.approve(pool, MAX_UINT, {"from": who})


def _holdings(market, pool, who):
    """The account's collateral for the Python risk formulas, at the oracle's prices."""
    oracle, spec = market.oracle, market.spec
    return [
        holding(pool.collateralOf(who, a.token), oracle.getPrice(a.token), a.decimals, spec.collaterals[s])
        for s, a in market.collaterals.items()
    ]


def _capacity(market, pool, who):
    return opening_capacity(_holdings(market, pool, who), market.spec.market["margin_call_hf"])


def _required(market, debt):
    spec = market.spec
    base_price = market.oracle.getPrice(market.base.token)
    return opening_required(debt, base_price, spec.base.decimals, spec.market["margin_call_hf"])


def _max_borrow(market, pool, who):
    spec = market.spec
    base_price = market.oracle.getPrice(market.base.token)
    return max_borrow(_capacity(market, pool, who), base_price, spec.base.decimals, spec.market["margin_call_hf"])


def _next_index(market, pool):
    """The borrow index the next transaction will use (call after ``pin_time``)."""
    return InterestBook.read(pool, market.spec).index_at(chain[-1].timestamp)


def _debt_after_repay(market, pool, who, amount):
    """Debt left after a partial repay of ``amount`` in the next block (rounded up; the
    debt removed is rounded down)."""
    index = _next_index(market, pool)
    normalized = pool.normalizedDebtOf(who) - amount * RAY // index
    return div_up(normalized * index, RAY)


# ---------------------------------------------------------------- borrow
def test_borrow_pays_the_receiver_and_records_the_debt(market, pool, usdc, liquidity, borrower2, stranger):
    _collateralise(market, pool, borrower2, 5 * WETH)
    tx = pool.borrow(5_000 * USDC, stranger, {"from": borrower2})
    assert tx.events["Borrowed"] == {"account": borrower2, "receiver": stranger, "amount": 5_000 * USDC}
    assert usdc.balanceOf(stranger) == 5_000 * USDC
    assert pool.debtOf(borrower2) == 5_000 * USDC  # first debt of the pool: index still 1
    assert pool.cash() == liquidity - 5_000 * USDC


def test_max_borrow_from_the_opening_rule_lands_healthy(market, pool, liquidity, borrower2):
    # Incident class: positions opened at the liquidation edge (a borrow limit too close to the liquidation threshold), sellable on the next tick.
    _collateralise(market, pool, borrower2, 3_333_333_333_333_333_333, 12_345_678)
    # no price has moved since deployment: σ = σ_ref, so callHF_eff = marginCallHF
    assert market.lens.effectiveCallHF(borrower2) == market.spec.market["margin_call_hf"]
    limit = _max_borrow(market, pool, borrower2)
    pool.borrow(limit, borrower2, {"from": borrower2})
    assert pool.accountStatus(borrower2) == 0
    debt = pool.debtOf(borrower2)
    base_price = market.oracle.getPrice(market.base.token)
    hf = health_factor(liquidation_value(_holdings(market, pool, borrower2)), debt_value(debt, base_price, market.spec.base.decimals))
    assert pool.healthFactor(borrower2) == hf >= market.spec.market["margin_call_hf"]


def test_one_unit_over_the_max_borrow_reverts_insufficient_margin(market, pool, liquidity, borrower2):
    # Incident class: positions opened at the liquidation edge (a borrow limit too close to the liquidation threshold), sellable on the next tick.
    _collateralise(market, pool, borrower2, 3_333_333_333_333_333_333, 12_345_678)
    assert market.lens.effectiveCallHF(borrower2) == market.spec.market["margin_call_hf"]  # σ = σ_ref
    limit = _max_borrow(market, pool, borrower2)
    capacity = _capacity(market, pool, borrower2)
    with reverts_unchanged(market, err("InsufficientMargin", _required(market, limit + 1), capacity), borrower2):
        pool.borrow(limit + 1, borrower2, {"from": borrower2})


def test_one_more_unit_after_the_max_borrow_reverts_insufficient_margin(market, pool, liquidity, borrower2):
    _collateralise(market, pool, borrower2, 3_333_333_333_333_333_333, 12_345_678)
    pool.borrow(_max_borrow(market, pool, borrower2), borrower2, {"from": borrower2})
    pin_time()
    index = _next_index(market, pool)
    debt = div_up((pool.normalizedDebtOf(borrower2) + div_up(RAY, index)) * index, RAY)
    capacity = _capacity(market, pool, borrower2)
    with reverts_unchanged(market, err("InsufficientMargin", _required(market, debt), capacity), borrower2):
        pool.borrow(1, borrower2, {"from": borrower2})


def test_borrow_without_collateral_reverts_insufficient_margin(market, pool, liquidity, borrower2):
    dust = market.spec.market["dust"]
    with reverts_unchanged(market, err("InsufficientMargin", _required(market, dust), 0), borrower2):
        pool.borrow(dust, borrower2, {"from": borrower2})


def test_borrow_below_dust_reverts_debt_below_dust(market, pool, liquidity, borrower2):
    _collateralise(market, pool, borrower2, 5 * WETH)
    dust = market.spec.market["dust"]
    with reverts_unchanged(market, err("DebtBelowDust", dust - 1, dust), borrower2):
        pool.borrow(dust - 1, borrower2, {"from": borrower2})


def test_borrow_beyond_cash_reverts_insufficient_liquidity(market, pool, liquidity, borrower2):
    _collateralise(market, pool, borrower2, 1_000 * WETH)
    with reverts_unchanged(market, err("InsufficientLiquidity", liquidity), borrower2):
        pool.borrow(liquidity + 1, borrower2, {"from": borrower2})


def test_borrow_zero_or_to_nobody_reverts(market, pool, liquidity, borrower2):
    _collateralise(market, pool, borrower2, 5 * WETH)
    with reverts_unchanged(market, err("ZeroAmount"), borrower2):
        pool.borrow(0, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("ZeroAddress"), borrower2):
        pool.borrow(2_000 * USDC, ZERO_ADDRESS, {"from": borrower2})


def test_borrow_pause_blocks_borrowing(market, config, pool, liquidity, guardian, borrower2):
    _collateralise(market, pool, borrower2, 5 * WETH)
    config.setPaused(1, True, {"from": guardian})
    with reverts_unchanged(market, err("ActionPaused", 1), borrower2):
        pool.borrow(2_000 * USDC, borrower2, {"from": borrower2})


def test_borrow_needs_a_valid_price(market, pool, weth, weth_feed, liquidity, borrower2):
    _collateralise(market, pool, borrower2, 5 * WETH)
    updated_at = weth_feed.latestRoundData()[3]
    chain.sleep(market.spec.collaterals["WETH"].feed.heartbeat + 1)
    with reverts_unchanged(market, err("StalePrice", weth, updated_at), borrower2):
        pool.borrow(2_000 * USDC, borrower2, {"from": borrower2})


def test_borrow_from_an_account_in_margin_call_reverts_not_healthy(market, pool, weth_position, borrower):
    set_price(market, "WETH", "1800")  # HF = 10 · 1800 · 0.85 / 15,000 = 1.02
    assert pool.accountStatus(borrower) == 1
    with reverts_unchanged(market, err("AccountNotHealthy", 1), borrower):
        pool.borrow(1_000 * USDC, borrower, {"from": borrower})


# ---------------------------------------------------------------- repay
def test_partial_repay_reduces_the_debt(market, pool, usdc, weth_position, borrower):
    chain.sleep(86400)
    pin_time()
    left = _debt_after_repay(market, pool, borrower, 5_000 * USDC)
    tx = pool.repay(5_000 * USDC, borrower, {"from": borrower})
    assert tx.return_value == 5_000 * USDC
    assert tx.events["Repaid"] == {"payer": borrower, "onBehalfOf": borrower, "amount": 5_000 * USDC}
    assert pool.debtOf(borrower) == left
    assert usdc.balanceOf(borrower) == 10_000 * USDC


def test_repay_max_clears_all_debt(market, pool, usdc, weth_position, borrower):
    chain.sleep(30 * 86400)
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pin_time()
    debt = pool.debtOf(borrower)
    assert debt > weth_position[1]
    tx = pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert tx.return_value == tx.events["Repaid"]["amount"] == debt
    assert pool.debtOf(borrower) == pool.normalizedDebtOf(borrower) == 0
    assert usdc.balanceOf(borrower) == 16_000 * USDC - debt


def test_repay_more_than_the_debt_repays_exactly_the_debt(market, pool, usdc, weth_position, borrower):
    chain.sleep(30 * 86400)
    usdc.mint(borrower, 5_000 * USDC, {"from": borrower})
    pin_time()
    debt = pool.debtOf(borrower)
    tx = pool.repay(debt + 3_000 * USDC, borrower, {"from": borrower})
    assert tx.return_value == debt
    assert usdc.balanceOf(borrower) == 20_000 * USDC - debt
    assert pool.debtOf(borrower) == 0


def test_repay_on_behalf_of_another_account(market, pool, usdc, weth_position, borrower, stranger):
    fund(usdc, stranger, 20_000 * USDC, pool)
    pin_time()
    debt = pool.debtOf(borrower)
    tx = pool.repay(MAX_UINT, borrower, {"from": stranger})
    assert tx.events["Repaid"] == {"payer": stranger, "onBehalfOf": borrower, "amount": debt}
    assert usdc.balanceOf(stranger) == 20_000 * USDC - debt
    assert usdc.balanceOf(borrower) == 15_000 * USDC
    assert pool.debtOf(borrower) == 0


def test_partial_repay_leaving_dust_reverts_debt_below_dust(market, pool, weth_position, borrower):
    dust = market.spec.market["dust"]
    pin_time()
    amount = pool.debtOf(borrower) - dust // 2
    left = _debt_after_repay(market, pool, borrower, amount)
    assert 0 < left < dust
    with reverts_unchanged(market, err("DebtBelowDust", left, dust), borrower):
        pool.repay(amount, borrower, {"from": borrower})


def test_partial_repay_leaving_dust_or_more_is_accepted(market, pool, weth_position, borrower):
    dust = market.spec.market["dust"]
    pin_time()
    amount = pool.debtOf(borrower) - dust
    left = _debt_after_repay(market, pool, borrower, amount)
    assert left >= dust
    pool.repay(amount, borrower, {"from": borrower})
    assert pool.debtOf(borrower) == left


def test_repay_without_debt_reverts_no_debt(market, pool, usdc, liquidity, borrower2):
    fund(usdc, borrower2, 10 * USDC, pool)
    with reverts_unchanged(market, err("NoDebt"), borrower2):
        pool.repay(10 * USDC, borrower2, {"from": borrower2})


def test_repay_zero_or_for_nobody_reverts(market, pool, weth_position, borrower):
    with reverts_unchanged(market, err("ZeroAmount"), borrower):
        pool.repay(0, borrower, {"from": borrower})
    with reverts_unchanged(market, err("ZeroAddress"), borrower):
        pool.repay(1, ZERO_ADDRESS, {"from": borrower})


def test_repay_works_while_every_action_is_paused(market, config, pool, usdc, weth_position, guardian, borrower):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    for action in (0, 1, 2):
        config.setPaused(action, True, {"from": guardian})
    pool.repay(5_000 * USDC, borrower, {"from": borrower})
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert pool.debtOf(borrower) == 0


def test_repay_works_while_every_feed_is_stale(market, pool, oracle, usdc, weth_position, borrower):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    chain.sleep(2 * 86400)
    chain.mine()
    assert oracle.priceStatus(usdc) == oracle.priceStatus(market.collaterals["WETH"].token) == 3
    pool.repay(5_000 * USDC, borrower, {"from": borrower})
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert pool.debtOf(borrower) == 0


def test_repay_with_a_live_call_works_while_every_feed_reverts(market, pool, usdc, weth_position, borrower, keeper):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    set_price(market, "WETH", "1800")
    pool.issueMarginCall(borrower, {"from": keeper})
    deadline = pool.marginCallDeadline(borrower)
    for asset in [market.base, *market.collaterals.values()]:
        asset.feed.setReverting(True, {"from": keeper})
    tx = pool.repay(1_000 * USDC, borrower, {"from": borrower})
    assert "MarginCallMet" not in tx.events  # no price: the call simply stays
    assert pool.marginCallDeadline(borrower) == deadline
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    tx = pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert tx.events["MarginCallMet"]["account"] == borrower  # no debt: Healthy without a price
    assert pool.debtOf(borrower) == 0 and pool.marginCallDeadline(borrower) == 0


# ---------------------------------------------------------------- property: no dust debt
def _pick(top, edges, choice, ppm):
    """An amount in [1, top]: dust-rule edge ``choice`` if there is one, else ``ppm`` of ``top``."""
    if choice < len(edges):
        return max(1, min(edges[choice], top))
    return max(1, top * ppm // 10**6)


# Each step: (operation, edge-or-fraction choice, fraction in ppm). The draws are fixed in
# shape; on-chain views (debt, borrowing room) turn them into amounts.
STEPS = st.lists(
    st.tuples(st.sampled_from(["borrow", "repay", "repay max"]), st.integers(0, 9), st.integers(0, 10**6)),
    min_size=5,
    max_size=5,
)


def _debt_books(market, who):
    """What a borrow or repay moves (a light ``pool_state``, read in one batch)."""
    return pool_state(market, [who], collaterals=False)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_debt_is_never_left_between_zero_and_dust(market, pool, usdc, borrower2, steps):
    # Incident class: dust positions and dust griefing (remnants too small to liquidate profitably; Maker's dust/chost rule).
    dust = market.spec.market["dust"]
    # Each example starts from the state every test of this module starts from, so the set-up
    # runs inside it (a set-up fixture would leak: Brownie's one snapshot slot is also the one
    # fn_isolation reverts to). borrower2 supplies the liquidity itself to save transactions.
    chain.snapshot()
    try:
        usdc.mint(borrower2, 200_000 * USDC, {"from": borrower2})
        _collateralise(market, pool, borrower2, 10 * WETH)  # also approves USDC for the pool
        pool.supply(100_000 * USDC, borrower2, {"from": borrower2})
        for op, choice, ppm in steps:
            debt = pool.debtOf(borrower2)
            if op == "borrow":
                room = max(_max_borrow(market, pool, borrower2) - debt, 1)
                amount = _pick(room + dust, [dust - debt - 1, dust - debt, room, room + 1], choice, ppm)
                allowed, call = ("DebtBelowDust", "InsufficientMargin"), pool.borrow
            else:
                edges = [debt - dust - 1, debt - dust, debt - dust + 1, debt - 1, debt]
                amount = MAX_UINT if op == "repay max" else _pick(debt + dust, edges, choice, ppm)
                allowed, call = ("DebtBelowDust", "NoDebt"), pool.repay
            before = _debt_books(market, borrower2)
            try:
                call(amount, borrower2, {"from": borrower2})
            except VirtualMachineError as exc:
                name, _, args = exc.revert_msg.partition(": ")
                assert name in allowed, exc.revert_msg
                if name == "DebtBelowDust":
                    left, floor = map(int, args.split(", "))
                    assert 0 < left < floor == dust
                assert _debt_books(market, borrower2) == before
            debt = pool.debtOf(borrower2)
            assert debt == 0 or debt >= dust
    finally:
        chain.revert()
