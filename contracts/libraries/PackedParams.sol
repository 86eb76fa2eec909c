// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PackedParams
/// @notice The words in which the config hands its parameters to the liquidator (and the pool)
/// on a user path: one cold slot for what a take reads, instead of a struct getter that reads
/// every field (docs/ARCHITECTURE.md, "Parameters off the user path"). The config writes the
/// words on every change; the bounds of its setters guarantee every field fits.
library PackedParams {
    uint256 internal constant MASK_64 = type(uint64).max;
    uint256 internal constant MASK_128 = type(uint128).max;

    /// @dev What take, redo and settle read: dust [base units] in bits 0–127, cusp [wad] in
    /// 128–191, buf [wad] in 192–255.
    function packAuction(uint256 dust, uint256 cusp, uint256 buf) internal pure returns (uint256) {
        return dust | (cusp << 128) | (buf << 192);
    }

    function dust(uint256 word) internal pure returns (uint256) {
        return word & MASK_128;
    }

    function cusp(uint256 word) internal pure returns (uint256) {
        return (word >> 128) & MASK_64;
    }

    function buf(uint256 word) internal pure returns (uint256) {
        return word >> 192;
    }

    /// @dev What a kick and a redo pay keepers: tip [base units] in bits 0–127, chip [wad] in
    /// 128–255.
    function packIncentive(uint256 tip, uint256 chip) internal pure returns (uint256) {
        return tip | (chip << 128);
    }

    function tip(uint256 word) internal pure returns (uint256) {
        return word & MASK_128;
    }

    function chip(uint256 word) internal pure returns (uint256) {
        return word >> 128;
    }
}
