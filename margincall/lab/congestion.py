"""Keepers on a congested network: what they decide lands ``delay`` seconds later, a few per step.

On Black Thursday Ethereum's average confirmation time reached 44 minutes. A keeper then
decides on what it sees now, and its transaction executes much later, on a different chain
state: a kick may find the account already kicked, a take lands after the price has decayed
further (its ``maxPrice`` caps it; a lower price pays), a fixed-spread liquidation lands at the
price of its landing. ``CongestedKeepers`` plays that on a real chain:

* every step each *present* keeper reads the accounts (PoolLens, batched) and the auctions, and
  queues what it would send: oracle pokes of the collaterals with an unconsumed round (keepers
  write volatility, DESIGN.md 11), margin calls, kicks (or, under the fixed-spread baseline,
  ``liquidationCall``), redoes, and takes of lots whose price is at least ``discount`` under the
  oracle price;
* an intent lands ``delay`` seconds after it was queued, at most ``capacity`` per keeper per step
  (the gas each keeper gets into blocks), oldest first; what lost its reason meanwhile is refused
  on-chain by name and recorded, as a real late transaction would be;
* absent keepers do nothing; a subject already queued by anyone is not queued again.

Seconds and prices are the lab's (``Lab.t``, oracle prices); nothing here reads the wall clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..session import Signer
from ..status import AccountStatus
from ..units import WAD
from .engine import Lab


@dataclass
class Intent:
    decided: int  # [lab seconds] when the keeper saw its reason
    due: int  # [lab seconds] when it lands
    kind: str  # "poke" | "call" | "kick" | "liquidationCall" | "redo" | "take"
    subject: Any  # an account, or an auction id
    keeper: int  # index into the keepers
    max_price: int | None = None  # [wad] a take's cap, the price seen at decision


class CongestedKeepers:
    def __init__(
        self,
        lab: Lab,
        signers: list[Signer],
        present: list[bool],
        delay: int,
        capacity: int,
        mechanism: str,
        discount: Decimal = Decimal("0.02"),
    ):
        self.lab = lab
        self.signers = signers
        self.present = present
        self.delay = delay
        self.capacity = capacity
        self.mechanism = mechanism
        self.discount = discount
        self.queue: deque[Intent] = deque()
        self.queued: set[tuple[str, Any]] = set()
        self.waits: list[int] = []  # [seconds] decision to landing, of every intent that landed
        self._turn = 0

    # ------------------------------------------------------------------ deciding
    def observe(self, states: list[tuple[str, Any]]) -> None:
        """Every present keeper looks at the chain now (``states``: what ``Lab.sample`` just
        read) and queues what it would do."""
        keepers = [i for i, here in enumerate(self.present) if here]
        if not keepers:
            return
        lab, now = self.lab, self.lab.t
        adapter = lab.market.oracle
        for symbol, asset in lab.market.collaterals.items():
            if adapter.call.needsPoke(asset.token.address):
                self._queue("poke", symbol, keepers, now)
        for account, st in states:
            if not st.priceOk or (st.debt == 0 and st.debtInAuction == 0):
                continue
            status = AccountStatus(st.status)
            if status == AccountStatus.Liquidatable and st.debt > 0:
                kind = "kick" if self.mechanism == "dutch" else "liquidationCall"
                if st.assetsIn != 0:
                    self._queue(kind, account, keepers, now)
            elif status == AccountStatus.MarginCall and st.callDeadline == 0 and self.mechanism == "dutch":
                self._queue("call", account, keepers, now)
        if self.mechanism != "dutch":
            return
        oracle = {s: lab.oracle_price(s) for s in lab.market.collaterals}
        for auction_id, (needs_redo, price, lot, _tab) in lab.auction_statuses().items():
            if needs_redo:
                self._queue("redo", auction_id, keepers, now)
                continue
            usd = oracle.get(lab._assets.get(auction_id, ""))
            if lot and usd is not None and Decimal(price) / WAD <= usd * (1 - self.discount):
                self._queue("take", auction_id, keepers, now, max_price=price)

    def _queue(self, kind: str, subject: Any, keepers: list[int], now: int, max_price: int | None = None) -> None:
        key = (kind, subject)
        if key in self.queued:
            return
        keeper = keepers[self._turn % len(keepers)]
        self._turn += 1
        self.queued.add(key)
        self.queue.append(Intent(now, now + self.delay, kind, subject, keeper, max_price))

    # ------------------------------------------------------------------ landing
    def land(self) -> int:
        """Execute the intents that are due, oldest first, ``capacity`` per keeper; returns how
        many landed (the rest wait for the next step)."""
        lab, now = self.lab, self.lab.t
        used = [0] * len(self.signers)
        waiting: deque[Intent] = deque()
        landed = 0
        while self.queue:
            intent = self.queue.popleft()
            if intent.due > now or used[intent.keeper] >= self.capacity:
                waiting.append(intent)
                continue
            used[intent.keeper] += 1
            landed += 1
            self.queued.discard((intent.kind, intent.subject))
            self.waits.append(now - intent.decided)
            self._execute(intent, self.signers[intent.keeper])
        self.queue = waiting
        return landed

    def _execute(self, intent: Intent, keeper: Signer) -> None:
        lab, pool, liq = self.lab, self.lab.market.pool, self.lab.market.liquidator
        if intent.kind == "poke":
            token = lab.market.collaterals[intent.subject].token.address
            lab.try_send("poke", lab.market.oracle.send.poke, token, sender=keeper)
        elif intent.kind == "call":
            receipt = lab.try_send("issueMarginCall", pool.send.issueMarginCall, intent.subject, sender=keeper)
            if receipt is not None:
                lab.recorder.event("call", t=lab.t, block=receipt.block, gas=receipt.gas_used, account=intent.subject)
        elif intent.kind == "kick":
            lab.kick(intent.subject, keeper)
        elif intent.kind == "redo":
            receipt = lab.try_send("redo", liq.send.redo, intent.subject, keeper.address, sender=keeper)
            if receipt is not None:
                lab.recorder.event("redo", t=lab.t, block=receipt.block, gas=receipt.gas_used, id=intent.subject)
        elif intent.kind == "take":
            lab.take(intent.subject, keeper, max_price=intent.max_price)
        elif intent.kind == "liquidationCall":
            lab.liquidation_call(intent.subject, keeper)
