// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {MockGovernance} from "../../contracts/mocks/MockGovernance.sol";
import {InitialFeed} from "../../interfaces/IOracleAdapter.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {IAggregatorV3} from "../../interfaces/IAggregatorV3.sol";

/// @notice The volatility estimator of OracleAdapter (DESIGN.md 3) driven round by round through a
/// MockAggregator and checked against a reference written here in plain checked arithmetic:
///
///     r      = |p_n − p_{n−1}| · 1e18 / p_{n−1}          (down, clamped at 10e18)
///     r2Year = ⌈r · r · YEAR / 1e18⌉
///     σ²    ← ⌈(τ·σ² + r2Year) / (τ + Δt)⌉               (first chain: σ² = ⌈σ_ref²/1e18⌉)
///     view   = ⌈√(σ_ref² ± (σ² − σ_ref²)·τ/(τ + t) · 1e18)⌉, the variance rounded towards the higher side
///
/// Properties: σ² never falls when r²·YEAR ≥ Δt·σ² and never rises otherwise (it falls by at least
/// one wei once Δt·σ² − r²·YEAR ≥ τ + Δt); the view moves monotonically toward σ_ref as t grows.
contract VolatilityTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    uint256 internal constant TAU = 1 days; // demo τ
    uint256 internal constant VOL_REF = 0.6e18; // demo σ_ref
    uint256 internal constant MAX_ROUNDS = 16; // demo cap per poke
    uint256 internal constant MAX_RETURN = 10e18;
    uint256 internal constant START = 1_700_000_000; // [unix seconds]
    int256 internal constant P0 = 3_000e8; // first answer (8 decimals)
    uint256 internal constant MIN_ANSWER = 1e8; // $1, the feed's minPrice
    uint256 internal constant MAX_ANSWER = 1e14; // $1,000,000, the feed's maxPrice

    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal asset = makeAddr("asset");
    OracleAdapter internal oracle;
    MockAggregator internal feed;

    /// @dev The reference estimator state.
    struct Ref {
        uint256 variance; // [wad]
        uint256 answer; // feed units
        uint256 updatedAt; // [unix seconds]
        uint80 round;
    }

    function setUp() public {
        vm.warp(START);
        oracle =
            new OracleAdapter(new MockGovernance(governor), 0.02e18, VOL_REF, TAU, MAX_ROUNDS, new InitialFeed[](0));
        feed = new MockAggregator(8, "ASSET / USD", P0);
        vm.prank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(feed)), 1 hours, MIN_ANSWER * 1e10, MAX_ANSWER * 1e10);
        vm.prank(keeper);
        oracle.poke(asset); // the chain starts at round 1, σ² = σ_ref²
    }

    // ================================================================ reference
    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    function _startRef() internal pure returns (Ref memory r) {
        r = Ref(_ceilDiv(VOL_REF * VOL_REF, WAD), uint256(P0), START, 1);
    }

    function _r2Year(uint256 p, uint256 previous) internal pure returns (uint256) {
        uint256 r = (p > previous ? p - previous : previous - p) * WAD / previous;
        if (r > MAX_RETURN) r = MAX_RETURN;
        return _ceilDiv(r * r * YEAR, WAD);
    }

    function _refSample(Ref memory r, uint256 p, uint256 t) internal pure {
        r.variance = _ceilDiv(TAU * r.variance + _r2Year(p, r.answer), TAU + (t - r.updatedAt));
        r.answer = p;
        r.updatedAt = t;
        r.round += 1;
    }

    function _sqrtUp(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        // Newton from above: converges to ⌊√x⌋
        y = x;
        uint256 z = (x >> 1) + 1;
        while (z < y) {
            y = z;
            z = (x / z + z) >> 1;
        }
        if (y * y < x) y += 1;
    }

    function _refView(uint256 variance, uint256 t) internal pure returns (uint256) {
        uint256 ref2 = _ceilDiv(VOL_REF * VOL_REF, WAD);
        uint256 v = variance >= ref2
            ? ref2 + _ceilDiv((variance - ref2) * TAU, TAU + t)
            : ref2 - (ref2 - variance) * TAU / (TAU + t);
        return _sqrtUp(v * WAD);
    }

    function _assertState(Ref memory r) internal view {
        (address f, uint80 round, uint64 updatedAt, uint256 answer, uint256 variance) = oracle.volState(asset);
        assertEq(f, address(feed), "feed");
        assertEq(round, r.round, "round");
        assertEq(updatedAt, r.updatedAt, "updatedAt");
        assertEq(answer, r.answer, "answer");
        assertEq(variance, r.variance, "variance");
    }

    // ================================================================ helpers
    /// @dev A pseudo-random round sequence from `seed`: moves up to ±`maxMoveBps`, gaps up to
    /// `maxGap` seconds (a quarter of them 0: same-second rounds), answers inside the bounds.
    function _sequence(uint256 seed, uint256 count, uint256 maxMoveBps, uint256 maxGap)
        internal
        pure
        returns (uint256[] memory answers, uint256[] memory times)
    {
        answers = new uint256[](count);
        times = new uint256[](count);
        uint256 p = uint256(P0);
        uint256 t = START;
        for (uint256 i; i < count; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            uint256 move = h % (maxMoveBps + 1);
            p = (h >> 128) & 1 == 0 ? p * (10_000 + move) / 10_000 : p * (10_000 - move) / 10_000;
            if (p < MIN_ANSWER) p = MIN_ANSWER;
            if (p > MAX_ANSWER) p = MAX_ANSWER;
            if ((h >> 64) % 4 != 0) t += (h >> 96) % (maxGap + 1);
            answers[i] = p;
            times[i] = t;
        }
    }

    function _post(uint256[] memory answers, uint256[] memory times) internal {
        uint80 id = feed.latestRound();
        for (uint256 i; i < answers.length; ++i) {
            id += 1;
            feed.setRound(id, int256(answers[i]), times[i], id);
        }
    }

    // ================================================================ the update
    function testFuzz_roundsMatchTheReference(uint256 seed, uint256 count, uint256 maxMoveBps, uint256 maxGap) public {
        count = bound(count, 1, 40);
        maxMoveBps = bound(maxMoveBps, 0, 9_000);
        maxGap = bound(maxGap, 0, 10 days);
        (uint256[] memory answers, uint256[] memory times) = _sequence(seed, count, maxMoveBps, maxGap);
        vm.warp(times[count - 1]);
        _post(answers, times);

        Ref memory r = _startRef();
        uint256 done;
        while (done < count) {
            vm.prank(keeper);
            oracle.poke(asset);
            // one poke consumes at most MAX_ROUNDS rounds, in order, each once
            uint256 last = done + MAX_ROUNDS < count ? done + MAX_ROUNDS : count;
            for (; done < last; ++done) {
                _refSample(r, answers[done], times[done]);
            }
            _assertState(r);
        }
        vm.prank(keeper);
        oracle.poke(asset); // nothing left: nothing changes
        _assertState(r);
        assertEq(oracle.volatility(asset), _refView(r.variance, block.timestamp - r.updatedAt), "view");
    }

    function testFuzz_varianceRisesOnlyWhenTheReturnOutweighsTheGap(
        uint256 warmupBps,
        uint256 warmupGap,
        uint256 moveBps,
        bool up,
        uint256 gap
    ) public {
        // a first round gives the estimator some variance to start from
        warmupBps = bound(warmupBps, 0, 3_000);
        warmupGap = bound(warmupGap, 0, 3 days);
        moveBps = bound(moveBps, 0, 5_000);
        gap = bound(gap, 0, 30 days);
        uint256[] memory answers = new uint256[](2);
        uint256[] memory times = new uint256[](2);
        answers[0] = uint256(P0) * (10_000 - warmupBps) / 10_000;
        times[0] = START + warmupGap;
        answers[1] = up ? answers[0] * (10_000 + moveBps) / 10_000 : answers[0] * (10_000 - moveBps) / 10_000;
        times[1] = times[0] + gap;
        vm.warp(times[1]);
        _post(answers, times);

        Ref memory r = _startRef();
        _refSample(r, answers[0], times[0]);
        uint256 before = r.variance;
        uint256 r2Year = _r2Year(answers[1], answers[0]);
        vm.prank(keeper);
        oracle.poke(asset);
        (,,,, uint256 variance) = oracle.volState(asset);
        _refSample(r, answers[1], times[1]);
        assertEq(variance, r.variance, "reference");

        if (r2Year >= gap * before) {
            assertGe(variance, before, "a return worth more than its gap never lowers sigma");
        } else {
            assertLe(variance, before, "a return worth less than its gap never raises sigma");
            if (gap * before - r2Year >= TAU + gap) assertLt(variance, before, "and lowers it");
        }
        if (gap == 0) assertEq(variance, before + _ceilDiv(r2Year, TAU), "same second: + r2Year / tau");
    }

    function testFuzz_viewMovesMonotonicallyTowardVolRef(uint256 seed, uint256 count, uint256 t1, uint256 t2) public {
        count = bound(count, 1, MAX_ROUNDS);
        (uint256[] memory answers, uint256[] memory times) = _sequence(seed, count, 3_000, 2 days);
        vm.warp(times[count - 1]);
        _post(answers, times);
        vm.prank(keeper);
        oracle.poke(asset);
        Ref memory r = _startRef();
        for (uint256 i; i < count; ++i) {
            _refSample(r, answers[i], times[i]);
        }
        _assertState(r);

        t1 = bound(t1, 0, 3_650 days);
        t2 = bound(t2, t1, 3_650 days);
        vm.warp(r.updatedAt + t1);
        uint256 v1 = oracle.volatility(asset);
        assertEq(v1, _refView(r.variance, t1), "view at t1");
        vm.warp(r.updatedAt + t2);
        uint256 v2 = oracle.volatility(asset);
        assertEq(v2, _refView(r.variance, t2), "view at t2");
        if (r.variance >= _ceilDiv(VOL_REF * VOL_REF, WAD)) {
            assertGe(v1, v2, "decays from above");
            assertGe(v2, VOL_REF, "never below sigma_ref");
        } else {
            assertLe(v1, v2, "recovers from below");
            assertLe(v2, VOL_REF, "never above sigma_ref");
        }
    }

    // ================================================================ chain restarts
    function testFuzz_feedSwitchRestartsWithoutASample(uint256 newAnswer, uint256 spikeBps) public {
        newAnswer = bound(newAnswer, MIN_ANSWER, MAX_ANSWER);
        spikeBps = bound(spikeBps, 0, 5_000);
        uint256[] memory answers = new uint256[](1);
        uint256[] memory times = new uint256[](1);
        answers[0] = uint256(P0) * (10_000 - spikeBps) / 10_000;
        times[0] = START + 1 hours;
        vm.warp(times[0]);
        _post(answers, times);
        vm.prank(keeper);
        oracle.poke(asset);
        (,,,, uint256 learnt) = oracle.volState(asset);

        MockAggregator feed2 = new MockAggregator(8, "ASSET / USD v2", int256(newAnswer));
        vm.prank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(feed2)), 1 hours, MIN_ANSWER * 1e10, MAX_ANSWER * 1e10);
        vm.recordLogs();
        vm.prank(keeper);
        oracle.poke(asset);
        assertEq(vm.getRecordedLogs().length, 1, "only VolatilityChainRestarted (the status did not change)");
        (address f, uint80 round, uint64 updatedAt, uint256 answer, uint256 variance) = oracle.volState(asset);
        assertEq(f, address(feed2));
        assertEq(round, 1);
        assertEq(updatedAt, block.timestamp);
        assertEq(answer, newAnswer);
        assertEq(variance, learnt, "no return is read across a feed switch");
    }

    function testFuzz_unreadableRoundRestartsAtTheLatest(uint256 jump, uint256 latestAnswer) public {
        jump = bound(jump, 2, type(uint64).max);
        latestAnswer = bound(latestAnswer, MIN_ANSWER, MAX_ANSWER);
        vm.warp(START + 1 hours);
        uint80 id = uint80(1 + jump); // round 2 .. id−1 do not exist (a phase change)
        feed.setRound(id, int256(latestAnswer), block.timestamp, id);
        (,,,, uint256 before) = oracle.volState(asset);
        vm.prank(keeper);
        oracle.poke(asset);
        (, uint80 round,, uint256 answer, uint256 variance) = oracle.volState(asset);
        assertEq(round, id);
        assertEq(answer, latestAnswer);
        assertEq(variance, before);
    }

    function test_revertingFeedConsumesNothing() public {
        uint256[] memory answers = new uint256[](2);
        uint256[] memory times = new uint256[](2);
        (answers[0], answers[1]) = (2_900e8, 3_100e8);
        (times[0], times[1]) = (START + 60, START + 120);
        vm.warp(START + 120);
        _post(answers, times);
        feed.setReverting(true);
        vm.prank(keeper);
        oracle.poke(asset); // does not revert
        _assertState(_startRef());
        feed.setReverting(false);
        vm.prank(keeper);
        oracle.poke(asset);
        Ref memory r = _startRef();
        _refSample(r, answers[0], times[0]);
        _refSample(r, answers[1], times[1]);
        _assertState(r);
    }
}
