// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAggregatorV3
/// @notice The Chainlink `AggregatorV3Interface` subset that the oracle adapter reads.
/// @dev Warning: `answer` is in the feed's own `decimals()`; a round is complete only when
/// `updatedAt != 0` and `answeredInRound >= roundId`.
interface IAggregatorV3 {
    /// @notice Decimals of `answer`; cached by the adapter when the feed is set.
    function decimals() external view returns (uint8);

    /// @notice A label of the feed (e.g. "ETH / USD"); the protocol never reads it.
    function description() external view returns (string memory);

    /// @notice The latest round: its id, the answer, when it started and when it was updated
    /// [unix seconds], and the round whose answer it carries.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Round `roundId`, as `latestRoundData` (read by the volatility estimator).
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
