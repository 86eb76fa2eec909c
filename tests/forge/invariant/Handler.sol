// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";
import {MockAMM} from "../../../contracts/mocks/MockAMM.sol";
import {FlashTaker} from "../../../contracts/keepers/FlashTaker.sol";
import {AccountStatus, AccountState} from "../../../interfaces/ILendingPool.sol";
import {IDutchAuctionLiquidator} from "../../../interfaces/IDutchAuctionLiquidator.sol";
import {PauseAction, CollateralInfo, CollateralParams, MarketParams} from "../../../interfaces/IMarketConfig.sol";
import {FeedFault} from "../../../interfaces/IOracleAdapter.sol";
import {Market} from "../DemoMarket.sol";
import {KeeperTools, SecondaryFeeds, Actors} from "./Setup.sol";
import {Books, AuctionView} from "./Books.sol";

/// @title Handler
/// @notice The only target of the invariant campaign. Each function is one user, keeper,
/// governance or world action on the demo market. It never reverts: inputs are bounded, the
/// acting role is chosen among a few actors and pranked, preconditions are read from views
/// first (returning early when there is nothing to do), and calls that can legitimately fail
/// are wrapped in try/catch and counted. Ghost variables record what the invariants cannot
/// read from the contracts' books: what each guarded action saw just before it ran, collateral
/// that entered and left the system through wallets, and whether the exits that must always
/// work did. The market has three collaterals (WETH 18, WBTC 8, WXRP 6 decimals), each with a
/// secondary feed the campaign can make disagree; the handler keeps its own model of what the
/// ladder, the two-feed price rule and the liquidation-factor ramps must give (independent of
/// the pool's and the config's arithmetic) and counts every disagreement.
/// @dev Reads that can revert on a price (`accountStatus`, `effectiveCallHF`) are always
/// wrapped in try/catch. `vm.prank` is always the statement right before the pranked call, so
/// no view call in the arguments can consume it.
contract Handler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant USDC = 1e6;
    uint256 internal constant DUST = 1_000 * USDC; // demo `dust`
    uint256 internal constant STEP = 90; // [seconds] the demo curve's step
    uint256 internal constant RAMP = 7 days; // RampLib.RAMP_DURATION, DESIGN.md 2
    uint256 internal constant ASSETS = 3; // WETH, WBTC, WXRP: the collateral slots, in order
    bytes4 internal constant PANIC = 0x4e487b71; // Panic(uint256)

    /// @dev Upper bound of the pool identity's slack one handler call may add [wei]. Every
    /// conversion between base units and normalised debt rounds once, in the protocol's favour,
    /// and moves the slack by at most ⌈index/RAY⌉ + 1 ≤ 3 wei while the index is below 2 RAY
    /// (a run warps at most 32 × 12 h, far from doubling the index at ≤ 79 % APR); one call does
    /// at most one such conversion on the books (borrow, repay, seize, charge-back or write-off).
    uint256 public constant SLACK_PER_CALL = 4;

    Market internal m;
    KeeperTools internal tools;
    SecondaryFeeds internal sec;
    Actors internal a;
    address[] internal _everyone; // every address that may hold supply or fund shares

    // ================================================================ ghosts
    uint256 public calls;
    mapping(bytes32 action => uint256) public succeeded;
    mapping(bytes32 action => uint256) public failed;

    // collateral through wallets (nothing from nothing), [token units] by asset
    mapping(address asset => uint256) public collateralIn; // deposited into the pool, ever
    mapping(address asset => uint256) public collateralOut; // withdrawn to wallets
    mapping(address asset => uint256) public collateralSold; // received by takers
    mapping(address asset => uint256) public collateralReleased; // released by the fund's governor

    // base through the insurance fund's doors, measured on wallets [base units]
    uint256 public fundDeposited; // by insurers and the dead-share seed
    uint256 public fundRedeemed; // received by insurers
    uint256 public incentivesReceived; // received by the keeper from kicks and redoes
    uint256 public lotProceeds; // paid in by the governor for held collateral

    // promises broken: an action went through, or left a state, that DESIGN.md rules out
    uint256 public kicksOfNotLiquidatable; // not Liquidatable by kick's price rule, or sold at HF ≥ 1 unwarned
    uint256 public pokesMadeLiquidatable; // a poke turned a non-Liquidatable account Liquidatable
    uint256 public guardsBypassed; // see `invariant_guardsHold`
    uint256 public opensInBand; // a borrow or collateral withdrawal left an indebted account not Healthy
    uint256 public kicksLeavingBand; // an unscaled partial kick left the account under T
    uint256 public dustLeftBehind; // a borrow, repay or kick left the account's debt in (0, dust)
    uint256 public fundExitsOverpaid; // a redemption paid more than its quote or its requested value
    uint256 public fundRequestsGrown; // receiving fund shares grew a withdrawal request
    uint256 public sharePriceDilutions; // an entry or exit lowered the others' book value per share
    uint256 public opensBeyondLimit; // a borrow or withdrawal broke the opening rule at the worse prices
    uint256 public ladderMismatches; // accountStatus differs from the ladder recomputed here
    uint256 public lapsedCallsAlive; // a call still reported live at or after its lapse
    uint256 public rampMismatches; // a liquidation factor off its 7-day ramp, as modelled here
    uint256 public maxPriceIgnored; // a take went through above its maxPrice, or charged more
    uint256 public lossesBookedEarly; // a loss realised while the account had collateral or a live auction
    uint256 public exactFitsKeptCall; // a kick exactly filling the Hole room kept a call it should clear
    uint256 public worthlessIncentives; // a kick incentive paid for a tab or a lot worth under dust
    uint256 public debtPartMisfits; // accounts whose Σ debt parts of live auctions != debtInAuctionOf
    mapping(address account => bool) public misfit; // (audit finding 1) its auctions are left alone

    // liveness: actions DESIGN.md says always work (or fail only for named reasons), that did not
    uint256 public exitFailures; // repay in full + withdraw all, no live auction
    uint256 public repayFailures; // a bounded repay (never leaving dust) reverted
    uint256 public topUpFailures; // a collateral top-up under the cap reverted
    uint256 public callFailures; // issue/clear refused although the views said it qualifies
    uint256 public kickRefusals; // a Liquidatable, priced account refused for a reason not in DESIGN.md 3
    uint256 public takeRefusals; // a take at the current price refused for a reason not in DESIGN.md 4
    uint256 public unexplainedReverts; // a panic or an empty revert, in any action
    bytes32 public lastUnexplained; // the action of the last one

    // auction price path: last price and tic seen per id, and the breaker clock
    mapping(uint256 id => uint256) public lastPrice;
    mapping(uint256 id => uint64) public lastTic;
    uint256 public lastRestartSeen;
    uint256 public priceRises; // price above the last seen one with the same tic and clock, or above top

    // pool books through time
    int256 public lastSlack;
    uint256 public slackDecreases;
    uint256 public maxSlackStep;
    uint256 public lastBorrowIndex;
    uint256 public borrowIndexFalls;
    /// @dev Set by the actions that move time, prices, feeds, ramps or calls: the ladder and the
    /// ramps are then recomputed after the call (the costly checks, not after every call).
    bool internal _worldMoved;

    // margin calls as issued: deadline and lapse [unix seconds] of the last call issued per account
    mapping(address account => uint256) public issuedDeadline;
    mapping(address account => uint256) public issuedLapse;

    /// @dev The liquidation factor's schedule per asset, as DESIGN.md 2 says it moves: a lowering
    /// linearly over 7 days from the value in force, anything else at once.
    struct Schedule {
        uint256 from; // [wad]
        uint256 to; // [wad]
        uint256 start; // [unix seconds]
        uint256 end; // [unix seconds]
    }

    mapping(address asset => Schedule) public lfSchedule;
    mapping(address asset => uint256) internal _initialBorrowFactor; // [wad]

    constructor(
        Market memory market,
        KeeperTools memory keeperTools,
        SecondaryFeeds memory secondaries,
        Actors memory roles
    ) {
        m = market;
        tools = keeperTools;
        sec = secondaries;
        a = roles;
        for (uint256 i; i < 4; ++i) {
            _approve(a.borrowers[i], address(m.pool));
            _everyone.push(a.borrowers[i]);
        }
        for (uint256 i; i < 2; ++i) {
            _approve(a.lenders[i], address(m.pool));
            _approve(a.insurers[i], address(m.fund));
            _everyone.push(a.lenders[i]);
            _everyone.push(a.insurers[i]);
        }
        _approve(a.keeper, address(m.liquidator));
        _approve(a.governor, address(m.fund));
        _approve(a.donor, address(m.pool));
        _everyone.push(a.keeper);
        _everyone.push(a.flashKeeper);
        _everyone.push(a.governor);
        m.usdc.approve(address(tools.wethAmm), type(uint256).max);
        m.usdc.approve(address(tools.wbtcAmm), type(uint256).max);
        m.weth.approve(address(tools.wethAmm), type(uint256).max);
        m.wbtc.approve(address(tools.wbtcAmm), type(uint256).max);
        m.usdc.approve(address(tools.wxrpAmm), type(uint256).max);
        m.wxrp.approve(address(tools.wxrpAmm), type(uint256).max);

        // what happened before the campaign (setUp's positions, deposits, calls and kick)
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            address asset = address(assets[i]);
            collateralIn[asset] = m.pool.totalCollateral(asset) + Books.sums(m.liquidator, asset, address(0)).lot
                + m.fund.heldCollateral(asset);
            CollateralInfo memory c = m.config.collateralInfo(asset);
            lfSchedule[asset] = Schedule(c.liquidationFactor, c.liquidationFactor, block.timestamp, block.timestamp);
            _initialBorrowFactor[asset] = c.borrowFactor;
        }
        uint256 grace = m.config.marketParams().gracePeriod;
        for (uint256 i; i < 4; ++i) {
            uint256 deadline = m.pool.marginCallDeadline(a.borrowers[i]);
            if (deadline == 0) continue;
            issuedDeadline[a.borrowers[i]] = deadline;
            issuedLapse[a.borrowers[i]] = deadline + grace; // setUp issued them under this grace
        }
        fundDeposited = m.fund.totalDeposited();
        incentivesReceived = m.fund.incentivesPaid();
        lastSlack = _slack();
        lastBorrowIndex = m.pool.borrowIndex();
    }

    modifier observed() {
        ++calls;
        _;
        _observe();
    }

    // ================================================================ supply
    function supply(uint256 lenderSeed, uint256 amount) external observed {
        address lender = a.lenders[lenderSeed % 2];
        amount = _bound(amount, 1 * USDC, 200_000 * USDC);
        m.usdc.mint(lender, amount);
        SharePrice memory before = _poolSharePrice();
        vm.prank(lender);
        try m.pool.supply(amount, lender) {
            _ok("supply");
            _checkNotDiluted(before, _poolSharePrice());
        } catch (bytes memory reason) {
            _fail("supply", reason); // SupplyClosed after a total loss, ZeroShares
        }
    }

    function withdraw(uint256 lenderSeed, uint256 amount) external observed {
        address lender = a.lenders[lenderSeed % 2];
        uint256 most = Math.min(m.lens.withdrawableOf(lender), m.pool.cash());
        if (most == 0) return;
        if (amount % 4 != 0) amount = _bound(amount, 1, most);
        else amount = type(uint256).max;
        SharePrice memory before = _poolSharePrice();
        vm.prank(lender);
        try m.pool.withdraw(amount, lender) {
            _ok("withdraw");
            _checkNotDiluted(before, _poolSharePrice());
        } catch (bytes memory reason) {
            _fail("withdraw", reason); // everything > cash
        }
    }

    // ================================================================ collateral
    function depositCollateral(uint256 borrowerSeed, uint256 assetSeed, uint256 amount) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        MockERC20 asset = _collateral(assetSeed);
        amount = _depositAmount(asset, amount);
        asset.mint(borrower, amount);
        bool underCap =
            m.pool.totalCollateral(address(asset)) + amount <= m.config.collateralInfo(address(asset)).supplyCap;
        vm.prank(borrower);
        try m.pool.depositCollateral(address(asset), amount, borrower) {
            collateralIn[address(asset)] += amount;
            _ok("depositCollateral");
        } catch (bytes memory reason) {
            _fail("depositCollateral", reason);
            if (underCap) ++topUpFailures; // a top-up under the cap always works (DESIGN.md 3)
        }
    }

    /// @dev Someone else tops an account up (DESIGN.md 3: nobody else chooses what an account
    /// holds, but anyone may add to it). One deposit in two is dust, 1 to 1,000 token units (a
    /// WXRP unit is worth half a base unit): the first step of the attack of audit finding 1. A
    /// top-up of an asset the account already holds, under the cap, always works; one that adds
    /// an asset may be refused for want of a valid price.
    function depositOnBehalf(uint256 borrowerSeed, uint256 assetSeed, uint256 amount) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        MockERC20 asset = _collateral(assetSeed);
        amount = amount % 2 == 0 ? _bound(amount / 2, 1, 1_000) : _depositAmount(asset, amount);
        bool held = m.pool.collateralOf(borrower, address(asset)) != 0;
        bool underCap =
            m.pool.totalCollateral(address(asset)) + amount <= m.config.collateralInfo(address(asset)).supplyCap;
        if (_donate(borrower, asset, amount)) _ok("depositOnBehalf");
        else if (held && underCap) ++topUpFailures;
    }

    /// @dev The attack of audit finding 1 in one step: just before a kick, a dust deposit (1 to 3
    /// token units) of every collateral the victim does not hold yet, so that a full kick splits
    /// the debt over three assets, the last slot's (WXRP: a unit is worth half a base unit) a wei.
    /// Then the kick, checked as `kick` checks it. The victim is a Liquidatable borrower when
    /// there is one.
    function dustThenKick(uint256 borrowerSeed, uint256 amount) external observed {
        address borrower = _pick(borrowerSeed, AccountStatus.Liquidatable);
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            if (m.pool.collateralOf(borrower, address(assets[i])) != 0) continue;
            if (_donate(borrower, assets[i], _bound(amount >> (8 * i), 1, 3))) _ok("dustThenKick");
        }
        _kick(borrower, borrowerSeed);
    }

    /// @dev The donor deposits `amount` of `asset` for `borrower`; false when refused.
    function _donate(address borrower, MockERC20 asset, uint256 amount) internal returns (bool) {
        asset.mint(a.donor, amount);
        vm.prank(a.donor);
        try m.pool.depositCollateral(address(asset), amount, borrower) {
            collateralIn[address(asset)] += amount;
            return true;
        } catch (bytes memory reason) {
            _fail("depositOnBehalf", reason); // SupplyCapExceeded, a price needed and invalid
            return false;
        }
    }

    /// @dev A deposit of $30–$30,000: 0.01–10 WETH, 0.0005–0.5 WBTC, 60–60,000 WXRP.
    function _depositAmount(MockERC20 asset, uint256 amount) internal view returns (uint256) {
        if (asset == m.weth) return _bound(amount, 0.01e18, 10e18);
        if (asset == m.wbtc) return _bound(amount, 0.0005e8, 0.5e8);
        return _bound(amount, 60e6, 60_000e6);
    }

    function withdrawCollateral(uint256 borrowerSeed, uint256 assetSeed, uint256 amount) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        MockERC20 asset = _collateral(assetSeed);
        uint256 balance = m.pool.collateralOf(borrower, address(asset));
        if (balance == 0) return;
        amount = amount % 4 == 0 ? type(uint256).max : _bound(amount, 1, balance);
        // with no debt and no live auction, no price and no health check is needed
        bool hasDebt = m.pool.debtOf(borrower) != 0;
        bool mustWork = !hasDebt && m.pool.liveAuctions(borrower) == 0;
        bool mayOpen = _mayOpenRisk(borrower);
        uint256 before = asset.balanceOf(borrower);
        vm.prank(borrower);
        try m.pool.withdrawCollateral(address(asset), amount, borrower) {
            collateralOut[address(asset)] += asset.balanceOf(borrower) - before;
            _ok("withdrawCollateral");
            if (!mayOpen) ++guardsBypassed;
            if (hasDebt) {
                _checkOpenedOutsideBand(borrower);
                _checkOpeningRule(borrower);
            }
        } catch (bytes memory reason) {
            _fail("withdrawCollateral", reason); // not Healthy, opening margin, stale price, live auctions
            if (mustWork) ++exitFailures;
        }
    }

    // ================================================================ borrow
    /// @dev A third of the time the amount is drawn below the opening-risk limit computed here at
    /// the prices worse for the borrower (`maxBorrow`); a third between that limit and the one the
    /// prices better for the borrower would give (refused whenever two feeds disagree: borrowing
    /// reads the worse price, DESIGN.md 6); otherwise a bounded guess that may exceed both.
    /// Checked after each borrow: the opening rule holds at the worse prices, recomputed here.
    function borrow(uint256 borrowerSeed, uint256 amount) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        uint256 room = maxBorrow(borrower, false);
        uint256 betterRoom = maxBorrow(borrower, true);
        if (room >= 1 && amount % 3 == 0) amount = _bound(amount, 1, room);
        else if (betterRoom > room && amount % 3 == 1) amount = _bound(amount, room + 1, betterRoom);
        else amount = _bound(amount, DUST, 150_000 * USDC);
        uint256 debt = m.pool.debtOf(borrower);
        if (debt + amount < DUST) amount = DUST - debt; // the dust floor is not what we test here
        bool mayOpen = _mayOpenRisk(borrower);
        vm.prank(borrower);
        try m.pool.borrow(amount, borrower) {
            _ok("borrow");
            _checkDust(borrower);
            if (!mayOpen) ++guardsBypassed;
            _checkOpenedOutsideBand(borrower);
            _checkOpeningRule(borrower);
        } catch (bytes memory reason) {
            _fail("borrow", reason);
        }
    }

    /// @notice Largest extra debt the opening-risk rule allows now, by the pool's formula
    /// `marginCallHF · Σ amount·low·borrowFactor ≥ callHF_eff · debt · baseHigh`, less 0.1 %
    /// (a borrow first consumes pending volatility rounds, which may raise callHF_eff); 0 when
    /// the account cannot borrow (live auctions, not Healthy, no valid price). With `better`, the
    /// same at the prices better for the borrower (what a pool reading the wrong end would allow).
    function maxBorrow(address borrower, bool better) public view returns (uint256) {
        if (m.pool.liveAuctions(borrower) != 0) return 0;
        (bool okStatus, AccountStatus status) = _status(borrower);
        if (!okStatus || status != AccountStatus.Healthy) return 0;
        (bool okBase, uint256 baseLow, uint256 baseHigh) = _prices(address(m.usdc));
        if (!okBase) return 0;
        if (better) baseHigh = baseLow;
        (bool priced, uint256 capacity) = _borrowCapacity(borrower, better);
        if (!priced) return 0;
        uint256 level;
        try m.lens.effectiveCallHF(borrower) returns (uint256 l) {
            level = l;
        } catch {
            return 0;
        }
        uint256 maxDebtValue = Math.mulDiv(capacity, m.config.marketParams().marginCallHF, level);
        uint256 maxDebt = Math.mulDiv(maxDebtValue, USDC, baseHigh) * 999 / 1000;
        uint256 debt = m.pool.debtOf(borrower);
        uint256 room = maxDebt > debt ? maxDebt - debt : 0;
        return Math.min(room, m.pool.cash());
    }

    /// @dev Σ value · borrowFactor [wad USD] at the lower (or, `better`, higher) collateral
    /// prices; false without a valid price for a held asset.
    function _borrowCapacity(address borrower, bool better) internal view returns (bool, uint256 capacity) {
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            uint256 amount = m.pool.collateralOf(borrower, address(assets[i]));
            if (amount == 0) continue;
            (bool ok, uint256 low, uint256 high) = _prices(address(assets[i]));
            if (!ok) return (false, 0);
            uint256 value = Math.mulDiv(amount, better ? high : low, 10 ** assets[i].decimals());
            capacity += Math.mulDiv(value, m.config.collateralInfo(address(assets[i])).borrowFactor, WAD);
        }
        return (true, capacity);
    }

    /// @dev Partial repays never leave debt under dust; a full repay sends exactly the debt. Any
    /// revert is a liveness failure: repay never reverts on the oracle or a pause.
    function repay(uint256 borrowerSeed, uint256 amount) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        uint256 debt = m.pool.debtOf(borrower);
        if (debt == 0) return;
        if (amount % 5 == 0 || debt <= DUST + 1) {
            amount = type(uint256).max;
            m.usdc.mint(borrower, debt);
        } else {
            amount = _bound(amount, 1, debt - DUST - 1);
            m.usdc.mint(borrower, amount);
        }
        vm.prank(borrower);
        try m.pool.repay(amount, borrower) {
            _ok("repay");
            _checkDust(borrower);
        } catch (bytes memory reason) {
            _fail("repay", reason);
            ++repayFailures;
        }
    }

    // ================================================================ world: time and prices
    /// @dev Mostly short steps (auction clocks run in 90 s steps), one in four long ones (margin
    /// calls run for hours); feeds are refreshed after four warps in five.
    function warp(uint256 seconds_, uint256 refreshSeed) external observed {
        _worldMoved = true;
        seconds_ = seconds_ % 4 != 0 ? _bound(seconds_, 30, 30 minutes) : _bound(seconds_, 30 minutes, 12 hours);
        vm.warp(block.timestamp + seconds_);
        if (refreshSeed % 5 != 0) _refreshAll();
        _ok("warp");
    }

    /// @dev Lands exactly on a boundary of a live margin call (DESIGN.md 3): its deadline or its
    /// lapse, one second before, at, or one second after; feeds refreshed. The ladder check after
    /// the call (`_checkLadder`) then sees whether the account is Liquidatable exactly when the
    /// deadline has passed, and whether the call is dead exactly from its lapse on.
    function warpToCallBoundary(uint256 borrowerSeed, uint256 which) external observed {
        _worldMoved = true;
        address borrower = address(0);
        for (uint256 i; i < 4; ++i) {
            address candidate = a.borrowers[(borrowerSeed % 4 + i) % 4];
            if (m.pool.marginCallDeadline(candidate) != 0) {
                borrower = candidate;
                break;
            }
        }
        if (borrower == address(0)) return;
        uint256 boundary = which % 2 == 0 ? issuedDeadline[borrower] : issuedLapse[borrower];
        uint256 target = boundary + (which / 2) % 3; // boundary − 1, boundary, boundary + 1
        if (target == 0 || target - 1 <= block.timestamp) return;
        vm.warp(target - 1);
        _refreshAll();
        _ok("warpToCallBoundary");
    }

    /// @dev Every feed that is up gets a new round at its answer, now.
    function _refreshAll() internal {
        _refresh(m.usdcFeed);
        _refresh(m.wethFeed);
        _refresh(m.wbtcFeed);
        _refresh(m.wxrpFeed);
        _refresh(sec.weth);
        _refresh(sec.wbtc);
        _refresh(sec.wxrp);
    }

    /// @dev Multiplicative moves, both directions with a crash bias: a collateral asset (WETH,
    /// WBTC or WXRP alone, or all together) ×[0.85, 1.12], one move in four a crash ×[0.70, 0.90],
    /// kept within 1/10 and 10× of the demo price; or the base asset ×[0.99, 1.01] within
    /// [0.95, 1.05]. A secondary feed moves by the same factor (a disagreement persists). The new
    /// round is timestamped now (that feed is fresh again).
    function movePrice(uint256 assetSeed, uint256 factorBps) external observed {
        _worldMoved = true;
        uint256 which = assetSeed % 8; // 0–1 WETH, 2–3 WBTC, 4–5 WXRP, 6 all three, 7 the base asset
        if (which == 7) {
            _move(m.usdcFeed, 1e8, _bound(factorBps, 9_900, 10_100), 95, 105);
        } else {
            uint256 factor =
                factorBps % 4 == 0 ? _bound(factorBps / 4, 7_000, 9_000) : _bound(factorBps / 4, 8_500, 11_200);
            if (which <= 1 || which == 6) _movePair(m.wethFeed, sec.weth, 3_000e8, factor);
            if (which == 2 || which == 3 || which == 6) _movePair(m.wbtcFeed, sec.wbtc, 60_000e8, factor);
            if (which == 4 || which == 5 || which == 6) _movePair(m.wxrpFeed, sec.wxrp, 0.5e8, factor);
        }
        _ok("movePrice");
    }

    function _movePair(MockAggregator primary, MockAggregator secondary, uint256 initial, uint256 factor) internal {
        _move(primary, initial, factor, 10, 1_000);
        _move(secondary, initial, factor, 10, 1_000);
    }

    /// @dev The secondary feed of a collateral moves to [0.90, 1.10] × the primary's answer (one
    /// call in four back to agreement): beyond `maxDeviation` (2 %) the two disagree, and
    /// borrowing reads the price worse for the borrower, the ladder and kicks the better one.
    function disagree(uint256 assetSeed, uint256 bps) external observed {
        _worldMoved = true;
        uint256 which = assetSeed % ASSETS;
        MockAggregator primary = which == 0 ? m.wethFeed : which == 1 ? m.wbtcFeed : m.wxrpFeed;
        MockAggregator secondary = which == 0 ? sec.weth : which == 1 ? sec.wbtc : sec.wxrp;
        if (primary.reverting() || secondary.reverting()) return;
        bps = bps % 4 == 0 ? 10_000 : _bound(bps / 4, 9_000, 11_000);
        uint256 initial = which == 0 ? 3_000e8 : which == 1 ? 60_000e8 : 0.5e8;
        uint256 answer = uint256(_answer(primary)) * bps / 10_000;
        secondary.setPrice(int256(Math.max(initial / 10, Math.min(answer, initial * 10))));
        _ok("disagree");
    }

    /// @dev A new round at the same answer, now; a feed that is down stays down.
    function _refresh(MockAggregator feed) internal {
        if (!feed.reverting()) feed.setPrice(_answer(feed));
    }

    /// @dev answer × factorBps / 10,000, clamped to [initial·lowPct, initial·highPct] / 100; a
    /// feed that is down does not move.
    function _move(MockAggregator feed, uint256 initial, uint256 factorBps, uint256 lowPct, uint256 highPct) internal {
        if (feed.reverting()) return;
        uint256 answer = uint256(_answer(feed)) * factorBps / 10_000;
        answer = Math.max(initial * lowPct / 100, Math.min(answer, initial * highPct / 100));
        feed.setPrice(int256(answer));
    }

    /// @dev One asset at a time loses its primary feed (every read reverts; one call in three
    /// while all are up), and one time in two its secondary too (no valid price), and both come
    /// back on the next call: repay, top-ups, exits without debt and takes must not notice;
    /// borrow, withdrawal with debt, calls, kicks and redoes of that asset are refused with the
    /// oracle's named error.
    function feedOutage(uint256 feedSeed) external observed {
        _worldMoved = true;
        MockAggregator[7] memory feeds = [m.wethFeed, m.wbtcFeed, m.wxrpFeed, m.usdcFeed, sec.weth, sec.wbtc, sec.wxrp];
        bool restored;
        for (uint256 i; i < 7; ++i) {
            if (feeds[i].reverting()) {
                feeds[i].setReverting(false);
                restored = true;
            }
        }
        if (restored || feedSeed % 3 != 0) {
            if (restored) _ok("feedOutage");
            return;
        }
        uint256 which = (feedSeed / 3) % 4;
        feeds[which].setReverting(true);
        if (which < 3 && (feedSeed / 12) % 2 == 0) feeds[which + 4].setReverting(true);
        _ok("feedOutage");
    }

    /// @dev A poke only consumes volatility rounds: it may move an account between Healthy and
    /// MarginCall (callHF_eff), never make it Liquidatable (DESIGN.md 3).
    function poke(uint256 assetSeed) external observed {
        address asset = address(_collateral(assetSeed));
        bool[4] memory wasLiquidatable;
        bool[4] memory known;
        for (uint256 i; i < 4; ++i) {
            (bool ok, AccountStatus s) = _status(a.borrowers[i]);
            known[i] = ok;
            wasLiquidatable[i] = s == AccountStatus.Liquidatable;
        }
        m.oracle.poke(asset); // never reverts for a configured feed
        for (uint256 i; i < 4; ++i) {
            (bool ok, AccountStatus s) = _status(a.borrowers[i]);
            if (known[i] && ok && !wasLiquidatable[i] && s == AccountStatus.Liquidatable) ++pokesMadeLiquidatable;
        }
        _ok("poke");
    }

    // ================================================================ margin calls
    function issueMarginCall(uint256 borrowerSeed) external observed {
        _worldMoved = true;
        address borrower = _pickForCall(borrowerSeed, AccountStatus.MarginCall, false);
        (bool ok, AccountStatus status) = _status(borrower);
        bool qualifies = ok && status == AccountStatus.MarginCall && m.pool.marginCallDeadline(borrower) == 0;
        uint256 grace = m.config.marketParams().gracePeriod;
        vm.prank(a.keeper);
        try m.pool.issueMarginCall(borrower) {
            _ok("issueMarginCall");
            if (!qualifies) ++guardsBypassed;
            // DESIGN.md 3: deadline = now + gracePeriod; the call lapses gracePeriod after it
            issuedDeadline[borrower] = block.timestamp + grace;
            issuedLapse[borrower] = block.timestamp + 2 * grace;
            if (m.pool.marginCallDeadline(borrower) != block.timestamp + grace) ++ladderMismatches;
        } catch (bytes memory reason) {
            _fail("issueMarginCall", reason);
            if (qualifies) ++callFailures;
        }
    }

    function clearMarginCall(uint256 borrowerSeed) external observed {
        _worldMoved = true;
        address borrower = _pickForCall(borrowerSeed, AccountStatus.Healthy, true);
        (bool ok, AccountStatus status) = _status(borrower);
        bool qualifies = ok && status == AccountStatus.Healthy && m.pool.marginCallDeadline(borrower) != 0;
        vm.prank(a.keeper);
        try m.pool.clearMarginCall(borrower) {
            _ok("clearMarginCall");
            if (!qualifies) ++guardsBypassed;
        } catch (bytes memory reason) {
            _fail("clearMarginCall", reason);
            if (qualifies) ++callFailures;
        }
    }

    // ================================================================ liquidation
    /// @dev Targets a Liquidatable borrower when there is one, else any (to see the refusal).
    /// The held assets are poked first (the kick would consume the same rounds), then the status
    /// and call level are read just before, by kick's price rule (`accountStatus`: the end of each
    /// price range better for the borrower; interest to now). Checked: only a Liquidatable account
    /// is kicked; a Liquidatable, priced account is refused only for the reasons of DESIGN.md 3
    /// (breaker, NoRoom, live auctions and no collateral); a kick that `hole` did not cut down
    /// (its tab, found by the same kick on a snapshot with `hole` at its largest, fits the room)
    /// leaves the account with no debt or at HF ≥ T = max(targetHF, callHF_eff + exitMargin), out
    /// of the band with room; a kick pays an incentive only for a tab and a lot both worth at
    /// least dust (DESIGN.md 4). One kick in four first sets `hole` so that the room left is
    /// exactly that tab: such a kick is not cut down, so it clears the call of an account it
    /// leaves Healthy; `hole` is then set back.
    function kick(uint256 borrowerSeed) external observed {
        _kick(_pick(borrowerSeed, AccountStatus.Liquidatable), borrowerSeed);
    }

    function _kick(address borrower, uint256 seed) internal {
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        m.oracle.poke(address(m.wxrp));
        uint256 hole = m.liquidator.hole();
        uint256 wanted = _wantedTab(borrower);
        bool exactFit = seed % 4 == 3 && _fitHoleToKick(wanted);
        KickView memory k = _kickView(borrower);
        vm.prank(a.keeper);
        try m.liquidator.kick(borrower, a.keeper) returns (uint256[] memory ids) {
            _ok("kick");
            if (!k.priced || k.status != AccountStatus.Liquidatable || !k.warned) ++kicksOfNotLiquidatable;
            if (k.breakerOn) ++guardsBypassed;
            uint256 paid = m.usdc.balanceOf(a.keeper) - k.keeperBalance;
            incentivesReceived += paid;
            if (ids.length == 0 && paid != 0) ++guardsBypassed; // closing an account pays no incentive
            _checkDust(borrower);
            // DESIGN.md 3 promises T only for a kick `hole` did not cut down, and the kick cuts down
            // exactly when its plan's tab exceeds the room left. Judged by that rule, not by the
            // tab added: a cut-down kick drops every slot whose lot scales to 0 together with that
            // slot's tab, so it can add well under the room (counterexample: a full kick at HF 0.52
            // with 3 sats of donated WBTC added 614 base units less than the room).
            uint256 added = m.liquidator.totalTab() - k.tabInUse;
            bool cutDown = wanted > k.room;
            if (!cutDown && m.pool.debtOf(borrower) != 0 && _healthFactor(borrower) < k.target) {
                ++kicksLeavingBand;
            }
            if (paid != 0 && (added < DUST || _lotsValue(ids) < DUST)) ++worthlessIncentives;
            if (exactFit && ids.length != 0 && m.pool.marginCallDeadline(borrower) != 0) {
                (bool ok, AccountStatus after_) = _status(borrower);
                if (ok && after_ == AccountStatus.Healthy) ++exactFitsKeptCall;
            }
        } catch (bytes memory reason) {
            _fail("kick", reason);
            bytes4 why = reason.length >= 4 ? bytes4(reason) : bytes4(0);
            if (
                k.priced && k.status == AccountStatus.Liquidatable && !k.breakerOn
                    && why != IDutchAuctionLiquidator.NoRoom.selector
                    && why != IDutchAuctionLiquidator.NothingToSeize.selector
            ) ++kickRefusals;
        }
        if (exactFit) {
            vm.prank(a.governor);
            m.liquidator.setHole(hole);
        }
    }

    /// @dev The tab the kick would add with all the room it wants: the same kick run on a snapshot
    /// with `hole` at its largest, then reverted. 0 when that kick fails or closes the account.
    function _wantedTab(address borrower) internal returns (uint256 added) {
        uint256 before = m.liquidator.totalTab();
        uint256 snapshot = vm.snapshotState();
        vm.prank(a.governor);
        m.liquidator.setHole(type(uint128).max); // the largest hole the liquidator accepts
        vm.prank(a.keeper);
        try m.liquidator.kick(borrower, a.keeper) {
            added = m.liquidator.totalTab() - before;
        } catch {}
        vm.revertToStateAndDelete(snapshot);
    }

    /// @dev Has the governor set `hole` to totalTab + `wanted` (the kick's tab, `_wantedTab`);
    /// false (nothing changed) when that kick fails, closes the account or would itself be cut
    /// down by the room left.
    function _fitHoleToKick(uint256 wanted) internal returns (bool) {
        uint256 before = m.liquidator.totalTab();
        uint256 room = m.liquidator.hole() > before ? m.liquidator.hole() - before : 0;
        if (wanted == 0 || wanted >= room) return false;
        vm.prank(a.governor);
        m.liquidator.setHole(before + wanted);
        return true;
    }

    /// @dev Σ oracle value of the lots of auctions `ids` [base units], as kick values them: each
    /// lot at the price better for the borrower, rounded down (prices recomputed here).
    function _lotsValue(uint256[] memory ids) internal view returns (uint256 value) {
        (, uint256 baseLow,) = _prices(address(m.usdc));
        for (uint256 i; i < ids.length; ++i) {
            AuctionView memory v = Books.auction(m.liquidator, ids[i]);
            if (v.account == address(0)) continue;
            (,, uint256 high) = _prices(v.asset);
            value += Math.mulDiv(Math.mulDiv(v.lot, high, v.scale), USDC, baseLow);
        }
    }

    /// @dev What the handler reads just before a kick.
    struct KickView {
        bool priced; // the status could be read (every price the account needs is valid)
        AccountStatus status; // by kick's price rule
        bool warned; // HF < 1 (recomputed here), or a live call past its deadline under the base level
        uint256 target; // [wad] T = max(targetHF, callHF_eff + exitMargin)
        uint256 tabInUse; // [base units] totalTab
        uint256 room; // [base units] hole − totalTab
        bool breakerOn;
        uint256 keeperBalance; // [base units]
    }

    function _kickView(address borrower) internal view returns (KickView memory k) {
        (k.priced, k.status) = _status(borrower);
        MarketParams memory params = m.config.marketParams();
        uint256 marginCallHF = params.marginCallHF;
        k.target = Math.max(params.targetHF, _callLevel(borrower) + params.exitMargin);
        // warned before sold: at HF ≥ 1 only a live call past its deadline, under the base level
        uint256 hf = _independentHF(borrower);
        uint256 deadline = m.pool.marginCallDeadline(borrower);
        k.warned = hf < WAD || (deadline != 0 && block.timestamp > deadline && hf < marginCallHF);
        k.tabInUse = m.liquidator.totalTab();
        uint256 hole = m.liquidator.hole();
        k.room = hole > k.tabInUse ? hole - k.tabInUse : 0;
        k.breakerOn = m.liquidator.breaker() >= 1;
        k.keeperBalance = m.usdc.balanceOf(a.keeper);
    }

    /// @dev The keeper bids 85–105 % of the oracle value (kick's price rule) and waits, warping
    /// in the curve's 90 s steps, until the auction price reaches its bid, at most until the
    /// auction would need a redo; it buys blind one time in two when there is no valid price. It
    /// pays with its own base tokens (minted up to the tab, the most a take owes). The slice is
    /// the whole lot, a random part, or all but a sliver (which can leave a lot worth under dust:
    /// `settle`). One refused take in four (needs a redo, breaker 3) is tried anyway. One take in
    /// five offers 1 wei to 1 % under the current price: it must be refused `TooExpensive`; and
    /// no take ever pays more than its slice at its `maxPrice`. Also checked, for takes, flash
    /// takes and settles: a loss is realised only once the account has no collateral and no
    /// live auction left (an auction ending short while a sibling lives is charged back).
    function take(uint256 idSeed, uint256 amount) external observed {
        (uint256 id, AuctionView memory v) = _pickAuction(idSeed);
        if (id == 0) return;
        (bool needsRedo,,,) = m.liquidator.getStatus(id);
        bool refused = needsRedo || m.liquidator.breaker() >= 3;
        if (refused && amount % 4 != 0) return;
        if (!refused && !_waitFor(id, v, _bid(v.asset, _bound(idSeed / 7, 8_500, 10_500), amount))) return;
        (, uint256 price,,) = m.liquidator.getStatus(id);
        uint256 maxCollateral = amount % 3 == 0
            ? v.lot
            : amount % 3 == 1 ? _bound(amount, 1, v.lot) : v.lot - _bound(amount / 3, 0, v.lot / 100);
        bool underPrice = !refused && idSeed % 5 == 0 && price != 0;
        uint256 maxPrice = underPrice ? price - _bound(amount / 7, 1, Math.max(price / 100, 1)) : price;
        m.usdc.mint(a.keeper, v.tab);
        TakeView memory t = TakeView(
            MockERC20(v.asset).balanceOf(a.keeper), m.usdc.balanceOf(a.keeper), m.pool.realizedLosses(), maxPrice
        );
        vm.prank(a.keeper);
        try m.liquidator.take(id, maxCollateral, maxPrice, a.keeper, "") {
            _ok("take");
            if (refused) ++guardsBypassed;
            if (underPrice) ++maxPriceIgnored;
            _afterTake(id, v, t);
        } catch (bytes memory reason) {
            _fail("take", reason); // NeedsRedo, BreakerOn, NoPartialPurchase (a tab ≤ dust with a slice)
            if (!_takeRefusalAllowed(reason)) ++takeRefusals;
            if (underPrice && bytes4(reason) != IDutchAuctionLiquidator.TooExpensive.selector) ++takeRefusals;
        }
    }

    /// @dev What the handler reads just before a take.
    struct TakeView {
        uint256 collateral; // [token units] the keeper's balance of the lot's asset
        uint256 base; // [base units] the keeper's base balance
        uint256 losses; // [base units] realizedLosses
        uint256 maxPrice; // [wad] offered
    }

    function _afterTake(uint256 id, AuctionView memory v, TakeView memory t) internal {
        uint256 bought = MockERC20(v.asset).balanceOf(a.keeper) - t.collateral;
        collateralSold[v.asset] += bought;
        // less than one token unit more than the slice at maxPrice (a dust-cut slice rounds down)
        if (t.base - m.usdc.balanceOf(a.keeper) > _oweAt(bought + 1, t.maxPrice, v.scale)) ++maxPriceIgnored;
        // a take never leaves a tab remainder under dust (the slice is adjusted instead)
        AuctionView memory left = Books.auction(m.liquidator, id);
        if (left.account != address(0) && left.tab < DUST) ++guardsBypassed;
        _checkNoEarlyLoss(v.account, t.losses);
    }

    /// @dev What `slice` costs at `price` [base units], rounded up (at most what a take may pull).
    function _oweAt(uint256 slice, uint256 price, uint256 scale) internal pure returns (uint256) {
        return Math.mulDiv(Math.mulDiv(slice, price, scale, Math.Rounding.Ceil), USDC, WAD, Math.Rounding.Ceil);
    }

    /// @dev After an action that may end an auction: realised losses moved only if the account
    /// has neither collateral nor a live auction left (DESIGN.md 4, Shortfall).
    function _checkNoEarlyLoss(address account, uint256 lossesBefore) internal {
        if (m.pool.realizedLosses() == lossesBefore) return;
        if (m.pool.liveAuctions(account) != 0 || m.pool.assetsIn(account) != 0) ++lossesBookedEarly;
    }

    /// @dev FlashTaker buys with no capital and sells on the AMM inside the callback. The AMM is
    /// first brought to 90–115 % of the oracle price by one-sided liquidity (a lab device, never
    /// read by the protocol: an AMM that leads or lags the feed); the flash keeper waits until
    /// the auction price is 1 % under the AMM's, at most until a redo is needed. Whole lots sell
    /// with slippage, so some takes still fail `Unprofitable`.
    function flashTake(uint256 idSeed, uint256 premiumBps) external observed {
        (uint256 id, AuctionView memory v) = _pickAuction(idSeed);
        if (id == 0) return;
        (bool needsRedo,,,) = m.liquidator.getStatus(id);
        if (needsRedo) return;
        MockERC20 asset = MockERC20(v.asset);
        MockAMM amm =
            v.asset == address(m.weth) ? tools.wethAmm : v.asset == address(m.wbtc) ? tools.wbtcAmm : tools.wxrpAmm;
        premiumBps = _bound(premiumBps, 9_000, 11_500);
        if (!_syncAmm(amm, asset, premiumBps)) return;
        if (!_waitFor(id, v, _bid(v.asset, premiumBps * 99 / 100, 1))) return;
        (, uint256 price,,) = m.liquidator.getStatus(id);
        uint256 before = asset.balanceOf(address(amm));
        uint256 losses = m.pool.realizedLosses();
        vm.prank(a.flashKeeper);
        try tools.flashTaker.take(id, v.lot, price, amm, 0) {
            _ok("flashTake");
            collateralSold[v.asset] += asset.balanceOf(address(amm)) - before;
            AuctionView memory left = Books.auction(m.liquidator, id);
            if (left.account != address(0) && left.tab < DUST) ++guardsBypassed;
            _checkNoEarlyLoss(v.account, losses);
        } catch (bytes memory reason) {
            _fail("flashTake", reason); // Unprofitable (slippage), BreakerOn
            if (!_takeRefusalAllowed(reason) && bytes4(reason) != FlashTaker.Unprofitable.selector) ++takeRefusals;
        }
    }

    /// @dev The reasons a take at the current price, by a taker who can pay, may be refused
    /// (DESIGN.md 4): the auction needs a redo, the breaker is at 3, or a partial slice of a tab
    /// ≤ dust. Anything else (a token transfer failing inside the protocol, a panic) means an
    /// auction that should sell cannot.
    function _takeRefusalAllowed(bytes memory reason) internal pure returns (bool) {
        if (reason.length < 4) return false;
        bytes4 why = bytes4(reason);
        return why == IDutchAuctionLiquidator.NeedsRedo.selector || why == IDutchAuctionLiquidator.BreakerOn.selector
            || why == IDutchAuctionLiquidator.NoPartialPurchase.selector
            || why == IDutchAuctionLiquidator.TooExpensive.selector;
    }

    /// @dev Highest price [wad base per collateral] a keeper pays: `bps` of the oracle value, or
    /// (no valid price) any price when `seed` is even, none when odd.
    function _bid(address asset, uint256 bps, uint256 seed) internal view returns (uint256) {
        (bool ok,, uint256 high) = m.oracle.tryPriceRange(asset);
        (bool okBase, uint256 baseLow,) = m.oracle.tryPriceRange(address(m.usdc));
        if (!ok || !okBase) return seed % 2 == 0 ? type(uint256).max : 0;
        return Math.mulDiv(high, bps * WAD, baseLow * 10_000);
    }

    /// @dev Warps to the first curve step at which auction `id` asks at most `bid`; false (and no
    /// warp) when that is never before the auction needs a redo.
    function _waitFor(uint256 id, AuctionView memory v, uint256 bid) internal returns (bool) {
        uint256 from = Math.max(v.tic, m.liquidator.lastRestart()); // the auction clock's start
        uint256 tail = m.liquidator.tail();
        uint256 floor = Math.mulDiv(v.top, m.config.liquidationParams().cusp, WAD);
        for (uint256 age = block.timestamp - from; age <= tail; age = (age / STEP + 1) * STEP) {
            uint256 price = m.curve.price(v.top, age);
            if (price < floor) return false;
            if (price <= bid) {
                if (from + age > block.timestamp) vm.warp(from + age);
                (bool needsRedo,,,) = m.liquidator.getStatus(id);
                return !needsRedo;
            }
        }
        return false;
    }

    /// @dev Also checked: a redo pays its tip at most once per `tail` per auction, the kick
    /// counting as a payment.
    function redo(uint256 idSeed) external observed {
        (uint256 id, AuctionView memory v) = _pickAuction(idSeed);
        if (id == 0) return;
        (bool needsRedo,,,) = m.liquidator.getStatus(id);
        bool refused = !needsRedo || m.liquidator.breaker() >= 2;
        if (refused && idSeed % 4 != 0) return; // one refused redo in four, to see the refusal
        uint256 before = m.usdc.balanceOf(a.keeper);
        vm.prank(a.keeper);
        try m.liquidator.redo(id, a.keeper) {
            _ok("redo");
            if (refused) ++guardsBypassed;
            uint256 paid = m.usdc.balanceOf(a.keeper) - before;
            incentivesReceived += paid;
            if (paid != 0 && block.timestamp < v.lastIncentive + m.liquidator.tail()) ++guardsBypassed;
        } catch (bytes memory reason) {
            _fail("redo", reason); // CannotRedo, a price invalid, BreakerOn
        }
    }

    /// @dev Also checked: a settled auction needed a redo and was stuck (needed one for 3 × tail,
    /// that is older than 4 × tail, with no valid price now) or its lot was worth under dust at a
    /// fresh valid price, and the breaker was below 2 (DESIGN.md 4).
    function settle(uint256 idSeed) external observed {
        (uint256 id, AuctionView memory v) = _pickAuction(idSeed);
        if (id == 0) return;
        (bool needsRedo,,,) = m.liquidator.getStatus(id);
        uint256 age = block.timestamp - Math.max(v.tic, m.liquidator.lastRestart());
        bool stuck = needsRedo && age > 4 * m.liquidator.tail() && !_priced(v.asset);
        bool worthless = needsRedo && _priced(v.asset) && _lotValue(v) < DUST;
        bool allowed = (stuck || worthless) && m.liquidator.breaker() < 2;
        uint256 losses = m.pool.realizedLosses();
        vm.prank(a.keeper);
        try m.liquidator.settle(id) {
            _ok("settle");
            if (!allowed) ++guardsBypassed;
            _checkNoEarlyLoss(v.account, losses);
        } catch (bytes memory reason) {
            _fail("settle", reason); // CannotSettle: priced and worth at least dust
        }
    }

    /// @dev The guardian raises the breaker (one call in eight while it is down: it stops kicks),
    /// the governor lowers it back on the next call.
    function breaker(uint256 levelSeed) external observed {
        if (m.liquidator.breaker() != 0) {
            vm.prank(a.governor);
            m.liquidator.setBreaker(0);
        } else if (levelSeed % 8 == 0) {
            vm.prank(a.guardian);
            m.liquidator.setBreaker(_bound(levelSeed / 8, 1, 3));
        }
        _ok("breaker");
    }

    /// @dev The governor moves a collateral's liquidation factor to [0.90, 1.05] × its value in
    /// force (within [0.5, the penalty bound]), lowering its borrow factor as far as the joint
    /// bound needs (never above the listed one). A lowering ramps over 7 days from the value in
    /// force; a raise applies at once (DESIGN.md 2). The schedule is recorded here and checked
    /// after every call (`_checkRamps`); the ladder and HF checks use it, not the config's view.
    function rampLiquidationFactor(uint256 assetSeed, uint256 bps) external observed {
        _worldMoved = true;
        address asset = address(_collateral(assetSeed));
        CollateralInfo memory c = m.config.collateralInfo(asset);
        uint256 current = _scheduledLF(asset);
        uint256 most = (WAD * WAD - 1) / (WAD + c.liquidationPenalty); // lf·(1 + p) < 1
        uint256 target = Math.max(0.5e18, Math.min(current * _bound(bps, 9_000, 10_500) / 10_000, most));
        uint256 marginCallHF = m.config.marketParamsTarget().marginCallHF;
        uint256 borrowFactor = Math.min(_initialBorrowFactor[asset], Math.mulDiv(target, WAD, marginCallHF));
        vm.prank(a.governor);
        try m.config
            .setCollateralParams(asset, CollateralParams(borrowFactor, target, c.liquidationPenalty, c.supplyCap)) {
            _ok("rampLiquidationFactor");
            Schedule storage r = lfSchedule[asset];
            if (target == r.to) return; // the ramp in progress goes on untouched
            if (target < current) (r.from, r.start, r.end) = (current, block.timestamp, block.timestamp + RAMP);
            else (r.from, r.start, r.end) = (target, block.timestamp, block.timestamp);
            r.to = target;
        } catch (bytes memory reason) {
            _fail("rampLiquidationFactor", reason);
        }
    }

    // ================================================================ insurance fund
    function fundDeposit(uint256 insurerSeed, uint256 amount) external observed {
        address insurer = a.insurers[insurerSeed % 2];
        amount = _bound(amount, 1 * USDC, 10_000 * USDC);
        m.usdc.mint(insurer, amount);
        SharePrice memory before = _fundSharePrice();
        vm.prank(insurer);
        try m.fund.deposit(amount, insurer) {
            _ok("fundDeposit");
            _checkNotDiluted(before, _fundSharePrice());
            fundDeposited += amount;
        } catch (bytes memory reason) {
            _fail("fundDeposit", reason);
        }
    }

    function fundRequestWithdraw(uint256 insurerSeed, uint256 shares) external observed {
        address insurer = a.insurers[insurerSeed % 2];
        uint256 balance = m.fund.balanceOf(insurer);
        if (balance == 0) return;
        shares = _bound(shares, 1, balance);
        vm.prank(insurer);
        try m.fund.requestWithdraw(shares) {
            _ok("fundRequestWithdraw");
        } catch (bytes memory reason) {
            _fail("fundRequestWithdraw", reason);
        }
    }

    /// @dev Inside the window: redeem shares (all or part) two times in three, else withdraw an
    /// amount of assets (ERC-4626 `withdraw`, which burns shares at the dearer of its two prices).
    function fundRedeem(uint256 insurerSeed, uint256 amount) external observed {
        address insurer = a.insurers[insurerSeed % 2];
        uint256 most = m.fund.maxRedeem(insurer);
        if (most == 0) return;
        uint256 before = m.usdc.balanceOf(insurer);
        SharePrice memory price = _fundSharePrice();
        (uint256 requested, uint256 requestValue,) = m.fund.requests(insurer);
        if (amount % 3 != 0) {
            uint256 shares = amount % 3 == 1 ? most : _bound(amount, 1, most);
            uint256 quote = m.fund.previewRedeem(shares); // request-free: an exit never gets more
            vm.prank(insurer);
            try m.fund.redeem(shares, insurer, insurer) {
                _ok("fundRedeem");
                uint256 got = m.usdc.balanceOf(insurer) - before;
                // requested shares earn nothing from the request on: at most their value then
                // (`requestValue` is that value rounded down: one unit more, pro rata)
                if (got > quote || got * requested > (requestValue + 1) * shares) ++fundExitsOverpaid;
            } catch (bytes memory reason) {
                _fail("fundRedeem", reason);
            }
        } else {
            uint256 mostAssets = m.fund.maxWithdraw(insurer);
            if (mostAssets == 0) return;
            vm.prank(insurer);
            try m.fund.withdraw(_bound(amount, 1, mostAssets), insurer, insurer) {
                _ok("fundWithdraw");
            } catch (bytes memory reason) {
                _fail("fundWithdraw", reason);
            }
        }
        fundRedeemed += m.usdc.balanceOf(insurer) - before;
        _checkNotDiluted(price, _fundSharePrice());
    }

    /// @dev An insurer moves fund shares to the other: the sender's request shrinks to its
    /// balance, the receiver's request never grows (DESIGN.md 5).
    function fundTransfer(uint256 insurerSeed, uint256 shares) external observed {
        address from = a.insurers[insurerSeed % 2];
        address to = a.insurers[1 - insurerSeed % 2];
        uint256 balance = m.fund.balanceOf(from);
        if (balance == 0) return;
        shares = _bound(shares, 1, balance);
        (uint256 receiverRequest, uint256 receiverValue,) = m.fund.requests(to);
        vm.prank(from);
        try m.fund.transfer(to, shares) {
            _ok("fundTransfer");
            (uint256 afterShares, uint256 afterValue,) = m.fund.requests(to);
            if (afterShares != receiverRequest || afterValue != receiverValue) ++fundRequestsGrown;
        } catch (bytes memory reason) {
            _fail("fundTransfer", reason);
        }
    }

    function routeReserves() external observed {
        vm.prank(a.keeper);
        try m.pool.routeReserves() {
            _ok("routeReserves");
        } catch (bytes memory reason) {
            _fail("routeReserves", reason);
        }
    }

    /// @dev The governor takes the collateral the fund holds (settled lots, closed accounts),
    /// "sells" it at 90 % of the oracle price and books the proceeds as income.
    function sellHeldCollateral(uint256 assetSeed) external observed {
        MockERC20 asset = _collateral(assetSeed);
        uint256 held = m.fund.heldCollateral(address(asset));
        if (held == 0) return;
        vm.prank(a.governor);
        m.fund.releaseHeldCollateral(address(asset), held, a.governor);
        collateralReleased[address(asset)] += held;
        (bool ok, uint256 low,) = m.oracle.tryPriceRange(address(asset));
        uint256 proceeds = ok ? Math.mulDiv(held, low, 10 ** asset.decimals()) * 9 / 10 / 1e12 : 0;
        if (proceeds != 0) {
            m.usdc.mint(a.governor, proceeds);
            vm.prank(a.governor);
            m.fund.depositLotProceeds(proceeds);
            lotProceeds += proceeds;
        }
        _ok("sellHeldCollateral");
    }

    // ================================================================ liveness
    /// @notice An account with no live auction can always repay in full and withdraw all its
    /// collateral: repay never reverts on the oracle, and without debt no price is needed
    /// (DESIGN.md 3). Tried on a snapshot of the state and reverted, so the campaign keeps its
    /// positions (repay and withdrawCollateral exit for real); a failure is recorded after the
    /// revert.
    function exitFully(uint256 borrowerSeed) external observed {
        address borrower = a.borrowers[borrowerSeed % 4];
        if (m.pool.liveAuctions(borrower) != 0) return;
        if (m.config.paused(PauseAction.Withdraw)) return; // never paused in this campaign
        uint256 snapshot = vm.snapshotState();
        bool exited = _exit(borrower);
        vm.revertToStateAndDelete(snapshot);
        if (exited) _ok("exitFully");
        else ++exitFailures;
    }

    function _exit(address borrower) internal returns (bool) {
        uint256 debt = m.pool.debtOf(borrower);
        if (debt != 0) {
            m.usdc.mint(borrower, debt);
            vm.prank(borrower);
            try m.pool.repay(type(uint256).max, borrower) {}
            catch (bytes memory reason) {
                _noteReason(reason);
                return false;
            }
        }
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            uint256 balance = m.pool.collateralOf(borrower, address(assets[i]));
            if (balance == 0) continue;
            uint256 before = assets[i].balanceOf(borrower);
            vm.prank(borrower);
            try m.pool.withdrawCollateral(address(assets[i]), type(uint256).max, borrower) {}
            catch (bytes memory reason) {
                _noteReason(reason);
                return false;
            }
            if (assets[i].balanceOf(borrower) - before != balance) return false;
        }
        return m.pool.debtOf(borrower) == 0 && m.pool.assetsIn(borrower) == 0;
    }

    // ================================================================ observation
    /// @dev After every call: the pool identity's slack never falls and grows by at most
    /// SLACK_PER_CALL; the borrow index never falls; an auction's price never rises while its tic
    /// and the breaker clock are unchanged, and never exceeds its top.
    function _observe() internal {
        int256 current = _slack();
        if (current < lastSlack) ++slackDecreases;
        else maxSlackStep = Math.max(maxSlackStep, uint256(current - lastSlack));
        lastSlack = current;

        uint256 index = m.pool.borrowIndex();
        if (index < lastBorrowIndex) ++borrowIndexFalls;
        lastBorrowIndex = index;

        uint256 restart = m.liquidator.lastRestart();
        uint256[] memory ids = m.liquidator.activeAuctions();
        uint256[4] memory parts; // Σ debt parts of each borrower's live auctions
        for (uint256 i; i < ids.length; ++i) {
            AuctionView memory v = Books.auction(m.liquidator, ids[i]);
            for (uint256 j; j < 4; ++j) {
                if (v.account == a.borrowers[j]) parts[j] += v.debtPart;
            }
            (, uint256 price,,) = m.liquidator.getStatus(ids[i]);
            bool sameClock = lastTic[ids[i]] == v.tic && restart == lastRestartSeen;
            if ((sameClock && price > lastPrice[ids[i]]) || price > v.top) ++priceRises;
            lastTic[ids[i]] = v.tic;
            lastPrice[ids[i]] = price;
        }
        lastRestartSeen = restart;

        _checkDebtPartsFit(parts);
        if (!_worldMoved) return;
        _worldMoved = false;
        _checkRamps();
        PriceBook memory prices = _priceBook();
        address[] memory borrowers = new address[](4);
        for (uint256 i; i < 4; ++i) {
            borrowers[i] = a.borrowers[i];
        }
        (AccountState[] memory states,) = m.lens.accounts(borrowers); // one price snapshot
        for (uint256 i; i < 4; ++i) {
            _checkLadder(borrowers[i], states[i], prices);
        }
    }

    /// @dev Σ debt parts of each borrower's live auctions == its debtInAuctionOf, exactly
    /// (DESIGN.md 5). An account where they differ is counted once and left alone from then on.
    function _checkDebtPartsFit(uint256[4] memory parts) internal {
        for (uint256 i; i < 4; ++i) {
            address borrower = a.borrowers[i];
            if (misfit[borrower] || parts[i] == m.pool.debtInAuctionOf(borrower)) continue;
            misfit[borrower] = true;
            ++debtPartMisfits;
        }
    }

    /// @dev Each liquidation factor in force equals the handler's schedule (`lfSchedule`).
    function _checkRamps() internal {
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            address asset = address(assets[i]);
            if (m.config.collateralInfo(asset).liquidationFactor != _scheduledLF(asset)) ++rampMismatches;
        }
    }

    /// @dev The liquidation factor the schedule gives now: linear from `from` to `to` over
    /// [start, end], rounded towards `to` (the side the ramp moves to).
    function _scheduledLF(address asset) internal view returns (uint256) {
        Schedule memory r = lfSchedule[asset];
        if (block.timestamp >= r.end) return r.to;
        if (block.timestamp <= r.start) return r.from;
        uint256 moved = Math.mulDiv(r.from - r.to, block.timestamp - r.start, r.end - r.start, Math.Rounding.Ceil);
        return r.from - moved; // only lowerings ramp
    }

    /// @dev Every collateral's and the base asset's price range (`_prices`), read once.
    struct PriceBook {
        bool[4] ok; // WETH, WBTC, WXRP, base
        uint256[4] low; // [wad USD]
        uint256[4] high; // [wad USD]
    }

    function _priceBook() internal view returns (PriceBook memory p) {
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            (p.ok[i], p.low[i], p.high[i]) = _prices(address(assets[i]));
        }
        (p.ok[3], p.low[3], p.high[3]) = _prices(address(m.usdc));
    }

    /// @dev The margin-call ladder of DESIGN.md 3, recomputed here for `account` from its
    /// balances, debt, the feeds (the ends better for the borrower, as the status reads them),
    /// the scheduled liquidation factors and the call this handler saw issued, and compared with
    /// the lens' `accounts` rows (the pool's arithmetic): Liquidatable iff HF < 1, or a live call
    /// whose deadline has passed (now > deadline) while HF < the base marginCallHF; a call is dead from deadline +
    /// gracePeriod on. Judged only with every price valid; the call level (volatility) is the
    /// pool's.
    function _checkLadder(address account, AccountState memory st, PriceBook memory prices) internal {
        if (st.callDeadline != 0 && block.timestamp >= issuedLapse[account]) ++lapsedCallsAlive;
        if (st.debt == 0 || !st.priceOk) return;
        (bool priced, uint256 hf) = _independentHFDown(account, st.debt, prices);
        if (!priced) return;
        AccountStatus expected;
        if (hf < WAD) {
            expected = AccountStatus.Liquidatable;
        } else if (
            st.callDeadline != 0 && block.timestamp > st.callDeadline && hf < m.config.marketParams().marginCallHF
        ) {
            expected = AccountStatus.Liquidatable;
        } else if (hf < st.callLevel) {
            expected = AccountStatus.MarginCall;
        } else {
            expected = AccountStatus.Healthy;
        }
        if (st.status != expected) ++ladderMismatches;
    }

    /// @dev The account's HF as the pool computes it at the status prices, recomputed here: Σ
    /// ⌊⌊amount·high/scale⌋·lf⌋ / ⌈debt·baseLow⌉, rounded down, with lf from the schedule.
    function _independentHFDown(address account, uint256 debt, PriceBook memory prices)
        internal
        view
        returns (bool priced, uint256 hf)
    {
        if (!prices.ok[3]) return (false, 0);
        uint256 liquidationValue; // [wad USD]
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            uint256 amount = m.pool.collateralOf(account, address(assets[i]));
            if (amount == 0) continue;
            if (!prices.ok[i]) return (false, 0);
            uint256 value = Math.mulDiv(amount, prices.high[i], 10 ** assets[i].decimals());
            liquidationValue += Math.mulDiv(value, _scheduledLF(address(assets[i])), WAD);
        }
        return (true, Math.mulDiv(liquidationValue, WAD, Math.mulDiv(debt, prices.low[3], USDC, Math.Rounding.Ceil)));
    }

    /// @dev After a borrow or a collateral withdrawal with debt, the opening rule of DESIGN.md 3
    /// recomputed here at the prices worse for the borrower (the lower collateral price, the
    /// higher base price of two disagreeing feeds), with the pool's rounding:
    /// Σ ⌊⌊⌊amount·low/scale⌋·bf⌋·marginCallHF⌋ ≥ ⌈⌈debt·baseHigh⌉·callHF_eff⌉.
    function _checkOpeningRule(address account) internal {
        (bool okBase,, uint256 baseHigh) = _prices(address(m.usdc));
        uint256 level = _callLevel(account);
        if (!okBase || level == 0) return;
        uint256 marginCallHF = m.config.marketParams().marginCallHF;
        uint256 capacity;
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            uint256 amount = m.pool.collateralOf(account, address(assets[i]));
            if (amount == 0) continue;
            (bool ok, uint256 low,) = _prices(address(assets[i]));
            if (!ok) return;
            uint256 value = Math.mulDiv(amount, low, 10 ** assets[i].decimals());
            uint256 weighted = Math.mulDiv(value, m.config.collateralInfo(address(assets[i])).borrowFactor, WAD);
            capacity += Math.mulDiv(weighted, marginCallHF, WAD);
        }
        uint256 debtValue = Math.mulDiv(m.pool.debtOf(account), baseHigh, USDC, Math.Rounding.Ceil);
        if (Math.mulDiv(debtValue, level, WAD, Math.Rounding.Ceil) > capacity) ++opensBeyondLimit;
    }

    /// @dev An asset's price range from its two feeds, recomputed here as DESIGN.md 6 states
    /// it: both valid and more than `maxDeviation` apart (relative to the lower, rounded up) →
    /// (lower, higher); else the primary if valid, else the secondary; `ok` false if neither.
    function _prices(address asset) internal view returns (bool ok, uint256 low, uint256 high) {
        (uint256 primary, FeedFault primaryFault,) = m.oracle.readFeed(asset, true);
        (uint256 secondary, FeedFault secondaryFault,) = m.oracle.readFeed(asset, false);
        bool primaryOk = primaryFault == FeedFault.None;
        bool secondaryOk = secondaryFault == FeedFault.None;
        if (primaryOk && secondaryOk) {
            (low, high) = primary < secondary ? (primary, secondary) : (secondary, primary);
            if (Math.mulDiv(high - low, WAD, low, Math.Rounding.Ceil) > m.oracle.maxDeviation()) {
                return (true, low, high);
            }
            return (true, primary, primary);
        }
        if (primaryOk) return (true, primary, primary);
        if (secondaryOk) return (true, secondary, secondary);
        return (false, 0, 0);
    }

    /// @notice cash + totalAccountDebt + debtInAuction − (supplierAssets + reserves), signed.
    function slack() external view returns (int256) {
        return _slack();
    }

    function _slack() internal view returns (int256) {
        uint256 assets = m.pool.cash() + m.pool.totalAccountDebt() + m.pool.debtInAuction();
        uint256 claims = m.pool.supplierAssets() + m.pool.reserves();
        return int256(assets) - int256(claims);
    }

    // ================================================================ helpers
    function everyone() external view returns (address[] memory) {
        return _everyone;
    }

    function _approve(address owner, address spender) internal {
        vm.startPrank(owner);
        m.usdc.approve(spender, type(uint256).max);
        m.weth.approve(spender, type(uint256).max);
        m.wbtc.approve(spender, type(uint256).max);
        m.wxrp.approve(spender, type(uint256).max);
        vm.stopPrank();
    }

    function _assets() internal view returns (MockERC20[ASSETS] memory) {
        return [m.weth, m.wbtc, m.wxrp];
    }

    function _collateral(uint256 seed) internal view returns (MockERC20) {
        return _assets()[seed % ASSETS];
    }

    function _answer(MockAggregator feed) internal view returns (int256 answer) {
        (, answer,,,) = feed.latestRoundData();
    }

    /// @dev Status by kick's price rule; `ok` false when a price it needs is invalid.
    function _status(address account) internal view returns (bool ok, AccountStatus status) {
        try m.pool.accountStatus(account) returns (AccountStatus s) {
            return (true, s);
        } catch {
            return (false, AccountStatus.Healthy);
        }
    }

    /// @dev Whether the pool should let the account open risk (borrow, withdraw collateral):
    /// no live auction and, with debt, Healthy. The held assets are poked first, as the action
    /// itself does before it reads the ladder (so a volatility round cannot tell them apart).
    function _mayOpenRisk(address account) internal returns (bool) {
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        m.oracle.poke(address(m.wxrp));
        if (m.pool.liveAuctions(account) != 0) return false;
        if (m.pool.debtOf(account) == 0) return true;
        (bool ok, AccountStatus status) = _status(account);
        return ok && status == AccountStatus.Healthy;
    }

    /// @dev After a borrow or a collateral withdrawal with debt: the opening-risk rule implies
    /// HF ≥ callHF_eff, so the account is Healthy (a new position never starts inside the band).
    function _checkOpenedOutsideBand(address account) internal {
        (bool ok, AccountStatus status) = _status(account);
        if (ok && status != AccountStatus.Healthy) ++opensInBand;
    }

    /// @dev Book value per share with the virtual offsets both vaults use (1 asset, 1e6 shares).
    struct SharePrice {
        uint256 assets;
        uint256 shares;
    }

    function _poolSharePrice() internal view returns (SharePrice memory) {
        return SharePrice(m.pool.supplierAssets() + 1, m.pool.totalSupplyShares() + 1e6);
    }

    function _fundSharePrice() internal view returns (SharePrice memory) {
        return SharePrice(m.fund.assetsBook() + 1, m.fund.totalSupply() + 1e6);
    }

    /// @dev Entries and exits round against the one who enters or leaves: the book value of a
    /// share never falls through them (interest can only raise it).
    function _checkNotDiluted(SharePrice memory before, SharePrice memory afterwards) internal {
        if (afterwards.assets * before.shares < before.assets * afterwards.shares) ++sharePriceDilutions;
    }

    function _checkDust(address account) internal {
        uint256 debt = m.pool.debtOf(account);
        if (debt != 0 && debt < DUST) ++dustLeftBehind;
    }

    /// @dev HF recomputed here from balances, debt, the feeds (the end of each range better for
    /// the borrower, as kick reads it, `_prices`) and the scheduled liquidation factors, with the
    /// rounding that favours the borrower: liquidation value up, debt value down. Max without
    /// debt or without a valid price (not judged).
    function _independentHF(address account) internal view returns (uint256) {
        uint256 debt = m.pool.debtOf(account);
        if (debt == 0) return type(uint256).max;
        (bool okBase, uint256 baseLow,) = _prices(address(m.usdc));
        if (!okBase) return type(uint256).max;
        uint256 liquidationValue; // [wad USD]
        MockERC20[ASSETS] memory assets = _assets();
        for (uint256 i; i < ASSETS; ++i) {
            uint256 amount = m.pool.collateralOf(account, address(assets[i]));
            if (amount == 0) continue;
            (bool ok,, uint256 high) = _prices(address(assets[i]));
            if (!ok) return type(uint256).max;
            uint256 value = Math.mulDiv(amount, high, 10 ** assets[i].decimals(), Math.Rounding.Ceil);
            liquidationValue += Math.mulDiv(value, _scheduledLF(address(assets[i])), WAD, Math.Rounding.Ceil);
        }
        return Math.mulDiv(liquidationValue, WAD, Math.mulDiv(debt, baseLow, USDC), Math.Rounding.Ceil);
    }

    /// @dev [base units] a lot's value at the oracle price now (kick's rule), rounded down.
    function _lotValue(AuctionView memory v) internal view returns (uint256) {
        (,, uint256 high) = m.oracle.tryPriceRange(v.asset);
        (, uint256 baseLow,) = m.oracle.tryPriceRange(address(m.usdc));
        return Math.mulDiv(Math.mulDiv(v.lot, high, v.scale), USDC, baseLow);
    }

    function _priced(address asset) internal view returns (bool) {
        (bool ok,,) = m.oracle.tryPriceRange(asset);
        (bool okBase,,) = m.oracle.tryPriceRange(address(m.usdc));
        return ok && okBase;
    }

    /// @dev callHF_eff of the account, 0 without a valid price.
    function _callLevel(address account) internal view returns (uint256) {
        try m.lens.effectiveCallHF(account) returns (uint256 level) {
            return level;
        } catch {
            return 0;
        }
    }

    /// @dev HF of the account at the status prices, max without a valid price (not judged).
    function _healthFactor(address account) internal view returns (uint256) {
        try m.pool.healthFactor(account) returns (uint256 hf) {
            return hf;
        } catch {
            return type(uint256).max;
        }
    }

    /// @dev The first borrower from `seed` on whose status is `wanted`, else the seed's one.
    function _pick(uint256 seed, AccountStatus wanted) internal view returns (address) {
        for (uint256 i; i < 4; ++i) {
            address borrower = a.borrowers[(seed % 4 + i) % 4];
            (bool ok, AccountStatus s) = _status(borrower);
            if (ok && s == wanted) return borrower;
        }
        return a.borrowers[seed % 4];
    }

    /// @dev The first borrower from `seed` on with status `wanted` and a live call (`called`) or
    /// none, else the seed's one.
    function _pickForCall(uint256 seed, AccountStatus wanted, bool called) internal view returns (address) {
        for (uint256 i; i < 4; ++i) {
            address borrower = a.borrowers[(seed % 4 + i) % 4];
            (bool ok, AccountStatus s) = _status(borrower);
            if (ok && s == wanted && (m.pool.marginCallDeadline(borrower) != 0) == called) return borrower;
        }
        return a.borrowers[seed % 4];
    }

    /// @dev A live auction from `seed`; none (id 0) when it belongs to an account whose debt
    /// parts no longer fit its debt in auction: ending its last auction would underflow the
    /// pool's books (audit finding 1), already counted by `debtPartMisfits`, so the campaign does
    /// not pile consequences on it.
    function _pickAuction(uint256 seed) internal view returns (uint256 id, AuctionView memory v) {
        uint256[] memory ids = m.liquidator.activeAuctions();
        if (ids.length == 0) return (0, v);
        id = ids[seed % ids.length];
        v = Books.auction(m.liquidator, id);
        if (misfit[v.account]) return (0, v);
    }

    /// @dev Brings the AMM's spot price to `premiumBps` of the oracle's (base per collateral)
    /// with one-sided liquidity minted here: base in when it is below, collateral in when above.
    function _syncAmm(MockAMM amm, MockERC20 asset, uint256 premiumBps) internal returns (bool) {
        (bool ok, uint256 price,) = m.oracle.tryPriceRange(address(asset));
        (bool okBase, uint256 basePrice,) = m.oracle.tryPriceRange(address(m.usdc));
        if (!ok || !okBase) return false;
        uint256 target = Math.mulDiv(price, premiumBps * WAD, basePrice * 10_000); // [wad] base per collateral
        uint256 scale = 10 ** asset.decimals();
        uint256 reserveCollateral = amm.reserveCollateral();
        uint256 reserveBase = amm.reserveBase();
        // base reserve [base units] at the target price for the current collateral reserve
        uint256 wantBase = Math.mulDiv(Math.mulDiv(reserveCollateral, target, scale), USDC, WAD);
        if (wantBase > reserveBase) {
            m.usdc.mint(address(this), wantBase - reserveBase);
            amm.addLiquidity(0, wantBase - reserveBase);
        } else {
            uint256 wantCollateral = Math.mulDiv(Math.mulDiv(reserveBase, WAD, USDC), scale, target);
            if (wantCollateral > reserveCollateral) {
                asset.mint(address(this), wantCollateral - reserveCollateral);
                amm.addLiquidity(wantCollateral - reserveCollateral, 0);
            }
        }
        return true;
    }

    function _ok(bytes32 action) internal {
        ++succeeded[action];
    }

    /// @dev Counts a failure; a panic (arithmetic, division by zero, array bounds...) or a revert
    /// with no reason is never a legitimate refusal: it is recorded as `unexplainedReverts`.
    function _fail(bytes32 action, bytes memory reason) internal {
        ++failed[action];
        if (_noteReason(reason)) lastUnexplained = action;
    }

    function _noteReason(bytes memory reason) internal returns (bool unexplained) {
        unexplained = reason.length < 4 || bytes4(reason) == PANIC;
        if (unexplained) ++unexplainedReverts;
    }
}
