// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";

import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The auction record is stored packed in 4 slots (DESIGN.md 11: at most 5) and `auctions(id)`
/// still returns every field with its meaning: what the kick announced, the asset's scale and
/// penalty, the index in `activeAuctions`, the timestamps; all zero once the auction ended, and
/// the moved auction's index kept right by swap-and-pop.
contract AuctionRecordTest is LiquidationBase {
    struct Announced {
        uint256 id;
        address asset;
        uint256 top;
        uint256 lot;
        uint256 tab;
        uint256 debtPart;
        uint256 est;
    }

    function test_recordReadsBackWhatTheKickAnnounced() public {
        _open(10 * ETH, BTC / 2, 30_000 * USDC); // two collaterals: two auctions
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        _scalePrices(0.55e18); // HF 1.65 → 0.91: all of it
        vm.recordLogs();
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        Announced[] memory kicks = _announced(vm.getRecordedLogs());
        assertEq(ids.length, 2, "one auction per asset");
        assertEq(kicks.length, 2, "one Kick per auction");

        uint256[] memory active = m.liquidator.activeAuctions();
        for (uint256 k; k < 2; ++k) {
            Announced memory e = kicks[k];
            AuctionRecord memory r = _auction(e.id);
            (,, uint64 pos,, uint64 lastIncentive,,,,,,,) = m.liquidator.auctions(e.id);
            bool weth = e.asset == address(m.weth);
            assertEq(r.account, borrower, "account");
            assertEq(r.asset, e.asset, "asset");
            assertEq(active[pos], e.id, "pos indexes activeAuctions");
            assertEq(r.tic, block.timestamp, "tic");
            assertEq(lastIncentive, block.timestamp, "lastIncentive: the kick counts as paid");
            assertEq(r.scale, weth ? ETH : BTC, "scale");
            assertEq(r.penalty, weth ? WETH_PENALTY : WBTC_PENALTY, "penalty");
            assertEq(r.lot, e.lot, "lot");
            assertEq(r.tab, e.tab, "tab");
            assertEq(r.debtPart, e.debtPart, "debt part");
            assertEq(r.top, e.top, "top");
            assertEq(r.est, e.est, "est");
        }

        // the first auction ends (whole tab bought): its record is zero, the other moves to pos 0
        uint256 first = active[0];
        uint256 second = active[1];
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(first);
        vm.prank(taker);
        m.liquidator.take(first, lot, price, taker, "");
        AuctionRecord memory gone = _auction(first);
        assertEq(gone.account, address(0), "ended: account");
        assertEq(gone.asset, address(0), "ended: asset");
        assertEq(gone.scale + gone.penalty + gone.lot + gone.tab + gone.debtPart + gone.top + gone.est, 0, "ended");
        (,, uint64 movedPos,,,,,,,,,) = m.liquidator.auctions(second);
        assertEq(movedPos, 0, "swap-and-pop moved the other auction");
        assertEq(m.liquidator.activeAuctions()[0], second, "activeAuctions");
    }

    /// @notice The record's collateral slot is what marks the returned lot held: a take that
    /// ends the auction of the account's second slot with collateral left returns it to that
    /// slot (`LendingPool.auctionEnded` takes the slot from the record, not from the config).
    function test_aReturnedLotIsHeldInTheRecordsSlot() public {
        _open(10 * ETH, BTC / 2, 30_000 * USDC);
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        _scalePrices(0.55e18); // all of both collaterals: two auctions
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertEq(m.pool.assetsIn(borrower), 0, "everything in auction");

        uint256 btcSlot = _slotOf(address(m.wbtc));
        assertGt(btcSlot, 0, "WBTC is not the first slot");
        uint256 id = _auction(ids[0]).asset == address(m.wbtc) ? ids[0] : ids[1];
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.prank(taker);
        m.liquidator.take(id, lot, price, taker, ""); // the whole tab: the rest of the lot returns
        uint256 returned = m.pool.collateralOf(borrower, address(m.wbtc));
        assertGt(returned, 0, "part of the lot came back");
        assertEq(m.pool.assetsIn(borrower), 1 << btcSlot, "held in the record's slot only");
    }

    function _slotOf(address asset) internal view returns (uint256 i) {
        address[8] memory slots = m.config.collateralSlots();
        while (slots[i] != asset) ++i;
    }

    /// @notice The live list reuses the position an ended auction freed (its old entry is left
    /// in storage, past the count): `activeAuctions` lists exactly the live ids, each record's
    /// `pos` indexes it, ids keep counting up, and the books' counters follow.
    function test_aFreedPositionIsReusedAndTheListStaysExact() public {
        _open(10 * ETH, BTC / 2, 30_000 * USDC);
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        _scalePrices(0.55e18);
        vm.prank(keeper);
        uint256[] memory first = m.liquidator.kick(borrower, keeper); // ids 1 and 2
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(first[0]);
        vm.prank(taker);
        m.liquidator.take(first[0], lot, price, taker, ""); // ends: id 2 moves to position 0
        assertEq(m.liquidator.activeCount(), 1, "one live");

        address second = makeAddr("second");
        _depositCollateral(second, m.weth, 10 * ETH);
        _borrow(second, 8_000 * USDC); // WETH at 1,650: HF 1.75
        m.wethFeed.setPrice(800e8); // HF 0.85
        m.oracle.poke(address(m.weth));
        vm.prank(keeper);
        uint256[] memory next = m.liquidator.kick(second, keeper);
        assertEq(next.length, 1, "one auction");
        assertEq(next[0], 3, "ids keep counting");
        assertEq(m.liquidator.kicks(), 3, "kicks");

        uint256[] memory active = m.liquidator.activeAuctions();
        assertEq(active.length, 2, "two live");
        assertEq(m.liquidator.activeCount(), 2, "count");
        assertEq(active[0], first[1], "the moved auction at 0");
        assertEq(active[1], next[0], "the new one at the freed position 1");
        for (uint256 k; k < 2; ++k) {
            (,, uint64 pos,,,,,,,,,) = m.liquidator.auctions(active[k]);
            assertEq(pos, k, "pos indexes activeAuctions");
        }
        assertEq(m.liquidator.totalTab(), _auction(first[1]).tab + _auction(next[0]).tab, "totalTab: live tabs");
        assertEq(m.liquidator.pendingLoss(), _auction(first[1]).est + _auction(next[0]).est, "pendingLoss: live ests");
    }

    /// @notice The record keeps its asset as the collateral slot, named by the slot's entry. Once
    /// an asset's auctions have ended it can be removed and another listed in its slot: the new
    /// asset's auctions name, count and sell the new asset; the old one counts none.
    function test_aSlotReusedByAnotherAssetNamesTheNewAsset() public {
        // WBTC's only holder is kicked whole and its lot sold out: no WBTC left anywhere
        _depositCollateral(borrower, m.wbtc, BTC);
        _borrow(borrower, 30_000 * USDC); // HF 1.6
        m.wbtcFeed.setPrice(18_000e8); // HF 0.48: all of it
        m.oracle.poke(address(m.wbtc));
        vm.prank(keeper);
        uint256 first = m.liquidator.kick(borrower, keeper)[0];
        assertEq(m.liquidator.liveAuctionsOfAsset(address(m.wbtc)), 1, "one WBTC auction");
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(first);
        vm.prank(taker);
        m.liquidator.take(first, lot, price, taker, "");
        assertEq(m.liquidator.liveAuctionsOfAsset(address(m.wbtc)), 0, "ended");

        // WBTC leaves slot 1 and a new asset takes it
        MockERC20 wbtc2 = new MockERC20("Second WBTC", "WBTC2", 8);
        MockAggregator feed = new MockAggregator(FEED_DECIMALS, "WBTC2 / USD", WBTC_ANSWER);
        vm.startPrank(governor);
        m.config.freezeCollateral(address(m.wbtc));
        m.config.removeCollateral(address(m.wbtc));
        m.oracle.setFeed(address(wbtc2), true, feed, COLLATERAL_HEARTBEAT, WBTC_MIN_PRICE, WBTC_MAX_PRICE);
        m.config.listCollateral(address(wbtc2), CollateralParams(WBTC_BF, WBTC_LF, WBTC_PENALTY, WBTC_CAP));
        vm.stopPrank();
        assertEq(m.config.collateralInfo(address(wbtc2)).slot, 1, "the freed slot");

        address second = makeAddr("second");
        _depositCollateral(second, wbtc2, BTC);
        _borrow(second, 30_000 * USDC);
        feed.setPrice(18_000e8);
        m.oracle.poke(address(wbtc2));
        vm.prank(keeper);
        uint256 id = m.liquidator.kick(second, keeper)[0];
        assertEq(_auction(id).asset, address(wbtc2), "the record names the new asset");
        assertEq(m.liquidator.liveAuctionsOfAsset(address(wbtc2)), 1, "counted for the new asset");
        assertEq(m.liquidator.liveAuctionsOfAsset(address(m.wbtc)), 0, "none for the removed one");

        (, price, lot,) = m.liquidator.getStatus(id);
        vm.prank(taker);
        m.liquidator.take(id, lot / 2, price, taker, "");
        assertEq(wbtc2.balanceOf(taker), lot / 2, "the take sells the new asset");
        assertEq(m.wbtc.balanceOf(taker), BTC, "and none of the old (bought in the first auction)");
    }

    /// @notice `hole` is kept in 128 bits beside the total tab: a larger cap is refused with the
    /// named error, the largest that fits is accepted and read back.
    function test_holeAbove128BitsIsRefused() public {
        vm.startPrank(governor);
        vm.expectRevert(abi.encodeWithSelector(IDutchAuctionLiquidator.BadParam.selector, bytes32("hole")));
        m.liquidator.setHole(uint256(type(uint128).max) + 1);
        m.liquidator.setHole(type(uint128).max);
        vm.stopPrank();
        assertEq(m.liquidator.hole(), type(uint128).max, "read back");
    }

    function _announced(Vm.Log[] memory logs) internal view returns (Announced[] memory out) {
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(m.liquidator) && logs[i].topics[0] == IDutchAuctionLiquidator.Kick.selector)
            {
                ++n;
            }
        }
        out = new Announced[](n);
        n = 0;
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(m.liquidator) || log.topics[0] != IDutchAuctionLiquidator.Kick.selector) {
                continue;
            }
            (uint256 top, uint256 lot, uint256 tab, uint256 debtPart, uint256 est) =
                abi.decode(log.data, (uint256, uint256, uint256, uint256, uint256));
            out[n++] = Announced(
                uint256(log.topics[1]), address(uint160(uint256(log.topics[3]))), top, lot, tab, debtPart, est
            );
        }
    }
}
