// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PoolLens} from "../PoolLens.sol";

/// @title MockLensCaller
/// @notice Test helper: calls `PoolLens.accounts` inside a transaction, so a test can prove the
/// batch fits a transaction's gas limit (the view itself is normally an eth_call). The answer is
/// not decoded: only its size and the number of accounts in it are kept.
contract MockLensCaller {
    error LensReverted();

    uint256 public lastCount; // accounts in the last answer
    uint256 public lastGasUsed; // [gas] spent by the `lens.accounts` call, its answer's copy included

    function read(PoolLens lens, address[] calldata list) external {
        uint256 before = gasleft();
        (bool ok, bytes memory answer) = address(lens).staticcall(abi.encodeCall(PoolLens.accounts, (list)));
        lastGasUsed = before - gasleft();
        if (!ok) revert LensReverted();
        // (AccountState[] states, MarketSnapshot snap): the first word is the offset of `states`,
        // whose first word is its length
        uint256 n;
        assembly ("memory-safe") {
            n := mload(add(add(answer, 32), mload(add(answer, 32))))
        }
        lastCount = n;
    }
}
