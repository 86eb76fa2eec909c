// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {MockGovernance} from "../../contracts/mocks/MockGovernance.sol";
import {InitialFeed} from "../../interfaces/IOracleAdapter.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {IAggregatorV3} from "../../interfaces/IAggregatorV3.sol";
import {IOracleAdapter, PriceStatus, FeedFault} from "../../interfaces/IOracleAdapter.sol";
import {ShortReturnFeed, OverwideRoundFeed} from "./harness/MisbehavingFeeds.sol";

/// @notice OracleAdapter (DESIGN.md 6): decimals normalisation to WAD, the heartbeat window,
/// the deviation rule between primary and secondary, and `tryPriceRange` never reverting.
contract OracleAdapterTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_DEVIATION = 0.02e18; // demo
    uint256 internal constant HEARTBEAT = 1 hours;
    uint256 internal constant START = 1_700_000_000; // [unix seconds]
    uint256 internal constant MAX_BOUND = type(uint128).max; // setFeed's ceiling for maxPrice
    // volatility estimator (demo; not under test here): σ_ref 60 %, τ 1 day, 16 rounds a poke
    uint256 internal constant VOL_REF = 0.6e18;
    uint256 internal constant VOL_TAU = 1 days;
    uint256 internal constant MAX_ROUNDS = 16;

    address internal governor = makeAddr("governor");
    address internal asset = makeAddr("asset");
    OracleAdapter internal oracle;

    function setUp() public {
        vm.warp(START);
        oracle = new OracleAdapter(
            new MockGovernance(governor), MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS, new InitialFeed[](0)
        );
    }

    // ================================================================ helpers
    function _feed(uint8 decimals, int256 answer) internal returns (MockAggregator) {
        return new MockAggregator(decimals, "feed", answer);
    }

    function _setFeed(bool primary, IAggregatorV3 feed, uint256 heartbeat, uint256 minPrice, uint256 maxPrice)
        internal
    {
        vm.prank(governor);
        oracle.setFeed(asset, primary, feed, heartbeat, minPrice, maxPrice);
    }

    /// @dev Independent scaling: a price p [wad] from an answer a with d decimals satisfies
    /// p · 10^d = a · 10^18 when d ≤ 18, and p = ⌊a / 10^(d − 18)⌋ when d > 18.
    function _expectedWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals <= 18) return answer * 10 ** (18 - decimals);
        return answer / 10 ** (decimals - 18);
    }

    // ================================================================ decimals
    /// @dev Every decimals 0..36 and every positive answer up to 2^128: the price is the answer
    /// scaled to WAD (rounded down), or refused as out of bounds when the scaled price leaves
    /// [1, 2^128 − 1] (the widest bounds setFeed accepts). Answers above 2^128 with more than
    /// 18 decimals: see `test_decimals_highDecimalFeedReadsInBoundPrice`.
    function testFuzz_decimals_normalisedToWad(uint8 decimals, uint256 answer) public {
        decimals = uint8(bound(decimals, 0, 36));
        // half the runs: a plausible price of 1..1e12 whole units written in the feed's decimals
        if (answer % 2 == 0 && decimals <= 26) answer = bound(answer, 1, 1e12) * 10 ** decimals;
        else answer = bound(answer, 1, MAX_BOUND);
        MockAggregator feed = _feed(decimals, int256(answer));
        _setFeed(true, feed, HEARTBEAT, 1, MAX_BOUND);

        (uint256 price, FeedFault fault,) = oracle.readFeed(asset, true);
        uint256 expected = _expectedWad(answer, decimals);
        if (expected == 0 || expected > MAX_BOUND) {
            assertEq(uint8(fault), uint8(FeedFault.OutOfBounds), "out-of-bounds price accepted");
            assertEq(price, 0);
            return;
        }
        assertEq(uint8(fault), uint8(FeedFault.None), "in-bounds price refused");
        assertEq(price, expected, "wrong scaling");
        if (decimals <= 18) {
            assertEq(price * 10 ** decimals, answer * WAD, "not exact for <= 18 decimals");
        } else {
            uint256 unit = 10 ** (decimals - 18);
            assertLe(price * unit, answer, "rounded up");
            assertGt((price + 1) * unit, answer, "rounded down by a whole wad unit");
        }
        assertEq(oracle.getPrice(asset), price, "getPrice differs from readFeed");
    }

    function test_decimals_commonFeeds() public {
        _setFeed(true, _feed(8, 3000e8), HEARTBEAT, 1, MAX_BOUND);
        assertEq(oracle.getPrice(asset), 3000e18, "8 decimals");
        _setFeed(true, _feed(18, 3000e18), HEARTBEAT, 1, MAX_BOUND);
        assertEq(oracle.getPrice(asset), 3000e18, "18 decimals");
        _setFeed(true, _feed(0, 3000), HEARTBEAT, 1, MAX_BOUND);
        assertEq(oracle.getPrice(asset), 3000e18, "0 decimals");
        _setFeed(true, _feed(24, 3000e24 + 999_999), HEARTBEAT, 1, MAX_BOUND);
        assertEq(oracle.getPrice(asset), 3000e18, "24 decimals round down");
    }

    /// @dev BUG (reported): setFeed accepts feeds of up to 36 decimals, but `_read` refuses any
    /// answer above 2^128 − 1 before scaling, so a 36-decimal feed cannot report more than
    /// ~$340 (a 33-decimal one more than ~$340,000) although the scaled price is in bounds and
    /// dividing cannot overflow. Here a 36-decimal feed reporting $1,000 reads as OutOfBounds.
    function test_decimals_highDecimalFeedReadsInBoundPrice() public {
        _setFeed(true, _feed(36, 1000e36), HEARTBEAT, 1e18, 1_000_000e18);
        (uint256 price, FeedFault fault,) = oracle.readFeed(asset, true);
        assertEq(uint8(fault), uint8(FeedFault.None), "in-bounds $1,000 from a 36-decimal feed refused");
        assertEq(price, 1000e18);
    }

    function testFuzz_decimals_above36Refused(uint8 decimals) public {
        decimals = uint8(bound(decimals, 37, type(uint8).max));
        MockAggregator feed = _feed(decimals, 1);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadFeedDecimals.selector, decimals));
        _setFeed(true, feed, HEARTBEAT, 1, MAX_BOUND);
    }

    // ================================================================ validity window
    /// @dev A round is valid up to and including `heartbeat` seconds old, stale one second later.
    function testFuzz_heartbeat_validAtHeartbeatStaleOneSecondLater(uint256 heartbeat, uint256 price) public {
        heartbeat = bound(heartbeat, 1 minutes, 7 days);
        price = bound(price, 1, 1e12);
        MockAggregator feed = _feed(8, int256(price * 1e8));
        _setFeed(true, feed, heartbeat, 1, MAX_BOUND);
        uint256 updatedAt = block.timestamp;

        vm.warp(updatedAt + heartbeat);
        assertEq(oracle.getPrice(asset), price * WAD, "invalid at exactly heartbeat");
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Valid));

        vm.warp(updatedAt + heartbeat + 1);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Invalid), "valid after heartbeat");
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.StalePrice.selector, asset, updatedAt));
        oracle.getPrice(asset);
        (bool ok,,) = oracle.tryPriceRange(asset);
        assertFalse(ok, "tryPriceRange ok on a stale price");
    }

    function testFuzz_heartbeat_futureRoundIsStale(uint256 ahead) public {
        ahead = bound(ahead, 1, 365 days);
        MockAggregator feed = _feed(8, 3000e8);
        _setFeed(true, feed, HEARTBEAT, 1, MAX_BOUND);
        feed.setRound(2, 3000e8, block.timestamp + ahead, 2);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.StalePrice.selector, asset, block.timestamp + ahead));
        oracle.getPrice(asset);
    }

    function test_stalePrimary_fallsBackToSecondary() public {
        MockAggregator primary = _feed(8, 3000e8);
        MockAggregator secondary = _feed(18, 2990e18);
        _setFeed(true, primary, HEARTBEAT, 1, MAX_BOUND);
        _setFeed(false, secondary, 2 * HEARTBEAT, 1, MAX_BOUND);
        vm.warp(block.timestamp + HEARTBEAT + 1);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Fallback));
        assertEq(oracle.getPrice(asset), 2990e18, "fallback price");
        (uint256 low, uint256 high) = oracle.priceRange(asset);
        assertEq(low, 2990e18);
        assertEq(high, 2990e18);
    }

    // ================================================================ deviation
    /// @dev Reference: two valid prices deviate iff (hi − lo) / lo > maxDeviation, i.e. by
    /// cross-multiplication (hi − lo) · 1e18 > maxDeviation · lo (exact, no rounding).
    function _referenceDeviates(uint256 a, uint256 b, uint256 maxDev) internal pure returns (bool) {
        (uint256 lo, uint256 hi) = a < b ? (a, b) : (b, a);
        return (hi - lo) * WAD > maxDev * lo;
    }

    function _setPair(uint256 primaryPrice, uint256 secondaryPrice) internal {
        _setFeed(true, _feed(18, int256(primaryPrice)), HEARTBEAT, 1, MAX_BOUND);
        _setFeed(false, _feed(18, int256(secondaryPrice)), HEARTBEAT, 1, MAX_BOUND);
    }

    function _setMaxDeviation(uint256 maxDev) internal {
        vm.prank(governor);
        oracle.setMaxDeviation(maxDev);
    }

    function testFuzz_deviation_matchesReferenceAndIsSymmetric(uint256 maxDev, uint256 p1, uint256 p2, int256 nudge)
        public
    {
        maxDev = bound(maxDev, 1, 0.5e18);
        p1 = bound(p1, 1, 1e30);
        // half the runs: p2 within a few wei of the threshold p1 · (1 + maxDev), either side
        if (nudge % 2 == 0) {
            int256 delta = bound(nudge, -3, 3);
            int256 edge = int256(p1 + p1 * maxDev / WAD) + delta;
            p2 = uint256(edge < 1 ? int256(1) : edge);
        } else {
            p2 = bound(p2, 1, 1e30);
        }
        _setMaxDeviation(maxDev);
        bool deviates = _referenceDeviates(p1, p2, maxDev);
        (uint256 lo, uint256 hi) = p1 < p2 ? (p1, p2) : (p2, p1);

        _setPair(p1, p2);
        PriceStatus status = oracle.priceStatus(asset);
        assertEq(uint8(status), uint8(deviates ? PriceStatus.Deviating : PriceStatus.Valid), "differs from reference");
        (uint256 low, uint256 high) = oracle.priceRange(asset);
        if (deviates) {
            assertEq(low, lo, "low end");
            assertEq(high, hi, "high end");
        } else {
            assertEq(low, p1, "agreeing feeds: the primary");
            assertEq(high, p1, "agreeing feeds: the primary");
        }
        assertEq(oracle.getPrice(asset), p1, "getPrice is the primary");

        // the same pair the other way round is classified the same way
        _setPair(p2, p1);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(status), "not symmetric");
    }

    /// @dev A pair exactly maxDeviation apart relative to the lower price is not deviating; one
    /// wei more is. lo = k · 1e18 makes lo · maxDeviation / 1e18 exact.
    function testFuzz_deviation_exactlyAtMaxIsNotDeviating(uint256 maxDev, uint256 k, bool primaryLower) public {
        maxDev = bound(maxDev, 1, 0.5e18);
        k = bound(k, 1, 1e9);
        _setMaxDeviation(maxDev);
        uint256 lo = k * WAD;
        uint256 hi = lo + k * maxDev; // (hi − lo) / lo == maxDev exactly

        if (primaryLower) _setPair(lo, hi);
        else _setPair(hi, lo);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Valid), "deviating at exactly maxDeviation");

        if (primaryLower) _setPair(lo, hi + 1);
        else _setPair(hi + 1, lo);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Deviating), "one wei over not deviating");
        (uint256 low, uint256 high) = oracle.priceRange(asset);
        assertEq(low, lo);
        assertEq(high, hi + 1);
    }

    function test_deviation_demoTwoPercent() public {
        _setPair(1000e18, 1020e18); // +2.0 % of the lower: agree
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Valid));
        _setPair(1020e18, 1000e18);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Valid));
        _setPair(1000e18, 1020e18 + 1); // just over
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Deviating));
    }

    // ================================================================ tryPriceRange never reverts
    struct Round {
        int256 answer;
        uint256 updatedAt;
        uint80 roundId;
        uint80 answeredInRound;
        uint8 decimals;
    }

    /// @dev Recent (up to twice the heartbeat old, or a little in the future), positive in ~90 %
    /// of cases, complete in ~90 %, a price of up to 1e12 whole units.
    function _plausible(Round memory r) internal view {
        r.updatedAt = bound(r.updatedAt, block.timestamp - 2 * HEARTBEAT, block.timestamp + 10);
        r.answer = bound(r.answer, -1e11, 1e12) * int256(10 ** (r.decimals / 2));
        if (r.roundId % 10 != 0) r.answeredInRound = r.roundId;
    }

    function _writeRound(MockAggregator feed, Round memory r) internal {
        feed.setRound(r.roundId, r.answer, r.updatedAt, r.answeredInRound);
    }

    /// @dev A feed in any state: any answer (negative, zero, beyond int128), any timestamp (0,
    /// past, future), any round ids (complete or not), any decimals 0..36; or reverting; or, for
    /// the secondary, absent. `tryPriceRange` never reverts, agrees with `priceRange` and
    /// `getPrice` on whether a price exists, and only returns prices inside the feeds' bounds.
    function testFuzz_tryPriceRange_neverReverts(Round memory p, Round memory s, uint8 mode, uint256 minPrice) public {
        // Incident class: broken oracle answers (stale, non-positive, incomplete, out of bounds, reverting or malformed) must read as "no price", never revert.
        p.decimals = uint8(bound(p.decimals, 0, 36));
        s.decimals = uint8(bound(s.decimals, 0, 36));
        // two thirds of the runs: plausible rounds (recent, mostly positive and complete), so that
        // every combination of valid and invalid feeds is reached; the rest: anything at all
        if (mode % 3 != 0) {
            _plausible(p);
            _plausible(s);
        }
        minPrice = bound(minPrice, 1, 1e18);

        MockAggregator primary = _feed(p.decimals, 1);
        _setFeed(true, primary, HEARTBEAT, minPrice, MAX_BOUND);
        _writeRound(primary, p);
        MockAggregator secondary;
        uint8 secondaryMode = (mode / 3) % 3; // 0 present, 1 absent, 2 reverting
        if (secondaryMode != 1) {
            secondary = _feed(s.decimals, 1);
            _setFeed(false, secondary, HEARTBEAT, minPrice, MAX_BOUND);
            _writeRound(secondary, s);
            if (secondaryMode == 2) secondary.setReverting(true);
        }
        if ((mode / 9) % 4 == 3) primary.setReverting(true);

        (bool ok, uint256 low, uint256 high) = oracle.tryPriceRange(asset);

        bool getPriceOk;
        try oracle.getPrice(asset) returns (uint256 price) {
            getPriceOk = true;
            assertGe(price, low, "getPrice below the range");
            assertLe(price, high, "getPrice above the range");
        } catch {}
        assertEq(ok, getPriceOk, "tryPriceRange and getPrice disagree");

        bool rangeOk;
        try oracle.priceRange(asset) returns (uint256 l, uint256 h) {
            rangeOk = true;
            assertEq(l, low);
            assertEq(h, high);
        } catch {}
        assertEq(ok, rangeOk, "tryPriceRange and priceRange disagree");
        _assertBaseStateAgrees(ok, low, high);

        if (ok) {
            assertLe(low, high, "low > high");
            assertGe(low, minPrice, "below minPrice");
            assertLe(high, MAX_BOUND, "above maxPrice");
        } else {
            assertEq(low, 0);
            assertEq(high, 0);
            assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Invalid));
        }
    }

    /// @dev `baseState` is `tryPriceRange` and `volRef` in one call; strict, it reverts exactly
    /// as `priceRange` does (same error, same arguments).
    function _assertBaseStateAgrees(bool ok, uint256 low, uint256 high) internal view {
        (bool priced, uint256 l, uint256 h, uint256 ref) = oracle.baseState(asset, false);
        assertEq(abi.encode(priced, l, h, ref), abi.encode(ok, low, high, oracle.volRef()), "baseState, not strict");
        (bool strictOk, bytes memory got) =
            address(oracle).staticcall(abi.encodeCall(IOracleAdapter.baseState, (asset, true)));
        (bool rangeOk, bytes memory want) =
            address(oracle).staticcall(abi.encodeCall(IOracleAdapter.priceRange, (asset)));
        assertEq(strictOk, rangeOk, "baseState strict and priceRange disagree");
        if (!strictOk) assertEq(got, want, "the same named error");
        else assertEq(got, abi.encode(true, low, high, oracle.volRef()), "baseState, strict");
    }

    function test_tryPriceRange_bothFeedsReverting() public {
        MockAggregator primary = _feed(8, 3000e8);
        MockAggregator secondary = _feed(8, 3000e8);
        _setFeed(true, primary, HEARTBEAT, 1, MAX_BOUND);
        _setFeed(false, secondary, HEARTBEAT, 1, MAX_BOUND);
        primary.setReverting(true);
        secondary.setReverting(true);
        (bool ok, uint256 low, uint256 high) = oracle.tryPriceRange(asset);
        assertFalse(ok);
        assertEq(low, 0);
        assertEq(high, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.FeedReverted.selector, asset));
        oracle.getPrice(asset);
    }

    function test_tryPriceRange_unconfiguredAsset() public {
        (bool ok,,) = oracle.tryPriceRange(makeAddr("unlisted"));
        assertFalse(ok);
    }

    /// @dev Named errors carry the primary's fault exactly (the answer round-trips through
    /// `detail` as its two's-complement bits).
    function testFuzz_getPrice_nonPositiveAnswerNamed(int256 answer) public {
        answer = bound(answer, type(int256).min, 0);
        MockAggregator feed = _feed(8, 3000e8);
        _setFeed(true, feed, HEARTBEAT, 1, MAX_BOUND);
        feed.setRound(2, answer, block.timestamp, 2);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.NonPositivePrice.selector, asset, answer));
        oracle.getPrice(asset);
    }

    function testFuzz_getPrice_incompleteRoundNamed(uint80 roundId, uint80 answeredInRound) public {
        roundId = uint80(bound(roundId, 2, type(uint80).max));
        answeredInRound = uint80(bound(answeredInRound, 0, roundId - 1));
        MockAggregator feed = _feed(8, 3000e8);
        _setFeed(true, feed, HEARTBEAT, 1, MAX_BOUND);
        feed.setRound(roundId, 3000e8, block.timestamp, answeredInRound);
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.IncompleteRound.selector, asset, roundId));
        oracle.getPrice(asset);
    }

    // BUG (reported): a feed whose `latestRoundData` return data does not decode — fewer than
    // five words, or a uint80 field with high bits set — makes the ABI decoding of `_read`'s
    // `try` fail in the adapter's own frame, where `catch` does not apply, so `tryPriceRange`
    // reverts (and with it `repay` of an account with a live margin call, which snapshots
    // prices through it: DESIGN.md 3 says repay never reverts on the oracle).

    function test_tryPriceRange_shortReturnDataDoesNotRevert() public {
        // Incident class: broken oracle answers (stale, non-positive, incomplete, out of bounds, reverting or malformed) must read as "no price", never revert.
        ShortReturnFeed broken = new ShortReturnFeed();
        _setFeed(true, IAggregatorV3(address(broken)), HEARTBEAT, 1, MAX_BOUND);
        (bool ok,,) = oracle.tryPriceRange(asset);
        assertFalse(ok, "a malformed feed gave a price");
    }

    /// @dev The same decoding in the volatility estimator's fold would make `poke` (and so the
    /// kick and listing, which poke, and every reader of `volatility`) revert on such a feed.
    function test_poke_shortReturnDataDoesNotRevert() public {
        // Incident class: broken oracle answers (stale, non-positive, incomplete, out of bounds, reverting or malformed) must read as "no price", never revert.
        ShortReturnFeed broken = new ShortReturnFeed();
        _setFeed(true, IAggregatorV3(address(broken)), HEARTBEAT, 1, MAX_BOUND);
        oracle.poke(asset);
        assertEq(uint8(oracle.priceStatus(asset)), uint8(PriceStatus.Invalid));
    }

    function test_tryPriceRange_overwideRoundIdDoesNotRevert() public {
        // Incident class: broken oracle answers (stale, non-positive, incomplete, out of bounds, reverting or malformed) must read as "no price", never revert.
        OverwideRoundFeed broken = new OverwideRoundFeed();
        _setFeed(true, IAggregatorV3(address(broken)), HEARTBEAT, 1, MAX_BOUND);
        (bool ok,,) = oracle.tryPriceRange(asset);
        assertFalse(ok, "a malformed feed gave a price");
    }
}
