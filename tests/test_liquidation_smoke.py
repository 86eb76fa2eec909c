"""A first end-to-end liquidation: crash, kick, take; the books balance."""

from brownie import chain

from tests.support.reads import check_pool_books


def test_partial_kick_then_full_take(market, pool, weth_position, borrower, weth, usdc, liquidator, keeper):
    liq = market.liquidator
    market.collaterals["WETH"].feed.setPrice(1_700 * 10**8, {"from": keeper})  # HF 0.963
    assert pool.accountStatus(borrower) == 2
    tx = liq.kick(borrower, keeper, {"from": keeper})
    ids = tx.return_value
    assert len(ids) == 1
    print(tx.events["Kick"])
    needs_redo, price, lot, tab = liq.getStatus(ids[0])
    assert not needs_redo
    usdc.mint(liquidator, tab * 2, {"from": liquidator})
    usdc.approve(liq, 2**256 - 1, {"from": liquidator})
    chain.sleep(900)
    chain.mine()
    needs_redo, price, lot, tab = liq.getStatus(ids[0])
    tx = liq.take(ids[0], lot, price, liquidator, b"", {"from": liquidator})
    print(tx.events)
    assert liq.activeCount() == 0
    assert pool.debtInAuction() == 0
    assert pool.liveAuctions(borrower) == 0
    check_pool_books(market)
    print(pool.healthFactor(borrower), pool.accountStatus(borrower))
