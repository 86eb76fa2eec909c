"""``margincall scenario`` and ``margincall report``: the lab's commands (DESIGN.md 12).

    margincall scenario --list
    margincall scenario NAME [--seed N] [--accounts N] [--out DIR] [--liquidator dutch|fixed-spread]
                             [--buf X] [--cut X] [--grace-period S] [--shock F] [--keeper-delay S] [--rpc-url URL]
    margincall report DIR [--compare DIR ...]

Without ``--rpc-url`` a scenario runs on its own Anvil (a fixed genesis time, the block clock
frozen: the same seed gives the same transactions and the same metrics) and stops it at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..artifacts import ArtifactError
from ..errors import HarnessError, ProtocolError
from ..params import ParamsError
from .engine import RunOptions, ScenarioError

EXAMPLES_SCENARIO = (
    "Examples:  margincall scenario --list  ·  margincall scenario missed-call --seed 3 --out reports/missed"
    "  ·  margincall scenario insurance-exhausted --accounts 8 --shock 0.5"
)
EXAMPLES_REPORT = "Example:  margincall report reports/scenarios/missed-call-seed7"


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


def scenario(
    name: Optional[str] = typer.Argument(None, metavar="NAME", help="Scenario to run (see --list)."),
    list_: bool = typer.Option(False, "--list", help="List the scenarios with a line each, and exit."),
    seed: int = typer.Option(7, min=0, help="Seed of every random draw: same seed, same run."),
    accounts: Optional[int] = typer.Option(None, min=1, help="Borrowers (default: the scenario's own)."),
    out: Optional[Path] = typer.Option(None, help="Output folder (default reports/scenarios/NAME-seedN)."),
    liquidator: Optional[str] = typer.Option(
        None, help="dutch (the protocol's auction) or fixed-spread (the lab baseline); default: the scenario's own."
    ),
    buf: Optional[str] = typer.Option(None, help="Auction start price over the oracle price, e.g. 1.10."),
    cut: Optional[str] = typer.Option(None, help="Stair-step decay per step, e.g. 0.99."),
    grace_period: Optional[int] = typer.Option(None, min=0, help="Margin-call grace period [seconds]."),
    shock: Optional[str] = typer.Option(None, help="Size of the first price fall, e.g. 0.4 for -40 %."),
    keeper_delay: Optional[int] = typer.Option(None, min=0, help="Seconds before keepers act on what they see."),
    rpc_url: Optional[str] = typer.Option(
        None, "--rpc-url", metavar="URL", help="A development node to run on. Default: a private Anvil, stopped on exit."
    ),
) -> None:
    """Run a named, seeded liquidation scenario on a real chain; writes metrics.json, PNG plots
    and report.md into its output folder."""
    from .scenarios import SCENARIOS, run_scenario

    if list_:
        width = max(len(n) for n in SCENARIOS)
        for scenario_name, module in SCENARIOS.items():
            typer.echo(f"{scenario_name:<{width}}  {module.DESCRIPTION}")
        return
    if name is None:
        _fail("name a scenario (margincall scenario --list shows them)")
    console = Console(stderr=True)
    try:
        options = RunOptions(
            seed=seed, accounts=accounts, out=out, liquidator=liquidator, buf=buf, cut=cut,
            grace_period=grace_period, shock=shock, keeper_delay=keeper_delay,
        )  # fmt: skip
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as progress:  # fmt: skip
            folder = run_scenario(name, options, rpc_url=rpc_url, log=lambda m: console.print(m), progress=progress)
    except (ScenarioError, HarnessError, ParamsError, ArtifactError) as exc:
        _fail(str(exc))
    except ProtocolError as exc:
        _fail(f"the chain refused a transaction: {exc.message.rstrip(': ')}")
    typer.echo(f"{name}: report written to {folder / 'report.md'}")



def report(
    folder: Path = typer.Argument(..., metavar="DIR", help="A scenario's output folder (holds metrics.json)."),
    compare: list[Path] = typer.Option([], "--compare", metavar="DIR", help="Other runs to overlay (repeatable)."),
) -> None:
    """Re-render a run's plots and report.md from its metrics.json (no chain needed)."""
    from .report import render

    try:
        path = render(folder, compare)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"report written to {path}")


EXAMPLES_SWEEP = "Example:  margincall sweep --grid grid.yaml --out reports/sweep  (see margincall/lab/sweep.py for the file)"


def sweep(
    grid: Path = typer.Option(..., "--grid", metavar="FILE", help="Grid file (YAML): scenario, seed, grid of options."),
    out: Path = typer.Option(Path("reports/sweep"), help="Output folder: sweep.csv, sweep.json, heatmaps, one folder per point."),
    workers: Optional[int] = typer.Option(None, min=1, help="Processes (default: all cores); one private Anvil each."),
    ray: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help="Run on a Ray cluster (or 'local'): pip install '.[ray]'."),
) -> None:
    """Run a scenario over a grid of parameters, one chain per grid point, and tabulate it."""
    from .sweep import load_grid, run_sweep

    try:
        rows = run_sweep(load_grid(grid), out, workers, ray)
    except (ScenarioError, HarnessError, ParamsError, ArtifactError) as exc:
        _fail(str(exc))
    typer.echo(f"{len(rows)} grid points; table in {out / 'sweep.csv'}, heatmaps in {out}")
