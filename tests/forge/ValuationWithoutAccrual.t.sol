// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";

import {AccountStatus} from "../../interfaces/ILendingPool.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The paths that move neither cash nor debt (depositCollateral, withdrawCollateral,
/// issueMarginCall, clearMarginCall) write no accrual: they value the debt at the index accrued
/// in memory, which is exactly the one an accrual would have written first. Each test runs the
/// path twice from the same state, once after an explicit `accrueInterest`, and finds the same
/// outcome to the wei, with the clock and the index left where they were.
contract ValuationWithoutAccrualTest is LiquidationBase {
    uint256 internal constant DEBT = 20_000e6;

    function setUp() public override {
        super.setUp();
        _open(10e18, 0, DEBT); // HF 30,000 · LF / 20,000
    }

    /// @dev Months pass (interest pending, not written) and the feeds report again.
    function _months(uint256 n) internal {
        vm.warp(block.timestamp + n * 30 days);
        _refreshFeeds();
    }

    function _assertNoAccrual(uint256 clock, uint256 index) internal view {
        assertEq(m.pool.lastAccrual(), clock, "no accrual written");
        assertEq(m.pool.borrowIndex(), index, "index unchanged");
    }

    function _issuedHF(Vm.Log[] memory logs) internal pure returns (uint256 hf) {
        bytes32 topic = keccak256("MarginCallIssued(address,uint256,uint256)");
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == topic) (hf,) = abi.decode(logs[i].data, (uint256, uint256));
        }
    }

    function test_issueMarginCall_valuesTheDebtAsAnAccrualWould() public {
        _scalePrices(0.85e18); // HF 1.084: in the band
        uint256 hfBefore = m.pool.healthFactor(borrower);
        _months(6);
        uint256 clock = m.pool.lastAccrual();
        uint256 index = m.pool.borrowIndex();

        uint256 state = vm.snapshotState();
        m.pool.accrueInterest();
        uint256 accruedIndex = m.pool.borrowIndex();
        vm.recordLogs();
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        uint256 hfAccrued = _issuedHF(vm.getRecordedLogs());
        uint256 deadlineAccrued = m.pool.marginCallDeadline(borrower);
        vm.revertToState(state);

        assertGt(accruedIndex, index, "interest was pending");
        assertLt(hfAccrued, hfBefore, "the pending interest lowers the HF");
        assertEq(m.pool.debtOf(borrower), m.pool.normalizedDebtOf(borrower) * accruedIndex / 1e27 + 1, "view");
        vm.recordLogs();
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        assertEq(_issuedHF(vm.getRecordedLogs()), hfAccrued, "the same HF to the wei");
        assertEq(m.pool.marginCallDeadline(borrower), deadlineAccrued, "the same deadline");
        _assertNoAccrual(clock, index);
    }

    function test_clearAndDeposit_decideAsAfterAnAccrual() public {
        _scalePrices(0.85e18);
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        _months(3);
        uint256 clock = m.pool.lastAccrual();
        uint256 index = m.pool.borrowIndex();

        // a top-up that makes the account Healthy clears its call, with or without an accrual first
        _mintApprove(m.weth, borrower, address(m.pool), 5e18);
        uint256 state = vm.snapshotState();
        m.pool.accrueInterest();
        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), 5e18, borrower);
        assertEq(m.pool.marginCallDeadline(borrower), 0, "cleared after an accrual");
        vm.revertToState(state);

        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), 5e18, borrower);
        assertEq(m.pool.marginCallDeadline(borrower), 0, "cleared at the index in memory");
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Healthy), "Healthy");
        _assertNoAccrual(clock, index);

        // clearMarginCall: refused while the status at the accrued index is not Healthy
        _scalePrices(0.567e18); // 15 WETH back in the band
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        _scalePrices(0.85e18);
        vm.prank(keeper);
        m.pool.clearMarginCall(borrower);
        assertEq(m.pool.marginCallDeadline(borrower), 0, "cleared");
        _assertNoAccrual(clock, index);
    }

    function test_withdrawCollateral_checksAtTheAccruedIndex() public {
        _months(12);
        uint256 clock = m.pool.lastAccrual();
        uint256 index = m.pool.borrowIndex();
        uint256 state = vm.snapshotState();
        m.pool.accrueInterest();
        uint256 debtAccrued = m.pool.debtOf(borrower);
        vm.revertToState(state);
        assertEq(m.pool.debtOf(borrower), debtAccrued, "the view agrees with an accrual");

        vm.prank(borrower);
        m.pool.withdrawCollateral(address(m.weth), 1e18, borrower);
        _assertNoAccrual(clock, index);
        assertEq(m.pool.debtOf(borrower), debtAccrued, "debt unchanged by the withdrawal");
    }
}
