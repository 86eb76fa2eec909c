// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISharedLock} from "../interfaces/ISharedLock.sol";

/// @title SharedReentrancyLock
/// @notice The one reentrancy lock of the protocol (DESIGN.md 7). The pool holds it; the
/// liquidator and the insurance fund take the same lock through `acquireLock`/`releaseLock`
/// at each of their entry points, so while any of the three runs, nothing outside can enter
/// any of them (in particular not from a take callback or a token's transfer hook).
/// @dev Hand-written because OpenZeppelin's `ReentrancyGuard` keeps its flag private to one
/// contract and cannot be shared; its transient variant is out under the Shanghai target.
/// Calls the three contracts make to each other go through hooks that accept only a protocol
/// contract, and only while the lock is held (`_requireLockHeld`; the pool's liquidator hooks).
/// The inheriting contract keeps the flag (`_locked`, `_setLocked`): the pool keeps it in a
/// storage word its entry points read and write anyway, so the lock costs no slot of its own.
/// That word must never be zero, so taking the lock never writes a slot from zero.
abstract contract SharedReentrancyLock is ISharedLock {
    modifier nonReentrant() {
        _enterLock();
        _;
        _setLocked(false);
    }

    /// @inheritdoc ISharedLock
    function acquireLock() external {
        if (!isProtocolContract(msg.sender)) revert NotProtocolContract(msg.sender);
        _enterLock();
    }

    /// @inheritdoc ISharedLock
    function releaseLock() external {
        if (!isProtocolContract(msg.sender)) revert NotProtocolContract(msg.sender);
        _requireLockHeld();
        _setLocked(false);
    }

    /// @inheritdoc ISharedLock
    function lockHeld() external view returns (bool) {
        return _locked();
    }

    /// @notice Contracts of the protocol (liquidator, insurance fund) allowed to take the lock
    /// and to call the hooks: fixed at construction by the inheriting contract.
    function isProtocolContract(address target) public view virtual returns (bool);

    /// @dev For cross-contract hooks: reverts unless a protocol entry point holds the lock.
    function _requireLockHeld() internal view {
        if (!_locked()) revert LockNotHeld();
    }

    function _enterLock() private {
        if (_locked()) revert Reentrancy();
        _setLocked(true);
    }

    /// @dev Whether the lock is held (false at construction).
    function _locked() internal view virtual returns (bool);

    function _setLocked(bool held) internal virtual;
}
