// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISharedLock} from "../../interfaces/ISharedLock.sol";

/// @title MockProtocolCaller
/// @notice Test double for a protocol contract that shares the pool's reentrancy lock (wired as
/// the pool's liquidator in the lock tests): it takes the lock, calls into the protocol while
/// holding it, and releases it. Tests only.
contract MockProtocolCaller {
    ISharedLock public immutable pool;

    bool public heldDuringCall; // lockHeld() as seen while this contract held the lock
    bool public innerCallSucceeded; // outcome of the last call made by `probeWhileLocked`
    bytes public innerReturnData; // its return or revert data

    constructor(ISharedLock pool_) {
        pool = pool_;
    }

    /// @notice What the pool and the fund ask of a liquidator: no auction, no pending loss.
    function pendingLoss() external pure returns (uint256) {
        return 0;
    }

    /// @notice Takes the lock, calls `target` with `data`, releases the lock. A revert of the
    /// inner call is bubbled up unchanged, so the caller sees the protocol's own error.
    function callWhileLocked(address target, bytes calldata data) external {
        pool.acquireLock();
        _call(target, data);
        pool.releaseLock();
    }

    /// @notice As `callWhileLocked`, but records the outcome instead of reverting, then releases.
    function probeWhileLocked(address target, bytes calldata data) external {
        pool.acquireLock();
        heldDuringCall = pool.lockHeld();
        (innerCallSucceeded, innerReturnData) = target.call(data);
        pool.releaseLock();
    }

    /// @notice Calls `target` without taking the lock (e.g. a protocol hook, which needs it held).
    function callUnlocked(address target, bytes calldata data) external {
        _call(target, data);
    }

    /// @notice Takes the lock and keeps it after the transaction (a misbehaving protocol contract).
    function acquire() external {
        pool.acquireLock();
    }

    function release() external {
        pool.releaseLock();
    }

    function _call(address target, bytes calldata data) internal {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
