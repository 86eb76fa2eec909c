// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Wide
/// @notice Test-only 512-bit arithmetic, written independently of OpenZeppelin's `Math` (no
/// `mulmod` trick, no assembly): schoolbook multiplication on 128-bit limbs. A 512-bit number
/// is `(hi, lo)` = hi · 2^256 + lo. The tests use it as the exact reference for `mulDiv`.
library Wide {
    uint256 internal constant LIMB = type(uint128).max;

    /// @dev a · b on 512 bits.
    function mul(uint256 a, uint256 b) internal pure returns (uint256 hi, uint256 lo) {
        uint256 a0 = a & LIMB;
        uint256 a1 = a >> 128;
        uint256 b0 = b & LIMB;
        uint256 b1 = b >> 128;
        // each partial product is < 2^256
        uint256 p00 = a0 * b0;
        uint256 p01 = a0 * b1;
        uint256 p10 = a1 * b0;
        uint256 p11 = a1 * b1;
        unchecked {
            uint256 mid = p01 + p10; // may wrap: the carry is worth 2^256 · 2^128
            uint256 midCarry = mid < p01 ? 1 : 0;
            lo = p00 + (mid << 128);
            uint256 loCarry = lo < p00 ? 1 : 0;
            // cannot wrap: a · b < 2^512
            hi = p11 + (mid >> 128) + (midCarry << 128) + loCarry;
        }
    }

    /// @dev (hi, lo) + c on 512 bits (the caller keeps the sum below 2^512).
    function add(uint256 hi, uint256 lo, uint256 c) internal pure returns (uint256, uint256) {
        unchecked {
            uint256 sum = lo + c;
            return (hi + (sum < lo ? 1 : 0), sum);
        }
    }

    /// @dev (aHi, aLo) ≤ (bHi, bLo).
    function lte(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) internal pure returns (bool) {
        return aHi < bHi || (aHi == bHi && aLo <= bLo);
    }

    /// @dev (aHi, aLo) < (bHi, bLo).
    function lt(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) internal pure returns (bool) {
        return aHi < bHi || (aHi == bHi && aLo < bLo);
    }
}
