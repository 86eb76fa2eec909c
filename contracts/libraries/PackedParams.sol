// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MarketParams} from "../../interfaces/IMarketConfig.sol";
import {Ramp, RampLib} from "./RampLib.sol";

/// @title PackedParams
/// @notice The words in which the config hands its parameters to the liquidator (and the pool)
/// on a user path: one cold slot for what a take reads, instead of a struct getter that reads
/// every field (docs/ARCHITECTURE.md, "Parameters off the user path"). The config writes the
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
    // values, each with a 40-bit start), [1] targetHF, fullLiquidationHF, maxCallHF,
    // reserveFactor (64 bits each), [2] dust (128), volSlope, exitMargin (64 each).

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

    uint256 internal constant CALL_BITS = 64; // marginCallHF [wad] ≤ 2e18
    uint256 internal constant GRACE_BITS = 24; // gracePeriod [seconds] ≤ 24 hours
    uint256 internal constant GRACE_SHIFT = 2 * CALL_BITS + 40;

    /// @dev `m` holds the ramped fields at their targets (`marketParamsTarget`); its bounds are
    /// checked (DESIGN.md 2) before it is packed, so every field fits.
    function packMarket(MarketParams memory m, Ramp memory callRamp, Ramp memory graceRamp)
        internal
        pure
        returns (uint256[3] memory w)
    {
        w[0] = packRamp(callRamp, CALL_BITS) | (packRamp(graceRamp, GRACE_BITS) << GRACE_SHIFT);
        w[1] = m.targetHF | (m.fullLiquidationHF << 64) | (m.maxCallHF << 128) | (m.reserveFactor << 192);
        w[2] = m.dust | (m.volSlope << 128) | (m.exitMargin << 192);
    }

    /// @dev The parameters in force now: each ramp at its current value (RampLib).
    function unpackMarket(uint256[3] memory w) internal view returns (MarketParams memory m) {
        m.marginCallHF = RampLib.current(unpackRamp(w[0], CALL_BITS));
        m.gracePeriod = RampLib.current(unpackRamp(w[0] >> GRACE_SHIFT, GRACE_BITS));
        m.targetHF = w[1] & MASK_64;
        m.fullLiquidationHF = (w[1] >> 64) & MASK_64;
        m.maxCallHF = (w[1] >> 128) & MASK_64;
        m.reserveFactor = w[1] >> 192;
        m.dust = w[2] & MASK_128;
        m.volSlope = (w[2] >> 128) & MASK_64;
        m.exitMargin = w[2] >> 192;
    }

    /// @dev What interest accrual reads on every operation: the rate model's address in bits
    /// 0–159, the reserve factor [wad] above.
    function packAccrual(address model, uint256 reserveFactor) internal pure returns (uint256) {
        return uint256(uint160(model)) | (reserveFactor << 160);
    }
}
