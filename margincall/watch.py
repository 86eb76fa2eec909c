"""A live view of a market's accounts, and alerts as JSON lines (DESIGN.md 8: ``margincall watch``).

Each ``Watcher.poll`` reads every borrower through PoolLens at the latest block and returns the
rows to show (health factor, status, liquidation price, call deadline countdown, live auctions)
and the alerts since the previous poll, each a flat dict ready for ``json.dumps``:

* ``status``: the account's status changed (``from``/``to``; the first poll reports every
  account that is not Healthy, ``from`` null);
* ``deadline``: a live call's deadline is less than ``deadline_warning`` seconds away, once per
  call (the borrower's last chance to top up before becoming Liquidatable);
* ``price``: the account's prices became invalid, or valid again (``priceOk``).

The watcher only reads; it never sends a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .borrowers import Borrowers
from .deploy import Market
from .status import AccountStatus
from .units import fmt_hf, fmt_units


@dataclass(frozen=True)
class Row:
    """One account as the watcher shows it."""

    account: str
    debt: int  # [base units]
    health_factor: int  # [wad], 2**256 − 1 without debt
    call_level: int  # [wad]
    status: str
    liquidation_price: int  # [wad USD] of its only collateral; 0 with several or no debt
    deadline_in: int | None  # [seconds] until the live call's deadline (negative: passed)
    live_auctions: int
    price_ok: bool


class Watcher:
    def __init__(self, market: Market, deadline_warning: int = 3600):
        self.market: Market = market.core  # a Market or a framework's view of one
        self.borrowers = Borrowers(self.market)
        self.deadline_warning = deadline_warning
        self._seen: dict[str, tuple[str, bool]] = {}  # account → (status, priceOk) at the last poll
        self._warned: set[tuple[str, int]] = set()  # (account, deadline) already warned about

    def poll(self) -> tuple[list[Row], list[dict[str, Any]]]:
        self.check_deployment()
        block = self.market.chain.w3.eth.get_block("latest")
        now = block["timestamp"]
        rows, alerts = [], []
        for account, s in self.borrowers.states():
            status, price_ok, deadline = AccountStatus(s.status).name, s.priceOk, s.callDeadline
            row = Row(
                account=account,
                debt=s.debt,
                health_factor=s.healthFactor,
                call_level=s.callLevel,
                status=status,
                liquidation_price=s.liquidationPrice,
                deadline_in=deadline - now if deadline else None,
                live_auctions=s.liveAuctions,
                price_ok=price_ok,
            )
            rows.append(row)
            base = {"block": block["number"], "time": now, "account": account, "healthFactor": fmt_hf(row.health_factor)}
            before = self._seen.get(account)
            if (before is None and status != "Healthy") or (before is not None and before[0] != status):
                alerts.append({**base, "alert": "status", "from": before[0] if before else None, "to": status})
            if before is not None and before[1] != price_ok:
                alerts.append({**base, "alert": "price", "priceOk": price_ok})
            if deadline and 0 <= deadline - now < self.deadline_warning and (account, deadline) not in self._warned:
                self._warned.add((account, deadline))
                alerts.append({**base, "alert": "deadline", "deadline": deadline, "secondsLeft": deadline - now})
            self._seen[account] = (status, price_ok)
        return rows, alerts

    def check_deployment(self) -> None:
        """Raise ``DeployError`` when the chain was restarted under the watcher (``Borrowers.check_chain``)."""
        self.borrowers.check_chain("watcher")

    def table_rows(self, rows: list[Row]) -> list[tuple[str, ...]]:
        """The rows as display strings: account, debt, HF, call level, status, liquidation
        price, deadline countdown, live auctions."""
        base = self.market.base
        out = []
        for r in rows:
            if r.deadline_in is None:
                countdown = "-"
            elif r.deadline_in > 0:
                countdown = f"in {r.deadline_in // 3600} h {r.deadline_in % 3600 // 60:02d} min"
            else:
                countdown = "passed"
            out.append(
                (
                    r.account,
                    fmt_units(r.debt, base.decimals, 2),
                    fmt_hf(r.health_factor) if r.price_ok else "no price",
                    fmt_hf(r.call_level),
                    r.status,
                    fmt_units(r.liquidation_price, 18, 2) if r.liquidation_price else "-",
                    countdown,
                    str(r.live_auctions),
                )
            )
        return out
