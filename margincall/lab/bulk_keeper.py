"""The keeper, a block at a time through the fast path (DESIGN.md 12 "Throughput").

``BulkKeeper.plan`` decides, from one ``reading.Reading`` of the market (the state after the
last block), what ``margincall.keeper.Keeper`` does in a pass: poke the oracle for every
collateral with an unconsumed round (first, so the block's calls and kicks see it written), issue margin calls, clear met
ones, kick Liquidatable accounts, settle worthless lots, redo stale auctions, and flash-take the
lots its AMM pays for through its ``FlashTaker``. Each becomes one transaction with the keeper's
own gas limit; kicks only while the liquidator has room under its ``hole`` (the tab of each
estimated by the account's debt; the rest wait for a later block, counted in ``held_for_room``,
as the per-transaction keeper's simulation would not send them). The caller sends them in one JSON-RPC batch with the block's other transactions
and mines the block. ``record`` turns their receipts into the run's events: kicks and takes as
the per-transaction keeper records them, a reverted transaction as a lost race named by its
error.

Takes on the same AMM in one block are sized in order against a model of the AMM's reserves
(MockAMM's x·y = k with its 0.3 % fee, in exact integers), so a later take is judged at the
price the earlier ones leave, as a keeper simulating its bundle would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak
from web3 import Web3

from ..bulk import Bulk, Encoder, Tx
from ..errors import signature
from ..session import Event, Handle, Receipt
from ..status import AccountStatus
from .engine import Lab
from .reading import Reading

WAD = 10**18
AMM_FEE_BPS = 30  # MockAMM.FEE_BPS
# [gas] limits per transaction: the most each used in the lab's runs, with room (a kick grows
# with the collaterals it auctions)
GAS = {"poke": 300_000, "call": 400_000, "clear": 300_000, "kick": 600_000, "kick_per_asset": 500_000, "redo": 400_000,
       "settle": 400_000, "take": 600_000}  # fmt: skip
RECORDED_EVENTS = ("Kick", "KickIncentive", "AccountClosed", "Take")


def amm_quote(reserve_in: int, reserve_out: int, amount_in: int) -> int:
    """MockAMM.quote: ``reserve_out · in' / (reserve_in + in')`` with ``in' = amount_in · (1 − fee)``."""
    with_fee = amount_in * (10_000 - AMM_FEE_BPS)
    return reserve_out * with_fee // (reserve_in * 10_000 + with_fee)


@dataclass(frozen=True)
class Intent:
    """A transaction the keeper decided on: its kind, its subject (account or auction id)."""

    kind: str  # "poke" | "call" | "clear" | "kick" | "settle" | "redo" | "take"
    subject: Any
    tx: Tx


class BulkKeeper:
    def __init__(self, lab: Lab, bulk: Bulk, sender: str, taker: Handle, amms: dict[str, Handle], margin_bps: int = 0):
        m = lab.market
        self.lab, self.bulk, self.sender, self.taker, self.amms = lab, bulk, sender, taker, amms
        self.margin_bps = margin_bps
        self.dust = m.spec.market_tuple()[6]  # [base units] the market's minimum debt
        self.held_for_room = 0  # kicks not sent: no room under the hole for them
        self.pool, self.liq = m.pool.address, m.liquidator.address
        self._call, self._clear = Encoder(m.pool, "issueMarginCall"), Encoder(m.pool, "clearMarginCall")
        self._kick, self._redo = Encoder(m.liquidator, "kick"), Encoder(m.liquidator, "redo")
        self._settle, self._take = Encoder(m.liquidator, "settle"), Encoder(taker, "take")
        self._poke, self.oracle = Encoder(m.oracle, "poke"), m.oracle.address
        self.tokens = {s: a.token.address for s, a in m.collaterals.items()}
        self.base_scale = 10**m.base.decimals
        self.base_usd = lab.oracle_price(m.base.symbol)  # the lab re-posts the base feed unchanged every block
        abis = {e["name"]: e for h in (m.liquidator, m.pool) for e in h.abi if e.get("type") == "event"}
        self.events = {"0x" + keccak(text=signature(abis[name])).hex(): _EventLayout(abis[name]) for name in RECORDED_EVENTS}

    # ------------------------------------------------------------------ deciding
    def plan(self, reading: Reading) -> list[Intent]:
        """The block's transactions: oracle pokes first, then account actions, then auction
        actions (the order of ``Keeper.run_once``)."""
        pokes = [self._intent("poke", s, self.oracle, self._poke(self.tokens[s]), GAS["poke"]) for s in reading.unpoked]
        return pokes + self._plan_accounts(reading) + self._plan_auctions(reading)

    def _plan_accounts(self, reading: Reading) -> list[Intent]:
        intents = []
        room = reading.room  # what the kicks planned so far leave under the hole
        healthy = int(AccountStatus.Healthy)  # a plain int: compared 10,000 times a block
        for account, s in reading.states:
            if not s.priceOk or (s.status == healthy and not s.callDeadline):  # nothing to do: most of them
                continue
            status, called = AccountStatus(s.status), s.callDeadline != 0
            if status is AccountStatus.MarginCall and not called:
                intents.append(self._intent("call", account, self.pool, self._call(account), GAS["call"]))
            elif status is AccountStatus.Healthy and called:
                intents.append(self._intent("clear", account, self.pool, self._clear(account), GAS["clear"]))
            elif status is AccountStatus.Liquidatable and not (s.liveAuctions and s.assetsIn == 0):
                if room < self.dust:  # the liquidator would refuse it (NoRoom)
                    self.held_for_room += 1
                    continue
                room -= min(room, s.debt)
                gas = GAS["kick"] + GAS["kick_per_asset"] * bin(s.assetsIn).count("1")
                intents.append(self._intent("kick", account, self.liq, self._kick(account, self.sender), gas))
        return intents

    def _plan_auctions(self, reading: Reading) -> list[Intent]:
        stale = [i for i, (needs_redo, *_rest) in sorted(reading.auctions.items()) if needs_redo]
        # settle where the liquidator would accept it (simulated, one batch), else redo
        answers = self.bulk.eth_calls([(self.liq, self._settle(i)) for i in stale], sender=self.sender) if stale else []
        settles = {i for i, a in zip(stale, answers) if not isinstance(a, Exception)}
        reserves = dict(reading.reserves)  # the AMM model, moved by each take planned
        intents = []
        for auction_id, (needs_redo, price, lot, tab) in sorted(reading.auctions.items()):
            if needs_redo:
                kind = "settle" if auction_id in settles else "redo"
                data = self._settle(auction_id) if kind == "settle" else self._redo(auction_id, self.sender)
                intents.append(self._intent(kind, auction_id, self.liq, data, GAS[kind]))
                continue
            take = self._maybe_take(auction_id, price, lot, tab, reserves)
            if take is not None:
                intents.append(take)
        return intents

    def _maybe_take(self, auction_id: int, price: int, lot: int, tab: int, reserves: dict) -> Intent | None:
        """Take the whole lot when the AMM, as the takes planned before leave it, pays the owe
        by the margin (owe and slice as the liquidator computes them, as ``Keeper._maybe_take``)."""
        symbol = self.lab._assets.get(auction_id)
        if symbol not in self.amms or price == 0 or lot == 0:
            return None
        scale = 10 ** self.lab.market.collaterals[symbol].decimals
        owe = -(-lot * price * self.base_scale // (scale * WAD))  # rounded up
        sold = lot
        if owe > tab:  # the tab is paid before the lot is gone: the slice shrinks
            owe = tab
            sold = tab * WAD * scale // (self.base_scale * price)
        reserve_collateral, reserve_base = reserves[symbol]
        proceeds = amm_quote(reserve_collateral, reserve_base, sold)
        min_profit = owe * self.margin_bps // 10_000
        if proceeds < owe + min_profit:
            return None
        reserves[symbol] = (reserve_collateral + sold, reserve_base - proceeds)
        data = self._take(auction_id, lot, price, self.amms[symbol].address, min_profit)
        return self._intent("take", auction_id, self.taker.address, data, GAS["take"])

    def _intent(self, kind: str, subject: Any, to: str, data: str, gas: int) -> Intent:
        return Intent(kind, subject, Tx(self.sender, to, data, gas))

    # ------------------------------------------------------------------ recording
    def record(self, intents: list[Intent], receipts: list[dict], t: int, reading: Reading) -> list[int]:
        """Record what each planned transaction did (``receipts`` in the order of ``intents``),
        at lab time ``t``, with the oracle prices of ``reading`` (the block's prices); returns
        the ids of the auctions the kicks opened."""
        lab, rec = self.lab, self.lab.recorder
        opened: list[int] = []
        for intent, raw in zip(intents, receipts):
            block, gas = int(raw["blockNumber"], 16), int(raw["gasUsed"], 16)
            if int(raw["status"], 16) != 1:
                error = self.bulk.revert_error(intent.tx, raw)
                name = error.name if error is not None else "OutOfGasOrChangedInBlock"
                rec.event("refused", t=t, block=block, action=intent.kind, error=name, gas=gas)
                continue
            if intent.kind in ("kick", "take"):
                receipt = self._receipt(raw, block, gas)
                if intent.kind == "kick":
                    opened += lab._record_kick(intent.subject, receipt, t=t, prices=reading.oracle)
                else:
                    symbol = lab._assets[intent.subject]
                    lab._record_take(receipt, reading.oracle.get(symbol), t=t, base_usd=self.base_usd)
            else:
                rec.event(intent.kind, t=t, block=block, gas=gas, subject=intent.subject)
        return opened

    def _receipt(self, raw: dict, block: int, gas: int) -> Receipt:
        """The receipt with the recorded events of its logs decoded (``RECORDED_EVENTS`` only)."""
        events = []
        for log in raw["logs"]:
            layout = self.events.get(log["topics"][0]) if log["topics"] else None
            if layout is not None:
                events.append(layout.decode(log))
        return Receipt(raw["transactionHash"], block, gas, int(raw["status"], 16), None, events, raw)


class _EventLayout:
    """One event's decoder, as web3's ``get_event_data`` decodes it (addresses checksummed),
    from the ABI's indexed and data fields: the keeper records a few thousand events a run."""

    def __init__(self, abi: dict):
        self.name = abi["name"]
        self.indexed = [(p["name"], p["type"]) for p in abi["inputs"] if p.get("indexed")]
        self.data = [(p["name"], p["type"]) for p in abi["inputs"] if not p.get("indexed")]
        if any(t.endswith("]") or t in ("bytes", "string") or t.startswith("tuple") for _, t in self.indexed):
            raise ValueError(f"{self.name}: an indexed dynamic field is stored hashed; this decoder reads values only")

    def decode(self, log: dict) -> Event:
        topics = log["topics"][1:]
        values = [abi_decode([t], bytes.fromhex(topic[2:]))[0] for (_, t), topic in zip(self.indexed, topics)]
        values += abi_decode([t for _, t in self.data], bytes.fromhex(log["data"][2:])) if self.data else []
        names = [n for n, _ in self.indexed] + [n for n, _ in self.data]
        kinds = [t for _, t in self.indexed] + [t for _, t in self.data]
        args = {n: Web3.to_checksum_address(v) if t == "address" else v for n, t, v in zip(names, kinds, values)}
        return Event(self.name, Web3.to_checksum_address(log["address"]), args)
