// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {ILendingPool, AccountState, MarketSnapshot} from "../interfaces/ILendingPool.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {AccountRisk} from "./libraries/AccountRisk.sol";
import {AccountReader} from "./libraries/AccountReader.sol";
import {BatchReader} from "./libraries/BatchReader.sol";
import {SharesMath} from "./libraries/SharesMath.sol";

/// @title PoolLens
/// @notice Read-only views of accounts for keepers and UIs (DESIGN.md 9): for each account its
/// debt, debt in auction, live auctions, collateral value, health factor, effective call level,
/// status, call deadline, a `priceOk` flag and its liquidation price (for several collaterals,
/// the uniform percentage fall that makes HF 1).
/// @dev The pool keeps only the reads its own checks need (DESIGN.md 11: derived reads live in
/// the lens, so `LendingPool` stays under 22,000 bytes). The lens takes one snapshot of every
/// listed slot per call (`pool.marketSnapshot()`: prices, parameters and volatilities read once)
/// and values each account from the pool's books (`accounts`: two raw `pool.extSloads` reads
/// for the batch, `PoolSlots`, valued on the stack by `BatchReader`; the single reads: the pool's
/// getters) with the pool's own arithmetic (`AccountRisk`'s formulas; the batch hands an account
/// past its 2¹²⁰ bound to them), so it agrees with the pool to the wei and holds no risk logic of
/// its own.
/// One bad price never reverts the batch: that account's `priceOk` is false. Serves 500
/// accounts within the 16,777,216 gas cap of one transaction (`make bench`). Nothing calls it.
contract PoolLens {
    using AccountRisk for AccountRisk.Valuation;

    ILendingPool public immutable pool;
    IOracleAdapter internal immutable oracle;
    uint256 internal immutable BASE_SCALE; // 10 ** base decimals
    uint256 internal constant STATE_BYTES = 14 * 32; // an AccountState: 14 one-word fields

    constructor(ILendingPool pool_) {
        pool = pool_;
        oracle = pool_.config().oracle();
        BASE_SCALE = 10 ** IERC20Metadata(address(pool_.baseToken())).decimals();
    }

    /// @notice The state of every account in `list` (same order), at one market snapshot.
    /// @dev Each state is written where the answer returns it (`_answer`): no second copy of 500
    /// states, no encoding pass. Memory is charged by the square of its size; the copy cost
    /// ~1,000,000 gas at 500 accounts.
    function accounts(address[] calldata list) external view returns (AccountState[] memory, MarketSnapshot memory) {
        MarketSnapshot memory snap = pool.marketSnapshot();
        (bytes memory answer, uint256 first) = _answer(snap, list.length);
        BatchReader.writeStates(first, STATE_BYTES, pool, list, snap, BASE_SCALE);
        assembly ("memory-safe") {
            return(add(answer, 0x20), mload(answer))
        }
    }

    /// @dev The ABI encoding of `(AccountState[] states, snap)` with `n` zeroed states, and the
    /// memory address of the first. The encoding is the offset of `states`, the snapshot, the
    /// array's length, then each state as its 14 words in field order, which is also how
    /// Solidity lays an `AccountState` out in memory: a state written at its place in the
    /// answer is encoded. `abi.encode` of an empty array ends with its length (0) and nothing
    /// is allocated after it, so the states are appended there.
    function _answer(MarketSnapshot memory snap, uint256 n) private pure returns (bytes memory answer, uint256 first) {
        AccountState memory empty;
        assert(abi.encode(empty).length == STATE_BYTES); // every field one word (a compile-time fact)
        answer = abi.encode(new AccountState[](0), snap);
        assembly ("memory-safe") {
            let lengthWord := sub(add(add(answer, 0x20), mload(answer)), 0x20)
            mstore(lengthWord, n)
            first := add(lengthWord, 0x20)
            let size := mul(n, STATE_BYTES)
            calldatacopy(first, calldatasize(), size) // zeroes: reading past calldata gives 0
            mstore(answer, add(mload(answer), size))
            mstore(0x40, add(first, size))
        }
    }

    /// @notice The account's state; never reverts on a price (see `AccountState.priceOk`).
    function accountState(address account) external view returns (AccountState memory) {
        AccountRisk.Valuation memory v;
        return AccountReader.stateOf(pool, account, pool.marketSnapshot(), BASE_SCALE, v);
    }

    /// @notice Value of an account's supply shares at book value [base units], rounded down.
    function supplyBalanceOf(address account) external view returns (uint256) {
        return SharesMath.toAssetsDown(pool.supplySharesOf(account), pool.supplierAssets(), pool.totalSupplyShares());
    }

    /// @notice What withdrawing all of an account's supply would pay now: book value less its
    /// share of the known loss no reserve or fund absorbs (`pool.supplierHaircut`; interest as
    /// of the last accrual), the price `pool.withdraw` applies.
    function withdrawableOf(address account) external view returns (uint256) {
        return SharesMath.toAssetsDown(
            pool.supplySharesOf(account), pool.supplierAssets() - pool.supplierHaircut(), pool.totalSupplyShares()
        );
    }

    /// @notice The account's effective margin-call level callHF_eff [wad] (DESIGN.md 3).
    /// Reverts with the oracle's named error when the base price or a price of a collateral
    /// the account holds is invalid, as the pool's own checks would.
    function effectiveCallHF(address account) external view returns (uint256) {
        MarketSnapshot memory snap = pool.marketSnapshot();
        if (!snap.basePriced) oracle.priceRange(address(pool.baseToken()));
        uint256 held = pool.assetsIn(account);
        for (uint256 i; held >> i != 0; ++i) {
            if ((held >> i) & 1 != 0 && !snap.priced[i]) oracle.priceRange(snap.asset[i]);
        }
        AccountState memory s;
        AccountRisk.Valuation memory v;
        AccountReader.writeRisk(s, pool, account, snap, BASE_SCALE, v);
        return s.callLevel;
    }
}
