// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DutchAuctionLiquidator} from "../../../contracts/DutchAuctionLiquidator.sol";

/// @notice One auction as `DutchAuctionLiquidator.auctions(id)` stores it (same field order).
struct AuctionView {
    address account; // zero when not running
    address asset;
    uint64 pos;
    uint64 tic; // [unix seconds]
    uint64 lastIncentive; // [unix seconds]
    uint256 scale; // 10 ** collateral decimals
    uint256 penalty; // [wad]
    uint256 lot; // [token units]
    uint256 tab; // [base units]
    uint256 debtPart; // [base units]
    uint256 top; // [wad]
    uint256 est; // [base units]
}

/// @title Books
/// @notice Reads the liquidator's per-auction book as one struct (the public getter returns 12
/// values, too many to destructure beside a handler's locals), and sums it over live auctions.
library Books {
    function auction(DutchAuctionLiquidator liquidator, uint256 id) internal view returns (AuctionView memory v) {
        (bool ok, bytes memory data) =
            address(liquidator).staticcall(abi.encodeWithSelector(liquidator.auctions.selector, id));
        require(ok, "auctions(id) reverted");
        v = abi.decode(data, (AuctionView));
    }

    /// @dev Σ over live auctions of lot (for `asset`), tab, debt part and est; and how many
    /// live auctions `account` has.
    struct Sums {
        uint256 lot; // [token units] of `asset`
        uint256 tab; // [base units]
        uint256 debtPart; // [base units]
        uint256 est; // [base units]
        uint256 ofAccount; // live auctions of `account`
        uint256 debtPartOfAccount; // [base units] Σ debt part of `account`'s live auctions
    }

    function sums(DutchAuctionLiquidator liquidator, address asset, address account)
        internal
        view
        returns (Sums memory s)
    {
        uint256[] memory ids = liquidator.activeAuctions();
        for (uint256 i; i < ids.length; ++i) {
            AuctionView memory v = auction(liquidator, ids[i]);
            if (v.asset == asset) s.lot += v.lot;
            if (v.account == account) {
                s.ofAccount += 1;
                s.debtPartOfAccount += v.debtPart;
            }
            s.tab += v.tab;
            s.debtPart += v.debtPart;
            s.est += v.est;
        }
    }
}
