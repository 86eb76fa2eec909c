// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockGovernance} from "../../contracts/mocks/MockGovernance.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {IAggregatorV3} from "../../interfaces/IAggregatorV3.sol";
import {PriceStatus} from "../../interfaces/IOracleAdapter.sol";
import {OracleFastPathHarness} from "./harness/OracleFastPathHarness.sol";

/// @notice The adapter's read path (`assetState`, `baseState`, `volatility`) decodes its storage
/// words itself, computes without Math.mulDiv where no product can overflow, and samples the one
/// pending round a keeper leaves on the stack. Pinned here, differentially:
/// - the arithmetic, against the Math.mulDiv forms it replaced, over each input's whole domain
///   (answers below 2^188, variances of 96 bits, σ_ref and τ of their fields, 40-bit times);
/// - the decoding, against the getters the compiler's struct layout serves;
/// - the stack-sampled pending round, against what a poke folds and writes.
contract OracleFastPathTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    uint256 internal constant MAX_RETURN = 10e18;
    uint256 internal constant MAX_VARIANCE = type(uint96).max;
    uint256 internal constant MAX_ANSWER = (uint256(1) << 188) - 1; // above any usable answer
    uint256 internal constant MAX_TIME = type(uint40).max; // MAX_ROUND_TIME
    uint256 internal constant START = 1_700_000_000; // [unix seconds]

    address internal governor = makeAddr("governor");
    address internal keeper = makeAddr("keeper");
    address internal asset = makeAddr("asset");
    OracleFastPathHarness internal oracle;

    function setUp() public {
        vm.warp(START);
        oracle = new OracleFastPathHarness(new MockGovernance(governor));
    }

    // ================================================================ the Math.mulDiv forms
    function _sampledVarianceMulDiv(
        uint256 variance,
        uint256 previous,
        uint256 previousAt,
        uint256 p,
        uint256 t,
        uint256 tau
    ) internal pure returns (uint256) {
        uint256 r = Math.min(Math.mulDiv(p > previous ? p - previous : previous - p, WAD, previous), MAX_RETURN);
        uint256 r2Year = Math.mulDiv(r * r, YEAR, WAD, Math.Rounding.Ceil);
        uint256 v = Math.mulDiv(tau * variance + r2Year, 1, tau + (t - previousAt), Math.Rounding.Ceil);
        return Math.min(v, MAX_VARIANCE);
    }

    function _decayedSigmaMulDiv(uint256 updatedAt, uint256 variance, uint256 volRef, uint256 tau)
        internal
        view
        returns (uint256)
    {
        uint256 ref2 = Math.mulDiv(volRef, volRef, WAD, Math.Rounding.Ceil);
        uint256 t = block.timestamp > updatedAt ? block.timestamp - updatedAt : 0;
        uint256 v = variance >= ref2
            ? ref2 + Math.mulDiv(variance - ref2, tau, tau + t, Math.Rounding.Ceil)
            : ref2 - Math.mulDiv(ref2 - variance, tau, tau + t);
        return Math.sqrt(v * WAD, Math.Rounding.Ceil);
    }

    // ================================================================ arithmetic, differentially
    function testFuzz_sampledVariance_equalsTheMulDivForm(
        uint96 variance,
        uint256 previous,
        uint256 p,
        uint256 previousAt,
        uint256 dt,
        uint256 tau
    ) public view {
        previous = bound(previous, 1, MAX_ANSWER);
        p = bound(p, 1, MAX_ANSWER);
        previousAt = bound(previousAt, 0, MAX_TIME);
        uint256 t = previousAt + bound(dt, 0, MAX_TIME - previousAt);
        tau = bound(tau, 1, type(uint32).max);
        assertEq(
            oracle.sampledVariance(variance, previous, previousAt, p, t, tau),
            _sampledVarianceMulDiv(variance, previous, previousAt, p, t, tau)
        );
    }

    /// @dev Returns of a feed's usual size (within ±`maxMoveBps`), where the rounding matters.
    function testFuzz_sampledVariance_equalsTheMulDivForm_smallMoves(
        uint96 variance,
        uint256 previous,
        uint256 moveBps,
        bool down,
        uint256 dt,
        uint256 tau
    ) public view {
        previous = bound(previous, 1, MAX_ANSWER / 2);
        uint256 move = Math.mulDiv(previous, bound(moveBps, 0, 10_000), 10_000);
        uint256 p = down ? previous - move : previous + move;
        if (p == 0) p = 1;
        uint256 t = START + bound(dt, 0, 30 days);
        tau = bound(tau, 1 minutes, 30 days);
        assertEq(
            oracle.sampledVariance(variance, previous, START, p, t, tau),
            _sampledVarianceMulDiv(variance, previous, START, p, t, tau)
        );
    }

    function testFuzz_decayedSigma_equalsTheMulDivForm(
        uint96 variance,
        uint64 volRef,
        uint32 tau,
        uint256 updatedAt,
        uint256 now_
    ) public {
        vm.assume(volRef > 0 && tau > 0);
        now_ = bound(now_, 0, MAX_TIME);
        updatedAt = bound(updatedAt, 0, MAX_TIME);
        vm.warp(now_);
        assertEq(
            oracle.decayedSigma(updatedAt, variance, volRef, tau), _decayedSigmaMulDiv(updatedAt, variance, volRef, tau)
        );
    }

    /// @dev Variances near σ_ref², where both sides of the decay and the square root's rounding meet.
    function testFuzz_decayedSigma_equalsTheMulDivForm_nearVolRef(
        uint256 offset,
        bool below,
        uint64 volRef,
        uint32 tau,
        uint256 t
    ) public {
        volRef = uint64(bound(volRef, 1, 10e18));
        tau = uint32(bound(tau, 1 minutes, 30 days));
        uint256 ref2 = Math.mulDiv(volRef, volRef, WAD, Math.Rounding.Ceil);
        offset = bound(offset, 0, ref2 / 4 + 1_000);
        uint256 variance = below ? (offset > ref2 ? 0 : ref2 - offset) : ref2 + offset;
        t = bound(t, 0, 365 days);
        vm.warp(START + t);
        assertEq(
            oracle.decayedSigma(START, uint96(variance), volRef, tau), _decayedSigmaMulDiv(START, variance, volRef, tau)
        );
    }

    function testFuzz_toWad_equalsTheCheckedForm(uint256 answer, uint8 decimals) public view {
        decimals = uint8(bound(decimals, 0, 36));
        // the callers refuse an answer above 2^128 − 1 before scaling one of ≤ 18 decimals
        if (decimals <= 18) answer = bound(answer, 0, type(uint128).max);
        uint256 expected = decimals <= 18 ? answer * 10 ** (18 - decimals) : answer / 10 ** (decimals - 18);
        assertEq(oracle.toWad(answer, decimals), expected);
    }

    // ================================================================ the words decode as the getters
    function testFuzz_words_decodeAsTheGetters(
        uint8 decimals,
        uint8 decimals2,
        uint256 heartbeat,
        uint256 minPrice,
        uint256 maxPrice,
        uint256 volRef,
        uint256 tau,
        uint256 rounds
    ) public {
        decimals = uint8(bound(decimals, 0, 36));
        decimals2 = uint8(bound(decimals2, 0, 36));
        heartbeat = bound(heartbeat, 1 minutes, 7 days);
        // bounds around $1, the primary's answer: the poke starts a chain
        maxPrice = bound(maxPrice, WAD + 1, type(uint128).max);
        minPrice = bound(minPrice, 1, WAD);
        volRef = bound(volRef, 1, 10e18);
        tau = bound(tau, 1 minutes, 30 days);
        rounds = bound(rounds, 1, 64);
        MockAggregator primary = new MockAggregator(decimals, "primary", int256(10 ** decimals));
        MockAggregator secondary = new MockAggregator(decimals2, "secondary", 1);
        vm.startPrank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(primary)), heartbeat, minPrice, maxPrice);
        oracle.setFeed(asset, false, IAggregatorV3(address(secondary)), 7 days, 1, type(uint128).max);
        oracle.setVolatilityParams(volRef, tau, rounds);
        vm.stopPrank();
        vm.prank(keeper);
        oracle.poke(asset);

        _assertDecodedFeed(true);
        _assertDecodedFeed(false);
        _assertDecodedVolState(address(primary));
        (uint64 volRef_, uint32 tau_, uint8 rounds_) = oracle.decodedParams();
        assertEq(volRef_, oracle.volRef(), "volRef");
        assertEq(tau_, oracle.volTau(), "volTau");
        assertEq(rounds_, oracle.maxRoundsPerPoke(), "maxRoundsPerPoke");
        _assertSwitchAndDetach(secondary, heartbeat, minPrice, maxPrice);
    }

    /// @dev A new primary aggregator bumps the epoch; detaching the secondary clears the flag.
    function _assertSwitchAndDetach(MockAggregator next, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
        internal
    {
        (,,, uint40 epoch,,,,) = oracle.decodedFeed(asset, true);
        vm.startPrank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(next)), heartbeat, minPrice, maxPrice);
        oracle.detachSecondary(asset);
        vm.stopPrank();
        (,,, uint40 nextEpoch, bool hasSecondary,,,) = oracle.decodedFeed(asset, true);
        assertEq(nextEpoch, epoch + 1, "epoch bumped");
        assertFalse(hasSecondary, "hasSecondary cleared");
        _assertDecodedFeed(true);
    }

    function _assertDecodedVolState(address primary) internal view {
        (address feed, uint80 round, uint64 updatedAt,, uint256 variance) = oracle.volState(asset);
        (uint40 epoch, uint80 round_, uint40 updatedAt_, uint96 variance_) = oracle.decodedVolState(asset);
        (,,, uint40 feedEpoch, bool hasSecondary,,,) = oracle.decodedFeed(asset, true);
        assertTrue(hasSecondary, "hasSecondary");
        assertEq(feed, primary, "the chain is the primary's");
        assertEq(epoch, feedEpoch, "epoch");
        assertEq(round_, round, "round");
        assertEq(updatedAt_, updatedAt, "updatedAt");
        assertEq(variance_, variance, "variance");
    }

    function _assertDecodedFeed(bool primary) internal view {
        (address aggregator, uint8 decimals, uint32 heartbeat,,, uint8 status, uint256 minPrice, uint256 maxPrice) =
            oracle.decodedFeed(asset, primary);
        (IAggregatorV3 a, uint8 d, uint32 h, uint256 lo, uint256 hi) =
            primary ? oracle.primaryFeed(asset) : oracle.secondaryFeed(asset);
        assertEq(aggregator, address(a), "aggregator");
        assertEq(decimals, d, "decimals");
        assertEq(heartbeat, h, "heartbeat");
        assertEq(minPrice, lo, "minPrice");
        assertEq(maxPrice, hi, "maxPrice");
        if (primary) assertEq(status, uint8(oracle.lastStatus(asset)), "lastStatus");
    }

    function test_words_decodeTheLastStatus() public {
        MockAggregator feed = new MockAggregator(8, "feed", 100e8);
        vm.prank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(feed)), 1 hours, 1e18, 1_000e18);
        feed.setPrice(-1); // invalid: the poke records it
        vm.prank(keeper);
        oracle.poke(asset);
        assertEq(uint8(oracle.lastStatus(asset)), uint8(PriceStatus.Invalid));
        _assertDecodedFeed(true);
    }

    // ================================================================ the view folds as a poke writes
    /// @dev After a history of poked rounds, `pending` new rounds (0 to 3; now and then one
    /// stamped before the chain's last, which restarts it): the σ the read path returns equals
    /// the σ after a poke has folded and written the same rounds (`_fold`, then nothing pending).
    function testFuzz_viewSigma_equalsThePokedSigma(uint256 seed, uint256 history, uint256 pending, uint256 wait)
        public
    {
        MockAggregator feed = new MockAggregator(8, "feed", 3_000e8);
        vm.prank(governor);
        oracle.setFeed(asset, true, IAggregatorV3(address(feed)), 7 days, 1e18, 1e24);
        vm.prank(keeper);
        oracle.poke(asset);
        history = bound(history, 0, 12);
        pending = bound(pending, 0, 3);
        for (uint256 i; i < history + pending; ++i) {
            seed = uint256(keccak256(abi.encode(seed)));
            vm.warp(block.timestamp + seed % 2 hours); // a quarter of the gaps are short, some zero
            (, int256 last,,,) = feed.latestRoundData();
            uint256 answer = Math.mulDiv(uint256(last), 5_000 + (seed >> 128) % 10_000, 10_000) + 1;
            if (i >= history && (seed >> 64) % 8 == 0) {
                // a round stamped before the chain's last: the fold restarts without a sample
                uint80 id = feed.latestRound() + 1;
                feed.setRound(id, int256(answer), block.timestamp - 3 hours, id);
            } else {
                feed.setPrice(int256(answer));
            }
            if (i < history) {
                vm.prank(keeper);
                oracle.poke(asset);
            }
        }
        vm.warp(block.timestamp + bound(wait, 0, 3 days));
        (,,, uint256 sigma) = oracle.assetState(asset, false);
        uint256 viewed = oracle.volatility(asset);
        vm.prank(keeper);
        oracle.poke(asset);
        assertEq(sigma, viewed, "assetState and volatility");
        assertEq(sigma, oracle.volatility(asset), "the view before the poke, the stored state after");
        assertFalse(oracle.needsPoke(asset), "all folded");
    }
}
