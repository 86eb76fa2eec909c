// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ILendingPool, AccountState, AccountStatus, MarketSnapshot} from "../../interfaces/ILendingPool.sol";
import {AccountRisk} from "./AccountRisk.sol";
import {PoolSlots} from "./PoolSlots.sol";

/// @title AccountReader
/// @notice An account's `AccountState` computed outside the pool, from the pool's public reads
/// (`accountMeta`, `collateralOf`, `debtInAuctionOf`) and a snapshot of every
/// listed slot (`pool.marketSnapshot()`), by the pool's own arithmetic (`AccountRisk`). Used by
/// `PoolLens`, the liquidators (after `prepareKick`) and the lab's previews, so the pool carries
/// no derived view.
library AccountReader {
    using AccountRisk for AccountRisk.Valuation;

    /// @dev Never reverts on a price: when one the account needs is invalid, `priceOk` is false
    /// and HF, call level, status and the liquidation point are not meaningful (0, 0, Healthy, 0).
    /// `v` is scratch space, rewritten (a batch passes the same one for every account).
    function stateOf(
        ILendingPool pool,
        address account,
        MarketSnapshot memory snap,
        uint256 baseScale,
        AccountRisk.Valuation memory v
    ) internal view returns (AccountState memory s) {
        writeRisk(s, pool, account, snap, baseScale, v);
        if (s.liveAuctions != 0) s.debtInAuction = pool.debtInAuctionOf(account);
        uint256 held = s.assetsIn;
        uint256 sole = held != 0 && held & (held - 1) == 0 && v.priceOk
            ? pool.collateralOf(account, snap.asset[Math.log2(held)])
            : 0;
        _writePoint(s, v, snap, sole);
    }

    /// @dev `stateOf` for every account of `list`, the state of `list[i]` written at memory
    /// address `first + i · stride` (zeroed), from two raw batch reads of the pool's books
    /// (`PoolSlots`, `pool.extSloads`) instead of three calls per account: first each account's
    /// meta word and normalised debt, then its balance of each listed asset it holds and, with
    /// live auctions, its debt in auction. Between the two the normalised debt waits in `debt`.
    function writeStates(
        uint256 first,
        uint256 stride,
        ILendingPool pool,
        address[] calldata list,
        MarketSnapshot memory snap,
        uint256 baseScale,
        AccountRisk.Valuation memory v
    ) internal view {
        uint256 listed;
        for (uint256 j; j < 8; ++j) {
            if (snap.asset[j] != address(0)) ++listed;
        }
        // round 2 needs at most listed + 1 words per account, round 1 two
        uint256 buf = PoolSlots.newBatch(list.length * (listed > 1 ? listed + 1 : 2));
        _readMeta(buf, first, stride, pool, list);
        PoolSlots.read(pool, buf, _queueBooks(buf, first, stride, list, snap));
        uint256 k;
        AccountState memory s = _pointer(); // pointed at each state in turn
        for (uint256 i; i < list.length; ++i) {
            uint256 at = first + i * stride;
            assembly ("memory-safe") {
                s := at
            }
            k = _value(s, buf, k, snap, baseScale, v);
        }
    }

    /// @dev Round 1: each account's meta into its state, its normalised debt into `debt`.
    function _readMeta(uint256 buf, uint256 first, uint256 stride, ILendingPool pool, address[] calldata list)
        private
        view
    {
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            PoolSlots.put(buf, 2 * i, PoolSlots.entry(PoolSlots.META, list[i]));
            PoolSlots.put(buf, 2 * i + 1, PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, list[i]));
        }
        PoolSlots.read(pool, buf, 2 * n);
        AccountState memory s = _pointer();
        for (uint256 i; i < n; ++i) {
            uint256 at = first + i * stride;
            assembly ("memory-safe") {
                s := at
            }
            uint256 inAuction;
            (s.callDeadline, s.liveAuctions, s.assetsIn, inAuction) = PoolSlots.decodeMeta(PoolSlots.get(buf, 2 * i));
            if (s.liveAuctions != 0) s.debtInAuction = inAuction;
            s.debt = PoolSlots.get(buf, 2 * i + 1);
        }
    }

    /// @dev Round 2's slots, in the order `_value` consumes them; returns their number.
    function _queueBooks(
        uint256 buf,
        uint256 first,
        uint256 stride,
        address[] calldata list,
        MarketSnapshot memory snap
    ) private pure returns (uint256 k) {
        AccountState memory s = _pointer();
        for (uint256 i; i < list.length; ++i) {
            uint256 at = first + i * stride;
            assembly ("memory-safe") {
                s := at
            }
            address account = list[i];
            for ((uint256 held, uint256 j) = (s.assetsIn, 0); held >> j != 0; ++j) {
                if ((held >> j) & 1 != 0 && snap.asset[j] != address(0)) {
                    PoolSlots.put(buf, k++, PoolSlots.balance(account, snap.asset[j]));
                }
            }
        }
    }

    /// @dev Values one account from its round-2 words from `k` on; returns the next `k`.
    function _value(
        AccountState memory s,
        uint256 buf,
        uint256 k,
        MarketSnapshot memory snap,
        uint256 baseScale,
        AccountRisk.Valuation memory v
    ) private view returns (uint256) {
        v.startStatus(s.debt, baseScale, snap);
        uint256 held = s.assetsIn;
        uint256 sole;
        for (uint256 j; held >> j != 0; ++j) {
            if ((held >> j) & 1 != 0 && snap.asset[j] != address(0)) {
                sole = PoolSlots.get(buf, k++);
                if (sole != 0) v.addStatusHolding(snap, j, sole);
            }
        }
        _writeRisk(s, v, snap);
        _writePoint(s, v, snap, held != 0 && held & (held - 1) == 0 ? sole : 0);
        return k;
    }

    /// @dev The liquidation drop and, for an account holding `sole` of one collateral (else 0),
    /// its liquidation price. `v` valued, `s` risk written.
    function _writePoint(
        AccountState memory s,
        AccountRisk.Valuation memory v,
        MarketSnapshot memory snap,
        uint256 sole
    ) private pure {
        if (!v.priceOk) return;
        s.liquidationDrop = v.liquidationDrop();
        if (sole != 0) s.liquidationPrice = v.liquidationPrice(snap, Math.log2(s.assetsIn), sole);
    }

    /// @dev A struct variable to point at states in place (inline assembly: a function that
    /// returns a struct allocates one, 14 words, at every call, and memory is charged by the
    /// square of its size).
    function _pointer() private pure returns (AccountState memory s) {}

    /// @dev Writes into `s` what a kick reads (a liquidator, after `prepareKick`): values, HF,
    /// call level, status, `priceOk`, the live deadline, live auctions and assets in; debt in
    /// auction and the liquidation point are left as they are. Exactly the pool's own ladder at
    /// `snap`. Leaves `v` valued.
    function writeRisk(
        AccountState memory s,
        ILendingPool pool,
        address account,
        MarketSnapshot memory snap,
        uint256 baseScale,
        AccountRisk.Valuation memory v
    ) internal view {
        uint256 normalizedDebt;
        (s.callDeadline, s.liveAuctions, s.assetsIn, normalizedDebt) = pool.accountMeta(account);
        v.startStatus(normalizedDebt, baseScale, snap);
        addHoldings(v, pool, account, s.assetsIn, snap);
        _writeRisk(s, v, snap);
    }

    /// @dev The valued fields of `s` from `v` (started and holdings added), with its deadline.
    function _writeRisk(AccountState memory s, AccountRisk.Valuation memory v, MarketSnapshot memory snap)
        private
        view
    {
        s.debt = v.debt;
        s.collateralValue = v.collateralValue;
        s.liquidationValue = v.liquidationValue;
        s.debtValue = v.debtValue;
        s.priceOk = v.priceOk;
        if (!v.priceOk) return;
        s.healthFactor = v.hf();
        s.callLevel = v.callLevel(snap);
        // `AccountRisk.status`, with the HF and call level just computed
        bool pastDeadline = s.callDeadline != 0 && block.timestamp > s.callDeadline;
        s.status = s.debt == 0
            ? AccountStatus.Healthy
            : AccountRisk.ladder(s.healthFactor, s.callLevel, snap.market.marginCallHF, pastDeadline);
    }

    /// @dev Adds to `v` (started by `AccountRisk.startStatus`) the account's collateral in the
    /// slots of `held` (its `assetsIn`) at `snap`: with the start, what the pool's `_valuation`
    /// computes from storage, less the opening fields, which no reader of this library uses.
    function addHoldings(
        AccountRisk.Valuation memory v,
        ILendingPool pool,
        address account,
        uint256 held,
        MarketSnapshot memory snap
    ) internal view {
        for (uint256 i; held != 0; ++i) {
            address asset = snap.asset[i];
            bool skip = held & 1 == 0 || asset == address(0);
            held >>= 1;
            if (skip) continue;
            uint256 amount = pool.collateralOf(account, asset);
            if (amount != 0) v.addStatusHolding(snap, i, amount);
        }
    }
}
