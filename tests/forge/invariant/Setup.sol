// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {LendingPool} from "../../../contracts/LendingPool.sol";
import {MarketConfig} from "../../../contracts/MarketConfig.sol";
import {OracleAdapter} from "../../../contracts/OracleAdapter.sol";
import {InterestRateModel} from "../../../contracts/InterestRateModel.sol";
import {PoolLens} from "../../../contracts/PoolLens.sol";
import {DutchAuctionLiquidator} from "../../../contracts/DutchAuctionLiquidator.sol";
import {InsuranceFund} from "../../../contracts/InsuranceFund.sol";
import {StairstepExponentialDecrease} from "../../../contracts/curves/StairstepExponentialDecrease.sol";
import {FlashTaker} from "../../../contracts/keepers/FlashTaker.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {MockAMM} from "../../../contracts/mocks/MockAMM.sol";
import {ILendingPool} from "../../../interfaces/ILendingPool.sol";
import {IInsuranceFund} from "../../../interfaces/IInsuranceFund.sol";
import {IDutchAuctionLiquidator} from "../../../interfaces/IDutchAuctionLiquidator.sol";
import {IPriceCurve} from "../../../interfaces/IPriceCurve.sol";
import {IMarketConfig, MarketParams, LiquidationParams, CollateralParams} from "../../../interfaces/IMarketConfig.sol";

/// @notice Every contract of one deployed market, as the handler and the invariants see it.
struct Market {
    LendingPool pool;
    MarketConfig config;
    OracleAdapter oracle;
    InterestRateModel rateModel;
    PoolLens lens;
    DutchAuctionLiquidator liquidator;
    InsuranceFund fund;
    StairstepExponentialDecrease curve;
    MockERC20 usdc; // base, 6 decimals
    MockERC20 weth; // 18 decimals
    MockERC20 wbtc; // 8 decimals
    MockAggregator usdcFeed;
    MockAggregator wethFeed;
    MockAggregator wbtcFeed;
    MockAMM wethAmm; // WETH / USDC, for the flash taker
    MockAMM wbtcAmm; // WBTC / USDC
    FlashTaker flashTaker; // owned by `flashKeeper`
}

/// @notice Role-named actors. Borrowers open margin positions; lenders supply the base asset;
/// insurers deposit into the insurance fund; `keeper` kicks, redoes and takes with its own base
/// tokens; `flashKeeper` owns the FlashTaker and takes with no capital through the AMM.
struct Actors {
    address governor;
    address guardian;
    address[4] borrowers; // borrowerA (WETH), borrowerB (WBTC), borrowerC (both), borrowerD (empty)
    address[2] lenders;
    address[2] insurers;
    address keeper;
    address flashKeeper;
}

/// @title MarketSetup
/// @notice Deploys the whole demo market in Solidity, in the order of `margincall/deploy.py`,
/// with the parameters of `margincall/params/demo.yaml` (DESIGN.md 2), except a smaller `Hole`
/// (`HOLE`) so that kicks are scaled down to the room left and `NoRoom` is reachable with
/// positions of a few hundred thousand dollars. Beyond deploy.py: one deep MockAMM per collateral
/// and a FlashTaker owned by `flashKeeper`, the keeper tooling the campaign takes with.
abstract contract MarketSetup is Test {
    // ================================================================ units
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant USDC = 1e6; // one whole base token [base units]
    uint256 internal constant ETH = 1e18; // one whole WETH [token units]
    uint256 internal constant BTC = 1e8; // one whole WBTC [token units]
    uint8 internal constant FEED_DECIMALS = 8;
    uint256 internal constant START = 1_700_000_000; // [unix seconds]

    // ================================================================ demo parameters
    // feeds: initial answers [8 decimals], heartbeats [seconds], bounds [wad USD]
    int256 internal constant USDC_ANSWER = 1e8;
    int256 internal constant WETH_ANSWER = 3_000e8;
    int256 internal constant WBTC_ANSWER = 60_000e8;
    uint256 internal constant USDC_HEARTBEAT = 24 hours;
    uint256 internal constant COLLATERAL_HEARTBEAT = 1 hours;

    // collateral: borrowFactor, liquidationFactor, liquidationPenalty [wad], supplyCap [token units]
    uint256 internal constant WETH_BF = 0.75e18;
    uint256 internal constant WETH_LF = 0.85e18;
    uint256 internal constant WETH_PENALTY = 0.05e18;
    uint256 internal constant WETH_CAP = 100_000 * ETH;
    uint256 internal constant WBTC_BF = 0.7e18;
    uint256 internal constant WBTC_LF = 0.8e18;
    uint256 internal constant WBTC_PENALTY = 0.07e18;
    uint256 internal constant WBTC_CAP = 5_000 * BTC;

    // market
    uint256 internal constant MARGIN_CALL_HF = 1.1e18;
    uint256 internal constant GRACE_PERIOD = 6 hours;
    uint256 internal constant TARGET_HF = 1.25e18;
    uint256 internal constant FULL_LIQUIDATION_HF = 0.95e18;
    uint256 internal constant MAX_CALL_HF = 1.3e18;
    uint256 internal constant RESERVE_FACTOR = 0.1e18;
    uint256 internal constant DUST = 1_000 * USDC;
    uint256 internal constant VOL_SLOPE = 0.25e18;

    // interest: kinked curve, APR [wad]
    uint256 internal constant BASE_RATE = 0;
    uint256 internal constant KINK = 0.8e18;
    uint256 internal constant KINK_RATE = 0.04e18;
    uint256 internal constant MAX_RATE = 0.79e18;

    // oracle
    uint256 internal constant MAX_DEVIATION = 0.02e18;
    uint256 internal constant VOL_REF = 0.6e18;
    uint256 internal constant VOL_TAU = 1 days;
    uint256 internal constant MAX_ROUNDS_PER_POKE = 16;

    // liquidation
    uint256 internal constant BUF = 1.1e18;
    uint256 internal constant CUSP = 0.6e18;
    uint256 internal constant TIP = 10 * USDC;
    uint256 internal constant CHIP = 0.001e18;
    uint256 internal constant TAIL = 2 hours;
    uint256 internal constant STEP_CUT = 0.99e18;
    uint256 internal constant STEP = 90; // [seconds]
    /// @dev Demo: 10M. Here 100k, about one partial kick and a half of the seeded positions, so
    /// that kicks get scaled to the room left and some are refused with `NoRoom`.
    uint256 internal constant HOLE = 100_000 * USDC;

    // insurance fund
    uint256 internal constant COOLDOWN = 7 days;
    uint256 internal constant WINDOW = 2 days;
    uint256 internal constant DEAD_SHARES_DEPOSIT = 1 * USDC;
    address internal constant DEAD = 0x000000000000000000000000000000000000dEaD;

    Market internal m;
    Actors internal actors;

    // ================================================================ deployment
    /// @dev deploy.py order: tokens, feeds, oracle with every feed, rate model, config + pool
    /// (bound to each other) + lens, curve, fund, liquidator, wiring, collateral listing, then
    /// the fund's dead shares.
    function _deployMarket() internal {
        vm.warp(START);
        actors.governor = makeAddr("governor");
        actors.guardian = makeAddr("guardian");
        actors.borrowers = [makeAddr("borrowerA"), makeAddr("borrowerB"), makeAddr("borrowerC"), makeAddr("borrowerD")];
        actors.lenders = [makeAddr("lenderA"), makeAddr("lenderB")];
        actors.insurers = [makeAddr("insurerA"), makeAddr("insurerB")];
        actors.keeper = makeAddr("keeper");
        actors.flashKeeper = makeAddr("flashKeeper");
        address gov = actors.governor;

        m.usdc = new MockERC20("Demo USD Coin", "USDC", 6);
        m.weth = new MockERC20("Demo Wrapped Ether", "WETH", 18);
        m.wbtc = new MockERC20("Demo Wrapped Bitcoin", "WBTC", 8);
        m.usdcFeed = new MockAggregator(FEED_DECIMALS, "USDC / USD", USDC_ANSWER);
        m.wethFeed = new MockAggregator(FEED_DECIMALS, "WETH / USD", WETH_ANSWER);
        m.wbtcFeed = new MockAggregator(FEED_DECIMALS, "WBTC / USD", WBTC_ANSWER);

        m.oracle = new OracleAdapter(gov, MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE);
        vm.startPrank(gov);
        m.oracle.setFeed(address(m.usdc), true, m.usdcFeed, USDC_HEARTBEAT, 0.5e18, 2e18);
        m.oracle.setFeed(address(m.weth), true, m.wethFeed, COLLATERAL_HEARTBEAT, 1e18, 1_000_000e18);
        m.oracle.setFeed(address(m.wbtc), true, m.wbtcFeed, COLLATERAL_HEARTBEAT, 100e18, 10_000_000e18);
        vm.stopPrank();

        m.rateModel = new InterestRateModel(BASE_RATE, KINK, KINK_RATE, MAX_RATE);
        m.config = new MarketConfig(
            address(m.usdc),
            m.oracle,
            m.rateModel,
            gov,
            actors.guardian,
            MarketParams({
                marginCallHF: MARGIN_CALL_HF,
                gracePeriod: GRACE_PERIOD,
                targetHF: TARGET_HF,
                fullLiquidationHF: FULL_LIQUIDATION_HF,
                maxCallHF: MAX_CALL_HF,
                reserveFactor: RESERVE_FACTOR,
                dust: DUST,
                volSlope: VOL_SLOPE
            }),
            LiquidationParams({buf: BUF, cusp: CUSP, tip: TIP, chip: CHIP})
        );
        m.pool = new LendingPool(m.config);
        vm.prank(gov);
        m.config.bindPool(m.pool);
        m.lens = new PoolLens(m.pool);

        m.curve = new StairstepExponentialDecrease(STEP_CUT, STEP);
        m.fund = new InsuranceFund(m.pool, "Margin Call Lab Insurance", "mclINS", COOLDOWN, WINDOW);
        m.liquidator = new DutchAuctionLiquidator(m.pool, m.fund, m.curve, TAIL, HOLE);
        vm.startPrank(gov);
        m.pool.setLiquidationModules(m.liquidator, m.fund);
        m.config.listCollateral(address(m.weth), CollateralParams(WETH_BF, WETH_LF, WETH_PENALTY, WETH_CAP));
        m.config.listCollateral(address(m.wbtc), CollateralParams(WBTC_BF, WBTC_LF, WBTC_PENALTY, WBTC_CAP));
        vm.stopPrank();

        // dead shares: the fund's first depositor is nobody (inflation attack, DESIGN.md 5)
        _mintApprove(m.usdc, gov, address(m.fund), DEAD_SHARES_DEPOSIT);
        vm.prank(gov);
        m.fund.deposit(DEAD_SHARES_DEPOSIT, DEAD);

        // keepers: an AMM per collateral, deep and at the oracle price, and the flash taker
        m.wethAmm = new MockAMM(m.weth, m.usdc);
        m.wbtcAmm = new MockAMM(m.wbtc, m.usdc);
        _seedAmm(m.wethAmm, m.weth, 20_000 * ETH, 60_000_000 * USDC);
        _seedAmm(m.wbtcAmm, m.wbtc, 1_000 * BTC, 60_000_000 * USDC);
        vm.prank(actors.flashKeeper);
        m.flashTaker = new FlashTaker(m.liquidator, m.usdc);
    }

    // ================================================================ helpers
    function _mintApprove(MockERC20 token, address owner, address spender, uint256 amount) internal {
        token.mint(owner, amount);
        vm.prank(owner);
        token.approve(spender, type(uint256).max);
    }

    function _seedAmm(MockAMM amm, MockERC20 collateral, uint256 collateralAmount, uint256 baseAmount) internal {
        collateral.mint(address(this), collateralAmount);
        m.usdc.mint(address(this), baseAmount);
        collateral.approve(address(amm), collateralAmount);
        m.usdc.approve(address(amm), baseAmount);
        amm.addLiquidity(collateralAmount, baseAmount);
    }

    /// @dev A new round at the same answer on every feed, timestamped now (prices fresh again).
    function _refreshFeeds() internal {
        m.usdcFeed.setPrice(_answer(m.usdcFeed));
        m.wethFeed.setPrice(_answer(m.wethFeed));
        m.wbtcFeed.setPrice(_answer(m.wbtcFeed));
    }

    function _answer(MockAggregator feed) internal view returns (int256 answer) {
        (, answer,,,) = feed.latestRoundData();
    }

    function _supply(address lender, uint256 amount) internal {
        _mintApprove(m.usdc, lender, address(m.pool), amount);
        vm.prank(lender);
        m.pool.supply(amount, lender);
    }

    function _depositCollateral(address borrower, MockERC20 asset, uint256 amount) internal {
        _mintApprove(asset, borrower, address(m.pool), amount);
        vm.prank(borrower);
        m.pool.depositCollateral(address(asset), amount, borrower);
    }

    function _borrow(address borrower, uint256 amount) internal {
        vm.prank(borrower);
        m.pool.borrow(amount, borrower);
    }

    function _depositInsurance(address insurer, uint256 amount) internal {
        _mintApprove(m.usdc, insurer, address(m.fund), amount);
        vm.prank(insurer);
        m.fund.deposit(amount, insurer);
    }
}
