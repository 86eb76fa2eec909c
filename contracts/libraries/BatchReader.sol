// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ILendingPool, AccountState, AccountStatus, MarketSnapshot} from "../../interfaces/ILendingPool.sol";
import {AccountRisk} from "./AccountRisk.sol";
import {AccountReader} from "./AccountReader.sol";
import {PoolSlots} from "./PoolSlots.sol";

/// @title BatchReader
/// @notice `AccountReader.stateOf` for a whole list of accounts, the states written in place:
/// the pool's books read in two raw batch reads (`PoolSlots`, `pool.extSloads`), each account
/// valued on the stack (inline assembly) by the arithmetic of `AccountRisk`'s status side.
/// @dev Why assembly: `PoolLens.accounts` values 500 accounts in one call (DESIGN.md 11: within
/// 8,000,000 gas), and legacy code generation over the memory `Valuation` and `AccountState`
/// structs cost ~6,800 gas an account more than this. The fast path checks one bound per account
/// (every factor under 2¹²⁰, no divisor 0), under which every product and sum fits in 256 bits;
/// an account past it (none in this protocol's ranges) is valued again by
/// `AccountReader.valueFromBatch`, the Solidity path over `AccountRisk`, which gives the exact
/// result or the same panic. tests/forge/BatchReader.t.sol holds the two paths, and the pool's
/// own views, to the same states.
library BatchReader {
    uint256 private constant WAD = 1e18;
    uint256 private constant RAY = 1e27;

    /// @dev What the valuation reads of the snapshot, one word each, and the scratch of the
    /// account being valued. The assembly reads it by offset: keep the order.
    struct Context {
        uint256 borrowIndex; // 0x000
        uint256 baseLow; // 0x020
        uint256 baseScale; // 0x040
        uint256 basePriced; // 0x060
        uint256 volRef; // 0x080
        uint256 marginCallHF; // 0x0a0
        uint256 volSlope; // 0x0c0
        uint256 maxCallHF; // 0x0e0
        uint256 asset; // 0x100: memory address of snap.asset (address[8])
        uint256 scale; // 0x120: of snap.scale
        uint256 liquidationFactor; // 0x140: of snap.liquidationFactor
        uint256 volatility; // 0x160: of snap.volatility
        uint256 priced; // 0x180: of snap.priced
        uint256 high; // 0x1a0: of snap.high
        uint256 fits; // 0x1c0: 1 until a factor of the account passes the fast path's bound
        uint256 volatilityWeight; // 0x1e0: Σ value·σ of the account
        uint256 sole; // 0x200: the last balance read (the only one of a one-collateral account)
        uint256 soleSlot; // 0x220: its slot · 32
    }

    /// @dev The state of `list[i]` written at memory address `first + i · stride` (zeroed, laid
    /// out as `AccountState`): first each account's meta word and normalised debt, then its
    /// balance of each listed asset it holds, each round one `extSloads` call. Between the two
    /// the normalised debt waits in the state's `debt`.
    function writeStates(
        uint256 first,
        uint256 stride,
        ILendingPool pool,
        address[] calldata list,
        MarketSnapshot memory snap,
        uint256 baseScale
    ) internal view {
        uint256 n = list.length;
        if (n == 0) return;
        uint256 listed;
        for (uint256 j; j < 8; ++j) {
            if (snap.asset[j] != address(0)) ++listed;
        }
        // round 2 needs at most listed words per account, round 1 two
        uint256 buf = PoolSlots.newBatch(n * (listed > 2 ? listed : 2));
        _queueMeta(buf, list);
        PoolSlots.read(pool, buf, 2 * n);
        _readMeta(buf, first, stride, n);
        Context memory ctx = _context(snap, baseScale);
        PoolSlots.read(pool, buf, _queueBooks(buf, first, stride, list, ctx));
        _valueAll(first, stride, n, buf, ctx, snap);
    }

    function _context(MarketSnapshot memory snap, uint256 baseScale) private pure returns (Context memory ctx) {
        ctx.borrowIndex = snap.borrowIndex;
        ctx.baseLow = snap.baseLow;
        ctx.baseScale = baseScale;
        ctx.basePriced = snap.basePriced ? 1 : 0;
        ctx.volRef = snap.volRef;
        ctx.marginCallHF = snap.market.marginCallHF;
        ctx.volSlope = snap.market.volSlope;
        ctx.maxCallHF = snap.market.maxCallHF;
        (address[8] memory asset, uint256[8] memory scale, uint256[8] memory lf) =
            (snap.asset, snap.scale, snap.liquidationFactor);
        (uint256[8] memory vol, bool[8] memory priced, uint256[8] memory high) =
            (snap.volatility, snap.priced, snap.high);
        assembly ("memory-safe") {
            mstore(add(ctx, 0x100), asset)
            mstore(add(ctx, 0x120), scale)
            mstore(add(ctx, 0x140), lf)
            mstore(add(ctx, 0x160), vol)
            mstore(add(ctx, 0x180), priced)
            mstore(add(ctx, 0x1a0), high)
        }
        ctx.fits = 1;
    }

    /// @dev Round 1's slots: each account's meta word, then its normalised debt. A list entry
    /// that is not an address reverts, as reading `list[i]` would.
    function _queueMeta(uint256 buf, address[] calldata list) private pure {
        (uint256 metaBase, uint256 debtBase) = (PoolSlots.META, PoolSlots.NORMALIZED_DEBT);
        assembly ("memory-safe") {
            let w := add(buf, 0x60)
            let end := add(list.offset, shl(5, list.length))
            for { let c := list.offset } lt(c, end) { c := add(c, 0x20) } {
                let account := calldataload(c)
                if shr(160, account) { revert(0, 0) }
                mstore(0x00, account)
                mstore(0x20, metaBase)
                mstore(w, keccak256(0x00, 0x40))
                mstore(0x20, debtBase)
                mstore(add(w, 0x20), keccak256(0x00, 0x40))
                w := add(w, 0x40)
            }
        }
    }

    /// @dev Round 1's answer: each account's meta into its state, its normalised debt into `debt`.
    function _readMeta(uint256 buf, uint256 first, uint256 stride, uint256 n) private view {
        uint256 end = first + n * stride;
        for (uint256 s = first; s < end; s += stride) {
            uint256 word;
            uint256 debt;
            assembly ("memory-safe") {
                buf := add(buf, 0x40) // two words an account: `PoolSlots.get(buf, 2i)` and `(buf, 2i + 1)`
                word := mload(add(buf, 0x20))
                debt := mload(add(buf, 0x40))
            }
            (uint256 deadline, uint256 live, uint256 held, uint256 inAuction) = PoolSlots.decodeMeta(word);
            assembly ("memory-safe") {
                mstore(s, debt)
                mstore(add(s, 0xe0), deadline) // callDeadline
                if live {
                    mstore(add(s, 0x120), inAuction) // debtInAuction
                    mstore(add(s, 0x140), live) // liveAuctions
                }
                mstore(add(s, 0x160), held) // assetsIn
            }
        }
    }

    /// @dev Round 2's slots, `_balances[account][asset]` of each listed asset an account holds,
    /// in the order `_holdings` consumes them; returns their number.
    function _queueBooks(uint256 buf, uint256 first, uint256 stride, address[] calldata list, Context memory ctx)
        private
        pure
        returns (uint256 k)
    {
        uint256 balancesBase = PoolSlots.BALANCES;
        assembly ("memory-safe") {
            let assets := mload(add(ctx, 0x100))
            let w := add(buf, 0x60)
            let s := first
            let end := add(list.offset, shl(5, list.length))
            for { let c := list.offset } lt(c, end) {
                c := add(c, 0x20)
                s := add(s, stride)
            } {
                let held := mload(add(s, 0x160))
                if held {
                    mstore(0x00, calldataload(c))
                    mstore(0x20, balancesBase)
                    mstore(0x20, keccak256(0x00, 0x40)) // _balances[account]
                    for { let o := assets } held {
                        held := shr(1, held)
                        o := add(o, 0x20)
                    } {
                        let asset := mload(o)
                        if and(and(held, 1), iszero(iszero(asset))) {
                            mstore(0x00, asset)
                            mstore(w, keccak256(0x00, 0x40))
                            w := add(w, 0x20)
                        }
                    }
                }
            }
            k := shr(5, sub(w, add(buf, 0x60)))
        }
    }

    /// @dev Values each account from round 2's words; an account whose arithmetic left 256
    /// bits is valued again by the Solidity path.
    function _valueAll(
        uint256 first,
        uint256 stride,
        uint256 n,
        uint256 buf,
        Context memory ctx,
        MarketSnapshot memory snap
    ) private view {
        uint256 k;
        uint256 ctxAt;
        assembly ("memory-safe") {
            ctxAt := ctx
        }
        uint256 end = first + n * stride;
        for (uint256 at = first; at < end; at += stride) {
            uint256 normalizedDebt;
            assembly ("memory-safe") {
                normalizedDebt := mload(at)
            }
            uint256 next = _holdings(ctxAt, buf, k, at);
            _risk(ctxAt, at);
            uint256 fits;
            assembly ("memory-safe") {
                fits := mload(add(ctxAt, 0x1c0))
            }
            if (fits == 0) {
                ctx.fits = 1;
                _valueExact(at, normalizedDebt, buf, k, snap, ctx.baseScale);
            }
            k = next;
        }
    }

    /// @dev The debt side and the holdings (`AccountRisk.startStatus`, `addStatusHolding`) of the
    /// state at `at`, its balances the words of `buf` from `k` on: writes debt, collateral,
    /// liquidation and debt values and `priceOk`, keeps Σ value·σ and the last balance in `ctx`.
    /// Returns the next `k`. Every factor is checked below 2¹²⁰ (OR-ed into `wide`, one test at
    /// the end): then each product fits in 256 bits, and so does each sum of at most 8 of them.
    // slither-disable-start divide-before-multiply
    // value is rounded down before its factor and σ apply, as `AccountRisk.addStatusHolding` does
    function _holdings(uint256 ctx, uint256 buf, uint256 k, uint256 at) private pure returns (uint256 next) {
        assembly ("memory-safe") {
            next := k
            let wide := 0
            {
                // debt = ⌈normalisedDebt · index / RAY⌉, debtValue = ⌈debt · baseLow / baseScale⌉
                let x := mload(at)
                let y := mload(ctx)
                wide := or(wide, or(x, y))
                let p := mul(x, y)
                x := add(div(p, RAY), iszero(iszero(mod(p, RAY))))
                mstore(at, x)
                y := mload(add(ctx, 0x20))
                wide := or(wide, or(x, y))
                p := mul(x, y)
                y := mload(add(ctx, 0x40)) // baseScale: 0 (never) divides by zero in the Solidity path
                x := add(div(p, y), iszero(iszero(mod(p, y))))
                mstore(add(at, 0x60), x)
                wide := or(wide, or(x, shl(128, iszero(y)))) // debtValue: the drop and the price multiply it
            }
            mstore(add(at, 0x100), mload(add(ctx, 0x60))) // priceOk: the base priced
            mstore(add(ctx, 0x200), 0)
            let cv := 0
            let lv := 0
            let vw := 0
            let held := mload(add(at, 0x160))
            for { let o := 0 } held {
                held := shr(1, held)
                o := add(o, 0x20)
            } {
                if and(held, 1) {
                    if mload(add(mload(add(ctx, 0x100)), o)) {
                        let amount := mload(add(buf, shl(5, add(next, 3))))
                        next := add(next, 1)
                        mstore(add(ctx, 0x200), amount)
                        mstore(add(ctx, 0x220), o)
                        if amount {
                            if iszero(mload(add(mload(add(ctx, 0x180)), o))) { mstore(add(at, 0x100), 0) }
                            // value = ⌊amount · high / scale⌋ (a scale of 0, never listed, as above)
                            let y := mload(add(mload(add(ctx, 0x1a0)), o))
                            wide := or(wide, or(amount, y))
                            let value := mul(amount, y)
                            y := mload(add(mload(add(ctx, 0x120)), o))
                            value := div(value, y)
                            wide := or(wide, or(value, shl(128, iszero(y))))
                            cv := add(cv, value)
                            // liquidation value += ⌊value · lf / WAD⌋, weight += value · σ
                            y := mload(add(mload(add(ctx, 0x140)), o))
                            lv := add(lv, div(mul(value, y), WAD))
                            let sigma := mload(add(mload(add(ctx, 0x160)), o))
                            vw := add(vw, mul(value, sigma))
                            wide := or(wide, or(y, sigma))
                        }
                    }
                }
            }
            if shr(120, wide) { mstore(add(ctx, 0x1c0), 0) }
            mstore(add(at, 0x20), cv)
            mstore(add(at, 0x40), lv)
            mstore(add(ctx, 0x1e0), vw)
        }
    }

    // slither-disable-end divide-before-multiply

    /// @dev HF, call level, status and the liquidation point (`AccountRisk.hf`, `callLevel`,
    /// `ladder`, `liquidationDrop`, `liquidationPrice`) of the state at `at`, valued by
    /// `_holdings`; nothing more when a price it needs is invalid. With `_holdings`'s bound
    /// (collateral and liquidation values under 2¹²³·WAD, debt value and σ under 2¹²⁰) only the
    /// market's slope and level and the liquidation price need a check of their own.
    function _risk(uint256 ctx, uint256 at) private view {
        assembly ("memory-safe") {
            if mload(add(at, 0x100)) {
                let lv := mload(add(at, 0x40))
                let dv := mload(add(at, 0x60))
                // HF = ⌊lv · WAD / dv⌋, max without debt value
                let hf := not(0)
                if dv { hf := div(mul(lv, WAD), dv) }
                mstore(add(at, 0x80), hf)
                // callHF_eff = min(marginCallHF + ⌈volSlope · (σ − σ_ref) / WAD⌉, maxCallHF) for
                // σ = ⌈weight / collateralValue⌉ (at most the largest σ held) above σ_ref
                let mc := mload(add(ctx, 0xa0))
                let level := mc
                let cv := mload(add(at, 0x20))
                if cv {
                    let vw := mload(add(ctx, 0x1e0))
                    let sigma := add(div(vw, cv), iszero(iszero(mod(vw, cv))))
                    let ref := mload(add(ctx, 0x80))
                    if gt(sigma, ref) {
                        let slope := mload(add(ctx, 0xc0))
                        if shr(120, or(slope, mc)) { mstore(add(ctx, 0x1c0), 0) }
                        let p := mul(slope, sub(sigma, ref))
                        level := add(mc, add(div(p, WAD), iszero(iszero(mod(p, WAD)))))
                        let cap := mload(add(ctx, 0xe0))
                        if gt(level, cap) { level := cap }
                    }
                }
                mstore(add(at, 0xa0), level)
                if mload(at) {
                    // the ladder: Liquidatable (2) under HF 1, or past a live call's deadline
                    // under the base marginCallHF; MarginCall (1) under the call level
                    let deadline := mload(add(at, 0xe0))
                    let status := lt(hf, level)
                    if or(lt(hf, WAD), and(and(iszero(iszero(deadline)), gt(timestamp(), deadline)), lt(hf, mc))) {
                        status := 2
                    }
                    mstore(add(at, 0xc0), status)
                    // the uniform fall to HF 1: WAD − ⌈dv · WAD / lv⌉ while lv > dv
                    if gt(lv, dv) {
                        let p := mul(dv, WAD)
                        mstore(add(at, 0x1a0), sub(WAD, add(div(p, lv), iszero(iszero(mod(p, lv))))))
                    }
                    // one collateral held: its price at HF 1, ⌈⌈dv · WAD / lf⌉ · scale / amount⌉
                    let held := mload(add(at, 0x160))
                    let amount := mload(add(ctx, 0x200))
                    if and(iszero(and(held, sub(held, 1))), and(iszero(iszero(amount)), iszero(iszero(lv)))) {
                        let o := mload(add(ctx, 0x220))
                        let lf := mload(add(mload(add(ctx, 0x140)), o))
                        if iszero(lf) { mstore(add(ctx, 0x1c0), 0) }
                        let p := mul(dv, WAD)
                        let q := add(div(p, lf), iszero(iszero(mod(p, lf))))
                        let scale := mload(add(mload(add(ctx, 0x120)), o))
                        p := mul(q, scale)
                        if iszero(or(iszero(q), eq(div(p, q), scale))) { mstore(add(ctx, 0x1c0), 0) }
                        mstore(add(at, 0x180), add(div(p, amount), iszero(iszero(mod(p, amount)))))
                    }
                }
            }
        }
    }

    /// @dev The Solidity path for an account whose fast arithmetic left 256 bits: its state
    /// valued afresh from its normalised debt and its balances in `buf` from `k` on.
    function _valueExact(
        uint256 at,
        uint256 normalizedDebt,
        uint256 buf,
        uint256 k,
        MarketSnapshot memory snap,
        uint256 baseScale
    ) private view {
        AccountState memory s;
        assembly ("memory-safe") {
            s := at
        }
        (s.healthFactor, s.callLevel, s.liquidationPrice, s.liquidationDrop) = (0, 0, 0, 0);
        s.status = AccountStatus.Healthy;
        s.debt = normalizedDebt;
        AccountRisk.Valuation memory v;
        AccountReader.valueFromBatch(s, buf, k, snap, baseScale, v);
    }
}
