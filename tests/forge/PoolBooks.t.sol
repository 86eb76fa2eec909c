// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {SharesMath} from "../../contracts/libraries/SharesMath.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice The pool's global books packed in four words (`LendingPool.Books`): every 128-bit
/// book refuses a value that does not fit by name, never truncating it; a value that fits is
/// kept to the wei; and the shared lock's flag lives in word 0 beside the borrow index and the
/// accrual clock, which it never disturbs.
contract PoolBooksTest is DemoMarket {
    address internal supplier = makeAddr("supplier");
    address internal whale = makeAddr("whale");
    address internal borrower = makeAddr("borrower");

    function setUp() public {
        _deployDemoMarket(HOLE);
        _supply(supplier, 1_000_000 * USDC);
        _depositCollateral(borrower, m.weth, 10 * ETH);
        _borrow(borrower, 10_000 * USDC);
        vm.warp(block.timestamp + 1 days);
        _refreshFeeds();
    }

    function _word(uint256 slot) internal view returns (uint256) {
        return uint256(vm.load(address(m.pool), bytes32(slot)));
    }

    /// @notice Shares past 2^128 − 1 (supply mints 1e6 shares per base unit): `BookOverflow` with
    /// the sum that did not fit, and nothing booked.
    function test_aBookPast128BitsIsRefusedByName() public {
        uint256 amount = 2 ** 110; // ~1.3e39 shares
        _mintApprove(m.usdc, whale, address(m.pool), amount);
        m.pool.accrueInterest(); // the supply accrues nothing more: the shares below are exact
        uint256 totalShares = m.pool.totalSupplyShares();
        uint256 shares = SharesMath.toSharesDown(amount, m.pool.supplierAssets(), totalShares);
        assertGt(totalShares + shares, type(uint128).max, "the sum does not fit");
        uint256 cash = m.pool.cash();

        vm.expectRevert(abi.encodeWithSelector(ILendingPool.BookOverflow.selector, totalShares + shares));
        vm.prank(whale);
        m.pool.supply(amount, whale);
        assertEq(m.pool.cash(), cash, "nothing booked");
    }

    /// @notice Up to 2^128 − 1 every book keeps the exact value: the largest supply whose shares
    /// still fit, read back through the getters and the raw words.
    function test_aBookThatFitsIsKeptExactly() public {
        m.pool.accrueInterest();
        uint256 assets = m.pool.supplierAssets();
        uint256 totalShares = m.pool.totalSupplyShares();
        uint256 room = type(uint128).max - totalShares;
        // the largest amount whose shares fit (shares round down, so one more unit would not)
        uint256 amount = room * (assets + SharesMath.VIRTUAL_ASSETS) / (totalShares + SharesMath.VIRTUAL_SHARES);
        uint256 shares = SharesMath.toSharesDown(amount, assets, totalShares);
        uint256 cash = m.pool.cash();
        _supply(whale, amount);

        assertEq(m.pool.totalSupplyShares(), totalShares + shares, "shares");
        assertEq(m.pool.supplySharesOf(whale), shares, "whale's shares");
        assertEq(m.pool.supplierAssets(), assets + amount, "supplier assets");
        assertEq(m.pool.cash(), cash + amount, "cash");
        // word 1: supplier assets | reserves; word 2: cash | normalised debt; word 3: shares | in auction
        assertEq(_word(1), m.pool.supplierAssets() | (m.pool.reserves() << 128), "word 1");
        assertEq(_word(2), m.pool.cash() | (m.pool.totalNormalizedDebt() << 128), "word 2");
        assertEq(_word(3), m.pool.totalSupplyShares() | (uint256(m.pool.debtInAuction()) << 128), "word 3");
    }

    /// @notice The lock's flag is a bit of word 0 (borrow index | last accrual | lock): taking and
    /// releasing it moves that bit only, and an accrual under the lock keeps it set.
    function test_theLockLivesInTheAccrualWord() public {
        uint256 before = _word(0);
        assertEq(uint128(before), m.pool.borrowIndex(), "borrow index");
        assertEq(uint40(before >> 128), m.pool.lastAccrual(), "last accrual");
        assertEq(before >> 168, 0, "unlocked");

        vm.prank(address(m.liquidator));
        m.pool.acquireLock();
        assertTrue(m.pool.lockHeld(), "held");
        assertEq(_word(0), before | (1 << 168), "only the lock bit moved");

        // a hook accrues under the lock: the index and the clock move, the lock stays held
        vm.prank(address(m.liquidator));
        m.pool.prepareKick(borrower);
        uint256 accrued = _word(0);
        assertGt(m.pool.borrowIndex(), uint128(before), "interest accrued");
        assertEq(m.pool.lastAccrual(), block.timestamp, "clock");
        assertEq(accrued >> 168, 1, "still locked");
        assertTrue(m.pool.lockHeld(), "still held");

        vm.prank(address(m.liquidator));
        m.pool.releaseLock();
        assertFalse(m.pool.lockHeld(), "released");
        assertEq(_word(0), accrued & ~uint256(1 << 168), "only the lock bit moved back");
    }
}
