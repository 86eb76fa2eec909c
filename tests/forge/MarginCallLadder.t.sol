// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {AccountStatus} from "../../interfaces/ILendingPool.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The margin-call ladder at its exact boundaries (DESIGN.md 3) and the two-feed price
/// rule (DESIGN.md 6), on the demo market: a WETH position (10 WETH, 22,000 USDC of debt) that a
/// fall to 2,700 puts in MarginCall at HF 1.043, called at `t0`: deadline t0 + 6 h, lapse t0 + 12 h.
contract MarginCallLadderTest is LiquidationBase {
    uint256 internal constant DEBT = 22_000 * USDC;
    uint256 internal t0; // [unix seconds] the call's issue time

    function setUp() public override {
        super.setUp();
        _open(10 * ETH, 0, DEBT);
    }

    function _call() internal {
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        m.wethFeed.setPrice(2_700e8);
        m.oracle.poke(address(m.weth));
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.MarginCall), "in the band");
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        t0 = block.timestamp;
        assertEq(m.pool.marginCallDeadline(borrower), t0 + GRACE_PERIOD, "deadline = now + gracePeriod");
    }

    /// @dev Warps to t0 + `offset`, fresh feeds at the same prices.
    function _at(uint256 offset) internal {
        vm.warp(t0 + offset);
        _refreshFeeds();
    }

    function _status() internal view returns (AccountStatus) {
        return m.pool.accountStatus(borrower);
    }

    // ================================================================ deadline and lapse
    /// @notice At the deadline itself the borrower is still only called; one second later, HF
    /// still under the base level 1.10, Liquidatable; one second before the lapse still
    /// Liquidatable; from the lapse on the call is dead (deadline 0) and the account back in
    /// MarginCall, so a new call and a new grace period are needed.
    function test_deadlineAndLapseBoundaries() public {
        _call();
        _at(GRACE_PERIOD - 1);
        assertEq(uint8(_status()), uint8(AccountStatus.MarginCall), "deadline - 1: called");
        _at(GRACE_PERIOD);
        assertEq(uint8(_status()), uint8(AccountStatus.MarginCall), "at the deadline: still called");
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(IDutchAuctionLiquidator.NotLiquidatable.selector, uint8(AccountStatus.MarginCall))
        );
        m.liquidator.kick(borrower, keeper);
        _at(GRACE_PERIOD + 1);
        assertEq(uint8(_status()), uint8(AccountStatus.Liquidatable), "deadline + 1: Liquidatable");
        _at(2 * GRACE_PERIOD - 1);
        assertEq(uint8(_status()), uint8(AccountStatus.Liquidatable), "lapse - 1: still Liquidatable");
        assertEq(m.pool.marginCallDeadline(borrower), t0 + GRACE_PERIOD, "lapse - 1: call live");
        _at(2 * GRACE_PERIOD);
        assertEq(m.pool.marginCallDeadline(borrower), 0, "at the lapse: the call is dead");
        assertEq(uint8(_status()), uint8(AccountStatus.MarginCall), "at the lapse: back to MarginCall");
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower); // a new call, a new grace period
        assertEq(m.pool.marginCallDeadline(borrower), block.timestamp + GRACE_PERIOD, "new deadline");
    }

    /// @notice Anywhere in time after the call: Liquidatable exactly while deadline < now <
    /// lapse; the call reported live exactly while now < lapse.
    function testFuzz_statusThroughTheCall(uint256 offset) public {
        _call();
        offset = bound(offset, 0, 3 * GRACE_PERIOD);
        _at(offset);
        bool liquidatable = offset > GRACE_PERIOD && offset < 2 * GRACE_PERIOD;
        AccountStatus expected = liquidatable ? AccountStatus.Liquidatable : AccountStatus.MarginCall;
        assertEq(uint8(_status()), uint8(expected), "status");
        assertEq(m.pool.marginCallDeadline(borrower), offset < 2 * GRACE_PERIOD ? t0 + GRACE_PERIOD : 0, "deadline");
    }

    // ================================================================ two feeds
    function _secondary(int256 answer) internal returns (MockAggregator feed) {
        feed = new MockAggregator(FEED_DECIMALS, "WETH / USD secondary", answer);
        vm.prank(governor);
        m.oracle.setFeed(address(m.weth), false, feed, COLLATERAL_HEARTBEAT, WETH_MIN_PRICE, WETH_MAX_PRICE);
    }

    /// @notice Under water at the primary (2,500: HF 0.966) but not at a secondary that
    /// disagrees upwards (2,590–2,840: 1 ≤ HF < 1.10): the status, the call and the kick read the price
    /// better for the borrower, so the account is only in MarginCall and cannot be kicked.
    function testFuzz_statusAndKickReadTheBetterFeed(uint256 secondaryAnswer) public {
        secondaryAnswer = bound(secondaryAnswer, 2_590e8, 2_840e8);
        m.wethFeed.setPrice(2_500e8);
        _secondary(int256(secondaryAnswer));
        assertLt(
            Math.mulDiv(10 * 2_500e18 * 85 / 100, WAD, DEBT * 1e12), WAD, "at the primary alone it would be under water"
        );
        assertEq(uint8(_status()), uint8(AccountStatus.MarginCall), "status at the better price");
        assertGe(m.pool.healthFactor(borrower), WAD, "HF at the better price");
        vm.prank(keeper);
        vm.expectRevert(
            abi.encodeWithSelector(IDutchAuctionLiquidator.NotLiquidatable.selector, uint8(AccountStatus.MarginCall))
        );
        m.liquidator.kick(borrower, keeper);
    }

    /// @notice A secondary 3–30 % under the primary: a borrow up to the limit at the lower price
    /// goes through; one at 99.5 % of the limit the higher price would give is refused
    /// `InsufficientMargin` (borrowing reads the price worse for the borrower).
    function testFuzz_borrowReadsTheWorseFeed(uint256 discountBps) public {
        discountBps = bound(discountBps, 300, 3_000);
        address second = makeAddr("secondBorrower");
        _depositCollateral(second, m.weth, 10 * ETH);
        uint256 low = 3_000e8 * (10_000 - discountBps) / 10_000;
        _secondary(int256(low));
        // opening rule at σ_ref: 1.10 · value · 0.75 ≥ 1.10 · debt
        uint256 limitAtHigh = 10 * 3_000 * USDC * 3 / 4;
        uint256 limitAtLow = Math.mulDiv(10 * USDC * 3, low, 4e8);
        vm.prank(second);
        vm.expectPartialRevert(ILendingPool.InsufficientMargin.selector);
        m.pool.borrow(limitAtHigh * 995 / 1_000, second);
        _borrow(second, limitAtLow * 995 / 1_000);
        assertEq(uint8(m.pool.accountStatus(second)), uint8(AccountStatus.Healthy), "opened outside the band");
    }
}
