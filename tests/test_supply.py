"""Supplying and withdrawing the base asset: shares with virtual shares (1e6 shares and 1 unit
of assets), rounding in the pool's favour, and the first-depositor inflation attack."""

from brownie import chain

from tests.model.fixed_point import MAX_UINT
from tests.model.shares import to_assets_down, to_shares_down, to_shares_up
from tests.support.actions import fund
from tests.support.chain_time import next_block_at
from tests.support.reverts import err, reverts_unchanged
from tests.support.units import USDC, ZERO_ADDRESS

CENTURY = 100 * 365 * 86400


def _books(pool):
    return pool.supplierAssets(), pool.totalSupplyShares()


# ---------------------------------------------------------------- happy paths
def test_first_supply_mints_a_million_shares_per_unit(pool, lens, usdc, supplier):
    fund(usdc, supplier, 1_000 * USDC, pool)
    tx = pool.supply(1_000 * USDC, supplier, {"from": supplier})
    assert tx.return_value == 1_000 * USDC * 10**6
    assert tx.events["Supplied"] == {
        "caller": supplier, "onBehalfOf": supplier, "amount": 1_000 * USDC, "shares": 1_000 * USDC * 10**6
    }
    assert pool.supplySharesOf(supplier) == pool.totalSupplyShares() == 1_000 * USDC * 10**6
    assert lens.supplyBalanceOf(supplier) == pool.supplierAssets() == pool.cash() == 1_000 * USDC
    assert usdc.balanceOf(pool) == 1_000 * USDC and usdc.balanceOf(supplier) == 0


def test_supply_on_behalf_credits_the_beneficiary(pool, lens, usdc, stranger, supplier2):
    fund(usdc, stranger, 500 * USDC, pool)
    tx = pool.supply(500 * USDC, supplier2, {"from": stranger})
    assert tx.events["Supplied"]["caller"] == stranger
    assert tx.events["Supplied"]["onBehalfOf"] == supplier2
    assert pool.supplySharesOf(stranger) == 0
    assert lens.supplyBalanceOf(supplier2) == 500 * USDC


def test_later_supply_mints_shares_rounded_down_at_the_share_price(pool, lens, usdc, weth_position, supplier2):
    amount = 123_456_789
    fund(usdc, supplier2, amount, pool)
    chain.sleep(30 * 86400)
    accrual = pool.accrueInterest({"from": supplier2})
    next_block_at(accrual.timestamp)  # the supply, in the same second, accrues nothing more
    assets, shares = _books(pool)
    expected = to_shares_down(amount, assets, shares)
    assert expected * (assets + 1) < amount * (shares + 10**6)  # the price is not round any more
    tx = pool.supply(amount, supplier2, {"from": supplier2})
    assert tx.return_value == expected
    assert lens.supplyBalanceOf(supplier2) == to_assets_down(expected, assets + amount, shares + expected) < amount


def test_withdraw_burns_shares_rounded_up_and_pays_the_receiver(pool, usdc, liquidity, supplier, stranger):
    assets, shares = _books(pool)
    tx = pool.withdraw(1_234_567, stranger, {"from": supplier})
    burned = to_shares_up(1_234_567, assets, shares)
    assert tx.return_value == burned
    assert tx.events["Withdrawn"] == {"account": supplier, "receiver": stranger, "amount": 1_234_567, "shares": burned}
    assert usdc.balanceOf(stranger) == 1_234_567
    assert pool.supplySharesOf(supplier) == shares - burned
    assert pool.cash() == liquidity - 1_234_567


def test_withdraw_max_takes_every_share(pool, usdc, liquidity, supplier):
    tx = pool.withdraw(MAX_UINT, supplier, {"from": supplier})
    assert tx.events["Withdrawn"]["amount"] == liquidity
    assert tx.return_value == liquidity * 10**6
    assert pool.supplySharesOf(supplier) == pool.totalSupplyShares() == 0
    assert usdc.balanceOf(supplier) == liquidity
    assert pool.cash() == pool.supplierAssets() == 0


def test_supplier_earns_interest_on_withdraw_max(pool, usdc, weth_position, liquidity, borrower, supplier):
    chain.sleep(365 * 86400)
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pool.repay(MAX_UINT, borrower, {"from": borrower})
    assets, shares = _books(pool)
    tx = pool.withdraw(MAX_UINT, supplier, {"from": supplier})
    assert tx.events["Withdrawn"]["amount"] == to_assets_down(shares, assets, shares) > liquidity
    assert usdc.balanceOf(supplier) == tx.events["Withdrawn"]["amount"]


# ---------------------------------------------------------------- reverts
def test_withdraw_beyond_own_shares_reverts_insufficient_shares(market, pool, liquidity, supplier, supplier2):
    owned = pool.supplySharesOf(supplier)
    with reverts_unchanged(market, err("InsufficientShares", owned), supplier):
        pool.withdraw(liquidity + 1, supplier, {"from": supplier})
    with reverts_unchanged(market, err("InsufficientShares", 0), supplier2):
        pool.withdraw(1, supplier2, {"from": supplier2})


def test_withdraw_of_lent_out_funds_reverts_insufficient_liquidity(market, pool, weth_position, supplier):
    cash = pool.cash()
    assert cash == 1_000_000 * USDC - weth_position[1]
    with reverts_unchanged(market, err("InsufficientLiquidity", cash), supplier):
        pool.withdraw(cash + 1, supplier, {"from": supplier})
    with reverts_unchanged(market, err("InsufficientLiquidity", cash), supplier):
        pool.withdraw(MAX_UINT, supplier, {"from": supplier})


def test_zero_amounts_revert(market, pool, usdc, liquidity, supplier, supplier2):
    with reverts_unchanged(market, err("ZeroAmount"), supplier):
        pool.supply(0, supplier, {"from": supplier})
    with reverts_unchanged(market, err("ZeroAmount"), supplier):
        pool.withdraw(0, supplier, {"from": supplier})
    # withdraw max with no shares is a zero withdrawal
    with reverts_unchanged(market, err("ZeroAmount"), supplier2):
        pool.withdraw(MAX_UINT, supplier2, {"from": supplier2})


def test_zero_addresses_revert(market, pool, usdc, liquidity, supplier):
    fund(usdc, supplier, 1 * USDC, pool)
    with reverts_unchanged(market, err("ZeroAddress"), supplier):
        pool.supply(1 * USDC, ZERO_ADDRESS, {"from": supplier})
    with reverts_unchanged(market, err("ZeroAddress"), supplier):
        pool.withdraw(1 * USDC, ZERO_ADDRESS, {"from": supplier})


def test_supply_too_small_for_one_share_reverts_zero_shares(market, pool, usdc, weth, supplier, borrower, supplier2):
    # Full utilisation (79 % APR) for four centuries, accrued once a century: a share becomes
    # worth more than one base unit, so a 1-unit supply would mint 0 shares.
    fund(usdc, supplier, market.spec.market["dust"], pool)
    pool.supply(market.spec.market["dust"], supplier, {"from": supplier})
    fund(weth, borrower, 10**18, pool)
    pool.depositCollateral(weth, 10**18, borrower, {"from": borrower})
    pool.borrow(pool.cash(), borrower, {"from": borrower})
    for _ in range(4):
        chain.sleep(CENTURY)
        pool.accrueInterest({"from": supplier})
    assets, shares = _books(pool)
    assert to_shares_down(1, assets, shares) == 0
    fund(usdc, supplier2, 1, pool)
    with reverts_unchanged(market, err("ZeroShares"), supplier2):
        pool.supply(1, supplier2, {"from": supplier2})


def test_supply_pause_blocks_supply_and_withdraw_pause_blocks_withdraw(
    market, pool, config, usdc, liquidity, guardian, supplier
):
    fund(usdc, supplier, 1 * USDC, pool)
    config.setPaused(0, True, {"from": guardian})
    with reverts_unchanged(market, err("ActionPaused", 0), supplier):
        pool.supply(1 * USDC, supplier, {"from": supplier})
    config.setPaused(2, True, {"from": guardian})
    with reverts_unchanged(market, err("ActionPaused", 2), supplier):
        pool.withdraw(1 * USDC, supplier, {"from": supplier})


# ---------------------------------------------------------------- inflation attack
def test_first_depositor_inflation_attack_gains_nothing(pool, lens, usdc, attacker, supplier):
    # Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
    fund(usdc, attacker, 1 + 1_000_000 * USDC, pool)
    pool.supply(1, attacker, {"from": attacker})
    assert pool.supplySharesOf(attacker) == 10**6
    balance_before_donation = lens.supplyBalanceOf(attacker)
    usdc.transfer(pool, 1_000_000 * USDC, {"from": attacker})  # donation by direct transfer
    # the pool values shares from its own books: a donation moves nothing
    assert lens.supplyBalanceOf(attacker) == balance_before_donation == 1
    assert pool.supplierAssets() == pool.cash() == 1

    victim_amount = 1_000 * USDC
    fund(usdc, supplier, victim_amount, pool)
    tx = pool.supply(victim_amount, supplier, {"from": supplier})
    assert tx.return_value == victim_amount * 10**6  # the same price the attacker paid
    assert lens.supplyBalanceOf(supplier) == victim_amount

    pool.withdraw(MAX_UINT, attacker, {"from": attacker})
    assert usdc.balanceOf(attacker) == 1  # the 1 wei back; the donation is lost to the pool
    pool.withdraw(MAX_UINT, supplier, {"from": supplier})
    assert usdc.balanceOf(supplier) == victim_amount


def test_direct_donation_does_not_change_supply_balances(pool, lens, usdc, liquidity, supplier, stranger):
    # Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
    before = lens.supplyBalanceOf(supplier)
    fund(usdc, stranger, 50_000 * USDC)
    usdc.transfer(pool, 50_000 * USDC, {"from": stranger})
    assert lens.supplyBalanceOf(supplier) == before == liquidity
    assert pool.cash() == liquidity


# ---------------------------------------------------------------- rounding
def _uneven_share_price(pool, usdc, borrower):
    """A year of interest, then all debt repaid: the share price is no longer a round number
    and no further interest accrues."""
    chain.sleep(365 * 86400)
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert pool.totalNormalizedDebt() == 0


def test_supply_then_withdraw_max_never_returns_more_than_supplied(pool, lens, usdc, weth_position, borrower, supplier2):
    # Incident class: rounding-direction extraction (round trips that round in the user's favour).
    _uneven_share_price(pool, usdc, borrower)
    for amount in (999_999, 123_456_789, 10**12 + 7):
        fund(usdc, supplier2, amount, pool)
        assets, shares = _books(pool)
        minted = pool.supply(amount, supplier2, {"from": supplier2}).return_value
        assert minted == to_shares_down(amount, assets, shares)
        assert lens.supplyBalanceOf(supplier2) <= amount
        paid = pool.withdraw(MAX_UINT, supplier2, {"from": supplier2}).events["Withdrawn"]["amount"]
        assert paid <= amount
        assert pool.supplySharesOf(supplier2) == 0
    assert usdc.balanceOf(supplier2) <= 999_999 + 123_456_789 + 10**12 + 7


def test_one_unit_supplied_at_an_uneven_price_is_worth_nothing(market, pool, usdc, weth_position, borrower, supplier2):
    _uneven_share_price(pool, usdc, borrower)
    fund(usdc, supplier2, 1, pool)
    minted = pool.supply(1, supplier2, {"from": supplier2}).return_value
    assert 0 < minted < 10**6
    assert market.lens.supplyBalanceOf(supplier2) == 0
    with reverts_unchanged(market, err("ZeroAmount"), supplier2):
        pool.withdraw(MAX_UINT, supplier2, {"from": supplier2})


def test_withdrawing_the_amount_supplied_needs_more_shares_than_minted(
    market, pool, usdc, weth_position, borrower, supplier2
):
    _uneven_share_price(pool, usdc, borrower)
    amount = 123_456_789
    fund(usdc, supplier2, amount, pool)
    assets, shares = _books(pool)
    minted = pool.supply(amount, supplier2, {"from": supplier2}).return_value
    needed = to_shares_up(amount, assets + amount, shares + minted)
    assert needed > minted
    with reverts_unchanged(market, err("InsufficientShares", minted), supplier2):
        pool.withdraw(amount, supplier2, {"from": supplier2})


def test_each_withdrawal_burns_shares_rounded_up(pool, usdc, weth_position, borrower, supplier):
    _uneven_share_price(pool, usdc, borrower)
    for amount in (1, 7, 1_000_001):
        assets, shares = _books(pool)
        tx = pool.withdraw(amount, supplier, {"from": supplier})
        assert tx.return_value == to_shares_up(amount, assets, shares)
        assert tx.return_value * (assets + 1) >= amount * (shares + 10**6)
