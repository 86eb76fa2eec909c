// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WadMath} from "../../../contracts/libraries/WadMath.sol";

/// @notice Exposes WadMath's internal helpers as external calls (for `expectRevert`).
contract WadMathHarness {
    function mulDivDown(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivDown(x, y, d);
    }

    function mulDivUp(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivUp(x, y, d);
    }

    function mulDivDownFast(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivDownFast(x, y, d);
    }

    function mulDivUpFast(uint256 x, uint256 y, uint256 d) external pure returns (uint256) {
        return WadMath.mulDivUpFast(x, y, d);
    }

    function wMulDown(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wMulDown(x, y);
    }

    function wMulUp(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wMulUp(x, y);
    }

    function wDivDown(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wDivDown(x, y);
    }

    function wDivUp(uint256 x, uint256 y) external pure returns (uint256) {
        return WadMath.wDivUp(x, y);
    }
}
