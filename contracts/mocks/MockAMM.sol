// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ISwapPool} from "../../interfaces/ISwapPool.sol";

/// @title MockAMM
/// @notice A constant-product pool (x · y = k, 0.3 % fee) of one collateral against the base
/// asset, for keepers to sell seized collateral in tests and scenarios. Its spot price is never
/// read by the protocol: health follows the oracle's feeds, not an AMM.
contract MockAMM is ISwapPool {
    using SafeERC20 for IERC20;

    error UnknownToken(address token);
    error SlippageExceeded(uint256 out, uint256 minOut);
    error ZeroAmount();

    uint256 public constant FEE_BPS = 30;

    IERC20 public immutable collateral;
    IERC20 public immutable base;
    uint256 public reserveCollateral;
    uint256 public reserveBase;

    event LiquidityAdded(address indexed provider, uint256 collateralAmount, uint256 baseAmount);
    event Swapped(address indexed sender, address indexed tokenIn, uint256 amountIn, uint256 amountOut, address to);

    constructor(IERC20 collateral_, IERC20 base_) {
        collateral = collateral_;
        base = base_;
    }

    /// @notice Adds both tokens at any ratio (a lab device: the first deposit sets the price).
    function addLiquidity(uint256 collateralAmount, uint256 baseAmount) external {
        reserveCollateral += collateralAmount;
        reserveBase += baseAmount;
        emit LiquidityAdded(msg.sender, collateralAmount, baseAmount);
        collateral.safeTransferFrom(msg.sender, address(this), collateralAmount);
        base.safeTransferFrom(msg.sender, address(this), baseAmount);
    }

    /// @notice amountOut = reserveOut · in' / (reserveIn + in'), in' = amountIn · (1 − fee)
    /// (Uniswap v2's formula, multiplied out so that nothing is divided before a product).
    function quote(address tokenIn, uint256 amountIn) public view returns (uint256) {
        (uint256 rIn, uint256 rOut) = _reserves(tokenIn);
        uint256 inWithFee = amountIn * (10_000 - FEE_BPS);
        return (rOut * inWithFee) / (rIn * 10_000 + inWithFee);
    }

    /// @inheritdoc ISwapPool
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 minOut, address to) external returns (uint256 out) {
        if (amountIn == 0) revert ZeroAmount();
        out = quote(tokenIn, amountIn);
        if (out < minOut) revert SlippageExceeded(out, minOut);
        if (tokenIn == address(collateral)) {
            reserveCollateral += amountIn;
            reserveBase -= out;
        } else {
            reserveBase += amountIn;
            reserveCollateral -= out;
        }
        emit Swapped(msg.sender, tokenIn, amountIn, out, to);
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        (tokenIn == address(collateral) ? base : collateral).safeTransfer(to, out);
    }

    /// @notice Spot price [wad] of one whole collateral token in whole base tokens.
    function spotPrice(uint8 collateralDecimals, uint8 baseDecimals) external view returns (uint256) {
        return (reserveBase * 1e18 * 10 ** collateralDecimals) / (reserveCollateral * 10 ** baseDecimals);
    }

    function _reserves(address tokenIn) internal view returns (uint256, uint256) {
        if (tokenIn == address(collateral)) return (reserveCollateral, reserveBase);
        if (tokenIn == address(base)) return (reserveBase, reserveCollateral);
        revert UnknownToken(tokenIn);
    }
}
