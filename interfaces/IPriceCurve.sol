// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPriceCurve
/// @notice A Dutch-auction price curve: the price an auction asks `elapsed` seconds after it
/// started at `top` (DESIGN.md 4; after dss `abaci.sol`).
/// @dev Warning: must be non-increasing in `elapsed` and never above `top`.
interface IPriceCurve {
    /// @param top [wad] start price. @param elapsed [seconds]. @return [wad] price now.
    function price(uint256 top, uint256 elapsed) external view returns (uint256);
}
