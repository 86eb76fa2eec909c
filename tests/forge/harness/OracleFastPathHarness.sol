// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleAdapter} from "../../../contracts/OracleAdapter.sol";
import {IGoverned, InitialFeed} from "../../../interfaces/IOracleAdapter.sol";

/// @notice Exposes the adapter's read-path arithmetic and its word decoding, to be checked
/// against the Math.mulDiv forms and the struct getters (tests/forge/OracleFastPath.t.sol).
contract OracleFastPathHarness is OracleAdapter {
    constructor(IGoverned governance_) OracleAdapter(governance_, 0.02e18, 0.6e18, 1 days, 16, new InitialFeed[](0)) {}

    function sampledVariance(uint256 variance, uint256 previous, uint256 previousAt, uint256 p, uint256 t, uint256 tau)
        external
        pure
        returns (uint256)
    {
        return _sampledVariance(variance, previous, previousAt, p, t, tau);
    }

    /// @dev `_decayedSigma` of a chain (round 1) under any σ_ref and τ of their fields, packed as
    /// `_params` packs them.
    function decayedSigma(uint256 updatedAt, uint96 variance, uint64 volRef_, uint32 tau)
        external
        view
        returns (uint256)
    {
        uint256 params = (uint256(tau) << PARAMS_VOL_TAU) | (uint256(volRef_) << PARAMS_VOL_REF);
        return _decayedSigma(1, updatedAt, variance, params);
    }

    function toWad(uint256 answer, uint8 decimals) external pure returns (uint256) {
        return _toWad(answer, decimals);
    }

    /// @dev A feed's fields as the read paths decode them from its words.
    function decodedFeed(address asset, bool primary)
        external
        view
        returns (
            address aggregator,
            uint8 decimals,
            uint32 heartbeat,
            uint40 epoch,
            bool hasSecondary,
            uint8 status,
            uint256 minPrice,
            uint256 maxPrice
        )
    {
        (uint256 feed, uint256 bounds) = _feedWords(primary ? _primaryFeeds[asset] : _secondaryFeeds[asset]);
        aggregator = address(uint160(feed));
        decimals = uint8(feed >> FEED_DECIMALS);
        heartbeat = uint32(feed >> FEED_HEARTBEAT);
        epoch = uint40(feed >> FEED_EPOCH);
        hasSecondary = uint8(feed >> FEED_HAS_SECONDARY) != 0;
        status = uint8(feed >> FEED_LAST_STATUS);
        (minPrice, maxPrice) = (uint128(bounds), bounds >> 128);
    }

    /// @dev The volatility state's first slot as the read paths decode it.
    function decodedVolState(address asset)
        external
        view
        returns (uint40 epoch, uint80 round, uint40 updatedAt, uint96 variance)
    {
        uint256 state = _word(_volStates[asset]);
        return
            (uint40(state), uint80(state >> VOL_ROUND), uint40(state >> VOL_UPDATED_AT), uint96(state >> VOL_VARIANCE));
    }

    /// @dev The parameters as the read paths decode them.
    function decodedParams() external view returns (uint64 volRef_, uint32 tau, uint8 maxRounds) {
        uint256 params = _paramsWord();
        return (uint64(params >> PARAMS_VOL_REF), uint32(params >> PARAMS_VOL_TAU), uint8(params >> PARAMS_MAX_ROUNDS));
    }
}
