// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDutchAuctionLiquidator
/// @notice Sells the collateral of Liquidatable accounts in Dutch auctions (DESIGN.md 3, 4),
/// after MakerDAO's Dog/Clipper: `kick` seizes a pro-rata slice of every collateral of the
/// account (one auction per asset), `take` buys at the falling price, `redo` restarts a stale
/// auction at a fresh price, `settle` ends one that cannot sell.
/// @dev Units: lots in collateral token units, tabs and debt parts in base units, prices WAD
/// base tokens per whole collateral token. Every entry point takes the pool's shared lock.
/// Warning: `take` never reads the oracle; its price is the curve's from `top`.
interface IDutchAuctionLiquidator {
    error NotGovernor();
    error NotGuardian();
    error ZeroAddress();
    /// @dev At construction: the pool names another liquidator or fund (a precomputed address missed).
    error NotThePoolsLiquidator(address pool);
    error BreakerOn(uint256 level);
    error BadBreakerLevel(uint256 level);
    error NotLiquidatable(uint8 status);
    error NothingToSeize(address account);
    error NoRoom(uint256 room);
    error NotRunning(uint256 id);
    error NeedsRedo(uint256 id);
    error CannotRedo(uint256 id);
    error CannotSettle(uint256 id);
    error TooExpensive(uint256 price, uint256 maxPrice);
    error NoPartialPurchase(uint256 tab, uint256 dust);
    error BadReceiver(address receiver);
    error BadParam(bytes32 what);

    event Kick(
        uint256 indexed id,
        address indexed account,
        address indexed asset,
        uint256 top,
        uint256 lot,
        uint256 tab,
        uint256 debtPart,
        uint256 est
    );
    event KickIncentive(address indexed account, address indexed keeper, uint256 paid);
    event Take(
        uint256 indexed id, uint256 maxPrice, uint256 price, uint256 owe, uint256 tab, uint256 lot, address account
    );
    event Redo(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, uint256 est, address keeper, uint256 paid);
    event Settle(uint256 indexed id, uint256 lot, uint256 unpaidDebt);
    event AuctionEnded(uint256 indexed id, uint256 leftover, uint256 unpaidDebt);
    event AccountClosed(address indexed account);
    event BreakerSet(uint256 oldLevel, uint256 newLevel);
    event ParamSet(bytes32 indexed what, uint256 oldValue, uint256 newValue);
    event CurveSet(address oldCurve, address newCurve);

    /// @notice Auctions a pro-rata slice of every collateral of a Liquidatable account (one
    /// auction per asset), or closes it. Closing (collateral to the insurance fund, the whole
    /// debt booked as bad debt, no incentive) applies only to an account with no live auction
    /// whose collateral is worth less than `dust` **and** less than its debt, at the kick's
    /// prices. An account whose small collateral is worth at least its debt (a missed call with
    /// HF ≥ 1 and debt under dust after a charge-back) is auctioned in full instead: what its lots
    /// raise above their tabs returns to it, and a lot that cannot sell is settled later.
    function kick(address account, address keeper) external returns (uint256[] memory ids);
    function take(uint256 id, uint256 maxCollateral, uint256 maxPrice, address receiver, bytes calldata data) external;
    function redo(uint256 id, address keeper) external;
    /// @notice Ends an auction that cannot sell: only one that needs a redo, and then only when
    /// it has needed one for 3 × `tail` with no valid price now, or when its lot is worth less
    /// than `dust` at a fresh valid oracle price. The lot goes to the insurance fund.
    function settle(uint256 id) external;
    function getStatus(uint256 id) external view returns (bool needsRedo, uint256 price, uint256 lot, uint256 tab);
    function activeAuctions() external view returns (uint256[] memory);
    /// @notice The known loss priced into exits [base units] (DESIGN.md 5): Σ est over live
    /// auctions (their loss if every lot sold at the oracle price) plus every debt part charged
    /// back to an account that held no collateral then (`unbackedChargeBacks`), until that
    /// account's last auction ends and the pool books it.
    function pendingLoss() external view returns (uint256);
    /// @notice Debt parts charged back to `account` while it held no collateral, not yet booked
    /// [base units]; cleared when its last live auction ends.
    function unbackedChargeBacks(address account) external view returns (uint256);
    /// @notice Live auctions of `asset` (by the books, never the token balance): delisting waits for 0.
    function liveAuctionsOfAsset(address asset) external view returns (uint256);
}
