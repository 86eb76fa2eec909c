// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AccountStatus} from "../../interfaces/ILendingPool.sol";
import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice Rules of kick and take (DESIGN.md 4) at their boundaries, on the demo market: the
/// `Hole` room exactly filled, the keeper incentive for a worthless lot, take's `maxPrice`, and
/// a shortfall beside a live sibling auction.
contract KickAndTakeRulesTest is LiquidationBase {
    // ================================================================ Hole, exactly filled
    /// @dev A WETH position whose call was missed: HF 1.043 (2,700) after the deadline, so the
    /// kick is partial and leaves the account Healthy at T.
    function _missedCall() internal {
        _open(10 * ETH, 0, 22_000 * USDC);
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        m.wethFeed.setPrice(2_700e8);
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        vm.warp(block.timestamp + GRACE_PERIOD + 1);
        _refreshFeeds();
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Liquidatable), "missed call");
    }

    /// @dev The total tab the kick would open with room to spare (run and reverted).
    function _tabOfKick() internal returns (uint256 tab) {
        uint256 snapshot = vm.snapshotState();
        vm.prank(keeper);
        m.liquidator.kick(borrower, keeper);
        tab = m.liquidator.totalTab();
        vm.revertToStateAndDelete(snapshot);
    }

    /// @notice A kick whose tab exactly fills the room left under `hole` is not cut down: the
    /// same lot as with room to spare, and the call of the account it leaves Healthy is met.
    /// One base unit less room and it is cut down and keeps the call (DESIGN.md 4).
    function test_aKickExactlyFillingTheRoomIsNotCutDown() public {
        _missedCall();
        uint256 tab = _tabOfKick();
        uint256 snapshot = vm.snapshotState();

        vm.prank(governor);
        m.liquidator.setHole(tab);
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertEq(m.liquidator.totalTab(), tab, "the whole tab, not cut down");
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Healthy), "left Healthy");
        assertEq(m.pool.marginCallDeadline(borrower), 0, "the call is met");
        assertEq(_auction(ids[0]).tab, tab, "one WETH auction with the whole tab");

        vm.revertToStateAndDelete(snapshot);
        vm.prank(governor);
        m.liquidator.setHole(tab - 1);
        vm.prank(keeper);
        m.liquidator.kick(borrower, keeper);
        assertLt(m.liquidator.totalTab(), tab, "cut down to the room");
        assertEq(m.pool.marginCallDeadline(borrower), block.timestamp - 1, "a cut kick keeps the call");
    }

    // ================================================================ incentive
    /// @notice A second kick of an account whose remaining collateral is worth less than dust
    /// (it has a live auction, so it is kicked, not closed): its tab is at least dust, its lot is
    /// not, and no incentive is paid; the first kick (control) paid one.
    function test_noIncentiveForAWorthlessLot() public {
        _open(10 * ETH, 0, 22_000 * USDC);
        _depositInsurance(makeAddr("insurer"), 10_000 * USDC);
        m.wethFeed.setPrice(2_500e8); // HF 0.966: a partial kick
        uint256 before = m.usdc.balanceOf(keeper);
        vm.prank(keeper);
        m.liquidator.kick(borrower, keeper);
        assertGt(m.usdc.balanceOf(keeper), before, "control: the first kick paid an incentive");
        uint256 left = m.pool.collateralOf(borrower, address(m.weth));
        assertGt(left, 0, "partial kick");

        m.wethFeed.setPrice(50e8); // what is left is worth < dust
        assertLt(Math.mulDiv(left, 50, ETH), DUST / USDC, "remaining collateral under dust");
        before = m.usdc.balanceOf(keeper);
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertEq(ids.length, 1, "kicked, not closed (a live auction)");
        assertGe(_auction(ids[0]).tab, DUST, "tab at least dust");
        assertEq(m.usdc.balanceOf(keeper), before, "no incentive for a worthless lot");
    }

    // ================================================================ take's maxPrice
    function _kickedWeth() internal returns (uint256 id) {
        _open(10 * ETH, 0, 22_000 * USDC);
        m.wethFeed.setPrice(2_500e8);
        vm.prank(keeper);
        id = m.liquidator.kick(borrower, keeper)[0];
    }

    /// @notice At any age before a redo is needed, a take offering less than the current price
    /// is refused `TooExpensive(price, maxPrice)`; at the price it buys, and pays less than one
    /// token unit more than its slice at that price (a slice cut by the dust rule is rounded
    /// down from its owe).
    function testFuzz_takeRespectsMaxPrice(uint256 age, uint256 under, uint256 slice) public {
        uint256 id = _kickedWeth();
        vm.warp(block.timestamp + bound(age, 0, CUSP_AGE - 1));
        (bool needsRedo, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.assume(!needsRedo);
        uint256 maxPrice = price - bound(under, 1, price);
        vm.prank(taker);
        vm.expectRevert(abi.encodeWithSelector(IDutchAuctionLiquidator.TooExpensive.selector, price, maxPrice));
        m.liquidator.take(id, lot, maxPrice, taker, "");

        slice = bound(slice, 1, lot);
        uint256 before = m.usdc.balanceOf(taker);
        uint256 held = m.weth.balanceOf(taker);
        vm.prank(taker);
        m.liquidator.take(id, slice, price, taker, "");
        uint256 bought = m.weth.balanceOf(taker) - held;
        uint256 paid = before - m.usdc.balanceOf(taker);
        uint256 atMaxPrice = Math.mulDiv(bought + 1, price, ETH, Math.Rounding.Ceil); // [wad]
        assertLe(paid, Math.mulDiv(atMaxPrice, USDC, WAD, Math.Rounding.Ceil), "paid above maxPrice");
    }

    // ================================================================ shortfall beside a sibling
    /// @notice A full kick of a WETH + WBTC account opens two auctions and leaves no collateral.
    /// When the WETH lot sells out short of its tab while the WBTC auction lives, the unpaid debt
    /// part is charged back to the account (DESIGN.md 4): no loss is booked until the last
    /// auction ends.
    function test_aShortfallBesideALiveSiblingIsChargedBack() public {
        _open(10 * ETH, 1 * BTC, 60_000 * USDC);
        _scalePrices(0.5e18); // HF ≈ 0.55: everything goes
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertEq(ids.length, 2, "two auctions");
        assertEq(m.pool.assetsIn(borrower), 0, "no collateral left");
        AuctionRecord memory weth = _auction(ids[0]);
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(ids[0]);
        assertLt(Math.mulDiv(lot, price, ETH * 1e12), weth.tab, "the whole lot cannot pay the tab");

        uint256 losses = m.pool.realizedLosses();
        vm.prank(taker);
        m.liquidator.take(ids[0], lot, price, taker, "");
        assertEq(m.pool.liveAuctions(borrower), 1, "the WBTC auction lives");
        assertEq(m.pool.realizedLosses(), losses, "no loss booked beside a live sibling");
        assertGt(m.pool.debtOf(borrower), 0, "the unpaid debt part is charged back");
    }
}
