// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AccountStatus, MarketSnapshot} from "../../interfaces/ILendingPool.sol";
import {WadMath} from "./WadMath.sol";

/// @title AccountRisk
/// @notice The account arithmetic of DESIGN.md 3, written once: valuation at a snapshot, health
/// factor, effective call level, the status ladder and the liquidation point. Pure functions
/// over a `MarketSnapshot`: `LendingPool` feeds them its storage for its checks, `PoolLens` and
/// the lab liquidator feed them the pool's public reads (`AccountReader`), so every reader
/// agrees with the pool to the wei.
library AccountRisk {
    using WadMath for uint256;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    /// @dev Values of an account [wad USD] at the snapshot prices.
    struct Valuation {
        bool priceOk; // base and every collateral the account holds priced
        uint256 debt; // [base units]
        uint256 collateralValue; // Σ amount·price_high: status prices, down
        uint256 liquidationValue; // Σ amount·price_high·liquidationFactor: status prices, down
        uint256 debtValue; // debt · base price_low: status prices, up
        // Σ amount·price_low·borrowFactor·marginCallHF: opening prices, each term down, so that
        // with borrowFactor·marginCallHF ≤ liquidationFactor it never exceeds liquidationValue
        uint256 openingCapacity;
        uint256 openingDebtValue; // debt · base price_high: opening prices, up
        uint256 volatilityWeight; // Σ value_i·σ_i [wad²], up
    }

    /// @dev Starts `v` (every field written, so a batch reuses one struct) with the debt side:
    /// `normalizedDebt` at the snapshot's index, rounded up, and no collateral yet.
    /// `startStatus` is this less the opening fields: keep the two in step.
    function start(Valuation memory v, uint256 normalizedDebt, uint256 baseScale, MarketSnapshot memory snap)
        internal
        pure
    {
        setDebt(v, normalizedDebt, baseScale, snap);
        v.priceOk = snap.basePriced;
        (v.collateralValue, v.liquidationValue, v.openingCapacity, v.volatilityWeight) = (0, 0, 0, 0);
    }

    /// @dev The debt side of `v` for `normalizedDebt` at the snapshot's index, rounded up; the
    /// collateral side left as it is. A borrow values the collateral once, for the account's
    /// status before it and, with its new debt set here, for the opening margin after it.
    function setDebt(Valuation memory v, uint256 normalizedDebt, uint256 baseScale, MarketSnapshot memory snap)
        internal
        pure
    {
        v.debt = normalizedDebt.mulDivUp(snap.borrowIndex, RAY);
        v.debtValue = v.debt.mulDivUp(snap.baseLow, baseScale);
        v.openingDebtValue = v.debt.mulDivUp(snap.baseHigh, baseScale);
    }

    /// @dev Adds `amount` [token units] of the collateral in `slot` (read by the snapshot).
    /// `addStatusHolding` is this less the opening term: keep the two in step.
    function addHolding(Valuation memory v, MarketSnapshot memory snap, uint256 slot, uint256 amount) internal pure {
        if (!snap.priced[slot]) v.priceOk = false;
        uint256 value = amount.mulDivDown(snap.high[slot], snap.scale[slot]);
        v.collateralValue += value;
        v.liquidationValue += value.wMulDown(snap.liquidationFactor[slot]);
        // over the supply cap: only the part that fits under it counts (ILendingPool.borrow)
        uint256 counted = amount > snap.overCap[slot] ? amount - snap.overCap[slot] : 0;
        v.openingCapacity += counted.mulDivDown(snap.low[slot], snap.scale[slot]).wMulDown(snap.borrowFactor[slot])
            .wMulDown(snap.market.marginCallHF);
        v.volatilityWeight += value * snap.volatility[slot];
    }

    /// @dev `start` for the status side only (what HF, call level, status and the liquidation
    /// point read), for readers that never open a position (`AccountReader`): the opening
    /// fields are left as they are, a third less arithmetic per account, and the same exact
    /// results by `WadMath`'s fast variants, which the pool's bytecode cannot afford. Written out
    /// rather than called from `start`, which would cost the pool ~30 bytes of jumps;
    /// tests/forge/Health.t.sol and the lens tests hold the two to the same result.
    function startStatus(Valuation memory v, uint256 normalizedDebt, uint256 baseScale, MarketSnapshot memory snap)
        internal
        pure
    {
        v.debt = normalizedDebt.mulDivUpFast(snap.borrowIndex, RAY);
        v.debtValue = v.debt.mulDivUpFast(snap.baseLow, baseScale);
        v.priceOk = snap.basePriced;
        (v.collateralValue, v.liquidationValue, v.volatilityWeight) = (0, 0, 0);
    }

    /// @dev `addHolding` for the status side only (see `startStatus`).
    function addStatusHolding(Valuation memory v, MarketSnapshot memory snap, uint256 slot, uint256 amount)
        internal
        pure
    {
        if (!snap.priced[slot]) v.priceOk = false;
        uint256 value = amount.mulDivDownFast(snap.high[slot], snap.scale[slot]);
        v.collateralValue += value;
        v.liquidationValue += value.mulDivDownFast(snap.liquidationFactor[slot], WAD);
        v.volatilityWeight += value * snap.volatility[slot];
    }

    function hf(Valuation memory v) internal pure returns (uint256) {
        return v.debtValue == 0 ? type(uint256).max : v.liquidationValue.wDivDown(v.debtValue);
    }

    /// @dev callHF_eff = marginCallHF + volSlope · max(0, σ_acct − σ_ref), at most maxCallHF, where
    /// σ_acct weights the collateral's volatilities by value at the status prices. Rounded up.
    /// Volatility decides when a warning may start and how much may be borrowed; never whether
    /// a position is sold (Liquidatable reads only HF and the base marginCallHF).
    function callLevel(Valuation memory v, MarketSnapshot memory snap) internal pure returns (uint256) {
        uint256 base = snap.market.marginCallHF;
        if (v.collateralValue == 0) return base;
        uint256 sigma = v.volatilityWeight.mulDivUp(1, v.collateralValue);
        if (sigma <= snap.volRef) return base;
        return Math.min(base + snap.market.volSlope.wMulUp(sigma - snap.volRef), snap.market.maxCallHF);
    }

    /// @dev The ladder of DESIGN.md 3 at the snapshot's status prices. `callPastDeadline`: the
    /// account has a live call whose deadline has passed.
    function status(Valuation memory v, MarketSnapshot memory snap, bool callPastDeadline)
        internal
        pure
        returns (AccountStatus)
    {
        if (v.debt == 0) return AccountStatus.Healthy;
        return ladder(hf(v), callLevel(v, snap), snap.market.marginCallHF, callPastDeadline);
    }

    /// @dev The ladder of an account with debt, from its HF and effective call level (a reader
    /// that reports both computes them once).
    function ladder(uint256 health, uint256 level, uint256 marginCallHF, bool callPastDeadline)
        internal
        pure
        returns (AccountStatus)
    {
        if (health < WAD) return AccountStatus.Liquidatable;
        if (callPastDeadline && health < marginCallHF) return AccountStatus.Liquidatable;
        if (health < level) return AccountStatus.MarginCall;
        return AccountStatus.Healthy;
    }

    /// @dev The uniform fall of every collateral price at which HF reaches 1 [wad], 0 when HF ≤ 1
    /// or without debt. Liquidation value is linear in the collateral prices.
    function liquidationDrop(Valuation memory v) internal pure returns (uint256) {
        if (v.debt == 0 || v.liquidationValue <= v.debtValue) return 0;
        return WAD - v.debtValue.mulDivUpFast(WAD, v.liquidationValue);
    }

    /// @dev For an account holding `amount` of one collateral in `slot`: the least price P [wad
    /// USD] with ⌊⌊amount·P/scale⌋·lf⌋ ≥ debtValue, i.e. HF ≥ 1 (exact). 0 without debt.
    function liquidationPrice(Valuation memory v, MarketSnapshot memory snap, uint256 slot, uint256 amount)
        internal
        pure
        returns (uint256)
    {
        if (v.debt == 0 || v.liquidationValue == 0) return 0;
        return v.debtValue.mulDivUpFast(WAD, snap.liquidationFactor[slot]).mulDivUpFast(snap.scale[slot], amount);
    }
}
