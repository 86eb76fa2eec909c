// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IAuctionTaker} from "../../interfaces/IAuctionTaker.sol";
import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {ISwapPool} from "../../interfaces/ISwapPool.sol";

/// @title FlashTaker
/// @notice Example keeper contract: takes an auction with no capital. The liquidator sends the
/// collateral first and calls back `onAuctionTake`; the taker sells it on an AMM (any
/// `ISwapPool`; tests and the lab use `MockAMM`), approves what
/// it owes, and the liquidator pulls `owe` from it. The spread is sent to the owner.
contract FlashTaker is IAuctionTaker {
    using SafeERC20 for IERC20;

    error NotOwner();
    error NotLiquidator();
    error NotSelfInitiated();
    error Unprofitable(uint256 proceeds, uint256 owe, uint256 minProfit);

    address public immutable owner;
    IDutchAuctionLiquidator public immutable liquidator;
    IERC20 public immutable base;

    event FlashTaken(uint256 indexed id, uint256 collateral, uint256 owe, uint256 profit);

    constructor(IDutchAuctionLiquidator liquidator_, IERC20 base_) {
        owner = msg.sender;
        liquidator = liquidator_;
        base = base_;
    }

    /// @notice Takes up to `maxCollateral` of auction `id` at most at `maxPrice`, sells it on
    /// `amm` and keeps at least `minProfit` base tokens, sent to the owner.
    function take(uint256 id, uint256 maxCollateral, uint256 maxPrice, ISwapPool amm, uint256 minProfit) external {
        if (msg.sender != owner) revert NotOwner();
        uint256 before = base.balanceOf(address(this));
        liquidator.take(id, maxCollateral, maxPrice, address(this), abi.encode(id, amm, minProfit));
        uint256 profit = base.balanceOf(address(this)) - before;
        if (profit != 0) base.safeTransfer(owner, profit);
    }

    /// @inheritdoc IAuctionTaker
    function onAuctionTake(address taker, uint256 collateral, uint256 owe, bytes calldata data) external {
        if (msg.sender != address(liquidator)) revert NotLiquidator();
        if (taker != address(this)) revert NotSelfInitiated();
        (uint256 id, ISwapPool amm, uint256 minProfit) = abi.decode(data, (uint256, ISwapPool, uint256));
        IERC20 asset = amm.collateral();
        asset.forceApprove(address(amm), collateral);
        uint256 proceeds = amm.swapExactIn(address(asset), collateral, 0, address(this));
        if (proceeds < owe + minProfit) revert Unprofitable(proceeds, owe, minProfit);
        base.forceApprove(address(liquidator), owe);
        emit FlashTaken(id, collateral, owe, proceeds - owe);
    }
}
