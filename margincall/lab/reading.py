"""One batched read of a market per simulated block, for the fast path (DESIGN.md 12 "Throughput").

``MarketReader.read`` asks the chain, in one JSON-RPC batch, for everything a block-at-a-time
keeper and the run's sample need: every borrower through ``PoolLens.accounts`` (500 a call; with a
``watchlist.Watchlist`` only those its exact model cannot vouch for, the rest written by it), the
live auctions and their ``getStatus`` (through the lab's ``AuctionStatusReader``, 1,000 a call),
each collateral's oracle price and whether it has a round to poke, each AMM's reserves, the insurance fund's assets, the debt in
auction, the bad debt so far, the room under the liquidator's hole, and the block it read.

``decode_states`` decodes the lens's answer without eth-abi's generic machinery: an
``AccountState`` is a static tuple (every field one 32-byte word), so the array is a run of
words read with ``int.from_bytes``; eth-abi spends ~10 µs a field, which a 10,000-account run
would pay on every block.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_abi import decode as abi_decode

from ..borrowers import LENS_BATCH
from ..bulk import Bulk, Encoder
from ..errors import HarnessError, ProtocolError
from ..session import Handle
from .pool_slots import PoolSlotReader
from .watchlist import Watchlist, snapshot_reader

WAD = 10**18
_STATIC = ("uint", "int", "bool", "address", "bytes32")


@dataclass
class Reading:
    """The market after one block, as one batch read it."""

    block: int
    timestamp: int  # [unix seconds] of that block
    states: list[tuple[str, Any]]  # (account, AccountState) of every borrower, in order
    active: list[int]  # live auction ids (the liquidator's own list)
    auctions: dict[int, tuple[bool, int, int, int]]  # id → getStatus (needsRedo, price [wad], lot, tab)
    oracle: dict[str, Decimal | None]  # collateral symbol → oracle price [USD], None when invalid
    unpoked: list[str]  # collaterals whose primary feed has a round the oracle has not consumed (needsPoke)
    reserves: dict[str, tuple[int, int]]  # collateral symbol → its AMM's (collateral, base) reserves
    fund_assets: int  # [base units]
    debt_in_auction: int  # [base units]
    bad_debt: int  # [base units] every loss booked so far
    room: int  # [base units] the liquidator's hole less the tabs of its live auctions


_LAYOUTS: dict[str, tuple[type, tuple[int, ...]]] = {}


def _state_layout(lens: Handle) -> tuple[type, tuple[int, ...]]:
    """The AccountState named tuple and the indices of its bool fields, from PoolLens's ABI."""
    if lens.address not in _LAYOUTS:
        function = next(e for e in lens.abi if e.get("type") == "function" and e.get("name") == "accounts")
        components = function["outputs"][0]["components"]
        if not all(c["type"].startswith(_STATIC) and not c["type"].endswith("]") for c in components):
            raise HarnessError("PoolLens.accounts: AccountState is no longer a static tuple; decode_states needs updating")
        fields = tuple(c["name"] for c in components)
        bools = tuple(i for i, c in enumerate(components) if c["type"] == "bool")
        _LAYOUTS[lens.address] = (namedtuple("AccountState", fields), bools)
    return _LAYOUTS[lens.address]


def decode_states(lens: Handle, answer: str, accounts: list[str]) -> list[tuple[str, Any]]:
    """(account, AccountState) of ``accounts`` from the 0x-hex answer of ``lens.accounts(accounts)``."""
    state, bools = _state_layout(lens)
    data = memoryview(bytes.fromhex(answer[2:]))  # slices of a memoryview are not copies
    word = int.from_bytes
    offset = word(data[:32], "big")  # (AccountState[] states, MarketSnapshot): states first
    count = word(data[offset : offset + 32], "big")
    if count != len(accounts):
        raise HarnessError(f"PoolLens answered {count} accounts for {len(accounts)} asked")
    width = len(state._fields)
    start = offset + 32
    words = [word(data[i : i + 32], "big") for i in range(start, start + 32 * width * count, 32)]
    out = []
    for k, account in enumerate(accounts):
        values = words[k * width : (k + 1) * width]
        for i in bools:
            values[i] = bool(values[i])
        out.append((account, state(*values)))
    return out


class MarketReader:
    """Reads one market in one batch per block (``read``). With ``positions`` (the drawn positions
    of ``lab.accounts``, as opened) it keeps a ``watchlist.Watchlist``: only the accounts the
    model cannot vouch for are asked of PoolLens, the others' states are written from the model
    (``read(..., full=True)`` asks the lens about every account and checks the model against it)."""

    def __init__(self, lab: Any, bulk: Bulk, amms: dict[str, Handle], status_reader: Handle, positions: list | None = None):
        m = lab.market
        self.lab, self.bulk, self.amms = lab, bulk, amms
        self.status_reader = status_reader
        self.statuses = Encoder(status_reader, "statuses")
        self.accounts = list(lab.accounts)
        self.lens = Encoder(m.lens, "accounts")
        self.snapshot = snapshot_reader(m.lens)
        self.normalized, self.collateral_of = Encoder(m.pool, "normalizedDebtOf"), Encoder(m.pool, "collateralOf")
        self.tokens = [a.token.address for a in m.collaterals.values()]
        self.books = PoolSlotReader(m.pool.address, self.tokens, bulk.eth_calls)
        self.watchlist = None if positions is None else self._watchlist(positions)
        self.lens_reads = 0  # accounts asked of PoolLens over the run (the rest written from the model)
        self.reads = 0  # market reads
        get_price = Encoder(m.oracle, "getPrice")
        self.symbols = list(m.collaterals)
        self.fixed = [(m.liquidator.address, Encoder(m.liquidator, "activeAuctions")())]
        self.fixed += [(m.oracle.address, get_price(m.collaterals[s].token.address)) for s in self.symbols]
        needs_poke = Encoder(m.oracle, "needsPoke")
        self.fixed += [(m.oracle.address, needs_poke(m.collaterals[s].token.address)) for s in self.symbols]
        for s in self.symbols:
            amm = amms.get(s)
            if amm is not None:
                self.fixed += [(amm.address, Encoder(amm, "reserveCollateral")()), (amm.address, Encoder(amm, "reserveBase")())]
        self.fixed += [
            (m.fund.address, Encoder(m.fund, "totalAssets")()),
            (m.pool.address, Encoder(m.pool, "debtInAuction")()),
            (m.pool.address, Encoder(m.pool, "realizedLosses")()),
            (m.liquidator.address, Encoder(m.liquidator, "hole")()),
            (m.liquidator.address, Encoder(m.liquidator, "totalTab")()),
        ]

    def _watchlist(self, positions: list) -> Watchlist:
        """The index of ``lab.accounts`` as opened: their collateral from the draw, their
        normalized debt read once from the pool (one batch)."""
        m = self.lab.market
        if len(positions) != len(self.accounts):
            raise HarnessError(f"the watchlist needs one position per account ({len(positions)} for {len(self.accounts)})")
        if self.accounts:  # the pool's storage slots read as its getters, before the run trusts them
            first = self.accounts[0]
            getters = [(m.pool.address, self.normalized(first))] + [(m.pool.address, self.collateral_of(first, t)) for t in self.tokens]
            words = [_uint(a) for a in self.bulk.eth_calls(getters)]
            self.books.check(first, words[0], dict(zip(self.tokens, words[1:])))
        books = self.books.decode(self.bulk.eth_calls(self.books.calls(self.accounts)), self.accounts)
        holdings = {
            a: {m.collaterals[s].token.address: amount for s, amount in p.collateral.items()} for a, p in zip(self.accounts, positions)
        }
        debts = {a: books[a][0] for a in self.accounts}
        state, _ = _state_layout(m.lens)
        return Watchlist(state, 10**m.base.decimals, holdings, debts)

    def touch(self, accounts: Any) -> None:
        """Accounts a transaction of the run named: read (state and holdings) at the next read."""
        if self.watchlist is not None:
            self.watchlist.touch(accounts)

    def _lens_calls(self, accounts: list[str]) -> list[tuple[str, str]]:
        lens = self.lab.market.lens.address
        chunks = [accounts[i : i + LENS_BATCH] for i in range(0, len(accounts), LENS_BATCH)] or [[]]
        return [(lens, self.lens.with_array(chunk)) for chunk in chunks]

    def _decode(self, answers: list[Any], accounts: list[str]) -> dict[str, Any]:
        lens, out = self.lab.market.lens, {}
        for k, answer in enumerate(answers):
            if isinstance(answer, Exception):
                raise HarnessError(f"the market read failed: {answer}")
            out.update(decode_states(lens, answer, accounts[k * LENS_BATCH : (k + 1) * LENS_BATCH]))
        self.lens_reads += len(accounts)
        return out

    def _status_calls(self, ids: list[int]) -> list[tuple[str, str]]:
        liq = self.lab.market.liquidator.address
        return [
            (self.status_reader.address, self.statuses.with_array(liq, ids[i : i + STATUS_BATCH])) for i in range(0, len(ids), STATUS_BATCH)
        ]  # fmt: skip

    def read(self, auction_ids: list[int], full: bool = False) -> Reading:
        """The market now; ``auction_ids`` are the live auctions the caller knows of (any the
        liquidator lists beyond them are read in a second batch). Without a watchlist, or with
        ``full``, every account is asked of the lens (and with both, the model is checked
        against the lens's answer: a difference raises ``HarnessError``); else the accounts a
        transaction named since the last read are asked of the lens and the pool (their
        holdings), in the same batch, any other the watchlist cannot model in a second, and the
        others written from the model."""
        ids = list(auction_ids)
        self.reads += 1
        wl = self.watchlist
        touched = [] if wl is None else [a for a in self.accounts if a in wl.touched]
        first = self.accounts if full or wl is None else touched
        lens_calls, holding_calls, status_calls = self._lens_calls(first), self.books.calls(touched), self._status_calls(ids)
        calls = [("eth_getBlockByNumber", ["latest", False])]
        calls += [self.bulk.eth_call(to, data) for to, data in self.fixed + lens_calls + holding_calls + status_calls]
        answers = self.bulk.request(calls, tolerate=True)
        block, rest = self.bulk.latest_block(answers[0]), answers[1:]
        fixed, rest = rest[: len(self.fixed)], rest[len(self.fixed) :]
        lens, rest = rest[: len(lens_calls)], rest[len(lens_calls) :]
        held, statuses = rest[: len(holding_calls)], rest[len(holding_calls) :]
        if isinstance(fixed[0], Exception):
            raise HarnessError(f"the market read failed: {fixed[0]}")
        read = self._decode(lens, first)
        if wl is not None:
            holdings = self.books.decode(held, touched)
            written, due = wl.value(self.snapshot(lens[0]), self.accounts, int(block["timestamp"], 16))
            if full:
                wrong = [a for a, st in written.items() if read[a] != st]
                if wrong:
                    raise HarnessError(f"the watchlist's model of {wrong[0]} disagrees with PoolLens: {written[wrong[0]]} != {read[wrong[0]]}")
            else:
                due = [a for a in due if a not in read]
                if due:
                    asked = self._lens_calls(due)
                    answers = self.bulk.eth_calls(asked + self.books.calls(due))
                    read.update(self._decode(answers[: len(asked)], due))
                    holdings.update(self.books.decode(answers[len(asked) :], due))
            wl.absorb(read.items(), holdings)
            if not full:
                read = {**written, **read}
        active = list(abi_decode(["uint256[]"], bytes.fromhex(fixed[0][2:]))[0])
        known = set(ids)
        missing = [i for i in active if i not in known]
        if missing:
            ids, statuses = ids + missing, statuses + self.bulk.eth_calls(self._status_calls(missing))
        live = set(active)
        auctions = {i: st for i, st in zip(ids, _statuses(statuses)) if i in live}
        k = 1
        oracle = {}
        for s in self.symbols:
            answer = fixed[k]
            oracle[s] = None if isinstance(answer, ProtocolError) else Decimal(_uint(answer)) / WAD
            k += 1
        unpoked = [s for s, answer in zip(self.symbols, fixed[k : k + len(self.symbols)]) if _uint(answer)]
        k += len(self.symbols)
        reserves = {}
        for s in self.symbols:
            if s in self.amms:
                reserves[s] = (_uint(fixed[k]), _uint(fixed[k + 1]))
                k += 2
        fund_assets, in_auction, losses, hole, total_tab = (_uint(a) for a in fixed[k : k + 5])
        return Reading(
            block=int(block["number"], 16), timestamp=int(block["timestamp"], 16),
            states=[(a, read[a]) for a in self.accounts], active=active, auctions=auctions, oracle=oracle, unpoked=unpoked,
            reserves=reserves, fund_assets=fund_assets, debt_in_auction=in_auction, bad_debt=losses,
            room=max(0, hole - total_tab),
        )  # fmt: skip


STATUS_BATCH = 1_000  # auctions per AuctionStatusReader call (~15k gas each: well within an eth_call's gas)


def _uint(answer: Any) -> int:
    if isinstance(answer, Exception):
        raise HarnessError(f"the market read failed: {answer}")
    return int(answer[2:66] or "0", 16)


def _statuses(answers: list[Any]) -> list[tuple[bool, int, int, int]]:
    """(needsRedo, price, lot, tab) of each auction from ``AuctionStatusReader.statuses``
    answers: four arrays of one-word values, read word by word."""
    out: list[tuple[bool, int, int, int]] = []
    for answer in answers:
        if isinstance(answer, Exception):
            raise HarnessError(f"the auctions' status read failed: {answer}")
        data, word = memoryview(bytes.fromhex(answer[2:])), int.from_bytes
        arrays = []
        for k in range(4):
            at = word(data[32 * k : 32 * k + 32], "big")
            n = word(data[at : at + 32], "big")
            arrays.append([word(data[i : i + 32], "big") for i in range(at + 32, at + 32 + 32 * n, 32)])
        out += [(bool(r), p, lot, tab) for r, p, lot, tab in zip(*arrays)]
    return out
