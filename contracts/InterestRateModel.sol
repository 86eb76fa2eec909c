// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInterestRateModel} from "../interfaces/IInterestRateModel.sol";

/// @title InterestRateModel
/// @notice Kinked utilisation curve (DESIGN.md 2):
///
///     rate(u) = baseRate + u / kink · (kinkRate − baseRate)                       for u ≤ kink
///     rate(u) = kinkRate + (u − kink) / (1 − kink) · (maxRate − kinkRate)          for u > kink
///
/// Demo: baseRate 0, kink 80 %, kinkRate 4 % APR, maxRate 79 % APR. All values [wad]; rates are
/// annual. Rounded down: the pool rounds the borrow index up, so the borrower pays at least the
/// rate, and the rate here never exceeds the curve.
contract InterestRateModel is IInterestRateModel {
    uint256 internal constant WAD = 1e18;

    error BadRateCurve();

    uint256 public immutable baseRate; // [wad] APR at 0 % utilisation
    uint256 public immutable kink; // [wad] utilisation where the slope changes
    uint256 public immutable kinkRate; // [wad] APR at the kink
    uint256 public immutable maxRate; // [wad] APR at 100 % utilisation

    /// @dev The curve must rise (a falling rate would reward more borrowing) and stay under
    /// 1,000 % APR, which keeps one year of accrual far from overflow.
    constructor(uint256 baseRate_, uint256 kink_, uint256 kinkRate_, uint256 maxRate_) {
        if (kink_ == 0 || kink_ >= WAD || baseRate_ > kinkRate_ || kinkRate_ > maxRate_ || maxRate_ > 10 * WAD) {
            revert BadRateCurve();
        }
        baseRate = baseRate_;
        kink = kink_;
        kinkRate = kinkRate_;
        maxRate = maxRate_;
    }

    /// @inheritdoc IInterestRateModel
    function borrowRate(uint256 utilization) external view returns (uint256) {
        if (utilization > WAD) utilization = WAD;
        if (utilization <= kink) return baseRate + (utilization * (kinkRate - baseRate)) / kink;
        return kinkRate + ((utilization - kink) * (maxRate - kinkRate)) / (WAD - kink);
    }
}
