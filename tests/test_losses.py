"""Losses (DESIGN.md 5): known losses priced into supplier exits, booked once when realised,
through the waterfall; and the crash of the issue's "done when" on the demo market.

Module state: 600,000 USDC supplied by ``supplier``; the fund holds its dead-share dollar only.
"""

import pytest
from brownie import chain

from tests.model.fixed_point import MAX_UINT, mul_div_down, mul_div_up
from tests.model.shares import VIRTUAL_SHARES
from tests.model.waterfall import supplier_exit_value, supplier_haircut
from tests.support.actions import deposit_to_fund, fund_taker, open_position, price, supply
from tests.support.chain_time import next_block_at
from tests.support.reads import AuctionView
from tests.support.reverts import events
from tests.support.units import BTC, ETH, USDC, ZERO_ADDRESS



@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier):
    supply(market, supplier, 600_000 * USDC)


def underwater_kick(market, who, keeper):
    """5 WETH against 10,000 USDC, WETH to $1,500: one auction of the whole position, its lot
    worth $7,500 against a 10,000 debt part (est ≈ 2,500). No incentive (keeper 0)."""
    open_position(market, who, {"WETH": 5 * ETH}, 10_000 * USDC)
    price(market, "WETH", 1500)
    tx = market.liquidator.kick(who, ZERO_ADDRESS, {"from": keeper})
    return tx.return_value[0], tx


def supplier_value(pool, who, block=None):
    kw = {"block_identifier": block} if block is not None else {}
    return mul_div_down(pool.supplySharesOf(who, **kw), pool.supplierAssets(**kw) + 1, pool.totalSupplyShares(**kw) + VIRTUAL_SHARES)


# ================================================================ exits priced with the known loss
def test_exit_between_kick_and_last_take_bears_the_known_loss(market, liq, pool, supplier, supplier2, borrower, keeper, liquidator, insurer, books):
    """The fund (2,300) and the reserves cover less than the pending loss (est ≈ 2,500): a
    supplier exiting before the last take is paid its book value less its pro-rata share of
    the rest. The lot then sells at top (above the oracle price): the realised loss is smaller
    than the estimate and the fund covers it, so the supplier who stayed loses nothing."""
    # Incident class: exiting ahead of a known loss (withdrawing before bad debt is realised and socialised).
    supply(market, supplier2, 400_000 * USDC)
    deposit_to_fund(market, insurer, 2_300 * USDC)
    fund_taker(market, liquidator)
    id_, _ = underwater_kick(market, borrower, keeper)
    pending, reserves, fund_assets = liq.pendingLoss(), pool.reserves(), market.fund.assetsBook()
    supplier_assets, total = pool.supplierAssets(), pool.totalSupplyShares()
    haircut = supplier_haircut(pending, reserves, fund_assets, supplier_assets)
    assert haircut > 100 * USDC
    shares2 = pool.supplySharesOf(supplier2)
    assert market.lens.withdrawableOf(supplier2) == supplier_exit_value(shares2, supplier_assets, total, haircut)
    assert market.lens.supplyBalanceOf(supplier2) - market.lens.withdrawableOf(supplier2) >= haircut * shares2 // total - 1

    tx = pool.withdraw(MAX_UINT, supplier2, {"from": supplier2})
    amount = tx.events["Withdrawn"][0]["amount"]
    # priced at the withdrawal's own block (a second of interest later)
    sa = pool.supplierAssets() + amount
    assert amount == supplier_exit_value(shares2, sa, total, supplier_haircut(liq.pendingLoss(), pool.reserves(), market.fund.assetsBook(), sa))

    stayer_before = supplier_value(pool, supplier)
    a = AuctionView.read(liq, id_)
    next_block_at(a.tic + 60)  # still the first step of the stair: the price is top
    take = liq.take(id_, a.lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    booked = take.events["LossBooked"][0]
    assert booked["socialized"] == 0 and booked["amount"] < pending
    assert supplier_value(pool, supplier) >= stayer_before


def test_withdraw_take_resupply_sandwich_gains_nothing(market, project, liq, pool, supplier2, attacker, borrower, keeper, liquidator, governor, usdc, books):
    """The sandwicher exits before the last take and re-supplies after it; its twin stays.
    With the lot sold at exactly the oracle price the realised loss, net of the penalty the
    fund received, is the haircut the exit paid: the sandwich ends no better than staying."""
    # Incident class: exiting ahead of a known loss (withdrawing before bad debt is realised and socialised).
    liq.setCurve(project.LinearDecrease.deploy(6600, {"from": governor}), {"from": governor})
    supply(market, supplier2, 200_000 * USDC)  # the twin
    supply(market, attacker, 200_000 * USDC)
    assert pool.supplySharesOf(attacker) == pool.supplySharesOf(supplier2)
    id_, kick = underwater_kick(market, borrower, keeper)
    a = AuctionView.read(liq, id_)
    oracle_price = market.oracle.getPrice(market.collaterals["WETH"].token)
    assert a.top * 10 // 11 == oracle_price  # at 600 s of 6,600 the linear curve is at the oracle price

    out = pool.withdraw(MAX_UINT, attacker, {"from": attacker}).events["Withdrawn"][0]["amount"]
    fund_taker(market, liquidator)
    next_block_at(a.tic + 600)
    take = liq.take(id_, a.lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert take.events["Take"][0]["price"] == oracle_price
    pool.supply(out, attacker, {"from": attacker})
    sandwich, stayed = market.lens.supplyBalanceOf(attacker), market.lens.supplyBalanceOf(supplier2)
    assert sandwich <= stayed + 1, f"the sandwich gained {sandwich - stayed} units over staying"


# ================================================================ booked once
def test_hole_scaled_kick_charge_back_and_rekick_book_the_true_loss_once(market, liq, pool, borrower, keeper, liquidator, governor, insurer, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    deposit_to_fund(market, insurer, 20_000 * USDC)
    open_position(market, borrower, {"WETH": 5 * ETH}, 10_000 * USDC)
    price(market, "WETH", 1500)
    liq.setHole(4_200 * USDC, {"from": governor})  # 40 % of the 10,500 tab
    fund_taker(market, liquidator)
    losses = pool.realizedLosses()

    first = liq.kick(borrower, ZERO_ADDRESS, {"from": keeper})
    moved = first.events["CollateralSeized"][0]["debtMoved"]
    debt_at_kick = moved + pool.debtOf(borrower, block_identifier=first.block_number)
    (a_id,) = first.return_value
    a = AuctionView.read(liq, a_id)
    assert a.tab <= 4_200 * USDC and liq.pendingLoss() == a.est > 0
    next_block_at(a.tic)
    t1 = liq.take(a_id, a.lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert "DebtChargedBack" in t1.events and "LossBooked" not in t1.events
    repaid = [t1.events["Take"][0]["owe"] - t1.events["IncomeReceived"][0]["amount"]]

    liq.setHole(10_000_000 * USDC, {"from": governor})
    second = liq.kick(borrower, ZERO_ADDRESS, {"from": keeper})
    assert "LossBooked" not in second.events and pool.assetsIn(borrower) == 0
    (b_id,) = second.return_value
    b = AuctionView.read(liq, b_id)
    normalized = pool.normalizedDebtOf(borrower)
    assert normalized == 0  # everything is in the second auction
    next_block_at(b.tic)
    t2 = liq.take(b_id, b.lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    repaid.append(t2.events["Take"][0]["owe"] - t2.events["IncomeReceived"][0]["amount"])

    booked = [e["amount"] for e in t2.events["LossBooked"]]
    assert len(booked) == 1 and pool.realizedLosses() - losses == booked[0]
    assert booked[0] == b.debt_part - repaid[1]
    # the true loss: what the account owed at the first kick, plus the interest its charged-back
    # debt accrued until the re-kick, less every repayment
    true_floor = debt_at_kick - sum(repaid)
    assert true_floor <= booked[0] <= true_floor + debt_at_kick // 10**5
    assert pool.debtOf(borrower) == 0 and liq.pendingLoss() == 0


# ================================================================ the crash
POSITIONS = [  # (collateral, debt USDC): HF at $3,000 / $60,000 → after −40 %
    ({"WETH": 10 * ETH}, 22_000),  # 1.16 → 0.70 everything, underwater
    ({"WETH": 10 * ETH}, 14_000),  # 1.82 → 1.09 MarginCall: not kicked
    ({"WETH": 10 * ETH}, 16_000),  # 1.59 → 0.96 partial
    ({"WBTC": BTC // 2}, 20_000),  # 1.20 → 0.72 everything, underwater
    ({"WETH": 5 * ETH, "WBTC": 3 * BTC // 10}, 16_500),  # 1.65 → 0.99 partial, two auctions
    ({"WETH": 4 * ETH, "WBTC": 4 * BTC // 10}, 25_000),  # 1.18 → 0.71 everything, two auctions
]


def seed_amm(project, market, symbol, amount, usd, maker):
    token, usdc = market.collaterals[symbol].token, market.base.token
    amm = project.MockAMM.deploy(token, usdc, {"from": maker})
    base = amount * usd * USDC // 10 ** market.collaterals[symbol].decimals
    token.mint(maker, amount, {"from": maker})
    usdc.mint(maker, base, {"from": maker})
    token.approve(amm, amount, {"from": maker})
    usdc.approve(amm, base, {"from": maker})
    amm.addLiquidity(amount, base, {"from": maker})
    return amm


@pytest.mark.parametrize("capital", [50_000, 2_000], ids=["fund_covers", "suppliers_share"])
def test_crash_minus_40_percent(market, project, liq, pool, crowd, supplier, keeper, taker_owner, market_maker, insurer, capital, books):
    # Incident class: bad debt hidden or double-counted (losses left unbooked, or booked twice).
    deposit_to_fund(market, insurer, capital * USDC)
    for who, (collateral, debt) in zip(crowd, POSITIONS):
        open_position(market, who, collateral, debt * USDC)
    amms = {
        "WETH": seed_amm(project, market, "WETH", 2_000 * ETH, 1_800, market_maker),
        "WBTC": seed_amm(project, market, "WBTC", 100 * BTC, 36_000, market_maker),
    }
    flash = project.FlashTaker.deploy(liq, market.base.token, {"from": taker_owner})
    usdc = market.base.token
    assert usdc.balanceOf(taker_owner) == 0 == usdc.balanceOf(flash)
    supplier_assets, losses = pool.supplierAssets(), pool.realizedLosses()
    txs = []

    # one step: −40 %
    price(market, "WETH", 1_800)
    price(market, "WBTC", 36_000)

    # the keeper kicks every Liquidatable account
    kicked = {}
    for who in crowd:
        if pool.accountStatus(who) == 2:
            tx = liq.kick(who, keeper, {"from": keeper})
            txs.append(tx)
            kicked[who.address] = list(tx.return_value)
    assert len(kicked) == 5 and crowd[1].address not in kicked
    assert len(liq.activeAuctions()) == 7

    # the flash taker buys everything with no capital once the price is under the AMMs'
    chain.sleep(15 * 90)
    chain.mine()
    symbol_of = {a.token.address: s for s, a in market.collaterals.items()}
    for id_ in list(liq.activeAuctions()):
        a = AuctionView.read(liq, id_)
        _, p, lot, _ = liq.getStatus(id_)
        tx = flash.take(id_, lot, p, amms[symbol_of[a.asset]], 0, {"from": taker_owner})
        txs.append(tx)
        assert tx.events["FlashTaken"][0]["profit"] > 0
    assert liq.activeAuctions() == () and liq.pendingLoss() == 0 and pool.debtInAuction() == 0
    assert usdc.balanceOf(taker_owner) > 0 and usdc.balanceOf(flash) == 0

    # every realised loss booked once, through the waterfall
    booked = [e for tx in txs for e in events(tx, "LossBooked")]
    total = sum(e["amount"] for e in booked)
    assert total == pool.realizedLosses() - losses > 0
    for e in booked:
        assert e["amount"] == e["fromReserves"] + e["fromFund"] + e["socialized"]
    realised_by = {}
    for tx in txs:
        for e in events(tx, "BadDebtRealized"):
            realised_by[e["account"]] = realised_by.get(e["account"], 0) + e["amount"]
    assert sum(realised_by.values()) == total
    for who in crowd:
        if who.address in realised_by:
            assert pool.debtOf(who) == 0 and pool.assetsIn(who) == 0 and pool.liveAuctions(who) == 0
    socialized = sum(e["socialized"] for e in booked)
    if capital == 2_000:
        assert socialized > 0 and market.fund.assetsBook() == 0
    else:
        assert socialized == 0

    # suppliers bear exactly what was socialised, and withdraw at book value
    interest = sum(e["interest"] - e["toReserves"] for tx in txs for e in events(tx, "InterestAccrued"))
    assert pool.supplierAssets() == supplier_assets + interest - socialized
    assert market.lens.withdrawableOf(supplier) == market.lens.supplyBalanceOf(supplier)
    shares, sa, ts = pool.supplySharesOf(supplier), pool.supplierAssets(), pool.totalSupplyShares()
    next_block_at(chain[-1].timestamp)  # same second: no interest in between
    tx = pool.withdraw(300_000 * USDC, supplier, {"from": supplier})
    assert tx.events["Withdrawn"][0]["shares"] == mul_div_up(300_000 * USDC, ts + VIRTUAL_SHARES, sa + 1)
    assert pool.supplySharesOf(supplier) == shares - tx.events["Withdrawn"][0]["shares"]
