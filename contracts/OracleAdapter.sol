// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";
import {IOracleAdapter, IGoverned, InitialFeed, PriceStatus, FeedFault} from "../interfaces/IOracleAdapter.sol";

/// @title OracleAdapter
/// @notice Validated, WAD-normalised USD prices over Chainlink-style feeds (DESIGN.md 6).
contract OracleAdapter is IOracleAdapter {
    // ================================================================ constants
    uint256 internal constant WAD = 1e18;
    /// @dev Feeds with more decimals than this are refused: the scale factor must fit comfortably.
    uint8 internal constant MAX_FEED_DECIMALS = 36;
    uint256 internal constant MIN_HEARTBEAT = 1 minutes; // [seconds]
    uint256 internal constant MAX_HEARTBEAT = 7 days; // [seconds]
    uint256 internal constant MAX_DEVIATION_CAP = 0.5e18; // [wad] 50 %
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint256 internal constant MAX_VOL_REF = 10e18; // [wad] 1,000 %
    uint256 internal constant MIN_TAU = 1 minutes; // [seconds]
    uint256 internal constant MAX_TAU = 30 days; // [seconds]
    uint256 internal constant MAX_ROUNDS_CAP = 64;
    /// @dev One round's return is clamped to ±1,000 % before squaring: keeps r²·YEAR far from
    /// overflow whatever a broken feed reports (the result saturates the call level anyway).
    uint256 internal constant MAX_RETURN = 10e18; // [wad]

    // ================================================================ storage
    struct Feed {
        IAggregatorV3 aggregator; // zero when not configured
        uint8 decimals; // cached at configuration
        uint32 heartbeat; // [seconds] max age of a valid answer
        uint256 minPrice; // [wad] lowest valid price
        uint256 maxPrice; // [wad] highest valid price
    }

    /// @inheritdoc IOracleAdapter
    IGoverned public immutable governance;
    uint256 public maxDeviation; // [wad]
    mapping(address asset => Feed) public primaryFeed;
    mapping(address asset => Feed) public secondaryFeed;
    /// @dev The status last recorded by `poke`, for its change event.
    mapping(address asset => PriceStatus) public lastStatus;

    /// @dev The volatility estimator's state per asset, over the primary feed's rounds.
    struct VolState {
        address feed; // primary aggregator the chain of rounds belongs to
        uint80 round; // last consumed round id (0: no chain yet)
        uint64 updatedAt; // [unix seconds] of that round
        uint256 answer; // that round's answer, in the feed's decimals
        uint256 variance; // [wad] annualised σ²
    }

    uint256 public volRef; // [wad] σ_ref
    uint256 public volTau; // [seconds] τ, the estimator's memory
    uint256 public maxRoundsPerPoke; // rounds consumed by one poke at most
    mapping(address asset => VolState) public volState;

    // ================================================================ constructor
    /// @param governance_ the market's config (its precomputed address when deployed before it):
    /// its `governor()` is the oracle's only governor.
    /// @param feeds primary feeds set now: the config's constructor needs the base asset's, and
    /// the config cannot govern the oracle before it exists.
    constructor(
        IGoverned governance_,
        uint256 maxDeviation_,
        uint256 volRef_,
        uint256 volTau_,
        uint256 maxRounds_,
        InitialFeed[] memory feeds
    ) {
        if (address(governance_) == address(0)) revert ZeroAddress();
        governance = governance_;
        _setMaxDeviation(maxDeviation_);
        _setVolatilityParams(volRef_, volTau_, maxRounds_);
        for (uint256 i; i < feeds.length; ++i) {
            _setFeed(feeds[i], true);
        }
    }

    // ================================================================ modifiers
    /// @dev One governor for the market: the config's, read on each governance call (never on a
    /// price or poke path).
    modifier onlyGovernor() {
        if (msg.sender != governance.governor()) revert NotGovernor();
        _;
    }

    // ================================================================ governance
    /// @inheritdoc IOracleAdapter
    function governor() external view returns (address) {
        return governance.governor();
    }

    /// @inheritdoc IOracleAdapter
    function setFeed(
        address asset,
        bool primary,
        IAggregatorV3 aggregator,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice
    ) external onlyGovernor {
        _setFeed(InitialFeed(asset, aggregator, heartbeat, minPrice, maxPrice), primary);
    }

    /// @dev Validates and stores a feed (`setFeed` and the constructor's initial feeds).
    function _setFeed(InitialFeed memory f, bool primary) internal {
        if (f.asset == address(0) || address(f.aggregator) == address(0)) revert ZeroAddress();
        if (f.heartbeat < MIN_HEARTBEAT || f.heartbeat > MAX_HEARTBEAT) revert BadHeartbeat(f.heartbeat);
        if (f.minPrice == 0 || f.minPrice >= f.maxPrice || f.maxPrice > type(uint128).max) {
            revert BadPriceBounds(f.minPrice, f.maxPrice);
        }
        uint8 decimals = f.aggregator.decimals();
        if (decimals > MAX_FEED_DECIMALS) revert BadFeedDecimals(decimals);
        if (!primary && address(primaryFeed[f.asset].aggregator) == address(0)) revert NoFeed(f.asset);

        Feed memory feed = Feed(f.aggregator, decimals, uint32(f.heartbeat), f.minPrice, f.maxPrice);
        if (primary) primaryFeed[f.asset] = feed;
        else secondaryFeed[f.asset] = feed;
        emit FeedSet(f.asset, primary, address(f.aggregator), f.heartbeat, f.minPrice, f.maxPrice);
    }

    /// @inheritdoc IOracleAdapter
    function detachSecondary(address asset) external onlyGovernor {
        address feed = address(secondaryFeed[asset].aggregator);
        if (feed == address(0)) revert NoSecondary(asset);
        delete secondaryFeed[asset];
        emit SecondaryDetached(asset, feed);
    }

    /// @inheritdoc IOracleAdapter
    function setMaxDeviation(uint256 newMaxDeviation) external onlyGovernor {
        _setMaxDeviation(newMaxDeviation);
    }

    /// @inheritdoc IOracleAdapter
    function setVolatilityParams(uint256 newVolRef, uint256 newTau, uint256 newMaxRounds) external onlyGovernor {
        _setVolatilityParams(newVolRef, newTau, newMaxRounds);
    }

    function _setVolatilityParams(uint256 newVolRef, uint256 newTau, uint256 newMaxRounds) internal {
        if (
            newVolRef == 0 || newVolRef > MAX_VOL_REF || newTau < MIN_TAU || newTau > MAX_TAU || newMaxRounds == 0
                || newMaxRounds > MAX_ROUNDS_CAP
        ) revert BadVolatilityParams();
        emit VolatilityParamsSet(volRef, newVolRef, volTau, newTau, maxRoundsPerPoke, newMaxRounds);
        volRef = newVolRef;
        volTau = newTau;
        maxRoundsPerPoke = newMaxRounds;
    }

    function _setMaxDeviation(uint256 newMaxDeviation) internal {
        if (newMaxDeviation == 0 || newMaxDeviation > MAX_DEVIATION_CAP) revert BadMaxDeviation(newMaxDeviation);
        emit MaxDeviationSet(maxDeviation, newMaxDeviation);
        maxDeviation = newMaxDeviation;
    }

    // ================================================================ poke
    /// @inheritdoc IOracleAdapter
    function poke(address asset) external {
        Feed memory primary = primaryFeed[asset];
        if (address(primary.aggregator) == address(0)) revert NoFeed(asset);
        _consumeRounds(asset, primary);
        (PriceStatus status,,,,) = _resolve(asset);
        PriceStatus old = lastStatus[asset];
        if (status != old) {
            lastStatus[asset] = status;
            emit PriceStatusChanged(asset, old, status);
        }
    }

    // ================================================================ volatility
    /// @dev Consumes the primary feed's rounds after the last consumed one, in order, each once,
    /// at most `maxRoundsPerPoke`. Never reverts on the feed: a feed that is down consumes
    /// nothing, a round that cannot be read restarts the chain at the latest round without a
    /// sample (so a gap, a phase change or a feed switch cannot fabricate a return).
    ///
    ///     r  = p_n / p_{n−1} − 1,  Δt = updatedAt_n − updatedAt_{n−1}
    ///     σ² ← (τ·σ² + r²·YEAR) / (τ + Δt)
    ///
    /// a time-weighted EWMA: a round's weight is Δt/(τ+Δt), and rounds in the same second add
    /// r²·YEAR/τ. No exp, ln or Δt floor is needed. Rounded up (a higher σ is the safe side).
    function _consumeRounds(address asset, Feed memory primary) internal {
        VolState storage v = volState[asset];
        (bool ok, uint80 latest, uint256 answer, uint256 updatedAt) = _roundAt(primary, 0, true);
        if (!ok) return;
        if (v.feed != address(primary.aggregator) || v.round == 0 || latest < v.round) {
            _restartChain(asset, v, primary, latest, answer, updatedAt);
            return;
        }
        uint256 last = Math.min(uint256(latest), uint256(v.round) + maxRoundsPerPoke);
        for (uint256 id = uint256(v.round) + 1; id <= last; ++id) {
            (bool readable,, uint256 p, uint256 t) = _roundAt(primary, uint80(id), false);
            if (!readable || t < v.updatedAt) {
                _restartChain(asset, v, primary, latest, answer, updatedAt);
                return;
            }
            _sample(v, p, t);
            v.round = uint80(id);
            emit VolatilitySampled(asset, uint80(id), v.variance);
        }
    }

    /// @dev σ² ← (τ·σ² + r²·YEAR) / (τ + Δt) for the round with answer `p` at time `t`.
    function _sample(VolState storage v, uint256 p, uint256 t) internal {
        uint256 previous = v.answer;
        uint256 r = Math.min(Math.mulDiv(p > previous ? p - previous : previous - p, WAD, previous), MAX_RETURN);
        uint256 r2Year = Math.mulDiv(r * r, SECONDS_PER_YEAR, WAD, Math.Rounding.Ceil); // [wad]
        uint256 tau = volTau;
        v.variance = Math.mulDiv(tau * v.variance + r2Year, 1, tau + (t - v.updatedAt), Math.Rounding.Ceil);
        v.updatedAt = uint64(t);
        v.answer = p;
    }

    function _restartChain(
        address asset,
        VolState storage v,
        Feed memory primary,
        uint80 latest,
        uint256 answer,
        uint256 updatedAt
    ) internal {
        v.feed = address(primary.aggregator);
        v.round = latest;
        v.updatedAt = uint64(updatedAt);
        v.answer = answer;
        // a first chain starts from no information, σ = σ_ref; a restart keeps what was learnt
        if (v.variance == 0) v.variance = Math.mulDiv(volRef, volRef, WAD, Math.Rounding.Ceil);
        emit VolatilityChainRestarted(asset, latest);
    }

    /// @dev One round of `feed` (the latest when `latest`), usable for volatility: readable,
    /// positive, complete, inside the price bounds and not from the future.
    function _roundAt(Feed memory feed, uint80 id, bool latest)
        internal
        view
        returns (bool ok, uint80 roundId, uint256 answer, uint256 updatedAt)
    {
        int256 a;
        uint80 answeredIn;
        bool readable;
        (readable, roundId, a, updatedAt, answeredIn) = _callRound(
            feed.aggregator,
            latest
                ? abi.encodeCall(IAggregatorV3.latestRoundData, ())
                : abi.encodeCall(IAggregatorV3.getRoundData, (id))
        );
        if (!readable) return (false, 0, 0, 0);
        if (
            a <= 0 || (feed.decimals <= 18 && uint256(a) > type(uint128).max) || updatedAt == 0
                || updatedAt > block.timestamp
        ) {
            return (false, roundId, 0, 0);
        }
        if (answeredIn < roundId || (!latest && roundId != id)) return (false, roundId, 0, 0);
        uint256 price = _toWad(uint256(a), feed.decimals);
        if (price < feed.minPrice || price > feed.maxPrice) return (false, roundId, 0, 0);
        return (true, roundId, uint256(a), updatedAt);
    }

    /// @inheritdoc IOracleAdapter
    function volatility(address asset) external view returns (uint256) {
        VolState memory v = volState[asset];
        uint256 ref2 = Math.mulDiv(volRef, volRef, WAD, Math.Rounding.Ceil);
        if (v.round == 0) return volRef;
        uint256 t = block.timestamp > v.updatedAt ? block.timestamp - v.updatedAt : 0;
        uint256 tau = volTau;
        // σ_ref² + (σ² − σ_ref²)·τ/(τ + t), each side rounded towards the higher variance
        uint256 variance = v.variance >= ref2
            ? ref2 + Math.mulDiv(v.variance - ref2, tau, tau + t, Math.Rounding.Ceil)
            : ref2 - Math.mulDiv(ref2 - v.variance, tau, tau + t);
        return Math.sqrt(variance * WAD, Math.Rounding.Ceil);
    }

    // ================================================================ views
    /// @inheritdoc IOracleAdapter
    function getPrice(address asset) external view returns (uint256) {
        (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail) = _resolve(asset);
        if (status == PriceStatus.Invalid) _revertFault(asset, fault, detail);
        return status == PriceStatus.Fallback ? secondary : primary;
    }

    /// @inheritdoc IOracleAdapter
    function priceRange(address asset) external view returns (uint256 low, uint256 high) {
        (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail) = _resolve(asset);
        if (status == PriceStatus.Invalid) _revertFault(asset, fault, detail);
        return _range(status, primary, secondary);
    }

    /// @inheritdoc IOracleAdapter
    function tryPriceRange(address asset) external view returns (bool ok, uint256 low, uint256 high) {
        (PriceStatus status, uint256 primary, uint256 secondary,,) = _resolve(asset);
        if (status == PriceStatus.Invalid) return (false, 0, 0);
        (low, high) = _range(status, primary, secondary);
        return (true, low, high);
    }

    /// @inheritdoc IOracleAdapter
    function priceStatus(address asset) external view returns (PriceStatus status) {
        (status,,,,) = _resolve(asset);
    }

    /// @inheritdoc IOracleAdapter
    function hasFeed(address asset) external view returns (bool) {
        return address(primaryFeed[asset].aggregator) != address(0);
    }

    /// @inheritdoc IOracleAdapter
    function readFeed(address asset, bool primary)
        external
        view
        returns (uint256 price, FeedFault fault, uint256 detail)
    {
        return _read(primary ? primaryFeed[asset] : secondaryFeed[asset]);
    }

    // ================================================================ internals
    /// @dev Primary and secondary prices [wad] and the status they imply. When Invalid, `fault`
    /// and `detail` describe the primary's failure (the one a user is told about).
    function _resolve(address asset)
        internal
        view
        returns (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail)
    {
        (primary, fault, detail) = _read(primaryFeed[asset]);
        FeedFault secondaryFault;
        (secondary, secondaryFault,) = _read(secondaryFeed[asset]);
        bool primaryOk = fault == FeedFault.None;
        bool secondaryOk = secondaryFault == FeedFault.None;

        if (primaryOk && secondaryOk) {
            uint256 lo = Math.min(primary, secondary);
            uint256 hi = Math.max(primary, secondary);
            // relative difference measured against the lower price, rounded up: a tie at the
            // threshold is not a deviation, anything above it is
            bool deviates = Math.mulDiv(hi - lo, WAD, lo, Math.Rounding.Ceil) > maxDeviation;
            status = deviates ? PriceStatus.Deviating : PriceStatus.Valid;
        } else if (primaryOk) {
            status = PriceStatus.Valid;
        } else if (secondaryOk) {
            status = PriceStatus.Fallback;
        } else {
            status = PriceStatus.Invalid;
        }
    }

    function _range(PriceStatus status, uint256 primary, uint256 secondary)
        internal
        pure
        returns (uint256 low, uint256 high)
    {
        if (status == PriceStatus.Deviating) return (Math.min(primary, secondary), Math.max(primary, secondary));
        uint256 price = status == PriceStatus.Fallback ? secondary : primary;
        return (price, price);
    }

    /// @dev Calls `latestRoundData()` / `getRoundData(id)` and decodes it, never reverting: a
    /// revert, short return data or a uint80 field out of range all read as not readable.
    function _callRound(IAggregatorV3 aggregator, bytes memory call)
        internal
        view
        returns (bool readable, uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound)
    {
        (bool success, bytes memory data) = address(aggregator).staticcall(call);
        if (!success || data.length < 160) return (false, 0, 0, 0, 0);
        (uint256 r, int256 a,, uint256 t, uint256 air) = abi.decode(data, (uint256, int256, uint256, uint256, uint256));
        if (r > type(uint80).max || air > type(uint80).max) return (false, 0, 0, 0, 0);
        return (true, uint80(r), a, t, uint80(air));
    }

    /// @dev Validates a feed's latest round. Never reverts, whatever the aggregator does.
    function _read(Feed memory feed) internal view returns (uint256 price, FeedFault fault, uint256 detail) {
        if (address(feed.aggregator) == address(0)) return (0, FeedFault.NotConfigured, 0);
        (bool readable, uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound) =
            _callRound(feed.aggregator, abi.encodeCall(IAggregatorV3.latestRoundData, ()));
        if (!readable) return (0, FeedFault.Reverted, 0);
        // detail keeps the answer's bits; `_revertFault` turns them back into the int256
        if (answer <= 0) return (0, FeedFault.NonPositive, uint256(answer));
        if (updatedAt == 0 || answeredInRound < roundId) return (0, FeedFault.IncompleteRound, roundId);
        // an answer from the future is as untrustworthy as a stale one
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > feed.heartbeat) {
            return (0, FeedFault.Stale, updatedAt);
        }
        // the scaling must not overflow: with <= 18 decimals the price is >= the answer, so an
        // answer above 2^128 - 1 is above any maxPrice anyway; dividing cannot overflow
        if (feed.decimals <= 18 && uint256(answer) > type(uint128).max) {
            return (0, FeedFault.OutOfBounds, uint256(answer));
        }
        price = _toWad(uint256(answer), feed.decimals);
        if (price < feed.minPrice || price > feed.maxPrice) return (0, FeedFault.OutOfBounds, price);
        return (price, FeedFault.None, 0);
    }

    /// @dev Scales an answer with `decimals` to WAD, rounding down (a price is a value).
    function _toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals <= 18) return answer * 10 ** (18 - decimals);
        return answer / 10 ** (decimals - 18);
    }

    function _revertFault(address asset, FeedFault fault, uint256 detail) internal pure {
        if (fault == FeedFault.NotConfigured) revert NoFeed(asset);
        if (fault == FeedFault.Reverted) revert FeedReverted(asset);
        if (fault == FeedFault.NonPositive) revert NonPositivePrice(asset, int256(detail));
        if (fault == FeedFault.IncompleteRound) revert IncompleteRound(asset, uint80(detail));
        if (fault == FeedFault.Stale) revert StalePrice(asset, detail);
        revert PriceOutOfBounds(asset, detail);
    }
}
