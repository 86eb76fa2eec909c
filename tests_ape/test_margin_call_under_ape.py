"""A margin call issued, met, missed and kicked, and a take, under Ape (DESIGN.md 3-4).

The market comes from ``margincall.deploy_market``; prices and chain time move through the same
``margincall.chain`` helpers the Brownie suite and the CLI use; the borrower, keeper and taker act
through Ape's contract objects.
"""

import ape
import pytest

from margincall import chain as lab
from margincall.errors import ProtocolError
from margincall.keeper import Keeper
from margincall.status import AccountStatus

USDC = 10**6
WETH = 10**18
GRACE = 6 * 3600


@pytest.fixture(scope="module")
def open_positions(market, pool, liquidator, usdc, weth, lender, alice, bob, keeper, taker):
    """A lender supplies; Alice and Bob each borrow 20,000 USDC against 10 WETH ($30,000).
    (Every session fixture is requested here, before the per-test isolation starts.)"""
    usdc.mint(lender, 1_000_000 * USDC, sender=lender)
    usdc.approve(pool, 2**256 - 1, sender=lender)
    pool.supply(1_000_000 * USDC, lender, sender=lender)
    for borrower in (alice, bob):
        weth.mint(borrower, 20 * WETH, sender=borrower)
        weth.approve(pool, 2**256 - 1, sender=borrower)
        pool.depositCollateral(weth, 10 * WETH, borrower, sender=borrower)
        pool.borrow(20_000 * USDC, borrower, sender=borrower)
    # WETH falls 15 %: both accounts sit in the band, HF 1.08 (above 1, below the call level)
    lab.set_price(market, "WETH", "2550")
    return alice, bob


def status(pool, account):
    return AccountStatus(pool.accountStatus(account))


def test_a_call_is_issued_and_met_by_a_top_up(open_positions, pool, weth, alice, keeper):
    assert status(pool, alice) == AccountStatus.MarginCall
    receipt = pool.issueMarginCall(alice, sender=keeper)
    issued = receipt.events.filter(pool.MarginCallIssued)[0]
    assert issued.account == alice.address
    assert issued.deadline == receipt.timestamp + GRACE
    assert pool.marginCallDeadline(alice) == issued.deadline

    met = pool.depositCollateral(weth, 5 * WETH, alice, sender=alice)
    assert met.events.filter(pool.MarginCallMet)[0].account == alice.address
    assert pool.marginCallDeadline(alice) == 0
    assert status(pool, alice) == AccountStatus.Healthy


def test_a_missed_call_is_kicked_and_the_lot_taken(
    open_positions, market, pool, liquidator, usdc, weth, bob, keeper, taker
):
    pool.issueMarginCall(bob, sender=keeper)
    with ape.reverts():  # still inside the grace period: not Liquidatable, the kick is refused
        liquidator.kick(bob, keeper, sender=keeper)
    assert status(pool, bob) == AccountStatus.MarginCall

    lab.sleep(market, GRACE + 1)  # past the deadline, feeds kept fresh: the call is missed
    assert status(pool, bob) == AccountStatus.Liquidatable
    debt_before = pool.debtOf(bob)

    kick = liquidator.kick(bob, keeper, sender=keeper)
    (auction,) = kick.events.filter(liquidator.Kick)
    assert auction.account == bob.address
    assert pool.debtInAuctionOf(bob) > 0
    assert pool.debtOf(bob) < debt_before
    # a partial kick leaves Bob at or above the target HF: Healthy, his call cleared
    assert status(pool, bob) == AccountStatus.Healthy
    assert pool.marginCallDeadline(bob) == 0

    needs_redo, price, lot, tab = liquidator.getStatus(auction.id)
    assert not needs_redo and lot > 0 and tab > 0
    usdc.mint(taker, tab, sender=taker)  # the tab is in base units: enough to buy the whole lot
    usdc.approve(liquidator, 2**256 - 1, sender=taker)
    take = liquidator.take(auction.id, lot, price, taker, b"", sender=taker)
    (sale,) = take.events.filter(liquidator.Take)
    assert sale.price <= price and sale.owe <= tab
    bought = weth.balanceOf(taker)
    assert 0 < bought <= lot
    assert usdc.balanceOf(taker) == tab - sale.owe  # the taker paid exactly the take's owe
    assert liquidator.activeAuctions() == []
    assert pool.debtInAuctionOf(bob) == 0


def test_the_package_keeper_and_error_decoding_run_under_ape(open_positions, market, pool, alice, bob, keeper):
    """The keeper of ``margincall`` calls both accounts in the band, through Ape's provider;
    a refused transaction is decoded into the protocol's named error."""
    actions = Keeper(market, keeper.address).run_once()
    called = {a.subject for a in actions if a.kind == "call" and a.ok}
    assert called == {alice.address, bob.address}
    assert pool.marginCallDeadline(alice) > 0 and pool.marginCallDeadline(bob) > 0
    with pytest.raises(ProtocolError) as refused:
        market.pool.send.borrow(1 * USDC, alice.address, sender=alice.address)
    assert refused.value.name == "AccountNotHealthy"
