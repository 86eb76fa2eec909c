"""Price paths for scenarios: piecewise-linear through waypoints, sampled per simulated block.

Prices are exact ``Decimal`` USD per whole token; times are seconds from the path's start. A
scenario posts each sample to a mock feed between blocks (never inside a transaction: a lab
device, DESIGN.md 8). Replays of a historical crash keep its relative moves and rescale them to
the market's own starting price, so a 2020 ETH path (from $195) drives a demo WETH feed at
whatever level the parameter file sets.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..units import to_decimal

DATA_DIR = Path(__file__).parent / "data"
BLACK_THURSDAY_FILE = DATA_DIR / "black-thursday-2020.json"


class PathError(ValueError):
    """A path that cannot be built from what it was given."""


@dataclass(frozen=True)
class PricePath:
    """Prices at increasing times; linear in between, flat after the last point."""

    times: tuple[int, ...]  # [seconds from start], strictly increasing, first is 0
    prices: tuple[Decimal, ...]  # [USD per whole token], > 0
    name: str = "path"

    def __post_init__(self) -> None:
        if not self.times or len(self.times) != len(self.prices):
            raise PathError(f"{self.name}: needs as many times as prices, and at least one")
        if self.times[0] != 0:
            raise PathError(f"{self.name}: the first point must be at t = 0, not {self.times[0]}")
        if any(b <= a for a, b in zip(self.times, self.times[1:])):
            raise PathError(f"{self.name}: times must strictly increase, got {list(self.times)}")
        if any(p <= 0 for p in self.prices):
            raise PathError(f"{self.name}: every price must be positive, got {[str(p) for p in self.prices]}")

    @classmethod
    def through(cls, points: list[tuple[int, object]], name: str = "path") -> "PricePath":
        """A path through ``(seconds, price)`` points, prices as str/int/Decimal (no floats)."""
        ordered = sorted(points, key=lambda p: p[0])
        return cls(
            tuple(int(t) for t, _ in ordered),
            tuple(to_decimal(p, f"{name} price") for _, p in ordered),
            name,
        )

    @classmethod
    def shock(cls, start: object, drop: object, at: int = 0, name: str = "shock") -> "PricePath":
        """``start`` until ``at``, then ``start × (1 − drop)`` in one step (``drop`` "0.4" = −40 %)."""
        start_d, drop_d = to_decimal(start, f"{name} start"), to_decimal(drop, f"{name} drop")
        if not 0 < drop_d < 1:
            raise PathError(f"{name}: drop must be in (0, 1), got {drop}")
        after = start_d * (1 - drop_d)
        if at == 0:
            return cls((0,), (after,), name)
        return cls((0, int(at), int(at) + 1), (start_d, start_d, after), name)

    @property
    def duration(self) -> int:
        return self.times[-1]

    def price_at(self, t: int) -> Decimal:
        """The price at ``t`` seconds (linear between points, flat outside)."""
        if t <= 0:
            return self.prices[0]
        if t >= self.times[-1]:
            return self.prices[-1]
        i = bisect_right(self.times, t) - 1
        t0, t1 = self.times[i], self.times[i + 1]
        p0, p1 = self.prices[i], self.prices[i + 1]
        return p0 + (p1 - p0) * Decimal(t - t0) / Decimal(t1 - t0)

    def sample(self, step: int) -> list[tuple[int, Decimal]]:
        """Every ``step`` seconds from 0 to the end, plus every waypoint (no move is skipped)."""
        if step <= 0:
            raise PathError(f"{self.name}: step must be a positive number of seconds, got {step}")
        times = sorted(set(range(0, self.duration + 1, step)) | set(self.times))
        return [(t, self.price_at(t)) for t in times]

    def rescaled(self, start: object) -> "PricePath":
        """The same relative moves from ``start`` instead of the path's own first price."""
        new_start, old_start = to_decimal(start, f"{self.name} start"), self.prices[0]
        return PricePath(self.times, tuple(p * new_start / old_start for p in self.prices), self.name)

    def window(self, begin: int, end: int) -> "PricePath":
        """The part between ``begin`` and ``end`` seconds, re-timed to start at 0."""
        if not 0 <= begin < end:
            raise PathError(f"{self.name}: window needs 0 <= begin < end, got {begin}, {end}")
        inner = [(t, p) for t, p in zip(self.times, self.prices) if begin < t < end]
        points = [(0, self.price_at(begin))] + [(t - begin, p) for t, p in inner]
        points.append((end - begin, self.price_at(end)))
        return PricePath(tuple(t for t, _ in points), tuple(p for _, p in points), self.name)

    def max_drawdown(self) -> Decimal:
        """The largest fall from a running peak, as a fraction (0.35 = −35 %)."""
        peak, worst = self.prices[0], Decimal(0)
        for p in self.prices:
            peak = max(peak, p)
            worst = max(worst, 1 - p / peak)
        return worst


@dataclass(frozen=True)
class HistoricalReplay:
    """A reported crash: its price path and the on-chain conditions reported with it."""

    path: PricePath
    confirmation_delay: int  # [seconds] reported average transaction confirmation time
    oracle_delay: int  # [seconds] reported oracle lag (MakerDAO's OSM), for reference
    description: str


def _utc_seconds(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def black_thursday(path: Path = BLACK_THURSDAY_FILE) -> HistoricalReplay:
    """ETH/USD on 12-13 March 2020, through the reported waypoints of the data file.

    The replay starts at the first leg (10:00 UTC): the hours before it are flat at the file's
    level and would only add blocks. Both legs are kept: about −35 % in 30 minutes, then a
    second leg overnight to the reported low."""
    try:
        data = json.loads(Path(path).read_text())
        waypoints = data["eth_usd_waypoints"]
        points = [(_utc_seconds(w["utc"]), str(w["price"])) for w in waypoints]
        delay = int(data["network"]["avg_tx_confirmation_minutes"]) * 60
        oracle_delay = int(data["makerdao"]["oracle_delay_hours"]) * 3600
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PathError(f"{path}: not a readable Black Thursday data file ({exc})") from None
    first_leg = next((t for (t, _), w in zip(points, waypoints) if "first leg" in w.get("note", "")), points[0][0])
    origin = points[0][0]
    full = PricePath.through([(t - origin, p) for t, p in points], "black-thursday")
    replay = full.window(first_leg - origin, full.duration)
    return HistoricalReplay(replay, delay, oracle_delay, data.get("what", ""))
