"""redo and settle (DESIGN.md 4): a redo only when the auction needs one, at a fresh top with
its est re-recorded, the tip at most once per tail and never for a worthless lot; settle only
for a stuck or worthless auction, the lot to the fund's held collateral, the shortfall rule
after it, and neither at breaker level 2 or 3; a take after a redo runs from the fresh top; and
a keeper that never comes leaves every position and auction accounted.

Module state: 1,000,000 USDC supplied, 50,000 USDC in the insurance fund (it pays the tips).
"""

import brownie
import pytest
from brownie import chain

from tests.model.auction import estimate, owe_for, top_price
from tests.model.fixed_point import MAX_UINT
from tests.support.actions import deposit_to_fund, fund_taker, open_position, price, supply
from tests.support.chain_time import advance, next_block_at, refresh_at
from tests.support.reads import AuctionView
from tests.support.reverts import err
from tests.support.units import ETH, USDC

CUSP_AGE = 51 * 90  # the demo stair-step is below cusp·top from here on (0.99^51 < 0.60)


@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier, insurer):
    supply(market, supplier, 1_000_000 * USDC)
    deposit_to_fund(market, insurer, 50_000 * USDC)


def auction(market, liq, who, keeper, collateral=None, debt=15_000 * USDC, at=1720):
    """Kick ``who`` (10 WETH / 15,000 USDC at $1,720 by default: one partial auction)."""
    open_position(market, who, collateral or {"WETH": 10 * ETH}, debt)
    price(market, "WETH", at)
    (id_,) = liq.kick(who, keeper, {"from": keeper}).return_value
    return id_, AuctionView.read(liq, id_)


def redo_at(market, liq, id_, ts, keeper):
    """Refresh the feeds, then redo, all at exactly ``ts``."""
    refresh_at(market, ts)
    next_block_at(ts)
    return liq.redo(id_, keeper, {"from": keeper})


def fresh(market, symbol="WETH"):
    """(high, base low) the oracle gives now."""
    _, high = market.oracle.priceRange(market.collaterals[symbol].token)
    base_low, _ = market.oracle.priceRange(market.base.token)
    return high, base_low


# ================================================================ redo
def test_redo_only_when_needed(market, liq, borrower, keeper, books):
    id_, a = auction(market, liq, borrower, keeper)
    with brownie.reverts(err("CannotRedo", id_)):
        liq.redo(id_, keeper, {"from": keeper})
    next_block_at(a.tic + CUSP_AGE - 1)  # the price still ≥ cusp·top, younger than tail
    with brownie.reverts(err("CannotRedo", id_)):
        liq.redo(id_, keeper, {"from": keeper})
    with brownie.reverts(err("NotRunning", 999)):
        liq.redo(999, keeper, {"from": keeper})


def test_redo_after_tail_restarts_at_a_fresh_top(market, liq, borrower, keeper, books):
    id_, a = auction(market, liq, borrower, keeper)
    assert a.est == 0 and liq.pendingLoss() == 0
    next_block_at(a.tic + liq.tail())
    price(market, "WETH", 1200)  # the lot is now worth less than its debt part
    tx = redo_at(market, liq, id_, a.tic + liq.tail() + 1, keeper)

    high, base_low = fresh(market)
    lp = market.config.liquidationParams()
    top = top_price(high, lp["buf"], base_low)
    est = estimate(a.debt_part, a.lot, high, a.scale, base_low, USDC)
    assert est > 0
    e = tx.events["Redo"][0]
    assert (e["top"], e["tab"], e["lot"], e["est"], e["keeper"]) == (top, a.tab, a.lot, est, keeper.address)
    b = AuctionView.read(liq, id_)
    assert (b.top, b.tic, b.est) == (top, tx.timestamp, est)
    assert liq.pendingLoss() == est
    needs_redo, p, _, _ = liq.getStatus(id_, block_identifier=tx.block_number)
    assert not needs_redo and p == top
    assert e["paid"] == lp["tip"]  # a tail after the kick's payment

    # back up: the est is re-recorded again, pendingLoss follows
    next_block_at(b.tic + CUSP_AGE)
    price(market, "WETH", 1720)
    tx = redo_at(market, liq, id_, b.tic + CUSP_AGE, keeper)
    assert tx.events["Redo"][0]["est"] == 0 == liq.pendingLoss()


def test_redo_below_cusp_within_the_tail(market, liq, borrower, keeper, books):
    id_, a = auction(market, liq, borrower, keeper)
    next_block_at(a.tic + CUSP_AGE - 1)
    with brownie.reverts(err("CannotRedo", id_)):
        liq.redo(id_, keeper, {"from": keeper})
    tx = redo_at(market, liq, id_, a.tic + CUSP_AGE, keeper)
    assert CUSP_AGE < liq.tail()
    assert tx.events["Redo"][0]["paid"] == 0, "tip paid again within a tail of the kick"
    assert "IncentivePaid" not in tx.events


def test_take_after_a_redo_pays_the_fresh_top_not_the_stale_curve(market, liq, borrower, keeper, liquidator, books):
    """Past its tail an auction refuses every take, at any price; after the redo it sells from
    the fresh oracle price: a taker who waited for the old curve to decay (here to 45 % of the
    old top while WETH rose 10 %) cannot buy at it."""
    # Incident class: selling collateral at a stale auction price (a Dutch auction left running after the market moved).
    id_, a = auction(market, liq, borrower, keeper)
    fund_taker(market, liquidator)
    age = liq.tail() + 1
    stale = market.curve.price(a.top, age)
    assert stale < a.top * 45 // 100
    next_block_at(a.tic + age)
    price(market, "WETH", 1892)
    next_block_at(a.tic + age)
    with brownie.reverts(err("NeedsRedo", id_)):
        liq.take(id_, a.lot, MAX_UINT, liquidator, b"", {"from": liquidator})

    ts = a.tic + age + 1
    redo = redo_at(market, liq, id_, ts, keeper)
    high, base_low = fresh(market)
    top = top_price(high, market.config.liquidationParams()["buf"], base_low)
    assert redo.events["Redo"][0]["top"] == top > a.top
    next_block_at(ts)
    with brownie.reverts(err("TooExpensive", top, stale)):
        liq.take(id_, a.lot, stale, liquidator, b"", {"from": liquidator})
    next_block_at(ts)
    take = liq.take(id_, a.lot // 4, top, liquidator, b"", {"from": liquidator})
    e = take.events["Take"][0]
    assert e["price"] == top and e["owe"] == owe_for(a.lot // 4, top, ETH, USDC)


def test_tip_at_most_once_per_tail(market, liq, borrower, keeper, books):
    # Incident class: keeper-incentive farming (self-liquidation, repeated redo, incentives on worthless lots).
    id_, a = auction(market, liq, borrower, keeper)
    tail, tip = liq.tail(), market.config.liquidationParams()["tip"]
    t1 = a.tic + tail + 1
    assert redo_at(market, liq, id_, t1, keeper).events["Redo"][0]["paid"] == tip
    t2 = t1 + CUSP_AGE  # needs a redo again (below cusp), within a tail of the last tip
    second = redo_at(market, liq, id_, t2, keeper)
    assert second.events["Redo"][0]["paid"] == 0 and "IncentivePaid" not in second.events
    t3 = t2 + CUSP_AGE  # a tail after t1: paid again
    assert t3 >= t1 + tail
    third = redo_at(market, liq, id_, t3, keeper)
    assert third.events["Redo"][0]["paid"] == tip
    assert dict(third.events["IncentivePaid"][0]) == {"keeper": keeper.address, "amount": tip}


def test_redo_of_a_worthless_lot_pays_nothing(market, liq, borrower, keeper, books):
    # Incident class: keeper-incentive farming (self-liquidation, repeated redo, incentives on worthless lots).
    id_, a = auction(market, liq, borrower, keeper)
    chain.sleep(liq.tail())
    price(market, "WETH", 50)  # the lot (~7 WETH) is worth < dust
    tx = redo_at(market, liq, id_, a.tic + liq.tail() + 1, keeper)
    assert tx.events["Redo"][0]["paid"] == 0 and "IncentivePaid" not in tx.events
    high, base_low = fresh(market)
    assert a.lot * high // ETH * USDC // base_low < market.config.marketParams()["dust"]


# ================================================================ settle
def test_settle_refused_unless_stuck_or_worthless(market, liq, borrower, keeper, books):
    # Incident class: an oracle outage freezing liquidations (auctions must clear without a price).
    id_, a = auction(market, liq, borrower, keeper)
    tail = liq.tail()
    with brownie.reverts(err("CannotSettle", id_)):
        liq.settle(id_, {"from": keeper})
    # needs a redo, but a valid price exists
    advance(market, tail + 1)
    with brownie.reverts(err("CannotSettle", id_)):
        liq.settle(id_, {"from": keeper})
    # no valid price (the WETH feed is stale), but not 4 tails old
    next_block_at(a.tic + 4 * tail)
    with brownie.reverts(err("CannotSettle", id_)):
        liq.settle(id_, {"from": keeper})
    assert market.oracle.priceStatus(market.collaterals["WETH"].token) == 3  # Invalid
    next_block_at(a.tic + 4 * tail + 1)
    tx = liq.settle(id_, {"from": keeper})
    assert "Settle" in tx.events


def test_settle_a_worthless_lot_at_its_top(market, liq, borrower, keeper, books):
    id_, a = auction(market, liq, borrower, keeper)
    chain.sleep(liq.tail())
    price(market, "WETH", 100)
    redo_at(market, liq, id_, a.tic + liq.tail() + 1, keeper)
    b = AuctionView.read(liq, id_)
    assert b.lot * b.top // ETH * USDC // 10**18 < market.config.marketParams()["dust"]
    advance(market, liq.tail() + 1)  # settle needs an auction that needs a redo (DESIGN.md 4)
    assert market.oracle.priceStatus(market.collaterals["WETH"].token) == 0  # a valid price
    tx = liq.settle(id_, {"from": keeper})
    assert tx.events["Settle"][0]["lot"] == b.lot


def test_settle_holds_the_lot_and_charges_back(market, liq, pool, borrower, keeper, weth, books):
    id_, a = auction(market, liq, borrower, keeper)
    fund = market.fund
    held, losses = fund.heldCollateral(weth), pool.realizedLosses()
    next_block_at(a.tic + 4 * liq.tail() + 1)  # stale feeds: stuck
    tx = liq.settle(id_, {"from": keeper})
    assert dict(tx.events["Settle"][0]) == {"id": id_, "lot": a.lot, "unpaidDebt": a.debt_part}
    assert fund.heldCollateral(weth) == held + a.lot
    assert dict(tx.events["CollateralHeld"][0]) == {"asset": weth.address, "amount": a.lot}
    # the account still has collateral: the debt part comes back to it, no loss
    assert dict(tx.events["DebtChargedBack"][0]) == {"account": borrower.address, "amount": a.debt_part}
    assert pool.realizedLosses() == losses and liq.pendingLoss() == 0


def test_settle_of_the_last_auction_realises_bad_debt(market, liq, pool, borrower, keeper, books):
    id_, a = auction(market, liq, borrower, keeper, at=1500)  # HF 0.85: all collateral, all debt
    assert pool.assetsIn(borrower) == 0 and pool.debtOf(borrower) == 0
    losses = pool.realizedLosses()
    next_block_at(a.tic + 4 * liq.tail() + 1)
    tx = liq.settle(id_, {"from": keeper})
    assert dict(tx.events["BadDebtRealized"][0]) == {"account": borrower.address, "amount": a.debt_part}
    assert pool.realizedLosses() == losses + a.debt_part
    assert "DebtChargedBack" not in tx.events


def test_settle_refused_at_breaker_2_and_3(market, liq, borrower, keeper, guardian, governor, books):
    id_, a = auction(market, liq, borrower, keeper)
    chain.sleep(4 * liq.tail() + 1)
    chain.mine()
    for level in (2, 3):
        liq.setBreaker(level, {"from": guardian})
        with brownie.reverts(err("BreakerOn", level)):
            liq.settle(id_, {"from": keeper})
    liq.setBreaker(1, {"from": governor})
    # lowering from 3 restarted the clock: no longer 4 tails old
    with brownie.reverts(err("CannotSettle", id_)):
        liq.settle(id_, {"from": keeper})
    chain.sleep(4 * liq.tail() + 1)
    chain.mine()
    assert "Settle" in liq.settle(id_, {"from": keeper}).events  # level 1 stops kicks only


# ================================================================ nobody comes
def test_a_keeper_that_never_comes_leaves_everything_accounted(market, liq, pool, borrower, borrower2, keeper, liquidator, weth, books):
    """A Liquidatable account nobody kicks and an auction nobody takes, for three days (36
    tails) with only the oracle alive: the account's debt keeps accruing and it stays
    Liquidatable; the auction holds its lot, tab, debt part and est (debt in auction does not
    accrue), needs a redo and refuses takes; every identity holds throughout. A keeper that
    finally comes can still redo and take at the fresh top and kick; if it then vanishes too
    and the oracle with it, anyone can settle."""
    # Incident class: keepers that never show up (Maker's Black Thursday 2020 zero-bid auctions): nothing may hinge on a prompt keeper.
    open_position(market, borrower2, {"WETH": 10 * ETH}, 15_000 * USDC)
    id_, a = auction(market, liq, borrower, keeper)  # both at HF 0.975; only borrower is kicked
    assert pool.accountStatus(borrower2) == 2
    tail, tip, dust = liq.tail(), market.config.liquidationParams()["tip"], market.config.marketParams()["dust"]
    hf2, debt2, debt1 = pool.healthFactor(borrower2), pool.debtOf(borrower2), pool.debtOf(borrower)
    in_auction, pending, total_tab = pool.debtInAuction(), liq.pendingLoss(), liq.totalTab()
    assert in_auction == a.debt_part and total_tab == a.tab

    for day in range(3):
        advance(market, 86_400)  # the feeds stay fresh: only the keepers are gone
        books.check()
        assert pool.accountStatus(borrower2) == 2, f"day {day + 1}: the unkicked account left Liquidatable"
        hf, debt = pool.healthFactor(borrower2), pool.debtOf(borrower2)
        assert debt > debt2 and hf < hf2, f"day {day + 1}: debt {debt2} -> {debt}, HF {hf2} -> {hf}"
        hf2, debt2 = hf, debt
        assert pool.debtOf(borrower) > debt1, "the kicked account's remaining debt stopped accruing"
        debt1 = pool.debtOf(borrower)
        # the auction: frozen in its books, waiting for a redo
        b = AuctionView.read(liq, id_)
        assert (b.lot, b.tab, b.debt_part, b.est, b.tic) == (a.lot, a.tab, a.debt_part, a.est, a.tic)
        assert (pool.debtInAuction(), liq.pendingLoss(), liq.totalTab()) == (in_auction, pending, total_tab)
        assert liq.getStatus(id_)[0], "an auction 12 tails old does not need a redo"
    with brownie.reverts(err("NeedsRedo", id_)):
        liq.take(id_, a.lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    with brownie.reverts(err("CannotSettle", id_)):  # a valid price exists: a late keeper may still sell
        liq.settle(id_, {"from": keeper})

    # a late keeper: redo (paid again, a tail has long passed), then a take at the fresh top
    fund_taker(market, liquidator)
    ts = chain[-1].timestamp + 1
    redo = redo_at(market, liq, id_, ts, keeper)
    high, base_low = fresh(market)
    top = top_price(high, market.config.liquidationParams()["buf"], base_low)
    assert redo.events["Redo"][0]["top"] == top and redo.events["Redo"][0]["paid"] == tip
    next_block_at(ts)
    take = liq.take(id_, a.lot, top, liquidator, b"", {"from": liquidator})
    assert take.events["Take"][0]["price"] == top and take.events["Take"][0]["owe"] == a.tab
    assert "AuctionEnded" in take.events and pool.liveAuctions(borrower) == 0

    # ... and kicks the account that waited three days, with its accrued debt
    kick = liq.kick(borrower2, keeper, {"from": keeper})
    (id2,) = kick.return_value
    assert kick.events["CollateralSeized"][0]["debtMoved"] >= dust
    c = AuctionView.read(liq, id2)

    # then it vanishes too, and the oracle with it: after 4 tails anyone may settle
    next_block_at(c.tic + 4 * tail + 1)
    settle = liq.settle(id2, {"from": liquidator})
    assert dict(settle.events["Settle"][0]) == {"id": id2, "lot": c.lot, "unpaidDebt": c.debt_part}
    assert dict(settle.events["DebtChargedBack"][0]) == {"account": borrower2.address, "amount": c.debt_part}
    assert liq.activeAuctions() == [] and liq.pendingLoss() == 0 and pool.debtInAuction() == 0
