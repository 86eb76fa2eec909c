// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ISwapPool
/// @notice What a keeper contract (contracts/keepers/FlashTaker.sol) needs of an AMM pool of one
/// collateral against the base asset: the collateral it trades and an exact-input swap. The
/// protocol itself never calls an AMM.
interface ISwapPool {
    /// @notice The collateral token of the pool (the other side is the base asset).
    function collateral() external view returns (IERC20);
    /// @notice Swaps exactly `amountIn` of `tokenIn` (pulled from the caller) for at least `minOut`
    /// of the other token, sent to `to`.
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minOut, address to) external returns (uint256 out);
}
