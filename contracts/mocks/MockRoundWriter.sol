// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockAggregator} from "./MockAggregator.sol";

/// @title MockRoundWriter
/// @notice Test helper: writes many rounds of `MockAggregator`s in one transaction, each with
/// its own timestamp, so volatility tests control every Δt exactly and stay fast.
contract MockRoundWriter {
    error LengthMismatch();

    /// @notice Writes rounds `firstId`, `firstId + 1`, ... with `answers[i]` at `times[i]`,
    /// each complete (answeredInRound = roundId).
    function writeRounds(MockAggregator feed, uint80 firstId, int256[] calldata answers, uint256[] calldata times)
        external
    {
        if (answers.length != times.length) revert LengthMismatch();
        for (uint256 i; i < answers.length; ++i) {
            uint80 id = firstId + uint80(i);
            feed.setRound(id, answers[i], times[i], id);
        }
    }

    /// @notice Re-posts every feed's latest answer as a new round now (keeps feeds fresh
    /// across a time jump in one transaction).
    function refresh(MockAggregator[] calldata feeds) external {
        for (uint256 i; i < feeds.length; ++i) {
            (, int256 answer,,,) = feeds[i].latestRoundData();
            feeds[i].setPrice(answer);
        }
    }

    /// @notice Two rounds now: `answer · (10,000 − downBps) / 10,000`, then `answer` again, where
    /// `answer` is the latest. The price ends where it was; the volatility estimator sees two
    /// large returns.
    function whipsaw(MockAggregator feed, uint256 downBps) external {
        (, int256 answer,,,) = feed.latestRoundData();
        feed.setPrice(answer * int256(10_000 - downBps) / 10_000);
        feed.setPrice(answer);
    }
}
