// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAggregatorV3} from "./IAggregatorV3.sol";

/// @notice What `priceStatus` reports for an asset.
/// Valid: the primary feed is valid and agrees with the secondary (or there is none).
/// Fallback: the primary is invalid, the secondary is valid and used alone.
/// Deviating: both are valid and differ by more than `maxDeviation`.
/// Invalid: no valid price.
enum PriceStatus {
    Valid,
    Fallback,
    Deviating,
    Invalid
}

/// @notice Why a feed's latest round was refused (None = accepted).
enum FeedFault {
    None,
    NotConfigured,
    Reverted,
    NonPositive,
    IncompleteRound,
    Stale,
    OutOfBounds
}

/// @notice Who governs a contract: the market's one governor (MarketConfig's two-step role).
interface IGoverned {
    /// @notice The governor now.
    function governor() external view returns (address);
}

/// @notice A primary feed set at construction (before the market's config exists to govern it).
struct InitialFeed {
    address asset;
    IAggregatorV3 aggregator;
    uint256 heartbeat; // [seconds]
    uint256 minPrice; // [wad]
    uint256 maxPrice; // [wad]
}

/// @title IOracleAdapter
/// @notice Prices every asset of the market in USD per whole token, scaled to WAD (1e18),
/// from a primary Chainlink-style feed and an optional secondary one.
/// @dev A price is valid only if the answer is > 0, from a complete round, not older than the
/// feed's heartbeat, and inside the feed's `[minPrice, maxPrice]` (WAD). An invalid primary
/// falls back to the secondary. When both are valid and differ by more than `maxDeviation`
/// the adapter reports both ends (`low`, `high`) and each caller picks the end its rule needs
/// (DESIGN.md 6): the pool uses the end worse for the borrower to open risk and the end better
/// for the borrower to call or sell.
/// Warning: feeds are trusted to report the asset's USD price; the adapter only rejects
/// answers that are obviously broken, it cannot detect a feed that is wrong but plausible.
interface IOracleAdapter {
    // ---------------------------------------------------------------- errors
    /// @notice The caller is not the market's governor (`governance.governor()`).
    error NotGovernor();
    /// @notice A required address is zero.
    error ZeroAddress();
    /// @notice `asset` has no primary feed: a price read, `poke`, or `setFeed` of a secondary first.
    error NoFeed(address asset);
    /// @notice No valid feed, and the primary's `latestRoundData` reverted or returned malformed data.
    error FeedReverted(address asset);
    /// @notice No valid feed, and the primary answered `answer` ≤ 0.
    error NonPositivePrice(address asset, int256 answer);
    /// @notice No valid feed, and the primary's latest round `roundId` is incomplete (`updatedAt` 0
    /// or `answeredInRound` < `roundId`).
    error IncompleteRound(address asset, uint80 roundId);
    /// @notice No valid feed, and the primary's answer of `updatedAt` [unix seconds] is older than
    /// its heartbeat, or in the future.
    error StalePrice(address asset, uint256 updatedAt);
    /// @notice No valid feed, and the primary's `price` [wad] is outside its [minPrice, maxPrice]
    /// (or, for a raw answer above 2^128 − 1 in ≤ 18 decimals, `price` is that answer).
    error PriceOutOfBounds(address asset, uint256 price);
    /// @notice `setFeed` (or an initial feed) whose aggregator has `decimals` above 36.
    error BadFeedDecimals(uint8 decimals);
    /// @notice `setFeed` (or an initial feed) with `heartbeat` outside [1 minute, 7 days] [seconds].
    error BadHeartbeat(uint256 heartbeat);
    /// @notice `setFeed` (or an initial feed) with `minPrice` 0, `minPrice` ≥ `maxPrice`, or
    /// `maxPrice` above 2^128 − 1 [wad].
    error BadPriceBounds(uint256 minPrice, uint256 maxPrice);
    /// @notice `setMaxDeviation` (or the constructor) with `maxDeviation` 0 or above 0.5 [wad].
    error BadMaxDeviation(uint256 maxDeviation);
    /// @notice `detachSecondary` of an `asset` without a secondary feed.
    error NoSecondary(address asset);
    /// @notice `setVolatilityParams` (or the constructor) with σ_ref 0 or above 10 [wad], τ outside
    /// [1 minute, 30 days] [seconds], or rounds per poke 0 or above 64.
    error BadVolatilityParams();

    // ---------------------------------------------------------------- events
    /// @notice `setFeed` (or an initial feed, `primary`): `feed` is now `asset`'s primary or secondary,
    /// valid up to `heartbeat` [seconds] old and inside [`minPrice`, `maxPrice`] [wad].
    event FeedSet(
        address indexed asset, bool indexed primary, address feed, uint256 heartbeat, uint256 minPrice, uint256 maxPrice
    );
    /// @notice `detachSecondary` removed `feed`, the secondary of `asset`.
    event SecondaryDetached(address indexed asset, address feed);
    /// @notice `setMaxDeviation` (at construction: from 0) [wad].
    event MaxDeviationSet(uint256 oldMaxDeviation, uint256 newMaxDeviation);
    /// @notice `poke` found `asset`'s status `newStatus`, unlike the one it last recorded,
    /// `oldStatus` (Valid before any).
    event PriceStatusChanged(address indexed asset, PriceStatus oldStatus, PriceStatus newStatus);
    /// @notice `setVolatilityParams` (at construction: from 0): σ_ref [wad], τ [seconds] and the
    /// rounds one poke consumes at most, old and new.
    event VolatilityParamsSet(
        uint256 oldVolRef, uint256 newVolRef, uint256 oldTau, uint256 newTau, uint256 oldMaxRounds, uint256 newMaxRounds
    );
    /// @notice A round consumed by the volatility estimator; `variance` is the annualised σ² [wad] after it.
    event VolatilitySampled(address indexed asset, uint80 roundId, uint256 variance);
    /// @notice The estimator's chain of rounds (re)started at `roundId` without a sample: first
    /// read, a primary feed switch, or a round that could not be read (feed phase change).
    event VolatilityChainRestarted(address indexed asset, uint80 roundId);

    // ---------------------------------------------------------------- governance
    /// @notice Where the governor is read: the market's config, so the market has one governor
    /// (handed over in two steps there) and the oracle none of its own (DESIGN.md 11).
    function governance() external view returns (IGoverned);

    /// @notice The market's governor, read from `governance`: the only caller of the setters.
    function governor() external view returns (address);

    /// @notice Sets the primary (`primary` true) or secondary feed of `asset`: a primary is needed
    /// first (`NoFeed`); `heartbeat` [seconds] in [1 minute, 7 days] (`BadHeartbeat`),
    /// 0 < `minPrice` < `maxPrice` ≤ 2^128 − 1 [wad] (`BadPriceBounds`), at most 36 feed decimals
    /// (`BadFeedDecimals`). Governor only (`NotGovernor`). Emits `FeedSet`.
    function setFeed(
        address asset,
        bool primary,
        IAggregatorV3 aggregator,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice
    ) external;

    /// @notice Removes the secondary feed of `asset` at once, ending a lasting disagreement
    /// (`NoSecondary` when none). Governor only (`NotGovernor`). Emits `SecondaryDetached`.
    function detachSecondary(address asset) external;

    /// @notice Sets `maxDeviation` [wad], in (0, 0.5] (`BadMaxDeviation`). Governor only
    /// (`NotGovernor`). Emits `MaxDeviationSet`.
    function setMaxDeviation(uint256 newMaxDeviation) external;

    /// @notice Sets σ_ref [wad] in (0, 10], τ [seconds] in [1 minute, 30 days] and the rounds one
    /// poke consumes, in [1, 64] (`BadVolatilityParams`). Governor only (`NotGovernor`). Emits
    /// `VolatilityParamsSet`.
    function setVolatilityParams(uint256 newVolRef, uint256 newTau, uint256 newMaxRounds) external;

    // ---------------------------------------------------------------- views
    /// @notice The price of one whole `asset` in USD [wad]: the primary's if valid, else the
    /// secondary's. Reverts with the primary's fault (e.g. `StalePrice`) when neither is valid.
    function getPrice(address asset) external view returns (uint256);

    /// @notice Both ends of the price [wad]. `low == high` unless both feeds are valid and deviate.
    /// Reverts like `getPrice` when no feed is valid.
    function priceRange(address asset) external view returns (uint256 low, uint256 high);

    /// @notice As `priceRange`, but never reverts: `ok` is false when no feed is valid
    /// (used by repay and top-up, which must work without a price).
    function tryPriceRange(address asset) external view returns (bool ok, uint256 low, uint256 high);

    /// @notice Valid, Fallback, Deviating or Invalid (see `PriceStatus`).
    function priceStatus(address asset) external view returns (PriceStatus);

    /// @notice True when a primary feed is configured for `asset`.
    function hasFeed(address asset) external view returns (bool);

    /// @notice Max relative difference between two valid feeds before they count as deviating [wad].
    function maxDeviation() external view returns (uint256);

    /// @notice Annualised volatility σ of `asset` [wad] from the primary feed's rounds
    /// (DESIGN.md 3): `sqrt(σ_ref² + (σ² − σ_ref²)·τ/(τ + t))`, t the time since the last round
    /// counted, so the estimate decays back to `volRef` when rounds stop coming. Rounded up.
    /// The rounds posted since the last `poke` are folded in exactly as a poke would consume
    /// them (read, not written): a poke in the same block leaves this value unchanged.
    /// Warning: at most `maxRoundsPerPoke` pending rounds are folded in; the rest count only
    /// after further pokes (keepers poke every asset with a new round, `needsPoke`).
    function volatility(address asset) external view returns (uint256);

    /// @notice The price range and σ of `asset` from one read of its primary feed: what the
    /// pool's snapshot needs per collateral. `priced` false (low = high = 0) when no feed is
    /// valid, or, with `strict`, a revert like `priceRange`'s. `sigma` as `volatility`.
    function assetState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigma);

    /// @notice The price range of `asset` as `tryPriceRange` (with `strict`, a revert like
    /// `priceRange`'s when no feed is valid) and `sigmaRef`, σ_ref as `volRef` returns it: what
    /// the pool's snapshot needs of the base asset and of the market, in one call.
    function baseState(address asset, bool strict)
        external
        view
        returns (bool priced, uint256 low, uint256 high, uint256 sigmaRef);

    /// @notice True when `poke(asset)` would write the volatility estimate now: the primary's
    /// latest round is usable and is not the last one consumed (a new round, or a new feed).
    function needsPoke(address asset) external view returns (bool);

    /// @notice Reference volatility σ_ref [wad]: the estimate with no information, and the level
    /// above which the pool raises its margin-call level.
    function volRef() external view returns (uint256);

    /// @notice τ [seconds]: the volatility estimator's memory.
    function volTau() external view returns (uint256);

    /// @notice The most rounds one `poke` consumes.
    function maxRoundsPerPoke() external view returns (uint256);

    /// @notice The primary feed of `asset` as configured (all zero when none): its aggregator,
    /// decimals, heartbeat [seconds] and price bounds [wad].
    function primaryFeed(address asset)
        external
        view
        returns (IAggregatorV3 aggregator, uint8 decimals, uint32 heartbeat, uint256 minPrice, uint256 maxPrice);

    /// @notice The secondary feed of `asset`, as `primaryFeed` (all zero when none).
    function secondaryFeed(address asset)
        external
        view
        returns (IAggregatorV3 aggregator, uint8 decimals, uint32 heartbeat, uint256 minPrice, uint256 maxPrice);

    /// @notice The price status `poke` last recorded for `asset` (Valid before any).
    function lastStatus(address asset) external view returns (PriceStatus);

    /// @notice The volatility estimator's stored state for `asset` (what the last poke or kick
    /// wrote, without the pending rounds): `feed`, the primary aggregator its chain of rounds
    /// belongs to (zero before the first chain, and after the primary was replaced until a poke
    /// restarts the chain on the new one); `round`, the last round consumed; `updatedAt` [unix
    /// seconds] and `answer` (in the feed's decimals) of that round; `variance`, σ² [wad].
    function volState(address asset)
        external
        view
        returns (address feed, uint80 round, uint64 updatedAt, uint256 answer, uint256 variance);

    /// @notice Reads one feed of `asset` (the primary when `primary`) and says why it is refused,
    /// if it is: `price` [wad] (0 when refused), `fault`, and the error's detail (answer, round or time).
    function readFeed(address asset, bool primary)
        external
        view
        returns (uint256 price, FeedFault fault, uint256 detail);

    // ---------------------------------------------------------------- actions
    /// @notice Permissionless: consumes the primary feed's pending rounds (each once, in order,
    /// at most `maxRoundsPerPoke`) into the volatility estimate, and records the asset's price
    /// status, emitting `PriceStatusChanged` when it differs from the last one recorded. Keepers,
    /// the liquidator's kick and the config's listing call it; the user path only reads the same
    /// fold through `volatility` / `assetState` (DESIGN.md 11).
    /// Warning: volatility never decides whether a position is sold, so a poke can never make
    /// an account Liquidatable.
    function poke(address asset) external;
}
