"""A keeper for one market: margin calls, kicks, redoes and flash takes (DESIGN.md 3, 4, 8).

One pass (``Keeper.run_once``):

1. discover borrowers from the pool's ``CollateralDeposited`` and ``Borrowed`` events since the
   deployment block (only new blocks on later passes);
2. read them through ``PoolLens.accounts`` in batches of at most 500, at one snapshot each;
   accounts whose ``priceOk`` is false are skipped (nothing can be done on a bad price);
3. ``issueMarginCall`` for every MarginCall account without a live call, ``clearMarginCall``
   for every Healthy account that still has one, ``kick`` every Liquidatable account (unless it
   has live auctions and no collateral left: nothing to seize);
4. for each active auction: ``redo`` when ``getStatus`` says it needs one; else, with a
   ``FlashTaker`` (owned by the keeper's account) and a ``MockAMM`` for the lot's asset, take the
   whole lot when the AMM's quote for it covers the owe by ``margin_bps``; else leave it.

Every transaction may lose a race (another keeper sent the same one first, or the state moved
between the read and the send): a revert with one of the protocol's named errors is recorded as
the action's outcome, never raised. Anything else (an unknown revert, a dead RPC) is raised.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from brownie.exceptions import VirtualMachineError

from .borrowers import Borrowers
from .deploy import Market

log = logging.getLogger(__name__)

WAD = 10**18
HEALTHY, MARGIN_CALL, LIQUIDATABLE = 0, 1, 2
OK = "ok"


@dataclass(frozen=True)
class Action:
    """One transaction the keeper sent and how it ended."""

    kind: str  # "call" | "clear" | "kick" | "redo" | "take"
    subject: str  # account address, or auction id
    tx: str | None  # transaction hash (a reverted transaction has one too)
    outcome: str  # "ok", or the protocol's error name when it lost a race ("NotLiquidatable")
    detail: str = ""  # the full revert message, or what the take earned

    @property
    def ok(self) -> bool:
        return self.outcome == OK


class Keeper:
    """Keeps one market from one account.

    ``taker`` is a deployed ``FlashTaker`` owned by ``sender``; ``amms`` maps a collateral symbol
    to the ``MockAMM`` the taker sells it on. Without them the keeper never takes.
    ``margin_bps``: a lot is taken when the AMM pays at least owe · (1 + margin_bps / 10⁴), and
    the take itself requires that profit on-chain (FlashTaker's ``minProfit``).
    """

    def __init__(
        self,
        market: Market,
        sender: Any,
        taker: Any = None,
        amms: dict[str, Any] | None = None,
        margin_bps: int = 100,
        clear_calls: bool = True,
    ):
        self.market = market
        self.sender = sender
        self.taker = taker
        self.amms = {market.collaterals[s].token.address: amm for s, amm in (amms or {}).items()}
        self.margin_bps = margin_bps
        self.clear_calls = clear_calls
        self.borrowers = Borrowers(market)
        contracts = [market.pool, market.liquidator, market.oracle, market.config] + ([taker] if taker else [])
        self.named_errors = {e["name"] for c in contracts for e in c.abi if e["type"] == "error"}

    # ------------------------------------------------------------------ one pass
    def run_once(self) -> list[Action]:
        """Discover, read, act on accounts, then on auctions. Returns the actions taken."""
        return self.act_on_accounts(self.read_accounts()) + self.act_on_auctions()

    def run(self, interval: float, stop_after: int | None = None, on_pass: Callable | None = None) -> list[Action]:
        """Passes every ``interval`` seconds, forever or ``stop_after`` passes; ``on_pass`` sees
        each pass's actions. A pass that fails (e.g. the RPC is briefly down) is logged with its
        traceback and the next one runs as planned."""
        done: list[Action] = []
        passes = 0
        while stop_after is None or passes < stop_after:
            try:
                actions = self.run_once()
            except (ConnectionError, OSError, ValueError):
                log.exception("keeper pass failed; retrying in %s s", interval)
                actions = []
            done += actions
            if on_pass is not None:
                on_pass(actions)
            passes += 1
            if stop_after is None or passes < stop_after:
                time.sleep(interval)
        return done

    # ------------------------------------------------------------------ accounts
    def read_accounts(self) -> list[tuple[str, Any]]:
        """(account, AccountState) for every borrower seen so far (``Borrowers.states``)."""
        return self.borrowers.states()

    def act_on_accounts(self, states: list[tuple[str, Any]]) -> list[Action]:
        pool, liq = self.market.pool, self.market.liquidator
        actions = []
        for account, s in states:
            if not s["priceOk"]:
                continue
            status, called = s["status"], s["callDeadline"] != 0
            if status == MARGIN_CALL and not called:
                actions.append(self._send("call", account, pool.issueMarginCall, account))
            elif status == HEALTHY and called and self.clear_calls:
                actions.append(self._send("clear", account, pool.clearMarginCall, account))
            elif status == LIQUIDATABLE and not (s["liveAuctions"] and s["assetsIn"] == 0):
                actions.append(self._send("kick", account, liq.kick, account, self.sender))
        return actions

    # ------------------------------------------------------------------ auctions
    def act_on_auctions(self) -> list[Action]:
        liq = self.market.liquidator
        actions = []
        for id_ in liq.activeAuctions():
            needs_redo, price, lot, tab = liq.getStatus(id_)
            if needs_redo:
                actions.append(self._send("redo", str(id_), liq.redo, id_, self.sender))
            elif self.taker is not None:
                action = self._maybe_take(id_, price, lot, tab)
                if action is not None:
                    actions.append(action)
        return actions

    def _maybe_take(self, id_: int, price: int, lot: int, tab: int) -> Action | None:
        """Take the whole lot through the FlashTaker when the AMM's quote for what the take
        buys covers the owe by the margin (the owe and slice as the liquidator computes them)."""
        auction = self.market.liquidator.auctions(id_)
        amm = self.amms.get(auction["asset"])
        if amm is None or price == 0 or lot == 0:
            return None
        base_scale, scale = 10**self.market.base.decimals, auction["scale"]
        owe = -(-lot * price * base_scale // (scale * WAD))  # rounded up
        sold = lot
        if owe > tab:  # the tab is paid before the lot is gone: the slice shrinks
            owe = tab
            sold = tab * WAD * scale // (base_scale * price)
        proceeds = amm.quote(auction["asset"], sold)
        min_profit = owe * self.margin_bps // 10_000
        if proceeds < owe + min_profit:
            return None
        return self._send(
            "take", str(id_), self.taker.take, id_, lot, price, amm, min_profit,
            detail=lambda tx: f"profit {tx.events['FlashTaken'][0]['profit']} base units",
        )

    # ------------------------------------------------------------------ sending
    def _send(self, kind: str, subject: str, fn: Callable, *args: Any, detail: Callable | None = None) -> Action:
        """Send one transaction; a revert with a protocol error becomes the outcome."""
        try:
            tx = fn(*args, {"from": self.sender})
        except VirtualMachineError as exc:
            message = str(getattr(exc, "revert_msg", "") or exc)
            name = message.split(":", 1)[0].strip()
            if name not in self.named_errors:
                raise
            log.info("%s %s lost a race: %s", kind, subject, message)
            return Action(kind, subject, getattr(exc, "txid", None) or None, name, message)
        return Action(kind, subject, tx.txid, OK, detail(tx) if detail else "")
