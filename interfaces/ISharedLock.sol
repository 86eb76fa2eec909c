// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ISharedLock
/// @notice The pool's reentrancy lock, shared by the liquidator and the insurance fund
/// (DESIGN.md 7): each of their entry points takes it, so none of the three can be entered
/// while one is running.
interface ISharedLock {
    /// @dev A protocol entry point (or `acquireLock`) was entered while the lock is held.
    error Reentrancy();
    /// @dev `caller` is not a protocol contract (the pool's liquidator or insurance fund; for the
    /// pool's liquidation hooks, not its liquidator): it may not take the lock or call a hook.
    error NotProtocolContract(address caller);
    /// @dev `releaseLock` or a protocol hook was called while the lock is not held.
    error LockNotHeld();

    /// @notice At the pool's construction, once for its liquidator and once for its fund: `target`
    /// may take the lock and call the hooks from now on (`oldAllowed` false, `newAllowed` true).
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
