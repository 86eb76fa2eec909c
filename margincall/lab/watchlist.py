"""Which accounts a block's market read must ask the chain about (DESIGN.md 12 "Throughput").

A keeper watching 10,000 accounts need not ask PoolLens about every one of them every block,
any more than a real keeper does: between two of its own transactions an account's debt and
collateral do not move, only the market does. ``Watchlist`` is that index, exact rather than
heuristic:

* an account is **modelled** while no auction has touched it: its normalized debt and
  collateral are still those it opened with (a margin call moves neither), so its
  ``AccountState`` at a block's ``MarketSnapshot`` is a pure function of them, computed here
  with ``AccountRisk``'s own integer arithmetic (debt rounded up at the borrow index, each
  holding at the status price rounded down, HF, the volatility-scaled call level, the ladder,
  the liquidation point), its call deadline being the one the lens last answered;
* an account is **read** through PoolLens when a transaction of the run named it (``touch``:
  read at the next block, its new call deadline learnt), when it has or had an auction (read at
  every block from then on: a kick moved its debt and collateral), when its call's deadline is
  near (``DEADLINE_ROOM``: the model never decides "past the deadline"), and when a price it
  needs is missing.

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
        self.state_type, self.base_scale = state_type, base_scale
        self.holdings = {a: {t.lower(): amount for t, amount in h.items() if amount} for a, h in holdings.items()}
        self.normalized = dict(normalized)
        self.in_auction: set[str] = set()  # read at every block: an auction moved their debt and collateral
        self.touched: set[str] = set()  # read at the next block only
        self.deadline: dict[str, int] = {}  # the live call's deadline the lens last answered
        self._slots: dict[str, tuple[tuple[int, int], ...]] = {}  # account → ((slot, amount), ...) by slot
        self._assets_in: dict[str, int] = {}
        self._asset_key: tuple[str, ...] | None = None
        if state_type._fields != STATE_FIELDS:
            raise HarnessError(f"PoolLens's AccountState is now {state_type._fields}; the watchlist writes {STATE_FIELDS}")

    def touch(self, accounts: Iterable[str]) -> None:
        """Accounts a transaction of the run named (a call, a clear, a kick): read through the
        lens at the next block."""
        self.touched.update(accounts)

    def absorb(self, states: Iterable[tuple[str, Any]]) -> None:
        """States the lens answered: the call deadline is learnt, an account showing an auction
        is read at every block from now on."""
        for account, st in states:
            self.touched.discard(account)
            if st.liveAuctions or st.debtInAuction:
                self.in_auction.add(account)
            if st.callDeadline:
                self.deadline[account] = st.callDeadline
            else:
                self.deadline.pop(account, None)

    def _index(self, snap: Snapshot) -> None:
        key = tuple(snap.asset)
        if key == self._asset_key:
            return
        slot_of = {a: i for i, a in enumerate(snap.asset) if int(a, 16)}
        for account, held in self.holdings.items():
            missing = [t for t in held if t not in slot_of]
            if missing:
                raise HarnessError(f"watchlist: {account} holds {missing[0]}, not a listed collateral")
            self._slots[account] = tuple(sorted((slot_of[t], amount) for t, amount in held.items()))
            self._assets_in[account] = sum(1 << s for s, _ in self._slots[account])
        self._asset_key = key

    def value(self, snap: Snapshot, accounts: list[str], timestamp: int) -> tuple[dict[str, Any], list[str]]:
        """Split ``accounts`` at ``snap`` (the block at ``timestamp``): the states written from
        the model and, in order, the accounts a read must ask the lens about.

        ``AccountRisk``'s arithmetic, inlined (10,000 accounts a block): debt ⌈norm·index/RAY⌉,
        debt value ⌈debt·baseLow/baseScale⌉; each holding ⌊amount·high/scale⌋, weighted
        ⌊value·lf/WAD⌋ and by its volatility; HF ⌊L·WAD/D⌋; the call level ``marginCallHF +
        ⌈volSlope·(⌈Σ value·σ / Σ value⌉ − σ_ref)/WAD⌉`` at most ``maxCallHF``; the ladder with no
        call past its deadline; the liquidation drop ``WAD − ⌈D·WAD/L⌉`` and, with one
        collateral, the liquidation price ``⌈⌈D·WAD/lf⌉·scale/amount⌉``."""
        if not snap.ok or not snap.base_priced:
            return {}, list(accounts)
        self._index(snap)
        index, base_low, base_scale = snap.borrow_index, snap.base_low, self.base_scale
        high, scale, lf, vol, priced = snap.high, snap.scale, snap.lf, snap.volatility, snap.priced
        base_level, max_level, slope, vol_ref = snap.margin_call_hf, snap.max_call_hf, snap.vol_slope, snap.vol_ref
        slots, normalized, deadlines = self._slots, self.normalized, self.deadline
        read = self.in_auction | self.touched
        near = timestamp + DEADLINE_ROOM
        new, make = tuple.__new__, self.state_type
        healthy, call, liquidatable = int(AccountStatus.Healthy), int(AccountStatus.MarginCall), int(AccountStatus.Liquidatable)
        written, due = {}, []
        unpriced = {s for s, ok in enumerate(priced) if not ok}
        for account in accounts:
            held = slots.get(account)
            deadline = deadlines.get(account, 0)
            if account in read or held is None or (deadline and deadline <= near):
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
                weight = collateral * vol[s]
            else:
                collateral = liquidation = weight = 0
                for s, amount in held:
                    v = amount * high[s] // scale[s]
                    collateral += v
                    liquidation += v * lf[s] // WAD
                    weight += v * vol[s]
            hf = liquidation * WAD // debt_value if debt_value else MAX_UINT
            level = base_level
            if collateral:
                sigma = -(-weight // collateral)
                if sigma > vol_ref:
                    level = min(base_level + -(-slope * (sigma - vol_ref) // WAD), max_level)
            status = healthy if debt == 0 or hf >= level else (liquidatable if hf < WAD else call)
            drop = WAD - -(-debt_value * WAD // liquidation) if debt and liquidation > debt_value else 0
            price = 0
            if debt and liquidation and len(held) == 1:
                s, amount = held[0]
                price = -(-(-(-debt_value * WAD // lf[s])) * scale[s] // amount)
            written[account] = new(make, (
                debt, collateral, liquidation, debt_value, hf, level, status, deadline, True, 0, 0, self._assets_in[account],
                price, drop,
            ))  # fmt: skip
        return written, due
