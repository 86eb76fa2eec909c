"""Collateral tokens that misbehave (solmate's weird-tokens list): fees on transfer, transfer
hooks that re-enter the pool or the liquidator, no return value, `false` instead of a revert,
transfers that revert, 24 decimals."""

import pytest

from margincall.params import CollateralSpec, FeedSpec
from margincall.units import scaled, wad
from tests.model.fixed_point import MAX_UINT
from tests.model.valuation import debt_value, health_factor, holding, liquidation_value
from tests.support.actions import fund, fund_taker
from tests.support.reverts import err, reverts_unchanged
from tests.support.units import USDC, ZERO_ADDRESS

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
    # Incident class: fee-on-transfer tokens credited at the amount sent (the STA deflationary token drained from Balancer pools, 2020).
    token = project.FeeOnTransferToken.deploy("Fee", "FEE", 18, 100, {"from": governor})  # 1 % fee
    _list(market, project, governor, token)
    fund(token, borrower2, 10**18, pool)
    with reverts_unchanged(market, err("UnsupportedToken", token), borrower2, tokens=[token]):
        pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- re-entrancy through hooks
def test_reentering_supply_from_a_deposit_is_refused(market, pool, hook_token, borrower2):
    # Incident class: reentrancy through token transfer hooks (ERC-777 hooks in the Lendf.me 2020 incident).
    fund(hook_token, borrower2, 10**18, pool)
    hook_token.setHook(pool, pool.supply.encode_input(10 * USDC, borrower2), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, hook_token, tokens=[hook_token]):
        pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})


def test_reentering_withdraw_collateral_from_a_withdrawal_is_refused(market, pool, hook_token, borrower2):
    # Incident class: reentrancy through token transfer hooks (ERC-777 hooks in the Lendf.me 2020 incident).
    fund(hook_token, borrower2, 10**18, pool)
    pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})
    hook_token.setHook(pool, pool.withdrawCollateral.encode_input(hook_token, 1, borrower2), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, tokens=[hook_token]):
        pool.withdrawCollateral(hook_token, 10**17, borrower2, {"from": borrower2})


def test_the_same_hook_call_works_when_the_pool_is_not_running(pool, hook_token, borrower2, stranger):
    # Incident class: reentrancy through token transfer hooks (ERC-777 hooks in the Lendf.me 2020 incident) (control case: the refusal is the lock, not the call).
    # the refusal above is the lock, not the call: outside the pool the hook's call goes through
    fund(hook_token, borrower2, 10**18)
    hook_token.setHook(pool, pool.accrueInterest.encode_input(), {"from": borrower2})
    tx = hook_token.transfer(stranger, 10**18, {"from": borrower2})
    assert tx.status == 1 and hook_token.balanceOf(stranger) == 10**18


def test_reentering_a_harmless_entry_point_from_a_deposit_is_refused(market, pool, hook_token, borrower2):
    # Incident class: reentrancy through token transfer hooks (ERC-777 hooks in the Lendf.me 2020 incident).
    fund(hook_token, borrower2, 10**18, pool)
    hook_token.setHook(pool, pool.accrueInterest.encode_input(), {"from": borrower2})
    with reverts_unchanged(market, err("Reentrancy"), borrower2, tokens=[hook_token]):
        pool.depositCollateral(hook_token, 10**18, borrower2, {"from": borrower2})


# ---------------------------------------------------------------- return values
def test_token_without_return_values_works_through_safe_erc20(market, project, pool, liquidity, governor, borrower2):
    # Incident class: ERC-20s that return no bool (USDT-style transfer) breaking callers that expect one.
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
    # Incident class: tokens that return false instead of reverting (unchecked transfer return values).
    token = project.ReturnsFalseToken.deploy("False", "FALSE", 18, {"from": governor})
    _list(market, project, governor, token)
    fund(token, borrower2, 10**18, pool)
    token.setFailing(True, {"from": governor})
    with reverts_unchanged(market, err("SafeERC20FailedOperation", token), borrower2, tokens=[token]):
        pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})


def test_withdrawal_of_a_token_returning_false_is_refused(market, project, pool, governor, borrower2):
    # Incident class: tokens that return false instead of reverting (unchecked transfer return values).
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
    # Incident class: decimal-scaling errors between tokens and feeds of unusual decimals.
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
    assert pool.healthFactor(borrower2) == health_factor(liquidation_value([odd]), debt_value(pool.debtOf(borrower2), base_price, 6))
    assert pool.accountStatus(borrower2) == 0
    fund(usdc, borrower2, 10 * USDC)
    usdc.approve(pool, MAX_UINT, {"from": borrower2})
    pool.repay(MAX_UINT, borrower2, {"from": borrower2})
    pool.withdrawCollateral(token, MAX_UINT, borrower2, {"from": borrower2})
    assert token.balanceOf(borrower2) == amount


# ---------------------------------------------------------------- transfers that revert
@pytest.fixture
def blocking(market, project, governor):
    """A listed collateral (price $10) whose transfers revert while ``blocked`` (a paused token,
    or one that blacklists the pool or the liquidator); returns (token, feed)."""
    token = project.RevertingToken.deploy("Blocking", "BLK", 18, {"from": governor})
    return token, _list(market, project, governor, token)


def liquidation_books(market, *ids):
    """The liquidator's books and the given auctions' records."""
    liq = market.liquidator
    return (
        tuple(liq.activeAuctions()), liq.totalTab(), liq.pendingLoss(), market.pool.debtInAuction(),
        tuple(tuple(liq.auctions(i)) for i in ids),
    )


def _underwater(market, pool, token, feed, who, governor):
    """``who`` holds 10,000 tokens ($100,000) against 60,000 USDC; the price falls to $7.30
    (HF 0.973, Liquidatable, a partial kick)."""
    fund(token, who, 10_000 * 10**18, pool)
    pool.depositCollateral(token, 10_000 * 10**18, who, {"from": who})
    pool.borrow(60_000 * USDC, who, {"from": who})
    feed.setPrice(scaled("7.30", 8), {"from": governor})
    assert pool.accountStatus(who) == 2


def test_a_collateral_whose_transfer_reverts_loses_nothing(market, pool, usdc, liquidity, blocking, borrower2):
    # Incident class: tokens whose transfers revert (pausable or blacklisting tokens): a failed transfer must undo the whole call.
    token, _ = blocking
    fund(token, borrower2, 10_000 * 10**18, pool)
    pool.depositCollateral(token, 10_000 * 10**18, borrower2, {"from": borrower2})
    pool.borrow(50_000 * USDC, borrower2, {"from": borrower2})
    token.setBlocked(True, {"from": borrower2})
    blocked = "RevertingToken: transfers blocked"
    with reverts_unchanged(market, blocked, borrower2, tokens=[token]):
        pool.withdrawCollateral(token, 10**18, borrower2, {"from": borrower2})
    fund(token, borrower2, 10**18, pool)
    with reverts_unchanged(market, blocked, borrower2, tokens=[token]):
        pool.depositCollateral(token, 10**18, borrower2, {"from": borrower2})
    # the debt side does not touch the token: repaying still works
    usdc.approve(pool, MAX_UINT, {"from": borrower2})
    fund(usdc, borrower2, 10 * USDC)
    pool.repay(MAX_UINT, borrower2, {"from": borrower2})
    assert pool.debtOf(borrower2) == 0
    # unblocked, every token is where the books say
    token.setBlocked(False, {"from": borrower2})
    pool.withdrawCollateral(token, MAX_UINT, borrower2, {"from": borrower2})
    assert token.balanceOf(borrower2) == 10_001 * 10**18 and token.balanceOf(pool) == 0


def test_a_reverting_collateral_is_neither_kicked_nor_taken_half_way(market, pool, liquidity, blocking, borrower2, keeper, liquidator, governor, books):
    # Incident class: tokens whose transfers revert (pausable or blacklisting tokens): a kick or take must not book what did not move.
    token, feed = blocking
    liq = market.liquidator
    _underwater(market, pool, token, feed, borrower2, governor)
    token.setBlocked(True, {"from": governor})
    blocked = "RevertingToken: transfers blocked"
    before = liquidation_books(market)
    with reverts_unchanged(market, blocked, borrower2, liq, tokens=[token]):
        liq.kick(borrower2, keeper, {"from": keeper})
    assert liquidation_books(market) == before and pool.accountStatus(borrower2) == 2

    token.setBlocked(False, {"from": governor})
    (id_,) = liq.kick(borrower2, keeper, {"from": keeper}).return_value
    lot = liq.auctions(id_)["lot"]
    token.setBlocked(True, {"from": governor})
    fund_taker(market, liquidator)
    before = liquidation_books(market, id_)
    with reverts_unchanged(market, blocked, borrower2, liq, liquidator, tokens=[token]):
        liq.take(id_, lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert liquidation_books(market, id_) == before

    token.setBlocked(False, {"from": governor})
    tx = liq.take(id_, lot, MAX_UINT, liquidator, b"", {"from": liquidator})
    assert "AuctionEnded" in tx.events and token.balanceOf(liq) == 0
    assert token.balanceOf(liquidator) + pool.collateralOf(borrower2, token) == 10_000 * 10**18


def test_a_hook_token_cannot_reenter_the_protocol_during_a_take(market, project, pool, liquidity, hook_token, borrower2, keeper, liquidator, governor, books):
    # Incident class: reentrancy through token transfer hooks (ERC-777 hooks in the Lendf.me 2020 incident), here into the liquidator.
    liq, fund_ = market.liquidator, market.fund
    feed = project.MockAggregator.at(market.oracle.primaryFeed(hook_token)[0])
    _underwater(market, pool, hook_token, feed, borrower2, governor)
    (id_,) = liq.kick(borrower2, keeper, {"from": keeper}).return_value
    lot = liq.auctions(id_)["lot"]
    fund_taker(market, liquidator)
    targets = {
        "liquidator.take": (liq, liq.take.encode_input(id_, 1, MAX_UINT, liquidator, b"")),
        "liquidator.kick": (liq, liq.kick.encode_input(borrower2, keeper)),
        "pool.repay": (pool, pool.repay.encode_input(1, borrower2)),
        "fund.deposit": (fund_, fund_.deposit.encode_input(1, liquidator)),
    }
    before = liquidation_books(market, id_)
    for name, (target, data) in targets.items():
        hook_token.setHook(target, data, {"from": liquidator})
        try:
            with reverts_unchanged(market, err("Reentrancy"), borrower2, liq, liquidator, tokens=[hook_token]):
                liq.take(id_, lot // 2, MAX_UINT, liquidator, b"", {"from": liquidator})
        except AssertionError as exc:
            raise AssertionError(f"hook into {name}: {exc}") from exc
        assert liquidation_books(market, id_) == before
    hook_token.setHook(ZERO_ADDRESS, b"", {"from": liquidator})
    assert "Take" in liq.take(id_, lot // 2, MAX_UINT, liquidator, b"", {"from": liquidator}).events
