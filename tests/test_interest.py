"""Interest: utilisation, the kinked rate curve, and a year of accrual checked exactly against
an independent Python replica of the pool's interest books (``tests.model.interest.InterestBook``)."""

import pytest
from brownie import chain

from tests.model.fixed_point import MAX_UINT, RAY, WAD, mul_div_up
from tests.model.interest import InterestBook, borrow_rate
from tests.model.shares import to_assets_down
from tests.support.actions import fund
from tests.support.chain_time import next_block_at, pin_time
from tests.support.reads import check_pool_books
from tests.support.units import USDC, WETH

MONTH = 365 * 86400 // 12


def _borrow(market, pool, who, amount, weth_amount):
    weth = market.collaterals["WETH"].token
    fund(weth, who, weth_amount, pool)
    pool.depositCollateral(weth, weth_amount, who, {"from": who})
    pool.borrow(amount, who, {"from": who})


# ---------------------------------------------------------------- the curve
def test_rate_curve_is_kinked_at_80_percent(market):
    points = {
        0: 0,
        WAD // 4: WAD // 80,  # 1.25 %: a quarter of the way up the first slope
        WAD // 2: WAD // 40,  # 2.5 %
        8 * WAD // 10: 4 * WAD // 100,  # the kink: 4 %
        9 * WAD // 10: 415 * WAD // 1000,  # half-way up the second slope: 4 % + 37.5 %
        WAD: 79 * WAD // 100,  # full: 79 %
        2 * WAD: 79 * WAD // 100,  # above 100 % is treated as 100 %
    }
    assert {u: market.rate_model.borrowRate(u) for u in points} == points


def test_rate_curve_is_linear_between_the_points(market):
    curve = market.spec.interest
    for u in (1, 123_456_789_012_345_678, 799_999_999_999_999_999, 800_000_000_000_000_001, 987_654_321 * 10**9):
        assert market.rate_model.borrowRate(u) == borrow_rate(u, **curve)


def test_utilisation_and_rate_are_zero_without_debt(pool, liquidity):
    assert pool.utilization() == 0
    assert pool.borrowRate() == 0


def test_pool_rate_is_4_percent_at_80_percent_utilisation(market, pool, liquidity, borrower2):
    _borrow(market, pool, borrower2, 800_000 * USDC, 500 * WETH)
    assert pool.utilization() == 8 * WAD // 10
    assert pool.borrowRate() == 4 * WAD // 100


def test_pool_rate_is_79_percent_at_full_utilisation(market, pool, liquidity, borrower2):
    _borrow(market, pool, borrower2, 800_000 * USDC, 500 * WETH)
    pool.borrow(pool.cash(), borrower2, {"from": borrower2})
    assert pool.cash() == 0
    assert pool.utilization() == WAD
    assert pool.borrowRate() == 79 * WAD // 100


# ---------------------------------------------------------------- accrual
@pytest.mark.parametrize("borrowed", [300_000 * USDC, 900_000 * USDC], ids=["below-kink", "above-kink"])
def test_a_year_of_monthly_accruals_matches_the_python_books(market, pool, supplier, liquidity, borrower2, borrowed):
    _borrow(market, pool, borrower2, borrowed, 500 * WETH)
    book = InterestBook.read(pool, market.spec)  # read once; advanced in Python from here on
    start_index, first_rate = book.index, None
    for _ in range(12):
        chain.sleep(MONTH)
        balance_before = market.lens.supplyBalanceOf(supplier)
        tx = pool.accrueInterest({"from": supplier})
        interest, to_reserves, rate = book.accrue(tx.timestamp)
        first_rate = first_rate or rate
        event = tx.events["InterestAccrued"]
        assert (event["borrowIndex"], event["interest"], event["toReserves"], event["annualRate"]) == (
            book.index,
            interest,
            to_reserves,
            rate,
        )
        assert pool.borrowIndex() == book.index
        assert pool.totalAccountDebt() == book.account_debt()
        assert pool.reserves() == book.reserves
        assert pool.supplierAssets() == book.supplier_assets
        assert pool.utilization() == book.utilisation()
        # the only supplier gets interest less reserves (less what the virtual shares hold)
        shares = pool.totalSupplyShares()
        balance = market.lens.supplyBalanceOf(supplier)
        assert balance == to_assets_down(shares, book.supplier_assets, shares)
        assert 0 <= interest - to_reserves - (balance - balance_before) <= 1 + interest // 10**9
        check_pool_books(market)
    # monthly compounding, and utilisation rising with the debt, beat a year of simple interest
    assert book.index > start_index + start_index * first_rate // WAD
    assert pool.debtOf(borrower2) == mul_div_up(pool.normalizedDebtOf(borrower2), book.index, RAY)


def test_no_interest_accrues_without_elapsed_time(market, pool, weth_position, supplier):
    chain.sleep(86400)
    first = pool.accrueInterest({"from": supplier})
    assert "InterestAccrued" in first.events
    next_block_at(first.timestamp)
    tx = pool.accrueInterest({"from": supplier})
    assert "InterestAccrued" not in tx.events
    assert pool.borrowIndex() == first.events["InterestAccrued"]["borrowIndex"]


def test_debt_view_equals_the_debt_after_an_actual_accrual(market, pool, weth_position, borrower, supplier):
    chain.sleep(90 * 86400)
    pin_time()
    debt_view = pool.debtOf(borrower)
    book = InterestBook.read(pool, market.spec)
    total_view = book.account_debt(book.index_at(chain[-1].timestamp))
    pool.accrueInterest({"from": supplier})
    assert pool.debtOf(borrower) == debt_view > weth_position[1]
    assert pool.totalAccountDebt() == total_view
    assert debt_view == mul_div_up(pool.normalizedDebtOf(borrower), pool.borrowIndex(), RAY)


def test_repaying_a_year_of_interest_pays_suppliers_and_reserves(
    market, pool, usdc, liquidity, weth_position, borrower
):
    chain.sleep(365 * 86400)
    usdc.mint(borrower, 1_000 * USDC, {"from": borrower})
    pin_time()
    debt = pool.debtOf(borrower)
    pool.repay(MAX_UINT, borrower, {"from": borrower})  # the one accrual since the borrow
    interest = debt - weth_position[1]
    to_reserves = interest * market.spec.market["reserve_factor"] // WAD
    assert pool.cash() == liquidity + interest
    assert pool.reserves() == to_reserves
    assert pool.supplierAssets() == liquidity + interest - to_reserves
