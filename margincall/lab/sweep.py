"""``margincall sweep``: a grid of scenario parameters, one chain per grid point (DESIGN.md 12).

A grid file (YAML) names a scenario, a seed and, for each swept option, the values to try::

    scenario: cascade
    seed: 7
    accounts: 40
    grid:
      buf: ["1.05", "1.20"]
      keeper_delay: [0, 600]

Every combination runs ``run_scenario`` on its own private Anvil, in a process pool on all cores
by default, or as one Ray task per grid point with ``--ray ADDRESS`` (``--ray local`` starts a
local instance; Ray is the optional extra ``pip install .[ray]``). The same function runs in both.
The sweep writes ``sweep.csv`` and ``sweep.json`` (one row per point: its options and the run's
totals) and heatmaps of bad debt and borrower loss over the first two swept options.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from .engine import RunOptions, ScenarioError

SWEEPABLE = ("buf", "cut", "grace_period", "shock", "keeper_delay")
TOTALS = ("liquidations", "takes", "badDebt", "borrowerLoss", "fundDrawdown")


def load_grid(path: str | Path) -> dict[str, Any]:
    """The grid file, checked: every problem named with the file and the key."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text())
    except OSError as exc:
        raise ScenarioError(f"{p}: cannot read the grid file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("grid"), dict) or not raw["grid"]:
        raise ScenarioError(f"{p}: needs a `grid:` mapping of option -> list of values")
    from .scenarios import SCENARIOS

    if raw.get("scenario") not in SCENARIOS:
        raise ScenarioError(f"{p}: scenario: {raw.get('scenario')!r} is not one of {', '.join(SCENARIOS)}")
    for key, values in raw["grid"].items():
        if key not in SWEEPABLE:
            raise ScenarioError(f"{p}: grid.{key}: not a sweepable option (choose from {', '.join(SWEEPABLE)})")
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"{p}: grid.{key}: give a non-empty list of values, got {values!r}")
    for key in ("seed", "accounts"):
        if key in raw and (not isinstance(raw[key], int) or raw[key] < (0 if key == "seed" else 1)):
            raise ScenarioError(f"{p}: {key}: must be a whole number{' >= 0' if key == 'seed' else ' >= 1'}")
    return raw


def points(grid: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a stable order."""
    keys = list(grid["grid"])
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid["grid"][k] for k in keys))]


def run_point(scenario: str, seed: int, accounts: int | None, liquidator: str | None, point: dict[str, Any], out: str) -> dict[str, Any]:
    """One grid point on its own chain: the row of the table (also the Ray task's body)."""
    from .metrics import read_metrics
    from .scenarios import run_scenario

    name = "-".join(f"{k}={v}" for k, v in point.items())
    options = RunOptions(seed=seed, accounts=accounts, liquidator=liquidator, out=Path(out) / name,
                         **{k: (int(v) if k in ("grace_period", "keeper_delay") else str(v)) for k, v in point.items()})
    folder = run_scenario(scenario, options)
    m = read_metrics(folder if (folder / "metrics.json").exists() else next(folder.glob("*/")))
    return {**point, **{k: m["totals"].get(k, 0) for k in TOTALS}, "folder": str(folder)}


def run_sweep(grid: dict[str, Any], out: str | Path, workers: int | None = None, ray_address: str | None = None) -> list[dict[str, Any]]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    args = (grid["scenario"], grid.get("seed", 7), grid.get("accounts"), grid.get("liquidator"))
    grid_points = points(grid)
    if ray_address is not None:
        rows = _run_on_ray(ray_address, args, grid_points, out)
    else:
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            rows = list(pool.map(run_point, *zip(*[(*args, p, str(out)) for p in grid_points])))
    _write_table(rows, out)
    _heatmaps(rows, list(grid["grid"]), out, grid.get("base_decimals", 6))
    return rows


def _run_on_ray(address: str, args: tuple, grid_points: list[dict[str, Any]], out: Path) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise ScenarioError("--ray needs Ray: pip install '.[ray]'") from None
    ray.init(address=None if address == "local" else address, ignore_reinit_error=True, log_to_driver=False)
    task = ray.remote(run_point)
    return ray.get([task.remote(*args, p, str(out)) for p in grid_points])


def _write_table(rows: list[dict[str, Any]], out: Path) -> None:
    (out / "sweep.json").write_text(json.dumps(rows, indent=1) + "\n")
    with open(out / "sweep.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _heatmaps(rows: list[dict[str, Any]], keys: list[str], out: Path, decimals: int) -> None:
    """Bad debt and borrower loss over the first two swept options (one row if only one)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_key, y_key = keys[0], (keys[1] if len(keys) > 1 else None)
    xs = sorted({r[x_key] for r in rows}, key=str)
    ys = sorted({r[y_key] for r in rows}, key=str) if y_key else [None]
    for metric, title in (("badDebt", "bad debt"), ("borrowerLoss", "borrower loss")):
        grid = [[sum(r[metric] for r in rows if r[x_key] == x and (y_key is None or r[y_key] == y)) / 10**decimals
                 for x in xs] for y in ys]
        fig, ax = plt.subplots(figsize=(1.6 * len(xs) + 3, 1.0 * len(ys) + 2.2))
        image = ax.imshow(grid, cmap="Reds", aspect="auto")
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
        ax.set_yticks(range(len(ys)), [str(y) for y in ys] if y_key else [""])
        ax.set_xlabel(x_key)
        ax.set_ylabel(y_key or "")
        low, high = min(min(row) for row in grid), max(max(row) for row in grid)
        for i, row in enumerate(grid):
            for j, v in enumerate(row):  # white on the dark half of the colour scale, black on the light
                dark = high > low and (v - low) / (high - low) > 0.5
                ax.text(j, i, f"{v:,.0f}", ha="center", va="center", fontsize=8, color="white" if dark else "black")
        fig.colorbar(image, ax=ax, label=f"{title} [base tokens]")
        ax.set_title(f"{title} over the grid")
        fig.tight_layout()
        fig.savefig(out / f"heatmap-{metric}.png", dpi=110)
        plt.close(fig)
