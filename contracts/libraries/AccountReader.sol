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

    /// @dev Values the state `s` (its meta and, in `debt`, its normalised debt written) from its
    /// balances, the words of a `PoolSlots` batch `buf` from `k` on, one per listed asset it
    /// holds; returns the next `k`. The exact path of `BatchReader`, for an account whose fast
    /// arithmetic left 256 bits.
    function valueFromBatch(
        AccountState memory s,
        uint256 buf,
        uint256 k,
        MarketSnapshot memory snap,
        uint256 baseScale,
        AccountRisk.Valuation memory v
    ) internal view returns (uint256) {
        v.startStatus(s.debt, baseScale, snap);
        uint256 held = s.assetsIn;
        uint256 sole;
        for (uint256 j; held >> j != 0; ++j) {
            if ((held >> j) & 1 != 0 && snap.asset[j] != address(0)) {
                sole = PoolSlots.get(buf, k++);
                if (sole != 0) v.addStatusHolding(snap, j, sole);
            }
        }
        writeValued(s, v, snap);
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
        writeValued(s, v, snap);
    }

    /// @dev The valued fields of `s` from `v` (started and holdings added), with its deadline:
    /// `writeRisk` after its reads (the liquidator's kick makes them itself, to keep the balances).
    function writeValued(AccountState memory s, AccountRisk.Valuation memory v, MarketSnapshot memory snap)
        internal
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
