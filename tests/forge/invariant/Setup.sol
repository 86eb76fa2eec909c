// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FlashTaker} from "../../../contracts/keepers/FlashTaker.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {MockAMM} from "../../../contracts/mocks/MockAMM.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {DemoMarket} from "../DemoMarket.sol";

/// @notice The keeper tooling the campaign takes with, beyond deploy.py.
struct KeeperTools {
    MockAMM wethAmm; // WETH / USDC, for the flash taker
    MockAMM wbtcAmm; // WBTC / USDC
    MockAMM wxrpAmm; // WXRP / USDC
    FlashTaker flashTaker; // owned by `flashKeeper`
}

/// @notice A secondary feed per collateral (DESIGN.md 6), attached at the primary's price: the
/// campaign makes them disagree, so that borrowing reads the price worse for the borrower and
/// calls and kicks the better one.
struct SecondaryFeeds {
    MockAggregator weth;
    MockAggregator wbtc;
    MockAggregator wxrp;
}

/// @notice Role-named actors. Borrowers open margin positions; lenders supply the base asset;
/// insurers deposit into the insurance fund; `keeper` kicks, redoes and takes with its own base
/// tokens; `flashKeeper` owns the FlashTaker and takes with no capital through the AMM; `donor`
/// deposits collateral on behalf of borrowers (dust of an asset they do not hold included: the
/// attack of audit finding 1).
struct Actors {
    address governor;
    address guardian;
    address[4] borrowers; // borrowerA (WETH), borrowerB (WBTC), borrowerC (both), borrowerD (empty)
    address[2] lenders;
    address[2] insurers;
    address keeper;
    address flashKeeper;
    address donor;
}

/// @title MarketSetup
/// @notice The demo market of DemoMarket.sol (`margincall/params/demo.yaml`, DESIGN.md 2, in the
/// order of `margincall/deploy.py`) except a smaller `Hole` (`SMALL_HOLE`) so that kicks are
/// scaled down to the room left and `NoRoom` is reachable with positions of a few hundred
/// thousand dollars, and a third collateral (6-decimal WXRP, DemoMarket._listThirdCollateral)
/// so that kicks split debt over three assets of three decimals. Beyond deploy.py: a secondary
/// feed per collateral, one deep MockAMM per collateral and a FlashTaker owned by
/// `flashKeeper`, the keeper tooling the campaign takes with.
abstract contract MarketSetup is DemoMarket {
    /// @dev Demo: 10M (`HOLE`). Here 100k, about one partial kick and a half of the seeded
    /// positions, so that kicks get scaled to the room left and some are refused with `NoRoom`.
    uint256 internal constant SMALL_HOLE = 100_000 * USDC;

    KeeperTools internal tools;
    SecondaryFeeds internal secondaries;
    Actors internal actors;

    // ================================================================ deployment
    /// @dev The demo market with `SMALL_HOLE` (DemoMarket._deployDemoMarket) and the third
    /// collateral, the secondary feeds, the actors, then the keeper tooling.
    function _deployMarket() internal {
        _deployDemoMarket(SMALL_HOLE);
        _listThirdCollateral();
        secondaries.weth = _attachSecondary(address(m.weth), WETH_ANSWER, WETH_MIN_PRICE, WETH_MAX_PRICE);
        secondaries.wbtc = _attachSecondary(address(m.wbtc), WBTC_ANSWER, WBTC_MIN_PRICE, WBTC_MAX_PRICE);
        secondaries.wxrp = _attachSecondary(address(m.wxrp), WXRP_ANSWER, WXRP_MIN_PRICE, WXRP_MAX_PRICE);
        actors.governor = governor;
        actors.guardian = guardian;
        actors.borrowers = [makeAddr("borrowerA"), makeAddr("borrowerB"), makeAddr("borrowerC"), makeAddr("borrowerD")];
        actors.lenders = [makeAddr("lenderA"), makeAddr("lenderB")];
        actors.insurers = [makeAddr("insurerA"), makeAddr("insurerB")];
        actors.keeper = makeAddr("keeper");
        actors.flashKeeper = makeAddr("flashKeeper");
        actors.donor = makeAddr("donor");

        // keepers: an AMM per collateral, deep and at the oracle price, and the flash taker
        tools.wethAmm = new MockAMM(m.weth, m.usdc);
        tools.wbtcAmm = new MockAMM(m.wbtc, m.usdc);
        _seedAmm(tools.wethAmm, m.weth, 20_000 * ETH, 60_000_000 * USDC);
        _seedAmm(tools.wbtcAmm, m.wbtc, 1_000 * BTC, 60_000_000 * USDC);
        tools.wxrpAmm = new MockAMM(m.wxrp, m.usdc);
        _seedAmm(tools.wxrpAmm, m.wxrp, 120_000_000 * XRP, 60_000_000 * USDC);
        vm.prank(actors.flashKeeper);
        tools.flashTaker = new FlashTaker(m.liquidator, m.usdc);
    }

    /// @dev The demo market after a fall, where the campaign starts (MarketInvariantsTest): one
    /// borrower kicked (a live auction), two in MarginCall with calls about to pass their
    /// deadline, one empty borrower; two lenders, two insurers (one with a withdrawal window open).
    function _seedCampaign() internal {
        _deployMarket();
        // insurers first; insurerA's window opens after the cooldown, at the start of the campaign
        _depositInsurance(actors.insurers[0], 10_000 * USDC);
        _depositInsurance(actors.insurers[1], 5_000 * USDC);
        vm.startPrank(actors.insurers[0]);
        m.fund.requestWithdraw(m.fund.balanceOf(actors.insurers[0]) / 2);
        vm.stopPrank();
        vm.warp(block.timestamp + COOLDOWN);
        _refreshAllFeeds();

        _supply(actors.lenders[0], 200_000 * USDC);
        _supply(actors.lenders[1], 150_000 * USDC);
        // three positions at 95 % of the opening limit (callHF_eff 1.10 at σ_ref): HF ≈ 1.19–1.20,
        // in MarginCall after a fall of ~8 %, Liquidatable after ~16 %
        _depositCollateral(actors.borrowers[0], m.weth, 40 * ETH);
        _borrow(actors.borrowers[0], 85_500 * USDC);
        _depositCollateral(actors.borrowers[1], m.wbtc, 2 * BTC);
        _borrow(actors.borrowers[1], 79_800 * USDC);
        _depositCollateral(actors.borrowers[2], m.weth, 15 * ETH);
        _depositCollateral(actors.borrowers[2], m.wbtc, 1 * BTC);
        _borrow(actors.borrowers[2], 71_900 * USDC);
        // an hour later the market has fallen, WETH −17 % and WBTC −10 %: borrowerA is
        // Liquidatable (HF ≈ 0.99), borrowerB (≈ 1.08) and borrowerC (≈ 1.04) are in MarginCall,
        // under the base level 1.10. The keeper calls B and C; nearly a grace period later
        // (6 h − 10 min) it kicks A. The campaign starts with a live auction and two calls whose
        // deadline passes 10 minutes in: unless topped up, B and C become Liquidatable at HF ≥ 1,
        // the "warned, then sold" path.
        vm.warp(block.timestamp + 1 hours);
        _refreshAllFeeds();
        m.wethFeed.setPrice(2_490e8);
        secondaries.weth.setPrice(2_490e8);
        m.wbtcFeed.setPrice(54_000e8);
        secondaries.wbtc.setPrice(54_000e8);
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        vm.startPrank(actors.keeper);
        m.pool.issueMarginCall(actors.borrowers[1]);
        m.pool.issueMarginCall(actors.borrowers[2]);
        vm.stopPrank();
        vm.warp(block.timestamp + GRACE_PERIOD - 10 minutes);
        _refreshAllFeeds();
        vm.prank(actors.keeper);
        m.liquidator.kick(actors.borrowers[0], actors.keeper);
    }

    // ================================================================ helpers
    function _attachSecondary(address asset, int256 answer, uint256 minPrice, uint256 maxPrice)
        internal
        returns (MockAggregator feed)
    {
        vm.startPrank(governor);
        feed = new MockAggregator(FEED_DECIMALS, "secondary", answer);
        m.oracle.setFeed(asset, false, feed, COLLATERAL_HEARTBEAT, minPrice, maxPrice);
        vm.stopPrank();
    }

    /// @dev DemoMarket._refreshFeeds and the secondaries: a new round at the same answer, now.
    function _refreshAllFeeds() internal {
        _refreshFeeds();
        secondaries.weth.setPrice(_answer(secondaries.weth));
        secondaries.wbtc.setPrice(_answer(secondaries.wbtc));
        secondaries.wxrp.setPrice(_answer(secondaries.wxrp));
    }

    function _seedAmm(MockAMM amm, MockERC20 collateral, uint256 collateralAmount, uint256 baseAmount) internal {
        collateral.mint(address(this), collateralAmount);
        m.usdc.mint(address(this), baseAmount);
        collateral.approve(address(amm), collateralAmount);
        m.usdc.approve(address(amm), baseAmount);
        amm.addLiquidity(collateralAmount, baseAmount);
    }
}
