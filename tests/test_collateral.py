"""Collateral deposits and withdrawals: listing, freezing, the supply cap and its exemptions
for accounts that need a top-up, the opening-risk rule on withdrawal, and pauses."""

from brownie import chain

from margincall.chain import set_price, sleep
from tests.model.fixed_point import MAX_UINT
from tests.model.valuation import holding, opening_capacity, opening_required
from tests.support.actions import fund
from tests.support.chain_time import pin_time
from tests.support.reverts import err, reverts_unchanged
from tests.support.units import WETH, ZERO_ADDRESS


def _fill_weth_cap(market, pool, weth, filler):
    """Deposits (as ``filler``, no debt) exactly what is left under WETH's supply cap."""
    room = market.spec.collaterals["WETH"].supply_cap - pool.totalCollateral(weth)
    fund(weth, filler, room, pool)
    pool.depositCollateral(weth, room, filler, {"from": filler})
    assert pool.totalCollateral(weth) == market.spec.collaterals["WETH"].supply_cap


# ---------------------------------------------------------------- deposit / withdraw
def test_deposit_collateral_credits_the_account(config, pool, weth, borrower2):
    fund(weth, borrower2, 5 * WETH // 2, pool)
    tx = pool.depositCollateral(weth, 5 * WETH // 2, borrower2, {"from": borrower2})
    assert tx.events["CollateralDeposited"] == {
        "caller": borrower2, "onBehalfOf": borrower2, "asset": weth, "amount": 5 * WETH // 2
    }
    assert pool.collateralOf(borrower2, weth) == pool.totalCollateral(weth) == 5 * WETH // 2
    assert weth.balanceOf(pool) == 5 * WETH // 2 and weth.balanceOf(borrower2) == 0
    assert pool.assetsIn(borrower2) == 1 << config.collateralInfo(weth)["slot"]


def test_deposit_on_behalf_credits_the_beneficiary(pool, weth, stranger, borrower2):
    fund(weth, stranger, WETH, pool)
    tx = pool.depositCollateral(weth, WETH, borrower2, {"from": stranger})
    assert tx.events["CollateralDeposited"]["caller"] == stranger
    assert tx.events["CollateralDeposited"]["onBehalfOf"] == borrower2
    assert pool.collateralOf(borrower2, weth) == WETH
    assert pool.collateralOf(stranger, weth) == 0


def test_withdraw_collateral_pays_the_receiver(pool, weth, borrower2, stranger):
    fund(weth, borrower2, 3 * WETH, pool)
    pool.depositCollateral(weth, 3 * WETH, borrower2, {"from": borrower2})
    tx = pool.withdrawCollateral(weth, WETH, stranger, {"from": borrower2})
    assert tx.events["CollateralWithdrawn"] == {
        "account": borrower2, "receiver": stranger, "asset": weth, "amount": WETH
    }
    assert weth.balanceOf(stranger) == WETH
    assert pool.collateralOf(borrower2, weth) == pool.totalCollateral(weth) == 2 * WETH


def test_withdraw_max_takes_everything_and_leaves_the_asset(config, pool, weth, wbtc, borrower2):
    fund(weth, borrower2, 3 * WETH, pool)
    fund(wbtc, borrower2, 10**8, pool)
    pool.depositCollateral(weth, 3 * WETH, borrower2, {"from": borrower2})
    pool.depositCollateral(wbtc, 10**8, borrower2, {"from": borrower2})
    tx = pool.withdrawCollateral(weth, MAX_UINT, borrower2, {"from": borrower2})
    assert tx.events["CollateralWithdrawn"]["amount"] == 3 * WETH
    assert pool.collateralOf(borrower2, weth) == 0 and weth.balanceOf(borrower2) == 3 * WETH
    assert pool.assetsIn(borrower2) == 1 << config.collateralInfo(wbtc)["slot"]


def test_withdraw_more_than_held_reverts_insufficient_collateral(market, pool, weth, borrower2):
    fund(weth, borrower2, WETH, pool)
    pool.depositCollateral(weth, WETH, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("InsufficientCollateral", WETH), borrower2):
        pool.withdrawCollateral(weth, WETH + 1, borrower2, {"from": borrower2})


def test_withdraw_max_of_nothing_reverts_insufficient_collateral(market, pool, wbtc, borrower2):
    with reverts_unchanged(market, err("InsufficientCollateral", 0), borrower2):
        pool.withdrawCollateral(wbtc, MAX_UINT, borrower2, {"from": borrower2})


def test_unlisted_asset_reverts_not_listed(market, pool, usdc, borrower2):
    fund(usdc, borrower2, 10**6, pool)
    with reverts_unchanged(market, err("NotListed", usdc), borrower2):
        pool.depositCollateral(usdc, 10**6, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("NotListed", usdc), borrower2):
        pool.withdrawCollateral(usdc, 1, borrower2, {"from": borrower2})


def test_zero_amount_and_zero_address_revert(market, pool, weth, borrower2):
    fund(weth, borrower2, WETH, pool)
    pool.depositCollateral(weth, WETH // 2, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("ZeroAmount"), borrower2):
        pool.depositCollateral(weth, 0, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("ZeroAddress"), borrower2):
        pool.depositCollateral(weth, 1, ZERO_ADDRESS, {"from": borrower2})
    with reverts_unchanged(market, err("ZeroAmount"), borrower2):
        pool.withdrawCollateral(weth, 0, borrower2, {"from": borrower2})
    with reverts_unchanged(market, err("ZeroAddress"), borrower2):
        pool.withdrawCollateral(weth, 1, ZERO_ADDRESS, {"from": borrower2})


def test_frozen_collateral_refuses_deposits_but_can_be_withdrawn(market, config, pool, weth, governor, borrower2):
    fund(weth, borrower2, 2 * WETH, pool)
    pool.depositCollateral(weth, WETH, borrower2, {"from": borrower2})
    config.freezeCollateral(weth, {"from": governor})
    with reverts_unchanged(market, err("CollateralFrozen", weth), borrower2):
        pool.depositCollateral(weth, WETH, borrower2, {"from": borrower2})
    pool.withdrawCollateral(weth, WETH, borrower2, {"from": borrower2})
    assert weth.balanceOf(borrower2) == 2 * WETH


# ---------------------------------------------------------------- supply cap
def test_deposit_over_the_cap_reverts_for_an_account_without_debt(market, pool, weth, stranger, borrower2):
    _fill_weth_cap(market, pool, weth, stranger)
    fund(weth, borrower2, 1, pool)
    cap = market.spec.collaterals["WETH"].supply_cap
    with reverts_unchanged(market, err("SupplyCapExceeded", weth, cap), borrower2):
        pool.depositCollateral(weth, 1, borrower2, {"from": borrower2})


def test_deposit_up_to_the_cap_is_accepted(market, pool, weth, stranger):
    _fill_weth_cap(market, pool, weth, stranger)


def test_deposit_over_the_cap_reverts_for_a_healthy_account_with_debt(
    market, pool, weth, weth_position, stranger, borrower
):
    _fill_weth_cap(market, pool, weth, stranger)
    fund(weth, borrower, 1, pool)
    assert pool.accountStatus(borrower) == 0
    cap = market.spec.collaterals["WETH"].supply_cap
    with reverts_unchanged(market, err("SupplyCapExceeded", weth, cap), borrower):
        pool.depositCollateral(weth, 1, borrower, {"from": borrower})


def test_account_in_margin_call_may_exceed_the_cap(market, pool, weth, weth_position, stranger, borrower):
    _fill_weth_cap(market, pool, weth, stranger)
    set_price(market, "WETH", "1800")  # HF = 10 · 1800 · 0.85 / 15,000 = 1.02
    assert pool.accountStatus(borrower) == 1
    fund(weth, borrower, WETH, pool)
    pool.depositCollateral(weth, WETH, borrower, {"from": borrower})
    assert pool.totalCollateral(weth) == market.spec.collaterals["WETH"].supply_cap + WETH
    assert pool.collateralOf(borrower, weth) == 11 * WETH


def test_liquidatable_account_may_exceed_the_cap(market, pool, weth, weth_position, stranger, borrower):
    _fill_weth_cap(market, pool, weth, stranger)
    set_price(market, "WETH", "1500")  # HF = 10 · 1500 · 0.85 / 15,000 = 0.85
    assert pool.accountStatus(borrower) == 2
    fund(weth, borrower, WETH, pool)
    pool.depositCollateral(weth, WETH, borrower, {"from": borrower})
    assert pool.collateralOf(borrower, weth) == 11 * WETH


def test_account_with_debt_and_a_stale_price_may_exceed_the_cap(
    market, pool, oracle, weth, weth_position, stranger, borrower
):
    _fill_weth_cap(market, pool, weth, stranger)
    chain.sleep(market.spec.collaterals["WETH"].feed.heartbeat + 1)
    chain.mine()
    assert oracle.priceStatus(weth) == 3  # Invalid
    fund(weth, borrower, WETH, pool)
    pool.depositCollateral(weth, WETH, borrower, {"from": borrower})
    assert pool.collateralOf(borrower, weth) == 11 * WETH


def test_account_without_debt_may_not_exceed_the_cap_with_a_stale_price(
    market, pool, oracle, weth, stranger, borrower2
):
    _fill_weth_cap(market, pool, weth, stranger)
    chain.sleep(market.spec.collaterals["WETH"].feed.heartbeat + 1)
    chain.mine()
    assert oracle.priceStatus(weth) == 3
    fund(weth, borrower2, 1, pool)
    cap = market.spec.collaterals["WETH"].supply_cap
    with reverts_unchanged(market, err("SupplyCapExceeded", weth, cap), borrower2):
        pool.depositCollateral(weth, 1, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- withdrawal and risk
def test_withdrawal_without_debt_needs_no_valid_price(market, pool, oracle, weth, weth_feed, borrower2):
    fund(weth, borrower2, 2 * WETH, pool)
    pool.depositCollateral(weth, 2 * WETH, borrower2, {"from": borrower2})
    chain.sleep(2 * 86400)  # every feed stale, the base one included
    weth_feed.setReverting(True, {"from": borrower2})
    assert oracle.priceStatus(weth) == 3
    pool.withdrawCollateral(weth, WETH, borrower2, {"from": borrower2})
    pool.withdrawCollateral(weth, MAX_UINT, borrower2, {"from": borrower2})
    assert weth.balanceOf(borrower2) == 2 * WETH


def test_withdrawal_with_debt_needs_a_valid_price(market, pool, weth, weth_feed, weth_position, borrower):
    updated_at = weth_feed.latestRoundData()[3]
    chain.sleep(market.spec.collaterals["WETH"].feed.heartbeat + 1)
    with reverts_unchanged(market, err("StalePrice", weth, updated_at), borrower):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})


def _largest_safe_withdrawal(market, pool, weth, borrower):
    """The most WETH ``borrower`` can withdraw under the opening-risk rule, and the margin
    numbers one unit more would give (Python, at the prices and debt of the next block)."""
    spec = market.spec
    # callHF_eff = marginCallHF: the feeds' only new rounds repeat the price (σ falls below σ_ref)
    m = spec.market["margin_call_hf"]
    price = market.oracle.getPrice(weth)
    base_price = market.oracle.getPrice(market.base.token)
    held = pool.collateralOf(borrower, weth)
    required = opening_required(pool.debtOf(borrower), base_price, spec.base.decimals, m)

    def capacity(withdrawn):
        return opening_capacity([holding(held - withdrawn, price, 18, spec.collaterals["WETH"])], m)

    lo, hi = 0, held  # capacity(lo) ≥ required > capacity(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if capacity(mid) >= required else (lo, mid)
    return lo, required, capacity(lo + 1)


def test_withdrawal_breaking_opening_risk_reverts_insufficient_margin(market, pool, weth, weth_position, borrower):
    sleep(market, 7 * 86400)  # a week of interest, feeds refreshed
    pin_time()
    safe, required, capacity = _largest_safe_withdrawal(market, pool, weth, borrower)
    with reverts_unchanged(market, err("InsufficientMargin", required, capacity), borrower):
        pool.withdrawCollateral(weth, safe + 1, borrower, {"from": borrower})


def test_largest_withdrawal_under_opening_risk_succeeds(market, pool, weth, weth_position, borrower):
    sleep(market, 7 * 86400)  # a week of interest, feeds refreshed
    pin_time()
    safe, _, _ = _largest_safe_withdrawal(market, pool, weth, borrower)
    pool.withdrawCollateral(weth, safe, borrower, {"from": borrower})
    assert pool.accountStatus(borrower) == 0
    assert pool.healthFactor(borrower) >= market.spec.market["margin_call_hf"]


def test_withdrawal_from_an_account_in_margin_call_reverts_not_healthy(market, pool, weth, weth_position, borrower):
    set_price(market, "WETH", "1800")
    assert pool.accountStatus(borrower) == 1
    with reverts_unchanged(market, err("AccountNotHealthy", 1), borrower):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})


def test_top_up_with_a_live_call_works_while_every_feed_reverts(market, pool, weth, weth_position, borrower, keeper):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    set_price(market, "WETH", "1800")
    pool.issueMarginCall(borrower, {"from": keeper})
    deadline = pool.marginCallDeadline(borrower)
    for asset in [market.base, *market.collaterals.values()]:
        asset.feed.setReverting(True, {"from": keeper})
    fund(weth, borrower, 5 * WETH, pool)
    tx = pool.depositCollateral(weth, 5 * WETH, borrower, {"from": borrower})
    assert "MarginCallMet" not in tx.events  # no price: the call simply stays
    assert pool.marginCallDeadline(borrower) == deadline
    assert pool.collateralOf(borrower, weth) == 15 * WETH


def test_withdraw_pause_blocks_withdrawal_but_never_a_top_up(
    market, config, pool, weth, weth_position, guardian, borrower, borrower2
):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    for action in (0, 1, 2):
        config.setPaused(action, True, {"from": guardian})
    with reverts_unchanged(market, err("ActionPaused", 2), borrower):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})
    fund(weth, borrower, WETH, pool)
    fund(weth, borrower2, WETH, pool)
    pool.depositCollateral(weth, WETH, borrower, {"from": borrower})
    pool.depositCollateral(weth, WETH, borrower2, {"from": borrower2})
    assert pool.collateralOf(borrower, weth) == 11 * WETH
    assert pool.collateralOf(borrower2, weth) == WETH
