// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A feed that answers `decimals()` correctly but returns too few bytes from
/// `latestRoundData()` (a broken or wrongly upgraded aggregator, or a non-feed contract).
contract ShortReturnFeed {
    uint8 public constant decimals = 8;

    fallback() external {
        // one word instead of the five the interface promises
        bytes memory out = abi.encode(uint256(1));
        assembly {
            return(add(out, 32), mload(out))
        }
    }
}

/// @notice A feed whose `latestRoundData()` returns five words, but a `roundId` wider than the
/// interface's uint80 (dirty high bits), which Solidity's ABI decoder rejects.
contract OverwideRoundFeed {
    uint8 public constant decimals = 8;

    fallback() external {
        bytes memory out =
            abi.encode(uint256(1) << 100, int256(3000e8), block.timestamp, block.timestamp, uint256(1) << 100);
        assembly {
            return(add(out, 32), mload(out))
        }
    }
}
