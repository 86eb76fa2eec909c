// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IFixedSpreadLiquidator
/// @notice LAB CODE, NOT A PRODUCTION OPTION. An Aave-style fixed-spread liquidator that plugs
/// into the same pool hooks as the `DutchAuctionLiquidator`, so that one crash can be replayed
/// under both mechanisms (DESIGN.md 12, "Black Thursday replay"; issue 11).
///
/// `liquidationCall` on a Liquidatable account (the pool's status rule): the caller repays up to
/// the close factor of the account's debt and receives at once collateral of one asset worth
/// `debtCovered × (1 + penalty_asset)` at the oracle price, i.e. the collateral at its oracle
/// price less a fixed bonus equal to the asset's liquidation penalty.
///
///     maxCover        = ⌈debt / 2⌉ (CLOSE_FACTOR), or all of the debt when HF < fullLiquidationHF
///                       or debt < 2 · dust (Aave v3.3's small-position rule)
///     debtCovered     = min(debtToCover, maxCover)
///     collateralSeized = debtCovered · basePrice · (1 + p) / collateralPrice      (rounded down)
///     if the account holds less than that of `asset`:
///         collateralSeized = all it holds,
///         debtCovered      = collateralSeized · collateralPrice / ((1 + p) · basePrice) (rounded up)
///
/// Prices: the kick's price rule (prepareKick's snapshot, each end better for the borrower).
/// Warning: the bonus goes to the liquidator (as Aave's), never to the insurance fund: the fund
/// earns no penalty under this mechanism, only reserve income.
/// Warning: losses take the same waterfall as under the Dutch auction: when a call leaves the
/// account with debt and no collateral, the pool realises that debt as bad debt (reserves, then
/// the insurance fund, then suppliers) in the same transaction.
/// Warning: a call that covers part of the debt and takes part of the asset must leave at least
/// `dust` of debt (`MustNotLeaveDust`, as Aave v3.3); a call that exhausts the asset may leave less.
/// Warning: no auctions, no `Hole`, no breaker, no keeper incentive, no volatility poke: nothing
/// is held between transactions, so `pendingLoss`, `unbackedChargeBacks` and
/// `liveAuctionsOfAsset` are always 0. The guardian's kick pause (the Dutch liquidator's breaker)
/// has no counterpart here.
interface IFixedSpreadLiquidator {
    /// @dev A constructor address was zero.
    error ZeroAddress();
    /// @dev At construction: the pool names another liquidator or fund (a precomputed address missed).
    error NotThePoolsLiquidator(address pool);
    /// @dev `debtToCover` was 0.
    error ZeroAmount();
    /// @dev The collateral may not go to the zero address or to a protocol contract.
    error BadReceiver(address receiver);
    /// @dev The account is not Liquidatable at the kick's prices (status as `AccountStatus`).
    error NotLiquidatable(uint8 status);
    /// @dev The account holds none of `asset` (or `asset` is not a listed collateral).
    error NoCollateral(address account, address asset);
    /// @dev The collateral for `debtCovered` rounds down to 0 token units: the call would buy nothing.
    error NothingSeized(uint256 debtCovered);
    /// @dev The call would leave `debtLeft` of debt, under `dust`, with collateral of `asset` left.
    error MustNotLeaveDust(uint256 debtLeft, uint256 dust);
    /// @dev `previewLiquidationCall`: a price the account needs is invalid now.
    error NoValidPrice(address account);

    /// @notice One fixed-spread liquidation: `liquidator` paid `debtCovered` [base units] of
    /// `account`'s debt and `receiver` got `collateralSeized` [token units] of `asset`.
    event LiquidationCall(
        address indexed account,
        address indexed asset,
        uint256 debtCovered,
        uint256 collateralSeized,
        address indexed liquidator,
        address receiver
    );

    /// @notice Liquidates `account`: repays up to `debtToCover` [base units] of its debt, clamped
    /// to the close factor (`type(uint256).max`: as much as allowed), from the caller, and sends
    /// the collateral of `asset` it buys to `receiver`. Aave's 3-argument form is
    /// `receiver = msg.sender`. The caller must have approved this contract for the base token.
    /// @return debtCovered [base units] pulled from the caller into the pool
    /// @return collateralSeized [token units of `asset`] sent to `receiver`
    function liquidationCall(address account, address asset, uint256 debtToCover, address receiver)
        external
        returns (uint256 debtCovered, uint256 collateralSeized);

    /// @notice What `liquidationCall(account, asset, debtToCover, ·)` would do now (same
    /// errors), from the pool's views; interest accrued to now, no state written. Reverts
    /// `NoValidPrice` when a price the account needs is invalid (the call would revert with the
    /// oracle's error).
    function previewLiquidationCall(address account, address asset, uint256 debtToCover)
        external
        view
        returns (uint256 debtCovered, uint256 collateralSeized);

    /// @notice The largest `debtToCover` [base units] the close factor allows now, 0 when the
    /// account is not Liquidatable or a price it needs is invalid.
    function maxDebtToCover(address account) external view returns (uint256);

    // The views the pool, the config and the insurance fund call on `pool.liquidator()`
    // (`IDutchAuctionLiquidator`'s names): this liquidator holds nothing between transactions.

    /// @notice Always 0: no loss is ever pending here (DESIGN.md 5).
    function pendingLoss() external view returns (uint256);
    /// @notice Always 0: no debt is ever charged back.
    function unbackedChargeBacks(address account) external view returns (uint256);
    /// @notice Always 0: there are no auctions, so delisting never waits on this liquidator.
    function liveAuctionsOfAsset(address asset) external view returns (uint256);
}
