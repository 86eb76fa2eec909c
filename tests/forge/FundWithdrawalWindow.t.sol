// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DemoMarket} from "./DemoMarket.sol";

/// @notice The insurance fund's exit schedule (DESIGN.md 5): `requestWithdraw`, then a cooldown
/// (demo 7 days), then a window (demo 2 days), both ends included, during which the requested
/// shares can be redeemed; before and after it nothing can (`maxRedeem` 0, `redeem` refused).
contract FundWithdrawalWindowTest is DemoMarket {
    address internal insurer = makeAddr("insurer");
    uint256 internal requested; // [fund shares]
    uint256 internal opens; // [unix seconds] first second of the window

    function setUp() public {
        _deployDemoMarket(HOLE);
        _depositInsurance(insurer, 10_000 * USDC);
        requested = m.fund.balanceOf(insurer) / 2;
        vm.prank(insurer);
        m.fund.requestWithdraw(requested);
        opens = block.timestamp + COOLDOWN;
    }

    function _redeemable(uint256 at) internal returns (uint256) {
        vm.warp(at);
        return m.fund.maxRedeem(insurer);
    }

    /// @notice One second before the window nothing; at its first and last second everything
    /// requested; one second after it nothing again.
    function test_windowBoundaries() public {
        assertEq(_redeemable(opens - 1), 0, "cooldown not over");
        assertEq(_redeemable(opens), requested, "first second of the window");
        assertEq(_redeemable(opens + WINDOW), requested, "last second of the window");
        assertEq(_redeemable(opens + WINDOW + 1), 0, "window closed");
        vm.prank(insurer);
        vm.expectRevert();
        m.fund.redeem(requested, insurer, insurer);
    }

    /// @notice At any time after the request: the requested shares can be redeemed exactly
    /// inside [opens, opens + window], and a redemption there pays; outside it is refused.
    function testFuzz_redeemOnlyInsideTheWindow(uint256 offset) public {
        offset = bound(offset, 0, COOLDOWN + WINDOW + 1 days);
        uint256 at = opens - COOLDOWN + offset;
        bool inside = at >= opens && at <= opens + WINDOW;
        assertEq(_redeemable(at), inside ? requested : 0, "maxRedeem");
        uint256 before = m.usdc.balanceOf(insurer);
        vm.prank(insurer);
        if (!inside) vm.expectRevert();
        m.fund.redeem(requested, insurer, insurer);
        if (inside) assertGt(m.usdc.balanceOf(insurer), before, "paid inside the window");
    }
}
