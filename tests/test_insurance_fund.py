"""InsuranceFund (DESIGN.md 5): an ERC-4626 vault with a decimals offset of 6 and dead shares;
exits through requestWithdraw → cooldown → window; requested shares earn nothing and stay
exposed to losses; redemptions priced with the known pending loss; no first-depositor
inflation; reserves routed only from free cash; held collateral under the governor; the
ERC-4626 edges (owner-aware previews exact, zero exits, one rounding per exit; the full property
suite is tests/forge/InsuranceFund4626.t.sol).

Module state: 1,000,000 USDC supplied to the pool; the fund holds its dead-share dollar only.
"""

import brownie
import pytest

from margincall.deploy import DEAD
from tests.model.fixed_point import MAX_UINT, mul_div_down
from tests.model.waterfall import FUND_VIRTUAL_SHARES, fund_exit_value, fund_pending_share
from tests.support.actions import deposit_to_fund, open_position, price, supply
from tests.support.chain_time import advance, mine_at, next_block_at
from tests.support.reverts import err
from tests.support.units import BTC, ETH, USDC, ZERO_ADDRESS



@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier):
    supply(market, supplier, 1_000_000 * USDC)


@pytest.fixture
def fund(market):
    return market.fund


def shares_for(assets, total_assets, total_supply):
    """ERC-4626 with offset 6: assets · (supply + 10^6) / (assets + 1), down."""
    return mul_div_down(assets, total_supply + FUND_VIRTUAL_SHARES, total_assets + 1)


def close_dust_account(market, who, keeper):
    """A realised loss of ~1,000 USDC: a position worth less than dust is closed at kick; the
    fund covers what the reserves cannot."""
    open_position(market, who, {"WETH": ETH // 2}, 1_000 * USDC)
    price(market, "WETH", 1500)
    return market.liquidator.kick(who, keeper, {"from": keeper})


# ================================================================ ERC-4626 basics
def test_erc4626_basics_with_offset_and_dead_shares(market, fund, insurer, usdc, books):
    dead = market.spec.fund["dead_shares_deposit"]
    assert fund.asset() == usdc.address
    assert fund.decimals() == market.base.decimals + 6
    assert fund.totalAssets() == dead and fund.balanceOf(DEAD) == fund.totalSupply() == dead * FUND_VIRTUAL_SHARES

    amount = 10_000 * USDC
    expected = shares_for(amount, fund.totalAssets(), fund.totalSupply())
    assert fund.previewDeposit(amount) == expected == fund.convertToShares(amount)
    deposit_to_fund(market, insurer, amount)
    assert fund.balanceOf(insurer) == expected
    assert fund.totalAssets() == dead + amount == usdc.balanceOf(fund)
    assert fund.convertToAssets(expected) == amount - 1 or fund.convertToAssets(expected) == amount
    # no exit without a request
    assert fund.maxRedeem(insurer) == 0 and fund.maxWithdraw(insurer) == 0
    with brownie.reverts(err("ERC4626ExceededMaxRedeem", insurer, expected, 0)):
        fund.redeem(expected, insurer, insurer, {"from": insurer})
    # mint prices the same way, rounding up
    shares = 10**15
    need = fund.previewMint(shares)
    usdc.mint(insurer, need, {"from": insurer})
    fund.mint(shares, insurer, {"from": insurer})
    assert fund.balanceOf(insurer) == expected + shares


def test_request_cooldown_window(market, fund, insurer, usdc, books):
    # Incident class: bypassing a withdrawal cooldown by moving requested shares between addresses.
    deposit_to_fund(market, insurer, 10_000 * USDC)
    shares = fund.balanceOf(insurer)
    value = fund.previewRedeem(shares)
    tx = fund.requestWithdraw(shares, {"from": insurer})
    opens, closes = tx.timestamp + fund.cooldown(), tx.timestamp + fund.cooldown() + fund.window()
    assert dict(tx.events["WithdrawRequested"][0]) == {
        "owner": insurer.address, "shares": shares, "value": value, "opensAt": opens, "closesAt": closes,
    }
    mine_at(opens - 1)
    assert fund.maxRedeem(insurer) == 0 == fund.maxWithdraw(insurer)
    mine_at(opens)
    assert fund.maxRedeem(insurer) == shares and fund.maxWithdraw(insurer) == value
    before = usdc.balanceOf(insurer)
    fund.redeem(shares // 2, insurer, insurer, {"from": insurer})
    assert usdc.balanceOf(insurer) - before == value * (shares // 2) // shares
    mine_at(closes)
    assert fund.maxRedeem(insurer) == shares - shares // 2
    mine_at(closes + 1)
    assert fund.maxRedeem(insurer) == 0 == fund.maxWithdraw(insurer)
    with brownie.reverts(err("ERC4626ExceededMaxRedeem", insurer, 1, 0)):
        fund.redeem(1, insurer, insurer, {"from": insurer})


def test_requested_shares_earn_nothing_after_the_request(market, fund, insurer, insurer2, governor, usdc, books):
    deposit_to_fund(market, insurer, 10_000 * USDC)
    deposit_to_fund(market, insurer2, 10_000 * USDC)
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    value = fund.requests(insurer)["value"]
    # income after the request: 5,000 USDC of lot-sale proceeds
    usdc.mint(governor, 5_000 * USDC, {"from": governor})
    usdc.approve(fund, MAX_UINT, {"from": governor})
    fund.depositLotProceeds(5_000 * USDC, {"from": governor})
    assert fund.previewRedeem(shares) > value + 2_000 * USDC
    advance(market, fund.cooldown())
    assert fund.maxWithdraw(insurer) == value
    before = usdc.balanceOf(insurer)
    fund.redeem(shares, insurer, insurer, {"from": insurer})
    assert usdc.balanceOf(insurer) - before == value
    # the income the request did not take stays with the other holder
    assert fund.previewRedeem(fund.balanceOf(insurer2)) > 10_000 * USDC + 4_900 * USDC


def test_requested_shares_stay_exposed_to_losses(market, fund, insurer, borrower, keeper, usdc, books):
    # Incident class: exiting ahead of a known loss (withdrawing before bad debt is realised and socialised).
    deposit_to_fund(market, insurer, 2_000 * USDC)
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    value = fund.requests(insurer)["value"]
    tx = close_dust_account(market, borrower, keeper)
    covered = tx.events["BadDebtCovered"][0]["amount"]
    assert covered > 900 * USDC
    advance(market, fund.cooldown())
    now = fund.previewRedeem(shares)
    assert now < value - 800 * USDC
    assert fund.maxWithdraw(insurer) == now
    before = usdc.balanceOf(insurer)
    fund.redeem(shares, insurer, insurer, {"from": insurer})
    assert usdc.balanceOf(insurer) - before == now


def test_request_shrinks_on_transfer_out_never_grows_on_receive(market, fund, insurer, insurer2, books):
    # Incident class: bypassing a withdrawal cooldown by moving requested shares between addresses.
    deposit_to_fund(market, insurer, 8_000 * USDC)
    deposit_to_fund(market, insurer2, 1_000 * USDC)
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    value = fund.requests(insurer)["value"]
    fund.transfer(insurer2, shares // 4, {"from": insurer})
    r = fund.requests(insurer)
    left = shares - shares // 4
    assert r["shares"] == left and r["value"] == value * left // shares

    own = fund.balanceOf(insurer2) - shares // 4
    fund.requestWithdraw(own, {"from": insurer2})
    before = dict(fund.requests(insurer2))
    fund.transfer(insurer2, shares // 4, {"from": insurer})  # receiving adds nothing
    assert dict(fund.requests(insurer2)) == before
    advance(market, fund.cooldown())
    assert fund.maxRedeem(insurer2) == own


def test_front_run_redemption_is_priced_with_the_known_loss(market, fund, insurer, insurer2, borrower, keeper, usdc, books):
    """An insurer who sees a crash coming and exits before the loss is realised pays its share
    of the pending loss all the same."""
    # Incident class: exiting ahead of a known loss (withdrawing before bad debt is realised and socialised).
    deposit_to_fund(market, insurer, 5_000 * USDC)
    deposit_to_fund(market, insurer2, 5_000 * USDC)
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    advance(market, fund.cooldown())

    open_position(market, borrower, {"WETH": 5 * ETH}, 10_000 * USDC)
    price(market, "WETH", 1500)  # lot worth $7,500 against a 10,000 debt part: est ≈ 2,500
    market.liquidator.kick(borrower, ZERO_ADDRESS, {"from": keeper})
    pending, reserves, assets = market.liquidator.pendingLoss(), market.pool.reserves(), fund.assetsBook()
    assert pending > 2_000 * USDC
    share = fund_pending_share(pending, reserves, assets)
    expected = fund_exit_value(shares, assets, fund.totalSupply(), share)
    naive = fund_exit_value(shares, assets, fund.totalSupply(), 0)
    assert expected < naive - 1_000 * USDC
    assert fund.maxWithdraw(insurer) == expected
    before = usdc.balanceOf(insurer)
    fund.redeem(shares, insurer, insurer, {"from": insurer})
    assert usdc.balanceOf(insurer) - before == expected


def test_first_depositor_inflation_fails(market, fund, attacker, stranger, usdc, books):
    """The share price reads the fund's ledger, never its balance: a donation moves nothing,
    and the 10^6 virtual shares plus the dead shares leave no rounding to steal."""
    # Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
    usdc.mint(attacker, 1_000_001 * USDC, {"from": attacker})
    usdc.approve(fund, MAX_UINT, {"from": attacker})
    fund.deposit(1, attacker, {"from": attacker})
    assets_before = fund.totalAssets()
    usdc.transfer(fund, 1_000_000 * USDC, {"from": attacker})  # the "donation"
    assert fund.totalAssets() == assets_before

    deposit_to_fund(market, stranger, 1_000 * USDC)
    victim = fund.balanceOf(stranger)
    assert victim > 0
    assert fund.previewRedeem(victim) >= 1_000 * USDC - 1
    assert fund.previewRedeem(fund.balanceOf(attacker)) <= 1


# ================================================================ ERC-4626 edges (issue 13)
def lot_proceeds(fund, governor, usdc, amount):
    """Income booked by the governor (a held lot sold): the fund's share price rises."""
    usdc.mint(governor, amount, {"from": governor})
    usdc.approve(fund, MAX_UINT, {"from": governor})
    fund.depositLotProceeds(amount, {"from": governor})


def test_owner_previews_are_exact_where_request_free_ones_quote_the_income(market, fund, insurer, insurer2, governor, usdc, books):
    """+10 % income during the cooldown: the request-free previews quote it (ERC-4626 previews take
    no owner, the interface's Warning), previewRedeemFor / previewWithdrawFor give exactly what
    redeem and withdraw do."""
    # Incident class: an integrator trusting an ERC-4626 preview that is more generous than the exit.
    deposit_to_fund(market, insurer2, 9_000 * USDC)
    deposit_to_fund(market, insurer, 1_000 * USDC)
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    value = fund.requests(insurer)["value"]
    assert value == fund.previewRedeemFor(insurer, shares) == fund.previewRedeem(shares)
    lot_proceeds(fund, governor, usdc, fund.totalAssets() // 10)
    advance(market, fund.cooldown())

    assert fund.previewRedeem(shares) > value + 99 * USDC  # 1,099.90 against 1,000.00
    assert fund.previewRedeemFor(insurer, shares) == value == fund.maxWithdraw(insurer)
    # the owner-aware quotes are exact for a part, by shares and by assets
    half = shares // 2
    quote = fund.previewRedeemFor(insurer, half)
    assert quote < fund.previewRedeem(half)
    before = usdc.balanceOf(insurer)
    tx = fund.redeem(half, insurer, insurer, {"from": insurer})
    assert tx.return_value == quote == usdc.balanceOf(insurer) - before
    assets = fund.maxWithdraw(insurer) // 3
    burnt = fund.previewWithdrawFor(insurer, assets)
    assert burnt > fund.previewWithdraw(assets)
    held = fund.balanceOf(insurer)
    tx = fund.withdraw(assets, insurer, insurer, {"from": insurer})
    assert tx.return_value == burnt == held - fund.balanceOf(insurer)
    # a holder without a request gets the request-free figures
    own = fund.balanceOf(insurer2)
    assert fund.previewRedeemFor(insurer2, own) == fund.previewRedeem(own)
    assert fund.previewWithdrawFor(insurer2, 5 * USDC) == fund.previewWithdraw(5 * USDC)


def test_a_partial_exit_after_nothing_moved_pays_exactly_the_preview(market, fund, insurer, insurer2, governor, usdc, books):
    """The request's value was floored, then floored again pro rata: a third of a request paid
    333,344,442 against a preview of 333,344,443. A request keeps its price instead."""
    # Incident class: an integrator trusting an ERC-4626 preview that is more generous than the exit.
    deposit_to_fund(market, insurer2, 9_000 * USDC)
    deposit_to_fund(market, insurer, 1_000 * USDC)
    lot_proceeds(fund, governor, usdc, 333_333)  # a share price that is not round
    shares = fund.balanceOf(insurer)
    fund.requestWithdraw(shares, {"from": insurer})
    advance(market, fund.cooldown())
    third = shares // 3
    quote = fund.previewRedeem(third)
    assert quote == 333_344_443 == fund.previewRedeemFor(insurer, third)
    before = usdc.balanceOf(insurer)
    fund.redeem(third, insurer, insurer, {"from": insurer})
    assert usdc.balanceOf(insurer) - before == quote


def test_redeem_and_withdraw_of_zero_never_revert(market, fund, insurer, insurer2, stranger, usdc, books):
    """ERC-4626: redeeming up to maxRedeem (0 here) must not revert; it was a division-by-zero
    panic for every owner without a request."""
    deposit_to_fund(market, insurer, 1_000 * USDC)
    assert fund.maxRedeem(insurer) == 0 == fund.maxWithdraw(insurer)
    for caller, owner in ((insurer, insurer), (stranger, insurer), (stranger, insurer2)):
        tx = fund.redeem(0, stranger, owner, {"from": caller})
        assert tx.return_value == 0 and tx.events["Withdraw"][0]["shares"] == 0
        tx = fund.withdraw(0, stranger, owner, {"from": caller})
        assert tx.return_value == 0 and tx.events["Withdraw"][0]["assets"] == 0
    assert fund.balanceOf(insurer) > 0 and usdc.balanceOf(stranger) == 0


# ================================================================ reserves and held collateral
def test_route_reserves_only_from_free_cash(market, fund, borrower2, keeper, books):
    pool = market.pool
    open_position(market, borrower2, {"WBTC": 25 * BTC}, 999_000 * USDC)  # 99.9 % utilisation
    advance(market, 365 * 86_400)
    accrued = pool.accrueInterest({"from": keeper})
    reserves, cash = pool.reserves(), pool.cash()
    assert reserves > cash > 0
    income = fund.reserveIncome()
    next_block_at(accrued.timestamp)  # no interest between the reads and the routing
    tx = pool.routeReserves({"from": keeper})
    assert tx.return_value == cash
    assert dict(tx.events["ReservesRouted"][0]) == {"amount": cash}
    assert pool.reserves() == reserves - cash and pool.cash() == 0
    assert fund.reserveIncome() == income + cash
    assert dict(tx.events["IncomeReceived"][0]) == {"kind": 1, "amount": cash}
    tx = pool.routeReserves({"from": keeper})
    assert tx.return_value == 0 and "ReservesRouted" not in tx.events


def test_held_collateral_is_the_governors_to_sell(market, fund, borrower, keeper, governor, stranger, market_maker, weth, usdc, books):
    close_dust_account(market, borrower, keeper)
    held = fund.heldCollateral(weth)
    assert held == ETH // 2 and weth.balanceOf(fund) >= held
    assets = fund.totalAssets()
    with brownie.reverts(err("NotGovernor")):
        fund.releaseHeldCollateral(weth, held, stranger, {"from": stranger})
    with brownie.reverts(err("NoHeldCollateral", weth, held)):
        fund.releaseHeldCollateral(weth, held + 1, market_maker, {"from": governor})
    with brownie.reverts(err("ZeroAddress")):
        fund.releaseHeldCollateral(weth, held, ZERO_ADDRESS, {"from": governor})
    tx = fund.releaseHeldCollateral(weth, held, market_maker, {"from": governor})
    assert dict(tx.events["HeldCollateralReleased"][0]) == {"asset": weth.address, "to": market_maker.address, "amount": held}
    assert weth.balanceOf(market_maker) == held and fund.heldCollateral(weth) == 0
    assert fund.totalAssets() == assets  # held collateral was never in the assets

    proceeds = 700 * USDC
    with brownie.reverts(err("NotGovernor")):
        fund.depositLotProceeds(proceeds, {"from": stranger})
    usdc.mint(governor, proceeds, {"from": governor})
    usdc.approve(fund, proceeds, {"from": governor})
    income = fund.lotSaleIncome()
    tx = fund.depositLotProceeds(proceeds, {"from": governor})
    assert dict(tx.events["IncomeReceived"][0]) == {"kind": 2, "amount": proceeds}
    assert fund.lotSaleIncome() == income + proceeds and fund.totalAssets() == assets + proceeds
