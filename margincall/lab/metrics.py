"""What a scenario run records, and the ``metrics.json`` it writes.

A run keeps three things:

* **samples**, one per simulated step: the oracle price of every collateral, the distribution
  of health factors of the accounts with debt (quantiles, not every account: a 10,000-account
  run must stay small), how many accounts are on each rung of the ladder, the insurance fund's
  assets, the debt in auction and the bad debt realised so far;
* **events**: every liquidation-side action with its time, block, gas and amounts (kicks,
  takes with their clearing price beside the oracle price, fixed-spread liquidations, calls,
  redoes, settles, lost races);
* **totals** of the money (borrower losses, keeper profit, fund drawdown, bad debt), computed by
  the scenario from the chain's own books at the end, and the wall time of each phase.

Token amounts stay exact integers in their own units (``baseDecimals`` says how to read them);
health factors and prices in samples are floats, since they only feed plots.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..status import AccountStatus

METRICS_FILE = "metrics.json"
HF_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
HF_PLOT_CAP = 5.0  # health factors above this are shown as this (no-debt accounts are ∞)


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    """Add the wall time of the ``with`` block to ``into[name]`` [s]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into[name] = into.get(name, 0.0) + time.perf_counter() - start


def quantiles(values: list[float], qs: tuple[float, ...] = HF_QUANTILES) -> list[float]:
    """Nearest-rank quantiles of ``values`` (empty → empty)."""
    if not values:
        return []
    ordered = sorted(values)
    last = len(ordered) - 1
    return [ordered[min(last, max(0, round(q * last)))] for q in qs]


@dataclass
class Recorder:
    scenario: str
    seed: int
    mechanism: str  # "dutch" or "fixed-spread"
    base_symbol: str
    base_decimals: int
    params: dict[str, Any] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    gas: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    totals: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    wall: dict[str, float] = field(default_factory=dict)
    story: list[str] = field(default_factory=list)  # a few sentences: what happened
    transactions: int = 0
    # a run on the fast path: the raw ceiling measured in the same run and the path's own figures
    throughput: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> AbstractContextManager[None]:
        """Time a phase of the run (``setup``, ``simulation``, ``report``)."""
        return timed(self.wall, name)

    def sample(
        self,
        *,
        t: int,
        block: int,
        prices: dict[str, float],
        health_factors: list[float],
        statuses: dict[AccountStatus, int],
        fund_assets: int,
        debt_in_auction: int,
        bad_debt: int,
        amm_prices: dict[str, float] | None = None,
    ) -> None:
        capped = [min(hf, HF_PLOT_CAP) for hf in health_factors]
        extra = {"ammPrices": amm_prices} if amm_prices else {}
        self.samples.append(
            {
                **extra,
                "t": t,
                "block": block,
                "prices": prices,
                "hfQuantiles": quantiles(capped),
                "hfMin": min(capped) if capped else None,
                "statuses": {s.name: int(statuses.get(s, 0)) for s in AccountStatus},
                "fundAssets": int(fund_assets),
                "debtInAuction": int(debt_in_auction),
                "badDebt": int(bad_debt),
            }
        )

    def event(self, kind: str, *, t: int, block: int, gas: int | None = None, **fields: Any) -> None:
        """An action of the run; ``gas`` is also added to the per-kind gas table."""
        entry = {"kind": kind, "t": t, "block": block, **fields}
        if gas is not None:
            entry["gas"] = int(gas)
            self.gas[kind].append(int(gas))
        self.events.append(entry)

    def count(self, kind: str) -> int:
        return sum(1 for e in self.events if e["kind"] == kind)

    def to_json(self) -> dict[str, Any]:
        gas = {
            kind: {"count": len(v), "total": sum(v), "mean": sum(v) // len(v), "max": max(v)}
            for kind, v in sorted(self.gas.items())
            if v
        }
        simulated = self.wall.get("setup", 0.0) + self.wall.get("simulation", 0.0)
        extra = {"throughput": self.throughput_json(simulated)} if self.throughput else {}
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "mechanism": self.mechanism,
            "base": {"symbol": self.base_symbol, "decimals": self.base_decimals},
            "params": self.params,
            "story": self.story,
            "totals": self.totals,
            "checks": self.checks,
            "gas": gas,
            "transactions": self.transactions,
            "wall": {
                **{k: round(v, 3) for k, v in self.wall.items()},
                "txPerSecond": round(self.transactions / simulated, 1) if simulated > 0 else None,
            },
            **extra,
            "hfQuantileLevels": list(HF_QUANTILES),
            "samples": self.samples,
            "events": self.events,
        }

    def throughput_json(self, simulated: float) -> dict[str, Any]:
        """The run's rates against the raw ceiling measured in it (DESIGN.md 12 asks >= 0.6):
        ``sustainedTps`` is every transaction of the run over set-up + simulation wall time
        (reads, decisions and oracle moves included); ``fastPathTps`` only the time spent in
        ``margincall.bulk`` sending, mining and fetching receipts."""
        t = dict(self.throughput)
        ceiling = t.get("rawCeilingTps")
        sustained = self.transactions / simulated if simulated > 0 else None
        fast = t["fastPathTransactions"] / t["fastPathSeconds"] if t.get("fastPathSeconds") else None
        t["sustainedTps"] = round(sustained, 1) if sustained else None
        t["fastPathTps"] = round(fast, 1) if fast else None
        t["ratio"] = round(sustained / ceiling, 4) if sustained and ceiling else None
        t["fastPathRatio"] = round(fast / ceiling, 4) if fast and ceiling else None
        best_way = t.get("rawCeilingBestWayTps")  # the fastest way Anvil took transfers in the run
        t["ratioBestWay"] = round(sustained / best_way, 4) if sustained and best_way else None
        t["targetRatio"] = 0.6
        return t

    def write(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / METRICS_FILE
        path.write_text(json.dumps(self.to_json(), indent=1, default=str) + "\n")
        return path


def read_metrics(path: str | Path) -> dict[str, Any]:
    """A run's ``metrics.json`` (``path`` is the file or its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / METRICS_FILE
    try:
        data = json.loads(p.read_text())
    except OSError as exc:
        raise ValueError(f"{p}: cannot read the run's metrics ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    for key in ("scenario", "samples", "events", "totals", "base"):
        if key not in data:
            raise ValueError(f"{p}: not a scenario's metrics (no {key!r})")
    return data
