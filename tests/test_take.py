"""take (DESIGN.md 4, 5): the price curves against Python, partial and full takes against the
model of ``tests.model.auction``, the tab-only dust rule, the refusals, where the
money and the lot go, the shortfall rule, the loss waterfall stage by stage, flash takes and the
shared lock, and why a self-kick followed by a self-take loses money.

Module state: 1,000,000 USDC supplied; the insurance fund holds only its dead-share dollar; the
demo stair-step curve (×0.99 every 90 s, tail 2 h, cusp 0.60, buf 1.10). Takes that depend on
the price are mined at a chosen second (``evm_setNextBlockTimestamp``).
"""

from decimal import Decimal

import brownie
import pytest
from brownie import chain

from tests.model.auction import exact_pow_price, linear_price, slice_for, split_owe, take_amounts
from tests.model.fixed_point import MAX_UINT, WAD
from tests.support.actions import deposit_to_fund, fund_taker, open_position, price, supply
from tests.support.chain_time import advance, mine_at, next_block_at
from tests.support.reads import AuctionView, obligation
from tests.support.reverts import err
from tests.support.units import BTC, ETH, USDC, ZERO_ADDRESS


@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier):
    supply(market, supplier, 1_000_000 * USDC)


@pytest.fixture
def taker(market, liquidator):
    """``liquidator`` (the actor) holds base tokens and has approved the auction house."""
    fund_taker(market, liquidator)
    return liquidator


def partial_auction(market, liq, who, keeper, weth=10 * ETH, debt=15_000 * USDC, at=1720):
    """``who`` borrows against WETH, the price falls to ``at`` (HF 0.975 by default) and the
    keeper kicks: one partial auction. Returns (id, its record)."""
    open_position(market, who, {"WETH": weth}, debt)
    price(market, "WETH", at)
    (id_,) = liq.kick(who, keeper, {"from": keeper}).return_value
    return id_, AuctionView.read(liq, id_)


def full_auctions(market, liq, who, keeper, collateral, debt, prices):
    open_position(market, who, collateral, debt)
    for symbol, usd in prices.items():
        price(market, symbol, usd)
    return list(liq.kick(who, keeper, {"from": keeper}).return_value)


def _curve(market):
    """The demo curve the market was deployed with (tests that change it say so)."""
    return market.curve


def take_at(liq, id_, ts, max_collateral, max_price, receiver, taker, data=b""):
    next_block_at(ts)
    return liq.take(id_, max_collateral, max_price, receiver, data, {"from": taker})


# ================================================================ curves
def sample_times(step):
    return sorted({0, 1, step - 1, step, step + 1, 10 * step, 50 * step + 7, 3599, 3600, 7200, 86_400})


def test_linear_curve_matches_python(project, governor):
    curve = project.LinearDecrease.deploy(3600, {"from": governor})
    top = 1892 * WAD + 123
    for t in sample_times(90):
        assert curve.price(top, t) == linear_price(top, t, 3600)


@pytest.mark.parametrize("kind", ["exponential", "stairstep"])
def test_exponential_curves_match_python(project, governor, kind):
    """The contract multiplies by repeated squaring, every product rounded down: it never asks
    more than the exact curve, and stays within 1e-12 of it (the squarings compound the rounding)."""
    if kind == "exponential":
        cut, step = 999_900_000_000_000_000, 1  # ×0.9999 a second
        curve = project.ExponentialDecrease.deploy(cut, {"from": governor})
    else:
        cut, step = 99 * 10**16, 90  # the demo: ×0.99 every 90 s
        curve = project.StairstepExponentialDecrease.deploy(cut, step, {"from": governor})
    top = 1892 * WAD + 123
    previous = top
    for t in sample_times(step):
        got = curve.price(top, t)
        exact = exact_pow_price(top, cut, t // step)
        assert got <= exact, f"t={t}: above the exact curve"
        assert Decimal(got) >= exact * (1 - Decimal("1e-12")) - 1, f"t={t}: {got} vs {exact}"
        assert got <= previous
        previous = got


def test_auction_price_follows_its_curve(market, project, liq, borrower, keeper, governor, stranger, books):
    linear = project.LinearDecrease.deploy(6600, {"from": governor})
    with brownie.reverts(err("NotGovernor")):
        liq.setCurve(linear, {"from": stranger})
    liq.setCurve(linear, {"from": governor})
    id_, a = partial_auction(market, liq, borrower, keeper)
    for age in (0, 1, 600, 3960):  # 3960 s: 40 % off, below cusp
        mine_at(a.tic + age)
        needs_redo, p, lot, tab = liq.getStatus(id_)
        assert p == linear_price(a.top, age, 6600)
        assert needs_redo == (p < a.top * 6 // 10)
        assert (lot, tab) == (a.lot, a.tab)


# ================================================================ partial and full takes
def test_partial_then_full_take(market, liq, pool, borrower, keeper, taker, weth, usdc, books):
    id_, a = partial_auction(market, liq, borrower, keeper)
    fund, dust = market.fund, market.config.marketParams()["dust"]
    ts = a.tic + 300
    p = _curve(market).price(a.top, 300)
    slice_, owe = take_amounts(a.lot, a.tab, a.lot // 3, p, a.scale, USDC, dust)
    repaid, penalty = split_owe(owe, a.tab, a.debt_part, a.penalty)
    weth0, usdc0, pen0, dia0 = weth.balanceOf(taker), usdc.balanceOf(taker), fund.penaltyIncome(), pool.debtInAuction()

    tx = take_at(liq, id_, ts, a.lot // 3, p, taker, taker)
    e = tx.events["Take"][0]
    assert (e["price"], e["owe"], e["tab"], e["lot"]) == (p, owe, a.tab - owe, a.lot - slice_)
    assert weth.balanceOf(taker) - weth0 == slice_ == a.lot // 3
    assert usdc0 - usdc.balanceOf(taker) == owe
    assert fund.penaltyIncome() - pen0 == penalty and tx.events["IncomeReceived"][0]["amount"] == penalty
    assert dia0 - pool.debtInAuction() == repaid
    b = AuctionView.read(liq, id_)
    assert (b.lot, b.tab, b.debt_part) == (a.lot - slice_, a.tab - owe, a.debt_part - repaid)

    # the rest: the lot is worth more than the tab at this price, so the tab is paid and the
    # remainder goes back to the account's collateral in the pool
    left_in_pool = pool.collateralOf(borrower, weth)
    slice2, owe2 = take_amounts(b.lot, b.tab, b.lot, p, b.scale, USDC, dust)
    assert owe2 == b.tab and slice2 < b.lot
    tx = take_at(liq, id_, ts, b.lot, p, taker, taker)
    assert dict(tx.events["AuctionEnded"][0]) == {"id": id_, "leftover": b.lot - slice2, "unpaidDebt": 0}
    assert pool.collateralOf(borrower, weth) == left_in_pool + b.lot - slice2
    assert liq.auctions(id_)["account"] == ZERO_ADDRESS and pool.liveAuctions(borrower) == 0
    assert pool.debtInAuction() == 0


def test_tab_only_dust_rule(market, liq, borrower, keeper, taker, books):
    # Incident class: dust positions and dust griefing (remnants too small to liquidate profitably; Maker's dust/chost rule).
    id_, a = partial_auction(market, liq, borrower, keeper)
    dust = market.config.marketParams()["dust"]
    ts = a.tic + 90
    p = _curve(market).price(a.top, 90)
    # ask for a slice that would leave half a dust of tab: the owe becomes tab − dust
    wanted = slice_for(a.tab - dust // 2, p, a.scale, USDC)
    slice_, owe = take_amounts(a.lot, a.tab, wanted, p, a.scale, USDC, dust)
    assert owe == a.tab - dust and slice_ < wanted
    tx = take_at(liq, id_, ts, wanted, p, taker, taker)
    assert tx.events["Take"][0]["owe"] == owe and tx.events["Take"][0]["tab"] == dust
    b = AuctionView.read(liq, id_)
    assert b.lot == a.lot - slice_

    # with tab = dust, only a purchase that clears the tab is possible
    next_block_at(ts)
    with brownie.reverts(err("NoPartialPurchase", dust, dust)):
        liq.take(id_, b.lot // 100, p, taker, b"", {"from": taker})
    tx = take_at(liq, id_, ts, b.lot, p, taker, taker)
    assert tx.events["Take"][0]["owe"] == dust and "AuctionEnded" in tx.events


def test_max_price_protection(market, liq, borrower, keeper, taker, books):
    # Incident class: a taker front-run into a worse price (slippage protection, as maxPrice in Maker's Clipper take).
    id_, a = partial_auction(market, liq, borrower, keeper)
    p = _curve(market).price(a.top, 200)
    next_block_at(a.tic + 200)
    with brownie.reverts(err("TooExpensive", p, p - 1)):
        liq.take(id_, a.lot, p - 1, taker, b"", {"from": taker})


def test_needs_redo_below_cusp(market, liq, borrower, keeper, taker, books):
    # Incident class: selling collateral at a stale auction price (an auction left running after the market moved).
    id_, a = partial_auction(market, liq, borrower, keeper)
    cusp_age = 51 * 90  # 0.99^51 < 0.60 ≤ 0.99^50
    assert _curve(market).price(a.top, cusp_age) < a.top * 6 // 10 <= _curve(market).price(a.top, cusp_age - 1)
    take_at(liq, id_, a.tic + cusp_age - 1, a.lot // 10, MAX_UINT, taker, taker)
    next_block_at(a.tic + cusp_age)
    with brownie.reverts(err("NeedsRedo", id_)):
        liq.take(id_, a.lot // 10, MAX_UINT, taker, b"", {"from": taker})


def test_needs_redo_after_tail(market, project, liq, borrower, keeper, taker, governor, books):
    # Incident class: selling collateral at a stale auction price (an auction left running after the market moved).
    slow = project.ExponentialDecrease.deploy(999_990_000_000_000_000, {"from": governor})  # 0.93 after 2 h
    liq.setCurve(slow, {"from": governor})
    id_, a = partial_auction(market, liq, borrower, keeper)
    tail = liq.tail()
    assert slow.price(a.top, tail + 1) > a.top * 6 // 10
    take_at(liq, id_, a.tic + tail, a.lot // 10, MAX_UINT, taker, taker)
    next_block_at(a.tic + tail + 1)
    with brownie.reverts(err("NeedsRedo", id_)):
        liq.take(id_, a.lot // 10, MAX_UINT, taker, b"", {"from": taker})


def test_take_never_reads_the_oracle(market, liq, borrower, keeper, taker, weth_feed, usdc_feed, books):
    # Incident class: an oracle outage freezing liquidations (auctions must clear without a price).
    id_, a = partial_auction(market, liq, borrower, keeper)
    weth_feed.setReverting(True, {"from": keeper})
    usdc_feed.setReverting(True, {"from": keeper})
    with brownie.reverts():
        market.oracle.getPrice(market.collaterals["WETH"].token)
    tx = liq.take(id_, a.lot, MAX_UINT, taker, b"", {"from": taker})
    assert "AuctionEnded" in tx.events


def test_owe_is_pulled_from_the_caller_not_the_receiver(market, liq, borrower, keeper, taker, stranger, weth, usdc, books):
    # Incident class: arbitrary-from transfers (pulling payment from someone other than the caller through a standing approval).
    id_, a = partial_auction(market, liq, borrower, keeper)
    assert usdc.allowance(stranger, liq) == 0
    stranger_usdc, taker_usdc = usdc.balanceOf(stranger), usdc.balanceOf(taker)
    tx = liq.take(id_, a.lot // 2, MAX_UINT, stranger, b"", {"from": taker})
    owe = tx.events["Take"][0]["owe"]
    assert weth.balanceOf(stranger) == a.lot // 2
    assert usdc.balanceOf(stranger) == stranger_usdc
    assert taker_usdc - usdc.balanceOf(taker) == owe


def test_receiver_may_not_be_a_protocol_contract(market, liq, borrower, keeper, taker, books):
    # Incident class: sending seized collateral to a protocol contract to corrupt its balances or books.
    id_, a = partial_auction(market, liq, borrower, keeper)
    for receiver in (ZERO_ADDRESS, liq.address, market.pool.address, market.fund.address, market.config.address, market.oracle.address):
        with brownie.reverts(err("BadReceiver", receiver)):
            liq.take(id_, a.lot, MAX_UINT, receiver, b"", {"from": taker})


def test_leftover_returns_above_supply_cap_and_when_frozen(market, liq, pool, borrower, keeper, taker, governor, weth, books):
    id_, a = partial_auction(market, liq, borrower, keeper)
    config = market.config
    info = config.collateralInfo(weth)
    cap = ETH
    config.setCollateralParams(weth, (info["borrowFactor"], info["liquidationFactor"], info["liquidationPenalty"], cap), {"from": governor})
    config.freezeCollateral(weth, {"from": governor})
    before = pool.collateralOf(borrower, weth)
    tx = liq.take(id_, a.lot, MAX_UINT, taker, b"", {"from": taker})
    leftover = tx.events["AuctionEnded"][0]["leftover"]
    assert leftover > 0
    assert dict(tx.events["CollateralReturned"][0]) == {"account": borrower.address, "asset": weth.address, "amount": leftover}
    assert pool.collateralOf(borrower, weth) == before + leftover
    assert pool.totalCollateral(weth) > cap and config.collateralInfo(weth)["frozen"]


# ================================================================ shortfall and bad debt
def test_shortfall_charged_back_while_the_account_has_collateral(market, liq, pool, borrower, keeper, taker, books):
    id_, a = partial_auction(market, liq, borrower, keeper)
    age = 20 * 90  # price 0.90 of top ≈ 0.99 of the oracle: the lot fetches less than its tab
    p = _curve(market).price(a.top, age)
    slice_, owe = take_amounts(a.lot, a.tab, a.lot, p, a.scale, USDC, market.config.marketParams()["dust"])
    assert slice_ == a.lot and owe < a.tab
    repaid, _ = split_owe(owe, a.tab, a.debt_part, a.penalty)
    losses = pool.realizedLosses()
    before = obligation(market, borrower, block=chain.height)
    tx = take_at(liq, id_, a.tic + age, a.lot, p, taker, taker)

    unpaid = a.debt_part - repaid
    assert dict(tx.events["AuctionEnded"][0]) == {"id": id_, "leftover": 0, "unpaidDebt": unpaid}
    assert dict(tx.events["DebtChargedBack"][0]) == {"account": borrower.address, "amount": unpaid}
    assert "LossBooked" not in tx.events and pool.realizedLosses() == losses
    after = obligation(market, borrower, block=tx.block_number)
    interest = after.debt - (before.debt + unpaid)
    assert 0 <= interest <= before.debt // 10**6  # a few seconds of interest, and the charge-back's rounding
    assert liq.pendingLoss() == 0


def test_siblings_realise_bad_debt_only_when_the_last_auction_ends(market, liq, pool, borrower2, keeper, taker, insurer, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    deposit_to_fund(market, insurer, 50_000 * USDC)  # the fund covers it (its stage is tested below)
    weth_id, wbtc_id = full_auctions(
        market, liq, borrower2, keeper, {"WETH": 5 * ETH, "WBTC": 2 * BTC // 10}, 17_000 * USDC,
        {"WETH": 1600, "WBTC": 36000},  # HF 0.74: everything, lots worth less than their tabs
    )
    losses = pool.realizedLosses()
    tx = liq.take(weth_id, MAX_UINT, MAX_UINT, taker, b"", {"from": taker})
    assert "DebtChargedBack" in tx.events and "LossBooked" not in tx.events
    assert pool.realizedLosses() == losses and pool.assetsIn(borrower2) == 0 and pool.debtOf(borrower2) > 0

    chain.sleep(60)
    chain.mine()
    owed = obligation(market, borrower2)
    tx = liq.take(wbtc_id, MAX_UINT, MAX_UINT, taker, b"", {"from": taker})
    end = tx.events["AuctionEnded"][0]
    repaid = tx.events["Take"][0]["owe"] - tx.events["IncomeReceived"][0]["amount"]
    booked = [e["amount"] for e in tx.events["LossBooked"]]
    assert sum(booked) == pool.realizedLosses() - losses == owed.total - repaid
    assert end["unpaidDebt"] in booked
    assert sum(e["amount"] for e in tx.events["BadDebtRealized"]) == sum(booked)
    assert pool.debtOf(borrower2) == 0 and pool.liveAuctions(borrower2) == 0


def underwater_auction(market, liq, who, keeper):
    """5 WETH against 10,000 USDC, WETH to $1,500 (HF 0.64): one auction, lot $7,500, tab
    $10,500. Bought whole at top ($1,650) it repays 7,857.14 and leaves 2,142.86 unpaid."""
    open_position(market, who, {"WETH": 5 * ETH}, 10_000 * USDC)
    price(market, "WETH", 1500)
    (id_,) = liq.kick(who, ZERO_ADDRESS, {"from": keeper}).return_value  # no incentive: the fund stays as set
    return id_, AuctionView.read(liq, id_)


def realise(market, liq, id_, a, taker):
    """Buy the whole lot at top; returns (tx, loss, reserves before the loss, fund assets
    before the loss)."""
    pool, fund = market.pool, market.fund
    reserves, assets = pool.reserves(), fund.assetsBook()
    tx = take_at(liq, id_, a.tic, a.lot, a.top, taker, taker)
    accrued = sum(e["toReserves"] for e in tx.events["InterestAccrued"]) if "InterestAccrued" in tx.events else 0
    penalty = tx.events["IncomeReceived"][0]["amount"]
    loss = sum(e["amount"] for e in tx.events["LossBooked"])
    return tx, loss, reserves + accrued, assets + penalty


def test_waterfall_stage_1_reserves(market, liq, pool, borrower, borrower2, keeper, taker, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    # reserves first: a borrower at 95 % utilisation (64 % APR) for 20 days
    open_position(market, borrower2, {"WBTC": 25 * BTC}, 950_000 * USDC)
    advance(market, 20 * 86_400)
    pool.accrueInterest({"from": keeper})
    assert pool.reserves() > 2_500 * USDC
    id_, a = underwater_auction(market, liq, borrower, keeper)
    tx, loss, reserves, _ = realise(market, liq, id_, a, taker)
    assert loss > 2_000 * USDC and reserves >= loss
    assert dict(tx.events["LossBooked"][0]) == {"amount": loss, "fromReserves": loss, "fromFund": 0, "socialized": 0}
    assert "BadDebtCovered" not in tx.events and "BadDebtSocialized" not in tx.events
    assert pool.reserves() == reserves - loss


def test_waterfall_stage_2_insurance_fund(market, liq, pool, borrower, insurer, keeper, taker, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    deposit_to_fund(market, insurer, 10_000 * USDC)
    id_, a = underwater_auction(market, liq, borrower, keeper)
    supplier_assets = pool.supplierAssets()
    tx, loss, reserves, assets = realise(market, liq, id_, a, taker)
    assert reserves < loss <= reserves + assets
    covered = loss - reserves
    assert dict(tx.events["LossBooked"][0]) == {"amount": loss, "fromReserves": reserves, "fromFund": covered, "socialized": 0}
    assert tx.events["BadDebtCovered"][0]["amount"] == covered
    assert market.fund.assetsBook() == assets - covered and pool.reserves() == 0
    assert "BadDebtSocialized" not in tx.events
    assert pool.supplierAssets() >= supplier_assets


def test_waterfall_stage_3_suppliers(market, liq, pool, borrower, keeper, taker, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    id_, a = underwater_auction(market, liq, borrower, keeper)
    supplier_assets = pool.supplierAssets()
    tx, loss, reserves, assets = realise(market, liq, id_, a, taker)
    socialized = loss - reserves - assets
    assert socialized > 0
    assert dict(tx.events["LossBooked"][0]) == {
        "amount": loss, "fromReserves": reserves, "fromFund": assets, "socialized": socialized,
    }
    assert tx.events["BadDebtCovered"][0]["amount"] == assets
    assert tx.events["BadDebtSocialized"][0]["amount"] == socialized
    interest = sum(e["interest"] - e["toReserves"] for e in tx.events["InterestAccrued"]) if "InterestAccrued" in tx.events else 0
    assert pool.supplierAssets() == supplier_assets + interest - socialized
    assert market.fund.assetsBook() == 0


# ================================================================ flash takes and the lock
def test_flash_taker_with_no_capital_keeps_the_spread(market, project, liq, borrower, keeper, taker_owner, market_maker, weth, usdc, books):
    id_, a = partial_auction(market, liq, borrower, keeper)
    amm = project.MockAMM.deploy(weth, usdc, {"from": market_maker})
    weth.mint(market_maker, 1_000 * ETH, {"from": market_maker})
    usdc.mint(market_maker, 1_720_000 * USDC, {"from": market_maker})
    weth.approve(amm, MAX_UINT, {"from": market_maker})
    usdc.approve(amm, MAX_UINT, {"from": market_maker})
    amm.addLiquidity(1_000 * ETH, 1_720_000 * USDC, {"from": market_maker})  # the oracle's $1,720
    flash = project.FlashTaker.deploy(liq, usdc, {"from": taker_owner})
    assert usdc.balanceOf(taker_owner) == 0 == usdc.balanceOf(flash)

    age = 15 * 90  # top·0.99^15 = $1,629: below the AMM's price net of fee and slippage
    p = _curve(market).price(a.top, age)
    next_block_at(a.tic + age)
    tx = flash.take(id_, a.lot, p, amm, 0, {"from": taker_owner})
    e = tx.events["FlashTaken"][0]
    assert e["profit"] > 0 and usdc.balanceOf(taker_owner) == e["profit"]
    assert usdc.balanceOf(flash) == 0 and weth.balanceOf(flash) == 0
    assert "AuctionEnded" in tx.events and tx.events["Take"][0]["owe"] == e["owe"]


TARGETS = {
    "pool.supply": 1,
    "pool.repay": 2,
    "pool.depositCollateral": 3,
    "pool.withdraw": 4,
    "pool.accrueInterest": 5,
    "liquidator.take": 6,
    "liquidator.kick": 7,
    "liquidator.redo": 8,
    "liquidator.settle": 9,
    "fund.deposit": 10,
    "fund.requestWithdraw": 11,
    "fund.redeem": 12,
}


@pytest.fixture
def reentrant(market, project, liq, attacker):
    contract = project.ReentrantTaker.deploy(market.pool, liq, market.fund, {"from": attacker})
    market.base.token.mint(contract, 10**12, {"from": attacker})
    return contract


def test_callback_control_case_pays(market, liq, borrower, keeper, reentrant, attacker, weth, books):
    id_, a = partial_auction(market, liq, borrower, keeper)
    tx = reentrant.takeAndReenter(id_, a.lot // 4, MAX_UINT, 0, borrower, weth, {"from": attacker})
    assert weth.balanceOf(reentrant) == a.lot // 4 and "Take" in tx.events


@pytest.mark.parametrize("target", list(TARGETS))
def test_callback_cannot_reenter_the_protocol(market, liq, borrower, keeper, reentrant, attacker, weth, target, books):
    # Incident class: reentrancy through a liquidation callback (a flash take re-entering the protocol mid-state).
    id_, a = partial_auction(market, liq, borrower, keeper)
    with brownie.reverts(err("Reentrancy")):
        reentrant.takeAndReenter(id_, a.lot // 4, MAX_UINT, TARGETS[target], borrower, weth, {"from": attacker})


# ================================================================ self-kick, self-take
@pytest.mark.parametrize("steps", [0, 50], ids=["at_top", "last_price_above_cusp"])
def test_self_kick_and_self_take_loses_money(market, liq, pool, borrower, weth, usdc, steps, books):
    """DESIGN.md 2's bounds, `tip + chip·dust ≤ min p·dust/2` and `cusp·buf ≥ (1 + max p)/2`,
    make a borrower who kicks itself (earning the incentive) and buys its own lot back pay more
    penalty than it earns. Buying the whole lot at a price P ≥ cusp·top: owe ≥ min(tab,
    cusp·buf·lot value) ≥ (1+p)/2·tab (a partial kick's tab is the lot's oracle value), so the
    penalty p/(1+p)·owe ≥ p/2·tab, while the incentive tip + chip·tab ≤ p/2·tab for tab ≥ dust
    (chip ≤ p/2). Its net worth at oracle prices changes by exactly incentive − penalty < 0
    (less a few seconds of interest)."""
    # Incident class: keeper-incentive farming (self-liquidation, repeated redo, incentives on worthless lots).
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    price(market, "WETH", 1720)
    fund_taker(market, borrower)
    oracle_price = market.oracle.getPrice(weth)

    def net_worth(block=None):
        kw = {"block_identifier": block} if block is not None else {}
        held = weth.balanceOf(borrower, **kw) + pool.collateralOf(borrower, weth, **kw)
        owed = obligation(market, borrower, block=block).total
        return usdc.balanceOf(borrower, **kw) + held * oracle_price // WAD // 10**12 - owed

    before = net_worth(chain.height)
    kick = liq.kick(borrower, borrower, {"from": borrower})
    incentive = kick.events["KickIncentive"][0]["paid"]
    (id_,) = kick.return_value
    a = AuctionView.read(liq, id_)
    p = _curve(market).price(a.top, steps * 90)
    lp = market.config.liquidationParams()
    assert p >= a.top * lp["cusp"] // WAD
    take = take_at(liq, id_, a.tic + steps * 90, a.lot, p, borrower, borrower)
    penalty = take.events["IncomeReceived"][0]["amount"]

    assert incentive > 0 and penalty > incentive
    # the bound, from the parameters alone
    p_ = a.penalty
    owe = take.events["Take"][0]["owe"]
    assert owe >= min(a.tab, a.tab * lp["cusp"] * lp["buf"] // WAD // WAD)
    assert penalty - incentive >= owe * p_ // (WAD + p_) - (lp["tip"] + a.tab * lp["chip"] // WAD) - 1
    change = net_worth(take.block_number) - before
    assert change < 0
    assert -(penalty - incentive) - a.tab // 10**5 <= change <= -(penalty - incentive) + 1
