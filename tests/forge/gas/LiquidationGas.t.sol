// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GasBase} from "./GasBase.sol";
import {FlashTaker} from "../../../contracts/keepers/FlashTaker.sol";
import {MockAMM} from "../../../contracts/mocks/MockAMM.sol";

/// @notice Gas of the liquidation operations (DESIGN.md 11 budget table): a full kick of a
/// one-collateral account and the takes, redo and settle of its auction, each its own
/// transaction on cold storage (tools/gas.py runs them isolated).
contract LiquidationGas is GasBase {
    uint256 internal constant STEPS = 10; // stair-steps waited before a take (×0.99 each)

    /// @dev The WETH-only account (HF 1.275) after WETH falls 27 %: HF 0.93 < fullLiquidationHF,
    /// kicked whole by the keeper. Returns the auction id.
    function _kickWethOnly(string memory measureAs) internal returns (uint256 id) {
        _openWethOnly();
        _nextHour();
        _movePrices(0.73e18);
        _nextBlock();
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        if (bytes(measureAs).length != 0) _measure(measureAs);
        id = ids[0];
    }

    function test_kick_full_oneCollateral() public {
        _kickWethOnly("kick (full, 1 collateral)");
    }

    /// @dev Buys the whole lot's worth: the tab is paid, the rest of the lot goes back.
    function test_take_full() public {
        _takeAfterSteps(_kickWethOnly(""), 1, "take (full)");
    }

    function test_take_partial() public {
        _takeAfterSteps(_kickWethOnly(""), 3, "take (partial)");
    }

    /// @dev `STEPS` stair-steps after the kick, the taker buys `1/divisor` of the lot at the price.
    function _takeAfterSteps(uint256 id, uint256 divisor, string memory measureAs) internal {
        vm.warp(block.timestamp + STEPS * STEP);
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.prank(taker);
        m.liquidator.take(id, lot / divisor, price, taker, "");
        _measure(measureAs);
    }

    function test_redo() public {
        uint256 id = _kickWethOnly("");
        vm.warp(block.timestamp + TAIL + 1);
        _refreshFeeds();
        vm.prank(keeper);
        m.liquidator.redo(id, keeper);
        _measure("redo");
    }

    /// @dev Four tails old, the collateral's feed stale: settled, the lot to the fund, the
    /// debt part unpaid booked as a loss through the waterfall.
    function test_settle() public {
        uint256 id = _kickWethOnly("");
        vm.warp(block.timestamp + 4 * TAIL + 1);
        vm.prank(keeper);
        m.liquidator.settle(id);
        _measure("settle (stale price)");
    }

    /// @dev FlashTaker sells the slice on a mock AMM priced above the auction and pays the owe.
    function test_flashTake() public {
        vm.startPrank(keeper);
        MockAMM amm = new MockAMM(m.weth, m.usdc);
        FlashTaker flash = new FlashTaker(m.liquidator, m.usdc);
        vm.stopPrank();
        _mintApprove(m.weth, keeper, address(amm), 10_000 * ETH);
        _mintApprove(m.usdc, keeper, address(amm), 24_000_000 * USDC);
        vm.prank(keeper);
        amm.addLiquidity(10_000 * ETH, 24_000_000 * USDC);

        uint256 id = _kickWethOnly("");
        vm.warp(block.timestamp + STEPS * STEP);
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.prank(keeper);
        flash.take(id, lot, price, amm, 0);
        _measure("FlashTaker.take (full, AMM swap)");
    }

    // ---------------------------------------------------------------- a market with history
    address internal prior = makeAddr("prior");

    /// @dev The same kick in a market that is not at its first liquidation: another account's
    /// auction is live (kicked, partly taken), so the market-level books (kick counter, total tab,
    /// auction list, the liquidator's, keeper's and taker's balances, the fund's income books)
    /// are not written from zero. Returns the borrower's auction id.
    function _kickWithAnotherAuctionLive(string memory measureAs) internal returns (uint256 id) {
        _mintApprove(m.weth, prior, address(m.pool), 1e30);
        _depositCollateral(prior, m.weth, 20 * ETH);
        _borrow(prior, 40_000 * USDC);
        _openWethOnly();
        _nextHour();
        _movePrices(0.73e18);
        vm.prank(keeper);
        uint256 first = m.liquidator.kick(prior, keeper)[0];
        vm.warp(block.timestamp + STEPS * STEP);
        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(first);
        vm.prank(taker);
        m.liquidator.take(first, lot / 3, price, taker, "");
        _nextBlock();
        vm.prank(keeper);
        id = m.liquidator.kick(borrower, keeper)[0];
        if (bytes(measureAs).length != 0) _measure(measureAs);
    }

    function test_kick_full_anotherAuctionLive() public {
        _kickWithAnotherAuctionLive("kick (full, 1 collateral, another auction live)");
    }

    function test_take_full_anotherAuctionLive() public {
        _takeAfterSteps(_kickWithAnotherAuctionLive(""), 1, "take (full, another auction live)");
    }

    function test_take_partial_anotherAuctionLive() public {
        _takeAfterSteps(_kickWithAnotherAuctionLive(""), 3, "take (partial, another auction live)");
    }
}
