// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title IInsuranceFund
/// @notice ERC-4626 vault of the base asset: first-loss capital of the market (DESIGN.md 5).
/// Income: the pool's reserves and the penalty part of every take. Expenses: bad debt it covers
/// and keeper incentives. Exits need `requestWithdraw`, a cooldown, then a window.
/// @dev `totalAssets` is the fund's own ledger, never its token balance; collateral it holds
/// (settled lots, closed accounts) is outside it until sold. Redemptions are priced at value
/// less, pro rata, `min(fundAssets, max(0, pendingLoss − poolReserves))`; deposits without it.
/// Requested shares stay exposed to losses and earn nothing from the request on: they exit at the
/// lower of the exit price now and at the request.
/// @dev ERC-4626 as written (DESIGN.md 5), except:
/// Warning: `previewRedeem` and `previewWithdraw` take no owner, so they quote the request-free
/// exit price. For an owner whose share price rose since the request (income, or even the rounding
/// a later deposit or exit leaves in the fund) `redeem` pays less and `withdraw` burns more than
/// they quote; `previewRedeemFor` and `previewWithdrawFor` give the owner's exact figures.
/// Warning: `maxRedeem` and `maxWithdraw` are 0 for an owner without a request and outside the
/// request's window; `redeem` and `withdraw` of 0 never revert.
/// @notice What an income of the fund is, named in `notifyIncome` and `IncomeReceived`.
enum IncomeKind {
    Penalty, // the penalty share of a take's owe (DESIGN.md 4)
    Reserves, // the pool's routed reserves
    LotSale // proceeds of held collateral sold by the governor
}

interface IInsuranceFund is IERC4626 {
    /// @dev A governor action (`releaseHeldCollateral`, `depositLotProceeds`) called by someone
    /// other than the market's governor (`MarketConfig.governor`).
    error NotGovernor();
    /// @dev A hook (`cover`, `payIncentive`, `notifyIncome`, `holdCollateral`) called by `caller`,
    /// which is not the pool or its liquidator, or called while the pool's shared lock is not held.
    error NotProtocol(address caller);
    /// @dev `releaseHeldCollateral` to the zero address.
    error ZeroAddress();
    /// @dev At construction: the pool names another insurance fund (its precomputed address missed).
    error NotThePoolsFund(address pool);
    /// @dev `requestWithdraw` of more shares than the caller holds, `available` [fund shares].
    error InsufficientShares(uint256 available);
    /// @dev `releaseHeldCollateral` of more `asset` than the fund holds by its books, `held` [token units].
    error NoHeldCollateral(address asset, uint256 held);
    /// @dev At construction: `cooldown` or `window` outside [1 hour, 30 days].
    error InvalidSchedule();

    /// @notice `cover`: `amount` [base units] of a realised loss taken off the fund's assets (the
    /// fund's step of the pool's loss waterfall).
    event BadDebtCovered(uint256 amount);
    /// @notice `payIncentive`: `amount` [base units] paid from the fund's assets to `keeper` for a
    /// kick or a redo.
    event IncentivePaid(address indexed keeper, uint256 amount);
    /// @notice Income booked into the fund's assets, by kind.
    event IncomeReceived(IncomeKind indexed kind, uint256 amount);
    /// @notice `holdCollateral`: `amount` [token units] of `asset` (a settled lot, a closed
    /// account's collateral) added to what the fund holds by its books.
    event CollateralHeld(address indexed asset, uint256 amount);
    /// @notice `releaseHeldCollateral`: the governor sent `amount` [token units] of held `asset` to
    /// `to` for sale.
    event HeldCollateralReleased(address indexed asset, address indexed to, uint256 amount);
    /// @notice `requestWithdraw`: `owner` requested `shares` [fund shares] (0 cancels), worth at most
    /// `value` [base units]; they can exit from `opensAt` to `closesAt` [unix seconds], both included.
    event WithdrawRequested(address indexed owner, uint256 shares, uint256 value, uint256 opensAt, uint256 closesAt);

    // hooks for the pool and the liquidator, only while the shared lock is held
    /// @notice The fund's step of the loss waterfall (LendingPool._bookLoss, the only caller):
    /// covers up to `amount` of realised loss from the fund's assets and sends the pool the tokens
    /// it holds. `fromPenalty` is the part of `covered` that is the penalty of the take in
    /// progress, booked as income but still with the taker: the take sends that part straight to
    /// the pool instead of the fund, so a take settles with no debt left between the contracts.
    function cover(uint256 amount) external returns (uint256 covered, uint256 fromPenalty);
    /// @notice Pays `keeper` up to `amount` [base units] from the fund's assets, a kick's or a
    /// redo's incentive; `paid` is less when the assets are, 0 for the zero address.
    function payIncentive(address keeper, uint256 amount) external returns (uint256 paid);
    /// @notice Books `amount` of income of `kind` (its tokens arrive in the same call).
    function notifyIncome(IncomeKind kind, uint256 amount) external;
    /// @notice Books `amount` [token units] of `asset`, already sent to the fund, as held
    /// collateral (a settled lot, a closed account's collateral).
    function holdCollateral(address asset, uint256 amount) external;
    /// @notice Collateral the fund holds by its books (settled lots, closed accounts), outside
    /// `totalAssets` until sold [token units]; a token merely sent to the fund is not in it.
    function heldCollateral(address asset) external view returns (uint256);

    // governance: the market's governor only (`NotGovernor`), each under the shared lock
    /// @notice Sends `amount` [token units] of held `collateral` (settled lots, closed accounts) to
    /// `to` for sale. Reverts `ZeroAddress` for `to` zero, `NoHeldCollateral` beyond the books;
    /// emits `HeldCollateralReleased`.
    function releaseHeldCollateral(address collateral, uint256 amount, address to) external;
    /// @notice Books `amount` [base units], the proceeds of selling held collateral, as income
    /// (`IncomeReceived` with `LotSale`) and pulls them from the governor.
    function depositLotProceeds(uint256 amount) external;

    // exit schedule, fixed at construction
    /// @notice [seconds] From a request to the opening of its window, in [1 hour, 30 days].
    function cooldown() external view returns (uint256);
    /// @notice [seconds] How long requested shares can exit once the window opens, in [1 hour, 30 days].
    function window() external view returns (uint256);
    /// @notice The known loss this fund would absorb first, priced into every exit [base units]:
    /// min(assets, max(0, liquidator.pendingLoss − pool reserves)).
    function pendingLossShare() external view returns (uint256);

    /// @notice Starts the cooldown for `shares` (replacing any earlier request; 0 cancels it) and
    /// caps their exit price at the one now.
    function requestWithdraw(uint256 shares) external;

    /// @notice The owner's open request: `shares` still requested, their `value` at the request's
    /// price (the most they can exit at) and when it was made.
    function requests(address owner) external view returns (uint256 shares, uint256 value, uint256 requestedAt);

    // ERC-4626 previews: request-free, and the owner's exact ones
    /// @notice Assets `shares` would exit at now without a request: value less the fund's share of
    /// the pending loss, rounded down.
    /// @dev Warning: request-free, so for an owner whose request price is below today's it is more
    /// than `redeem` pays (ERC-4626 previews take no owner); `previewRedeemFor` is exact.
    function previewRedeem(uint256 shares) external view override returns (uint256 assets);

    /// @notice Shares that would be burnt to withdraw `assets` now without a request, rounded up.
    /// @dev Warning: request-free, so for an owner whose request price is below today's it is less
    /// than `withdraw` burns (ERC-4626 previews take no owner); `previewWithdrawFor` is exact.
    function previewWithdraw(uint256 assets) external view override returns (uint256 shares);

    /// @notice Exactly what `redeem(shares, ·, owner)` pays now (whether or not `owner` could
    /// redeem now): `shares` at the lower of the exit price now and at the owner's request, rounded
    /// down.
    function previewRedeemFor(address owner, uint256 shares) external view returns (uint256 assets);

    /// @notice Exactly the shares `withdraw(assets, ·, owner)` burns now (whether or not `owner`
    /// could withdraw now): `assets` at the lower of the exit price now and at the owner's request,
    /// rounded up.
    function previewWithdrawFor(address owner, uint256 assets) external view returns (uint256 shares);
}
