"""Regression tests of the outside audit (issue 13, findings 2 to 6), each reproducing the
attack as the audit measured it and asserting that it now does no harm, on balances and books.
Finding 1 (three collaterals) is in ``test_three_collaterals.py``.

Module state: 10,000,000 USDC supplied by ``supplier`` and 1,000,000 by ``supplier2``; the
insurance fund holds only its dead-share dollar, so known losses reach supplier exits.
"""

import brownie
import pytest
from brownie import chain

from tests.model.fixed_point import MAX_UINT
from tests.model.kick import plan_kick
from tests.model.waterfall import supplier_exit_value, supplier_haircut
from tests.support.actions import fund_taker, open_position, price, supply
from tests.support.chain_time import advance, next_block_at
from tests.support.reads import AuctionView, kick_inputs
from tests.support.reverts import err
from tests.support.units import BTC, ETH, USDC

STEPS_TO_62_PERCENT = 48  # the demo stair-step: 0.99^48 ≈ 0.617 of top, above cusp 0.60


@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier, supplier2):
    supply(market, supplier, 10_000_000 * USDC)
    supply(market, supplier2, 1_000_000 * USDC)


def full_kick_weth_wbtc(market, who, keeper):
    """``who`` holds 10 WETH + 0.25 WBTC against 20,000 USDC; at $1,500 / $30,000 (HF 0.94) a
    full kick opens one WETH and one WBTC auction. Returns (tx, WETH auction, WBTC auction)."""
    open_position(market, who, {"WETH": 10 * ETH, "WBTC": BTC // 4}, 20_000 * USDC)
    price(market, "WETH", 1500)
    price(market, "WBTC", 30_000)
    tx = market.liquidator.kick(who, keeper, {"from": keeper})
    weth_id, wbtc_id = (e["id"] for e in tx.events["Kick"])
    return tx, weth_id, wbtc_id


# ================================================================ finding 2
def test_supplier_exiting_after_a_charge_back_to_an_empty_account_is_haircut(market, liq, pool, supplier, supplier2, borrower, keeper, liquidator, books):
    """Issue 13 finding 2. A full kick leaves the borrower with no collateral and two auctions.
    The WBTC lot sells at 62 % of its top, short of its tab: its unpaid debt part is charged back
    to the account (its WETH sibling still lives), a loss nothing can answer for. Before the fix
    that part left pendingLoss with no loss booked, and a 1M supplier exited at full value while
    the one who stayed took the whole loss. Now the charge-back stays in pendingLoss until the
    last auction books it: the exit is haircut pro rata."""
    # Incident class: exiting ahead of a known loss (withdrawing before bad debt is realised and socialised).
    kick_tx, weth_id, wbtc_id = full_kick_weth_wbtc(market, borrower, keeper)
    assert pool.assetsIn(borrower) == 0 and liq.pendingLoss() == 0  # both lots worth more than their debt parts
    fund_taker(market, liquidator)
    t0 = kick_tx.timestamp
    next_block_at(t0 + STEPS_TO_62_PERCENT * 90)
    tx = liq.take(wbtc_id, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    charged = tx.events["DebtChargedBack"][0]["amount"]
    assert charged > 1_000 * USDC and pool.assetsIn(borrower) == 0 and pool.liveAuctions(borrower) == 1
    assert "BadDebtRealized" not in tx.events  # the loss is not booked yet ...
    est_weth = liq.auctions(weth_id)["est"]
    assert liq.pendingLoss() == est_weth + charged, "a certain loss dropped out of the exit price"
    assert liq.unbackedChargeBacks(borrower) == charged

    # ... but it is priced into the exit of the supplier who leaves now
    book = market.lens.supplyBalanceOf(supplier2)
    shares = pool.supplySharesOf(supplier2)
    next_block_at(t0 + STEPS_TO_62_PERCENT * 90 + 10)
    tx = pool.withdraw(MAX_UINT, supplier2, {"from": supplier2})
    paid = tx.events["Withdrawn"][0]["amount"]
    at = tx.block_number
    assets_before = pool.supplierAssets(block_identifier=at) + paid
    total_shares = pool.totalSupplyShares(block_identifier=at) + shares
    absorbed = pool.reserves(block_identifier=at) + market.fund.totalAssets(block_identifier=at)
    haircut = supplier_haircut(liq.pendingLoss(block_identifier=at), pool.reserves(block_identifier=at), market.fund.totalAssets(block_identifier=at), assets_before)
    assert haircut >= charged - absorbed > 0
    assert paid == supplier_exit_value(shares, assets_before, total_shares, haircut)
    assert book - paid >= (charged - absorbed) * shares // total_shares - 1, "exited ahead of the loss"

    # the WETH lot also sells short: the last auction books the charge-back and its own shortfall
    losses = pool.realizedLosses()
    tx = liq.take(weth_id, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    booked = sum(e["amount"] for e in tx.events["BadDebtRealized"])
    assert booked >= charged and pool.realizedLosses() == losses + booked
    assert liq.pendingLoss() == 0 and liq.unbackedChargeBacks(borrower) == 0
    assert pool.debtOf(borrower) == 0 and pool.liveAuctions(borrower) == 0


def test_charge_back_to_an_account_with_collateral_is_not_pending(market, liq, pool, borrower, keeper, liquidator, books):
    """Control: a charge-back to an account that still holds collateral is answered by it, not
    a pending loss (DESIGN.md 5)."""
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    price(market, "WETH", 1720)  # HF 0.97: a partial kick, collateral stays
    kick_tx = liq.kick(borrower, keeper, {"from": keeper})
    (id_,) = kick_tx.return_value
    fund_taker(market, liquidator)
    next_block_at(kick_tx.timestamp + STEPS_TO_62_PERCENT * 90)
    tx = liq.take(id_, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert tx.events["DebtChargedBack"][0]["amount"] > 0 and pool.assetsIn(borrower) != 0
    assert liq.pendingLoss() == 0 and liq.unbackedChargeBacks(borrower) == 0


# ================================================================ finding 3
def test_small_lot_cannot_be_settled_right_after_a_partial_kick(market, liq, pool, borrower, attacker, keeper, wbtc, books):
    """Issue 13 finding 3. A partial kick of 10 WETH + 0.01 WBTC opens a WBTC auction whose lot
    (~0.0087 BTC) is worth less than dust at its top. Before the fix anyone could settle it at
    once: the fund got the lot for nothing and the whole debt part was charged back to the
    borrower. Now settle needs an auction that needs a redo: the lot must first fail to sell."""
    # Incident class: confiscation of collateral without a sale (settling an auction that never had a chance to sell).
    open_position(market, borrower, {"WETH": 10 * ETH, "WBTC": BTC // 100}, 20_000 * USDC)
    price(market, "WETH", 2200)  # HF 0.96: a partial kick
    tx = liq.kick(borrower, keeper, {"from": keeper})
    plan = plan_kick(kick_inputs(market, borrower, tx))
    assert not plan.full
    wbtc_id = next(e["id"] for e in tx.events["Kick"] if e["asset"] == wbtc.address)
    a = AuctionView.read(liq, wbtc_id)
    dust = market.config.marketParams()["dust"]
    assert a.lot * a.top // BTC * USDC // 10**18 < dust  # worth less than dust at its top

    held, debt, parts = market.fund.heldCollateral(wbtc), pool.debtOf(borrower), pool.debtInAuctionOf(borrower)
    with brownie.reverts(err("CannotSettle", wbtc_id)):
        liq.settle(wbtc_id, {"from": attacker})
    assert AuctionView.read(liq, wbtc_id) == a, "the lot was touched"
    assert market.fund.heldCollateral(wbtc) == held and wbtc.balanceOf(liq) == a.lot
    assert pool.debtOf(borrower) == debt and pool.debtInAuctionOf(borrower) == parts

    # once it has failed to sell for a tail (and is still worth < dust at a fresh price): settled
    advance(market, liq.tail() + 1)
    assert liq.getStatus(wbtc_id)[0]
    tx = liq.settle(wbtc_id, {"from": attacker})
    assert dict(tx.events["Settle"][0]) == {"id": wbtc_id, "lot": a.lot, "unpaidDebt": a.debt_part}
    assert market.fund.heldCollateral(wbtc) == held + a.lot


# ================================================================ finding 4
def test_over_cap_top_up_adds_no_borrowing_capacity(market, pool, attacker, stranger, wbtc, usdc):
    """Issue 13 finding 4. WBTC's 5,000 cap is full. The attacker borrows to the limit against
    WETH, dips into MarginCall, tops up 100 WBTC over the cap (allowed: the top-up is for
    leaving the band) and is Healthy. Before the fix it could then borrow against that WBTC (the
    audit drew 5.04M USDC) or withdraw its WETH. Now over-cap collateral counts for nothing in
    the opening-risk check while the asset is over its cap; it counts again once it fits."""
    # Incident class: supply-cap bypass (levering up on collateral beyond the market's exposure limit).
    cap = market.config.collateralInfo(wbtc)["supplyCap"]
    open_position(market, stranger, {"WBTC": cap}, 0)  # the cap is full
    open_position(market, attacker, {"WETH": 10 * ETH}, 22_000 * USDC)
    price(market, "WETH", 2800)
    assert pool.accountStatus(attacker) == 1  # MarginCall
    wbtc.mint(attacker, 100 * BTC, {"from": attacker})
    wbtc.approve(pool, 100 * BTC, {"from": attacker})
    pool.depositCollateral(wbtc, 100 * BTC, attacker, {"from": attacker})
    assert pool.totalCollateral(wbtc) == cap + 100 * BTC
    assert pool.accountStatus(attacker) == 0  # Healthy thanks to the top-up

    weth = market.collaterals["WETH"].token
    before = (usdc.balanceOf(attacker), pool.debtOf(attacker), pool.cash(), pool.collateralOf(attacker, weth))
    with brownie.reverts(revert_pattern="InsufficientMargin: .*"):
        pool.borrow(1_000_000 * USDC, attacker, {"from": attacker})
    with brownie.reverts(revert_pattern="InsufficientMargin: .*"):
        pool.withdrawCollateral(weth, MAX_UINT, attacker, {"from": attacker})
    assert (usdc.balanceOf(attacker), pool.debtOf(attacker), pool.cash(), pool.collateralOf(attacker, weth)) == before

    # the whale leaves 100 WBTC: the attacker's WBTC fits under the cap and counts again
    pool.withdrawCollateral(wbtc, 100 * BTC, stranger, {"from": stranger})
    pool.borrow(1_000_000 * USDC, attacker, {"from": attacker})
    assert usdc.balanceOf(attacker) == before[0] + 1_000_000 * USDC


# ================================================================ finding 5
def test_one_wei_of_an_unpriced_asset_cannot_shield_an_account(market, liq, pool, borrower, attacker, keeper, weth, wbtc, books):
    """Issue 13 finding 5. While WBTC's feed is down, an attacker deposits one wei of WBTC on
    behalf of an under-water WETH borrower. Before the fix the account then held an unpriced
    asset and could be neither kicked nor called however far WETH fell. Now a deposit on
    behalf of another account that adds an asset it does not hold needs a valid price."""
    # Incident class: liquidation blocking (making a position unliquidatable through a third-party deposit).
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    market.collaterals["WBTC"].feed.setReverting(True, {"from": keeper})
    price(market, "WETH", 1600)  # HF 0.91
    assert pool.accountStatus(borrower) == 2
    wbtc.mint(attacker, 1, {"from": attacker})
    wbtc.approve(pool, 1, {"from": attacker})
    with brownie.reverts(err("NoPriceForNewHolding", wbtc)):
        pool.depositCollateral(wbtc, 1, borrower, {"from": attacker})
    assert pool.collateralOf(borrower, wbtc) == 0 and pool.assetsIn(borrower) == 1
    assert wbtc.balanceOf(attacker) == 1
    tx = liq.kick(borrower, keeper, {"from": keeper})
    assert len(tx.events["Kick"]) == 1 and pool.liveAuctions(borrower) == 1
    assert pool.debtInAuctionOf(borrower) == tx.events["CollateralSeized"][0]["debtMoved"] > 0


def test_deposits_that_choose_nothing_for_the_account_need_no_price(market, pool, borrower, borrower2, stranger, weth, wbtc, books):
    """Control for finding 5: own deposits (a new asset included) and anyone's top-up of an
    asset the account already holds never need a price (DESIGN.md 3)."""
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    for asset in market.collaterals.values():
        asset.feed.setReverting(True, {"from": stranger})
    for token, amount in ((wbtc, BTC), (weth, ETH)):
        token.mint(borrower, amount, {"from": borrower})
        token.approve(pool, amount, {"from": borrower})
        pool.depositCollateral(token, amount, borrower, {"from": borrower})
    weth.mint(stranger, ETH, {"from": stranger})
    weth.approve(pool, ETH, {"from": stranger})
    pool.depositCollateral(weth, ETH, borrower, {"from": stranger})  # a held asset, on behalf
    assert pool.collateralOf(borrower, weth) == 12 * ETH and pool.collateralOf(borrower, wbtc) == BTC
    wbtc.mint(stranger, 1, {"from": stranger})
    wbtc.approve(pool, 1, {"from": stranger})
    with brownie.reverts(err("NoPriceForNewHolding", wbtc)):
        pool.depositCollateral(wbtc, 1, borrower2, {"from": stranger})  # a new asset, on behalf


# ================================================================ finding 6
def test_a_donation_to_the_liquidator_cannot_block_delisting(market, pool, governor, attacker, borrower, weth):
    """Issue 13 finding 6. WETH is frozen and nobody holds it by the books; one wei sent to the
    liquidator used to block its removal for ever (the check read the token balance). Now the
    removal reads books only: accounts' collateral, live auctions of the asset, fund holdings."""
    # Incident class: griefing by donation (a token transfer that a balance-reading check mistakes for protocol state).
    config, liq = market.config, market.liquidator
    weth.mint(attacker, 1, {"from": attacker})
    weth.transfer(liq, 1, {"from": attacker})
    config.freezeCollateral(weth, {"from": governor})
    tx = config.removeCollateral(weth, {"from": governor})
    assert "CollateralRemoved" in tx.events and not config.collateralInfo(weth)["listed"]
    assert weth.balanceOf(liq) == 1  # the donation is simply stranded


def test_delisting_waits_for_live_auctions_and_fund_holdings(market, liq, pool, governor, borrower, keeper, liquidator, weth, books):
    """Control for finding 6: a live auction of the asset and collateral the fund holds (a
    settled lot) still block the removal, by their books."""
    config, fund = market.config, market.fund
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    price(market, "WETH", 1500)  # HF 0.85: everything into one auction
    (id_,) = liq.kick(borrower, keeper, {"from": keeper}).return_value
    config.freezeCollateral(weth, {"from": governor})
    assert pool.totalCollateral(weth) == 0
    with brownie.reverts(err("LiveAuctionsOfAsset", weth, 1)):
        config.removeCollateral(weth, {"from": governor})
    # stuck for four tails without a price: settled, the lot goes to the fund
    a = AuctionView.read(liq, id_)
    next_block_at(a.tic + 4 * liq.tail() + 1)
    liq.settle(id_, {"from": keeper})
    assert liq.liveAuctionsOfAsset(weth) == 0 and fund.heldCollateral(weth) == a.lot
    with brownie.reverts(err("CollateralOutstanding", weth, a.lot)):
        config.removeCollateral(weth, {"from": governor})
    fund.releaseHeldCollateral(weth, a.lot, governor, {"from": governor})
    assert "CollateralRemoved" in config.removeCollateral(weth, {"from": governor}).events
