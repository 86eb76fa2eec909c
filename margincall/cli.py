"""``margincall``: the harness's command line (DESIGN.md 8, 12).

    margincall deploy  [--params FILE] [--out DIR] [--liquidator dutch|fixed-spread]  CHAIN SIGNER
    margincall keeper  [--once] [--json] [--deployment FILE] [--flash-taker ADDR --amm WETH=ADDR]  CHAIN SIGNER
                       (a fixed-spread market: liquidationCall, paid from the signer's base tokens)
    margincall watch   [--once] [--deployment FILE] [--no-table]   CHAIN
    margincall demo                                                CHAIN SIGNER
    margincall bench gas        [--accounts N] [--out FILE]          CHAIN
    margincall bench throughput [--accounts N] [--out FILE]          CHAIN (Anvil: impersonates, automine off)
    margincall up [--params FILE] [--port N] [--liquidator KIND]; price, time, open, top-up, repay, populate   the lab bench
                                                                   (margincall/bench_commands.py)

CHAIN is ``--rpc-url URL`` (any JSON-RPC node); without it the command starts its own Anvil on
a free port, says so on stderr, and stops it when the command ends (Ctrl-C and SIGTERM
included): it never attaches to a chain it was not pointed at. On its own chain ``keeper`` and
``watch`` first deploy the demo market (there is nothing else there to keep or watch), and
``deploy`` writes no record unless ``--out`` asks for one (the chain is gone afterwards).

SIGNER is one of ``--private-key-env NAME`` (the key is read from that environment variable,
never from the command line), ``--keystore FILE`` (password prompted, or read from the variable
``--password-env`` names) or ``--unlocked N`` (the node's N-th unlocked account, on a dev node).
Without one, the node's first unlocked account signs, if it has any.

Every problem the user can fix ends the command with one ``Error: ...`` line and exit code 1;
Ctrl-C ends a long-running command with 130, SIGTERM with 143. While ``margincall up`` runs, a
command without ``--rpc-url`` uses its chain (``margincall.upstate``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlparse

import requests
import typer
from eth_account import Account
from rich.console import Console
from rich.table import Table
from web3 import Web3

from .anvil import LocalAnvil
from .artifacts import ArtifactError, project_root
from .deploy import LIQUIDATORS, DeployError, Market, deploy_market, load_deployment, read_record, write_deployment
from .errors import HarnessError, ProtocolError
from .keeper import Action, Keeper
from .params import DEMO_PARAMS, ParamsError, load_params
from .retry import short_reason, with_retries
from .session import Chain, Signer
from .signals import sigterm_as_exit, stop_code
from .upstate import keep_aside, live_record, read_state
from .watch import Watcher

app = typer.Typer(
    help="Margin Call Lab harness: deploy a market, run a keeper, watch accounts, tell the demo, bench; "
    "and a lab bench to drive by hand (up, price, time, open, populate, top-up, repay).\n\n"
    "Example: margincall up   (then, in another shell: margincall open --account 2 --collateral WETH=10 --borrow 80%)",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

RPC_URL = typer.Option(
    None, "--rpc-url", metavar="URL", help="JSON-RPC node (http:// or https://). Default: a private Anvil, stopped on exit."
)
PRIVATE_KEY_ENV = typer.Option(
    None, "--private-key-env", metavar="NAME", help="Sign with the private key held in environment variable NAME."
)
KEYSTORE = typer.Option(None, "--keystore", metavar="FILE", help="Sign with an encrypted JSON keystore.")
PASSWORD_ENV = typer.Option(
    None, "--password-env", metavar="NAME", help="The keystore's password is in variable NAME (default: prompt)."
)
UNLOCKED = typer.Option(None, "--unlocked", metavar="N", help="Sign with the node's N-th unlocked account (dev nodes).")
LIQUIDATOR = typer.Option(
    "dutch",
    "--liquidator",
    metavar="KIND",
    help="dutch (the protocol's DutchAuctionLiquidator) or fixed-spread (the lab's Aave-style baseline, lab code).",
)
DEPLOYMENT = typer.Option(
    None, help="Deployment record; default deployments/<chain-id>.json of the chain (needs --rpc-url)."
)


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(1)


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """Every error the user can act on as one line and exit code 1; never a traceback."""
    try:
        yield
    except (HarnessError, ParamsError, ArtifactError) as exc:
        _fail(str(exc))
    except ProtocolError as exc:
        _fail(f"the chain refused a transaction: {exc.message.rstrip(': ')}")
    except requests.RequestException as exc:  # the node went away under the command
        _fail(f"the RPC stopped answering ({short_reason(exc)})")
    except OSError as exc:  # a file the command writes or reads
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))


@dataclass(frozen=True)
class SignerChoice:
    private_key_env: Optional[str] = None
    keystore: Optional[Path] = None
    password_env: Optional[str] = None
    unlocked: Optional[int] = None

    def given(self) -> list[str]:
        names = [("--private-key-env", self.private_key_env), ("--keystore", self.keystore), ("--unlocked", self.unlocked)]
        return [n for n, v in names if v is not None]


def _liquidator_kind(kind: str) -> str:
    if kind not in LIQUIDATORS:
        _fail(f"--liquidator {kind}: choose one of {', '.join(LIQUIDATORS)}")
    return kind


def _check_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        _fail(f"--rpc-url {url}: not an http:// or https:// URL (e.g. http://127.0.0.1:8545)")


def _connect(url: str, own: bool = False) -> Web3:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
    try:
        w3.eth.chain_id
    except Exception as exc:  # refused, DNS, timeout, not JSON-RPC: all one message
        where = "the private Anvil" if own else f"--rpc-url {url}"
        _fail(f"{where}: no JSON-RPC node answers there ({short_reason(exc)}); is the node running on that host and port?")
    return w3


def _signer(w3: Web3, choice: SignerChoice, chain_id: int) -> Signer:
    given = choice.given()
    if len(given) > 1:
        _fail(f"{' and '.join(given)}: give one signer, not {len(given)}")
    if choice.private_key_env is not None:
        name = choice.private_key_env
        key = os.environ.get(name, "").strip()
        if not key:
            _fail(f"--private-key-env {name}: the environment variable {name} is not set (export {name}=0x<64 hex digits>)")
        try:
            signer = Signer.from_key(key)
        except Exception:  # eth-account raises several types for a malformed key
            _fail(f"--private-key-env {name}: the value of {name} is not a private key (64 hex digits)")
        what = f"--private-key-env {name}"
    elif choice.keystore is not None:
        signer, what = _keystore_signer(choice.keystore, choice.password_env), f"--keystore {choice.keystore}"
    else:
        unlocked = [Web3.to_checksum_address(a) for a in w3.eth.accounts]
        index = choice.unlocked if choice.unlocked is not None else 0
        if not unlocked:
            _fail("no signer: this node has no unlocked accounts; give --private-key-env NAME or --keystore FILE")
        if not 0 <= index < len(unlocked):
            _fail(f"--unlocked {index}: the node has {len(unlocked)} unlocked accounts (0 to {len(unlocked) - 1})")
        signer, what = Signer(unlocked[index]), f"--unlocked {index}"
    if w3.eth.get_balance(signer.address) == 0:
        _fail(f"{what}: account {signer.address} has no ETH on chain {chain_id} to pay for gas; fund it first")
    return signer


def _keystore_signer(path: Path, password_env: Optional[str]) -> Signer:
    try:
        encrypted = json.loads(path.read_text())
    except OSError as exc:
        _fail(f"--keystore {path}: cannot read it ({exc.strerror})")
    except ValueError:
        _fail(f"--keystore {path}: not a JSON keystore")
    if password_env is not None:
        if password_env not in os.environ:
            _fail(f"--password-env {password_env}: the environment variable {password_env} is not set")
        password = os.environ[password_env]
    else:
        password = typer.prompt(f"password for {path}", hide_input=True, err=True)
    try:
        key = Account.decrypt(encrypted, password)
    except ValueError:
        _fail(f"--keystore {path}: wrong password (or not a keystore)")
    except Exception:  # a JSON file of another shape
        _fail(f"--keystore {path}: not a JSON keystore")
    return Signer.from_key(key.hex() if hasattr(key, "hex") else key)


@contextlib.contextmanager
def _session(rpc_url: Optional[str], choice: SignerChoice, need_signer: bool = True) -> Iterator[tuple[Chain, bool]]:
    """A ``Chain`` on ``rpc_url`` or on a private Anvil (the bool says which), with the signer
    chosen; the private Anvil stops when the block ends, however it ends."""
    if rpc_url is None and (bench := read_state()) is not None:  # a chain of `margincall up`
        rpc_url = bench["rpcUrl"]
        _err(f"no --rpc-url: using the bench of `margincall up` at {rpc_url} (pid {bench['pid']})")
    if rpc_url is not None:
        _check_url(rpc_url)
        w3 = _connect(rpc_url)
        chain_id = int(w3.eth.chain_id)
        signer = _signer(w3, choice, chain_id) if need_signer or choice.given() else None
        yield Chain(w3, signer), False
        return
    with LocalAnvil() as anvil:
        w3 = _connect(anvil.url, own=True)
        chain_id = int(w3.eth.chain_id)
        _err(f"no --rpc-url: started a private Anvil at {anvil.url} (chain {chain_id}); it stops when this command ends")
        signer = _signer(w3, choice, chain_id) if need_signer or choice.given() else None
        yield Chain(w3, signer), True


def _deployment_path(deployment: Optional[Path], rpc_url: Optional[str]) -> Optional[Path]:
    """The --deployment option checked (exists, reads as a record) before any chain is reached."""
    if deployment is None:
        return None
    if not deployment.is_file():
        _fail(f"deployment file not found: {deployment}")
    read_record(deployment)  # DeployError: corrupt or malformed
    if rpc_url is None and read_state() is None:
        _fail(f"--deployment {deployment} needs --rpc-url: the market it records is on a chain this command did not start")
    return deployment.resolve()


def _default_record(chain: Chain) -> Path:
    """The record of the running `margincall up` when it is this chain, else deployments/<id>.json."""
    bench = read_state()
    if bench is not None and int(bench.get("chainId", -1)) == chain.chain_id and bench.get("deployment"):
        return Path(bench["deployment"])
    return project_root() / "deployments" / f"{chain.chain_id}.json"


def _market(chain: Chain, own: bool, deployment: Optional[Path], command: str) -> Market:
    if own:
        market = deploy_market(chain)
        _err(
            f"deployed the demo market on it (LendingPool {market.pool.address}, no borrowers yet) for the {command} "
            "to run on; give --rpc-url (and --deployment) to work on a real market"
        )
        return market
    path = deployment or _default_record(chain)
    if deployment is None and not path.is_file():
        _fail(
            f"no deployment record for chain {chain.chain_id} ({path}): deploy one with "
            "`margincall deploy --rpc-url URL`, or give --deployment FILE"
        )
    return load_deployment(chain, path)


# ================================================================ deploy
@app.command()
def deploy(
    params: Path = typer.Option(DEMO_PARAMS, help="Market parameter file (YAML)."),
    out: Optional[Path] = typer.Option(
        None, help="Folder for <chain-id>.json. Default: deployments/ (with --rpc-url); none on a private Anvil."
    ),
    guardian: Optional[str] = typer.Option(None, help="Guardian address (may pause). Default: the signer."),
    liquidator: str = LIQUIDATOR,
    rpc_url: Optional[str] = RPC_URL,
    private_key_env: Optional[str] = PRIVATE_KEY_ENV,
    keystore: Optional[Path] = KEYSTORE,
    password_env: Optional[str] = PASSWORD_ENV,
    unlocked: Optional[int] = UNLOCKED,
    force: bool = typer.Option(False, "--force", help="Replace a record of a live deployment (kept beside it)."),
) -> None:
    """Deploy the market of a parameter file (the signer governs it) and write its record.

    Example: margincall deploy --rpc-url http://127.0.0.1:8545 --params margincall/params/demo.yaml
    (--liquidator fixed-spread: the same market liquidated by the lab's Aave-style baseline)"""
    with _one_line_errors():
        kind = _liquidator_kind(liquidator)
        spec = load_params(params)
        if guardian is not None and not Web3.is_address(guardian):
            _fail(f"--guardian {guardian}: not an address (0x and 40 hex digits)")
        with _session(rpc_url, SignerChoice(private_key_env, keystore, password_env, unlocked)) as (chain, own):
            if own and out is not None:
                _fail(
                    f"--out {out}: this deploy runs on its own private Anvil, which stops when it ends: a record "
                    "would name a chain that no longer exists. Start a chain that stays up with `margincall up`."
                )
            target = (out or project_root() / "deployments") / f"{chain.chain_id}.json"
            live = None if own else live_record(target, chain.w3)
            if live and not force:
                _fail(f"{target} records a live deployment ({live}); give --force to replace it (the old record is kept beside it)")
            market = deploy_market(chain, spec, guardian, liquidator=kind)
            if live:
                typer.echo(f"the previous record is kept as {keep_aside(target)}")
            typer.echo(
                f"LendingPool {market.pool.address} on chain {market.chain_id}, block {market.block}; "
                f"{LIQUIDATORS[kind]} {market.liquidator.address}"
            )
            if own and out is None:
                typer.echo(
                    "the market was deployed on this command's private Anvil, which stops now: no record written. "
                    "To keep a market, start a node (anvil --port 8545 --gas-limit 60000000 --hardfork shanghai "
                    "--base-fee 0) and run `margincall deploy --rpc-url http://127.0.0.1:8545`."
                )
                return
            path = write_deployment(market, out or project_root() / "deployments", {"rpcUrl": chain.w3.provider.endpoint_uri})
            typer.echo(f"deployment written to {path}")


# ================================================================ keeper
@app.command()
def keeper(
    deployment: Optional[Path] = DEPLOYMENT,
    flash_taker: Optional[str] = typer.Option(None, help="FlashTaker owned by the signer; without it no takes."),
    amm: list[str] = typer.Option([], help="SYMBOL=ADDRESS of the MockAMM the FlashTaker sells SYMBOL on."),
    margin_bps: int = typer.Option(100, help="Take when the AMM pays owe × (1 + margin_bps / 10,000); 0 or more."),
    once: bool = typer.Option(False, "--once", help="One pass, print its actions, exit."),
    interval: float = typer.Option(12.0, help="Seconds between passes (without --once)."),
    json_lines: bool = typer.Option(False, "--json", help="Print each action as a JSON line instead of a table."),
    retries: int = typer.Option(5, help="Retries of a pass whose RPC failed (1 s, 2 s, 4 s, ... apart) before giving up."),
    quiet: bool = typer.Option(False, "--quiet", help="No heartbeat line for a pass with nothing to do."),
    rpc_url: Optional[str] = RPC_URL,
    private_key_env: Optional[str] = PRIVATE_KEY_ENV,
    keystore: Optional[Path] = KEYSTORE,
    password_env: Optional[str] = PASSWORD_ENV,
    unlocked: Optional[int] = UNLOCKED,
) -> None:
    """Issue margin calls, kick, redo, settle and take (with a FlashTaker) on one market; on a
    fixed-spread market, liquidationCall by the close factor, paid from the signer's base tokens.

    Ctrl-C or SIGTERM stops it after listing what the interrupted pass already mined (exit 130 /
    143). Each transaction is simulated first; one that would revert is reported, not sent.

    Example: margincall keeper --rpc-url http://127.0.0.1:8545 --unlocked 0 --interval 6"""
    with _one_line_errors():
        if margin_bps < 0:
            _fail(f"--margin-bps {margin_bps}: must be 0 or more (the profit a take needs, in basis points of the owe)")
        if interval < 0 or retries < 0:
            _fail("--interval and --retries must be 0 or more")
        deployment = _deployment_path(deployment, rpc_url)
        amms: dict[str, str] = {}
        for entry in amm:
            symbol, sep, address = entry.partition("=")
            if not sep:
                _fail(f"--amm {entry}: expected SYMBOL=ADDRESS")
            amms[symbol] = address
        if amms and flash_taker is None:
            _fail("--amm needs --flash-taker")
        choice = SignerChoice(private_key_env, keystore, password_env, unlocked)
        with _session(rpc_url, choice) as (chain, own):
            market = _market(chain, own, deployment, "keeper")
            if flash_taker is None and not own:  # the taker `margincall up` deployed for the keeper
                kit = _recorded_keeper_kit(chain, deployment)
                if kit:
                    flash_taker, amms = kit["FlashTaker"], kit["amms"]
                    _err(f"using the recorded FlashTaker {flash_taker} and MockAMMs ({', '.join(amms)})")
            k = _keeper(chain, market, flash_taker, amms, margin_bps)
            _run_keeper(k, market, once, interval, json_lines, retries, quiet)


def _recorded_keeper_kit(chain: Chain, deployment: Optional[Path]) -> Optional[dict]:
    path = deployment or _default_record(chain)
    try:
        kit = json.loads(path.read_text()).get("keeper")
    except (OSError, ValueError, AttributeError):
        return None
    return kit if isinstance(kit, dict) and "FlashTaker" in kit else None


def _contract_at(chain: Chain, name: str, address: str, option: str) -> Any:
    if not Web3.is_address(address):
        _fail(f"{option} {address}: not an address")
    address = Web3.to_checksum_address(address)
    if len(chain.w3.eth.get_code(address)) == 0:
        _fail(f"no {name} at {address}: no contract code there")
    return chain.contract(name, address)


def _keeper(chain: Chain, market: Market, flash_taker: Optional[str], amms: dict[str, str], margin_bps: int) -> Keeper:
    sender = chain.signer_for(None)
    taker = None
    if flash_taker is not None:
        taker = _contract_at(chain, "FlashTaker", flash_taker, "--flash-taker")
        try:
            serves, owner = taker.call.liquidator(), taker.call.owner()
        except Exception:  # code that is not a FlashTaker: the calls revert or do not decode
            _fail(f"no FlashTaker at {taker.address}: the contract there does not answer as one")
        if serves != market.liquidator.address:
            _fail(f"the FlashTaker at {taker.address} serves liquidator {serves}, not {market.liquidator.address}")
        if owner != sender.address:
            _fail(f"the FlashTaker at {taker.address} is owned by {owner}; the signer is {sender.address}")
    unknown = set(amms) - set(market.collaterals)
    if unknown:
        _fail(f"--amm: {', '.join(sorted(unknown))} is not a collateral of this market ({', '.join(market.collaterals)})")
    amm_contracts = {s: _contract_at(chain, "MockAMM", a, "--amm") for s, a in amms.items()}
    for symbol, pair in amm_contracts.items():
        want = (market.collaterals[symbol].token.address, market.base.token.address)
        if (pair.call.collateral(), pair.call.base()) != want:
            _fail(f"--amm {symbol}: the MockAMM at {pair.address} does not trade {symbol} against {market.base.symbol}")
    return Keeper(market, sender, taker=taker, amms=amm_contracts, margin_bps=margin_bps)


def _run_keeper(
    k: Keeper, market: Market, once: bool, interval: float, json_lines: bool, retries: int, quiet: bool = False
) -> None:
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    reported: list[Any] = [None]  # the last pass list printed (Keeper.current_pass of that pass)

    def report(actions: list[Action]) -> None:
        reported[0] = k.current_pass
        if json_lines:
            block = market.chain.block_number()
            for a in actions:
                typer.echo(json.dumps({"chainId": market.chain_id, "block": block, **a.as_json()}))
        elif actions or once:
            console.print(_table(actions, market.chain_id))
        if not actions and not once and not quiet:  # a heartbeat: the keeper is alive, nothing to do
            _err(f"{time.strftime('%H:%M:%S')} block {market.chain.block_number()}: quiet pass, nothing to do")

    def retry(attempt: int, delay: float, exc: BaseException) -> None:
        _err(f"RPC failed ({short_reason(exc)}); retry {attempt}/{retries} in {delay:.0f} s")

    if not once:
        _err(f"keeper on chain {market.chain_id}, pool {market.pool.address}, every {interval} s (Ctrl-C stops)")
    with sigterm_as_exit():
        try:
            k.run(0 if once else interval, stop_after=1 if once else None, on_pass=report, on_retry=retry, retries=retries)
        except (KeyboardInterrupt, SystemExit) as exc:
            code = stop_code(exc)
            if code is None:
                raise
            unreported = k.current_pass if k.current_pass is not reported[0] else []
            if unreported:  # the interrupted pass: every transaction it already sent
                report(unreported)
            mined = sum(1 for a in unreported if a.tx)
            _err(f"keeper stopped ({'Ctrl-C' if code == 130 else 'SIGTERM'}); {mined} transaction(s) of the interrupted pass mined, listed above")
            raise typer.Exit(code) from None


# ================================================================ watch
@app.command()
def watch(
    deployment: Optional[Path] = DEPLOYMENT,
    once: bool = typer.Option(False, "--once", help="One look, then exit."),
    interval: float = typer.Option(12.0, help="Seconds between looks (without --once)."),
    deadline_warning: int = typer.Option(3600, help="Alert when a call's deadline is this many seconds away."),
    table: bool = typer.Option(True, help="Show the accounts table (on stderr); --no-table for alerts only."),
    retries: int = typer.Option(5, help="Retries of a look whose RPC failed before giving up."),
    rpc_url: Optional[str] = RPC_URL,
) -> None:
    """Show every borrower's health and call countdown; print alerts as JSON lines.

    The table goes to stderr and the alerts (status changes, deadlines close, prices lost) to
    stdout, so they can be piped. The watcher only reads: it needs no signer.

    Example: margincall watch --rpc-url http://127.0.0.1:8545 --no-table | jq ."""
    with _one_line_errors():
        if deadline_warning < 0 or interval < 0 or retries < 0:
            _fail("--deadline-warning, --interval and --retries must be 0 or more")
        deployment = _deployment_path(deployment, rpc_url)
        with _session(rpc_url, SignerChoice(), need_signer=False) as (chain, own):
            if own:
                chain.signer = Signer(chain.unlocked()[0])  # deploys the demo market it watches
            market = _market(chain, own, deployment, "watcher")
            watcher = Watcher(market, deadline_warning=deadline_warning)
            screen = Console(file=sys.stderr, width=None if sys.stderr.isatty() else 160)

            def retry(attempt: int, delay: float, exc: BaseException) -> None:
                _err(f"RPC failed ({short_reason(exc)}); retry {attempt}/{retries} in {delay:.0f} s")

            def look() -> None:
                rows, alerts = with_retries(watcher.poll, retries, 1.0, retry)
                if table:
                    screen.print(_accounts_table(watcher, rows, market.chain_id))
                for alert in alerts:
                    typer.echo(json.dumps(alert))

            look()
            if once:
                return
            with sigterm_as_exit():
                try:
                    while True:
                        time.sleep(interval)
                        look()
                except (KeyboardInterrupt, SystemExit) as exc:
                    code = stop_code(exc)
                    if code is None:
                        raise
                    screen.print("watch stopped")
                    raise typer.Exit(code) from None


# ================================================================ demo
@app.command()
def demo(
    rpc_url: Optional[str] = RPC_URL,
    private_key_env: Optional[str] = PRIVATE_KEY_ENV,
    keystore: Optional[Path] = KEYSTORE,
    password_env: Optional[str] = PASSWORD_ENV,
    unlocked: Optional[int] = UNLOCKED,
) -> None:
    """Deploy the demo market and tell the margin-call story, checking each claim on-chain.

    Example: margincall demo   (on its own Anvil; or --rpc-url http://127.0.0.1:8545)"""
    from . import demo as story

    with _one_line_errors():
        with _session(rpc_url, SignerChoice(private_key_env, keystore, password_env, unlocked)) as (chain, _own):
            try:
                story.run(chain)
            except story.DemoError as exc:
                _fail(f"the chain contradicts the story: {exc}")


# ================================================================ bench
bench_app = typer.Typer(help="Benchmarks of the harness.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("gas")
def bench_gas(
    accounts: int = typer.Option(500, help="Accounts read by the one PoolLens call measured."),
    out: Path = typer.Option(Path("reports/bench.json"), help="JSON report."),
    rpc_url: Optional[str] = RPC_URL,
    unlocked: Optional[int] = UNLOCKED,
) -> None:
    """Gas of every user-facing action on the demo market and of one PoolLens call.

    Example: margincall bench gas --accounts 500 --out reports/bench.json"""
    from .gas import measure_gas
    from .session import TX_CAP

    with _one_line_errors():
        if accounts < 1:
            _fail("--accounts must be at least 1")
        with _session(rpc_url, SignerChoice(unlocked=unlocked)) as (chain, _own):
            gas = measure_gas(chain, accounts, say=typer.echo)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"gas": gas, "tx_cap": TX_CAP}, indent=2) + "\n")
            typer.echo(f"written to {out}")


@bench_app.command("throughput")
def bench_throughput(
    accounts: int = typer.Option(1000, help="Borrowers: 2 × this many transactions per measured phase."),
    batch_size: int = typer.Option(1000, help="JSON-RPC requests per HTTP batch."),
    per_block: int = typer.Option(100, help="Transactions mined per block."),
    out: Path = typer.Option(Path("reports/throughput.json"), help="JSON report."),
    rpc_url: Optional[str] = RPC_URL,
    unlocked: Optional[int] = UNLOCKED,
) -> None:
    """The bulk path's sustained rate on protocol transactions against the raw ceiling (ETH
    transfers through the same path), in one run; prints both and the ratio (target 0.6).
    Needs Anvil (it impersonates the borrowers and switches automine off while it runs).

    Example: margincall bench throughput --accounts 2000"""
    from .bench import measure, write_report

    with _one_line_errors():
        if accounts < 1 or batch_size < 1 or per_block < 1:
            _fail("--accounts, --batch-size and --per-block must be at least 1")
        with _session(rpc_url, SignerChoice(unlocked=unlocked)) as (chain, _own):
            result = measure(chain, accounts, batch_size, per_block, say=_err)
            path = write_report(result, out)
            typer.echo(
                f"raw ceiling {result.raw_ceiling_tps:,.0f} tx/s, protocol {result.protocol_tps:,.0f} tx/s, "
                f"ratio {result.ratio:.2f} (target {result.target_ratio}); written to {path}"
            )


# ================================================================ the lab bench: up, price, time, open, ...
from .bench_commands import register as _register_bench  # noqa: E402  (it uses the helpers above)

_register_bench(app)


# ================================================================ tables
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


def main() -> None:  # pragma: no cover - the console script
    app()


# ================================================================ the lab
from .lab import commands as _lab  # noqa: E402  (the lab's commands live beside the lab)

app.command("scenario", epilog=_lab.EXAMPLES_SCENARIO)(_lab.scenario)
app.command("report", epilog=_lab.EXAMPLES_REPORT)(_lab.report)
app.command("sweep", epilog=_lab.EXAMPLES_SWEEP)(_lab.sweep)
