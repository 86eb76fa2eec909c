// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FixedSpreadLiquidator} from "../../contracts/lab/FixedSpreadLiquidator.sol";
import {IFixedSpreadLiquidator} from "../../interfaces/lab/IFixedSpreadLiquidator.sol";
import {InsuranceFund} from "../../contracts/InsuranceFund.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {HookToken} from "../../contracts/mocks/HookToken.sol";
import {ILendingPool, AccountStatus} from "../../interfaces/ILendingPool.sol";
import {ISharedLock} from "../../interfaces/ISharedLock.sol";
import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice The lab's fixed-spread baseline (contracts/lab/FixedSpreadLiquidator.sol) on the demo
/// market of DemoMarket.sol, deployed with it instead of the Dutch liquidator, plus a third,
/// 6-decimal collateral (USDT, as margincall/params/three-collaterals.yaml): collateral of 18, 8
/// and 6 decimals. Role-named actors; every test ends with the pool identity of DESIGN.md 5.
contract FixedSpreadLiquidatorTest is DemoMarket {
    // USDT as in three-collaterals.yaml
    uint256 internal constant USDT = 1e6; // one whole USDT [token units]
    uint256 internal constant USDT_BF = 0.8e18;
    uint256 internal constant USDT_LF = 0.9e18;
    uint256 internal constant USDT_PENALTY = 0.03e18;
    uint256 internal constant USDT_CAP = 50_000_000 * USDT;
    /// [wei] how far the pool identity may sit above 0 (rounding of moved normalised debt)
    uint256 internal constant BOOK_SLACK = 100;

    FixedSpreadLiquidator internal fsl;
    MockERC20 internal usdt;
    MockAggregator internal usdtFeed;

    address internal supplier = makeAddr("supplier");
    address internal borrower = makeAddr("borrower");
    address internal liquidator = makeAddr("liquidator");
    address internal receiver = makeAddr("receiver");
    address internal insurer = makeAddr("insurer");

    function setUp() public {
        _deployDemoMarketWithFixedSpread();
        fsl = m.fixedSpread;
        vm.startPrank(governor);
        usdt = new MockERC20("Demo Tether USD", "USDT", 6);
        usdtFeed = new MockAggregator(FEED_DECIMALS, "USDT / USD", 1e8);
        m.oracle.setFeed(address(usdt), true, usdtFeed, USDC_HEARTBEAT, USDC_MIN_PRICE, USDC_MAX_PRICE);
        m.config.listCollateral(address(usdt), CollateralParams(USDT_BF, USDT_LF, USDT_PENALTY, USDT_CAP));
        vm.stopPrank();

        _supply(supplier, 10_000_000 * USDC);
        _mintApprove(m.usdc, liquidator, address(fsl), 1e30);
    }

    // ================================================================ helpers
    function _open(uint256 wethAmount, uint256 wbtcAmount, uint256 usdtAmount, uint256 debt) internal {
        _depositCollateral(borrower, m.weth, wethAmount);
        _depositCollateral(borrower, m.wbtc, wbtcAmount);
        _depositCollateral(borrower, usdt, usdtAmount);
        _borrow(borrower, debt);
    }

    /// @dev A new round at `usd` [8-decimal answer] on `feed`.
    function _price(MockAggregator feed, int256 answer) internal {
        feed.setPrice(answer);
    }

    function _liquidate(address asset, uint256 debtToCover) internal returns (uint256 covered, uint256 seized) {
        vm.prank(liquidator);
        (covered, seized) = fsl.liquidationCall(borrower, asset, debtToCover, receiver);
    }

    /// @dev An independent reference of the seized amount: debt × base price × (1 + p) / price,
    /// rounded down once. The contract rounds down at each step: at most one token unit less.
    function _reference(uint256 debt, uint256 price, uint256 penalty, uint256 scale) internal pure returns (uint256) {
        return Math.mulDiv(Math.mulDiv(debt, 1e18 * (WAD + penalty), USDC * WAD), scale, price);
    }

    /// @dev DESIGN.md 5: 0 ≤ cash + accountDebt + debtInAuction − (supplierAssets + reserves) ≤ n
    /// wei, nothing in auction, the pool's tokens cover its books, and the baseline holds nothing.
    function _assertBooks() internal view {
        uint256 assets = m.pool.cash() + m.pool.totalAccountDebt() + m.pool.debtInAuction();
        uint256 claims = m.pool.supplierAssets() + m.pool.reserves();
        assertGe(assets, claims, "pool identity below 0");
        assertLe(assets - claims, BOOK_SLACK, "pool identity above n wei");
        assertEq(m.pool.debtInAuction(), 0, "debt left in auction");
        assertGe(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "cash not backed");
        assertEq(m.usdc.balanceOf(address(fsl)), 0, "baseline holds base");
        assertEq(m.weth.balanceOf(address(fsl)), 0, "baseline holds WETH");
        assertEq(m.wbtc.balanceOf(address(fsl)), 0, "baseline holds WBTC");
        assertEq(usdt.balanceOf(address(fsl)), 0, "baseline holds USDT");
        assertEq(
            m.pool.realizedLosses(), m.pool.coveredByReserves() + m.pool.coveredByFund() + m.pool.socializedLosses()
        );
        assertEq(fsl.pendingLoss(), 0);
    }

    // ================================================================ close factor
    /// HF 0.9775 (≥ fullLiquidationHF): half the debt, bought at the oracle price less 5 %.
    function test_HalfCloseFactor_HappyPath() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_300e8);
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Liquidatable));
        assertEq(fsl.maxDebtToCover(borrower), 10_000 * USDC);
        uint256 expected = _reference(10_000 * USDC, 2_300e18, WETH_PENALTY, ETH);
        (uint256 previewCovered, uint256 previewSeized) =
            fsl.previewLiquidationCall(borrower, address(m.weth), type(uint256).max);
        uint256 cashBefore = m.pool.cash();
        uint256 fundBefore = m.fund.totalAssets();

        vm.expectEmit(true, true, true, true, address(fsl));
        emit IFixedSpreadLiquidator.LiquidationCall(
            borrower, address(m.weth), 10_000 * USDC, previewSeized, liquidator, receiver
        );
        (uint256 covered, uint256 seized) = _liquidate(address(m.weth), type(uint256).max);

        assertEq(covered, 10_000 * USDC);
        assertEq(seized, previewSeized);
        assertEq(covered, previewCovered);
        assertApproxEqAbs(seized, expected, 1);
        assertLe(seized, expected);
        assertEq(m.weth.balanceOf(receiver), seized);
        assertEq(m.usdc.balanceOf(liquidator), 1e30 - covered);
        assertEq(m.pool.debtOf(borrower), 10_000 * USDC);
        assertEq(m.pool.collateralOf(borrower, address(m.weth)), 10 * ETH - seized);
        assertEq(m.pool.cash(), cashBefore + covered);
        assertEq(m.fund.totalAssets(), fundBefore, "the bonus goes to the liquidator, not the fund");
        assertEq(m.pool.liveAuctions(borrower), 0);
        // the seized collateral is worth the debt covered plus the 5 % bonus, at the oracle price
        assertApproxEqRel(seized * 2_300, 10_500 * USDC * 1e12, 1e6);
        _assertBooks();
    }

    /// HF 0.935 (< fullLiquidationHF 0.95): the whole debt; what the bonus does not take stays.
    function test_FullCloseFactor_BelowFullLiquidationHF() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_200e8);
        assertEq(fsl.maxDebtToCover(borrower), 20_000 * USDC);
        (uint256 covered, uint256 seized) = _liquidate(address(m.weth), type(uint256).max);
        assertEq(covered, 20_000 * USDC);
        assertApproxEqAbs(seized, _reference(20_000 * USDC, 2_200e18, WETH_PENALTY, ETH), 1);
        assertEq(m.pool.debtOf(borrower), 0);
        assertEq(m.pool.collateralOf(borrower, address(m.weth)), 10 * ETH - seized);
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Healthy));
        assertEq(m.pool.realizedLosses(), 0);
        _assertBooks();
    }

    /// HF exactly 0.95 is not below fullLiquidationHF: half; one price tick lower: all.
    function test_CloseFactorBoundary_AtFullLiquidationHF() public {
        _open(10 * ETH, 0, 0, 17_000 * USDC);
        _price(m.wethFeed, 1_900e8); // liqValue 16,150 / debt 17,000 = 0.95 exactly
        assertEq(m.pool.healthFactor(borrower), FULL_LIQUIDATION_HF);
        assertEq(fsl.maxDebtToCover(borrower), 8_500 * USDC);
        _price(m.wethFeed, 1_900e8 - 1);
        assertLt(m.pool.healthFactor(borrower), FULL_LIQUIDATION_HF);
        assertEq(fsl.maxDebtToCover(borrower), 17_000 * USDC);
    }

    /// A position under 2 · dust goes whole (Aave v3.3's rule): half would leave debt under dust.
    function test_SmallPosition_FullCloseFactor() public {
        _open(ETH, 0, 0, 1_500 * USDC);
        _price(m.wethFeed, 1_700e8); // HF 0.9633
        assertGe(m.pool.healthFactor(borrower), FULL_LIQUIDATION_HF);
        assertEq(fsl.maxDebtToCover(borrower), 1_500 * USDC);
        (uint256 covered,) = _liquidate(address(m.weth), type(uint256).max);
        assertEq(covered, 1_500 * USDC);
        assertEq(m.pool.debtOf(borrower), 0);
        _assertBooks();
    }

    function test_ClampsDebtToCover() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _priceAsNewPhase(m.wethFeed, 2_300e8); // HF 0.9775, σ at σ_ref: the call level stays 1.10
        // under the close factor: taken as asked
        (uint256 covered,) = _liquidate(address(m.weth), 4_000 * USDC);
        assertEq(covered, 4_000 * USDC);
        assertEq(m.pool.debtOf(borrower), 16_000 * USDC);
        _assertBooks();
        // still Liquidatable (HF 0.9988): over the close factor, clamped to half of 16,000
        assertEq(fsl.maxDebtToCover(borrower), 8_000 * USDC);
        (covered,) = _liquidate(address(m.weth), 15_000 * USDC);
        assertEq(covered, 8_000 * USDC, "clamped to the close factor");
        assertEq(m.pool.debtOf(borrower), 8_000 * USDC);
        _assertBooks();
        // a bonus under 1/liquidationFactor − 1 lifts HF with every call: now 1.105, Healthy
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotLiquidatable.selector, 0));
        _liquidate(address(m.weth), 1_000 * USDC);
    }

    /// A missed call (HF ≥ 1, past its deadline, under the base marginCallHF) is Liquidatable by
    /// the pool's status rule: half the debt at most.
    function test_MissedMarginCall_IsLiquidatable() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_500e8); // HF 1.0625: MarginCall
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotLiquidatable.selector, 1));
        _liquidate(address(m.weth), 1_000 * USDC);
        m.pool.issueMarginCall(borrower);
        vm.warp(block.timestamp + GRACE_PERIOD + 1);
        _refreshFeeds();
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Liquidatable));
        uint256 debt = m.pool.debtOf(borrower);
        (uint256 covered,) = _liquidate(address(m.weth), type(uint256).max);
        assertEq(covered, Math.mulDiv(debt, 1, 2, Math.Rounding.Ceil));
        _assertBooks();
    }

    // ================================================================ running out of the asset
    /// The account holds less WETH than the call would buy: all of it goes, the debt covered is
    /// what it buys; the WBTC left still backs the rest of the debt (no loss booked).
    function test_HoldsLessThanNeeded_TakesAllOfTheAsset() public {
        _open(ETH, BTC / 2, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_400e8);
        _price(m.wbtcFeed, 36_000e8); // HF 0.822: full close factor
        (uint256 covered, uint256 seized) = _liquidate(address(m.weth), type(uint256).max);
        assertEq(seized, ETH);
        // 2,400 / 1.05 = 2,285.714285…, rounded up
        assertEq(covered, 2_285_714_286);
        assertEq(m.pool.collateralOf(borrower, address(m.weth)), 0);
        assertEq(m.pool.debtOf(borrower), 20_000 * USDC - covered);
        assertEq(m.pool.realizedLosses(), 0);
        assertEq(m.pool.assetsIn(borrower) & (1 << 0), 0, "WETH slot cleared");
        _assertBooks();
    }

    /// No collateral left, debt left: the pool books it as bad debt, reserves → fund → suppliers.
    function test_BadDebt_ThroughTheWaterfall() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _depositInsurance(insurer, 500 * USDC);
        vm.warp(block.timestamp + 30 days); // interest: some reserves
        _refreshFeeds();
        m.pool.accrueInterest();
        uint256 reserves = m.pool.reserves();
        uint256 fundAssets = m.fund.totalAssets();
        assertGt(reserves, 0);
        uint256 debt = m.pool.debtOf(borrower);
        _price(m.wethFeed, 1_900e8); // 10 WETH buy 18,095.24 of debt: the rest is a loss
        uint256 covered = 18_095_238_096; // 19,000 / 1.05, rounded up
        uint256 loss = debt - covered;
        assertGt(loss, reserves + fundAssets, "the loss reaches the suppliers");
        uint256 supplierAssets = m.pool.supplierAssets();

        vm.expectEmit(true, true, true, true, address(m.pool));
        emit ILendingPool.LossBooked(loss, reserves, fundAssets, loss - reserves - fundAssets);
        (uint256 paid, uint256 seized) = _liquidate(address(m.weth), type(uint256).max);

        assertEq(seized, 10 * ETH);
        assertEq(paid, covered);
        assertEq(m.pool.debtOf(borrower), 0);
        assertEq(m.pool.assetsIn(borrower), 0);
        assertEq(m.pool.realizedLosses(), loss);
        assertEq(m.pool.coveredByReserves(), reserves);
        assertEq(m.pool.coveredByFund(), fundAssets);
        assertEq(m.pool.socializedLosses(), loss - reserves - fundAssets);
        assertEq(m.pool.reserves(), 0);
        assertEq(m.fund.totalAssets(), 0);
        assertEq(m.pool.supplierAssets(), supplierAssets - (loss - reserves - fundAssets));
        _assertBooks();
    }

    /// A loss the reserves and fund absorb: suppliers lose nothing.
    function test_BadDebt_AbsorbedByTheFund() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _depositInsurance(insurer, 5_000 * USDC);
        _price(m.wethFeed, 1_900e8);
        uint256 supplierAssets = m.pool.supplierAssets();
        (uint256 covered,) = _liquidate(address(m.weth), type(uint256).max);
        uint256 loss = 20_000 * USDC - covered;
        assertEq(m.pool.coveredByFund(), loss);
        assertEq(m.pool.socializedLosses(), 0);
        assertEq(m.pool.supplierAssets(), supplierAssets);
        assertEq(m.fund.totalAssets(), 5_000 * USDC + DEAD_SHARES_DEPOSIT - loss);
        _assertBooks();
    }

    // ================================================================ 6, 8 and 18 decimals
    function test_ThreeDecimals_EachAssetAtItsPrice() public {
        _open(ETH, BTC / 20, 3_000 * USDT, 6_000 * USDC);
        _price(m.wethFeed, 2_000e8);
        _price(m.wbtcFeed, 40_000e8);
        _price(usdtFeed, 0.8e8); // HF 0.91: full close factor
        address[3] memory assets = [address(m.weth), address(m.wbtc), address(usdt)];
        uint256[3] memory prices = [uint256(2_000e18), 40_000e18, 0.8e18];
        uint256[3] memory penalties = [WETH_PENALTY, WBTC_PENALTY, USDT_PENALTY];
        uint256[3] memory scales = [ETH, BTC, USDT];
        // 1,000 USDC of debt each: 0.525 WETH, 0.02675 WBTC, 1,287.5 USDT
        uint256[3] memory exact = [uint256(0.525e18), 2_675_000, 1_287_500_000];
        for (uint256 i; i < 3; ++i) {
            uint256 before = MockERC20(assets[i]).balanceOf(receiver);
            (uint256 covered, uint256 seized) = _liquidate(assets[i], 1_000 * USDC);
            assertEq(covered, 1_000 * USDC);
            assertApproxEqAbs(seized, _reference(1_000 * USDC, prices[i], penalties[i], scales[i]), 1);
            assertApproxEqAbs(seized, exact[i], 1);
            assertEq(MockERC20(assets[i]).balanceOf(receiver) - before, seized);
            _assertBooks();
        }
        assertEq(m.pool.debtOf(borrower), 3_000 * USDC);
    }

    // ================================================================ refusals
    function test_Refuses_NotLiquidatable() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotLiquidatable.selector, 0));
        _liquidate(address(m.weth), 1_000 * USDC);
        assertEq(fsl.maxDebtToCover(borrower), 0);
        _price(m.wethFeed, 2_500e8); // HF 1.0625: MarginCall
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotLiquidatable.selector, 1));
        _liquidate(address(m.weth), 1_000 * USDC);
        // an account with no debt is Healthy
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotLiquidatable.selector, 0));
        vm.prank(liquidator);
        fsl.liquidationCall(supplier, address(m.weth), 1_000 * USDC, receiver);
    }

    function test_Refuses_BadInput() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_200e8); // HF 0.935
        vm.expectRevert(IFixedSpreadLiquidator.ZeroAmount.selector);
        _liquidate(address(m.weth), 0);
        address[5] memory bad = [address(0), address(fsl), address(m.pool), address(m.fund), address(m.config)];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.BadReceiver.selector, bad[i]));
            vm.prank(liquidator);
            fsl.liquidationCall(borrower, address(m.weth), 1_000 * USDC, bad[i]);
        }
        address[3] memory notHeld = [address(m.wbtc), address(m.usdc), address(0)];
        for (uint256 i; i < notHeld.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NoCollateral.selector, borrower, notHeld[i]));
            _liquidate(notHeld[i], 1_000 * USDC);
        }
        // 19,500 of 20,000 with WETH left over would leave 500 of debt, under dust
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.MustNotLeaveDust.selector, 500 * USDC, DUST));
        _liquidate(address(m.weth), 19_500 * USDC);
        // the preview refuses alike
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.MustNotLeaveDust.selector, 500 * USDC, DUST));
        fsl.previewLiquidationCall(borrower, address(m.weth), 19_500 * USDC);
    }

    /// 1 wei of USDC buys less than one satoshi: refused rather than paid for nothing.
    function test_Refuses_NothingSeized() public {
        _open(0, BTC, 0, 40_000 * USDC);
        _price(m.wbtcFeed, 45_000e8); // HF 0.9
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NothingSeized.selector, 1));
        _liquidate(address(m.wbtc), 1);
    }

    /// Without a valid price the call reverts with the oracle's error; the preview says why.
    function test_Refuses_StalePrice() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 2_200e8);
        vm.warp(block.timestamp + COLLATERAL_HEARTBEAT + 1);
        vm.expectRevert(); // OracleAdapter.StalePrice
        _liquidate(address(m.weth), 1_000 * USDC);
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NoValidPrice.selector, borrower));
        fsl.previewLiquidationCall(borrower, address(m.weth), 1_000 * USDC);
        assertEq(fsl.maxDebtToCover(borrower), 0);
    }

    function test_Refuses_ZeroAddressAtConstruction() public {
        vm.expectRevert(IFixedSpreadLiquidator.ZeroAddress.selector);
        new FixedSpreadLiquidator(m.pool, InsuranceFund(address(0)));
    }

    /// A liquidator the pool does not name (a missed precomputed address) fails its deployment.
    function test_Refuses_APoolThatNamesAnotherLiquidator() public {
        vm.expectRevert(abi.encodeWithSelector(IFixedSpreadLiquidator.NotThePoolsLiquidator.selector, address(m.pool)));
        new FixedSpreadLiquidator(m.pool, m.fund);
    }

    /// Only the wired liquidator may call the pool's hooks, and only under the lock.
    function test_HooksAreNotOpen() public {
        vm.expectRevert(abi.encodeWithSelector(ISharedLock.NotProtocolContract.selector, address(this)));
        m.pool.auctionEnded(borrower, address(m.weth), 0, 0, 0);
        vm.prank(address(fsl));
        vm.expectRevert(ISharedLock.LockNotHeld.selector);
        m.pool.prepareKick(borrower);
    }

    // ================================================================ reentrancy
    /// A collateral token with a transfer hook re-enters during the call's own transfers: the
    /// shared lock refuses both the baseline and the pool (DESIGN.md 7).
    function test_Refuses_Reentrancy() public {
        vm.startPrank(governor);
        HookToken hook = new HookToken("Hook", "HOOK", 18);
        MockAggregator hookFeed = new MockAggregator(FEED_DECIMALS, "HOOK / USD", WETH_ANSWER);
        m.oracle.setFeed(address(hook), true, hookFeed, COLLATERAL_HEARTBEAT, WETH_MIN_PRICE, WETH_MAX_PRICE);
        m.config.listCollateral(address(hook), CollateralParams(WETH_BF, WETH_LF, WETH_PENALTY, WETH_CAP));
        vm.stopPrank();
        _mintApprove(MockERC20(address(hook)), borrower, address(m.pool), 10 * ETH);
        vm.prank(borrower);
        m.pool.depositCollateral(address(hook), 10 * ETH, borrower);
        _borrow(borrower, 20_000 * USDC);
        hookFeed.setPrice(2_300e8);

        hook.setHook(
            address(fsl),
            abi.encodeCall(IFixedSpreadLiquidator.liquidationCall, (borrower, address(hook), 1_000 * USDC, receiver))
        );
        vm.expectRevert(ISharedLock.Reentrancy.selector);
        _liquidate(address(hook), 1_000 * USDC);

        hook.setHook(address(m.pool), abi.encodeCall(ILendingPool.repay, (1, borrower)));
        vm.expectRevert(ISharedLock.Reentrancy.selector);
        _liquidate(address(hook), 1_000 * USDC);

        hook.setHook(address(0), "");
        (uint256 covered,) = _liquidate(address(hook), 1_000 * USDC);
        assertEq(covered, 1_000 * USDC);
        _assertBooks();
    }

    // ================================================================ views
    function test_HoldsNothing_Views() public view {
        assertEq(fsl.pendingLoss(), 0);
        assertEq(fsl.unbackedChargeBacks(borrower), 0);
        assertEq(fsl.liveAuctionsOfAsset(address(m.weth)), 0);
        assertEq(address(m.pool.liquidator()), address(fsl));
        assertEq(fsl.CLOSE_FACTOR(), 0.5e18);
    }

    /// Delisting reads the liquidator's books: with the baseline nothing ever waits on auctions.
    function test_DelistingAfterLiquidation() public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _price(m.wethFeed, 1_900e8);
        _liquidate(address(m.weth), type(uint256).max); // all WETH gone, the rest a loss
        assertEq(m.pool.totalCollateral(address(m.weth)), 0);
        assertEq(fsl.liveAuctionsOfAsset(address(m.weth)), 0);
        _assertBooks();
    }

    // ================================================================ fuzz
    /// Any debtToCover at any price fall on a three-collateral account: the preview and the call
    /// agree (result or error), the close factor and the bonus hold, and the pool identity holds
    /// after every call.
    function testFuzz_DebtToCover(uint256 fall, uint256 first, uint256 second, uint8 pick) public {
        _open(ETH, BTC / 20, 3_000 * USDT, 6_000 * USDC);
        fall = bound(fall, 0.05e18, 0.6e18);
        _price(m.wethFeed, int256(Math.mulDiv(3_000e8, WAD - fall, WAD)));
        _price(m.wbtcFeed, int256(Math.mulDiv(60_000e8, WAD - fall, WAD)));
        _price(usdtFeed, int256(Math.mulDiv(1e8, WAD - fall / 2, WAD)));
        _fuzzCall(bound(first, 1, 12_000 * USDC), pick);
        _fuzzCall(bound(second, 1, 12_000 * USDC), pick / 3);
    }

    /// One collateral, down to underwater prices: a call that takes the last of it books the
    /// rest of the debt as a loss, exactly once, through the waterfall.
    function testFuzz_DebtToCover_OneCollateral(uint256 wethUsd, uint256 first, uint256 second) public {
        _open(10 * ETH, 0, 0, 20_000 * USDC);
        _depositInsurance(insurer, 1_000 * USDC);
        _price(m.wethFeed, int256(bound(wethUsd, 1_000, 2_700)) * 1e8);
        _fuzzCall(bound(first, 1, 25_000 * USDC), 0);
        _fuzzCall(bound(second, 1, 25_000 * USDC), 0);
        // an account left without collateral has no debt: what the calls did not cover was booked
        // as a loss (checked per call in `_fuzzCall`; 0 when the last lot paid the debt exactly)
        if (m.pool.assetsIn(borrower) == 0) assertEq(m.pool.debtOf(borrower), 0);
        else assertEq(m.pool.realizedLosses(), 0);
    }

    function _fuzzCall(uint256 debtToCover, uint8 pick) internal {
        address[3] memory assets = [address(m.weth), address(m.wbtc), address(usdt)];
        address asset = assets[pick % 3];
        uint256 debt = m.pool.debtOf(borrower);
        uint256 held = m.pool.collateralOf(borrower, asset);
        uint256 maxCover = fsl.maxDebtToCover(borrower);
        uint256 lossesBefore = m.pool.realizedLosses();
        try fsl.previewLiquidationCall(borrower, asset, debtToCover) returns (uint256 pCovered, uint256 pSeized) {
            (uint256 covered, uint256 seized) = _liquidate(asset, debtToCover);
            assertEq(covered, pCovered);
            assertEq(seized, pSeized);
            assertLe(covered, Math.min(debtToCover, maxCover));
            assertLe(seized, held);
            assertGt(seized, 0);
            if (seized < held) assertEq(covered, Math.min(debtToCover, maxCover));
            assertGe(MockERC20(asset).balanceOf(receiver), seized);
            if (m.pool.assetsIn(borrower) != 0) {
                // the debt fell by what was covered (the moved normalised debt rounds down: +1 wei)
                assertApproxEqAbs(m.pool.debtOf(borrower), debt - covered, 1);
            } else {
                // no collateral left: the debt the call did not cover is written off, no more
                assertEq(m.pool.debtOf(borrower), 0);
                assertApproxEqAbs(m.pool.realizedLosses() - lossesBefore, debt - covered, 1);
            }
        } catch (bytes memory reason) {
            vm.expectRevert(reason);
            _liquidate(asset, debtToCover);
        }
        _assertBooks();
    }
}
