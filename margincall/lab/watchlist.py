"""Which accounts a block's market read must ask the chain about (DESIGN.md 12 "Throughput").

A keeper watching 10,000 accounts need not ask PoolLens about every one of them every block,
any more than a real keeper does: between two of its own transactions an account's debt and
collateral do not move, only the market does. ``Watchlist`` is that index, exact rather than
heuristic:

* between two transactions naming an account, its normalized debt and collateral do not move
  (a margin call moves neither), so its ``AccountState`` at a block's ``MarketSnapshot`` is a
  pure function of them, computed here with ``AccountRisk``'s own integer arithmetic (debt
  rounded up at the borrow index, each holding at the status price rounded down, HF, the
  volatility-scaled call level, the ladder, the liquidation point), with the call deadline, the
  auctions and the assets bitmap the lens last answered for it;
* an account is **read** (through PoolLens, and its normalized debt and collateral from the
  pool) at the block after a transaction of the run named it (``touch``: a call, a clear, a
  kick, or a take, redo or settle of one of its auctions), when its call's deadline is near
  (``DEADLINE_ROOM``: the model never decides "past the deadline"), and when a price it needs
  is missing. At the start every account's holdings are those it opened with.

The model is only valid on a chain where no one but the caller's keeper acts on the accounts
(the lab's cascade: borrowers never act again after they open). The caller checks it against a
full read at the start and the end of a run, and the lab's tests at every block of a seeded run.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import HarnessError
from ..status import AccountStatus

WAD = 10**18
RAY = 10**27
MAX_UINT = 2**256 - 1
STATE_FIELDS = (  # PoolLens's AccountState, in order: the model writes every field
    "debt", "collateralValue", "liquidationValue", "debtValue", "healthFactor", "callLevel", "status", "callDeadline",
    "priceOk", "debtInAuction", "liveAuctions", "assetsIn", "liquidationPrice", "liquidationDrop",
)  # fmt: skip
DEADLINE_ROOM = 3_600  # [s] a called account whose deadline is this near (or past) is read from the chain


def _words(component: dict) -> int:
    """32-byte words of one static ABI component (a tuple, a fixed array or a value)."""
    kind = component["type"]
    count = 1
    while kind.endswith("]"):
        kind, size = kind[: kind.rindex("[")], kind[kind.rindex("[") + 1 : -1]
        if not size:
            raise HarnessError("MarketSnapshot is no longer static; Watchlist.snapshot needs updating")
        count *= int(size)
    if kind == "tuple":
        return count * sum(_words(c) for c in component["components"])
    return count


class Snapshot:
    """The fields of ``MarketSnapshot`` the valuation needs, decoded word by word from the head of
    a ``PoolLens.accounts`` answer (the snapshot is a static tuple: inline after the states' offset)."""

    def __init__(self, fields: dict[str, Any]):
        market = fields["market"]
        self.ok = bool(fields["ok"])
        self.margin_call_hf, self.max_call_hf, self.vol_slope = market["marginCallHF"], market["maxCallHF"], market["volSlope"]
        self.borrow_index, self.vol_ref = fields["borrowIndex"], fields["volRef"]
        self.base_priced, self.base_low = bool(fields["basePriced"]), fields["baseLow"]
        self.asset = [f"0x{a:040x}" for a in fields["asset"]]
        self.scale, self.lf, self.volatility = fields["scale"], fields["liquidationFactor"], fields["volatility"]
        self.priced, self.high = [bool(p) for p in fields["priced"]], fields["high"]


def snapshot_reader(lens: Any):
    """A function decoding the ``MarketSnapshot`` of a ``PoolLens.accounts`` 0x-hex answer."""
    function = next(e for e in lens.abi if e.get("type") == "function" and e.get("name") == "accounts")
    layout = function["outputs"][1]

    def take(component: dict, words: list[int], at: int) -> tuple[Any, int]:
        kind = component["type"]
        if kind == "tuple":
            out = {}
            for c in component["components"]:
                out[c["name"]], at = take(c, words, at)
            return out, at
        if kind.endswith("]"):
            inner = {**component, "type": kind[: kind.rindex("[")]}
            size = int(kind[kind.rindex("[") + 1 : -1])
            values = []
            for _ in range(size):
                value, at = take(inner, words, at)
                values.append(value)
            return values, at
        return words[at], at + 1

    width = _words(layout)

    def read(answer: str) -> Snapshot:
        data = bytes.fromhex(answer[2:])
        words = [int.from_bytes(data[i : i + 32], "big") for i in range(32, 32 + 32 * width, 32)]
        fields, _ = take(layout, words, 0)
        return Snapshot(fields)

    return read


class Watchlist:
    """The accounts of a run, split into those the model values exactly and those a read must ask
    PoolLens about. ``holdings``: each account's collateral as opened (token address → amount);
    ``normalized``: its normalized debt (``pool.normalizedDebtOf``)."""

    def __init__(self, state_type: type, base_scale: int, holdings: dict[str, dict[str, int]], normalized: dict[str, int]):
        if state_type._fields != STATE_FIELDS:
            raise HarnessError(f"PoolLens's AccountState is now {state_type._fields}; the watchlist writes {STATE_FIELDS}")
        self.state_type, self.base_scale = state_type, base_scale
        self.holdings = {a: {t.lower(): amount for t, amount in h.items() if amount} for a, h in holdings.items()}
        self.normalized = dict(normalized)
        self.touched: set[str] = set()  # read (state, normalized debt, collateral) at the next block
        self.deadline: dict[str, int] = {}  # the live call's deadline the lens last answered
        self.auctions: dict[str, tuple[int, int]] = {}  # (liveAuctions, debtInAuction) the lens last answered
        self._assets_in: dict[str, int] = {}  # the pool's bitmap (a slot may stay set at amount 0)
        self._slots: dict[str, tuple[tuple[int, int], ...]] = {}  # account → ((slot, amount ≠ 0), ...) by slot
        self._slot_of: dict[str, int] | None = None

    def touch(self, accounts: Iterable[str]) -> None:
        """Accounts a transaction of the run named (a call, a clear, a kick, or a take, redo or
        settle of one of their auctions): read at the next block, state and holdings."""
        self.touched.update(accounts)

    def absorb(self, states: Iterable[tuple[str, Any]], holdings: dict[str, tuple[int, dict[str, int]]]) -> None:
        """What a read answered: each account's state from the lens (its call deadline, its
        auctions, its assets bitmap), and for the accounts in ``holdings`` their normalized debt
        and collateral (token address → amount) from the pool, which the model values from now on."""
        for account, st in states:
            self.touched.discard(account)
            if st.callDeadline:
                self.deadline[account] = st.callDeadline
            else:
                self.deadline.pop(account, None)
            if st.liveAuctions or st.debtInAuction:
                self.auctions[account] = (st.liveAuctions, st.debtInAuction)
            else:
                self.auctions.pop(account, None)
            if account in holdings:
                normalized, held = holdings[account]
                self.normalized[account] = normalized
                self.holdings[account] = {t.lower(): amount for t, amount in held.items() if amount}
                self._slots.pop(account, None)
                self._assets_in[account] = st.assetsIn

    def _held(self, account: str) -> tuple[tuple[int, int], ...] | None:
        """((slot, amount), ...) of the account's non-zero holdings, by slot."""
        held = self._slots.get(account)
        if held is None and account in self.holdings:
            try:
                held = tuple(sorted((self._slot_of[t], amount) for t, amount in self.holdings[account].items()))
            except KeyError as exc:
                raise HarnessError(f"watchlist: {account} holds {exc.args[0]}, not a listed collateral") from None
            self._slots[account] = held
            self._assets_in.setdefault(account, sum(1 << s for s, _ in held))
        return held

    def value(self, snap: Snapshot, accounts: list[str], timestamp: int) -> tuple[dict[str, Any], list[str]]:
        """Split ``accounts`` at ``snap`` (the block at ``timestamp``): the states written from
        the model and, in order, the accounts a read must ask the lens about.

        ``AccountRisk``'s arithmetic, inlined (10,000 accounts a block): debt ⌈norm·index/RAY⌉,
        debt value ⌈debt·baseLow/baseScale⌉; each holding ⌊amount·high/scale⌋, weighted
        ⌊value·lf/WAD⌋ and by its volatility; HF ⌊L·WAD/D⌋; the call level ``marginCallHF +
        ⌈volSlope·(⌈Σ value·σ / Σ value⌉ − σ_ref)/WAD⌉`` at most ``maxCallHF``; the ladder with no
        call past its deadline; the liquidation drop ``WAD − ⌈D·WAD/L⌉`` and, with one
        collateral in the bitmap, the liquidation price ``⌈⌈D·WAD/lf⌉·scale/amount⌉``."""
        if not snap.ok or not snap.base_priced:
            return {}, list(accounts)
        if self._slot_of is None:
            self._slot_of = {a: i for i, a in enumerate(snap.asset) if int(a, 16)}
        elif any(self._slot_of.get(a) != i for i, a in enumerate(snap.asset) if int(a, 16)):
            raise HarnessError("watchlist: the market's collateral slots changed during the run")
        index, base_low, base_scale = snap.borrow_index, snap.base_low, self.base_scale
        high, scale, lf, vol, priced = snap.high, snap.scale, snap.lf, snap.volatility, snap.priced
        base_level, max_level, slope, vol_ref = snap.margin_call_hf, snap.max_call_hf, snap.vol_slope, snap.vol_ref
        normalized, deadlines, auctions, assets = self.normalized, self.deadline, self.auctions, self._assets_in
        touched, near = self.touched, timestamp + DEADLINE_ROOM
        new, make = tuple.__new__, self.state_type
        healthy, call, liquidatable = int(AccountStatus.Healthy), int(AccountStatus.MarginCall), int(AccountStatus.Liquidatable)
        # a listed collateral without a price (the market's unused slots are never priced, and no account holds them)
        unpriced = {s for s in self._slot_of.values() if not priced[s]}
        # one collateral: σ_acct = ⌈value·σ/value⌉ = σ, so its call level is the slot's
        single = [
            min(base_level + -(-slope * (v - vol_ref) // WAD), max_level) if v > vol_ref else base_level for v in vol
        ]  # fmt: skip
        slots = self._slots
        written, due = {}, []
        for account in accounts:
            held = slots.get(account) or self._held(account)
            deadline = deadlines.get(account, 0)
            if account in touched or held is None or (deadline and deadline <= near):
                due.append(account)
                continue
            if unpriced and any(s in unpriced for s, _ in held):
                due.append(account)
                continue
            debt = -(-normalized[account] * index // RAY)
            debt_value = -(-debt * base_low // base_scale)
            if len(held) == 1:  # most accounts: no loop
                s, amount = held[0]
                collateral = amount * high[s] // scale[s]
                liquidation = collateral * lf[s] // WAD
                level = single[s] if collateral else base_level
            else:
                collateral = liquidation = weight = 0
                for s, amount in held:
                    v = amount * high[s] // scale[s]
                    collateral += v
                    liquidation += v * lf[s] // WAD
                    weight += v * vol[s]
                level = base_level
                if collateral:
                    sigma = -(-weight // collateral)
                    if sigma > vol_ref:
                        level = min(base_level + -(-slope * (sigma - vol_ref) // WAD), max_level)
            hf = liquidation * WAD // debt_value if debt_value else MAX_UINT
            status = healthy if debt == 0 or hf >= level else (liquidatable if hf < WAD else call)
            drop = WAD - -(-debt_value * WAD // liquidation) if debt and liquidation > debt_value else 0
            price = 0
            bitmap = assets[account]
            if debt and liquidation and bitmap & (bitmap - 1) == 0:  # one collateral: its liquidation price
                s, amount = held[0]
                price = -(-(-(-debt_value * WAD // lf[s])) * scale[s] // amount)
            live, in_auction = auctions.get(account, (0, 0))
            written[account] = new(make, (
                debt, collateral, liquidation, debt_value, hf, level, status, deadline, True, in_auction, live, bitmap,
                price, drop,
            ))  # fmt: skip
        return written, due
