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
    // The caps are typed as the packed field they bound (`Feed`, `OracleParams`): a cap that did
    // not fit its field would not compile, so a value that passes its setter's check fits.
    uint256 internal constant MIN_HEARTBEAT = 1 minutes; // [seconds]
    uint32 internal constant MAX_HEARTBEAT = 7 days; // [seconds]
    uint64 internal constant MAX_DEVIATION_CAP = 0.5e18; // [wad] 50 %
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint64 internal constant MAX_VOL_REF = 10e18; // [wad] 1,000 %
    uint256 internal constant MIN_TAU = 1 minutes; // [seconds]
    uint32 internal constant MAX_TAU = 30 days; // [seconds]
    uint8 internal constant MAX_ROUNDS_CAP = 64;
    uint128 internal constant MAX_PRICE_CAP = type(uint128).max; // [wad]
    /// @dev One round's return is clamped to ±1,000 % before squaring: keeps r²·YEAR far from
    /// overflow whatever a broken feed reports (the result saturates the call level anyway).
    uint256 internal constant MAX_RETURN = 10e18; // [wad]
    /// @dev The stored variance saturates here [wad] (σ ≈ 2.8e5, 28,000,000 %). Rounds at least a
    /// second apart never reach it (σ² stays below max(σ², MAX_RETURN²·YEAR) ≈ 3.2e27); only
    /// some 1,400 rounds of ±1,000 % stamped in the same second could, and any σ near it has
    /// long clamped the call level at `maxCallHF`.
    uint256 internal constant MAX_VARIANCE = type(uint96).max;
    /// @dev Rounds stamped later than this [unix seconds] (year 36,812) are not used for
    /// volatility: their time would not fit `VolState.updatedAt`.
    uint256 internal constant MAX_ROUND_TIME = type(uint40).max;

    // ================================================================ storage
    /// @dev One feed in two slots, packed by use: the first finds the feed (every read needs it),
    /// the second holds its bounds. The primary's first slot also carries the asset's own
    /// bookkeeping, read with it anyway; a secondary leaves those three fields zero.
    struct Feed {
        IAggregatorV3 aggregator; // zero when not configured
        uint8 decimals; // cached at configuration, ≤ 36
        uint32 heartbeat; // [seconds] max age of a valid answer, ≤ 7 days
        uint40 epoch; // primary: bumped at each change of aggregator (the volatility chain's owner)
        bool hasSecondary; // primary: a secondary is configured (its slots are read only then)
        PriceStatus lastStatus; // primary: the status last recorded by `poke`, for its change event
        uint128 minPrice; // [wad] lowest valid price
        uint128 maxPrice; // [wad] highest valid price, ≤ 2^128 − 1
    }

    /// @dev The market-wide parameters, in one slot (each bounded by its setter below its field).
    struct OracleParams {
        uint64 maxDeviation; // [wad] ≤ 0.5
        uint64 volRef; // [wad] σ_ref ≤ 10
        uint32 volTau; // [seconds] τ, the estimator's memory, ≤ 30 days
        uint8 maxRoundsPerPoke; // rounds consumed by one poke at most, ≤ 64
    }

    /// @dev The volatility estimator's state per asset, over the primary feed's rounds, in two
    /// slots. The chain belongs to the primary whose `Feed.epoch` it records: a different
    /// aggregator set as primary bumps the epoch, so no return is read across a feed switch.
    struct VolState {
        uint40 epoch; // the primary's epoch the chain of rounds belongs to (0: no chain yet)
        uint80 round; // last consumed round id
        uint40 updatedAt; // [unix seconds] of that round, ≤ MAX_ROUND_TIME
        uint96 variance; // [wad] annualised σ², saturating at MAX_VARIANCE
        uint256 answer; // that round's answer, in the feed's decimals
    }

    /// @inheritdoc IOracleAdapter
    IGoverned public immutable governance;
    OracleParams internal _params;
    mapping(address asset => Feed) internal _primaryFeeds;
    mapping(address asset => Feed) internal _secondaryFeeds;
    mapping(address asset => VolState) internal _volStates;

    /// @dev One round of a feed as read, before any validation (`readable` false: the call
    /// reverted or returned something that does not decode).
    struct RawRound {
        bool readable;
        uint80 roundId;
        int256 answer;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

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
        if (f.minPrice == 0 || f.minPrice >= f.maxPrice || f.maxPrice > MAX_PRICE_CAP) {
            revert BadPriceBounds(f.minPrice, f.maxPrice);
        }
        uint8 decimals = f.aggregator.decimals();
        if (decimals > MAX_FEED_DECIMALS) revert BadFeedDecimals(decimals);
        Feed storage current = _primaryFeeds[f.asset];
        if (!primary && address(current.aggregator) == address(0)) revert NoFeed(f.asset);

        // the checks above bound each value to its field: heartbeat ≤ 7 days, maxPrice ≤ 2^128 − 1
        Feed memory feed = Feed({
            aggregator: f.aggregator,
            decimals: decimals,
            heartbeat: uint32(f.heartbeat),
            epoch: 0,
            hasSecondary: false,
            lastStatus: PriceStatus.Valid,
            minPrice: uint128(f.minPrice),
            maxPrice: uint128(f.maxPrice)
        });
        if (primary) {
            // the asset's bookkeeping stays; a new aggregator starts a new volatility chain
            feed.epoch = address(current.aggregator) == address(f.aggregator) ? current.epoch : current.epoch + 1;
            feed.hasSecondary = current.hasSecondary;
            feed.lastStatus = current.lastStatus;
            _primaryFeeds[f.asset] = feed;
        } else {
            _secondaryFeeds[f.asset] = feed;
            current.hasSecondary = true;
        }
        emit FeedSet(f.asset, primary, address(f.aggregator), f.heartbeat, f.minPrice, f.maxPrice);
    }

    /// @inheritdoc IOracleAdapter
    function detachSecondary(address asset) external onlyGovernor {
        address feed = address(_secondaryFeeds[asset].aggregator);
        if (feed == address(0)) revert NoSecondary(asset);
        delete _secondaryFeeds[asset];
        _primaryFeeds[asset].hasSecondary = false;
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
        OracleParams memory p = _params;
        emit VolatilityParamsSet(p.volRef, newVolRef, p.volTau, newTau, p.maxRoundsPerPoke, newMaxRounds);
        // bounded above by the caps, each typed as its field
        (p.volRef, p.volTau, p.maxRoundsPerPoke) = (uint64(newVolRef), uint32(newTau), uint8(newMaxRounds));
        _params = p;
    }

    function _setMaxDeviation(uint256 newMaxDeviation) internal {
        if (newMaxDeviation == 0 || newMaxDeviation > MAX_DEVIATION_CAP) revert BadMaxDeviation(newMaxDeviation);
        emit MaxDeviationSet(_params.maxDeviation, newMaxDeviation);
        _params.maxDeviation = uint64(newMaxDeviation); // ≤ MAX_DEVIATION_CAP, a uint64
    }

    // ================================================================ poke
    /// @inheritdoc IOracleAdapter
    function poke(address asset) external {
        Feed memory primary = _primaryFeeds[asset];
        if (address(primary.aggregator) == address(0)) revert NoFeed(asset);
        RawRound memory latest = _latestRound(primary);
        _consumeRounds(asset, primary, latest);
        (PriceStatus status,,,,) = _resolveWith(asset, primary, latest);
        PriceStatus old = primary.lastStatus;
        if (status != old) {
            _primaryFeeds[asset].lastStatus = status;
            emit PriceStatusChanged(asset, old, status);
        }
    }

    // ================================================================ volatility
    /// @dev Writes what `volatility` already shows: the pending rounds folded in (`_fold`), with
    /// an event per round sampled and per restart. Keepers' `poke` and the liquidator's kick
    /// write; borrow, withdrawal and the margin calls only read the same fold (DESIGN.md 3, 11).
    function _consumeRounds(address asset, Feed memory primary, RawRound memory latest) internal {
        VolState memory v = _volStates[asset];
        // nothing pending, as `_fold` tests first (inlined: a helper costs every reader ~100)
        if (latest.roundId == v.round && v.round != 0 && v.epoch == primary.epoch) return;
        OracleParams memory params = _params;
        uint256 from = v.round;
        uint256[] memory variances = new uint256[](params.maxRoundsPerPoke);
        (uint256 samples, bool restarted) = _fold(primary, latest, v, variances, params);
        if (samples == 0 && !restarted) return;
        _volStates[asset] = v;
        for (uint256 k; k < samples; ++k) {
            emit VolatilitySampled(asset, uint80(from + 1 + k), variances[k]);
        }
        if (restarted) emit VolatilityChainRestarted(asset, v.round);
    }

    /// @dev Folds the primary feed's rounds after the last consumed one into `v` (in memory), in
    /// order, each once, at most `maxRoundsPerPoke`; records the variance after the k-th sample
    /// in `variances[k]` when the array is long enough. Never reverts on the feed: a feed that
    /// is down folds nothing, a round that cannot be read restarts the chain at the latest round
    /// without a sample (so a gap, a phase change or a feed switch cannot fabricate a return).
    ///
    ///     r  = p_n / p_{n−1} − 1,  Δt = updatedAt_n − updatedAt_{n−1}
    ///     σ² ← (τ·σ² + r²·YEAR) / (τ + Δt)
    ///
    /// a time-weighted EWMA: a round's weight is Δt/(τ+Δt), and rounds in the same second add
    /// r²·YEAR/τ. No exp, ln or Δt floor is needed. Rounded up (a higher σ is the safe side).
    /// `latest` is the primary's latest round, read once by the caller.
    function _fold(
        Feed memory primary,
        RawRound memory latest,
        VolState memory v,
        uint256[] memory variances,
        OracleParams memory params
    ) internal view returns (uint256 samples, bool restarted) {
        // nothing pending (the usual case when keepers poke every round): no validation needed
        if (latest.roundId == v.round && v.round != 0 && v.epoch == primary.epoch) return (0, false);
        (bool ok, uint80 latestId, uint256 answer, uint256 updatedAt) = _volRound(primary, latest, 0, true);
        if (!ok) return (0, false);
        bool chained = v.epoch == primary.epoch && v.round != 0 && latestId > v.round;
        if (chained) (samples, chained) = _foldRounds(primary, v, variances, latestId, answer, updatedAt, params);
        if (!chained) _restartChain(v, primary, latestId, answer, updatedAt, params.volRef);
        return (samples, !chained);
    }

    /// @dev The rounds after `v.round` up to `latestId` (at most `maxRoundsPerPoke`), sampled into
    /// `v`; `chained` false when one cannot be read or goes back in time (the caller restarts).
    /// The latest round is the one already read (`latestAnswer`, `latestAt`): a keeper that
    /// pokes every round leaves one pending round, which then costs no `getRoundData`.
    function _foldRounds(
        Feed memory primary,
        VolState memory v,
        uint256[] memory variances,
        uint80 latestId,
        uint256 latestAnswer,
        uint256 latestAt,
        OracleParams memory params
    ) internal view returns (uint256 samples, bool chained) {
        uint256 last = Math.min(uint256(latestId), uint256(v.round) + params.maxRoundsPerPoke);
        uint256 tau = params.volTau;
        for (uint256 id = uint256(v.round) + 1; id <= last; ++id) {
            (bool readable, uint256 p, uint256 t) = (true, latestAnswer, latestAt);
            if (id != latestId) (readable,, p, t) = _roundAt(primary, uint80(id));
            if (!readable || t < v.updatedAt) return (samples, false);
            _sample(v, p, t, tau);
            v.round = uint80(id);
            if (samples < variances.length) variances[samples] = v.variance;
            ++samples;
        }
        return (samples, true);
    }

    /// @dev σ² ← (τ·σ² + r²·YEAR) / (τ + Δt) for the round with answer `p` at time `t`
    /// (t ≤ MAX_ROUND_TIME, `_volRound`), saturating at MAX_VARIANCE.
    function _sample(VolState memory v, uint256 p, uint256 t, uint256 tau) internal pure {
        uint256 previous = v.answer;
        uint256 r = Math.min(Math.mulDiv(p > previous ? p - previous : previous - p, WAD, previous), MAX_RETURN);
        uint256 r2Year = Math.mulDiv(r * r, SECONDS_PER_YEAR, WAD, Math.Rounding.Ceil); // [wad]
        uint256 variance = Math.mulDiv(tau * v.variance + r2Year, 1, tau + (t - v.updatedAt), Math.Rounding.Ceil);
        v.variance = uint96(Math.min(variance, MAX_VARIANCE));
        v.updatedAt = uint40(t);
        v.answer = p;
    }

    function _restartChain(
        VolState memory v,
        Feed memory primary,
        uint80 latestId,
        uint256 answer,
        uint256 updatedAt,
        uint256 volRef_
    ) internal pure {
        v.epoch = primary.epoch;
        v.round = latestId;
        v.updatedAt = uint40(updatedAt); // ≤ MAX_ROUND_TIME (`_volRound`)
        v.answer = answer;
        // a first chain starts from no information, σ = σ_ref (≤ 100 [wad], far below
        // MAX_VARIANCE); a restart keeps what was learnt
        if (v.variance == 0) v.variance = uint96(Math.mulDiv(volRef_, volRef_, WAD, Math.Rounding.Ceil));
    }

    /// @dev Round `id` of `feed`, usable for volatility (see `_volRound`).
    function _roundAt(Feed memory feed, uint80 id)
        internal
        view
        returns (bool ok, uint80 roundId, uint256 answer, uint256 updatedAt)
    {
        return _volRound(feed, _callRound(feed.aggregator, abi.encodeCall(IAggregatorV3.getRoundData, (id))), id, false);
    }

    /// @dev A round of `feed` as read (`raw`: round `id`, or the latest when `latest`), usable for
    /// volatility: readable, positive, complete, inside the price bounds and not from the future
    /// (nor after MAX_ROUND_TIME).
    function _volRound(Feed memory feed, RawRound memory raw, uint80 id, bool latest)
        internal
        view
        returns (bool ok, uint80 roundId, uint256 answer, uint256 updatedAt)
    {
        if (!raw.readable) return (false, 0, 0, 0);
        (roundId, updatedAt) = (raw.roundId, raw.updatedAt);
        int256 a = raw.answer;
        if (
            a <= 0 || (feed.decimals <= 18 && uint256(a) > type(uint128).max) || updatedAt == 0
                || updatedAt > block.timestamp || updatedAt > MAX_ROUND_TIME
        ) {
            return (false, roundId, 0, 0);
        }
        if (raw.answeredInRound < roundId || (!latest && roundId != id)) return (false, roundId, 0, 0);
        uint256 price = _toWad(uint256(a), feed.decimals);
        if (price < feed.minPrice || price > feed.maxPrice) return (false, roundId, 0, 0);
        return (true, roundId, uint256(a), updatedAt);
    }

    /// @inheritdoc IOracleAdapter
    function volatility(address asset) external view returns (uint256) {
        Feed memory primary = _primaryFeeds[asset];
        return _volatility(asset, primary, _latestRound(primary));
    }

    /// @dev σ with the pending rounds folded in (read, not written), decayed to now.
    function _volatility(address asset, Feed memory primary, RawRound memory latest) internal view returns (uint256) {
        OracleParams memory params = _params;
        VolState memory v = _volStates[asset];
        _fold(primary, latest, v, new uint256[](0), params);
        uint256 volRef_ = params.volRef;
        if (v.round == 0) return volRef_;
        uint256 ref2 = Math.mulDiv(volRef_, volRef_, WAD, Math.Rounding.Ceil);
        uint256 t = block.timestamp > v.updatedAt ? block.timestamp - v.updatedAt : 0;
        uint256 tau = params.volTau;
        // σ_ref² + (σ² − σ_ref²)·τ/(τ + t), each side rounded towards the higher variance
        uint256 variance = v.variance >= ref2
            ? ref2 + Math.mulDiv(v.variance - ref2, tau, tau + t, Math.Rounding.Ceil)
            : ref2 - Math.mulDiv(ref2 - v.variance, tau, tau + t);
        return Math.sqrt(variance * WAD, Math.Rounding.Ceil);
    }

    /// @inheritdoc IOracleAdapter
    function needsPoke(address asset) external view returns (bool) {
        Feed memory primary = _primaryFeeds[asset];
        (bool ok, uint80 latestId,,) = _volRound(primary, _latestRound(primary), 0, true);
        VolState memory v = _volStates[asset];
        return ok && (v.epoch != primary.epoch || v.round != latestId);
    }

    /// @inheritdoc IOracleAdapter
    function assetState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigma)
    {
        Feed memory primary = _primaryFeeds[asset];
        RawRound memory latest = _latestRound(primary); // one read for the price and the fold
        (PriceStatus status, uint256 p, uint256 s, FeedFault fault, uint256 detail) =
            _resolveWith(asset, primary, latest);
        if (status == PriceStatus.Invalid) {
            if (strict) _revertFault(asset, fault, detail);
        } else {
            priced = true;
            (low, high) = _range(status, p, s);
        }
        sigma = _volatility(asset, primary, latest);
    }

    /// @inheritdoc IOracleAdapter
    function baseState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigmaRef)
    {
        (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail) = _resolve(asset);
        if (status == PriceStatus.Invalid) {
            if (strict) _revertFault(asset, fault, detail);
        } else {
            priced = true;
            (low, high) = _range(status, primary, secondary);
        }
        sigmaRef = _params.volRef;
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
        return address(_primaryFeeds[asset].aggregator) != address(0);
    }

    /// @inheritdoc IOracleAdapter
    function readFeed(address asset, bool primary)
        external
        view
        returns (uint256 price, FeedFault fault, uint256 detail)
    {
        return _read(primary ? _primaryFeeds[asset] : _secondaryFeeds[asset]);
    }

    /// @inheritdoc IOracleAdapter
    function primaryFeed(address asset)
        external
        view
        returns (IAggregatorV3 aggregator, uint8 decimals, uint32 heartbeat, uint256 minPrice, uint256 maxPrice)
    {
        return _feedConfig(_primaryFeeds[asset]);
    }

    /// @inheritdoc IOracleAdapter
    function secondaryFeed(address asset)
        external
        view
        returns (IAggregatorV3 aggregator, uint8 decimals, uint32 heartbeat, uint256 minPrice, uint256 maxPrice)
    {
        return _feedConfig(_secondaryFeeds[asset]);
    }

    function _feedConfig(Feed storage f)
        internal
        view
        returns (IAggregatorV3 aggregator, uint8 decimals, uint32 heartbeat, uint256 minPrice, uint256 maxPrice)
    {
        return (f.aggregator, f.decimals, f.heartbeat, f.minPrice, f.maxPrice);
    }

    /// @inheritdoc IOracleAdapter
    function lastStatus(address asset) external view returns (PriceStatus) {
        return _primaryFeeds[asset].lastStatus;
    }

    /// @inheritdoc IOracleAdapter
    function volState(address asset)
        external
        view
        returns (address feed, uint80 round, uint64 updatedAt, uint256 answer, uint256 variance)
    {
        VolState memory v = _volStates[asset];
        Feed storage primary = _primaryFeeds[asset];
        // the epoch names the primary the chain belongs to: the current one, or a replaced one
        if (v.epoch != 0 && v.epoch == primary.epoch) feed = address(primary.aggregator);
        return (feed, v.round, v.updatedAt, v.answer, v.variance);
    }

    /// @inheritdoc IOracleAdapter
    function maxDeviation() external view returns (uint256) {
        return _params.maxDeviation;
    }

    /// @inheritdoc IOracleAdapter
    function volRef() external view returns (uint256) {
        return _params.volRef;
    }

    /// @inheritdoc IOracleAdapter
    function volTau() external view returns (uint256) {
        return _params.volTau;
    }

    /// @inheritdoc IOracleAdapter
    function maxRoundsPerPoke() external view returns (uint256) {
        return _params.maxRoundsPerPoke;
    }

    // ================================================================ internals
    /// @dev Primary and secondary prices [wad] and the status they imply. When Invalid, `fault`
    /// and `detail` describe the primary's failure (the one a user is told about).
    function _resolve(address asset)
        internal
        view
        returns (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail)
    {
        Feed memory feed = _primaryFeeds[asset];
        return _resolveWith(asset, feed, _latestRound(feed));
    }

    /// @dev `_resolve` with the primary feed and its latest round already read.
    function _resolveWith(address asset, Feed memory primaryFeed_, RawRound memory primaryLatest)
        internal
        view
        returns (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail)
    {
        (primary, fault, detail) = _validate(primaryFeed_, primaryLatest);
        // the secondary's slots are read only when one is configured
        FeedFault secondaryFault = FeedFault.NotConfigured;
        if (primaryFeed_.hasSecondary) (secondary, secondaryFault,) = _read(_secondaryFeeds[asset]);
        bool primaryOk = fault == FeedFault.None;
        bool secondaryOk = secondaryFault == FeedFault.None;

        if (primaryOk && secondaryOk) {
            uint256 lo = Math.min(primary, secondary);
            uint256 hi = Math.max(primary, secondary);
            // relative difference measured against the lower price, rounded up: a tie at the
            // threshold is not a deviation, anything above it is
            bool deviates = Math.mulDiv(hi - lo, WAD, lo, Math.Rounding.Ceil) > _params.maxDeviation;
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
    function _callRound(IAggregatorV3 aggregator, bytes memory call) internal view returns (RawRound memory raw) {
        (bool success, bytes memory data) = address(aggregator).staticcall(call);
        if (!success || data.length < 160) return raw;
        (uint256 r, int256 a,, uint256 t, uint256 air) = abi.decode(data, (uint256, int256, uint256, uint256, uint256));
        if (r > type(uint80).max || air > type(uint80).max) return raw;
        return RawRound(true, uint80(r), a, t, uint80(air));
    }

    /// @dev The latest round of `feed` as read (not readable when no feed is configured).
    function _latestRound(Feed memory feed) internal view returns (RawRound memory raw) {
        if (address(feed.aggregator) == address(0)) return raw;
        return _callRound(feed.aggregator, abi.encodeCall(IAggregatorV3.latestRoundData, ()));
    }

    /// @dev Validates a feed's latest round. Never reverts, whatever the aggregator does.
    function _read(Feed memory feed) internal view returns (uint256 price, FeedFault fault, uint256 detail) {
        return _validate(feed, _latestRound(feed));
    }

    /// @dev Validates `raw`, the latest round of `feed`, as a price.
    function _validate(Feed memory feed, RawRound memory raw)
        internal
        view
        returns (uint256 price, FeedFault fault, uint256 detail)
    {
        if (address(feed.aggregator) == address(0)) return (0, FeedFault.NotConfigured, 0);
        if (!raw.readable) return (0, FeedFault.Reverted, 0);
        (int256 answer, uint256 updatedAt) = (raw.answer, raw.updatedAt);
        // detail keeps the answer's bits; `_revertFault` turns them back into the int256
        if (answer <= 0) return (0, FeedFault.NonPositive, uint256(answer));
        if (updatedAt == 0 || raw.answeredInRound < raw.roundId) return (0, FeedFault.IncompleteRound, raw.roundId);
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
