// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {Ramp, RampLib} from "../../contracts/libraries/RampLib.sol";
import {RampHarness} from "./harness/RampHarness.sol";

/// @notice The 7-day linear ramp of risk-raising parameters (DESIGN.md 2): `from` until the
/// start, `to` from the end on, monotone in between and rounded towards the target; `range()`
/// is the envelope of every value still to come; `moveTo` never jumps.
contract RampLibTest is Test {
    using RampLib for Ramp;

    uint256 internal constant MAX_START = 2 ** 40; // [seconds] ~35,000 years: any realistic clock
    uint256 internal constant MAX_SPAN = 2 ** 32; // [seconds] ~136 years

    RampHarness internal harness;

    function setUp() public {
        harness = new RampHarness();
    }

    /// @dev A ramp with start < end.
    function _ramp(uint64 from, uint64 to, uint256 start, uint256 span) internal pure returns (Ramp memory) {
        start = bound(start, 1, MAX_START);
        span = bound(span, 1, MAX_SPAN);
        return Ramp(from, to, uint64(start), uint64(start + span));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    // ================================================================ end points
    function testFuzz_current_isFromUntilStart(uint64 from, uint64 to, uint256 start, uint256 span, uint256 t) public {
        Ramp memory r = _ramp(from, to, start, span);
        vm.warp(bound(t, 0, r.start));
        assertEq(r.current(), from, "not `from` at or before the start");
    }

    function testFuzz_current_isToFromEndOn(uint64 from, uint64 to, uint256 start, uint256 span, uint256 t) public {
        Ramp memory r = _ramp(from, to, start, span);
        vm.warp(bound(t, r.end, type(uint64).max));
        assertEq(r.current(), to, "not `to` at or after the end");
    }

    function testFuzz_current_settledRampIsConstant(uint64 value, uint256 at, uint256 t) public {
        at = bound(at, 0, MAX_START);
        Ramp memory r = Ramp(value, value, uint64(at), uint64(at));
        vm.warp(bound(t, 0, type(uint64).max));
        assertEq(r.current(), value, "a settled ramp moved");
    }

    // ================================================================ in between
    function testFuzz_current_monotoneTowardsTarget(
        uint64 from,
        uint64 to,
        uint256 start,
        uint256 span,
        uint256 t1,
        uint256 t2
    ) public {
        Ramp memory r = _ramp(from, to, start, span);
        // times from a little before the start to a little after the end
        t1 = bound(t1, r.start - 1, uint256(r.end) + 1);
        t2 = bound(t2, r.start - 1, uint256(r.end) + 1);
        if (t1 > t2) (t1, t2) = (t2, t1);
        vm.warp(t1);
        uint256 c1 = r.current();
        vm.warp(t2);
        uint256 c2 = r.current();
        if (to >= from) assertLe(c1, c2, "rising ramp fell");
        else assertGe(c1, c2, "falling ramp rose");
        assertGe(c1, _min(from, to), "below the ramp's ends");
        assertLe(c1, _max(from, to), "above the ramp's ends");
    }

    /// @dev Strictly inside the ramp the value is the linear interpolation rounded towards
    /// `to`: on the target's side of the exact value, and less than one unit from it.
    ///     exact = from + (to − from) · elapsed / span
    function testFuzz_current_roundedTowardTarget(uint64 from, uint64 to, uint256 start, uint256 span, uint256 t)
        public
    {
        Ramp memory r = _ramp(from, to, start, span);
        vm.warp(bound(t, r.start, r.end));
        uint256 c = r.current();
        uint256 elapsed = block.timestamp - r.start;
        uint256 duration = r.end - r.start;
        // how far the value has moved towards `to`, and how far `to` is from `from`
        (uint256 moved, uint256 distance) =
            to >= from ? (c - from, uint256(to) - from) : (uint256(from) - c, uint256(from) - to);
        uint256 exactTimesDuration = distance * elapsed;
        assertGe(moved * duration, exactTimesDuration, "rounded away from the target");
        if (moved > 0) assertLt((moved - 1) * duration, exactTimesDuration, "a whole unit past exact");
    }

    function test_current_demoLiquidationFactorRamp() public {
        // 0.85 → 0.80 over 7 days, from t = 1,000
        Ramp memory r = Ramp(0.85e18, 0.8e18, 1000, uint64(1000 + RampLib.RAMP_DURATION));
        vm.warp(1000 + 3.5 days);
        assertEq(r.current(), 0.825e18, "half way");
        vm.warp(1000 + 1);
        // 0.05e18 / 604,800 = 82,671,957,671.9… per second: one second moves 82,671,957,672
        assertEq(r.current(), 0.85e18 - 82_671_957_672, "after one second, rounded towards 0.80");
    }

    // ================================================================ range
    /// @dev `range()` is (min, max) of the value now and the target, and it contains every value
    /// the ramp takes from now on: the envelope a joint-bounds check must hold on.
    function testFuzz_range_isEnvelopeOfTheFuture(
        uint64 from,
        uint64 to,
        uint256 start,
        uint256 span,
        uint256 t,
        uint256 later
    ) public {
        Ramp memory r = _ramp(from, to, start, span);
        t = bound(t, r.start - 1, uint256(r.end) + 1);
        vm.warp(t);
        uint256 c = r.current();
        (uint256 lo, uint256 hi) = r.range();
        assertEq(lo, _min(c, to), "lo");
        assertEq(hi, _max(c, to), "hi");
        assertLe(lo, hi, "lo > hi");

        vm.warp(bound(later, t, uint256(r.end) + 1));
        uint256 future = r.current();
        assertGe(future, lo, "ramp leaves its envelope (below)");
        assertLe(future, hi, "ramp leaves its envelope (above)");
    }

    // ================================================================ moveTo
    /// @dev Ramped: the value does not jump at the change (it starts from `current()`), and
    /// reaches the target exactly RAMP_DURATION later.
    function testFuzz_moveTo_rampedStartsFromCurrentValue(
        uint64 from,
        uint64 to,
        uint256 start,
        uint256 span,
        uint256 t,
        uint64 target
    ) public {
        Ramp memory r = _ramp(from, to, start, span);
        harness.set(r.from, r.to, r.start, r.end);
        t = bound(t, r.start, uint256(r.end) + 1); // possibly in the middle of a ramp
        vm.warp(t);
        uint256 before = harness.current();

        harness.moveTo(target, true);
        assertEq(harness.current(), before, "value jumped at a ramped change");
        (uint64 newFrom, uint64 newTo, uint64 newStart, uint64 newEnd) = harness.ramp();
        assertEq(newFrom, before);
        assertEq(newTo, target);
        assertEq(newStart, t);
        assertEq(newEnd, t + RampLib.RAMP_DURATION);

        vm.warp(t + RampLib.RAMP_DURATION);
        assertEq(harness.current(), target, "target not reached after RAMP_DURATION");
    }

    function testFuzz_moveTo_immediateAppliesAtOnce(
        uint64 from,
        uint64 to,
        uint256 start,
        uint256 span,
        uint256 t,
        uint64 target
    ) public {
        Ramp memory r = _ramp(from, to, start, span);
        harness.set(r.from, r.to, r.start, r.end);
        vm.warp(bound(t, r.start, uint256(r.end) + 1));
        harness.moveTo(target, false);
        assertEq(harness.current(), target, "not applied at once");
        (uint256 lo, uint256 hi) = harness.range();
        assertEq(lo, target);
        assertEq(hi, target);
    }
}
