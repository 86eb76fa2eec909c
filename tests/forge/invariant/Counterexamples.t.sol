// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketSetup} from "./Setup.sol";
import {Books} from "./Books.sol";

/// @title InvariantCounterexamplesTest
/// @notice Counterexamples the invariant campaign found, replayed as plain scenarios on the demo
/// market so that CI runs them every time, whatever the fuzzer's seed.
contract InvariantCounterexamplesTest is MarketSetup {
    address internal borrower;
    address internal keeper;

    function setUp() public {
        _deployMarket();
        borrower = actors.borrowers[1];
        keeper = actors.keeper;
        _depositInsurance(actors.insurers[0], 10_000 * USDC);
        _supply(actors.lenders[0], 200_000 * USDC);
        _depositCollateral(borrower, m.wbtc, 2 * BTC);
        _borrow(borrower, 79_800 * USDC); // 95 % of the opening limit
        _mintApprove(m.usdc, keeper, address(m.liquidator), 0);
    }

    /// @notice invariant_liquidationsProceed, found on 3762407 (6 calls, shrunk): a take whose
    /// slice ends an auction short realises the loss in the same call (DESIGN.md 4, 5). The
    /// penalty share of that take is booked as fund income before its tokens are pulled from the
    /// taker (owe is pulled last); when the loss reaches past the fund's token balance, `cover`
    /// tries to send the pool the not-yet-received penalty too and the take reverts
    /// (ERC20InsufficientBalance from the fund): the lot cannot be sold at any price.
    /// Numbers: WBTC −40 % (HF 0.72, full kick: lot 2 WBTC, tab 85,386, debt part 79,800), the
    /// keeper buys the whole lot at ~35,800 (owe ~71,600, penalty ~4,690): loss ~12,860 against
    /// ~9,900 fund tokens and ~14,590 booked.
    function test_takeRealisingLossBeyondFundTokensSucceeds() public {
        vm.warp(block.timestamp + 10 minutes);
        _refreshAllFeeds();
        m.wbtcFeed.setPrice(36_000e8);
        secondaries.wbtc.setPrice(36_000e8);
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertEq(ids.length, 1, "one WBTC auction");
        assertEq(m.pool.collateralOf(borrower, address(m.wbtc)), 0, "full kick: all collateral seized");

        // the keeper waits until the auction asks at most the oracle price, then buys the lot
        uint256 oracleValue = 36_000e18; // [wad] base per WBTC
        (, uint256 price, uint256 lot, uint256 tab) = m.liquidator.getStatus(ids[0]);
        while (price > oracleValue) {
            vm.warp(block.timestamp + STEP);
            (, price,,) = m.liquidator.getStatus(ids[0]);
        }
        m.usdc.mint(keeper, tab);
        vm.prank(keeper);
        m.liquidator.take(ids[0], lot, price, keeper, "");

        // the shortfall was realised once, through the waterfall, and every book matches its tokens
        assertGt(m.pool.realizedLosses(), 0, "a loss was realised");
        assertEq(
            m.pool.realizedLosses(),
            m.pool.coveredByReserves() + m.pool.coveredByFund() + m.pool.socializedLosses(),
            "waterfall"
        );
        assertEq(m.pool.debtOf(borrower), 0, "bad debt written off");
        assertEq(m.usdc.balanceOf(address(m.fund)), m.fund.assetsBook(), "fund tokens == assetsBook");
        assertEq(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "pool tokens == cash");
        assertEq(m.liquidator.activeAuctions().length, 0, "auction ended");
    }

    /// @notice Audit finding 1 (issue 13), regression test: red on f75276f (before the fix of
    /// `DutchAuctionLiquidator._fitDebtParts`: Σ debt parts = debt + 1), green with the fix.
    /// Found by invariant_debtPartsFitDebtInAuction (unseeded, 300 runs × 48 calls: at run 222;
    /// the CI seed's 64 × 32 does not reach it), shrunk to three calls: `flashTake` (borrowerA's
    /// auction sells out, freeing `Hole` room), `movePrice` (WBTC falls), `dustThenKick` (dust of
    /// each collateral the victim lacks, then a full kick). Replayed here: a donor deposits one
    /// wei of WETH (slot 0) and one unit of WXRP (slot 2, half a base unit) on behalf of a
    /// WBTC-only borrower, who is then fully kicked. The debt splits by value over
    /// three assets, each part rounded up: WETH's ⌈tiny⌉ = 1, WXRP's ⌈0.55⌉ = 1 and WBTC's
    /// ⌈debt − 0.55 − tiny⌉ = debt, so Σ = debt + 2; the fitting takes the overshoot off the last
    /// slot only (WXRP's 1 wei, clamped), leaving Σ debt parts = debt + 1 against the pool's
    /// `debt` in auction. Whatever ends the last of the three auctions then underflows the pool's
    /// books for ever: the lot is locked, its est stays in pendingLoss, its tab holds Hole room.
    /// Asserted: the parts fit exactly, and every auction can be bought out to the end, leaving
    /// no debt in auction, nothing pending and every book equal to its tokens.
    function testFinding1_dustOfTwoMoreCollateralsBeforeAFullKickLeavesNoAuctionStuck() public {
        address donor = actors.donor;
        _mintApprove(m.weth, donor, address(m.pool), 1);
        _mintApprove(m.wxrp, donor, address(m.pool), 1);
        vm.startPrank(donor);
        m.pool.depositCollateral(address(m.weth), 1, borrower); // 1 wei of WETH
        m.pool.depositCollateral(address(m.wxrp), 1, borrower); // 1e-6 WXRP, $0.0000005
        vm.stopPrank();

        vm.warp(block.timestamp + 10 minutes);
        _refreshAllFeeds();
        m.wbtcFeed.setPrice(36_000e8); // HF 0.72: a full kick
        secondaries.wbtc.setPrice(36_000e8);
        uint256 debt = m.pool.debtOf(borrower);
        vm.prank(keeper);
        uint256[] memory ids = m.liquidator.kick(borrower, keeper);
        assertGt(ids.length, 1, "auctions opened");
        assertEq(m.pool.assetsIn(borrower), 0, "full kick: all collateral seized");
        assertEq(m.pool.debtOf(borrower), 0, "full kick: all debt moved");
        assertEq(m.pool.debtInAuctionOf(borrower), debt, "the pool books the whole debt in auction");
        assertEq(
            Books.sums(m.liquidator, address(0), borrower).debtPartOfAccount,
            m.pool.debtInAuctionOf(borrower),
            "sum of debt parts != debt in auction (audit finding 1)"
        );

        // every auction can be bought out to its end at its start price
        m.usdc.mint(keeper, 200_000 * USDC);
        for (uint256 i; i < ids.length; ++i) {
            (, uint256 price, uint256 lot,) = m.liquidator.getStatus(ids[i]);
            vm.prank(keeper);
            m.liquidator.take(ids[i], lot, price, keeper, "");
        }
        assertEq(m.liquidator.activeAuctions().length, 0, "every auction ended");
        assertEq(m.pool.debtInAuctionOf(borrower), 0, "no debt left in auction");
        assertEq(m.pool.debtInAuction(), 0, "no debt in auction at all");
        assertEq(m.liquidator.pendingLoss(), 0, "nothing pending");
        assertEq(m.liquidator.totalTab(), 0, "no Hole room held");
        assertEq(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "pool tokens == cash");
        assertEq(m.usdc.balanceOf(address(m.fund)), m.fund.assetsBook(), "fund tokens == assetsBook");
    }
}
