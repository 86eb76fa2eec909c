// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";
import {WadPow} from "./WadPow.sol";

/// @title ExponentialDecrease
/// @notice price(top, t) = top · cut^t, `cut` the factor kept per second [wad, < 1].
contract ExponentialDecrease is IPriceCurve {
    error BadCut();

    uint256 public immutable cut; // [wad] per-second multiplier, e.g. 0.99989e18

    constructor(uint256 cut_) {
        if (cut_ == 0 || cut_ >= 1e18) revert BadCut();
        cut = cut_;
    }

    /// @inheritdoc IPriceCurve
    function price(uint256 top, uint256 elapsed) external view returns (uint256) {
        return WadPow.mulPow(top, cut, elapsed);
    }
}
