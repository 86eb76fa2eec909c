// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title WadPow
/// @notice x · b^n for a WAD base b ≤ 1: b^n by repeated squaring at 36 decimals (products
/// rounded down), then one multiplication by x, rounded down. Rounding each product at 18
/// decimals (the obvious way) lets the result rise by a wei from n to n+1 when b is close to 1;
/// at 36 decimals the error stays far below one unit of x, so the price never exceeds the exact
/// curve and does not rise with time.
library WadPow {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant PRECISION = 1e36;

    function mulPow(uint256 x, uint256 b, uint256 n) internal pure returns (uint256) {
        uint256 base = b * WAD; // 36 decimals
        uint256 power = PRECISION;
        while (n != 0 && power != 0) {
            if (n & 1 != 0) power = Math.mulDiv(power, base, PRECISION);
            base = Math.mulDiv(base, base, PRECISION);
            n >>= 1;
        }
        return Math.mulDiv(x, power, PRECISION);
    }
}
