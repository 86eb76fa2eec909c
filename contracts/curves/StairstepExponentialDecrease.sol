// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";
import {WadPow} from "./WadPow.sol";

/// @title StairstepExponentialDecrease
/// @notice price(top, t) = top · cut^⌊t / step⌋: the price drops by a factor `cut` every `step`
/// seconds (demo: ×0.99 every 90 s).
contract StairstepExponentialDecrease is IPriceCurve {
    error BadCurve();

    uint256 public immutable cut; // [wad] multiplier per step, < 1
    uint256 public immutable step; // [seconds]

    constructor(uint256 cut_, uint256 step_) {
        if (cut_ == 0 || cut_ >= 1e18 || step_ == 0) revert BadCurve();
        cut = cut_;
        step = step_;
    }

    /// @inheritdoc IPriceCurve
    function price(uint256 top, uint256 elapsed) external view returns (uint256) {
        return WadPow.mulPow(top, cut, elapsed / step);
    }
}
