"""Kicks over three collaterals (WETH 18, WBTC 8, USDT 6 decimals; ``market3``): a full kick's
debt split must equal the debt moved exactly whatever the number of assets (DESIGN.md 5,
"Σ debtParts = debtInAuctionOf(account) … whatever the number of collaterals"), so that every
auction of the account can end.

Module state: 1,000,000 USDC supplied to the three-collateral market.
"""

import brownie
import pytest

from tests.fixtures.liquidation import Books
from tests.model.fixed_point import MAX_UINT, mul_div_up
from tests.model.kick import plan_kick
from tests.support.actions import fund_taker, open_position, price, supply
from tests.support.chain_time import advance, mine_at, next_block_at
from tests.support.reads import kick_inputs
from tests.support.reverts import err
from tests.support.units import BTC, ETH, USDC


@pytest.fixture(scope="module", autouse=True)
def setup(market3, supplier):
    supply(market3, supplier, 1_000_000 * USDC)


@pytest.fixture
def books3(market3, borrower):
    b = Books(market3, [borrower])
    yield b
    b.check()


def last_slot_overshoot(k) -> int:
    """By how many wei the pre-fix rule left Σ debt parts above the debt: it trimmed the
    rounded-up value split's overshoot off the last held slot only, clamped at that slot's part."""
    value = k.collateral_value
    parts = [mul_div_up(k.debt, h.value, value) for h in k.holdings]
    excess = sum(parts) - k.debt
    return max(0, excess - parts[-1])


def test_full_kick_debt_parts_sum_to_the_debt_for_three_collaterals(market3, borrower, keeper, books3):
    """A full kick of WETH + WBTC + USDT moves exactly the account's debt, as the model says."""
    open_position(market3, borrower, {"WETH": 10 * ETH, "WBTC": BTC // 4, "USDT": 1_000 * USDC}, 20_000 * USDC)
    price(market3, "WETH", 1400)  # HF 0.92
    price(market3, "WBTC", 30_000)
    price(market3, "USDT", "0.60")
    tx = market3.liquidator.kick(borrower, keeper, {"from": keeper})
    k = kick_inputs(market3, borrower, tx)
    plan = plan_kick(k)
    assert plan.full and len(plan.auctions) == 3
    parts = [e["debtPart"] for e in tx.events["Kick"]]
    assert parts == [a.debt_part for a in plan.auctions]
    assert sum(parts) == k.debt == tx.events["CollateralSeized"][0]["debtMoved"]
    assert market3.pool.debtInAuctionOf(borrower) == k.debt


def test_dust_third_collateral_cannot_make_an_auction_that_never_ends(market3, borrower, attacker, keeper, liquidator, books3):
    """Issue 13 finding 1. Right before a full kick of a WETH + WBTC account, an attacker
    deposits one unit (1e-6 USDT) of a third collateral on its behalf, at a second where the
    rounded-up value split overshoots the debt by more than that dust slot's part. Before the fix
    Σ debt parts was debt + 1 wei while the pool booked the debt: whatever ended the account's
    last auction underflowed for ever (lot locked, est in pendingLoss, tab holding Hole room, a
    redo tip every tail). Now the parts sum to the debt, every auction ends, the books close."""
    # Incident class: liquidation griefing by dust (a third party's dust deposit breaking the debt split of a kick).
    pool, liq, fund = market3.pool, market3.liquidator, market3.fund
    usdt = market3.collaterals["USDT"].token
    open_position(market3, borrower, {"WETH": 10 * ETH, "WBTC": BTC // 4}, 20_000 * USDC)
    price(market3, "WETH", 1500)  # HF 0.94: a full kick
    price(market3, "WBTC", 30_000)
    usdt.mint(attacker, 1, {"from": attacker})
    usdt.approve(pool, 1, {"from": attacker})
    pool.depositCollateral(usdt, 1, borrower, {"from": attacker})
    assert pool.collateralOf(borrower, usdt) == 1

    # the attacker picks the second at which the old rule overshoots (interest moves the debt)
    start = brownie.chain.time() + 5
    for at in range(start, start + 120):
        mine_at(at)
        k = kick_inputs(market3, borrower)
        if last_slot_overshoot(k) > 0:
            break
    else:
        pytest.fail("no second with an overshooting split found")
    assert k.health_factor < k.market["fullLiquidationHF"] and len(k.holdings) == 3
    next_block_at(at)
    tx = liq.kick(borrower, keeper, {"from": keeper})
    kicks = tx.events["Kick"]
    ids = [e["id"] for e in kicks]
    assert sum(e["debtPart"] for e in kicks) == tx.events["CollateralSeized"][0]["debtMoved"] == k.debt
    assert pool.debtInAuctionOf(borrower) == k.debt

    # a taker buys every lot whole at the start price: every auction ends
    fund_taker(market3, liquidator)
    for id_ in ids:
        liq.take(id_, MAX_UINT, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert pool.liveAuctions(borrower) == 0 and pool.debtInAuctionOf(borrower) == 0
    assert pool.debtInAuction() == 0
    assert liq.activeCount() == 0
    assert liq.pendingLoss() == 0, "an ended auction's est stayed in pendingLoss"
    assert liq.totalTab() == 0, "an ended auction's tab still holds Hole room"
    for symbol, asset in market3.collaterals.items():
        assert asset.token.balanceOf(liq) == 0, f"{symbol} left locked in the liquidator"
    # no redo tip loop: the ended auctions cannot be redone, the fund pays nothing more
    paid = fund.incentivesPaid()
    advance(market3, liq.tail() + 1)
    for id_ in ids:
        with brownie.reverts(err("NotRunning", id_)):
            liq.redo(id_, keeper, {"from": keeper})
    assert fund.incentivesPaid() == paid
