"""kick (DESIGN.md 3 "How much is liquidated", 4, 5): amounts against the Python model of
``tests.model.kick``, the refusals with their exact errors, closing dust accounts, the
Hole, the circuit breaker and the keeper incentive.

Module state (built once, restored before every test): 1,000,000 USDC supplied, 50,000 USDC in
the insurance fund, and five accounts that missed a margin call after WETH drifted from $3,000 to
$2,760 in 1 % hourly steps (σ stays near σ_ref, so T = targetHF = 1.25 for them):

=============  =========  ==========  ===============================================
name           WETH       debt USDC   at $2,760
=============  =========  ==========  ===============================================
design         10         22,342.86   HF 1.050: the DESIGN.md example (D_r ≈ 56 %)
dust_floor     1.0775     2,300       HF 1.099: formula D_r < dust, 1,300 remains
everything     0.6714     1,500       HF 1.050: D_r floored to dust leaves < dust
boundary       0.9370     2,000       HF 1.099: D_r floored to dust leaves exactly dust
hole           20         44,000      HF 1.066: for the Hole
=============  =========  ==========  ===============================================
"""

import brownie
import pytest
from brownie import chain

from tests.model.auction import slice_for
from tests.model.fixed_point import MAX_UINT, RAY, WAD
from tests.model.kick import NoRoom, kick_incentive, plan_kick, scale_to_room
from tests.support.actions import deposit_to_fund, fund_taker, gentle_move, open_position, price, supply
from tests.support.chain_time import advance, mine_at, next_block_at
from tests.support.reads import assert_kick_matches, kick_inputs
from tests.support.reverts import err
from tests.support.units import BTC, ETH, USDC, ZERO_ADDRESS

EPSILON = 10**12  # [wad] 1e-6: how far above T a partial kick may leave the account
FUND_CAPITAL = 50_000 * USDC

MISSED = {
    "design": ({"WETH": 10 * ETH}, 22_342_857_142),
    "dust_floor": ({"WETH": 10_775 * ETH // 10_000}, 2_300 * USDC),
    "everything": ({"WETH": 6_714 * ETH // 10_000}, 1_500 * USDC),
    "boundary": ({"WETH": 9_370 * ETH // 10_000}, 2_000 * USDC),
    "hole": ({"WETH": 20 * ETH}, 44_000 * USDC),
}


@pytest.fixture(scope="module", autouse=True)
def missed(market, supplier, insurer, crowd, keeper):
    """The module state described above; returns name → account."""
    supply(market, supplier, 1_000_000 * USDC)
    deposit_to_fund(market, insurer, FUND_CAPITAL)
    named = dict(zip(MISSED, crowd))
    for name, (collateral, debt) in MISSED.items():
        open_position(market, named[name], collateral, debt)
    gentle_move(market, "WETH", "2760")
    for account in named.values():
        market.pool.issueMarginCall(account, {"from": keeper})
    advance(market, market.config.marketParams()["gracePeriod"] + 60)
    for account in named.values():
        assert market.pool.accountStatus(account) == 2
    return named


def kick(liq, account, keeper):
    return liq.kick(account, keeper, {"from": keeper})


def weth_position(market, who, weth=10 * ETH, debt=15_000 * USDC):
    open_position(market, who, {"WETH": weth}, debt)


def assert_partial_leaves_target(pool, account, plan):
    hf = pool.healthFactor(account)
    assert hf >= plan.target, f"HF {hf} below T {plan.target} after a partial kick"
    assert hf < plan.target + EPSILON, f"HF {hf} more than ε above T {plan.target}"


# ================================================================ amounts
def test_partial_kick_single_collateral(market, liq, pool, borrower, keeper, books):
    weth_position(market, borrower)
    price(market, "WETH", 1720)  # HF 0.975: partial
    fund_before = market.fund.assetsBook()
    tx = kick(liq, borrower, keeper)

    k = kick_inputs(market, borrower, tx)
    plan = plan_kick(k)
    assert not plan.full and k.health_factor >= k.market["fullLiquidationHF"]
    ids = assert_kick_matches(market, tx, plan, borrower)
    assert len(ids) == 1 and liq.activeAuctions() == ids
    assert_partial_leaves_target(pool, borrower, plan)
    assert pool.debtInAuction() == plan.debt_moved
    assert pool.collateralOf(borrower, market.collaterals["WETH"].token) == 10 * ETH - plan.auctions[0].lot
    assert 0 <= pool.debtOf(borrower) - (k.debt - plan.debt_moved) <= 1
    paid = kick_incentive(k, plan, fund_before)
    assert paid > 0 and tx.events["KickIncentive"][0]["paid"] == paid


def test_partial_kick_leaves_room_above_the_call_level(market, liq, pool, borrower, keeper, books):
    """DESIGN.md 3 (v3.3): the −42.7 % round clamps the call level at maxCallHF 1.30, above
    targetHF − exitMargin, so T = callHF_eff + exitMargin = 1.35: the kick leaves the account at
    T, Healthy, its HF exitMargin above its call level, and a second of interest later it is
    still Healthy and cannot be called (before v3.3 it sat exactly at 1.30 and was re-called)."""
    weth_position(market, borrower)
    price(market, "WETH", 1720)  # HF 0.975: partial
    tx = kick(liq, borrower, keeper)

    k = kick_inputs(market, borrower, tx)
    plan = plan_kick(k)
    exit_margin = k.market["exitMargin"]
    assert exit_margin == 5 * 10**16 and k.call_level == k.market["maxCallHF"]
    assert plan.target == k.call_level + exit_margin > k.market["targetHF"]
    assert not plan.full
    assert_kick_matches(market, tx, plan, borrower)
    assert_partial_leaves_target(pool, borrower, plan)
    assert pool.accountStatus(borrower) == 0
    assert pool.healthFactor(borrower) - market.lens.effectiveCallHF(borrower) >= exit_margin

    advance(market, 1)
    pool.accrueInterest({"from": keeper})
    assert pool.accountStatus(borrower) == 0, "one second of interest put the account back in the band"
    with brownie.reverts(err("NotInMarginCall", 0)):
        pool.issueMarginCall(borrower, {"from": keeper})


def test_partial_kick_multi_collateral_different_penalties(market, liq, pool, borrower2, keeper, books):
    open_position(market, borrower2, {"WETH": 5 * ETH, "WBTC": 2 * BTC // 10}, 17_000 * USDC)
    price(market, "WETH", "2133.5")  # both −22.7 %: HF ≈ 0.97
    price(market, "WBTC", 46380)
    tx = kick(liq, borrower2, keeper)

    k = kick_inputs(market, borrower2, tx)
    plan = plan_kick(k)
    assert not plan.full
    assert {h.penalty for h in k.holdings} == {5 * 10**16, 7 * 10**16}
    ids = assert_kick_matches(market, tx, plan, borrower2)
    assert len(ids) == 2 and pool.liveAuctions(borrower2) == 2
    # the same fraction of every asset (lots rounded up by at most one unit)
    for h, a in zip(k.holdings, plan.auctions):
        assert abs(a.lot * WAD - h.amount * plan.fraction) <= WAD
    # D_r = Σ tab_i / (1 + p_i)
    assert plan.debt_moved == sum(a.debt_part for a in plan.auctions) >= plan.debt_to_move
    assert_partial_leaves_target(pool, borrower2, plan)


def test_design_example_moves_56_percent(market, liq, pool, missed, keeper, books):
    """WETH only, HF 1.05, T 1.25: D_r/D = (T − HF)/(T − (1+p)·lf) = 0.20/(1.25 − 1.05·0.85)
    = 55.9 % of the debt."""
    account = missed["design"]
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    plan = plan_kick(k)
    assert k.target == k.market["targetHF"] == 125 * 10**16, "the drift raised the call level above 1.25"
    assert abs(k.health_factor - 105 * 10**16) < 10**14
    assert 0.555 < plan.debt_moved / k.debt < 0.565
    assert_kick_matches(market, tx, plan, account)
    assert_partial_leaves_target(pool, account, plan)
    # it leaves the band: Healthy, and the call is met
    assert pool.accountStatus(account) == 0
    assert "MarginCallMet" in tx.events and pool.marginCallDeadline(account) == 0


def test_full_liquidation_below_full_liquidation_hf(market, liq, pool, borrower2, keeper, books):
    open_position(market, borrower2, {"WETH": 5 * ETH, "WBTC": 2 * BTC // 10}, 17_000 * USDC)
    price(market, "WETH", 1932)  # both −30 %: HF 0.88 < 0.95
    price(market, "WBTC", 42000)
    tx = kick(liq, borrower2, keeper)

    k = kick_inputs(market, borrower2, tx)
    plan = plan_kick(k)
    assert plan.full and k.health_factor < k.market["fullLiquidationHF"]
    assert_kick_matches(market, tx, plan, borrower2)
    assert [a.lot for a in plan.auctions] == [h.amount for h in k.holdings]
    assert sum(a.debt_part for a in plan.auctions) == k.debt
    # split by value: each part within a wei of debt·value_i/value
    for h, a in zip(k.holdings, plan.auctions):
        assert abs(a.debt_part * k.collateral_value - k.debt * h.value) <= k.collateral_value
    assert pool.debtOf(borrower2) == 0 and pool.assetsIn(borrower2) == 0
    assert pool.debtInAuction() == k.debt


def test_dust_floor_moves_dust(market, liq, pool, missed, keeper, books):
    account = missed["dust_floor"]
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    plan = plan_kick(k)
    assert plan.raw_debt_to_move < k.dust == plan.debt_to_move
    assert not plan.full
    assert_kick_matches(market, tx, plan, account)
    assert pool.debtOf(account) >= k.dust
    assert pool.healthFactor(account) >= plan.target  # the floor moves more than T needs


def test_less_than_dust_left_moves_everything(market, liq, pool, missed, keeper, books):
    account = missed["everything"]
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    plan = plan_kick(k)
    assert plan.full and plan.debt_to_move + k.dust > k.debt
    assert_kick_matches(market, tx, plan, account)
    assert pool.debtOf(account) == 0 and pool.assetsIn(account) == 0


def pin_debt(market, account, debt: int) -> int:
    """Repays ``account`` down to exactly ``debt`` and returns the second in which it happened:
    a kick mined in that same second sees exactly that debt (no interest in between)."""
    pool = market.pool
    ts = chain[-1].timestamp + 1
    next_block_at(ts)
    pool.accrueInterest({"from": account})
    normalized, index = pool.normalizedDebtOf(account), pool.borrowIndex()
    amount = pool.debtOf(account) - debt
    while -(-(normalized - amount * RAY // index) * index // RAY) > debt:
        amount += 1
    next_block_at(ts)
    pool.repay(amount, account, {"from": account})
    assert pool.debtOf(account) == debt
    return ts


def test_dust_floor_at_the_boundary_is_consistent(market, liq, pool, missed, keeper, books):
    """D_r floored to dust with exactly dust left (debt = 2·dust): the rounded-up debt part then
    leaves a wei less than dust. Either the kick leaves ≥ dust of debt, or it is the whole
    position (all debt *and* all collateral): never all the debt against a fraction of the
    collateral, and never a debt part larger than its tab (DESIGN.md 3)."""
    account = missed["boundary"]
    dust = market.config.marketParams()["dust"]
    next_block_at(pin_debt(market, account, 2 * dust))
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    assert k.debt == 2 * dust and plan_kick(k).debt_to_move == dust

    for e in tx.events["Kick"]:
        assert e["debtPart"] <= e["tab"], f"debt part {e['debtPart']} exceeds its tab {e['tab']}"
    left = pool.debtOf(account)
    assert left >= dust or pool.assetsIn(account) == 0, (
        f"all debt moved ({tx.events['CollateralSeized'][0]['debtMoved']}) but the account keeps "
        f"{pool.collateralOf(account, market.collaterals['WETH'].token)} WETH wei of collateral"
    )
    assert_kick_matches(market, tx, plan_kick(k), account)


def test_dust_floor_boundary_auction_can_be_taken_in_full(market, liq, pool, missed, keeper, liquidator, books):
    """The auction of the boundary kick above must sell like any other: a take of its whole lot
    at top pays the tab and ends it."""
    account = missed["boundary"]
    next_block_at(pin_debt(market, account, 2 * market.config.marketParams()["dust"]))
    (id_,) = kick(liq, account, keeper).return_value
    fund_taker(market, liquidator)
    _, top, lot, tab = liq.getStatus(id_)
    liq.take(id_, lot, top, liquidator, b"", {"from": liquidator})
    assert liq.auctions(id_)["account"] == ZERO_ADDRESS


# ================================================================ refusals
def test_not_liquidatable_healthy_or_in_margin_call(market, liq, pool, borrower, borrower2, keeper, books):
    # Incident class: unjustified liquidation: kicking a healthy account, or the same debt twice.
    weth_position(market, borrower)
    with brownie.reverts(err("NotLiquidatable", 0)):
        kick(liq, borrower, keeper)
    open_position(market, borrower2, {"WETH": 10 * ETH}, 20_000 * USDC)
    price(market, "WETH", 2550)  # HF 1.084: MarginCall, no call issued
    assert pool.accountStatus(borrower2) == 1
    with brownie.reverts(err("NotLiquidatable", 1)):
        kick(liq, borrower2, keeper)


def test_kick_refused_without_valid_price(market, liq, pool, borrower, keeper, weth, weth_feed, books):
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    updated_at = weth_feed.latestRoundData()[3]
    chain.sleep(3601)
    chain.mine()
    with brownie.reverts(err("StalePrice", weth.address, updated_at)):
        kick(liq, borrower, keeper)
    weth_feed.setReverting(True, {"from": keeper})
    with brownie.reverts(err("FeedReverted", weth.address)):
        kick(liq, borrower, keeper)


def test_nothing_to_seize_with_live_auctions_and_no_collateral(market, liq, pool, borrower2, keeper, liquidator, books):
    open_position(market, borrower2, {"WETH": 5 * ETH, "WBTC": 2 * BTC // 10}, 17_000 * USDC)
    price(market, "WETH", 1932)
    price(market, "WBTC", 42000)
    weth_id, _ = kick(liq, borrower2, keeper).return_value
    # the WETH lot sells below its tab: its unpaid debt part comes back (a sibling is live)
    chain.sleep(1200)
    chain.mine()
    fund_taker(market, liquidator)
    _, p, lot, tab = liq.getStatus(weth_id)
    tx = liq.take(weth_id, lot, p, liquidator, b"", {"from": liquidator})
    assert "DebtChargedBack" in tx.events
    advance(market, 1)
    assert pool.assetsIn(borrower2) == 0 and pool.liveAuctions(borrower2) == 1
    assert pool.accountStatus(borrower2) == 2
    with brownie.reverts(err("NothingToSeize", borrower2.address)):
        kick(liq, borrower2, keeper)


def test_second_kick_only_while_still_liquidatable(market, liq, pool, borrower, keeper, books):
    # Incident class: unjustified liquidation: kicking a healthy account, or the same debt twice.
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    first = kick(liq, borrower, keeper)
    assert pool.accountStatus(borrower) == 0
    with brownie.reverts(err("NotLiquidatable", 0)):
        kick(liq, borrower, keeper)

    # from HF 1.35 (T = call level 1.30 + exit margin) the rest falls below fullLiquidationHF (HF ≈ 0.86):
    # a second kick takes it all
    price(market, "WETH", 1100)
    second = kick(liq, borrower, keeper)
    k = kick_inputs(market, borrower, second)
    plan = plan_kick(k)
    assert plan.full
    ids = assert_kick_matches(market, second, plan, borrower)
    assert pool.liveAuctions(borrower) == 2
    assert sorted(liq.activeAuctions()) == sorted([*first.return_value, *ids])
    assert pool.debtOf(borrower) == 0 and pool.assetsIn(borrower) == 0
    assert pool.debtInAuction() == first.events["CollateralSeized"][0]["debtMoved"] + k.debt


def test_live_auctions_allow_only_repay_and_top_up(market, liq, pool, borrower, keeper, weth, books):
    # Incident class: draining an account (withdrawing collateral or borrowing more) while it is being liquidated.
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    kick(liq, borrower, keeper)
    advance(market, 1)
    with brownie.reverts(err("LiveAuctions", 1)):
        pool.borrow(1_000 * USDC, borrower, {"from": borrower})
    with brownie.reverts(err("LiveAuctions", 1)):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})
    debt = pool.debtOf(borrower)
    pool.repay(100 * USDC, borrower, {"from": borrower})
    assert pool.debtOf(borrower) < debt
    weth.mint(borrower, ETH, {"from": borrower})
    pool.depositCollateral(weth, ETH, borrower, {"from": borrower})


def test_dust_account_closed_at_kick(market, liq, pool, borrower, keeper, weth, books):
    open_position(market, borrower, {"WETH": ETH // 2}, 1_000 * USDC)
    price(market, "WETH", 1500)  # collateral worth $750 < dust
    fund = market.fund
    held_before, fund_before = fund.heldCollateral(weth), fund.assetsBook()
    reserves_before, losses_before = pool.reserves(), pool.realizedLosses()
    tx = kick(liq, borrower, keeper)

    assert tx.return_value == []
    for absent in ("Kick", "KickIncentive", "IncentivePaid"):
        assert absent not in tx.events
    assert len(tx.events["AccountClosed"]) == 2  # the liquidator's and the pool's
    assert fund.heldCollateral(weth) == held_before + ETH // 2
    debt = tx.events["BadDebtRealized"][0]["amount"]
    k = kick_inputs(market, borrower, tx)
    assert debt == k.debt and pool.realizedLosses() == losses_before + debt
    accrued = sum(e["toReserves"] for e in tx.events["InterestAccrued"]) if "InterestAccrued" in tx.events else 0
    from_reserves = min(reserves_before + accrued, debt)
    assert dict(tx.events["LossBooked"][0]) == {
        "amount": debt,
        "fromReserves": from_reserves,
        "fromFund": debt - from_reserves,
        "socialized": 0,
    }
    assert tx.events["BadDebtCovered"][0]["amount"] == debt - from_reserves
    assert fund.assetsBook() == fund_before - (debt - from_reserves)
    assert pool.debtOf(borrower) == 0 and pool.assetsIn(borrower) == 0


# ================================================================ Hole
def hole_kick(market, liq, account, keeper, governor, share):
    """Kick ``account`` with room under the Hole for ``share`` of the tab it wants."""
    wanted = plan_kick(kick_inputs(market, account)).total_tab
    room = int(wanted * share)
    liq.setHole(room, {"from": governor})
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    plan = scale_to_room(k, plan_kick(k), room)
    assert plan.scaled and plan.total_tab <= room
    assert_kick_matches(market, tx, plan, account)
    return tx, k, plan


def test_hole_scales_kick_uniformly_and_keeps_call(market, liq, pool, missed, keeper, governor, stranger, books):
    account = missed["hole"]
    deadline = pool.marginCallDeadline(account)
    with brownie.reverts(err("NotGovernor")):
        liq.setHole(10**12, {"from": stranger})
    tx, k, plan = hole_kick(market, liq, account, keeper, governor, 0.15)
    full = plan_kick(k)
    for scaled, wanted in zip(plan.auctions, full.auctions):
        assert abs(scaled.lot * full.total_tab - wanted.lot * plan.total_tab) <= full.total_tab * wanted.lot // 10**9
    # the call stays: the account is still below the base margin-call level, past its deadline
    assert "MarginCallMet" not in tx.events
    assert pool.marginCallDeadline(account) == deadline
    assert pool.accountStatus(account) == 2
    assert pool.healthFactor(account) < k.market["marginCallHF"]


def test_hole_scaled_kick_keeps_call_even_above_call_level(market, liq, pool, missed, keeper, governor, books):
    """DESIGN.md 4: a Hole-scaled kick "keeps the account's call" (DESIGN.md 3: "unless Hole room
    set D_r (then the call stays)"), also when the smaller kick lifts HF over the call level but
    short of T: a later dip below the base level is then sellable at once."""
    account = missed["hole"]
    deadline = pool.marginCallDeadline(account)
    tx, k, plan = hole_kick(market, liq, account, keeper, governor, 0.4)
    hf = pool.healthFactor(account)
    assert market.lens.effectiveCallHF(account) <= hf < plan.target
    assert "MarginCallMet" not in tx.events, "the Hole-scaled kick cleared the call"
    assert pool.marginCallDeadline(account) == deadline


def test_hole_no_room_below_dust(market, liq, missed, keeper, governor, books):
    account = missed["hole"]
    room = 500 * USDC
    liq.setHole(room, {"from": governor})
    k = kick_inputs(market, account)
    with pytest.raises(NoRoom):
        scale_to_room(k, plan_kick(k), room)
    with brownie.reverts(err("NoRoom", room)):
        kick(liq, account, keeper)


def test_kick_that_exactly_fills_the_hole_is_not_cut_down(market, liq, pool, missed, keeper, governor, books):
    """The Hole boundary: room left exactly equal to the kick's tab is enough room. The kick is
    whole, not "scaled", so it clears the call as a whole kick does (with `>=` instead of `>`
    it kept the expired call, and a later dip before the lapse was sellable at once)."""
    # Incident class: off-by-one at a liquidation limit (a boundary that keeps an expired margin call alive).
    account = missed["hole"]
    market.oracle.poke(market.collaterals["WETH"].token, {"from": keeper})  # nothing left for kick to consume
    at = chain.time() + 5
    mine_at(at)
    wanted = plan_kick(kick_inputs(market, account)).total_tab
    next_block_at(at)
    liq.setHole(liq.totalTab() + wanted, {"from": governor})
    next_block_at(at)
    tx = kick(liq, account, keeper)
    k = kick_inputs(market, account, tx)
    plan = plan_kick(k)
    assert plan.total_tab == wanted and not plan.full
    assert_kick_matches(market, tx, plan, account)
    assert liq.totalTab() == liq.hole(), "the room is not exactly used up"
    assert "MarginCallMet" in tx.events and pool.marginCallDeadline(account) == 0
    assert_partial_leaves_target(pool, account, plan)


# ================================================================ breaker
def test_breaker_levels_refuse_in_order(market, liq, pool, borrower, borrower2, keeper, guardian, governor, liquidator, books):
    weth_position(market, borrower)
    weth_position(market, borrower2)
    price(market, "WETH", 1720)
    (id_,) = kick(liq, borrower, keeper).return_value
    fund_taker(market, liquidator)

    liq.setBreaker(1, {"from": guardian})
    with brownie.reverts(err("BreakerOn", 1)):
        kick(liq, borrower2, keeper)
    liq.setBreaker(2, {"from": guardian})
    with brownie.reverts(err("BreakerOn", 2)):
        kick(liq, borrower2, keeper)
    with brownie.reverts(err("BreakerOn", 2)):
        liq.redo(id_, keeper, {"from": keeper})
    with brownie.reverts(err("BreakerOn", 2)):
        liq.settle(id_, {"from": keeper})
    _, p, lot, _ = liq.getStatus(id_)
    liq.take(id_, lot // 10, p, liquidator, b"", {"from": liquidator})  # level 2 still sells
    tx = liq.setBreaker(3, {"from": guardian})
    assert dict(tx.events["BreakerSet"][0]) == {"oldLevel": 2, "newLevel": 3}
    with brownie.reverts(err("BreakerOn", 3)):
        liq.take(id_, lot // 10, p, liquidator, b"", {"from": liquidator})

    liq.setBreaker(0, {"from": governor})
    kick(liq, borrower2, keeper)


def test_breaker_roles(liq, guardian, governor, stranger, books):
    with brownie.reverts(err("NotGuardian")):
        liq.setBreaker(1, {"from": stranger})
    liq.setBreaker(2, {"from": guardian})
    with brownie.reverts(err("NotGuardian")):
        liq.setBreaker(1, {"from": guardian})  # only the governor lowers
    with brownie.reverts(err("NotGuardian")):
        liq.setBreaker(0, {"from": stranger})
    with brownie.reverts(err("BadBreakerLevel", 4)):
        liq.setBreaker(4, {"from": governor})
    liq.setBreaker(3, {"from": governor})  # the governor may raise too
    liq.setBreaker(0, {"from": governor})
    assert liq.breaker() == 0


def test_lowering_from_level_2_restarts_every_auction(market, liq, borrower, borrower2, keeper, guardian, governor, books):
    # Incident class: keepers absent during a crash (Maker's Black Thursday 2020): halted auctions restart instead of selling at a decayed price.
    weth_position(market, borrower)
    weth_position(market, borrower2)
    price(market, "WETH", 1720)
    (a,) = kick(liq, borrower, keeper).return_value
    chain.sleep(1800)
    chain.mine()
    (b,) = kick(liq, borrower2, keeper).return_value
    chain.sleep(1000)
    liq.setBreaker(2, {"from": guardian})
    chain.sleep(liq.tail() + 100)  # both would need a redo by now
    chain.mine()
    assert liq.getStatus(a)[0] and liq.getStatus(b)[0]

    tx = liq.setBreaker(0, {"from": governor})
    assert liq.lastRestart() == tx.timestamp
    for id_ in (a, b):
        needs_redo, p, _, _ = liq.getStatus(id_, block_identifier=tx.block_number)
        # DESIGN.md 4 (issue 13): live during the stop, so it needs a redo before a take
        assert needs_redo and p == liq.auctions(id_)["top"], "price not back to top"
    # lowering from 1 restarts nothing
    liq.setBreaker(1, {"from": guardian})
    chain.sleep(200)
    tx = liq.setBreaker(0, {"from": governor})
    assert liq.lastRestart() < tx.timestamp


def test_auctions_live_during_a_stop_need_a_redo_before_a_take(market, liq, pool, borrower, borrower2, keeper, guardian, governor, liquidator, books):
    """DESIGN.md 4 (issue 13 hardening): WETH recovers from $1,720 to $2,500 while the breaker
    stands at 3. Before, the auction resumed from its pre-stop top ($1,892 a WETH) after the
    lowering, selling far below the market at the borrower's expense. Now every auction live
    during the stop needs a redo, at the fresh price; once redone it sells, with no loop."""
    # Incident class: keepers absent during a crash (Maker's Black Thursday 2020): halted auctions restart instead of selling at a decayed price.
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    (id_,) = kick(liq, borrower, keeper).return_value
    stale_top = liq.auctions(id_)["top"]
    liq.setBreaker(3, {"from": guardian})
    chain.sleep(1800)
    price(market, "WETH", 2500)
    liq.setBreaker(0, {"from": governor})
    assert liq.getStatus(id_)[0], "an auction live during the stop resumed without a redo"
    fund_taker(market, liquidator)
    with brownie.reverts(err("NeedsRedo", id_)):
        liq.take(id_, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})

    tx = liq.redo(id_, keeper, {"from": keeper})
    fresh_top = tx.events["Redo"][0]["top"]
    assert fresh_top > stale_top * 13 // 10
    assert not liq.getStatus(id_)[0], "a redone auction still needs a redo (a loop)"
    a = liq.auctions(id_)
    weth = market.collaterals["WETH"].token
    held = pool.collateralOf(borrower, weth)
    tx = liq.take(id_, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert tx.events["Take"][0]["price"] == fresh_top and tx.events["Take"][0]["owe"] == a["tab"]
    sold = a["lot"] - tx.events["AuctionEnded"][0]["leftover"]
    assert sold == slice_for(a["tab"], fresh_top, ETH, USDC)  # sold at the fresh top
    assert pool.collateralOf(borrower, weth) == held + a["lot"] - sold


# ================================================================ closing
def test_small_account_worth_more_than_its_debt_is_auctioned_not_closed(market, liq, pool, borrower, keeper, governor, liquidator, weth, books):
    """Issue 13 hardening. After governance raises dust to 2,000, an account owing 1,000 USDC on
    0.5 WETH misses a call at HF 1.04: its collateral ($1,225) is under dust but worth more than
    its debt. Closing it would hand the fund $1,225 for a $1,000 loss booked in full. Rule
    (IDutchAuctionLiquidator.kick): close only when the collateral is worth less than dust and
    less than the debt; otherwise auction everything, and what the lot raises above its tab
    returns to the borrower."""
    # Incident class: unjustified liquidation (confiscating a solvent account's equity).
    open_position(market, borrower, {"WETH": ETH // 2}, 1_000 * USDC)
    target = dict(market.config.marketParamsTarget().dict())
    target["dust"] = 2_000 * USDC
    market.config.setMarketParams(tuple(target.values()), {"from": governor})
    price(market, "WETH", 2450)  # HF 1.041, collateral worth $1,225
    pool.issueMarginCall(borrower, {"from": keeper})
    advance(market, market.config.marketParams()["gracePeriod"] + 60)
    assert pool.accountStatus(borrower) == 2 and pool.healthFactor(borrower) >= WAD

    fund = market.fund
    held, losses = fund.heldCollateral(weth), pool.realizedLosses()
    tx = kick(liq, borrower, keeper)
    assert "AccountClosed" not in tx.events and "BadDebtRealized" not in tx.events
    (id_,) = tx.return_value
    assert "KickIncentive" not in tx.events  # the lot is worth less than dust: no incentive
    a = liq.auctions(id_)
    assert a["lot"] == ETH // 2 and pool.debtOf(borrower) == 0
    fund_taker(market, liquidator)
    tx = liq.take(id_, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    leftover = tx.events["AuctionEnded"][0]["leftover"]
    assert tx.events["Take"][0]["owe"] == a["tab"] and leftover > ETH // 20  # over 0.05 WETH back
    assert pool.collateralOf(borrower, weth) == leftover and pool.debtOf(borrower) == 0
    assert fund.heldCollateral(weth) == held and pool.realizedLosses() == losses


# ================================================================ keeper incentive
def test_kick_pays_tip_plus_chip_from_the_fund(market, liq, borrower, keeper, usdc, books):
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    fund = market.fund
    before, paid_before, fund_before = usdc.balanceOf(keeper), fund.incentivesPaid(), fund.assetsBook()
    tx = kick(liq, borrower, keeper)
    k = kick_inputs(market, borrower, tx)
    plan = plan_kick(k)
    expected = k.liquidation["tip"] + plan.total_tab * k.liquidation["chip"] // WAD
    assert kick_incentive(k, plan, fund_before) == expected
    assert dict(tx.events["IncentivePaid"][0]) == {"keeper": keeper.address, "amount": expected}
    assert dict(tx.events["KickIncentive"][0]) == {"account": borrower.address, "keeper": keeper.address, "paid": expected}
    assert usdc.balanceOf(keeper) - before == expected
    assert fund.incentivesPaid() - paid_before == expected
    assert fund.assetsBook() == fund_before - expected


def test_no_incentive_for_a_worthless_lot(market, liq, pool, borrower, keeper, books):
    # Incident class: keeper-incentive farming (self-liquidation, repeated redo, incentives on worthless lots).
    weth_position(market, borrower)
    price(market, "WETH", 1720)
    kick(liq, borrower, keeper)
    price(market, "WETH", 50)  # what is left is worth < dust; a live auction: not closed
    tx = kick(liq, borrower, keeper)
    k = kick_inputs(market, borrower, tx)
    plan = plan_kick(k)
    assert plan.full and plan.lot_value < k.dust <= plan.total_tab
    assert kick_incentive(k, plan, market.fund.assetsBook()) == 0
    assert "KickIncentive" not in tx.events and "IncentivePaid" not in tx.events
    assert_kick_matches(market, tx, plan, borrower)


def test_kick_works_with_an_empty_fund(market, liq, borrower, borrower2, keeper, insurer, books):
    fund = market.fund
    fund.requestWithdraw(fund.balanceOf(insurer), {"from": insurer})
    advance(market, fund.cooldown() + 1)
    fund.redeem(fund.maxRedeem(insurer), insurer, insurer, {"from": insurer})
    left = fund.assetsBook()
    assert 0 < left < 10 * USDC  # the dead shares' dollar and dust of income

    weth_position(market, borrower)
    weth_position(market, borrower2)
    price(market, "WETH", 1720)
    first = kick(liq, borrower, keeper)
    assert first.events["KickIncentive"][0]["paid"] == left and fund.assetsBook() == 0
    second = kick(liq, borrower2, keeper)
    assert "IncentivePaid" not in second.events
    assert dict(second.events["KickIncentive"][0]) == {"account": borrower2.address, "keeper": keeper.address, "paid": 0}
    assert len(second.return_value) == 1
