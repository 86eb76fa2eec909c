// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    IMarketConfig,
    MarketParams,
    LiquidationParams,
    CollateralParams,
    CollateralInfo,
    HeldCollateral,
    PauseAction
} from "../../interfaces/IMarketConfig.sol";
import {IInterestRateModel} from "../../interfaces/IInterestRateModel.sol";
import {InterestRateModel} from "../../contracts/InterestRateModel.sol";
import {PackedParams} from "../../contracts/libraries/PackedParams.sol";
import {Ramp, RampLib} from "../../contracts/libraries/RampLib.sol";
import {MarketConfigHarness} from "./harness/MarketConfigHarness.sol";
import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {IGoverned, InitialFeed} from "../../interfaces/IOracleAdapter.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The packed words the config hands to the liquidator and the pool (docs/ARCHITECTURE.md,
/// "Parameters off the user path") always say what the struct getters say: after every setter,
/// and at every point of a ramp.
contract PackedParamsTest is LiquidationBase {
    using PackedParams for uint256;

    MarketConfigHarness internal h;

    function setUp() public override {
        super.setUp();
        // the config refuses an oracle it does not govern (OracleOfAnotherGovernance): the
        // harness gets its own, governed by the harness's precomputed address
        address harness = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        InitialFeed[] memory feeds = new InitialFeed[](1);
        feeds[0] = InitialFeed(address(m.usdc), m.usdcFeed, USDC_HEARTBEAT, USDC_MIN_PRICE, USDC_MAX_PRICE);
        OracleAdapter oracle =
            new OracleAdapter(IGoverned(harness), MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE, feeds);
        h = new MarketConfigHarness(
            address(m.usdc),
            oracle,
            m.rateModel,
            m.pool, // no pool of its own: its setters only accrue the market's pool
            governor,
            guardian,
            m.config.marketParamsTarget(),
            m.config.liquidationParams()
        );
    }

    function _eq(MarketParams memory a, MarketParams memory b) internal pure {
        assertEq(a.marginCallHF, b.marginCallHF, "marginCallHF");
        assertEq(a.gracePeriod, b.gracePeriod, "gracePeriod");
        assertEq(a.targetHF, b.targetHF, "targetHF");
        assertEq(a.fullLiquidationHF, b.fullLiquidationHF, "fullLiquidationHF");
        assertEq(a.maxCallHF, b.maxCallHF, "maxCallHF");
        assertEq(a.reserveFactor, b.reserveFactor, "reserveFactor");
        assertEq(a.dust, b.dust, "dust");
        assertEq(a.volSlope, b.volSlope, "volSlope");
        assertEq(a.exitMargin, b.exitMargin, "exitMargin");
    }

    /// @dev The packed getters of the harness against its unpacked storage.
    function _checkMarketWords() internal view {
        MarketParams memory stored = h.marketParamsFromStorage();
        _eq(h.marketParams(), stored);
        // the ladder's two words: its fields as stored, the kick-sizing ones left 0
        MarketParams memory ladder = h.ladderParams();
        (stored.targetHF, stored.fullLiquidationHF, stored.exitMargin, stored.reserveFactor) = (0, 0, 0, 0);
        _eq(ladder, stored);
        (IInterestRateModel model, uint256 reserveFactor) = h.accrualParams();
        (IInterestRateModel storedModel, uint256 storedReserveFactor) = h.accrualParamsFromStorage();
        assertEq(address(model), address(storedModel), "rate model");
        assertEq(reserveFactor, storedReserveFactor, "reserve factor");
        // the pool's one call (its words decoded): the same parameters, full or the ladder's
        _checkRiskWords(h, 0, false, true);
        _checkRiskWords(h, 0, true, false);
        (uint256 accrual, uint256 ladder0, uint256 ladder1, uint256 kick, uint256[] memory held) =
            h.riskWords(type(uint256).max, true, true);
        assertEq(held.length, 0, "no collateral listed in the harness");
        MarketParams memory fromWords;
        PackedParams.writeLadder(fromWords, ladder0, ladder1);
        PackedParams.writeKickParams(fromWords, kick);
        _eq(fromWords, h.marketParamsFromStorage());
        assertEq(accrual.rateModel(), address(storedModel), "accrual: rate model");
        assertEq(accrual.reserveFactor(), storedReserveFactor, "accrual: reserve factor");
    }

    /// @dev `riskWords` (the pool's one call for a snapshot) decoded as the pool decodes it,
    /// against the getters that stay (`accrualWord`, `marketParams`, `ladderParams`,
    /// `packedCollaterals`) and the unpacked records (`collateralInfo`): the accrual and market
    /// words, then per held slot its asset, cap (only when asked; the record's when it does not
    /// fit the slot), collateral word and penalty (only when full), and nothing else.
    function _checkRiskWords(IMarketConfig c, uint256 mask, bool caps, bool full) internal view {
        {
            (uint256 accrual, uint256 ladder0, uint256 ladder1, uint256 kick,) = c.riskWords(mask, caps, full);
            assertEq(accrual, c.accrualWord(), "accrual word");
            MarketParams memory market;
            PackedParams.writeLadder(market, ladder0, ladder1);
            if (full) {
                PackedParams.writeKickParams(market, kick);
                _eq(market, c.marketParams());
            } else {
                _eq(market, c.ladderParams());
                assertEq(kick, 0, "no kick word unless full");
            }
        }
        (,,,, uint256[] memory words) = c.riskWords(mask, caps, full);
        HeldCollateral[] memory held = c.packedCollaterals(mask, caps, full);
        uint256 k;
        for (uint256 n; n < held.length; ++n) {
            uint256 entry = words[k];
            uint256 word = words[k + 1];
            k += 2;
            uint256 cap = entry.slotCap();
            if (cap == PackedParams.CAP_IN_RECORD) cap = words[k++];
            assertEq(entry.slotAsset(), held[n].asset, "asset in slot order");
            assertEq(cap, held[n].supplyCap, "the cap packedCollaterals hands out");
            _checkHeldWords(c, mask, caps, full, entry.slotAsset(), word, cap);
            assertEq(word & ~(uint256(type(uint64).max) << 64), held[n].word, "the word packedCollaterals hands out");
        }
        assertEq(k, words.length, "nothing else");
    }

    /// @dev One held slot's words from `riskWords` against the asset's unpacked record.
    function _checkHeldWords(
        IMarketConfig c,
        uint256 mask,
        bool caps,
        bool full,
        address asset,
        uint256 word,
        uint256 cap
    ) internal view {
        CollateralInfo memory info = c.collateralInfo(asset);
        (uint256 stored,) = c.packedCollateral(asset, false);
        assertTrue((mask >> info.slot) & 1 != 0, "a slot of the mask");
        assertEq(word & ~(uint256(type(uint64).max) << 64), stored.atNow(), "the stored word, its ramp at now");
        assertEq(word.liquidationFactorNow(), info.liquidationFactor, "liquidationFactor now");
        assertEq(word.borrowFactor(), info.borrowFactor, "borrowFactor");
        assertEq(word.decimals(), info.decimals, "decimals");
        assertEq(word.slot(), info.slot, "slot");
        assertEq(word.penaltyNow(), full ? info.liquidationPenalty : 0, "liquidationPenalty only when full");
        assertEq(cap, caps ? info.supplyCap : 0, "supplyCap only when asked");
    }

    function _setMarket(uint256 callHF, uint256 grace, uint256 seed) internal {
        MarketParams memory p = h.marketParamsTarget();
        p.marginCallHF = bound(callHF, 1e18 + 1, p.targetHF < p.maxCallHF ? p.targetHF : p.maxCallHF);
        p.gracePeriod = bound(grace, 1 hours, 24 hours);
        p.reserveFactor = bound(seed, 0, 0.5e18);
        p.dust = bound(seed >> 64, 1, type(uint128).max);
        p.volSlope = bound(seed >> 128, 0, 10e18);
        p.exitMargin = bound(seed >> 192, 0.01e18, 0.2e18);
        vm.prank(governor);
        h.setMarketParams(p);
    }

    /// @notice After every setMarketParams, and at every second of the ramps it starts (both
    /// ramps, raised and lowered, restarted half-way), marketParams() from the packed words is
    /// exactly the value the full Ramp records give.
    function testFuzz_marketWords_equalStorageAlongRamps(
        uint256[3] memory callHF,
        uint256[3] memory grace,
        uint256[3] memory seed,
        uint256[3] memory elapsed
    ) public {
        _checkMarketWords();
        for (uint256 i; i < 3; ++i) {
            _setMarket(callHF[i], grace[i], seed[i]);
            _checkMarketWords();
            vm.warp(block.timestamp + bound(elapsed[i], 0, 8 days));
            _checkMarketWords();
        }
        vm.warp(block.timestamp + 7 days);
        _checkMarketWords();
    }

    /// @notice setRateModel and setLiquidationParams keep the accrual word and the market word.
    function test_marketWords_followEverySetter() public {
        IInterestRateModel newModel = new InterestRateModel(0, 0.8e18, 0.1e18, 1e18);
        vm.prank(governor);
        h.setRateModel(newModel);
        _checkMarketWords();
        (IInterestRateModel model,) = h.accrualParams();
        assertEq(address(model), address(newModel), "new rate model");
        LiquidationParams memory l = h.liquidationParams();
        vm.prank(governor);
        h.setLiquidationParams(l);
        _checkMarketWords();
    }

    /// @notice The words live in the config's storage and only its governor setters write them:
    /// any other caller of a setter is refused and leaves every word as it was.
    function testFuzz_words_onlyTheGovernorMovesThem(address caller) public {
        vm.assume(caller != governor);
        uint256 auction = h.packedAuctionParams();
        uint256 incentive = h.packedKeeperIncentives();
        MarketParams memory before = h.marketParams();
        MarketParams memory p = h.marketParamsTarget();
        p.dust += 1;
        LiquidationParams memory l = h.liquidationParams();
        l.tip += 1;
        vm.startPrank(caller);
        vm.expectRevert(IMarketConfig.NotGovernor.selector);
        h.setMarketParams(p);
        vm.expectRevert(IMarketConfig.NotGovernor.selector);
        h.setLiquidationParams(l);
        vm.expectRevert(IMarketConfig.NotGovernor.selector);
        h.setRateModel(m.rateModel);
        vm.stopPrank();
        assertEq(h.packedAuctionParams(), auction, "auction word");
        assertEq(h.packedKeeperIncentives(), incentive, "incentive word");
        _eq(h.marketParams(), before);
    }

    /// @notice The demo market's config: marketParams() and accrualParams() unchanged in value.
    function test_marketWords_demoConfig() public view {
        _eq(m.config.marketParams(), h.marketParamsFromStorage());
        _checkMarketWords();
    }

    function _checkLiquidationWords() internal view {
        MarketParams memory market = m.config.marketParams();
        LiquidationParams memory l = m.config.liquidationParams();
        uint256 auction = m.config.packedAuctionParams();
        uint256 incentive = m.config.packedKeeperIncentives();
        assertEq(auction.dust(), market.dust, "dust");
        assertEq(auction.cusp(), l.cusp, "cusp");
        assertEq(auction.buf(), l.buf, "buf");
        assertEq(incentive.tip(), l.tip, "tip");
        assertEq(incentive.chip(), l.chip, "chip");
    }

    function test_liquidationWords_atDeployment() public view {
        _checkLiquidationWords();
    }

    /// @notice Any accepted setLiquidationParams moves the words with it; a refused one moves nothing.
    function testFuzz_liquidationWords_followSetLiquidationParams(uint256 buf, uint256 cusp, uint256 tip, uint256 chip)
        public
    {
        LiquidationParams memory l = LiquidationParams({
            buf: bound(buf, 1e18, 2e18),
            cusp: bound(cusp, 0.5e18, 1e18 - 1),
            tip: bound(tip, 0, 10 * USDC),
            chip: bound(chip, 0, 0.01e18)
        });
        vm.prank(governor);
        try m.config.setLiquidationParams(l) {
            assertEq(m.config.packedAuctionParams().buf(), l.buf, "buf set");
            assertEq(m.config.packedKeeperIncentives().tip(), l.tip, "tip set");
        } catch {}
        _checkLiquidationWords();
    }

    /// @notice setMarketParams moves dust in the auction word.
    function testFuzz_liquidationWords_followDust(uint256 dust) public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.dust = bound(dust, 1, type(uint128).max);
        vm.prank(governor);
        try m.config.setMarketParams(params) {
            assertEq(m.config.packedAuctionParams().dust(), params.dust, "dust set");
        } catch {}
        _checkLiquidationWords();
    }

    /// @notice The words hold every value the bounds allow, at the edges of each field.
    /// @notice A settled ramp, and a running one at any time, read back exactly from its word.
    function testFuzz_rampWord_current(uint64 from, uint64 to, uint40 start, uint256 t) public {
        Ramp memory r = Ramp(from, to, start, from == to ? start : start + uint64(RampLib.RAMP_DURATION));
        Ramp memory back = PackedParams.unpackRamp(PackedParams.packRamp(r, 64), 64);
        vm.warp(bound(t, start, uint256(start) + 8 days));
        assertEq(RampLib.current(back), RampLib.current(r), "current");
        assertEq(PackedParams.currentOf(PackedParams.packRamp(r, 64), 64), RampLib.current(r), "currentOf");
        assertEq(back.end, r.end, "end");
    }

    /// @notice Word 0 as `riskWords` hands it out (`ladderAtNow`): both ramps, settled or running,
    /// at any time, decode to what their Ramp records give, whatever the other words hold.
    function testFuzz_ladderAtNow_bothRamps(
        uint64[2] memory call,
        uint24[2] memory grace,
        uint40[2] memory start,
        uint256 w1,
        uint256 t
    ) public {
        Ramp memory c = Ramp(call[0], call[1], start[0], call[0] == call[1] ? start[0] : uint64(start[0]) + 7 days);
        Ramp memory g = Ramp(grace[0], grace[1], start[1], grace[0] == grace[1] ? start[1] : uint64(start[1]) + 7 days);
        MarketParams memory none;
        uint256 w0 = PackedParams.packMarket(none, c, g)[0];
        uint256 latest = start[0] > start[1] ? start[0] : start[1];
        vm.warp(bound(t, latest, latest + 8 days));
        MarketParams memory m;
        PackedParams.writeLadder(m, PackedParams.ladderAtNow(w0), w1);
        assertEq(m.marginCallHF, RampLib.current(c), "marginCallHF");
        assertEq(m.gracePeriod, RampLib.current(g), "gracePeriod");
        assertEq(m.maxCallHF, w1 & type(uint64).max, "maxCallHF");
        assertEq(m.volSlope, (w1 >> 64) & type(uint64).max, "volSlope");
        assertEq(m.dust, w1 >> 128, "dust");
        _eq(PackedParams.unpackLadder(w0, w1), m);
    }

    /// @notice The layout constants written as literals are the expressions they stand for.
    function test_layoutConstants() public pure {
        assertEq(PackedParams.GRACE_SHIFT, 2 * PackedParams.CALL_BITS + 40, "GRACE_SHIFT");
        assertEq(PackedParams.MASK_GRACE, (1 << PackedParams.GRACE_BITS) - 1, "MASK_GRACE");
        assertEq(PackedParams.RAMP_MASK, (1 << PackedParams.BORROW_FACTOR_SHIFT) - 1, "RAMP_MASK");
        assertEq(PackedParams.BORROW_FACTOR_SHIFT, 2 * PackedParams.FACTOR_BITS + 40, "BORROW_FACTOR_SHIFT");
    }

    function testFuzz_pack_roundTrips(uint128 dust, uint64 cusp, uint64 buf, uint128 tip, uint128 chip) public pure {
        uint256 auction = PackedParams.packAuction(dust, cusp, buf);
        assertEq(auction.dust(), dust);
        assertEq(auction.cusp(), cusp);
        assertEq(auction.buf(), buf);
        uint256 incentive = PackedParams.packIncentive(tip, chip);
        assertEq(incentive.tip(), tip);
        assertEq(incentive.chip(), chip);
    }

    // ================================================================ collateral words
    /// @dev Every listed asset's word, as `packedCollateral` and as `packedCollaterals` hand it
    /// out, against the unpacked record `collateralInfo` reads; an unlisted asset's word is 0.
    function _checkCollateralWords() internal view {
        address[8] memory slots = m.config.collateralSlots();
        HeldCollateral[] memory all = m.config.packedCollaterals(type(uint256).max, true, true);
        for (uint256 flags; flags < 4; ++flags) {
            _checkRiskWords(m.config, type(uint256).max, flags & 1 != 0, flags & 2 != 0);
        }
        uint256 n;
        for (uint256 i; i < 8; ++i) {
            if (slots[i] == address(0)) continue;
            CollateralInfo memory c = m.config.collateralInfo(slots[i]);
            (uint256 word, uint256 cap) = m.config.packedCollateral(slots[i], true);
            assertTrue(word.listed(), "listed");
            assertEq(word.frozen(), c.frozen, "frozen");
            assertEq(word.slot(), c.slot, "slot");
            assertEq(word.slot(), i, "slot index");
            assertEq(word.decimals(), c.decimals, "decimals");
            assertEq(word.borrowFactor(), c.borrowFactor, "borrowFactor");
            assertEq(word.atNow().liquidationFactorNow(), c.liquidationFactor, "liquidationFactor now");
            assertEq(cap, c.supplyCap, "supplyCap");
            (, uint256 noCap) = m.config.packedCollateral(slots[i], false);
            assertEq(noCap, 0, "cap only when asked");
            HeldCollateral memory h = all[n++];
            assertEq(h.asset, slots[i], "asset in slot order");
            assertEq(h.word, word.atNow(), "word as handed out");
            assertEq(h.supplyCap, c.supplyCap, "held supplyCap");
            assertEq(h.liquidationPenalty, c.liquidationPenalty, "held penalty");
        }
        assertEq(all.length, n, "only listed slots");
    }

    function test_collateralWords_atDeployment() public view {
        _checkCollateralWords();
        (uint256 word,) = m.config.packedCollateral(address(m.usdc), true);
        assertEq(word, 0, "the base asset is not listed");
    }

    /// @notice After any accepted setCollateralParams (a lowered liquidationFactor ramps), and at
    /// every point of the ramp, through freeze and unfreeze, the words say what the records say.
    function testFuzz_collateralWords_followSettersAlongRamps(
        uint256[3] memory lf,
        uint256[3] memory bf,
        uint256[3] memory cap,
        uint256[3] memory elapsed,
        uint8 freezeAt
    ) public {
        for (uint256 i; i < 3; ++i) {
            CollateralInfo memory c = m.config.collateralInfo(address(m.weth));
            CollateralParams memory p = CollateralParams({
                borrowFactor: c.frozen ? 0 : bound(bf[i], 0, 0.75e18),
                liquidationFactor: bound(lf[i], 0.5e18, 0.9e18),
                liquidationPenalty: c.liquidationPenalty,
                supplyCap: bound(cap[i], 0, type(uint256).max)
            });
            vm.prank(governor);
            try m.config.setCollateralParams(address(m.weth), p) {} catch {}
            if (i == freezeAt % 4) {
                vm.prank(governor);
                m.config.freezeCollateral(address(m.weth));
            }
            _checkCollateralWords();
            vm.warp(block.timestamp + bound(elapsed[i], 0, 8 days));
            _checkCollateralWords();
        }
        if (m.config.collateralInfo(address(m.weth)).frozen) {
            vm.prank(governor);
            m.config.unfreezeCollateral(address(m.weth));
            _checkCollateralWords();
        }
    }

    /// @notice The supply cap kept beside a slot's asset (96 bits, the record's when it does not
    /// fit) is handed out exactly on both sides of that boundary, in every order of changes.
    function testFuzz_supplyCapBesideTheSlot_exactAcrossTheBoundary(uint256[4] memory seeds) public {
        uint256 edge = type(uint96).max;
        for (uint256 i; i < 4; ++i) {
            // around the boundary, far below and far above it
            uint256 pick = seeds[i] % 4;
            uint256 cap = pick == 0
                ? bound(seeds[i], edge - 2, edge + 2)
                : pick == 1 ? bound(seeds[i], 0, 1e30) : pick == 2 ? bound(seeds[i], edge, type(uint256).max) : 0;
            CollateralInfo memory c = m.config.collateralInfo(address(m.wbtc));
            CollateralParams memory p = CollateralParams({
                borrowFactor: c.borrowFactor,
                liquidationFactor: c.liquidationFactorTarget,
                liquidationPenalty: c.liquidationPenalty,
                supplyCap: cap
            });
            vm.prank(governor);
            m.config.setCollateralParams(address(m.wbtc), p);
            assertEq(m.config.collateralInfo(address(m.wbtc)).supplyCap, cap, "record");
            _checkCollateralWords();
        }
    }

    /// @notice `packedCollaterals` and `riskWords` read only the slots of the mask, in slot order.
    function testFuzz_packedCollaterals_onlyTheMask(uint256 mask, bool caps, bool full) public {
        _listThirdCollateral();
        _checkRiskWords(m.config, mask, caps, full);
        HeldCollateral[] memory held = m.config.packedCollaterals(mask, false, false);
        address[8] memory slots = m.config.collateralSlots();
        uint256 n;
        for (uint256 i; i < 8; ++i) {
            if ((mask >> i) & 1 == 0 || slots[i] == address(0)) continue;
            assertEq(held[n].asset, slots[i], "asset");
            assertEq(held[n].word.slot(), i, "slot");
            assertEq(held[n].supplyCap, 0, "no cap asked");
            assertEq(held[n].liquidationPenalty, 0, "no penalty asked");
            ++n;
        }
        assertEq(held.length, n, "count");
    }

    /// @notice A removed asset leaves no word behind.
    function test_collateralWord_goneWithTheAsset() public {
        vm.startPrank(governor);
        m.config.freezeCollateral(address(m.wbtc));
        m.config.removeCollateral(address(m.wbtc));
        vm.stopPrank();
        (uint256 word,) = m.config.packedCollateral(address(m.wbtc), true);
        assertEq(word, 0, "word cleared");
        _checkCollateralWords();
    }

    function testFuzz_collateralWord_roundTrips(
        bool listed,
        bool frozen,
        uint8 slot,
        uint8 decimals,
        uint64 borrowFactor,
        uint64 from,
        uint64 to,
        uint40 start,
        uint256 t
    ) public {
        Ramp memory r = Ramp(from, to, start, from == to ? start : start + uint64(RampLib.RAMP_DURATION));
        uint256 word = PackedParams.packCollateral(listed, frozen, slot, decimals, borrowFactor, r);
        assertEq(word.listed(), listed, "listed");
        assertEq(word.frozen(), frozen, "frozen");
        assertEq(word.slot(), slot, "slot");
        assertEq(word.decimals(), decimals, "decimals");
        assertEq(word.borrowFactor(), borrowFactor, "borrowFactor");
        vm.warp(bound(t, start, uint256(start) + 8 days));
        uint256 now_ = word.atNow();
        assertEq(now_.liquidationFactorNow(), RampLib.current(r), "liquidationFactor now");
        assertEq(now_ >> 64, word >> 168 << 104, "the other fields unchanged");
    }

    // ================================================================ pauses in the accrual word
    /// @notice Any sequence of pauses and unpauses: `paused` answers for each action as set, and
    /// the accrual word's rate model and reserve factor never move; setMarketParams and
    /// setRateModel keep the flags.
    function testFuzz_pauseFlags_inTheAccrualWord(uint8[6] memory actions, bool[6] memory flags) public {
        bool[3] memory expected;
        (IInterestRateModel model, uint256 reserveFactor) = m.config.accrualParams();
        for (uint256 i; i < 6; ++i) {
            PauseAction action = PauseAction(actions[i] % 3);
            vm.prank(flags[i] ? guardian : governor);
            m.config.setPaused(action, flags[i]);
            expected[uint8(action)] = flags[i];
            for (uint256 a; a < 3; ++a) {
                assertEq(m.config.paused(PauseAction(a)), expected[a], "paused");
            }
            (IInterestRateModel model_, uint256 reserveFactor_) = m.config.accrualParams();
            assertEq(address(model_), address(model), "rate model");
            assertEq(reserveFactor_, reserveFactor, "reserve factor");
            _checkAccrualWord();
        }
        MarketParams memory p = m.config.marketParamsTarget();
        p.reserveFactor = 0.2e18;
        vm.startPrank(governor);
        m.config.setMarketParams(p);
        m.config.setRateModel(new InterestRateModel(0, 0.8e18, 0.1e18, 1e18));
        vm.stopPrank();
        for (uint256 a; a < 3; ++a) {
            assertEq(m.config.paused(PauseAction(a)), expected[a], "paused after setters");
        }
        (, uint256 newReserveFactor) = m.config.accrualParams();
        assertEq(newReserveFactor, 0.2e18, "reserve factor set");
        _checkAccrualWord();
    }

    /// @dev `accrualWord` (the pool's one read for a pause check and an accrual) says what
    /// `accrualParams` and `paused` say.
    function _checkAccrualWord() internal view {
        uint256 word = m.config.accrualWord();
        (IInterestRateModel model, uint256 reserveFactor) = m.config.accrualParams();
        assertEq(word.rateModel(), address(model), "word: rate model");
        assertEq(word.reserveFactor(), reserveFactor, "word: reserve factor");
        for (uint256 a; a < 3; ++a) {
            assertEq((word.pauseBits() >> a) & 1 != 0, m.config.paused(PauseAction(a)), "word: paused");
        }
    }
}
