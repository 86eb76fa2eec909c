// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";

/// @title BatchKicker
/// @notice Test helper: kicks many Liquidatable accounts in one transaction (each kick is its
/// own call, so the liquidator's lock is taken and released every time).
contract BatchKicker {
    function kickAll(IDutchAuctionLiquidator liquidator, address[] calldata accounts, address keeper) external {
        for (uint256 i; i < accounts.length; ++i) {
            liquidator.kick(accounts[i], keeper);
        }
    }
}
