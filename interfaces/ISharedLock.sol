// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISharedLock
/// @notice The pool's reentrancy lock, shared by the liquidator and the insurance fund
/// (DESIGN.md 7): each of their entry points takes it, so none of the three can be entered
/// while one is running.
interface ISharedLock {
    error Reentrancy();
    error NotProtocolContract(address caller);
    error LockNotHeld();

    event ProtocolContractSet(address indexed target, bool oldAllowed, bool newAllowed);

    /// @notice Takes the lock for a protocol contract's entry point (reverts `Reentrancy` if held).
    function acquireLock() external;
    /// @notice Releases the lock taken with `acquireLock`.
    function releaseLock() external;
    /// @notice True while any protocol entry point is running.
    function lockHeld() external view returns (bool);
    /// @notice Contracts allowed to take the lock and call the protocol hooks.
    function isProtocolContract(address target) external view returns (bool);
}
