// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GasBase} from "./GasBase.sol";

/// @notice Gas of the pool's user operations (DESIGN.md 11 budget table), each measured as its
/// own transaction on cold storage (tools/gas.py runs them isolated).
contract PoolGas is GasBase {
    function test_supply() public {
        address lender = makeAddr("lender");
        _mintApprove(m.usdc, lender, address(m.pool), 50_000 * USDC);
        _nextBlock();
        vm.prank(lender);
        m.pool.supply(50_000 * USDC, lender);
        _measure("supply");
    }

    function test_withdraw() public {
        _nextBlock();
        vm.prank(supplier);
        m.pool.withdraw(50_000 * USDC, supplier);
        _measure("withdraw");
    }

    function test_depositCollateral_first() public {
        _nextBlock();
        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), 10 * ETH, borrower);
        _measure("depositCollateral (first of an asset)");
    }

    function test_depositCollateral_repeat() public {
        _openTwoCollaterals();
        _nextHour();
        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), ETH, borrower);
        _measure("depositCollateral (repeat)");
    }

    function test_borrow_twoCollaterals_first() public {
        vm.startPrank(borrower);
        m.pool.depositCollateral(address(m.weth), 10 * ETH, borrower);
        m.pool.depositCollateral(address(m.wbtc), BTC / 2, borrower);
        vm.stopPrank();
        _nextHour();
        vm.prank(borrower);
        m.pool.borrow(30_000 * USDC, borrower);
        _measure("borrow (2 collaterals, first)");
    }

    function test_borrow_twoCollaterals_more() public {
        _openTwoCollaterals();
        _nextHour();
        vm.prank(borrower);
        m.pool.borrow(1_000 * USDC, borrower);
        _measure("borrow (2 collaterals, more)");
    }

    function test_repay_full() public {
        _openTwoCollaterals();
        _nextHour();
        vm.prank(borrower);
        m.pool.repay(type(uint256).max, borrower);
        _measure("repay (full)");
    }

    function test_withdrawCollateral_withDebt() public {
        _openTwoCollaterals();
        _nextHour();
        vm.prank(borrower);
        m.pool.withdrawCollateral(address(m.weth), ETH, borrower);
        _measure("withdrawCollateral (with debt, 2 held)");
    }

    function test_issueMarginCall() public {
        _openTwoCollaterals();
        _nextHour();
        _movePrices(0.64e18); // HF 1.65 → 1.056: in the band
        _nextBlock();
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        _measure("issueMarginCall (2 held)");
    }

    function test_clearMarginCall() public {
        _openTwoCollaterals();
        _nextHour();
        _movePrices(0.64e18);
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        _nextHour();
        _movePrices(1e18); // back to HF 1.65: Healthy
        _nextBlock();
        vm.prank(keeper);
        m.pool.clearMarginCall(borrower);
        _measure("clearMarginCall (2 held)");
    }
}
