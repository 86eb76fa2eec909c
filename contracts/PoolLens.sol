// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILendingPool, AccountState, MarketSnapshot} from "../interfaces/ILendingPool.sol";

/// @title PoolLens
/// @notice Batched, read-only view of many accounts for keepers and UIs (DESIGN.md 9): for each
/// account its debt, debt in auction, live auctions, collateral value, health factor, effective
/// call level, status, call deadline, a `priceOk` flag and its liquidation price (for several
/// collaterals, the uniform percentage fall that makes HF 1).
/// @dev Prices, parameters and volatilities are read once per call (`pool.accountStates` takes
/// one snapshot) and every account is evaluated by the pool's own ladder, so the lens holds no
/// risk logic. One bad price never reverts the batch: that account's `priceOk` is false.
/// Serves 500 accounts within the 16,777,216 gas cap of one transaction (`make bench`).
contract PoolLens {
    ILendingPool public immutable pool;

    constructor(ILendingPool pool_) {
        pool = pool_;
    }

    /// @notice The state of every account in `list` (same order), at one market snapshot.
    function accounts(address[] calldata list) external view returns (AccountState[] memory, MarketSnapshot memory) {
        (bool ok, bytes memory answer) = address(pool).staticcall(abi.encodeCall(ILendingPool.accountStates, (list)));
        // The pool's answer is already ABI-encoded as this function's return value: forward it
        // as it is. Decoding and re-encoding 500 structs would spend ~1.5M gas on memory alone.
        assembly ("memory-safe") {
            switch ok
            case 0 { revert(add(answer, 32), mload(answer)) }
            default { return(add(answer, 32), mload(answer)) }
        }
    }
}
