// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";

/// @title AuctionStatusReader
/// @notice LAB CODE: `getStatus` of many auctions in one `eth_call`, for the lab's fast path
/// (DESIGN.md 12 "Throughput"). A 10,000-account cascade holds thousands of live auctions, and
/// one `eth_call` each costs the node far more than the view itself. Read-only; holds nothing.
contract AuctionStatusReader {
    /// @notice The status of every auction of `ids` (same order), as `liquidator.getStatus` says.
    function statuses(IDutchAuctionLiquidator liquidator, uint256[] calldata ids)
        external
        view
        returns (bool[] memory needsRedo, uint256[] memory price, uint256[] memory lot, uint256[] memory tab)
    {
        uint256 n = ids.length;
        needsRedo = new bool[](n);
        price = new uint256[](n);
        lot = new uint256[](n);
        tab = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (needsRedo[i], price[i], lot[i], tab[i]) = liquidator.getStatus(ids[i]);
        }
    }
}
