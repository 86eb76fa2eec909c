// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleAdapter} from "./IOracleAdapter.sol";
import {IInterestRateModel} from "./IInterestRateModel.sol";

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
    error NotGovernor();
    error NotPendingGovernor();
    error NotGuardian();
    error ZeroAddress();
    error PoolAlreadyBound();
    error PoolOfAnotherConfig(address pool);
    error NotListed(address asset);
    error AlreadyListed(address asset);
    error NoPriceFeed(address asset);
    error BaseNotCollateral();
    error TooManyCollaterals();
    error UnsupportedToken(address asset);
    error CollateralFrozen(address asset);
    error NotFrozen(address asset);
    /// @dev Delisting refused: accounts' collateral plus the fund's holdings of the asset, by the books.
    error CollateralOutstanding(address asset, uint256 total);
    /// @dev Delisting refused: the liquidator still runs `count` auctions of the asset.
    error LiveAuctionsOfAsset(address asset, uint256 count);
    error ParameterTooLarge(uint256 value);
    // the joint hard bounds (DESIGN.md 2), one error per broken condition
    error PenaltyTooHigh(address asset);
    error BorrowFactorTooHigh(address asset);
    error BadHealthLadder();
    error BadMaxCallHF();
    error BadGracePeriod(uint256 gracePeriod);
    error BadReserveFactor(uint256 reserveFactor);
    error BadDust(uint256 dust);
    error BadVolatilityParams();
    /// @dev `exitMargin` outside [0.01, 0.20] (DESIGN.md 2, 3): the room a partial kick leaves above the call level.
    error BadExitMargin(uint256 exitMargin);
    /// @dev The oracle obeys another contract's governor (`governance`), not this config's (DESIGN.md 7, 11).
    error OracleOfAnotherGovernance(address governance);
    error BadAuctionCurve();
    error KeeperIncentiveTooHigh();

    // ================================================================ events
    event GovernorProposed(address indexed currentGovernor, address indexed pendingGovernor);
    event GovernorSet(address oldGovernor, address newGovernor);
    event GuardianSet(address oldGuardian, address newGuardian);
    event PoolBound(address pool);
    event PauseSet(PauseAction indexed action, bool oldPaused, bool newPaused);
    event CollateralListed(address indexed asset, uint8 decimals, CollateralParams params);
    event CollateralParamsSet(address indexed asset, CollateralParams oldParams, CollateralParams newParams);
    event CollateralFrozenSet(address indexed asset, bool frozen);
    event CollateralRemoved(address indexed asset);
    event MarketParamsSet(MarketParams oldParams, MarketParams newParams);
    event LiquidationParamsSet(LiquidationParams oldParams, LiquidationParams newParams);
    event RateModelSet(address oldModel, address newModel);
    /// @notice A risk-raising change that takes effect linearly until `end` [unix seconds].
    event RampStarted(bytes32 indexed parameter, address indexed asset, uint256 from, uint256 to, uint256 end);

    // ================================================================ views
    function baseToken() external view returns (address);
    function oracle() external view returns (IOracleAdapter);
    function rateModel() external view returns (IInterestRateModel);
    function governor() external view returns (address);
    function guardian() external view returns (address);
    /// @notice Whether `action` is paused (a flag of the word `accrualParams` reads).
    function paused(PauseAction action) external view returns (bool);
    /// @notice What interest accrual needs: the rate model and the reserve factor [wad].
    function accrualParams() external view returns (IInterestRateModel model, uint256 reserveFactor);
    /// @notice Parameters in force now (ramped ones at their current value).
    function marketParams() external view returns (MarketParams memory);
    /// @notice What an account's status, a margin call and a borrow read, in force now:
    /// marginCallHF, gracePeriod, maxCallHF, volSlope and dust as in `marketParams()`; the
    /// other fields 0 (they size kicks: read `marketParams()`).
    function ladderParams() external view returns (MarketParams memory);
    /// @notice Parameters as last set (ramped ones at their target).
    function marketParamsTarget() external view returns (MarketParams memory);
    function liquidationParams() external view returns (LiquidationParams memory);
    /// @notice dust, cusp and buf in one word (PackedParams.packAuction): all a take reads.
    function packedAuctionParams() external view returns (uint256);
    /// @notice tip and chip in one word (PackedParams.packIncentive): what a kick and a redo pay.
    function packedKeeperIncentives() external view returns (uint256);
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
    /// @notice The listed collateral assets, in slot order.
    function collateralAssets() external view returns (address[] memory);
}
