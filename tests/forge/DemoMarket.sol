// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {LendingPool} from "../../contracts/LendingPool.sol";
import {MarketConfig} from "../../contracts/MarketConfig.sol";
import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {InterestRateModel} from "../../contracts/InterestRateModel.sol";
import {PoolLens} from "../../contracts/PoolLens.sol";
import {DutchAuctionLiquidator} from "../../contracts/DutchAuctionLiquidator.sol";
import {InsuranceFund} from "../../contracts/InsuranceFund.sol";
import {FixedSpreadLiquidator} from "../../contracts/lab/FixedSpreadLiquidator.sol";
import {StairstepExponentialDecrease} from "../../contracts/curves/StairstepExponentialDecrease.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {MarketParams, LiquidationParams, CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {IGoverned, InitialFeed} from "../../interfaces/IOracleAdapter.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {IInsuranceFund} from "../../interfaces/IInsuranceFund.sol";

/// @notice Every contract of one deployed demo market.
struct Market {
    LendingPool pool;
    MarketConfig config;
    OracleAdapter oracle;
    InterestRateModel rateModel;
    PoolLens lens;
    InsuranceFund fund;
    // the liquidator: the Dutch auction with its curve, or (`_deployDemoMarketWithFixedSpread`)
    // the lab's fixed-spread baseline, the other left zero
    DutchAuctionLiquidator liquidator;
    StairstepExponentialDecrease curve;
    FixedSpreadLiquidator fixedSpread;
    MockERC20 usdc; // base, 6 decimals
    MockERC20 weth; // 18 decimals
    MockERC20 wbtc; // 8 decimals
    MockAggregator usdcFeed;
    MockAggregator wethFeed;
    MockAggregator wbtcFeed;
    // a third collateral, left zero unless `_listThirdCollateral` lists it
    MockERC20 wxrp; // 6 decimals
    MockAggregator wxrpFeed;
}

/// @title DemoMarket
/// @notice The demo market of `margincall/params/demo.yaml` (DESIGN.md 2) deployed in Solidity,
/// in the order of `margincall/deploy.py` with the governor sending every transaction: a named
/// constant for every parameter, the deployment, and the helpers the suites on it share
/// (Health.t.sol, Liquidation.t.sol, invariant/Setup.sol). A suite that wants a different
/// market says so at the call: `_deployDemoMarket(hole)` takes the `Hole` (the demo's is `HOLE`),
/// `_deployDemoMarketWithFixedSpread()` puts the lab's fixed-spread baseline in the auction's
/// place, and
/// `_listThirdCollateral()` adds a 6-decimal WXRP-like collateral in the third slot (not in the
/// demo: a market with three collaterals of three different decimals, as audit finding 1 needs).
abstract contract DemoMarket is Test {
    // ================================================================ units
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant USDC = 1e6; // one whole base token [base units]
    uint256 internal constant ETH = 1e18; // one whole WETH [token units]
    uint256 internal constant BTC = 1e8; // one whole WBTC [token units]
    uint256 internal constant XRP = 1e6; // one whole WXRP [token units]
    uint8 internal constant FEED_DECIMALS = 8;
    uint256 internal constant START = 1_700_000_000; // [unix seconds]

    // ================================================================ demo parameters
    // feeds: initial answers [8 decimals], heartbeats [seconds], price bounds [wad USD]
    int256 internal constant USDC_ANSWER = 1e8;
    int256 internal constant WETH_ANSWER = 3_000e8;
    int256 internal constant WBTC_ANSWER = 60_000e8;
    uint256 internal constant USDC_HEARTBEAT = 24 hours;
    uint256 internal constant COLLATERAL_HEARTBEAT = 1 hours;
    uint256 internal constant USDC_MIN_PRICE = 0.5e18;
    uint256 internal constant USDC_MAX_PRICE = 2e18;
    uint256 internal constant WETH_MIN_PRICE = 1e18;
    uint256 internal constant WETH_MAX_PRICE = 1_000_000e18;
    uint256 internal constant WBTC_MIN_PRICE = 100e18;
    uint256 internal constant WBTC_MAX_PRICE = 10_000_000e18;
    // third collateral (not in the demo): one unit (1e-6 WXRP) is worth half a base unit
    int256 internal constant WXRP_ANSWER = 0.5e8;
    uint256 internal constant WXRP_MIN_PRICE = 0.001e18;
    uint256 internal constant WXRP_MAX_PRICE = 100e18;

    // collateral: borrowFactor, liquidationFactor, liquidationPenalty [wad], supplyCap [token units]
    uint256 internal constant WETH_BF = 0.75e18;
    uint256 internal constant WETH_LF = 0.85e18;
    uint256 internal constant WETH_PENALTY = 0.05e18;
    uint256 internal constant WETH_CAP = 100_000 * ETH;
    uint256 internal constant WBTC_BF = 0.7e18;
    uint256 internal constant WBTC_LF = 0.8e18;
    uint256 internal constant WBTC_PENALTY = 0.07e18;
    uint256 internal constant WBTC_CAP = 5_000 * BTC;
    uint256 internal constant WXRP_BF = 0.6e18;
    uint256 internal constant WXRP_LF = 0.7e18;
    uint256 internal constant WXRP_PENALTY = 0.08e18;
    uint256 internal constant WXRP_CAP = 100_000_000 * XRP;

    // market
    uint256 internal constant MARGIN_CALL_HF = 1.1e18;
    uint256 internal constant GRACE_PERIOD = 6 hours;
    uint256 internal constant TARGET_HF = 1.25e18;
    uint256 internal constant FULL_LIQUIDATION_HF = 0.95e18;
    uint256 internal constant MAX_CALL_HF = 1.3e18;
    uint256 internal constant RESERVE_FACTOR = 0.1e18;
    uint256 internal constant DUST = 1_000 * USDC;
    uint256 internal constant VOL_SLOPE = 0.25e18;
    uint256 internal constant EXIT_MARGIN = 0.05e18;

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
    uint256 internal constant HOLE = 10_000_000 * USDC;

    // insurance fund
    uint256 internal constant COOLDOWN = 7 days;
    uint256 internal constant WINDOW = 2 days;
    uint256 internal constant DEAD_SHARES_DEPOSIT = 1 * USDC;
    address internal constant DEAD = 0x000000000000000000000000000000000000dEaD;

    // ================================================================ roles and contracts
    address internal governor = makeAddr("governor"); // deploys and governs
    address internal guardian = makeAddr("guardian"); // may pause

    Market internal m;

    // ================================================================ deployment
    /// @dev The whole demo market with the given `Hole` [base units], at `START`:
    /// 1. tokens and feeds (and the curve); 2–7. oracle, rate model, config, pool, fund and
    /// liquidator, each naming the next ones at their precomputed addresses, then the lens;
    /// 8. the collaterals listed; then the fund's dead shares.
    function _deployDemoMarket(uint256 hole) internal {
        _deployMarket(hole, false);
        _listCollaterals();
        _depositDeadShares();
    }

    /// @dev The same market with the lab's fixed-spread baseline as its liquidator
    /// (`m.fixedSpread`; `m.liquidator` and `m.curve` left zero).
    function _deployDemoMarketWithFixedSpread() internal {
        _deployMarket(0, true);
        _listCollaterals();
        _depositDeadShares();
    }

    function _deployMarket(uint256 hole, bool fixedSpread) private {
        vm.warp(START);
        vm.startPrank(governor);
        m.usdc = new MockERC20("Demo USD Coin", "USDC", 6);
        m.usdcFeed = new MockAggregator(FEED_DECIMALS, "USDC / USD", USDC_ANSWER);
        m.weth = new MockERC20("Demo Wrapped Ether", "WETH", 18);
        m.wethFeed = new MockAggregator(FEED_DECIMALS, "WETH / USD", WETH_ANSWER);
        m.wbtc = new MockERC20("Demo Wrapped Bitcoin", "WBTC", 8);
        m.wbtcFeed = new MockAggregator(FEED_DECIMALS, "WBTC / USD", WBTC_ANSWER);
        if (!fixedSpread) m.curve = new StairstepExponentialDecrease(STEP_CUT, STEP);

        // one governor and immutable links: the oracle obeys the config, the config names the
        // pool, the pool its fund and liquidator, all deployed next in this order
        uint256 nonce = vm.getNonce(governor);
        address config = vm.computeCreateAddress(governor, nonce + 2);
        address pool = vm.computeCreateAddress(governor, nonce + 3);
        address fund = vm.computeCreateAddress(governor, nonce + 4);
        address liquidator = vm.computeCreateAddress(governor, nonce + 5);
        InitialFeed[] memory feeds = new InitialFeed[](3);
        feeds[0] = InitialFeed(address(m.usdc), m.usdcFeed, USDC_HEARTBEAT, USDC_MIN_PRICE, USDC_MAX_PRICE);
        feeds[1] = InitialFeed(address(m.weth), m.wethFeed, COLLATERAL_HEARTBEAT, WETH_MIN_PRICE, WETH_MAX_PRICE);
        feeds[2] = InitialFeed(address(m.wbtc), m.wbtcFeed, COLLATERAL_HEARTBEAT, WBTC_MIN_PRICE, WBTC_MAX_PRICE);
        m.oracle = new OracleAdapter(IGoverned(config), MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE, feeds);
        m.rateModel = new InterestRateModel(BASE_RATE, KINK, KINK_RATE, MAX_RATE);
        m.config = new MarketConfig(
            address(m.usdc),
            m.oracle,
            m.rateModel,
            ILendingPool(pool),
            governor,
            guardian,
            MarketParams({
                marginCallHF: MARGIN_CALL_HF,
                gracePeriod: GRACE_PERIOD,
                targetHF: TARGET_HF,
                fullLiquidationHF: FULL_LIQUIDATION_HF,
                maxCallHF: MAX_CALL_HF,
                reserveFactor: RESERVE_FACTOR,
                dust: DUST,
                volSlope: VOL_SLOPE,
                exitMargin: EXIT_MARGIN
            }),
            LiquidationParams({buf: BUF, cusp: CUSP, tip: TIP, chip: CHIP})
        );
        m.pool = new LendingPool(m.config, IDutchAuctionLiquidator(liquidator), IInsuranceFund(fund));
        m.fund = new InsuranceFund(m.pool, "Margin Call Lab Insurance", "mclINS", COOLDOWN, WINDOW);
        if (fixedSpread) m.fixedSpread = new FixedSpreadLiquidator(m.pool, m.fund);
        else m.liquidator = new DutchAuctionLiquidator(m.pool, m.fund, m.curve, TAIL, hole);
        m.lens = new PoolLens(m.pool);
        vm.stopPrank();
        require(address(m.config) == config && address(m.pool) == pool, "DemoMarket: address precomputed wrong");
    }

    function _listCollaterals() private {
        vm.startPrank(governor);
        m.config.listCollateral(address(m.weth), CollateralParams(WETH_BF, WETH_LF, WETH_PENALTY, WETH_CAP));
        m.config.listCollateral(address(m.wbtc), CollateralParams(WBTC_BF, WBTC_LF, WBTC_PENALTY, WBTC_CAP));
        vm.stopPrank();
    }

    /// @dev A third collateral, 6 decimals, in the next free slot (the third): a lot of it can be
    /// worth less than one base unit, so a dust deposit of it gets a debt part of a wei or two.
    /// Bounds: 0.7·1.08 < 1, 0.6·1.10 ≤ 0.7; the keeper-incentive and curve bounds still hold
    /// (min penalty 5 %, max 8 %: cusp·buf 0.66 ≥ 1.08/2).
    function _listThirdCollateral() internal {
        vm.startPrank(governor);
        m.wxrp = new MockERC20("Demo Wrapped XRP", "WXRP", 6);
        m.wxrpFeed = new MockAggregator(FEED_DECIMALS, "WXRP / USD", WXRP_ANSWER);
        m.oracle.setFeed(address(m.wxrp), true, m.wxrpFeed, COLLATERAL_HEARTBEAT, WXRP_MIN_PRICE, WXRP_MAX_PRICE);
        m.config.listCollateral(address(m.wxrp), CollateralParams(WXRP_BF, WXRP_LF, WXRP_PENALTY, WXRP_CAP));
        vm.stopPrank();
    }

    /// @dev The fund's first depositor is nobody (inflation attack, DESIGN.md 5).
    function _depositDeadShares() private {
        vm.startPrank(governor);
        m.usdc.mint(governor, DEAD_SHARES_DEPOSIT);
        m.usdc.approve(address(m.fund), DEAD_SHARES_DEPOSIT);
        m.fund.deposit(DEAD_SHARES_DEPOSIT, DEAD);
        vm.stopPrank();
    }

    // ================================================================ helpers
    function _mintApprove(MockERC20 token, address owner, address spender, uint256 amount) internal {
        token.mint(owner, amount);
        vm.prank(owner);
        token.approve(spender, type(uint256).max);
    }

    /// @dev A new round at the same answer on every feed, timestamped now (prices fresh again).
    function _refreshFeeds() internal {
        m.usdcFeed.setPrice(_answer(m.usdcFeed));
        m.wethFeed.setPrice(_answer(m.wethFeed));
        m.wbtcFeed.setPrice(_answer(m.wbtcFeed));
        if (address(m.wxrpFeed) != address(0)) m.wxrpFeed.setPrice(_answer(m.wxrpFeed));
    }

    /// @dev `answer` as the first round of a new feed phase (round ids jump ahead): the volatility
    /// estimator restarts there without a sample (DESIGN.md 3), so the price moves and σ does not.
    /// For tests whose subject is not volatility: since v3.3 a plain round counts at once (the
    /// pool reads σ with the pending rounds folded in, DESIGN.md 11).
    function _priceAsNewPhase(MockAggregator feed, int256 answer) internal {
        uint80 id = feed.latestRound() + 1_000;
        feed.setRound(id, answer, block.timestamp, id);
    }

    function _answer(MockAggregator feed) internal view returns (int256 answer) {
        (, answer,,,) = feed.latestRoundData();
    }

    function _supply(address lender, uint256 amount) internal {
        _mintApprove(m.usdc, lender, address(m.pool), amount);
        vm.prank(lender);
        m.pool.supply(amount, lender);
    }

    /// @dev Nothing for a zero amount (the pool refuses one), so that fuzzed positions may leave
    /// out an asset.
    function _depositCollateral(address borrower, MockERC20 asset, uint256 amount) internal {
        if (amount == 0) return;
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
