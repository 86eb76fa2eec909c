// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAuctionTaker
/// @notice Callback a `take` receiver implements to be paid in collateral before it pays
/// (flash take): it gets `collateral` first and must leave `owe` base tokens approved by the
/// taker (`msg.sender` of `take`) when it returns.
interface IAuctionTaker {
    /// @param taker the caller of `take`, who pays `owe`
    /// @param collateral [token units] sent to the receiver before this call
    /// @param owe [base units] pulled from `taker` right after this call
    function onAuctionTake(address taker, uint256 collateral, uint256 owe, bytes calldata data) external;
}
