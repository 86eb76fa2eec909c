// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title WadMath
/// @notice Fixed-point helpers with the rounding direction in the name (WAD = 1e18, RAY = 1e27).
/// Every helper is a thin name over OpenZeppelin's `Math.mulDiv`, which is exact on 512 bits.
library WadMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return Math.mulDiv(x, y, d);
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return Math.mulDiv(x, y, d, Math.Rounding.Ceil);
    }

    /// @dev `mulDivDown`, exactly, in a third of the gas when x · y fits in 256 bits (every
    /// product of this protocol's amounts, prices and factors), at ~90 more bytes of code per
    /// contract: for readers outside the pool (`AccountRisk`'s status side, which `PoolLens`
    /// runs 500 times a call), while the pool, near its size limit, keeps the plain one.
    function mulDivDownFast(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        unchecked {
            uint256 product = x * y;
            if (x == 0 || product / x == y) return product / d; // d = 0 panics (0x12), as mulDiv
        }
        return Math.mulDiv(x, y, d);
    }

    /// @dev `mulDivUp`, exactly (see `mulDivDownFast`): the floor, plus one when `mulmod`
    /// (exact on 512 bits) leaves a remainder; a result of 2²⁵⁶ panics (0x11), as mulDivUp.
    function mulDivUpFast(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 q) {
        q = mulDivDownFast(x, y, d);
        if (mulmod(x, y, d) != 0) ++q;
    }

    /// @dev x · y / WAD, rounded down.
    function wMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD);
    }

    /// @dev x · y / WAD, rounded up.
    function wMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD, Math.Rounding.Ceil);
    }

    /// @dev x · WAD / y, rounded down.
    function wDivDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, WAD, y);
    }

    /// @dev x · WAD / y, rounded up.
    function wDivUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, WAD, y, Math.Rounding.Ceil);
    }
}
