// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAggregatorV3} from "../../interfaces/IAggregatorV3.sol";

/// @title MockAggregator
/// @notice A Chainlink-compatible feed whose rounds are set by hand, with any `decimals`.
/// `setPrice` opens a new complete round now; `setRound` writes any round as it is (stale,
/// incomplete, negative, from the future); `setReverting` makes every read revert.
contract MockAggregator is IAggregatorV3 {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
        uint80 answeredInRound;
    }

    error RoundNotFound(uint80 roundId);
    error FeedDown();

    uint8 public immutable decimals;
    string public description;
    uint80 public latestRound;
    bool public reverting;
    mapping(uint80 => Round) internal _rounds;

    event RoundSet(uint80 indexed roundId, int256 answer, uint256 updatedAt);

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        setPrice(initialAnswer);
    }

    /// @notice Opens round `latestRound + 1` with `answer`, complete and timestamped now.
    function setPrice(int256 answer) public {
        setRound(latestRound + 1, answer, block.timestamp, latestRound + 1);
    }

    /// @notice Writes round `roundId` as given and makes it the latest.
    function setRound(uint80 roundId, int256 answer, uint256 updatedAt, uint80 answeredInRound) public {
        _rounds[roundId] = Round(answer, updatedAt, updatedAt, answeredInRound);
        latestRound = roundId;
        emit RoundSet(roundId, answer, updatedAt);
    }

    function setReverting(bool reverting_) external {
        reverting = reverting_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }

    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        if (reverting) revert FeedDown();
        Round memory r = _rounds[roundId];
        if (r.updatedAt == 0 && r.answer == 0) revert RoundNotFound(roundId);
        return (roundId, r.answer, r.startedAt, r.updatedAt, r.answeredInRound);
    }
}
