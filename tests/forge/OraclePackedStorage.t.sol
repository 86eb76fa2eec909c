// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test, Vm} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {MockGovernance} from "../../contracts/mocks/MockGovernance.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {IAggregatorV3} from "../../interfaces/IAggregatorV3.sol";
import {IOracleAdapter, InitialFeed, PriceStatus} from "../../interfaces/IOracleAdapter.sol";
import {OracleAdapterHarness} from "./harness/OracleAdapterHarness.sol";

/// @notice OracleAdapter's packed storage: a feed in two slots (the asset's bookkeeping in the
/// primary's first), the market parameters in one, the volatility state in two. Every setter
/// refuses a value that does not fit its field with its named error, even one whose low bits
/// would be valid (a silent truncation would store a different value); what is written is what
/// the getters read; the bookkeeping survives a change of feed; the variance saturates.
contract OraclePackedStorageTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant START = 1_700_000_000; // [unix seconds]
    uint256 internal constant HEARTBEAT = 1 hours;
    uint256 internal constant VOL_REF = 0.6e18;
    uint256 internal constant VOL_TAU = 1 days;
    uint256 internal constant MAX_ROUNDS = 16;
    uint256 internal constant MAX_VARIANCE = type(uint96).max; // the stored variance's field
    // the setters' bounds (IOracleAdapter)
    uint256 internal constant MAX_DEVIATION_CAP = 0.5e18;
    uint256 internal constant MAX_VOL_REF = 10e18;
    uint256 internal constant MIN_TAU = 1 minutes;
    uint256 internal constant MAX_TAU = 30 days;
    uint256 internal constant MAX_ROUNDS_CAP = 64;
    uint256 internal constant MIN_HEARTBEAT = 1 minutes;
    uint256 internal constant MAX_HEARTBEAT = 7 days;

    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal asset = makeAddr("asset");
    MockGovernance internal governance;
    OracleAdapter internal oracle;

    function setUp() public {
        vm.warp(START);
        governance = new MockGovernance(governor);
        oracle = new OracleAdapter(governance, 0.02e18, VOL_REF, VOL_TAU, MAX_ROUNDS, new InitialFeed[](0));
    }

    // ================================================================ helpers
    /// @dev `low` with bits set above a field of `bits` bits: a cast to the field would keep `low`.
    function _overflowing(uint256 low, uint256 high, uint256 bits) internal pure returns (uint256) {
        return (bound(high, 1, (type(uint256).max >> bits)) << bits) | low;
    }

    function _setFeed(bool primary, MockAggregator feed, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
        internal
    {
        vm.prank(governor);
        oracle.setFeed(asset, primary, IAggregatorV3(address(feed)), heartbeat, minPrice, maxPrice);
    }

    function _assertFeed(bool primary, MockAggregator feed, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
        internal
        view
    {
        (IAggregatorV3 aggregator, uint8 decimals, uint32 hb, uint256 lo, uint256 hi) =
            primary ? oracle.primaryFeed(asset) : oracle.secondaryFeed(asset);
        assertEq(address(aggregator), address(feed), "aggregator");
        assertEq(decimals, feed.decimals(), "decimals");
        assertEq(hb, heartbeat, "heartbeat");
        assertEq(lo, minPrice, "minPrice");
        assertEq(hi, maxPrice, "maxPrice");
    }

    function _poke() internal {
        vm.prank(keeper);
        oracle.poke(asset);
    }

    // ================================================================ setters refuse what does not fit
    function testFuzz_setMaxDeviation_refusesValuesWiderThanItsField(uint256 low, uint256 high) public {
        uint256 value = _overflowing(bound(low, 1, MAX_DEVIATION_CAP), high, 64);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadMaxDeviation.selector, value));
        vm.prank(governor);
        oracle.setMaxDeviation(value);
        assertEq(oracle.maxDeviation(), 0.02e18, "unchanged");
    }

    function testFuzz_setVolatilityParams_refusesValuesWiderThanTheirFields(uint256 low, uint256 high, uint8 which)
        public
    {
        (uint256 ref, uint256 tau, uint256 rounds) = (VOL_REF, VOL_TAU, MAX_ROUNDS);
        which %= 3;
        if (which == 0) ref = _overflowing(bound(low, 1, MAX_VOL_REF), high, 64);
        else if (which == 1) tau = _overflowing(bound(low, MIN_TAU, MAX_TAU), high, 32);
        else rounds = _overflowing(bound(low, 1, MAX_ROUNDS_CAP), high, 8);
        vm.expectRevert(IOracleAdapter.BadVolatilityParams.selector);
        vm.prank(governor);
        oracle.setVolatilityParams(ref, tau, rounds);
        assertEq(oracle.volRef(), VOL_REF, "volRef unchanged");
        assertEq(oracle.volTau(), VOL_TAU, "volTau unchanged");
        assertEq(oracle.maxRoundsPerPoke(), MAX_ROUNDS, "maxRoundsPerPoke unchanged");
    }

    function testFuzz_constructor_refusesParamsWiderThanTheirFields(uint256 low, uint256 high, uint8 which) public {
        (uint256 dev, uint256 ref, uint256 tau, uint256 rounds) = (0.02e18, VOL_REF, VOL_TAU, MAX_ROUNDS);
        which %= 4;
        if (which == 0) {
            dev = _overflowing(bound(low, 1, MAX_DEVIATION_CAP), high, 64);
            vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadMaxDeviation.selector, dev));
        } else {
            if (which == 1) ref = _overflowing(bound(low, 1, MAX_VOL_REF), high, 64);
            else if (which == 2) tau = _overflowing(bound(low, MIN_TAU, MAX_TAU), high, 32);
            else rounds = _overflowing(bound(low, 1, MAX_ROUNDS_CAP), high, 8);
            vm.expectRevert(IOracleAdapter.BadVolatilityParams.selector);
        }
        new OracleAdapter(governance, dev, ref, tau, rounds, new InitialFeed[](0));
    }

    function testFuzz_setFeed_refusesHeartbeatWiderThanItsField(uint256 low, uint256 high) public {
        uint256 heartbeat = _overflowing(bound(low, MIN_HEARTBEAT, MAX_HEARTBEAT), high, 32);
        MockAggregator feed = new MockAggregator(8, "feed", 100e8);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadHeartbeat.selector, heartbeat));
        _setFeed(true, feed, heartbeat, 1e18, 1_000e18);
    }

    function testFuzz_setFeed_refusesPriceBoundsWiderThanTheirField(uint256 low, uint256 high, bool minTooWide) public {
        MockAggregator feed = new MockAggregator(8, "feed", 100e8);
        uint256 minPrice = 1e18;
        uint256 maxPrice = _overflowing(bound(low, 2e18, type(uint128).max), high, 128);
        // a minPrice wider than its field is refused too (it is then above any valid maxPrice)
        if (minTooWide) (minPrice, maxPrice) = (maxPrice, type(uint128).max);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadPriceBounds.selector, minPrice, maxPrice));
        _setFeed(true, feed, HEARTBEAT, minPrice, maxPrice);
    }

    // ================================================================ round trips
    function testFuzz_params_roundTrip(uint256 dev, uint256 ref, uint256 tau, uint256 rounds) public {
        dev = bound(dev, 1, MAX_DEVIATION_CAP);
        ref = bound(ref, 1, MAX_VOL_REF);
        tau = bound(tau, MIN_TAU, MAX_TAU);
        rounds = bound(rounds, 1, MAX_ROUNDS_CAP);
        vm.startPrank(governor);
        oracle.setVolatilityParams(ref, tau, rounds);
        assertEq(oracle.maxDeviation(), 0.02e18, "one family's setter leaves the other's field");
        oracle.setMaxDeviation(dev);
        vm.stopPrank();
        assertEq(oracle.maxDeviation(), dev, "maxDeviation");
        assertEq(oracle.volRef(), ref, "volRef");
        assertEq(oracle.volTau(), tau, "volTau");
        assertEq(oracle.maxRoundsPerPoke(), rounds, "maxRoundsPerPoke");
    }

    function testFuzz_feeds_roundTrip(
        uint8 decimals,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice,
        uint8 decimals2,
        uint256 heartbeat2,
        uint256 minPrice2,
        uint256 maxPrice2
    ) public {
        maxPrice = bound(maxPrice, 2, type(uint128).max);
        minPrice = bound(minPrice, 1, maxPrice - 1);
        maxPrice2 = bound(maxPrice2, 2, type(uint128).max);
        minPrice2 = bound(minPrice2, 1, maxPrice2 - 1);
        heartbeat = bound(heartbeat, MIN_HEARTBEAT, MAX_HEARTBEAT);
        heartbeat2 = bound(heartbeat2, MIN_HEARTBEAT, MAX_HEARTBEAT);
        MockAggregator primary = new MockAggregator(uint8(bound(decimals, 0, 36)), "primary", 1);
        MockAggregator secondary = new MockAggregator(uint8(bound(decimals2, 0, 36)), "secondary", 1);

        _setFeed(true, primary, heartbeat, minPrice, maxPrice);
        _setFeed(false, secondary, heartbeat2, minPrice2, maxPrice2);
        _assertFeed(true, primary, heartbeat, minPrice, maxPrice);
        _assertFeed(false, secondary, heartbeat2, minPrice2, maxPrice2);
        assertTrue(oracle.hasFeed(asset));

        vm.prank(governor);
        oracle.detachSecondary(asset);
        _assertFeed(true, primary, heartbeat, minPrice, maxPrice);
        (IAggregatorV3 gone, uint8 d, uint32 hb, uint256 lo, uint256 hi) = oracle.secondaryFeed(asset);
        assertEq(abi.encode(gone, d, hb, lo, hi), abi.encode(address(0), 0, 0, 0, 0), "detached: all zero");
    }

    /// @dev The chain's state as written by a first poke, for any round id, time and answer.
    function testFuzz_volState_roundTrip(uint80 roundId, uint256 updatedAt, uint256 answer, uint256 ref) public {
        roundId = uint80(bound(roundId, 1, type(uint80).max));
        updatedAt = bound(updatedAt, START - HEARTBEAT + 1, START);
        answer = bound(answer, 1e8, type(uint128).max / 1e10);
        ref = bound(ref, 1, MAX_VOL_REF);
        vm.prank(governor);
        oracle.setVolatilityParams(ref, VOL_TAU, MAX_ROUNDS);
        MockAggregator feed = new MockAggregator(8, "feed", 1e8);
        feed.setRound(roundId, int256(answer), updatedAt, roundId);
        _setFeed(true, feed, HEARTBEAT, 1e18, type(uint128).max);
        _poke();
        (address f, uint80 round, uint64 at, uint256 a, uint256 variance) = oracle.volState(asset);
        assertEq(f, address(feed), "feed");
        assertEq(round, roundId, "round");
        assertEq(at, updatedAt, "updatedAt");
        assertEq(a, answer, "answer");
        assertEq(variance, Math.mulDiv(ref, ref, WAD, Math.Rounding.Ceil), "variance");
    }

    /// @dev A learnt variance reads back as the sample's event reported it, in full.
    function testFuzz_volState_learntVarianceRoundTrips(uint256 moveBps, uint256 gap) public {
        moveBps = bound(moveBps, 0, 9_000);
        gap = bound(gap, 0, HEARTBEAT);
        MockAggregator feed = new MockAggregator(8, "feed", 3_000e8);
        _setFeed(true, feed, HEARTBEAT, 1e18, 1e24);
        _poke();
        vm.warp(START + gap);
        feed.setPrice(int256(3_000e8 * (10_000 + moveBps) / 10_000));
        vm.recordLogs();
        _poke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], IOracleAdapter.VolatilitySampled.selector, "one sample");
        (, uint256 sampled) = abi.decode(logs[0].data, (uint80, uint256));
        (,,,, uint256 stored) = oracle.volState(asset);
        assertEq(stored, sampled);
    }

    // ================================================================ bookkeeping in the primary's slot
    /// @dev Replacing the primary keeps the asset's secondary in use and its last status;
    /// detaching the secondary stops reading it.
    function test_primaryReplacement_keepsSecondaryAndLastStatus() public {
        MockAggregator primary = new MockAggregator(8, "primary", 100e8);
        MockAggregator secondary = new MockAggregator(8, "secondary", 101e8);
        _setFeed(true, primary, HEARTBEAT, 1e18, 1_000e18);
        _setFeed(false, secondary, HEARTBEAT, 1e18, 1_000e18);
        primary.setReverting(true);
        _poke();
        assertEq(uint8(oracle.lastStatus(asset)), uint8(PriceStatus.Fallback), "recorded");

        MockAggregator replacement = new MockAggregator(8, "primary v2", 100e8);
        replacement.setReverting(true);
        _setFeed(true, replacement, HEARTBEAT, 1e18, 1_000e18);
        assertEq(uint8(oracle.lastStatus(asset)), uint8(PriceStatus.Fallback), "status kept");
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Fallback), "secondary still read");
        assertEq(oracle.getPrice(asset), 101e18);

        vm.prank(governor);
        oracle.detachSecondary(asset);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Invalid), "secondary no longer read");
        (bool ok,,) = oracle.tryPriceRange(asset);
        assertFalse(ok);
    }

    /// @dev A primary set again with the same aggregator (new bounds) keeps the chain; a switch
    /// away and back restarts it (each switch is a new chain) without a sample, keeping σ².
    function test_feedEpoch_sameAggregatorKeepsTheChain_switchBackRestarts() public {
        MockAggregator a = new MockAggregator(8, "A", 3_000e8);
        MockAggregator b = new MockAggregator(8, "B", 1_500e8);
        _setFeed(true, a, HEARTBEAT, 1e18, 1e24);
        _poke();
        _setFeed(true, a, 2 hours, 2e18, 1e23);
        vm.warp(START + 60);
        a.setPrice(3_030e8);
        vm.recordLogs();
        _poke();
        assertEq(vm.getRecordedLogs()[0].topics[0], IOracleAdapter.VolatilitySampled.selector, "same feed: sampled");
        (,,,, uint256 learnt) = oracle.volState(asset);

        _setFeed(true, b, HEARTBEAT, 1e18, 1e24);
        (address f, uint80 round,,,) = oracle.volState(asset);
        assertEq(f, address(0), "the chain belongs to a replaced primary");
        assertEq(round, 2, "its last round stays until a poke restarts the chain");
        assertTrue(oracle.needsPoke(asset));
        _setFeed(true, a, HEARTBEAT, 1e18, 1e24);
        a.setPrice(6_000e8); // a round of A that must not be read as a return from A's round 2
        vm.recordLogs();
        _poke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[0], IOracleAdapter.VolatilityChainRestarted.selector, "restarted");
        uint256 variance;
        (f, round,,, variance) = oracle.volState(asset);
        assertEq(f, address(a));
        assertEq(round, 3);
        assertEq(variance, learnt, "a restart keeps what was learnt");
    }

    // ================================================================ field bounds of the estimator
    /// @dev At its field's maximum the variance saturates instead of wrapping; below it, it is
    /// the unclamped update. Rounds of ±1,000 % in the same second add up to 5.3e25 each (τ one
    /// minute): only there can the field be reached.
    function testFuzz_variance_saturatesAtItsField(uint96 variance, uint256 moveBps, uint256 gap, uint256 tau) public {
        OracleAdapterHarness h = new OracleAdapterHarness(governance);
        moveBps = bound(moveBps, 0, 200_000); // up to +2,000 %: the return is clamped at 1,000 %
        tau = bound(tau, MIN_TAU, MAX_TAU);
        gap = bound(gap, 0, 10 days);
        uint256 p = 1e8 * (10_000 + moveBps) / 10_000;
        uint256 r = Math.min(Math.mulDiv(p - 1e8, WAD, 1e8), 10e18);
        uint256 r2Year = Math.mulDiv(r * r, 365 days, WAD, Math.Rounding.Ceil);
        uint256 unclamped = Math.mulDiv(tau * uint256(variance) + r2Year, 1, tau + gap, Math.Rounding.Ceil);
        uint256 got = h.sample(variance, 1e8, uint40(START), p, START + gap, tau);
        assertEq(got, Math.min(unclamped, MAX_VARIANCE));
    }

    function test_variance_saturatesAfterSameSecondMaxReturns() public {
        OracleAdapterHarness h = new OracleAdapterHarness(governance);
        uint96 nearMax = uint96(MAX_VARIANCE - 1e25);
        assertEq(h.sample(nearMax, 1e8, uint40(START), 11e8, START, MIN_TAU), MAX_VARIANCE, "saturated, not wrapped");
        assertEq(h.sample(uint96(MAX_VARIANCE), 11e8, uint40(START), 1e8, START, MIN_TAU), MAX_VARIANCE, "stays");
    }

    /// @dev A round stamped after MAX_ROUND_TIME (year 36,812) does not fit `VolState.updatedAt`:
    /// it is not used for volatility (the price itself is still valid).
    function test_roundAfterTheTimeFieldIsNotUsedForVolatility() public {
        MockAggregator feed = new MockAggregator(8, "feed", 3_000e8);
        _setFeed(true, feed, HEARTBEAT, 1e18, 1e24);
        _poke();
        (, uint80 round, uint64 at,,) = oracle.volState(asset);
        uint256 late = uint256(type(uint40).max) + 1;
        vm.warp(late);
        feed.setPrice(6_000e8);
        assertEq(oracle.getPrice(asset), 6_000e18, "price valid");
        assertFalse(oracle.needsPoke(asset));
        _poke();
        (, uint80 round2, uint64 at2,,) = oracle.volState(asset);
        assertEq(round2, round, "not consumed");
        assertEq(at2, at);
    }
}
