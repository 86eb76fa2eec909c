// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceCurve} from "../../interfaces/IPriceCurve.sol";

/// @title LinearDecrease
/// @notice price(top, t) = top · (duration − t) / duration, 0 from `duration` on.
contract LinearDecrease is IPriceCurve {
    error BadDuration();

    uint256 public immutable duration; // [seconds] time to reach 0

    constructor(uint256 duration_) {
        if (duration_ == 0) revert BadDuration();
        duration = duration_;
    }

    /// @inheritdoc IPriceCurve
    function price(uint256 top, uint256 elapsed) external view returns (uint256) {
        if (elapsed >= duration) return 0;
        return (top * (duration - elapsed)) / duration;
    }
}
