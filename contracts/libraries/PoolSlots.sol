// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILendingPool} from "../../interfaces/ILendingPool.sol";

/// @title PoolSlots
/// @notice Where `LendingPool` keeps an account's books in storage, and a batch of raw reads of
/// them through `pool.extSloads` (one call for a whole batch instead of three per account).
/// @dev The slot numbers are the pool's storage layout (`forge inspect LendingPool
/// storageLayout`); tests/forge/PoolSlots.t.sol fails if a variable moves.
library PoolSlots {
    uint256 internal constant NORMALIZED_DEBT = 5; // mapping(address => uint256) normalizedDebtOf
    uint256 internal constant BALANCES = 7; // mapping(address => mapping(address => uint256)) _balances
    uint256 internal constant META = 8; // mapping(address => AccountMeta) _meta (debt in auction included)

    /// @dev The slot of `mapping[key]` for the mapping at `base`.
    function entry(uint256 base, address key) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, key)
            mstore(0x20, base)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @dev The slot of `_balances[account][asset]`.
    function balance(address account, address asset) internal pure returns (bytes32 slot) {
        bytes32 inner = entry(BALANCES, account);
        assembly ("memory-safe") {
            mstore(0x00, asset)
            mstore(0x20, inner)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @dev The fields of an `AccountMeta` word (uint40 deadline, uint40 lapse, uint32 live
    /// auctions, uint8 assets in, uint128 debt in auction), with the deadline as
    /// `marginCallDeadline` reports it (0 once the call has lapsed).
    function decodeMeta(uint256 word)
        internal
        view
        returns (uint256 callDeadline, uint256 liveAuctions, uint256 assetsIn, uint256 debtInAuction)
    {
        callDeadline = uint40(word);
        uint256 lapsesAt = uint40(word >> 40);
        if (block.timestamp >= lapsesAt) callDeadline = 0; // `_isLive`
        liveAuctions = uint32(word >> 80);
        assetsIn = uint8(word >> 112);
        debtInAuction = uint128(word >> 120);
    }

    /// @dev A buffer of `capacity` slots laid out as the call `extSloads(bytes32[])` and, after
    /// `read`, its answer: words 0–1 hold the selector and the array offset, word 2 the length,
    /// then the slots, which `read` overwrites with their values.
    function newBatch(uint256 capacity) internal pure returns (uint256 buf) {
        bytes4 selector = ILendingPool.extSloads.selector;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, mul(add(capacity, 3), 0x20)))
            mstore(buf, shr(224, selector))
            mstore(add(buf, 0x20), 0x20)
        }
    }

    function put(uint256 buf, uint256 i, bytes32 slot) internal pure {
        assembly ("memory-safe") {
            mstore(add(buf, mul(add(i, 3), 0x20)), slot)
        }
    }

    function get(uint256 buf, uint256 i) internal pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := mload(add(buf, mul(add(i, 3), 0x20)))
        }
    }

    /// @dev Replaces the first `n` slots of `buf` by the pool's words at them. Bubbles a revert.
    function read(ILendingPool pool, uint256 buf, uint256 n) internal view {
        if (n == 0) return;
        assembly ("memory-safe") {
            mstore(add(buf, 0x40), n)
            // calldata: the selector (last 4 bytes of word 0), offset, length, slots
            if iszero(staticcall(gas(), pool, add(buf, 0x1c), add(0x44, mul(n, 0x20)), 0, 0)) {
                returndatacopy(0, 0, returndatasize())
                revert(0, returndatasize())
            }
            // answer: offset, length (n), words: copied over the call from word 1 on
            if iszero(eq(returndatasize(), add(0x40, mul(n, 0x20)))) { revert(0, 0) }
            returndatacopy(add(buf, 0x20), 0, returndatasize())
        }
    }
}
