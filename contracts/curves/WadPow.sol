// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title WadPow
/// @notice x · b^n for a WAD base b ≤ 1, by repeated squaring; every product rounded down, so
/// the price never exceeds the exact curve (an auction never asks more than its formula).
library WadPow {
    uint256 internal constant WAD = 1e18;

    function mulPow(uint256 x, uint256 b, uint256 n) internal pure returns (uint256 result) {
        result = x;
        while (n != 0 && result != 0) {
            if (n & 1 != 0) result = Math.mulDiv(result, b, WAD);
            b = Math.mulDiv(b, b, WAD);
            n >>= 1;
        }
    }
}
