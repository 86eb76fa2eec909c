// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceCurve} from "./IPriceCurve.sol";

/// @title IDutchAuctionLiquidator
/// @notice Sells the collateral of Liquidatable accounts in Dutch auctions (DESIGN.md 3, 4),
/// after MakerDAO's Dog/Clipper: `kick` seizes a pro-rata slice of every collateral of the
/// account (one auction per asset), `take` buys at the falling price, `redo` restarts a stale
/// auction at a fresh price, `settle` ends one that cannot sell.
/// @dev Units: lots in collateral token units, tabs and debt parts in base units, prices WAD
/// base tokens per whole collateral token. Every entry point takes the pool's shared lock.
/// Warning: `take` never reads the oracle; its price is the curve's from `top`.
interface IDutchAuctionLiquidator {
    /// @dev `setCurve`, `setTail` or `setHole` called by someone other than the market's governor.
    error NotGovernor();
    /// @dev `setBreaker` refused: raising by someone other than the guardian or the governor, or
    /// lowering (or setting the same level) by someone other than the governor.
    error NotGuardian();
    /// @dev `setCurve` to the zero address, or a zero pool, fund or curve at construction.
    error ZeroAddress();
    /// @dev At construction: the pool names another liquidator or fund (a precomputed address missed).
    error NotThePoolsLiquidator(address pool);
    /// @dev The breaker, at `level` now, stops the call: `kick` from level 1, `redo` and `settle`
    /// from 2, `take` at 3.
    error BreakerOn(uint256 level);
    /// @dev `setBreaker` to a `level` above 3.
    error BadBreakerLevel(uint256 level);
    /// @dev `kick` of an account that is not Liquidatable at the kick's prices; `status` is its
    /// `AccountStatus` (0 Healthy, 1 MarginCall).
    error NotLiquidatable(uint8 status);
    /// @dev `kick` of a Liquidatable account that holds no collateral and cannot be closed: all
    /// of it is already in live auctions.
    error NothingToSeize(address account);
    /// @dev `kick` refused by `hole`: the `room` [base units] of tab left under it would move less
    /// than `dust` of debt, or leave the account with debt under `dust`.
    error NoRoom(uint256 room);
    /// @dev `take`, `redo` or `settle` of auction `id`, which is not live (never kicked, or ended).
    error NotRunning(uint256 id);
    /// @dev `take` of auction `id`, which needs a `redo` first: older than `tail`, priced below
    /// `cusp · top`, or started before the breaker's last lowering from 2 or 3.
    error NeedsRedo(uint256 id);
    /// @dev `redo` of auction `id`, which does not need one (see `NeedsRedo`).
    error CannotRedo(uint256 id);
    /// @dev `settle` of auction `id`, which does not need a redo, or is neither stuck (3 × `tail`
    /// past needing one with no valid price now) nor worth under `dust` at a valid price.
    error CannotSettle(uint256 id);
    /// @dev `take` whose auction price now, `price`, is above the taker's `maxPrice` [wad base per
    /// whole collateral token].
    error TooExpensive(uint256 price, uint256 maxPrice);
    /// @dev `take` of part of a lot that would leave a tab under `dust` while the `tab` itself is at
    /// most `dust` [base units]: only a take that clears the tab or buys the whole lot can go.
    error NoPartialPurchase(uint256 tab, uint256 dust);
    /// @dev `take` sending the collateral to the zero address or to a protocol contract (this
    /// liquidator, the pool, the fund, the config, the oracle).
    error BadReceiver(address receiver);
    /// @dev `setTail` outside [10 minutes, 7 days] (`what` "tail") or `setHole` of 0 ("hole"),
    /// also at construction.
    error BadParam(bytes32 what);

    /// @notice `kick` opened auction `id` of `account`'s `asset`: start price `top` [wad base per
    /// whole token], `lot` [token units], `tab`, `debtPart` and `est` (its loss if the lot sold at
    /// the oracle price) [base units].
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
    /// @notice `kick` of `account` paid `keeper` `paid` [base units] from the fund (tip + chip · tab,
    /// less if the fund has less); none when the kick's tab or lot value is under `dust`.
    event KickIncentive(address indexed account, address indexed keeper, uint256 paid);
    /// @notice `take` of auction `id` of `account` at `price` (≤ `maxPrice`) [wad base per whole
    /// token]: the taker paid `owe` [base units]; `tab` [base units] and `lot` [token units] are left.
    event Take(
        uint256 indexed id, uint256 maxPrice, uint256 price, uint256 owe, uint256 tab, uint256 lot, address account
    );
    /// @notice `redo` restarted auction `id` at `top` [wad base per whole token] with `tab` [base
    /// units] and `lot` [token units] as they were and a fresh `est` [base units]; `keeper` got `paid`
    /// [base units] (the tip, at most once per `tail`).
    event Redo(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, uint256 est, address keeper, uint256 paid);
    /// @notice `settle` ended auction `id`: its `lot` [token units] went to the insurance fund and
    /// its `unpaidDebt` [base units] to the pool's shortfall rule.
    event Settle(uint256 indexed id, uint256 lot, uint256 unpaidDebt);
    /// @notice Auction `id` ended (tab paid, lot sold out, or settled): `leftover` [token units]
    /// returned to the account, `unpaidDebt` [base units] charged back to it or booked as a loss.
    event AuctionEnded(uint256 indexed id, uint256 leftover, uint256 unpaidDebt);
    /// @notice `kick` closed `account` instead of auctioning it (no live auction, collateral worth
    /// under `dust` and under its debt): collateral to the fund, debt booked as bad debt, no incentive.
    event AccountClosed(address indexed account);
    /// @notice `setBreaker` moved the breaker from `oldLevel` to `newLevel` (0 to 3).
    event BreakerSet(uint256 oldLevel, uint256 newLevel);
    /// @notice `setTail` (`what` "tail" [seconds]) or `setHole` ("hole" [base units]) changed a
    /// parameter from `oldValue` to `newValue`; both at construction, from 0.
    event ParamSet(bytes32 indexed what, uint256 oldValue, uint256 newValue);
    /// @notice `setCurve` replaced the price curve of every auction, live ones included.
    event CurveSet(address oldCurve, address newCurve);

    /// @notice Auctions a pro-rata slice of every collateral of a Liquidatable account (one
    /// auction per asset), or closes it. Closing (collateral to the insurance fund, the whole
    /// debt booked as bad debt, no incentive) applies only to an account with no live auction
    /// whose collateral is worth less than `dust` **and** less than its debt, at the kick's
    /// prices. An account whose small collateral is worth at least its debt (a missed call with
    /// HF ≥ 1 and debt under dust after a charge-back) is auctioned in full instead: what its lots
    /// raise above their tabs returns to it, and a lot that cannot sell is settled later.
    function kick(address account, address keeper) external returns (uint256[] memory ids);
    /// @notice Buys up to `maxCollateral` [token units] of auction `id`'s lot at the curve's price
    /// now if it is ≤ `maxPrice` [wad base per whole token]: collateral to `receiver`, then its
    /// `IAuctionTaker.onAuctionTake` when `data` is not empty, then the owe pulled from the caller.
    function take(uint256 id, uint256 maxCollateral, uint256 maxPrice, address receiver, bytes calldata data) external;
    /// @notice Restarts auction `id`, which needs a redo, at a fresh oracle price; pays `keeper` the
    /// tip at most once per `tail`.
    function redo(uint256 id, address keeper) external;
    /// @notice Ends an auction that cannot sell: only one that needs a redo, and then only when
    /// it has needed one for 3 × `tail` with no valid price now, or when its lot is worth less
    /// than `dust` at a fresh valid oracle price. The lot goes to the insurance fund.
    function settle(uint256 id) external;
    /// @notice Auction `id` now: whether it needs a redo, its price [wad base per whole token], lot
    /// [token units] and tab [base units]; all zero when it is not live.
    function getStatus(uint256 id) external view returns (bool needsRedo, uint256 price, uint256 lot, uint256 tab);
    /// @notice Ids of the live auctions, in no particular order.
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

    // ================================================================ governance
    /// @notice The governor replaces the price curve of every auction, live ones included
    /// (`NotGovernor`; `ZeroAddress`). Emits `CurveSet`.
    function setCurve(IPriceCurve newCurve) external;
    /// @notice The governor sets `tail` [seconds], in [10 minutes, 7 days] (`NotGovernor`;
    /// `BadParam("tail")`). Emits `ParamSet`.
    function setTail(uint256 newTail) external;
    /// @notice The governor sets `hole` [base units], above 0 (`NotGovernor`; `BadParam("hole")`).
    /// Emits `ParamSet`.
    function setHole(uint256 newHole) external;
    /// @notice Sets the circuit breaker to `level` (0 to 3, else `BadBreakerLevel`): the guardian
    /// or the governor raises it, only the governor lowers it (`NotGuardian`). Lowering from 2 or 3
    /// makes every live auction need a redo before a take. Emits `BreakerSet`.
    function setBreaker(uint256 level) external;

    /// @notice The price curve of every auction.
    function curve() external view returns (IPriceCurve);
    /// @notice [seconds] Age after which an auction needs a redo.
    function tail() external view returns (uint256);
    /// @notice [base units] Cap on the total tab of live auctions (`totalTab`): a kick is scaled
    /// down to the room left.
    function hole() external view returns (uint256);
    /// @notice [base units] Σ tab of live auctions.
    function totalTab() external view returns (uint256);
    /// @notice 0 running; 1 no kick; 2 no kick, redo or settle; 3 no kick, redo, settle or take.
    function breaker() external view returns (uint256);
    /// @notice [unix seconds] The last lowering of the breaker from 2 or 3 (0 before any).
    function lastRestart() external view returns (uint256);
    /// @notice Auctions ever kicked: ids run from 1 to `kicks`.
    function kicks() external view returns (uint256);
    /// @notice The number of live auctions (the length of `activeAuctions`).
    function activeCount() external view returns (uint256);
}
