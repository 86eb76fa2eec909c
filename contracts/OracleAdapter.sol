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

    // Bit offsets of the packed fields the price and volatility reads decode from the words as
    // stored (`_feedWords`, `_word`, `_paramsWord`): Solidity packs a struct's fields from the
    // low-order end, in declaration order. tests/forge/OracleFastPath.t.sol pins each against
    // the getters.
    uint256 internal constant FEED_DECIMALS = 160; // Feed, first slot (aggregator at 0)
    uint256 internal constant FEED_HEARTBEAT = 168;
    uint256 internal constant FEED_EPOCH = 200;
    uint256 internal constant FEED_HAS_SECONDARY = 240;
    uint256 internal constant FEED_LAST_STATUS = 248;
    uint256 internal constant VOL_ROUND = 40; // VolState, first slot (epoch at 0)
    uint256 internal constant VOL_UPDATED_AT = 120;
    uint256 internal constant VOL_VARIANCE = 160;
    uint256 internal constant PARAMS_VOL_REF = 64; // OracleParams (maxDeviation at 0)
    uint256 internal constant PARAMS_VOL_TAU = 128;
    uint256 internal constant PARAMS_MAX_ROUNDS = 160;

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
        Feed storage stored = _primaryFeeds[asset];
        (uint256 feed, uint256 bounds) = _feedWords(stored);
        if (address(uint160(feed)) == address(0)) revert NoFeed(asset);
        RawRound memory latest = _latestRound(feed);
        _consumeRounds(asset, feed, bounds, latest);
        (PriceStatus status,,,,) = _resolveWith(asset, feed, bounds, latest);
        PriceStatus old = PriceStatus(feed >> FEED_LAST_STATUS);
        if (status != old) {
            stored.lastStatus = status;
            emit PriceStatusChanged(asset, old, status);
        }
    }

    // ================================================================ volatility
    /// @dev Writes what `volatility` already shows: the pending rounds folded in (`_fold`), with
    /// an event per round sampled and per restart. Keepers' `poke` and the liquidator's kick
    /// write; borrow, withdrawal and the margin calls only read the same fold (DESIGN.md 3, 11).
    function _consumeRounds(address asset, uint256 feed, uint256 bounds, RawRound memory latest) internal {
        VolState storage stored = _volStates[asset];
        uint256 state = _word(stored);
        if (!_pending(latest, state, feed)) return;
        uint256 params = _paramsWord();
        VolState memory v = _unpackVolState(state, stored.answer);
        uint256 from = v.round;
        uint256[] memory variances = new uint256[](uint8(params >> PARAMS_MAX_ROUNDS));
        (uint256 samples, bool restarted) = _fold(feed, bounds, latest, v, variances, params);
        if (samples == 0 && !restarted) return;
        _volStates[asset] = v;
        for (uint256 k; k < samples; ++k) {
            emit VolatilitySampled(asset, uint80(from + 1 + k), variances[k]);
        }
        if (restarted) emit VolatilityChainRestarted(asset, v.round);
    }

    /// @dev Something to fold: the primary's latest round is not the last consumed one of its
    /// chain (the chain's first word `state`; a chain of another epoch, or none, counts as
    /// pending). The usual case when keepers poke every round is false: then no validation,
    /// parameter or answer is read.
    function _pending(RawRound memory latest, uint256 state, uint256 feed) internal pure returns (bool) {
        uint256 round = uint80(state >> VOL_ROUND);
        return latest.roundId != round || round == 0 || uint40(state) != uint40(feed >> FEED_EPOCH);
    }

    /// @dev Folds the primary feed's rounds after the last consumed one into `v` (in memory), in
    /// order, each once, at most `maxRoundsPerPoke`; records the variance after the k-th sample
    /// in `variances[k]` when the array is long enough. Called only when `_pending`. Never
    /// reverts on the feed: a feed that is down folds nothing, a round that cannot be read
    /// restarts the chain at the latest round without a sample (so a gap, a phase change or a
    /// feed switch cannot fabricate a return).
    ///
    ///     r  = p_n / p_{n−1} − 1,  Δt = updatedAt_n − updatedAt_{n−1}
    ///     σ² ← (τ·σ² + r²·YEAR) / (τ + Δt)
    ///
    /// a time-weighted EWMA: a round's weight is Δt/(τ+Δt), and rounds in the same second add
    /// r²·YEAR/τ. No exp, ln or Δt floor is needed. Rounded up (a higher σ is the safe side).
    /// `latest` is the primary's latest round, read once by the caller; `feed`, `bounds` and
    /// `params` are the primary's and the parameters' words as stored.
    function _fold(
        uint256 feed,
        uint256 bounds,
        RawRound memory latest,
        VolState memory v,
        uint256[] memory variances,
        uint256 params
    ) internal view returns (uint256 samples, bool restarted) {
        if (!_usable(feed, bounds, latest)) return (0, false);
        // usable: `latest`'s fields are the round's as `_volRound` returns them
        bool chained = v.epoch == uint40(feed >> FEED_EPOCH) && v.round != 0 && latest.roundId > v.round;
        if (chained) (samples, chained) = _foldRounds(feed, bounds, v, variances, latest, params);
        if (!chained) _restartChain(v, feed, latest, params);
        return (samples, !chained);
    }

    /// @dev The rounds after `v.round` up to the latest (at most `maxRoundsPerPoke`), sampled into
    /// `v`; `chained` false when one cannot be read or goes back in time (the caller restarts).
    /// The latest round is the one already read and found usable (`latest`): a keeper that
    /// pokes every round leaves one pending round, which then costs no `getRoundData`.
    function _foldRounds(
        uint256 feed,
        uint256 bounds,
        VolState memory v,
        uint256[] memory variances,
        RawRound memory latest,
        uint256 params
    ) internal view returns (uint256 samples, bool chained) {
        uint256 latestId = latest.roundId;
        uint256 last = uint256(v.round) + uint8(params >> PARAMS_MAX_ROUNDS);
        if (last > latestId) last = latestId;
        uint256 tau = uint32(params >> PARAMS_VOL_TAU);
        for (uint256 id = uint256(v.round) + 1; id <= last; ++id) {
            // `_volRound` passed the latest unchanged: its answer is positive
            (bool readable, uint256 p, uint256 t) = (true, uint256(latest.answer), latest.updatedAt);
            if (id != latestId) (readable,, p, t) = _roundAt(feed, bounds, uint80(id));
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
        v.variance = uint96(_sampledVariance(v.variance, v.answer, v.updatedAt, p, t, tau));
        v.updatedAt = uint40(t);
        v.answer = p;
    }

    /// @dev The variance after a round with answer `p` at `t` from one of variance `variance`
    /// with answer `previous` at `previousAt` (≤ t), saturating at MAX_VARIANCE. Plain unchecked
    /// arithmetic, not Math.mulDiv (~450 a call): exact, since no product can pass 2^256 (the
    /// bounds below; tests/forge/OracleFastPath.t.sol fuzzes it against the Math.mulDiv form):
    /// - answers usable for volatility (`_volRound`) are below 2^128 · 10^18 < 2^188 (an answer
    ///   of ≤ 18 decimals is at most 2^128 − 1; one of more scales down to at most maxPrice),
    ///   so |p − previous| · WAD < 2^248;
    /// - r ≤ MAX_RETURN = 10^19, so r² · YEAR < 3.2 · 10^45 < 2^152;
    /// - τ ≤ 2^32 and σ² ≤ MAX_VARIANCE < 2^96, so τ · σ² + r² · YEAR < 2^153.
    /// The time difference stays checked (callers pass t ≥ previousAt); a zero `previous` still
    /// reverts (division by zero is checked in `unchecked` too).
    function _sampledVariance(uint256 variance, uint256 previous, uint256 previousAt, uint256 p, uint256 t, uint256 tau)
        internal
        pure
        returns (uint256)
    {
        uint256 span = tau + (t - previousAt); // τ + Δt ≥ MIN_TAU > 0
        unchecked {
            uint256 r = (p > previous ? p - previous : previous - p) * WAD / previous;
            if (r > MAX_RETURN) r = MAX_RETURN;
            // the return r is the quantity the formula squares (rounded down, as Math.mulDiv did)
            // slither-disable-next-line divide-before-multiply
            uint256 r2Year = Math.ceilDiv(r * r * SECONDS_PER_YEAR, WAD); // [wad]
            variance = Math.ceilDiv(tau * variance + r2Year, span);
        }
        return variance < MAX_VARIANCE ? variance : MAX_VARIANCE;
    }

    /// @dev A new chain in `v` at the primary's latest round (`latest`, usable: `_volRound`).
    function _restartChain(VolState memory v, uint256 feed, RawRound memory latest, uint256 params) internal pure {
        v.epoch = uint40(feed >> FEED_EPOCH);
        v.round = latest.roundId;
        v.updatedAt = uint40(latest.updatedAt); // ≤ MAX_ROUND_TIME (`_volRound`)
        v.answer = uint256(latest.answer); // positive (`_volRound`)
        // a first chain starts from no information, σ = σ_ref (≤ 100 [wad], far below
        // MAX_VARIANCE); a restart keeps what was learnt
        if (v.variance == 0) v.variance = uint96(_refVariance(uint64(params >> PARAMS_VOL_REF)));
    }

    /// @dev σ_ref² [wad], rounded up: σ_ref ≤ MAX_VOL_REF < 2^64, so the product cannot overflow.
    function _refVariance(uint256 volRef_) internal pure returns (uint256) {
        unchecked {
            return Math.ceilDiv(volRef_ * volRef_, WAD);
        }
    }

    /// @dev Round `id` of the feed whose words are `feed`, `bounds`, usable for volatility (see
    /// `_volRound`).
    function _roundAt(uint256 feed, uint256 bounds, uint80 id)
        internal
        view
        returns (bool ok, uint80 roundId, uint256 answer, uint256 updatedAt)
    {
        return _volRound(feed, bounds, _callRound(address(uint160(feed)), false, id), id, false);
    }

    /// @dev A round of the feed whose words are `feed`, `bounds`, as read (`raw`: round `id`, or
    /// the latest when `latest`), usable for volatility: readable, positive, complete, inside
    /// the price bounds and not from the future (nor after MAX_ROUND_TIME).
    function _volRound(uint256 feed, uint256 bounds, RawRound memory raw, uint80 id, bool latest)
        internal
        view
        returns (bool ok, uint80 roundId, uint256 answer, uint256 updatedAt)
    {
        if (!raw.readable) return (false, 0, 0, 0);
        (roundId, updatedAt) = (raw.roundId, raw.updatedAt);
        int256 a = raw.answer;
        uint8 decimals = uint8(feed >> FEED_DECIMALS);
        if (
            a <= 0 || (decimals <= 18 && uint256(a) > type(uint128).max) || updatedAt == 0
                || updatedAt > block.timestamp || updatedAt > MAX_ROUND_TIME
        ) {
            return (false, roundId, 0, 0);
        }
        if (raw.answeredInRound < roundId || (!latest && roundId != id)) return (false, roundId, 0, 0);
        uint256 price = _toWad(uint256(a), decimals);
        if (price < uint128(bounds) || price > bounds >> 128) return (false, roundId, 0, 0);
        return (true, roundId, uint256(a), updatedAt);
    }

    /// @dev The primary's latest round `latest` is usable for volatility (`_volRound`).
    function _usable(uint256 feed, uint256 bounds, RawRound memory latest) internal view returns (bool ok) {
        (ok,,,) = _volRound(feed, bounds, latest, 0, true);
    }

    /// @inheritdoc IOracleAdapter
    function volatility(address asset) external view returns (uint256) {
        (uint256 feed, uint256 bounds) = _feedWords(_primaryFeeds[asset]);
        return _volatility(asset, feed, bounds, _latestRound(feed));
    }

    /// @dev σ with the pending rounds folded in (read, not written), decayed to now: what `_fold`
    /// and a poke would write, then `_decayedSigma`. With nothing pending (the usual case) the
    /// state's second slot (the answer) is not read; one pending round that follows the chain
    /// is sampled without the memory copy `_fold` works on.
    function _volatility(address asset, uint256 feed, uint256 bounds, RawRound memory latest)
        internal
        view
        returns (uint256)
    {
        uint256 params = _paramsWord();
        VolState storage stored = _volStates[asset];
        uint256 state = _word(stored);
        (uint256 round, uint256 updatedAt, uint256 variance) =
            (uint80(state >> VOL_ROUND), uint40(state >> VOL_UPDATED_AT), state >> VOL_VARIANCE);
        if (!_pending(latest, state, feed)) return _decayedSigma(round, updatedAt, variance, params);
        if (
            latest.roundId == round + 1 && uint40(state) == uint40(feed >> FEED_EPOCH) && round != 0
                && latest.updatedAt >= updatedAt && _usable(feed, bounds, latest)
        ) {
            // one pending round, the next of the chain (what a keeper poking every round
            // leaves): `_fold` would sample just it from `latest`; done here on the stack
            variance = _sampledVariance(
                variance,
                stored.answer,
                updatedAt,
                uint256(latest.answer),
                latest.updatedAt,
                uint32(params >> PARAMS_VOL_TAU)
            );
            return _decayedSigma(latest.roundId, latest.updatedAt, variance, params);
        }
        VolState memory v = _unpackVolState(state, stored.answer);
        uint256[] memory none; // the view records no variances (no allocation)
        _fold(feed, bounds, latest, v, none, params);
        return _decayedSigma(v.round, v.updatedAt, v.variance, params);
    }

    /// @dev σ [wad] of a chain whose last round (`round`, 0: none) was at `updatedAt` with
    /// variance `variance` (≤ MAX_VARIANCE), decayed towards σ_ref over the time since:
    ///
    ///     σ² = σ_ref² + (σ² − σ_ref²)·τ/(τ + t), each side rounded towards the higher variance
    ///
    /// Plain unchecked arithmetic, not Math.mulDiv, exact (tests/forge/OracleFastPath.t.sol): both
    /// variances are below 2^96 (σ_ref² < 2^128 / WAD) and τ below 2^32, so |σ² − σ_ref²|·τ < 2^128.
    function _decayedSigma(uint256 round, uint256 updatedAt, uint256 variance, uint256 params)
        internal
        view
        returns (uint256)
    {
        uint256 volRef_ = uint64(params >> PARAMS_VOL_REF);
        if (round == 0) return volRef_;
        uint256 ref2 = _refVariance(volRef_);
        uint256 tau = uint32(params >> PARAMS_VOL_TAU);
        uint256 span = tau + (block.timestamp > updatedAt ? block.timestamp - updatedAt : 0); // τ + t > 0
        uint256 x;
        unchecked {
            // each side lies between σ² and σ_ref², both below 2^96: x = σ²·WAD < 2^156
            variance = variance >= ref2
                ? ref2 + Math.ceilDiv((variance - ref2) * tau, span)
                : ref2 - (ref2 - variance) * tau / span;
            x = variance * WAD;
        }
        // Math.sqrt(x, Ceil) without its rounding-mode dispatch
        uint256 sigma = Math.sqrt(x);
        return sigma * sigma < x ? sigma + 1 : sigma;
    }

    /// @inheritdoc IOracleAdapter
    function needsPoke(address asset) external view returns (bool) {
        (uint256 feed, uint256 bounds) = _feedWords(_primaryFeeds[asset]);
        (bool ok, uint80 latestId,,) = _volRound(feed, bounds, _latestRound(feed), 0, true);
        uint256 state = _word(_volStates[asset]);
        return ok && (uint40(state) != uint40(feed >> FEED_EPOCH) || uint80(state >> VOL_ROUND) != latestId);
    }

    /// @inheritdoc IOracleAdapter
    function assetState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigma)
    {
        (uint256 feed, uint256 bounds) = _feedWords(_primaryFeeds[asset]);
        RawRound memory latest = _latestRound(feed); // one read for the price and the fold
        (priced, low, high) = _priceRange(asset, strict, feed, bounds, latest);
        sigma = _volatility(asset, feed, bounds, latest);
    }

    /// @inheritdoc IOracleAdapter
    function baseState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigmaRef)
    {
        (uint256 feed, uint256 bounds) = _feedWords(_primaryFeeds[asset]);
        (priced, low, high) = _priceRange(asset, strict, feed, bounds, _latestRound(feed));
        sigmaRef = _params.volRef;
    }

    /// @dev The price range from the primary's words and latest round (and the secondary when
    /// one is configured); `priced` false when no feed is valid, or with `strict` the fault's
    /// revert.
    function _priceRange(address asset, bool strict, uint256 feed, uint256 bounds, RawRound memory latest)
        internal
        view
        returns (bool priced, uint256 low, uint256 high)
    {
        (PriceStatus status, uint256 p, uint256 s, FeedFault fault, uint256 detail) =
            _resolveWith(asset, feed, bounds, latest);
        if (status == PriceStatus.Invalid) {
            if (strict) _revertFault(asset, fault, detail);
            return (false, 0, 0);
        }
        (low, high) = _range(status, p, s);
        return (true, low, high);
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
    /// @dev A feed's two slots as stored, each read once: `feed` (aggregator, decimals, heartbeat,
    /// the primary's bookkeeping) and `bounds` (minPrice low, maxPrice high). Decoded with the
    /// FEED_* offsets where used: copying the struct to memory cost every price read ~350.
    function _feedWords(Feed storage f) internal view returns (uint256 feed, uint256 bounds) {
        assembly ("memory-safe") {
            feed := sload(f.slot)
            bounds := sload(add(f.slot, 1))
        }
    }

    /// @dev The volatility state's first slot as stored (epoch, round, updatedAt, variance).
    function _word(VolState storage v) internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(v.slot)
        }
    }

    /// @dev `_params`' slot as stored (decoded with the PARAMS_* offsets).
    function _paramsWord() internal view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(_params.slot)
        }
    }

    /// @dev The volatility state from its first slot `word` and its `answer`.
    function _unpackVolState(uint256 word, uint256 answer) internal pure returns (VolState memory) {
        return VolState(
            uint40(word),
            uint80(word >> VOL_ROUND),
            uint40(word >> VOL_UPDATED_AT),
            uint96(word >> VOL_VARIANCE),
            answer
        );
    }

    /// @dev Primary and secondary prices [wad] and the status they imply. When Invalid, `fault`
    /// and `detail` describe the primary's failure (the one a user is told about).
    function _resolve(address asset)
        internal
        view
        returns (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail)
    {
        (uint256 feed, uint256 bounds) = _feedWords(_primaryFeeds[asset]);
        return _resolveWith(asset, feed, bounds, _latestRound(feed));
    }

    /// @dev `_resolve` with the primary feed's words and its latest round already read.
    function _resolveWith(address asset, uint256 feed, uint256 bounds, RawRound memory primaryLatest)
        internal
        view
        returns (PriceStatus status, uint256 primary, uint256 secondary, FeedFault fault, uint256 detail)
    {
        (primary, fault, detail) = _validate(feed, bounds, primaryLatest);
        // the secondary's slots are read only when one is configured; without one the primary decides
        if (uint8(feed >> FEED_HAS_SECONDARY) == 0) {
            return (fault == FeedFault.None ? PriceStatus.Valid : PriceStatus.Invalid, primary, 0, fault, detail);
        }
        FeedFault secondaryFault;
        (secondary, secondaryFault,) = _read(_secondaryFeeds[asset]);
        status = _status(fault == FeedFault.None, secondaryFault == FeedFault.None, primary, secondary);
    }

    /// @dev The status of an asset with a secondary feed, from which of its feeds are valid.
    function _status(bool primaryOk, bool secondaryOk, uint256 primary, uint256 secondary)
        internal
        view
        returns (PriceStatus)
    {
        if (primaryOk && secondaryOk) {
            uint256 lo = Math.min(primary, secondary);
            uint256 hi = Math.max(primary, secondary);
            // relative difference measured against the lower price, rounded up: a tie at the
            // threshold is not a deviation, anything above it is
            bool deviates = Math.mulDiv(hi - lo, WAD, lo, Math.Rounding.Ceil) > _params.maxDeviation;
            return deviates ? PriceStatus.Deviating : PriceStatus.Valid;
        }
        if (primaryOk) return PriceStatus.Valid;
        if (secondaryOk) return PriceStatus.Fallback;
        return PriceStatus.Invalid;
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

    /// @dev Calls `latestRoundData()` (`latest`) or `getRoundData(id)` of `aggregator` and decodes
    /// it, never reverting: no aggregator, a revert, short return data or a uint80 field out of
    /// range all read as not readable. All gas is forwarded, as a high-level call would; only
    /// the five words decoded are copied, into scratch memory past the free pointer.
    function _callRound(address aggregator, bool latest, uint80 id) internal view returns (RawRound memory raw) {
        if (aggregator == address(0)) return raw;
        bytes4 selector = latest ? IAggregatorV3.latestRoundData.selector : IAggregatorV3.getRoundData.selector;
        bool ok;
        uint256 r;
        int256 a;
        uint256 t;
        uint256 air;
        assembly ("memory-safe") {
            // a value narrower than a word may carry dirty high bits here: the id is masked, the
            // flag tested with iszero, and CALL itself uses only an address's low 160 bits
            let ptr := mload(0x40)
            mstore(ptr, selector) // left-aligned; the bits after it are overwritten or not sent
            mstore(add(ptr, 4), and(id, 0xffffffffffffffffffff))
            // calldata: the selector alone (4 bytes), or with the round id (36)
            ok := staticcall(gas(), aggregator, ptr, add(4, mul(32, iszero(latest))), ptr, 160)
            ok := and(ok, iszero(lt(returndatasize(), 160)))
            r := mload(ptr)
            a := mload(add(ptr, 32))
            t := mload(add(ptr, 96))
            air := mload(add(ptr, 128))
        }
        if (!ok || r > type(uint80).max || air > type(uint80).max) return raw;
        (raw.readable, raw.roundId, raw.answer, raw.updatedAt, raw.answeredInRound) =
        (true, uint80(r), a, t, uint80(air));
    }

    /// @dev The latest round of the feed whose first word is `feed` (not readable when no feed is
    /// configured).
    function _latestRound(uint256 feed) internal view returns (RawRound memory) {
        return _callRound(address(uint160(feed)), true, 0);
    }

    /// @dev Validates a feed's latest round. Never reverts, whatever the aggregator does.
    function _read(Feed storage f) internal view returns (uint256 price, FeedFault fault, uint256 detail) {
        (uint256 feed, uint256 bounds) = _feedWords(f);
        return _validate(feed, bounds, _latestRound(feed));
    }

    /// @dev Validates `raw`, the latest round of the feed whose words are `feed`, `bounds`, as a
    /// price.
    function _validate(uint256 feed, uint256 bounds, RawRound memory raw)
        internal
        view
        returns (uint256 price, FeedFault fault, uint256 detail)
    {
        if (address(uint160(feed)) == address(0)) return (0, FeedFault.NotConfigured, 0);
        if (!raw.readable) return (0, FeedFault.Reverted, 0);
        (int256 answer, uint256 updatedAt) = (raw.answer, raw.updatedAt);
        // detail keeps the answer's bits; `_revertFault` turns them back into the int256
        if (answer <= 0) return (0, FeedFault.NonPositive, uint256(answer));
        if (updatedAt == 0 || raw.answeredInRound < raw.roundId) return (0, FeedFault.IncompleteRound, raw.roundId);
        // an answer from the future is as untrustworthy as a stale one
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > uint32(feed >> FEED_HEARTBEAT)) {
            return (0, FeedFault.Stale, updatedAt);
        }
        // the scaling must not overflow: with <= 18 decimals the price is >= the answer, so an
        // answer above 2^128 - 1 is above any maxPrice anyway; dividing cannot overflow
        uint8 decimals = uint8(feed >> FEED_DECIMALS);
        if (decimals <= 18 && uint256(answer) > type(uint128).max) {
            return (0, FeedFault.OutOfBounds, uint256(answer));
        }
        price = _toWad(uint256(answer), decimals);
        if (price < uint128(bounds) || price > bounds >> 128) return (0, FeedFault.OutOfBounds, price);
        return (price, FeedFault.None, 0);
    }

    /// @dev Scales an answer with `decimals` to WAD, rounding down (a price is a value).
    function _toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        // decimals ≤ MAX_FEED_DECIMALS: the power is at most 10^18, and the callers refuse an
        // answer above 2^128 − 1 of ≤ 18 decimals first, so nothing overflows (unchecked, the
        // power is one EXP; checked, a helper costing ~500 per price)
        unchecked {
            if (decimals <= 18) return answer * 10 ** (18 - decimals);
            return answer / 10 ** (decimals - 18);
        }
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
