// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleAdapter} from "./IOracleAdapter.sol";
import {IInterestRateModel} from "./IInterestRateModel.sol";
import {ILendingPool} from "./ILendingPool.sol";

/// @notice Actions the guardian can pause. Repay and collateral top-up are never pausable.
enum PauseAction {
    Supply,
    Borrow,
    Withdraw
}

/// @notice One collateral slot as the pool reads it on a user path (`packedCollaterals`).
struct HeldCollateral {
    address asset;
    /// PackedParams collateral word with the liquidationFactor in force now in its low 64 bits
    /// (PackedParams.atNow): decimals, slot, borrowFactor, flags
    uint256 word;
    uint256 supplyCap; // [token units], 0 unless asked for
    uint256 liquidationPenalty; // [wad], 0 unless asked for
}

/// @notice Governance input for one collateral asset. Factors [wad]; `supplyCap` in token units.
struct CollateralParams {
    uint256 borrowFactor; // max loan-to-value when opening or increasing debt
    uint256 liquidationFactor; // weight in the health factor (lowering it ramps over 7 days)
    uint256 liquidationPenalty; // added to debt moved into an auction, paid to the insurance fund
    uint256 supplyCap; // max total collateral of this asset [token units]
}

/// @notice What the market knows of one collateral asset, ramps resolved at the current time.
struct CollateralInfo {
    bool listed;
    bool frozen; // delisting: no new deposits, borrowFactor 0
    uint8 slot; // position in `collateralSlots()`, bit in the pool's `assetsIn`
    uint8 decimals;
    uint256 borrowFactor; // [wad]
    uint256 liquidationFactor; // [wad] in force now
    uint256 liquidationFactorTarget; // [wad] where the ramp ends
    uint256 liquidationFactorRampEnd; // [unix seconds]
    uint256 liquidationPenalty; // [wad]
    uint256 supplyCap; // [token units]
}

/// @notice Pool-wide risk parameters (DESIGN.md 2, 3). All [wad] but `gracePeriod` [seconds]
/// and `dust` [base token units]. In `marketParams()` the ramped ones are the values in force.
/// σ_ref and the estimator's τ belong to the OracleAdapter, which computes the volatility.
struct MarketParams {
    uint256 marginCallHF; // base margin-call level (raising it ramps over 7 days)
    uint256 gracePeriod; // time to top up after a call (shortening it ramps over 7 days)
    uint256 targetHF; // where a partial liquidation leaves the account
    uint256 fullLiquidationHF; // below it the whole position is liquidated
    uint256 maxCallHF; // clamp of the volatility-scaled margin-call level
    uint256 reserveFactor; // share of interest kept as reserves
    uint256 dust; // minimum debt [base token units]
    uint256 volSlope; // extra call level per unit of volatility above the oracle's σ_ref
    uint256 exitMargin; // room above callHF_eff a partial kick leaves: T = max(targetHF, callHF_eff + exitMargin)
}

/// @notice Liquidator parameters bound jointly with the market ones (DESIGN.md 2, 4). They live
/// here so one place checks every joint bound; the liquidator reads them from here.
struct LiquidationParams {
    uint256 buf; // [wad] auction start price multiplier over the oracle price
    uint256 cusp; // [wad] fraction of `top` below which an auction needs a redo
    uint256 tip; // [base token units] flat keeper incentive
    uint256 chip; // [wad] proportional keeper incentive on the tab
}

/// @title IMarketConfig
/// @notice The one place where a market's bounded parameters live: roles, pauses, collateral
/// listing, risk parameters and their 7-day ramps. Every setter checks all the joint hard
/// bounds of DESIGN.md 2 at once, on both ends of every ramp in progress.
/// @dev Kept apart from the pool so the pool stays under the 24 KiB code-size limit and its
/// code is only accounting; the pool reads what it needs here once per transaction.
/// Warning: risk-raising changes (lowering a liquidationFactor, raising marginCallHF,
/// shortening gracePeriod) take effect linearly over 7 days; all others at once. Passing a
/// ramped parameter's current target again leaves its ramp as it is.
interface IMarketConfig {
    // ================================================================ errors
    /// @dev A governor-only setter called by someone other than `governor`.
    error NotGovernor();
    /// @dev `acceptGovernor` called by someone other than `pendingGovernor`.
    error NotPendingGovernor();
    /// @dev `setPaused` refused: pausing by someone other than the guardian or the governor, or
    /// unpausing by someone other than the governor.
    error NotGuardian();
    /// @dev A zero address to `proposeGovernor`, `setGuardian`, `setRateModel` or
    /// `listCollateral`, or among the constructor's addresses.
    error ZeroAddress();
    /// @dev `setCollateralParams`, `freezeCollateral`, `unfreezeCollateral` or `removeCollateral`
    /// of an `asset` that is not listed.
    error NotListed(address asset);
    /// @dev `listCollateral` of an `asset` already listed.
    error AlreadyListed(address asset);
    /// @dev `listCollateral` of an `asset` (or, at construction, a base asset) without a primary
    /// feed in the oracle.
    error NoPriceFeed(address asset);
    /// @dev `listCollateral` of the base asset.
    error BaseNotCollateral();
    /// @dev `listCollateral` while all 8 collateral slots are taken.
    error TooManyCollaterals();
    /// @dev `listCollateral` of a token (or, at construction, a base token) with more than 36 decimals.
    error UnsupportedToken(address asset);
    /// @dev `setCollateralParams` with a nonzero `borrowFactor` for a frozen `asset`.
    error CollateralFrozen(address asset);
    /// @dev `unfreezeCollateral` or `removeCollateral` of an `asset` that is not frozen.
    error NotFrozen(address asset);
    /// @dev Delisting refused: accounts' collateral plus the fund's holdings of the asset, by the books.
    error CollateralOutstanding(address asset, uint256 total);
    /// @dev Delisting refused: the liquidator still runs `count` auctions of the asset.
    error LiveAuctionsOfAsset(address asset, uint256 count);
    /// @dev A `value` wider than its storage: a factor, penalty or ramped value above 2^64 − 1, or
    /// `tip` or `chip` above 2^128 − 1.
    error ParameterTooLarge(uint256 value);
    // the joint hard bounds (DESIGN.md 2), one error per broken condition
    /// @dev For `asset`: liquidationFactor 0, or liquidationFactor · (1 + liquidationPenalty) ≥ 1 at
    /// either end of its ramp (seizing all collateral could not cover its tab).
    error PenaltyTooHigh(address asset);
    /// @dev For `asset`: borrowFactor · marginCallHF > liquidationFactor (ramps at their worst
    /// ends): a new position would open inside the margin-call band.
    error BorrowFactorTooHigh(address asset);
    /// @dev Not fullLiquidationHF ≤ 1 < marginCallHF ≤ targetHF ≤ 2 [wad] (marginCallHF at both
    /// ends of its ramp).
    error BadHealthLadder();
    /// @dev `maxCallHF` below marginCallHF (the higher end of its ramp) or above 2 [wad].
    error BadMaxCallHF();
    /// @dev The grace period, at either end of its ramp, outside [1 hour, 24 hours]; `gracePeriod`
    /// is the one set [seconds].
    error BadGracePeriod(uint256 gracePeriod);
    /// @dev `reserveFactor` above 0.5 [wad].
    error BadReserveFactor(uint256 reserveFactor);
    /// @dev `dust` of 0 or above 2^128 − 1 [base units].
    error BadDust(uint256 dust);
    /// @dev `volSlope` above 10 [wad].
    error BadVolatilityParams();
    /// @dev `exitMargin` outside [0.01, 0.20] (DESIGN.md 2, 3): the room a partial kick leaves above the call level.
    error BadExitMargin(uint256 exitMargin);
    /// @dev The oracle obeys another contract's governor (`governance`), not this config's (DESIGN.md 7, 11).
    error OracleOfAnotherGovernance(address governance);
    /// @dev `buf` outside [1, 2] or `cusp` outside (0, 1) [wad], or, with collateral listed,
    /// cusp · buf < (1 + the highest liquidationPenalty) / 2.
    error BadAuctionCurve();
    /// @dev With collateral listed, tip + chip · dust > the lowest liquidationPenalty · dust / 2: a
    /// self-kick and self-take could earn more in incentives than it pays in penalty.
    error KeeperIncentiveTooHigh();

    // ================================================================ events
    /// @notice `proposeGovernor`: `pendingGovernor` may now `acceptGovernor`.
    event GovernorProposed(address indexed currentGovernor, address indexed pendingGovernor);
    /// @notice `acceptGovernor` handed the role over (at construction: from the zero address).
    event GovernorSet(address oldGovernor, address newGovernor);
    /// @notice `setGuardian` (at construction: from the zero address).
    event GuardianSet(address oldGuardian, address newGuardian);
    /// @notice `setPaused`: `action` paused or unpaused (`oldPaused` → `newPaused`).
    event PauseSet(PauseAction indexed action, bool oldPaused, bool newPaused);
    /// @notice `listCollateral`: `asset` with `decimals` listed with `params`.
    event CollateralListed(address indexed asset, uint8 decimals, CollateralParams params);
    /// @notice `setCollateralParams`, or `freezeCollateral` (borrowFactor to 0): `asset`'s params,
    /// liquidationFactor at its target, from `oldParams` to `newParams`.
    event CollateralParamsSet(address indexed asset, CollateralParams oldParams, CollateralParams newParams);
    /// @notice `freezeCollateral` (`frozen` true) or `unfreezeCollateral` (false) of `asset`.
    event CollateralFrozenSet(address indexed asset, bool frozen);
    /// @notice `removeCollateral`: `asset` delisted, its slot free.
    event CollateralRemoved(address indexed asset);
    /// @notice `setMarketParams` (at construction: from all zero): `oldParams` in force before,
    /// `newParams` as set (ramped ones at their target).
    event MarketParamsSet(MarketParams oldParams, MarketParams newParams);
    /// @notice `setLiquidationParams` (at construction: from all zero).
    event LiquidationParamsSet(LiquidationParams oldParams, LiquidationParams newParams);
    /// @notice `setRateModel` (at construction: from the zero address).
    event RateModelSet(address oldModel, address newModel);
    /// @notice A risk-raising change that takes effect linearly until `end` [unix seconds].
    event RampStarted(bytes32 indexed parameter, address indexed asset, uint256 from, uint256 to, uint256 end);

    // ================================================================ views
    /// @notice The market's base asset (supplied and borrowed).
    function baseToken() external view returns (address);
    /// @notice The market's price source; it obeys this config's governor.
    function oracle() external view returns (IOracleAdapter);
    /// @notice The pool these parameters govern (fixed at construction, a precomputed address).
    function pool() external view returns (ILendingPool);
    /// @notice The interest rate model in force.
    function rateModel() external view returns (IInterestRateModel);
    /// @notice The market's one governor: of this config, the oracle, the liquidator and the
    /// insurance fund.
    function governor() external view returns (address);
    /// @notice Pauses actions and raises the liquidator's breaker; cannot undo either.
    function guardian() external view returns (address);
    /// @notice Whether `action` is paused (a flag of the word `accrualParams` reads).
    function paused(PauseAction action) external view returns (bool);
    /// @notice What interest accrual needs: the rate model and the reserve factor [wad].
    function accrualParams() external view returns (IInterestRateModel model, uint256 reserveFactor);
    /// @notice The rate model, the reserve factor and the paused flags in one word
    /// (PackedParams.packAccrual): the pool's one read of the config for a pause check and an
    /// accrual.
    function accrualWord() external view returns (uint256);
    /// @notice Parameters in force now (ramped ones at their current value).
    function marketParams() external view returns (MarketParams memory);
    /// @notice What an account's status, a margin call and a borrow read, in force now:
    /// marginCallHF, gracePeriod, maxCallHF, volSlope and dust as in `marketParams()`; the
    /// other fields 0 (they size kicks: read `marketParams()`).
    function ladderParams() external view returns (MarketParams memory);
    /// @notice Parameters as last set (ramped ones at their target).
    function marketParamsTarget() external view returns (MarketParams memory);
    /// @notice buf, cusp, tip and chip as set.
    function liquidationParams() external view returns (LiquidationParams memory);
    /// @notice dust, cusp and buf in one word (PackedParams.packAuction): all a take reads.
    function packedAuctionParams() external view returns (uint256);
    /// @notice tip and chip in one word (PackedParams.packIncentive): what a kick and a redo pay.
    function packedKeeperIncentives() external view returns (uint256);
    /// @notice What the market knows of `asset` (all zero when not listed), ramps resolved now.
    function collateralInfo(address asset) external view returns (CollateralInfo memory);
    /// @notice The 8 collateral slots (zero address = free), in slot order.
    function collateralSlots() external view returns (address[8] memory);
    /// @notice One asset's packed word (PackedParams: listed, frozen, slot, decimals,
    /// borrowFactor, liquidationFactor ramp; 0 when not listed) and, when asked, its supply cap
    /// [token units] (0 otherwise): what a deposit or a withdrawal reads, in one or two slots.
    function packedCollateral(address asset, bool withSupplyCap) external view returns (uint256 word, uint256 supplyCap);
    /// @notice The listed collaterals in the slots set in `slotMask`, in slot order, with the
    /// supply cap and the penalty only when asked: what the pool values an account with,
    /// reading no slot of an asset the account does not hold.
    function packedCollaterals(uint256 slotMask, bool withSupplyCaps, bool withPenalties)
        external
        view
        returns (HeldCollateral[] memory held);
    /// @notice What the pool values accounts with, in one call, as packed words (decode them with
    /// PackedParams): `accrual` as `accrualWord()`; the ladder, `ladder0` with its ramps at their
    /// value in force now (`ladderAtNow`) and `ladder1` (`writeLadder`); when `full`, what sizes
    /// a kick (`kick`, `writeKickParams`; 0 otherwise). `held`: for each listed collateral in the
    /// slots set in `slotMask`, in slot order, its slot's word (`slotAsset`; with
    /// `withSupplyCaps`, `slotCap`: its supply cap [token units], or `CAP_IN_RECORD` when it does
    /// not fit 96 bits and the exact cap follows in a word of its own) and its collateral word
    /// with the liquidationFactor in force now (`atNow`; when `full`, with its liquidationPenalty,
    /// `penaltyNow`). Decoded, the same values as `accrualWord()`, `marketParams()` (or
    /// `ladderParams()`) and `packedCollaterals(slotMask, withSupplyCaps, full)`.
    function riskWords(uint256 slotMask, bool withSupplyCaps, bool full)
        external
        view
        returns (uint256 accrual, uint256 ladder0, uint256 ladder1, uint256 kick, uint256[] memory held);
    /// @notice The listed collateral assets, in slot order.
    function collateralAssets() external view returns (address[] memory);

    // ================================================================ governance
    // Every setter below is the governor's (`NotGovernor`) but `acceptGovernor` and `setPaused`;
    // those that change risk parameters check every joint bound at once.

    /// @notice First step of a two-step governor handover: `newGovernor` (not zero, `ZeroAddress`)
    /// may accept. Emits `GovernorProposed`.
    function proposeGovernor(address newGovernor) external;
    /// @notice Second step: the pending governor takes the role (`NotPendingGovernor` for anyone
    /// else). Emits `GovernorSet`.
    function acceptGovernor() external;
    /// @notice Replaces the guardian (not zero, `ZeroAddress`). Emits `GuardianSet`.
    function setGuardian(address newGuardian) external;
    /// @notice Pauses or unpauses `action`: the guardian or the governor pauses, only the governor
    /// unpauses (`NotGuardian`). Emits `PauseSet`.
    function setPaused(PauseAction action, bool isPaused) external;
    /// @notice Replaces the rate model (not zero, `ZeroAddress`), after accruing the pool's
    /// interest at the old one. Emits `RateModelSet`.
    function setRateModel(IInterestRateModel newModel) external;
    /// @notice Lists `asset` in a free slot: not the base asset, with an oracle feed and at most 36
    /// decimals (`BaseNotCollateral`, `NoPriceFeed`, `UnsupportedToken`, `AlreadyListed`,
    /// `TooManyCollaterals`). Emits `CollateralListed`.
    function listCollateral(address asset, CollateralParams calldata params) external;
    /// @notice Sets a listed asset's parameters (`NotListed`; a frozen one keeps borrowFactor 0,
    /// `CollateralFrozen`): lowering liquidationFactor ramps over 7 days (`RampStarted`), the rest
    /// applies at once. Emits `CollateralParamsSet`.
    function setCollateralParams(address asset, CollateralParams calldata params) external;
    /// @notice First step of delisting: no new deposits, borrowFactor 0. Emits
    /// `CollateralFrozenSet` and `CollateralParamsSet`.
    function freezeCollateral(address asset) external;
    /// @notice Lifts a freeze (`NotFrozen` if none); borrowFactor stays 0 until set again. Emits
    /// `CollateralFrozenSet`.
    function unfreezeCollateral(address asset) external;
    /// @notice Removes a frozen asset nobody holds by the books (`NotFrozen`,
    /// `LiveAuctionsOfAsset`, `CollateralOutstanding`), freeing its slot. Emits `CollateralRemoved`.
    function removeCollateral(address asset) external;
    /// @notice Sets the pool-wide parameters, after accruing the pool's interest: raising
    /// marginCallHF and shortening gracePeriod ramp over 7 days (`RampStarted`), the rest applies
    /// at once. Emits `MarketParamsSet`.
    function setMarketParams(MarketParams calldata params) external;
    /// @notice Sets buf, cusp, tip and chip, at once. Emits `LiquidationParamsSet`.
    function setLiquidationParams(LiquidationParams calldata params) external;
    /// @notice The proposed governor, until it accepts (zero when none).
    function pendingGovernor() external view returns (address);
}
