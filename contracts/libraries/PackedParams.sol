// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MarketParams} from "../../interfaces/IMarketConfig.sol";
import {Ramp, RampLib} from "./RampLib.sol";

/// @title PackedParams
/// @notice The words in which the config hands its parameters to the liquidator and the pool
/// on a user path: one cold slot for what a take reads, one per held asset for the pool,
/// instead of a struct getter that reads every field (docs/ARCHITECTURE.md, "Parameters off the user path"). The config writes the
/// words on every change; the bounds of its setters guarantee every field fits.
library PackedParams {
    uint256 internal constant MASK_64 = type(uint64).max;
    uint256 internal constant MASK_128 = type(uint128).max;

    /// @dev What take, redo and settle read: dust [base units] in bits 0–127, cusp [wad] in
    /// 128–191, buf [wad] in 192–255.
    function packAuction(uint256 dust, uint256 cusp, uint256 buf) internal pure returns (uint256) {
        return dust | (cusp << 128) | (buf << 192);
    }

    function dust(uint256 word) internal pure returns (uint256) {
        return word & MASK_128;
    }

    function cusp(uint256 word) internal pure returns (uint256) {
        return (word >> 128) & MASK_64;
    }

    function buf(uint256 word) internal pure returns (uint256) {
        return word >> 192;
    }

    /// @dev What a kick and a redo pay keepers: tip [base units] in bits 0–127, chip [wad] in
    /// 128–255.
    function packIncentive(uint256 tip, uint256 chip) internal pure returns (uint256) {
        return tip | (chip << 128);
    }

    function tip(uint256 word) internal pure returns (uint256) {
        return word & MASK_128;
    }

    function chip(uint256 word) internal pure returns (uint256) {
        return word >> 128;
    }

    // ================================================================ market
    // Three words: [0] the two ramps (marginCallHF in 64-bit values, gracePeriod in 24-bit
    // values, each with a 40-bit start), [1] maxCallHF, volSlope (64 bits each), dust (128),
    // [2] targetHF, fullLiquidationHF, exitMargin, reserveFactor (64 each). Words 0 and 1 are
    // the ladder: all an account's status, a call and a borrow read; word 2 sizes kicks.

    /// @dev A ramp's end is implied: `moveTo` sets `end = start + RAMP_DURATION` whenever
    /// `from != to`, and a ramp with `from == to` is constant, so dropping `end` changes no value
    /// at any timestamp.
    function packRamp(Ramp memory r, uint256 valueBits) internal pure returns (uint256) {
        return uint256(r.from) | (uint256(r.to) << valueBits) | (uint256(r.start) << (2 * valueBits));
    }

    function unpackRamp(uint256 word, uint256 valueBits) internal pure returns (Ramp memory r) {
        uint256 mask = (1 << valueBits) - 1;
        r.from = uint64(word & mask);
        r.to = uint64((word >> valueBits) & mask);
        r.start = uint64((word >> (2 * valueBits)) & type(uint40).max);
        r.end = r.from == r.to ? r.start : r.start + uint64(RampLib.RAMP_DURATION);
    }

    /// @dev The ramp's value in force now, as `RampLib.current(unpackRamp(word, valueBits))`: a
    /// settled ramp (`from == to`, the usual case) returns its value without building the
    /// memory struct (a user path reads two market ramps and one per held asset).
    function currentOf(uint256 word, uint256 valueBits) internal view returns (uint256) {
        uint256 mask;
        unchecked {
            mask = (1 << valueBits) - 1; // valueBits is 24 or 64
        }
        uint256 to = (word >> valueBits) & mask;
        if (word & mask == to) return to;
        return RampLib.current(unpackRamp(word, valueBits));
    }

    uint256 internal constant CALL_BITS = 64; // marginCallHF [wad] ≤ 2e18
    uint256 internal constant GRACE_BITS = 24; // gracePeriod [seconds] ≤ 24 hours
    // Written as literals: a constant defined from another constant is recomputed, with its
    // overflow checks, wherever it is used (~300 gas per use on a getter's path).
    uint256 internal constant GRACE_SHIFT = 168; // 2 · CALL_BITS + 40: after the marginCallHF ramp
    uint256 internal constant MASK_GRACE = type(uint24).max; // GRACE_BITS wide

    /// @dev `m` holds the ramped fields at their targets (`marketParamsTarget`); its bounds are
    /// checked (DESIGN.md 2) before it is packed, so every field fits.
    function packMarket(MarketParams memory m, Ramp memory callRamp, Ramp memory graceRamp)
        internal
        pure
        returns (uint256[3] memory w)
    {
        w[0] = packRamp(callRamp, CALL_BITS) | (packRamp(graceRamp, GRACE_BITS) << GRACE_SHIFT);
        w[1] = m.maxCallHF | (m.volSlope << 64) | (m.dust << 128);
        w[2] = m.targetHF | (m.fullLiquidationHF << 64) | (m.exitMargin << 128) | (m.reserveFactor << 192);
    }

    /// @dev The ladder's parameters in force now (words 0 and 1 as stored, ramps at their
    /// current value, RampLib); targetHF, fullLiquidationHF, exitMargin and reserveFactor left 0.
    function unpackLadder(uint256 w0, uint256 w1) internal view returns (MarketParams memory m) {
        writeLadder(m, ladderAtNow(w0), w1);
    }

    /// @dev The parameters in force now: each ramp at its current value (RampLib).
    function unpackMarket(uint256[3] memory w) internal view returns (MarketParams memory m) {
        writeLadder(m, ladderAtNow(w[0]), w[1]);
        writeKickParams(m, w[2]);
    }

    /// @dev Word 0 as the config hands it to the pool (`IMarketConfig.riskWords`): each ramp
    /// replaced by its value in force now, marginCallHF in bits 0–63 and gracePeriod in
    /// GRACE_SHIFT + 0–23 (the rest 0), so the pool decodes it with shifts and carries no ramp
    /// code (as `atNow` for a collateral word).
    function ladderAtNow(uint256 w0) internal view returns (uint256) {
        uint256 callTo = (w0 >> CALL_BITS) & MASK_64;
        uint256 grace = w0 >> GRACE_SHIFT;
        uint256 graceTo = (grace >> GRACE_BITS) & MASK_GRACE;
        // both ramps settled (the usual case): their values without a call
        if (w0 & MASK_64 == callTo && grace & MASK_GRACE == graceTo) return callTo | (graceTo << GRACE_SHIFT);
        return currentOf(w0, CALL_BITS) | (currentOf(grace, GRACE_BITS) << GRACE_SHIFT);
    }

    /// @dev The ladder's fields of `m` from word 0 as `ladderAtNow` wrote it and word 1, into a
    /// struct the caller already holds (the pool's snapshot has its own: no second allocation);
    /// the other fields left as they are.
    function writeLadder(MarketParams memory m, uint256 w0Now, uint256 w1) internal pure {
        m.marginCallHF = w0Now & MASK_64;
        m.gracePeriod = (w0Now >> GRACE_SHIFT) & MASK_GRACE;
        m.maxCallHF = w1 & MASK_64;
        m.volSlope = (w1 >> 64) & MASK_64;
        m.dust = w1 >> 128;
    }

    /// @dev Word 2 into `m`: targetHF, fullLiquidationHF, exitMargin, reserveFactor (what sizes a
    /// kick); the other fields left as they are.
    function writeKickParams(MarketParams memory m, uint256 w2) internal pure {
        m.targetHF = w2 & MASK_64;
        m.fullLiquidationHF = (w2 >> 64) & MASK_64;
        m.exitMargin = (w2 >> 128) & MASK_64;
        m.reserveFactor = w2 >> 192;
    }

    // ================================================================ accrual and pauses
    /// @dev What every pool operation reads first (`paused`, then interest accrual), one word:
    /// the rate model's address in bits 0–159, the reserve factor [wad] in 160–223 (at most
    /// 0.5e18), one paused flag per `PauseAction` from bit 224.
    uint256 internal constant PAUSE_SHIFT = 224;

    function packAccrual(address model, uint256 reserveFactor, uint256 pauseBits) internal pure returns (uint256) {
        return uint256(uint160(model)) | (reserveFactor << 160) | (pauseBits << PAUSE_SHIFT);
    }

    function rateModel(uint256 word) internal pure returns (address) {
        return address(uint160(word));
    }

    function reserveFactor(uint256 word) internal pure returns (uint256) {
        return (word >> 160) & MASK_64;
    }

    function pauseBits(uint256 word) internal pure returns (uint256) {
        return word >> PAUSE_SHIFT;
    }

    // ================================================================ collateral
    // One word per asset: all a pool user path reads of an asset besides its supply cap.
    // Bits 0–167 the liquidationFactor ramp (from, to [wad]: 64 bits each; start: 40),
    // 168–231 borrowFactor [wad], 232–239 decimals, 240–247 slot, 248 listed, 249 frozen.
    // The config's bounds keep every factor under 1e18 and decimals at most 36.
    uint256 internal constant FACTOR_BITS = 64;
    uint256 internal constant BORROW_FACTOR_SHIFT = 168;

    function packCollateral(
        bool isListed,
        bool isFrozen,
        uint256 slotIndex,
        uint256 tokenDecimals,
        uint256 borrowFactorWad,
        Ramp memory liquidationFactorRamp
    ) internal pure returns (uint256) {
        return packRamp(liquidationFactorRamp, FACTOR_BITS) | (borrowFactorWad << BORROW_FACTOR_SHIFT)
            | (tokenDecimals << 232) | (slotIndex << 240) | (_bit(isListed) << 248) | (_bit(isFrozen) << 249);
    }

    uint256 internal constant RAMP_MASK = type(uint168).max; // the bits below BORROW_FACTOR_SHIFT

    /// @dev The word as the config hands it out (`IMarketConfig.packedCollaterals`, `riskWords`): the ramp's
    /// bits replaced by the liquidationFactor in force now [wad], so a reader decodes it with
    /// `liquidationFactorNow` and needs no ramp arithmetic.
    function atNow(uint256 word) internal view returns (uint256) {
        uint256 to = (word >> FACTOR_BITS) & MASK_64;
        // a settled ramp (the usual case) without a call: a snapshot reads one per held asset
        if (word & MASK_64 == to) return (word & ~RAMP_MASK) | to;
        return (word & ~RAMP_MASK) | currentOf(word, FACTOR_BITS);
    }

    /// @dev The liquidationFactor in force now [wad], from a word `atNow` wrote.
    function liquidationFactorNow(uint256 word) internal pure returns (uint256) {
        return word & MASK_64;
    }

    function borrowFactor(uint256 word) internal pure returns (uint256) {
        return (word >> BORROW_FACTOR_SHIFT) & MASK_64;
    }

    function decimals(uint256 word) internal pure returns (uint256) {
        return (word >> 232) & 0xff;
    }

    function slot(uint256 word) internal pure returns (uint256) {
        return (word >> 240) & 0xff;
    }

    function listed(uint256 word) internal pure returns (bool) {
        return (word >> 248) & 1 != 0;
    }

    function frozen(uint256 word) internal pure returns (bool) {
        return (word >> 249) & 1 != 0;
    }

    // ================================================================ risk words
    // What `IMarketConfig.riskWords` hands the pool per held slot, besides the market's words: the
    // slot's word as the config keeps it (the asset in bits 0–159; when caps are asked, the supply
    // cap in 160–255, or CAP_IN_RECORD when the cap does not fit, the exact cap then following in
    // a word of its own) and the asset's word `atNow`, which, for a kick's snapshot, carries the
    // liquidationPenalty in bits 64–127 (ramp bits `atNow` has cleared).
    uint256 internal constant CAP_IN_RECORD = type(uint96).max;

    function slotAsset(uint256 entry) internal pure returns (address) {
        return address(uint160(entry));
    }

    function slotCap(uint256 entry) internal pure returns (uint256) {
        return entry >> 160;
    }

    /// @dev `penalty` [wad] (64 bits, the record's width) into a word `atNow` wrote.
    function withPenalty(uint256 wordNow, uint256 penalty) internal pure returns (uint256) {
        return wordNow | (penalty << 64);
    }

    function penaltyNow(uint256 wordNow) internal pure returns (uint256) {
        return (wordNow >> 64) & MASK_64;
    }

    function _bit(bool flag) private pure returns (uint256) {
        return flag ? 1 : 0;
    }
}
