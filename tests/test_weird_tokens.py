"""Collateral tokens that misbehave (solmate's weird-tokens list): fees on transfer, transfer
hooks that re-enter the pool, no return value, `false` instead of a revert, 24 decimals."""

import pytest

from margincall.params import CollateralSpec, FeedSpec
from margincall.units import scaled, wad
from tests.helpers import MAX_UINT, err, fund
from tests.pool_helpers import health_factor, holding, reverts_unchanged

USDC = 10**6
LISTING = CollateralSpec(
    symbol="ODD",
    name="Odd token",
    decimals=18,
    feed=FeedSpec(decimals=8, answer=scaled("10", 8), heartbeat=3600, min_price=wad("0.01"), max_price=wad("1000000")),
    borrow_factor=wad("0.70"),
    liquidation_factor=wad("0.80"),
    liquidation_penalty=wad("0.05"),
    supply_cap=scaled("1000000000", 24),
)


def _list(market, project, governor, token, answer=LISTING.feed.answer):
    """The oracle governor sets a feed for ``token``, then the market governor lists it."""
    feed = project.MockAggregator.deploy(8, "ODD / USD", answer, {"from": governor})
    f = LISTING.feed
    market.oracle.setFeed(token, True, feed, f.heartbeat, f.min_price, f.max_price, {"from": governor})
    market.config.listCollateral(token, LISTING.params_tuple(), {"from": governor})
    return feed


@pytest.fixture
def hook_token(market, project, governor):
    token = project.HookToken.deploy("Hook", "HOOK", 18, {"from": governor})
    _list(market, project, governor, token)
    return token


# ---------------------------------------------------------------- fee on transfer
def test_fee_on_transfer_collateral_is_refused(market, project, pool, governor, borrower2):
    token = project.FeeOnTransferToken.deploy("Fee", "FEE", 18, 100, {"from": governor})  # 1 % fee
    _list(market, project, governor, token)
    fund(token, borrower2, 10**18, pool)
    with reverts_unchanged(market, err("UnsupportedToken", token), borrower2, tokens=[token]):
        pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- re-entrancy through hooks
def test_reentering_supply_from_a_deposit_is_refused(market, pool, hook_token, borrower2):
    fund(hook_token, borrower2, 10**18, pool)
    hook_token.setHook(pool, pool.supply.encode_input(10 * USDC, borrower2), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, hook_token, tokens=[hook_token]):
        pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})


def test_reentering_withdraw_collateral_from_a_withdrawal_is_refused(market, pool, hook_token, borrower2):
    fund(hook_token, borrower2, 10**18, pool)
    pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})
    hook_token.setHook(pool, pool.withdrawCollateral.encode_input(hook_token, 1, borrower2), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, tokens=[hook_token]):
        pool.withdrawCollateral(hook_token, 10**17, borrower2, {"from": borrower2})


def test_the_same_hook_call_works_when_the_pool_is_not_running(pool, hook_token, borrower2, stranger):
    # the refusal above is the lock, not the call: outside the pool the hook's call goes through
    fund(hook_token, borrower2, 10**18)
    hook_token.setHook(pool, pool.accrueInterest.encode_input(), {"from": borrower2})
    tx = hook_token.transfer(stranger, 10**18, {"from": borrower2})
    assert tx.status == 1 and hook_token.balanceOf(stranger) == 10**18


def test_reentering_a_harmless_entry_point_from_a_deposit_is_refused(market, pool, hook_token, borrower2):
    fund(hook_token, borrower2, 10**18, pool)
    hook_token.setHook(pool, pool.accrueInterest.encode_input(), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, tokens=[hook_token]):
        pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- return values
def test_token_without_return_values_works_through_safe_erc20(market, project, pool, liquidity, governor, borrower2):
    token = project.NoReturnToken.deploy("Tether-like", "USDT0", 18, {"from": governor})
    _list(market, project, governor, token)
    token.mint(borrower2, 10_000 * 10**18, {"from": borrower2})
    token.approve(pool, MAX_UINT, {"from": borrower2})
    pool.depositCollateral(token, 10_000 * 10**18, borrower2, {"from": borrower2})
    pool.borrow(50_000 * USDC, borrower2, {"from": borrower2})  # $100,000 of it at 0.70
    pool.withdrawCollateral(token, 1_000 * 10**18, borrower2, {"from": borrower2})
    assert token.balanceOf(borrower2) == 1_000 * 10**18
    assert pool.collateralOf(borrower2, token) == token.balanceOf(pool) == 9_000 * 10**18


def test_deposit_of_a_token_returning_false_is_refused(market, project, pool, governor, borrower2):
    token = project.ReturnsFalseToken.deploy("False", "FALSE", 18, {"from": governor})
    _list(market, project, governor, token)
    fund(token, borrower2, 10**18, pool)
    token.setFailing(True, {"from": governor})
    with reverts_unchanged(market, err("SafeERC20FailedOperation", token), borrower2, tokens=[token]):
        pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})


def test_withdrawal_of_a_token_returning_false_is_refused(market, project, pool, governor, borrower2):
    token = project.ReturnsFalseToken.deploy("False", "FALSE", 18, {"from": governor})
    _list(market, project, governor, token)
    fund(token, borrower2, 10**18, pool)
    pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})
    token.setFailing(True, {"from": governor})
    with reverts_unchanged(market, err("SafeERC20FailedOperation", token), borrower2, tokens=[token]):
        pool.withdrawCollateral(token, 10**18, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- many decimals
def test_24_decimal_collateral_gives_an_exact_health_factor(
    market, project, pool, usdc, liquidity, governor, borrower2
):
    token = project.MockERC20.deploy("Many decimals", "D24", 24, {"from": governor})
    answer = scaled("12.34567891", 8)
    _list(market, project, governor, token, answer)
    amount = 1_234_567_890_123_456_789_012_345_678  # ~1,234.57 tokens
    fund(token, borrower2, amount, pool)
    pool.depositCollateral(token, amount, borrower2, {"from": borrower2})
    pool.borrow(9_000 * USDC, borrower2, {"from": borrower2})  # ~$15,241 at 0.70 → ~$10,669 room
    price = answer * 10**10
    base_price = market.oracle.getPrice(market.base.token)
    odd = holding(amount, price, 24, LISTING)
    assert pool.healthFactor(borrower2) == health_factor([odd], pool.debtOf(borrower2), base_price, 6)
    assert pool.accountStatus(borrower2) == 0
    fund(usdc, borrower2, 10 * USDC)
    usdc.approve(pool, MAX_UINT, {"from": borrower2})
    pool.repay(MAX_UINT, borrower2, {"from": borrower2})
    pool.withdrawCollateral(token, MAX_UINT, borrower2, {"from": borrower2})
    assert token.balanceOf(borrower2) == amount
