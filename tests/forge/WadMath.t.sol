// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {stdError} from "forge-std/StdError.sol";
import {WadMath} from "../../contracts/libraries/WadMath.sol";
import {WadMathHarness} from "./harness/WadMathHarness.sol";
import {Wide} from "./harness/Wide.sol";

/// @notice Rounding of every WadMath helper: Down ≤ exact ≤ Up and Up − Down ≤ 1, with
/// Up == Down exactly when the division is exact. Two references: plain 256-bit arithmetic
/// where the inputs are bounded so x · y fits, and an independent 512-bit multiplication
/// (harness/Wide.sol) over the whole input range.
contract WadMathTest is Test {
    uint256 internal constant WAD = 1e18;
    WadMathHarness internal math;

    function setUp() public {
        math = new WadMathHarness();
    }

    // ================================================================ helpers
    /// @dev Checks `down`/`up` against x · y / d exactly, with 512-bit products:
    ///     down · d ≤ x · y < down · d + d   and   up · d ≥ x · y > up · d − d.
    function _checkWide(uint256 x, uint256 y, uint256 d, uint256 down, uint256 up) internal pure {
        (uint256 pHi, uint256 pLo) = Wide.mul(x, y);
        (uint256 dnHi, uint256 dnLo) = Wide.mul(down, d);
        (uint256 dnNextHi, uint256 dnNextLo) = Wide.add(dnHi, dnLo, d);
        assertTrue(Wide.lte(dnHi, dnLo, pHi, pLo), "Down above exact");
        assertTrue(Wide.lt(pHi, pLo, dnNextHi, dnNextLo), "Down a whole unit below exact");

        (uint256 upHi, uint256 upLo) = Wide.mul(up, d);
        assertTrue(Wide.lte(pHi, pLo, upHi, upLo), "Up below exact");
        assertLe(down, up, "Down > Up");
        assertLe(up - down, 1, "Up - Down > 1");
        bool exact = dnHi == pHi && dnLo == pLo;
        assertEq(up == down, exact, "Up == Down must mean an exact division");
    }

    /// @dev x, y of at most 128 bits: the product fits in 256 bits, so `/` and `%` are exact.
    function _checkNarrow(uint256 x, uint256 y, uint256 d, uint256 down, uint256 up) internal pure {
        uint256 product = x * y;
        assertEq(down, product / d, "Down != floor");
        assertEq(up, product / d + (product % d == 0 ? 0 : 1), "Up != ceil");
    }

    /// @dev Bounds `d` so that x · y / d fits in 256 bits (d > high word of the product).
    function _boundDivisor(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        (uint256 hi,) = Wide.mul(x, y);
        return bound(d, hi + 1, type(uint256).max); // hi ≤ 2^256 − 2, so the range is never empty
    }

    /// @dev Up overflows only when Down is 2^256 − 1 and the division is inexact.
    function _upFits(uint256 x, uint256 y, uint256 d) internal pure returns (bool) {
        return WadMath.mulDivDown(x, y, d) < type(uint256).max || mulmod(x, y, d) == 0;
    }

    // ================================================================ the reference itself
    function testFuzz_wide_matchesNativeWhenProductFits(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        (uint256 hi, uint256 lo) = Wide.mul(x, y);
        assertEq(hi, 0);
        assertEq(lo, x * y);
    }

    function test_wide_largestProduct() public pure {
        // (2^256 − 1)^2 = 2^512 − 2^257 + 1
        (uint256 hi, uint256 lo) = Wide.mul(type(uint256).max, type(uint256).max);
        assertEq(hi, type(uint256).max - 1);
        assertEq(lo, 1);
    }

    // ================================================================ mulDiv
    function testFuzz_mulDiv_narrow(uint256 x, uint256 y, uint256 d) public pure {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        d = bound(d, 1, type(uint256).max);
        uint256 down = WadMath.mulDivDown(x, y, d);
        uint256 up = WadMath.mulDivUp(x, y, d);
        _checkNarrow(x, y, d, down, up);
        _checkWide(x, y, d, down, up);
    }

    /// @dev Small divisors, where rounding differs most often.
    function testFuzz_mulDiv_narrowSmallDivisor(uint256 x, uint256 y, uint256 d) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        d = bound(d, 1, 1e6);
        _checkNarrow(x, y, d, WadMath.mulDivDown(x, y, d), WadMath.mulDivUp(x, y, d));
    }

    function testFuzz_mulDiv_fullWidth(uint256 x, uint256 y, uint256 d) public pure {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        d = _boundDivisor(x, y, d);
        uint256 down = WadMath.mulDivDown(x, y, d);
        if (!_upFits(x, y, d)) return; // Up would be 2^256: covered by the overflow test
        _checkWide(x, y, d, down, WadMath.mulDivUp(x, y, d));
    }

    function test_mulDiv_revertsOnZeroDivisor() public {
        vm.expectRevert(stdError.divisionError);
        math.mulDivDown(1, 1, 0);
        vm.expectRevert(stdError.divisionError);
        math.mulDivUp(1, 1, 0);
    }

    function testFuzz_mulDiv_revertsWhenResultOverflows(uint256 x, uint256 y, uint256 d) public {
        x = bound(x, 2 ** 200, type(uint256).max);
        y = bound(y, 2 ** 200, type(uint256).max);
        (uint256 hi,) = Wide.mul(x, y);
        d = bound(d, 1, hi); // hi ≥ 2^144 here
        vm.expectRevert(stdError.arithmeticError);
        math.mulDivDown(x, y, d);
        vm.expectRevert(stdError.arithmeticError);
        math.mulDivUp(x, y, d);
    }

    /// @dev x · y / d = 2^256 − 2^−128: Down is the largest uint256, Up (2^256) overflows.
    /// x · y = (2^192 − 1)(2^192 + 1) = 2^384 − 1 and d = 2^128.
    function test_mulDivUp_revertsWhenOnlyTheRoundingOverflows() public {
        uint256 x = 2 ** 192 - 1;
        uint256 y = 2 ** 192 + 1;
        uint256 d = 2 ** 128;
        assertEq(math.mulDivDown(x, y, d), type(uint256).max);
        vm.expectRevert(stdError.arithmeticError);
        math.mulDivUp(x, y, d);
    }

    // ================================================================ fast variants
    /// @dev The readers' fast variants are the same functions: equal results over the whole
    /// range (narrow products take the fast path, wide ones fall back to mulDiv).
    function testFuzz_fast_equalsMulDiv(uint256 x, uint256 y, uint256 d, bool narrow) public pure {
        if (narrow) {
            x = bound(x, 0, type(uint128).max);
            y = bound(y, 0, type(uint128).max);
        }
        d = _boundDivisor(x, y, d);
        assertEq(WadMath.mulDivDownFast(x, y, d), WadMath.mulDivDown(x, y, d), "down");
        if (!_upFits(x, y, d)) return;
        assertEq(WadMath.mulDivUpFast(x, y, d), WadMath.mulDivUp(x, y, d), "up");
    }

    function test_fast_revertsAsMulDiv() public {
        vm.expectRevert(stdError.divisionError);
        math.mulDivDownFast(1, 1, 0);
        vm.expectRevert(stdError.divisionError);
        math.mulDivUpFast(1, 1, 0);
        vm.expectRevert(stdError.arithmeticError);
        math.mulDivDownFast(2 ** 200, 2 ** 200, 2 ** 100);
        // Down is the largest uint256, Up would be 2^256 (as test_mulDivUp_revertsWhenOnlyTheRoundingOverflows)
        assertEq(math.mulDivDownFast(2 ** 192 - 1, 2 ** 192 + 1, 2 ** 128), type(uint256).max);
        vm.expectRevert(stdError.arithmeticError);
        math.mulDivUpFast(2 ** 192 - 1, 2 ** 192 + 1, 2 ** 128);
    }

    // ================================================================ wad helpers
    function testFuzz_wMul_narrow(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 0, type(uint128).max);
        uint256 down = WadMath.wMulDown(x, y);
        uint256 up = WadMath.wMulUp(x, y);
        _checkNarrow(x, y, WAD, down, up);
        _checkWide(x, y, WAD, down, up);
    }

    function testFuzz_wMul_fullWidth(uint256 x, uint256 y) public pure {
        // x · y / 1e18 fits when x · y < 1e18 · 2^256: any y when x ≤ 1e18, else
        // y ≤ ⌊(2^256 − 1) / x⌋ · 1e18 (no overflow: that quotient is below 2^256 / 1e18)
        x = bound(x, 0, type(uint256).max);
        y = bound(y, 0, x <= WAD ? type(uint256).max : (type(uint256).max / x) * WAD);
        if (!_upFits(x, y, WAD)) return;
        _checkWide(x, y, WAD, WadMath.wMulDown(x, y), WadMath.wMulUp(x, y));
    }

    function testFuzz_wDiv_narrow(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max / WAD); // x · 1e18 fits in 128 bits
        y = bound(y, 1, type(uint256).max);
        uint256 down = WadMath.wDivDown(x, y);
        uint256 up = WadMath.wDivUp(x, y);
        _checkNarrow(x, WAD, y, down, up);
        _checkWide(x, WAD, y, down, up);
    }

    function testFuzz_wDiv_fullWidth(uint256 x, uint256 y) public pure {
        y = _boundDivisor(x, WAD, y);
        if (!_upFits(x, WAD, y)) return;
        _checkWide(x, WAD, y, WadMath.wDivDown(x, y), WadMath.wDivUp(x, y));
    }

    /// @dev The wad helpers are exactly mulDiv with WAD in the named place.
    function testFuzz_wadHelpers_areMulDivWithWad(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 1, type(uint128).max);
        assertEq(WadMath.wMulDown(x, y), WadMath.mulDivDown(x, y, WAD));
        assertEq(WadMath.wMulUp(x, y), WadMath.mulDivUp(x, y, WAD));
        assertEq(WadMath.wDivDown(x, y), WadMath.mulDivDown(x, WAD, y));
        assertEq(WadMath.wDivUp(x, y), WadMath.mulDivUp(x, WAD, y));
    }
}
