"""The shared reentrancy lock (DESIGN.md 7): the pool names its protocol contracts (the
liquidator and the insurance fund) at construction and for good, only they take and release the
lock, and while it is held no entry point of the pool or the fund can be entered, by anyone, the
protocol contract holding it included. Hooks between the three need the lock held.

The lock is driven through a second pool on the same tokens and feeds, built naming
``MockProtocolCaller`` as its liquidator and a real ``InsuranceFund``."""

from types import SimpleNamespace

import pytest
import brownie
from brownie import (
    DutchAuctionLiquidator,
    FixedSpreadLiquidator,
    InsuranceFund,
    LendingPool,
    MockProtocolCaller,
    chain,
    web3,
)

from web3.utils.address import get_create_address

from tests.support.actions import another_config
from tests.support.reverts import err, plain, reverts_views_unchanged
from tests.support.units import ZERO_ADDRESS

REENTRANCY_SELECTOR = web3.keccak(text="Reentrancy()")[:4].hex().removeprefix("0x")


@pytest.fixture(scope="module", autouse=True)
def lockable(market, governor, guardian, supplier, borrower):
    """Once per module: a pool built naming a mock protocol contract as its liquidator, 1,000,000
    USDC supplied, and ``borrower`` with 10 WETH and 15,000 USDC of debt, so that every entry
    point would otherwise succeed."""
    spec, tx = market.spec, {"from": governor}
    usdc, weth = market.base.token, market.collaterals["WETH"].token
    config = another_config(market, governor, guardian)  # names the governor's next deployment
    caller_address, fund_address = (get_create_address(governor.address, governor.nonce + k) for k in (1, 2))
    pool = LendingPool.deploy(config, caller_address, fund_address, tx)
    caller = MockProtocolCaller.deploy(pool, tx)
    fund = InsuranceFund.deploy(pool, "Lock test fund", "LTF", spec.fund["cooldown"], spec.fund["window"], tx)
    config.listCollateral(weth, spec.collaterals["WETH"].params_tuple(), tx)
    wiring = pool.tx  # the links are set by the pool's construction

    usdc.mint(supplier, 2 * 10**12, {"from": supplier})
    usdc.approve(pool, 2**256 - 1, {"from": supplier})
    usdc.approve(fund, 2**256 - 1, {"from": supplier})
    pool.supply(10**12, supplier, {"from": supplier})
    weth.mint(borrower, 20 * 10**18, {"from": borrower})
    weth.approve(pool, 2**256 - 1, {"from": borrower})
    usdc.approve(pool, 2**256 - 1, {"from": borrower})
    pool.depositCollateral(weth, 10 * 10**18, borrower, {"from": borrower})
    pool.borrow(15_000 * 10**6, borrower, {"from": borrower})
    return SimpleNamespace(pool=pool, config=config, caller=caller, fund=fund, wiring=wiring, usdc=usdc, weth=weth)


def lock_state(lk, *accounts):
    pool = lk.pool
    return lambda: (
        pool.lockHeld(),
        pool.cash(),
        pool.supplierAssets(),
        pool.reserves(),
        pool.borrowIndex(),
        pool.lastAccrual(),
        pool.totalNormalizedDebt(),
        lk.fund.totalSupply(),
        lk.fund.totalAssets(),
        tuple(pool.isProtocolContract(a) for a in accounts),
        tuple(pool.normalizedDebtOf(a) for a in accounts),
        tuple(pool.marginCallDeadline(a) for a in accounts),
    )


# ================================================================== wiring
def test_the_pool_names_its_protocol_contracts_at_construction(lockable, market, governor, guardian):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    assert [plain(e.values()) for e in lk.wiring.events["ProtocolContractSet"]] == [
        plain((lk.caller, False, True)),
        plain((lk.fund, False, True)),
    ]
    assert lk.pool.isProtocolContract(lk.caller) and lk.pool.isProtocolContract(lk.fund)
    assert (lk.pool.liquidator(), lk.pool.insuranceFund()) == (lk.caller, lk.fund)
    # immutable links: nothing rewires a pool, its config or its fund after construction
    for contract in (lk.pool, lk.config, lk.fund):
        assert not [f for f in contract.abi if f.get("name") in ("setLiquidationModules", "bindPool")]

    tx = {"from": governor}
    config = another_config(market, governor, guardian)  # names the governor's next deployment
    module = get_create_address(governor.address, governor.nonce + 1)
    for liquidator, fund in ((ZERO_ADDRESS, module), (module, ZERO_ADDRESS)):
        with brownie.reverts(err("ZeroAddress")):
            LendingPool.deploy(config, liquidator, fund, tx)
    # a pool on a config that names another pool (here: the nonce moved by one) never exists
    with brownie.reverts(err("ConfigOfAnotherPool", lk.config)):
        LendingPool.deploy(lk.config, module, module, tx)


def test_modules_refuse_a_pool_that_does_not_name_them(lockable, market, governor):
    # Incident class: a missed precomputed address leaving a half-wired market.
    lk, spec, tx = lockable, market.spec, {"from": governor}
    with brownie.reverts(err("NotThePoolsFund", lk.pool)):
        InsuranceFund.deploy(lk.pool, "Stray fund", "SF", spec.fund["cooldown"], spec.fund["window"], tx)
    with brownie.reverts(err("NotThePoolsLiquidator", market.pool)):
        DutchAuctionLiquidator.deploy(
            market.pool.address, market.fund.address, market.curve.address, spec.auction["tail"], spec.auction["hole"], tx
        )
    with brownie.reverts(err("NotThePoolsLiquidator", market.pool)):
        FixedSpreadLiquidator.deploy(market.pool.address, market.fund.address, tx)


def test_the_demo_market_is_wired_with_its_liquidator_and_fund(market, pool, stranger):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    assert (pool.liquidator(), pool.insuranceFund()) == (market.liquidator, market.fund)
    assert market.config.pool() == pool
    assert pool.isProtocolContract(market.liquidator) and pool.isProtocolContract(market.fund)
    assert not pool.isProtocolContract(stranger) and not pool.lockHeld()


def test_outsiders_cannot_take_or_release_the_lock(lockable, market, governor, stranger):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    unregistered = MockProtocolCaller.deploy(lk.pool, {"from": stranger})
    state = lock_state(lk, unregistered, stranger)
    for target in (lk.pool, market.pool):
        with reverts_views_unchanged(err("NotProtocolContract", stranger), state):
            target.acquireLock({"from": stranger})
        with reverts_views_unchanged(err("NotProtocolContract", stranger), state):
            target.releaseLock({"from": stranger})
    with reverts_views_unchanged(err("NotProtocolContract", unregistered), state):
        unregistered.acquire({"from": stranger})
    with reverts_views_unchanged(err("NotProtocolContract", unregistered), state):
        unregistered.release({"from": stranger})
    assert not lk.pool.lockHeld() and not market.pool.lockHeld()


# ================================================================== the lock blocks every entry point
def test_entry_points_are_locked_while_a_protocol_contract_holds_the_lock(lockable, keeper, supplier, borrower):
    """Each entry point of the pool and the fund, called by the protocol contract while it holds
    the lock, reverts `Reentrancy()` (bubbled up unchanged); the lock is free again afterwards."""
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    pool, fund, weth = lk.pool, lk.fund, lk.weth
    calls = {
        "accrueInterest": (pool, pool.accrueInterest.encode_input()),
        "supply": (pool, pool.supply.encode_input(10**6, borrower)),
        "withdraw": (pool, pool.withdraw.encode_input(10**6, borrower)),
        "depositCollateral": (pool, pool.depositCollateral.encode_input(weth, 10**18, borrower)),
        "withdrawCollateral": (pool, pool.withdrawCollateral.encode_input(weth, 10**18, borrower)),
        "borrow": (pool, pool.borrow.encode_input(10**6, borrower)),
        "repay": (pool, pool.repay.encode_input(10**6, borrower)),
        "issueMarginCall": (pool, pool.issueMarginCall.encode_input(borrower)),
        "clearMarginCall": (pool, pool.clearMarginCall.encode_input(borrower)),
        "routeReserves": (pool, pool.routeReserves.encode_input()),
        "acquireLock": (pool, pool.acquireLock.encode_input()),
        "fund.deposit": (fund, fund.deposit.encode_input(10**6, supplier)),
        "fund.requestWithdraw": (fund, fund.requestWithdraw.encode_input(1)),
    }
    state = lock_state(lk, lk.caller, borrower, supplier)
    for name, (target, data) in calls.items():
        try:
            with reverts_views_unchanged(err("Reentrancy"), state):
                lk.caller.callWhileLocked(target, data, {"from": keeper})
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
        assert not pool.lockHeld()
    # with the lock free, the same kind of call goes through (a second later: interest to accrue)
    chain.sleep(1)
    tx = lk.caller.callUnlocked(pool, pool.accrueInterest.encode_input(), {"from": keeper})
    assert "InterestAccrued" in tx.events


def test_the_lock_is_reported_held_and_released(lockable, keeper):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    assert not lk.pool.lockHeld()
    tx = lk.caller.probeWhileLocked(lk.pool, lk.pool.accrueInterest.encode_input(), {"from": keeper})
    assert lk.caller.heldDuringCall()
    assert not lk.caller.innerCallSucceeded()
    assert lk.caller.innerReturnData().hex().removeprefix("0x") == REENTRANCY_SELECTOR
    assert "InterestAccrued" not in tx.events
    assert not lk.pool.lockHeld()


def test_a_lock_left_held_blocks_everyone_until_released(lockable, governor, keeper, supplier, borrower):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    pool = lk.pool
    lk.caller.acquire({"from": keeper})
    assert pool.lockHeld()
    state = lock_state(lk, borrower, supplier)
    refused = {
        "supply": lambda: pool.supply(10**6, supplier, {"from": supplier}),
        "repay": lambda: pool.repay(10**6, borrower, {"from": borrower}),
        "depositCollateral": lambda: pool.depositCollateral(lk.weth, 1, borrower, {"from": borrower}),
        "issueMarginCall": lambda: pool.issueMarginCall(borrower, {"from": keeper}),
        # the fund's entry points take the same lock
        "fund.deposit": lambda: lk.fund.deposit(10**6, supplier, {"from": supplier}),
        # governance that accrues interest first goes through the pool too
        "config.setRateModel": lambda: lk.config.setRateModel(lk.config.rateModel(), {"from": governor}),
        "acquire again": lambda: lk.caller.acquire({"from": keeper}),
    }
    for name, call in refused.items():
        try:
            with reverts_views_unchanged(err("Reentrancy"), state):
                call()
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc

    lk.caller.release({"from": keeper})
    assert not pool.lockHeld()
    pool.supply(10**6, supplier, {"from": supplier})
    lk.fund.deposit(10**6, supplier, {"from": supplier})
    with reverts_views_unchanged(err("LockNotHeld"), lock_state(lk, lk.caller)):
        lk.caller.release({"from": keeper})


def test_release_without_the_lock(lockable, keeper):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    with reverts_views_unchanged(err("LockNotHeld"), lock_state(lockable, lockable.caller)):
        lockable.caller.release({"from": keeper})


# ================================================================== hooks need the lock held
def test_protocol_hooks_need_the_protocol_and_the_lock(lockable, keeper, stranger, borrower):
    # Incident class: cross-contract reentrancy (re-entering a sibling contract that shares the books) and unguarded internal hooks.
    lk = lockable
    pool, fund = lk.pool, lk.fund
    state = lock_state(lk, borrower)
    prepare = pool.prepareKick.encode_input(borrower)

    with reverts_views_unchanged(err("NotProtocolContract", stranger), state):
        pool.prepareKick(borrower, {"from": stranger})
    with reverts_views_unchanged(err("LockNotHeld"), state):
        lk.caller.callUnlocked(pool, prepare, {"from": keeper})
    lk.caller.callWhileLocked(pool, prepare, {"from": keeper})  # the liquidator, holding the lock

    with reverts_views_unchanged(err("NotProtocol", stranger), state):
        fund.cover(1, {"from": stranger})
    with reverts_views_unchanged(err("NotProtocol", lk.caller), state):
        lk.caller.callUnlocked(fund, fund.cover.encode_input(1), {"from": keeper})
    lk.caller.callWhileLocked(fund, fund.cover.encode_input(0), {"from": keeper})
    assert not pool.lockHeld()
