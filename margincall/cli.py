"""``margincall``: the harness's command line (DESIGN.md 8).

    margincall deploy [--params FILE] [--network anvil]
    margincall keeper --once [--deployment FILE] [--flash-taker ADDR --amm WETH=ADDR ...]
    margincall watch [--once] [--deployment FILE] [--deadline-warning SECONDS] [--no-table]

Each command loads the Brownie project of this repository and connects to ``--network``: any
network Brownie knows (``brownie networks list``). A development network whose host is
already listening is attached to (a chain started by someone else); otherwise Brownie launches
it and stops it when the command ends. Transactions are sent from one of the node's unlocked
accounts (``--account``, an index).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from .deploy import DeployError, deploy_market, load_deployment, write_deployment
from .keeper import Action, Keeper
from .params import DEMO_PARAMS, ParamsError, load_params
from .rpc import install_receipt_retry
from .watch import Watcher

ROOT = Path(__file__).resolve().parent.parent  # the repository: contracts/, build/, brownie-config.yaml

app = typer.Typer(help="Margin Call Lab harness: deploy a market, run a keeper, watch accounts.", no_args_is_help=True)

NETWORK = typer.Option("anvil", help="Brownie network id (brownie networks list).")
ACCOUNT = typer.Option(0, help="Index of the node's unlocked account that sends the transactions.")


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


def _connect(network: str) -> Any:
    """The repository's Brownie project, on ``network`` (reused when already loaded and
    connected, as under pytest). Brownie resolves the compiler's remappings (node_modules/)
    against the working directory, so the command runs from the repository root from here
    on: resolve path options before calling this."""
    from brownie import network as brownie_network
    from brownie import project as brownie_project

    from brownie.exceptions import BrownieEnvironmentWarning

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=BrownieEnvironmentWarning)  # "block height of N" on attach
    loaded = brownie_project.get_loaded_projects()
    if not loaded:
        os.chdir(ROOT)
    if loaded:
        project = loaded[0]
    else:
        project = brownie_project.load(ROOT, name="MarginCallLab")
        project.load_config()  # brownie-config.yaml: the networks' ports, gas limits, ...
    if not brownie_network.is_connected():
        try:
            # Brownie announces the launch or attach on stdout; stdout is for the command's output
            with contextlib.redirect_stdout(sys.stderr):
                brownie_network.connect(network)
        except Exception as exc:  # Brownie raises several unrelated types for a bad network
            _fail(f"cannot connect to network {network!r}: {exc}")
    install_receipt_retry()
    return project


def _account(index: int) -> Any:
    from brownie import accounts

    if not 0 <= index < len(accounts):
        _fail(f"--account {index}: the node has {len(accounts)} unlocked accounts")
    return accounts[index]


def _contract_at(project: Any, name: str, address: str, option: str) -> Any:
    from brownie import web3

    if not web3.is_address(address):
        _fail(f"{option} {address}: not an address")
    address = web3.to_checksum_address(address)
    if len(web3.eth.get_code(address)) == 0:
        _fail(f"no {name} at {address}: no contract code there")
    return getattr(project, name).at(address)


def _deployment_path(deployment: Optional[Path]) -> Optional[Path]:
    """The --deployment option checked and made absolute (before ``_connect`` changes directory)."""
    if deployment is None:
        return None
    if not deployment.is_file():
        _fail(f"deployment file not found: {deployment}")
    return deployment.resolve()


def _market(project: Any, deployment: Optional[Path]) -> Any:
    """The market of ``deployment``, or of deployments/<chain-id>.json of the connected chain."""
    from brownie import chain

    try:
        return load_deployment(project, deployment or ROOT / "deployments" / f"{chain.id}.json")
    except DeployError as exc:
        _fail(str(exc))


DEPLOYMENT = typer.Option(None, help="Deployment record; default deployments/<chain-id>.json of the connected chain.")


@app.command()
def deploy(
    params: Path = typer.Option(DEMO_PARAMS, help="Market parameter file (YAML)."),
    network: str = NETWORK,
    out: Path = typer.Option(ROOT / "deployments", help="Folder for <chain-id>.json."),
    account: int = ACCOUNT,
) -> None:
    """Deploy the market of a parameter file and write deployments/<chain-id>.json."""
    try:
        spec = load_params(params)
    except ParamsError as exc:
        _fail(str(exc))
    out = out.resolve()
    project = _connect(network)
    governor = _account(account)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Brownie prints every transaction
            market = deploy_market(project, governor, spec)
    except DeployError as exc:
        _fail(str(exc))
    path = write_deployment(market, out)
    typer.echo(f"LendingPool {market.pool.address} on chain {market.chain_id}, block {market.block}")
    typer.echo(f"deployment written to {path}")


@app.command()
def keeper(
    deployment: Optional[Path] = DEPLOYMENT,
    network: str = NETWORK,
    account: int = ACCOUNT,
    flash_taker: Optional[str] = typer.Option(None, help="FlashTaker owned by --account; without it no takes."),
    amm: list[str] = typer.Option([], help="SYMBOL=ADDRESS of the MockAMM the FlashTaker sells SYMBOL on."),
    margin_bps: int = typer.Option(100, help="Take when the AMM pays owe × (1 + margin_bps / 10,000)."),
    once: bool = typer.Option(False, "--once", help="One pass, print its actions, exit."),
    interval: float = typer.Option(12.0, help="Seconds between passes (without --once)."),
) -> None:
    """Issue margin calls, kick, redo and take (with a FlashTaker) on one market."""
    deployment = _deployment_path(deployment)
    amms: dict[str, str] = {}
    for entry in amm:
        symbol, sep, address = entry.partition("=")
        if not sep:
            _fail(f"--amm {entry}: expected SYMBOL=ADDRESS")
        amms[symbol] = address
    if amms and flash_taker is None:
        _fail("--amm needs --flash-taker")

    project = _connect(network)
    sender = _account(account)
    market = _market(project, deployment)
    taker = None
    if flash_taker is not None:
        taker = _contract_at(project, "FlashTaker", flash_taker, "--flash-taker")
        try:
            serves, owner = taker.liquidator(), taker.owner()
        except Exception:  # code that is not a FlashTaker: the calls revert or do not decode
            _fail(f"no FlashTaker at {taker.address}: the contract there does not answer as one")
        if serves != market.liquidator.address:
            _fail(f"the FlashTaker at {taker.address} serves liquidator {serves}, not {market.liquidator.address}")
        if owner != sender.address:
            _fail(f"the FlashTaker at {taker.address} is owned by {owner}; --account {account} is {sender.address}")
    unknown = set(amms) - set(market.collaterals)
    if unknown:
        _fail(f"--amm: {', '.join(sorted(unknown))} is not a collateral of this market ({', '.join(market.collaterals)})")
    amm_contracts = {s: _contract_at(project, "MockAMM", a, "--amm") for s, a in amms.items()}
    for symbol, pair in amm_contracts.items():
        want = (market.collaterals[symbol].token.address, market.base.token.address)
        if (pair.collateral(), pair.base()) != want:
            _fail(f"--amm {symbol}: the MockAMM at {pair.address} does not trade {symbol} against {market.base.symbol}")

    k = Keeper(market, sender, taker=taker, amms=amm_contracts, margin_bps=margin_bps)
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)

    # the console keeps the real stdout; Brownie's line per transaction goes nowhere
    quiet = contextlib.redirect_stdout(io.StringIO())
    if once:
        with quiet:
            actions = k.run_once()
        console.print(_table(actions, market.chain_id))
        return
    console.print(f"keeper on chain {market.chain_id}, pool {market.pool.address}, every {interval} s (Ctrl-C stops)")
    try:
        with quiet:
            k.run(interval, on_pass=lambda actions: actions and console.print(_table(actions, market.chain_id)))
    except KeyboardInterrupt:
        console.print("keeper stopped")


@app.command()
def watch(
    deployment: Optional[Path] = DEPLOYMENT,
    network: str = NETWORK,
    once: bool = typer.Option(False, "--once", help="One look, then exit."),
    interval: float = typer.Option(12.0, help="Seconds between looks (without --once)."),
    deadline_warning: int = typer.Option(3600, help="Alert when a call's deadline is this many seconds away."),
    table: bool = typer.Option(True, help="Show the accounts table (on stderr); --no-table for alerts only."),
) -> None:
    """Show every borrower's health and call countdown; print alerts as JSON lines.

    The table goes to stderr and the alerts (status changes, deadlines close, prices lost) to
    stdout, so they can be piped."""
    deployment = _deployment_path(deployment)
    project = _connect(network)
    market = _market(project, deployment)
    watcher = Watcher(market, deadline_warning=deadline_warning)
    screen = Console(file=sys.stderr, width=None if sys.stderr.isatty() else 160)

    def look() -> None:
        rows, alerts = watcher.poll()
        if table:
            screen.print(_accounts_table(watcher, rows, market.chain_id))
        for alert in alerts:
            typer.echo(json.dumps(alert))

    look()
    if once:
        return
    try:
        while True:
            time.sleep(interval)
            look()
    except KeyboardInterrupt:
        screen.print("watch stopped")


def _accounts_table(watcher: Watcher, rows: list, chain_id: int) -> Table:
    table = Table(title=f"Accounts on chain {chain_id}")
    for column in ("account", "debt", "HF", "call level", "status", "liq. price", "call deadline", "auctions"):
        table.add_column(column, justify="left" if column in ("account", "status") else "right")
    style = {"Healthy": "green", "MarginCall": "yellow", "Liquidatable": "red"}
    for r, cells in zip(rows, watcher.table_rows(rows)):
        cells = list(cells)
        cells[4] = f"[{style[r.status]}]{r.status}[/{style[r.status]}]"
        table.add_row(*cells)
    return table


def _table(actions: list[Action], chain_id: int) -> Table:
    table = Table(title=f"Keeper pass on chain {chain_id}: {len(actions)} action(s)")
    for column in ("kind", "account / auction", "outcome", "tx", "detail"):
        table.add_column(column)
    for a in actions:
        style = "green" if a.ok else "yellow"
        table.add_row(a.kind, a.subject, f"[{style}]{a.outcome}[/{style}]", a.tx or "-", a.detail)
    return table
