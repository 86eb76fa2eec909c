// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ramp, RampLib} from "../../../contracts/libraries/RampLib.sol";

/// @notice Holds one `Ramp` in storage and exposes RampLib on it, as MarketConfig does.
contract RampHarness {
    using RampLib for Ramp;

    Ramp public ramp;

    function set(uint64 from, uint64 to, uint64 start, uint64 end) external {
        ramp = Ramp(from, to, start, end);
    }

    function moveTo(uint256 target, bool ramped) external {
        ramp.moveTo(target, ramped);
    }

    function current() external view returns (uint256) {
        return ramp.current();
    }

    function range() external view returns (uint256 lo, uint256 hi) {
        return ramp.range();
    }
}
