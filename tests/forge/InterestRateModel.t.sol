// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {InterestRateModel} from "../../contracts/InterestRateModel.sol";

/// @notice The kinked rate curve (DESIGN.md 2): exact demo values, monotonicity, continuity at
/// the kink, clamping above 100 % utilisation, agreement with an independently written
/// reference, and the constructor's bounds.
contract InterestRateModelTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_RATE_CAP = 10 * WAD; // the constructor's 1,000 % APR ceiling

    // demo curve: 0 % at 0, 4 % APR at 80 %, 79 % APR at 100 %
    uint256 internal constant DEMO_BASE = 0;
    uint256 internal constant DEMO_KINK = 0.8e18;
    uint256 internal constant DEMO_KINK_RATE = 0.04e18;
    uint256 internal constant DEMO_MAX = 0.79e18;

    InterestRateModel internal demo;

    function setUp() public {
        demo = new InterestRateModel(DEMO_BASE, DEMO_KINK, DEMO_KINK_RATE, DEMO_MAX);
    }

    // ================================================================ helpers
    struct Curve {
        uint256 base;
        uint256 kink;
        uint256 kinkRate;
        uint256 maxRate;
    }

    /// @dev Any curve the constructor accepts: 0 < kink < 1, base ≤ kinkRate ≤ maxRate ≤ 10.
    function _boundCurve(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate)
        internal
        pure
        returns (Curve memory c)
    {
        c.kink = bound(kink, 1, WAD - 1);
        c.maxRate = bound(maxRate, 0, MAX_RATE_CAP);
        c.kinkRate = bound(kinkRate, 0, c.maxRate);
        c.base = bound(base, 0, c.kinkRate);
    }

    function _deploy(Curve memory c) internal returns (InterestRateModel) {
        return new InterestRateModel(c.base, c.kink, c.kinkRate, c.maxRate);
    }

    /// @dev Reference written independently of the contract: the curve as linear interpolation
    /// between its knots (0, base), (kink, kinkRate), (1, maxRate), each segment a weighted
    /// average of its two end rates, rounded down once:
    ///     u ≤ kink: (base · (kink − u) + kinkRate · u) / kink
    ///     u > kink: (kinkRate · (1 − u) + maxRate · (u − kink)) / (1 − kink)
    /// (equal to the contract's `start + slope · Δu`, rounded down, since the start is whole).
    function _reference(Curve memory c, uint256 u) internal pure returns (uint256) {
        if (u > WAD) u = WAD;
        if (u <= c.kink) return (c.base * (c.kink - u) + c.kinkRate * u) / c.kink;
        return (c.kinkRate * (WAD - u) + c.maxRate * (u - c.kink)) / (WAD - c.kink);
    }

    function _ceilDiv(uint256 x, uint256 y) internal pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / y + 1;
    }

    // ================================================================ demo curve
    function test_demoCurve_exactAtKnots() public view {
        assertEq(demo.borrowRate(0), 0, "0 % utilisation");
        assertEq(demo.borrowRate(DEMO_KINK), 0.04e18, "80 % utilisation");
        assertEq(demo.borrowRate(WAD), 0.79e18, "100 % utilisation");
    }

    function test_demoCurve_exactBetweenKnots() public view {
        assertEq(demo.borrowRate(0.4e18), 0.02e18, "half way to the kink");
        assertEq(demo.borrowRate(0.9e18), 0.415e18, "half way from the kink to 100 %");
        // one wei of utilisation below the kink: 0.04 · (0.8e18 − 1) / 0.8e18, rounded down
        assertEq(demo.borrowRate(DEMO_KINK - 1), 0.04e18 - 1, "just below the kink");
        // one wei above: slope 3.75 per unit of utilisation, 3 wei after rounding down
        assertEq(demo.borrowRate(DEMO_KINK + 1), 0.04e18 + 3, "just above the kink");
    }

    function test_demoCurve_parameters() public view {
        assertEq(demo.baseRate(), DEMO_BASE);
        assertEq(demo.kink(), DEMO_KINK);
        assertEq(demo.kinkRate(), DEMO_KINK_RATE);
        assertEq(demo.maxRate(), DEMO_MAX);
    }

    // ================================================================ monotone
    function testFuzz_demoCurve_monotone(uint256 u1, uint256 u2) public view {
        u1 = bound(u1, 0, 2 * WAD);
        u2 = bound(u2, 0, 2 * WAD);
        (uint256 lo, uint256 hi) = u1 <= u2 ? (u1, u2) : (u2, u1);
        assertLe(demo.borrowRate(lo), demo.borrowRate(hi), "rate fell as utilisation rose");
    }

    function testFuzz_anyCurve_monotone(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u1,
        uint256 u2
    ) public {
        InterestRateModel model = _deploy(_boundCurve(base, kink, kinkRate, maxRate));
        u1 = bound(u1, 0, 2 * WAD);
        u2 = bound(u2, 0, 2 * WAD);
        (uint256 lo, uint256 hi) = u1 <= u2 ? (u1, u2) : (u2, u1);
        assertLe(model.borrowRate(lo), model.borrowRate(hi), "rate fell as utilisation rose");
    }

    /// @dev Adjacent utilisations (one wei apart), where a rounding slip would show first.
    function testFuzz_anyCurve_monotoneStepByStep(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u
    ) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        // half the runs straddle the kink, where the formula switches
        u = u % 2 == 0 ? bound(u, c.kink - 1, c.kink + 1) : bound(u, 0, WAD);
        assertLe(model.borrowRate(u), model.borrowRate(u + 1), "rate fell over one wei");
    }

    function testFuzz_anyCurve_withinBaseAndMax(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u
    ) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        uint256 rate = model.borrowRate(u);
        assertGe(rate, c.base, "below the base rate");
        assertLe(rate, c.maxRate, "above the max rate");
    }

    // ================================================================ continuity at the kink
    /// @dev At the kink both formulas give kinkRate; one wei either side the rate moves by at
    /// most one wei of utilisation times that side's slope, rounded up.
    function testFuzz_anyCurve_continuousAtKink(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);

        assertEq(model.borrowRate(c.kink), c.kinkRate, "not kinkRate at the kink");

        uint256 below = model.borrowRate(c.kink - 1);
        uint256 above = model.borrowRate(c.kink + 1);
        uint256 slopeBelow = _ceilDiv(c.kinkRate - c.base, c.kink); // per wei of utilisation
        uint256 slopeAbove = _ceilDiv(c.maxRate - c.kinkRate, WAD - c.kink);
        assertLe(c.kinkRate - below, slopeBelow, "jump just below the kink");
        assertLe(above - c.kinkRate, slopeAbove, "jump just above the kink");
    }

    function test_demoCurve_continuousAtKink() public view {
        uint256 atKink = demo.borrowRate(DEMO_KINK);
        // slopes: 0.05 below the kink, 3.75 above, per unit of utilisation (≤ 4 wei per wei)
        assertLe(atKink - demo.borrowRate(DEMO_KINK - 1), 1, "below");
        assertLe(demo.borrowRate(DEMO_KINK + 1) - atKink, 4, "above");
    }

    // ================================================================ clamp
    function testFuzz_demoCurve_clampsAboveFullUtilisation(uint256 u) public view {
        u = bound(u, WAD + 1, type(uint256).max);
        assertEq(demo.borrowRate(u), DEMO_MAX, "not clamped to the 100 % rate");
    }

    function testFuzz_anyCurve_clampsAboveFullUtilisation(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u
    ) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        u = bound(u, WAD + 1, type(uint256).max);
        assertEq(model.borrowRate(u), model.borrowRate(WAD), "clamp differs from rate(1)");
        assertEq(model.borrowRate(u), c.maxRate, "clamp is not maxRate");
    }

    // ================================================================ reference
    function testFuzz_anyCurve_matchesReference(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u
    ) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        u = bound(u, 0, 2 * WAD);
        assertEq(model.borrowRate(u), _reference(c, u), "differs from the reference curve");
    }

    /// @dev The rate never exceeds the exact curve and is below it by less than one wei
    /// (rounded down, as the contract's NatSpec says), checked by cross-multiplication.
    function testFuzz_anyCurve_roundsDownByLessThanOneWei(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate,
        uint256 u
    ) public {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        u = bound(u, 0, WAD);
        uint256 rate = model.borrowRate(u);
        // exact = start + rise · du / run
        (uint256 start, uint256 rise, uint256 du, uint256 run) = u <= c.kink
            ? (c.base, c.kinkRate - c.base, u, c.kink)
            : (c.kinkRate, c.maxRate - c.kinkRate, u - c.kink, WAD - c.kink);
        assertLe((rate - start) * run, rise * du, "above the exact curve");
        assertGt((rate - start + 1) * run, rise * du, "a wei or more below the exact curve");
    }

    // ================================================================ constructor
    function testFuzz_constructor_acceptsValidCurves(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate)
        public
    {
        Curve memory c = _boundCurve(base, kink, kinkRate, maxRate);
        InterestRateModel model = _deploy(c);
        assertEq(model.baseRate(), c.base);
        assertEq(model.kink(), c.kink);
        assertEq(model.kinkRate(), c.kinkRate);
        assertEq(model.maxRate(), c.maxRate);
    }

    /// @dev Unbounded inputs: the constructor reverts exactly when the curve is out of bounds.
    function testFuzz_constructor_refusesExactlyTheBadCurves(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate
    ) public {
        // half the runs near the edges of the bounds, half anywhere
        if (kink % 2 == 0) {
            kink = bound(kink, 0, WAD + 1);
            maxRate = bound(maxRate, 0, MAX_RATE_CAP + 1);
            kinkRate = bound(kinkRate, 0, MAX_RATE_CAP + 1);
            base = bound(base, 0, MAX_RATE_CAP + 1);
        }
        bool valid = kink > 0 && kink < WAD && base <= kinkRate && kinkRate <= maxRate && maxRate <= MAX_RATE_CAP;
        if (!valid) vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(base, kink, kinkRate, maxRate);
    }

    function testFuzz_constructor_refusesZeroKink(uint256 base, uint256 kinkRate, uint256 maxRate) public {
        Curve memory c = _boundCurve(base, 1, kinkRate, maxRate);
        vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(c.base, 0, c.kinkRate, c.maxRate);
    }

    function testFuzz_constructor_refusesKinkAtOrAboveOne(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate)
        public
    {
        Curve memory c = _boundCurve(base, 1, kinkRate, maxRate);
        kink = bound(kink, WAD, type(uint256).max);
        vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(c.base, kink, c.kinkRate, c.maxRate);
    }

    function testFuzz_constructor_refusesBaseAboveKinkRate(
        uint256 base,
        uint256 kink,
        uint256 kinkRate,
        uint256 maxRate
    ) public {
        Curve memory c = _boundCurve(0, kink, kinkRate, maxRate);
        base = bound(base, c.kinkRate + 1, type(uint256).max);
        vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(base, c.kink, c.kinkRate, c.maxRate);
    }

    function testFuzz_constructor_refusesKinkRateAboveMax(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate)
        public
    {
        Curve memory c = _boundCurve(0, kink, 0, maxRate);
        kinkRate = bound(kinkRate, c.maxRate + 1, type(uint256).max);
        base = bound(base, 0, c.maxRate); // base ≤ kinkRate: only kinkRate is out of order
        vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(base, c.kink, kinkRate, c.maxRate);
    }

    function testFuzz_constructor_refusesMaxAboveCap(uint256 base, uint256 kink, uint256 kinkRate, uint256 maxRate)
        public
    {
        Curve memory c = _boundCurve(base, kink, kinkRate, MAX_RATE_CAP);
        maxRate = bound(maxRate, MAX_RATE_CAP + 1, type(uint256).max);
        vm.expectRevert(InterestRateModel.BadRateCurve.selector);
        new InterestRateModel(c.base, c.kink, c.kinkRate, maxRate);
    }
}
