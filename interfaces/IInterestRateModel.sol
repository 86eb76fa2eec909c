// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInterestRateModel
/// @notice Maps the pool's utilisation to an annual borrow rate.
interface IInterestRateModel {
    /// @notice Annual borrow rate [wad, 1e18 = 100 % APR] at `utilization` [wad, 0..1e18].
    /// @dev Warning: inputs above 1e18 are treated as 1e18. The pool turns the annual rate into
    /// per-second accrual itself (rate · Δt / SECONDS_PER_YEAR).
    function borrowRate(uint256 utilization) external view returns (uint256);
}
