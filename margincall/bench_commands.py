"""The lab bench you drive by hand (issue 12): ``margincall up`` keeps a chain with the demo
market, a FlashTaker and MockAMMs for the keeper; ``price``, ``time``, ``open``, ``top-up``,
``repay`` and ``populate`` move it. Each driving command prints what changed for the borrowers
(HF, status, call deadline) in the units of ``watch``. ``up --liquidator fixed-spread`` deploys
the lab's baseline instead and gives the keeper base tokens in place of a FlashTaker and AMMs;
``price`` moves the keeper's MockAMMs with the feeds (``margincall.amm``); ``populate`` opens the
lab's seeded population (``margincall.lab.population``) through the lab's bulk path.

The driving commands work only on lab chains: they refuse a market whose feeds are not the
lab's ``MockAggregator`` (they move prices by posting rounds, and time with ``evm_increaseTime``).
Registered on the CLI by ``register(app)``; the shared plumbing (chain, signer, one-line errors)
is ``margincall.cli``'s.
"""

from __future__ import annotations

import json
import re
import time as wallclock
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import typer

from .amm import align_amm
from .anvil import LocalAnvil
from .artifacts import project_root
from .borrowers import Borrowers
from .chain import MAX_UINT, fund, refresh_feeds, set_price
from .deploy import LIQUIDATORS, Market, deploy_market, write_deployment
from .errors import HarnessError
from .params import DEMO_PARAMS, load_params
from .session import Chain, Signer
from .units import fmt_hf, fmt_units, from_units, scaled
from .lab.engine import Lab
from .lab.metrics import Recorder
from .lab.population import CollateralTerms, Leverage, Position, draw_positions
from .upstate import keep_aside, live_record, read_state, remove_state, state_path, write_state

WAD = 10**18
SUPPLY_USD = 10_000_000  # base liquidity `up` supplies (account 1), in base tokens
AMM_USD = 20_000_000  # depth of each MockAMM, per side, in USD
KEEPER_FUNDS = 1_000_000  # base tokens the keeper (account 0) holds to pay fixed-spread liquidations


class BenchError(HarnessError):
    """A bench command used where it cannot work (not a lab chain, a bad amount)."""


# ================================================================ parsing
_DURATION = re.compile(r"^\+?(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)?$")
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, option: str) -> int:
    """``+6h``, ``90m``, ``60s``, ``1d``, ``3600`` → seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise BenchError(f"{option} {text}: not a duration (e.g. +6h, 90m, 60s, 1d, 3600)")
    return int(Decimal(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def parse_price(text: str, current: Decimal, option: str) -> Decimal:
    """``2400`` (USD per whole token) or ``-20%`` / ``+5%`` of ``current``."""
    text = text.strip()
    try:
        if text.endswith("%"):
            target = current * (1 + Decimal(text[:-1]) / 100)
        else:
            target = Decimal(text.lstrip("+"))
    except ArithmeticError:
        raise BenchError(f"{option} {text}: not a price (e.g. 2400, -20%, +5%)") from None
    if not target.is_finite() or target <= 0:
        raise BenchError(f"{option} {text}: the price must stay above 0 (from {current})")
    return target


# ================================================================ the lab check and the changes
def require_lab(market: Market) -> None:
    """Refuse a market whose feeds are not the lab's MockAggregator (a real feed has no
    ``reverting()`` / ``latestRound()``), or a node that cannot move time."""
    for asset in [market.base, *market.collaterals.values()]:
        try:
            asset.feed.call.reverting()
            asset.feed.call.latestRound()
        except Exception:
            raise BenchError(
                f"the {asset.symbol} feed at {asset.feed.address} is not the lab's MockAggregator: "
                "bench commands drive lab chains only (start one with `margincall up`)"
            ) from None


def _snapshot(market: Market) -> dict[str, tuple[int, int, str, int, bool]]:
    states = Borrowers(market).states()
    return {a: (s.debt, s.healthFactor, _status(s.status), s.callDeadline, s.priceOk) for a, s in states}


def _status(code: int) -> str:
    from .status import AccountStatus

    return AccountStatus(code).name


def _deadline(deadline: int, now: int) -> str:
    if not deadline:
        return "-"
    left = deadline - now
    return f"in {left // 3600} h {left % 3600 // 60:02d} min" if left > 0 else "passed"


def report_changes(market: Market, before: dict, say: Callable[[str], Any], limit: int = 20) -> int:
    """Print one line per borrower whose HF, status or call deadline changed since ``before``
    (``_snapshot``); returns how many changed."""
    after = _snapshot(market)
    now = market.chain.time()
    base = market.base
    changed = []
    for account, (debt, hf, status, deadline, ok) in after.items():
        old = before.get(account)
        if old is not None and old[1:] == (hf, status, deadline, ok) and old[0] == debt:
            continue
        changed.append((account, old, (debt, hf, status, deadline, ok)))
    for account, old, (debt, hf, status, deadline, ok) in changed[:limit]:
        hf_now = fmt_hf(hf) if ok else "no price"
        if old is None:
            say(
                f"  {account}  new: debt {fmt_units(debt, base.decimals, 2)} {base.symbol}, HF {hf_now}, "
                f"{status}, call deadline {_deadline(deadline, now)}"
            )
            continue
        hf_then = fmt_hf(old[1]) if old[4] else "no price"
        parts = [f"HF {hf_then} → {hf_now}"]
        then_debt, now_debt = fmt_units(old[0], base.decimals, 2), fmt_units(debt, base.decimals, 2)
        if then_debt != now_debt:
            parts.append(f"debt {then_debt} → {now_debt} {base.symbol}")
        parts.append(f"{old[2]} → {status}" if old[2] != status else status)
        if old[3] != deadline or deadline:
            parts.append(f"call deadline {_deadline(deadline, now)}")
        say(f"  {account}  " + ", ".join(parts))
    if len(changed) > limit:
        say(f"  ... and {len(changed) - limit} more (margincall watch --once shows them all)")
    if not changed:
        say(f"  no borrower changed ({len(after)} borrowers)")
    return len(changed)


# ================================================================ the keeper's AMMs follow the feeds
def _amms_following(chain: Chain, market: Market, symbol: str) -> dict[str, Any]:
    """The MockAMMs ``up`` recorded for the keeper whose price a move of ``symbol`` changes
    (every one when the base asset moves), as handles by collateral symbol."""
    from . import cli

    try:
        kit = json.loads(cli._default_record(chain).read_text()).get("keeper") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    amms = kit.get("amms") if isinstance(kit, dict) else None
    if not isinstance(amms, dict):
        return {}
    moved = market.collaterals if symbol == market.base.symbol else {symbol: None}
    return {s: chain.contract("MockAMM", a) for s, a in amms.items() if s in moved and s in market.collaterals}


def _feed_price(asset: Any) -> int:
    """The primary feed's latest answer as a WAD price [USD per whole token]."""
    answer, decimals = asset.feed.call.latestRoundData()[1], asset.feed.call.decimals()
    return answer * 10 ** (18 - decimals) if decimals <= 18 else answer // 10 ** (decimals - 18)


def follow_feeds(market: Market, symbol: str, amm: Any, arbitrageur: str) -> tuple[str, int]:
    """Swap on ``symbol``'s MockAMM (from ``arbitrageur``) until its spot price is the feeds'
    price of ``symbol`` in base tokens; returns the swap (``margincall.amm.align_amm``)."""
    asset, base = market.collaterals[symbol], market.base
    target = Fraction(_feed_price(asset) * 10**base.decimals, _feed_price(base) * 10**asset.decimals)
    return align_amm(amm, asset.token, base.token, target, arbitrageur)


def amm_price(market: Market, symbol: str, amm: Any) -> Decimal:
    """The MockAMM's spot price of one whole ``symbol`` in whole base tokens."""
    wad = amm.call.spotPrice(market.collaterals[symbol].decimals, market.base.decimals)
    return from_units(wad, 18)


# ================================================================ up
def deploy_keeper_kit(chain: Chain, market: Market, keeper: str, supplier: str) -> dict[str, Any]:
    """Base liquidity in the pool (from ``supplier``), and what ``keeper`` liquidates with: under
    the Dutch auction a FlashTaker it owns and a MockAMM per collateral, ``AMM_USD`` deep on each
    side at the oracle price; under the fixed-spread baseline ``KEEPER_FUNDS`` base tokens (it
    pays the debt it covers) with the liquidator approved."""
    base = market.base
    supply = SUPPLY_USD * 10**base.decimals
    fund(base.token, supplier, supply, market.pool)
    market.pool.send.supply(supply, supplier, sender=supplier)
    if market.liquidator_kind == "fixed-spread":
        fund(base.token, keeper, KEEPER_FUNDS * 10**base.decimals, market.liquidator)
        return {"owner": keeper, "baseFunds": KEEPER_FUNDS, "amms": {}}
    taker = chain.deploy("FlashTaker", market.liquidator, base.token, sender=keeper)
    amms = {}
    base_price = from_units(market.oracle.call.getPrice(base.token.address), 18)
    for symbol, asset in market.collaterals.items():
        amm = chain.deploy("MockAMM", asset.token, base.token, sender=supplier)
        price = from_units(market.oracle.call.getPrice(asset.token.address), 18)
        collateral = scaled((Decimal(AMM_USD) / price).quantize(Decimal(1)), asset.decimals)
        cash = scaled((Decimal(AMM_USD) / base_price).quantize(Decimal(1)), base.decimals)
        fund(asset.token, supplier, collateral, amm)
        fund(base.token, supplier, cash, amm)
        amm.send.addLiquidity(collateral, cash, sender=supplier)
        amms[symbol] = amm.address
    return {"FlashTaker": taker.address, "owner": keeper, "amms": amms}


def _wait_for_signal() -> int:
    """Block until Ctrl-C (130) or SIGTERM (143)."""
    try:
        while True:
            wallclock.sleep(3600)
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # LocalAnvil turns SIGTERM into SystemExit(143)
        return int(exc.code or 143)


# ================================================================ registration
def register(app: typer.Typer) -> None:
    from . import __version__, cli
    from .cli_help import install

    install()

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"margincall {__version__}")
            raise typer.Exit()

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """The harness (its help is the app's)."""

    # ------------------------------------------------------------ up
    @app.command()
    def up(
        params: Path = typer.Option(DEMO_PARAMS, help="Market parameter file (YAML)."),
        port: Optional[int] = typer.Option(None, help="Anvil's port. Default: a free one."),
        out: Optional[Path] = typer.Option(None, help="Folder for the record <chain-id>.json. Default: deployments/."),
        force: bool = typer.Option(False, "--force", help="Replace a record of a live deployment (kept beside it)."),
        liquidator: str = cli.LIQUIDATOR,
    ) -> None:
        """Start a lab chain that stays up: Anvil, the market, a FlashTaker and MockAMMs.

        Prints the RPC URL, the addresses and the next commands to try; stops (and removes its
        state file and record) on Ctrl-C or SIGTERM. Other commands find it without --rpc-url.
        With --liquidator fixed-spread the keeper (account 0) gets base tokens to pay
        liquidations instead of a FlashTaker and MockAMMs.

        Example: margincall up --port 8545"""
        code = 0
        with cli._one_line_errors():
            kind = cli._liquidator_kind(liquidator)
            spec = load_params(params)
            running = read_state()
            if running is not None:
                cli._fail(
                    f"a bench is already up at {running['rpcUrl']} (pid {running['pid']}, {state_path()}): "
                    "stop it first (Ctrl-C in its terminal)"
                )
            target = (out or project_root() / "deployments") / "31337.json"
            live = live_record(target)
            if live and not force:
                cli._fail(f"{target} records a live deployment ({live}); give --force to replace it (kept beside it)")
            with LocalAnvil(port=port) as anvil:
                w3 = cli._connect(anvil.url, own=True)
                chain = Chain(w3, Signer(w3.eth.accounts[0]))
                governor, supplier = chain.unlocked()[0], chain.unlocked()[1]
                market = deploy_market(chain, spec, liquidator=kind)
                kit = deploy_keeper_kit(chain, market, governor, supplier)
                if live:  # --force: the record of the other live deployment is kept beside ours
                    typer.echo(f"the previous record is kept as {keep_aside(target)}")
                path = write_deployment(market, target.parent, {"rpcUrl": anvil.url, "keeper": kit})
                write_state({"rpcUrl": anvil.url, "chainId": market.chain_id, "deployment": str(path)})
                try:
                    _print_up(market, anvil.url, path, kit, governor, supplier)
                    code = _wait_for_signal()
                finally:
                    remove_state()
                    path.unlink(missing_ok=True)  # the chain stops now: no record of a chain that is gone
                    typer.echo("bench stopped: chain, state file and record removed", err=True)
        raise typer.Exit(code)

    def _print_up(market: Market, url: str, path: Path, kit: dict, governor: str, supplier: str) -> None:
        say = typer.echo
        say(f"bench up: {url} (chain {market.chain_id}); Ctrl-C stops it")
        say(f"  LendingPool      {market.pool.address}")
        say(f"  PoolLens         {market.lens.address}")
        say(f"  Liquidator       {market.liquidator.address} ({LIQUIDATORS[market.liquidator_kind]})")
        say(f"  InsuranceFund    {market.fund.address}")
        say(f"  {market.base.symbol:<16} {market.base.token.address}  (feed {market.base.feed.address})")
        for s, a in market.collaterals.items():
            amm = f", MockAMM {kit['amms'][s]}" if s in kit["amms"] else ""
            say(f"  {s:<16} {a.token.address}  (feed {a.feed.address}{amm})")
        if "FlashTaker" in kit:
            say(f"  FlashTaker       {kit['FlashTaker']} (owner: account 0, {governor})")
        else:
            say(f"  keeper           account 0 ({governor}) holds {kit['baseFunds']:,} {market.base.symbol} to pay liquidations")
        say(f"  governor: account 0; supplier of {SUPPLY_USD:,} {market.base.symbol}: account 1 ({supplier})")
        say(f"  record: {path}  state: {state_path()}")
        say("next, in another shell (no --rpc-url needed while this runs):")
        say("  margincall open --account 2 --collateral WETH=10 --borrow 80%")
        say("  margincall populate --accounts 50 --seed 7")
        say("  margincall price WETH -20% --steps 4 --every 60s")
        say("  margincall time +6h --keep-feeds-fresh")
        say("  margincall watch --once")
        if "FlashTaker" in kit:
            say("  margincall keeper --once        (account 0 owns the FlashTaker: it takes too)")
        else:
            say("  margincall keeper --once        (account 0 pays liquidationCall from its own balance)")

    # ------------------------------------------------------------ a market on the bench
    def _market_of(chain: Chain) -> Market:
        market = cli._market(chain, False, None, "bench command")
        require_lab(market)
        return market

    @contextmanager
    def _bench(rpc_url: Optional[str]) -> Iterator[tuple[Chain, Market]]:
        """The bench's chain and its lab market (refused when no bench is up or not a lab's)."""
        with cli._session(rpc_url, cli.SignerChoice()) as (chain, own):
            if own:
                cli._fail("no bench is up and no --rpc-url given: start one with `margincall up` (in another shell)")
            yield chain, _market_of(chain)

    # ------------------------------------------------------------ price
    @app.command(context_settings={"ignore_unknown_options": True})  # -20% is a value, not an option
    def price(
        symbol: str = typer.Argument(..., metavar="SYMBOL", help="Asset whose feed moves (e.g. WETH)."),
        value: str = typer.Argument(..., metavar="VALUE", help="New price in USD (2400) or a change (-20%, +5%)."),
        steps: int = typer.Option(1, help="Reach it in this many rounds (a geometric path)."),
        every: str = typer.Option("60s", help="Chain time between two rounds of a path (60s, 5m, 1h)."),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Post new rounds on a mock feed and show what changed for the borrowers.

        Example: margincall price WETH -20% --steps 4 --every 60s"""
        with cli._one_line_errors():
            if steps < 1:
                cli._fail(f"--steps {steps}: must be at least 1")
            gap = parse_duration(every, "--every")
            with _bench(rpc_url) as (chain, market):
                asset = market.asset(symbol)
                now_price = from_units(market.oracle.call.getPrice(asset.token.address), 18)
                target = parse_price(value, now_price, "price")
                before = _snapshot(market)
                ratio = (target / now_price) ** (Decimal(1) / steps) if steps > 1 else target / now_price
                amms = _amms_following(chain, market, symbol)
                amm_before = {s: amm_price(market, s, a) for s, a in amms.items()}
                for i in range(1, steps + 1):
                    if i > 1:
                        chain.sleep(gap)
                        chain.mine()
                    level = target if i == steps else now_price * ratio**i
                    set_price(market, symbol, level.quantize(Decimal("0.00000001")))
                    for s, amm in amms.items():  # the keeper's AMMs follow the feeds
                        follow_feeds(market, s, amm, chain.unlocked()[1])
                typer.echo(
                    f"{symbol}: {now_price:,.2f} → {target:,.2f} USD ({(target / now_price - 1) * 100:+.2f} %)"
                    + (f" in {steps} rounds {gap} s apart" if steps > 1 else "")
                )
                for s, amm in amms.items():
                    typer.echo(
                        f"MockAMM {s}: {amm_before[s]:,.2f} → {amm_price(market, s, amm):,.2f} {market.base.symbol} "
                        "(arbitraged to the feeds by account 1)"
                    )
                report_changes(market, before, typer.echo)

    # ------------------------------------------------------------ time
    @app.command("time")
    def time_(
        delta: str = typer.Argument(..., metavar="DURATION", help="How far to move the chain's clock: +6h, 90m, 1d, 3600."),
        keep_feeds_fresh: bool = typer.Option(
            False, "--keep-feeds-fresh", help="Re-post every feed's answer afterwards (no stale prices)."
        ),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Advance chain time and mine a block; show what changed for the borrowers.

        Example: margincall time +6h --keep-feeds-fresh"""
        with cli._one_line_errors():
            seconds = parse_duration(delta, "time")
            with _bench(rpc_url) as (chain, market):
                before = _snapshot(market)
                chain.sleep(seconds)
                chain.mine()
                if keep_feeds_fresh:
                    refresh_feeds(market)
                typer.echo(
                    f"chain time +{seconds:,} s ({seconds / 3600:.2f} h)"
                    + (", feeds refreshed" if keep_feeds_fresh else ", feeds not refreshed (stale after their heartbeat)")
                )
                report_changes(market, before, typer.echo)

    # ------------------------------------------------------------ open / top-up / repay
    def _account(chain: Chain, index: int) -> str:
        accounts = chain.unlocked()
        if not 0 <= index < len(accounts):
            cli._fail(f"--account {index}: the node has {len(accounts)} unlocked accounts (0 to {len(accounts) - 1})")
        return accounts[index]

    def _amounts(market: Market, entries: list[str], option: str) -> dict[str, int]:
        out = {}
        for entry in entries:
            symbol, sep, amount = entry.partition("=")
            if not sep:
                cli._fail(f"{option} {entry}: expected SYMBOL=AMOUNT (e.g. WETH=10)")
            if symbol not in market.collaterals:
                cli._fail(f"{option} {entry}: {symbol} is not a collateral ({', '.join(market.collaterals)})")
            try:
                out[symbol] = scaled(amount, market.collaterals[symbol].decimals, f"{option} {symbol}")
            except ValueError as exc:
                cli._fail(str(exc))
        return out

    def _capacity(market: Market, account: str) -> int:
        """Base units the account may still borrow: marginCallHF · Σ value·borrowFactor /
        callHF_eff − debt value (the opening-risk rule of DESIGN.md 3), at the oracle prices."""
        state = market.lens.call.accountState(account)
        config = market.config.call
        capacity_usd = 0
        for symbol, asset in market.collaterals.items():
            amount = market.pool.call.collateralOf(account, asset.token.address)
            if amount:
                value = amount * market.oracle.call.getPrice(asset.token.address) // 10**asset.decimals
                capacity_usd += value * config.collateralInfo(asset.token.address).borrowFactor // WAD
        call_hf = config.marketParams().marginCallHF
        allowed_usd = capacity_usd * call_hf // max(state.callLevel, call_hf)
        base_price = market.oracle.call.getPrice(market.base.token.address)
        free = allowed_usd - state.debtValue
        return max(0, free * 10**market.base.decimals // base_price)

    def _show(market: Market, account: str, label: str) -> None:
        s = market.lens.call.accountState(account)
        now = market.chain.time()
        b = market.base
        coll = ", ".join(
            f"{fmt_units(market.pool.call.collateralOf(account, a.token.address), a.decimals, 4)} {sym}"
            for sym, a in market.collaterals.items()
            if market.pool.call.collateralOf(account, a.token.address)
        )
        typer.echo(
            f"{label} {account}: debt {fmt_units(s.debt, b.decimals, 2)} {b.symbol}, collateral {coll or '-'}, "
            f"HF {fmt_hf(s.healthFactor) if s.priceOk else 'no price'}, call level {fmt_hf(s.callLevel)}, "
            f"{_status(s.status)}, call deadline {_deadline(s.callDeadline, now)}"
        )

    @app.command("open")
    def open_(
        account: int = typer.Option(..., help="The node's unlocked account N borrows (funded dev account)."),
        collateral: list[str] = typer.Option(..., help="SYMBOL=AMOUNT deposited (whole tokens; minted to the account)."),
        borrow: str = typer.Option("0", help="Base tokens (5000), or a share of the borrowing capacity (60%)."),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Open (or add to) a position from a dev account: deposit collateral, then borrow.

        Example: margincall open --account 2 --collateral WETH=10 --borrow 60%"""
        with cli._one_line_errors():
            with _bench(rpc_url) as (chain, market):
                who = _account(chain, account)
                for symbol, amount in _amounts(market, collateral, "--collateral").items():
                    token = market.collaterals[symbol].token
                    fund(token, who, amount, market.pool)
                    market.pool.send.depositCollateral(token, amount, who, sender=who)
                text = borrow.strip()
                if text.endswith("%"):
                    share = Decimal(text[:-1])
                    if not 0 <= share <= 100:
                        cli._fail(f"--borrow {borrow}: a share of the capacity between 0% and 100%")
                    amount = int(_capacity(market, who) * share / 100)
                else:
                    amount = scaled(text, market.base.decimals, "--borrow")
                if amount:
                    market.pool.send.borrow(amount, who, sender=who)
                _show(market, who, f"opened: borrowed {fmt_units(amount, market.base.decimals, 2)} {market.base.symbol};")

    @app.command("top-up")
    def top_up(
        account: int = typer.Option(..., help="The node's unlocked account N (the borrower)."),
        collateral: list[str] = typer.Option(..., help="SYMBOL=AMOUNT added (whole tokens; minted to the account)."),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Add collateral to a position (it always works, even in a margin call).

        Example: margincall top-up --account 2 --collateral WETH=2"""
        with cli._one_line_errors():
            with _bench(rpc_url) as (chain, market):
                who = _account(chain, account)
                _show(market, who, "before")
                for symbol, amount in _amounts(market, collateral, "--collateral").items():
                    token = market.collaterals[symbol].token
                    fund(token, who, amount, market.pool)
                    market.pool.send.depositCollateral(token, amount, who, sender=who)
                _show(market, who, "after ")

    @app.command()
    def repay(
        account: int = typer.Option(..., help="The node's unlocked account N (the borrower)."),
        amount: str = typer.Option(..., help="Base tokens repaid (1000), or all."),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Repay debt for a position (minted to the account first; mock base token).

        Example: margincall repay --account 2 --amount 5000"""
        with cli._one_line_errors():
            with _bench(rpc_url) as (chain, market):
                who = _account(chain, account)
                _show(market, who, "before")
                base = market.base
                if amount.strip().lower() == "all":
                    units = market.pool.call.debtOf(who) + 10**base.decimals  # interest of the next block
                    pay = MAX_UINT
                else:
                    units = pay = scaled(amount, base.decimals, "--amount")
                fund(base.token, who, units, market.pool)
                market.pool.send.repay(pay, who, sender=who)
                _show(market, who, "after ")

    # ------------------------------------------------------------ populate
    @app.command()
    def populate(
        accounts: int = typer.Option(100, help="How many borrowers (fresh addresses, impersonated on Anvil)."),
        seed: int = typer.Option(7, help="Seed of the draw: the same seed, the same population."),
        leverage: float = typer.Option(0.7, help="Mean share of each borrower's capacity borrowed (0 to 1)."),
        collateral: str = typer.Option("WETH", help="Collateral every borrower deposits."),
        rpc_url: Optional[str] = cli.RPC_URL,
    ) -> None:
        """Open many positions at once through the fast path (margincall.bulk).

        Positions are drawn as the lab's scenarios draw them (margincall/lab/population.py):
        collateral worth about $20,000 (log-normal), a share of the borrowing capacity drawn
        from a Beta distribution whose mean is --leverage (between 0.05 and 0.95). The same
        seed gives the same positions.

        Example: margincall populate --accounts 200 --seed 7 --leverage 0.8"""
        with cli._one_line_errors():
            if accounts < 1:
                cli._fail(f"--accounts {accounts}: must be at least 1")
            if not 0 < leverage <= 1:
                cli._fail(f"--leverage {leverage}: a share of the capacity, above 0 and at most 1")
            with _bench(rpc_url) as (chain, market):
                if collateral not in market.collaterals:
                    cli._fail(f"--collateral {collateral}: not a collateral ({', '.join(market.collaterals)})")
                before = _snapshot(market)
                made = len(populate_market(market, accounts, seed, leverage, collateral))
                typer.echo(f"{made} borrowers opened on {collateral} (seed {seed}, leverage {leverage})")
                report_changes(market, before, typer.echo, limit=10)


def leverage_around(mean: float) -> Leverage:
    """The lab's leverage distribution with its mean share of capacity at ``mean`` (0 < mean <= 1):
    Beta(7·mean, 7·(1 − mean)), the concentration of the lab's default Beta(5, 2), clipped to
    [0.05, 0.95]; account sizes as the lab draws them (log-normal around $20,000)."""
    concentration = 7.0
    return Leverage(
        alpha=concentration * mean, beta=max(concentration * (1 - mean), 0.01), min_use=0.05, max_use=0.95
    )


def draw_population(market: Market, n: int, seed: int, leverage: float, symbol: str) -> list[Position]:
    """``n`` positions on ``symbol`` drawn by the lab's ``draw_positions`` from ``seed`` at the
    oracle prices now. Capacity is the opening rule at the highest call level the market allows
    (``maxCallHF``), so every drawn position opens whatever the volatility has done to the
    call levels since the bench started."""
    asset, base = market.collaterals[symbol], market.base
    config, oracle = market.config.call, market.oracle.call
    params = config.marketParams()
    borrow_factor = from_units(config.collateralInfo(asset.token.address).borrowFactor, 18)
    terms = CollateralTerms(
        symbol,
        from_units(oracle.getPrice(asset.token.address), 18),
        asset.decimals,
        borrow_factor * params.marginCallHF / params.maxCallHF,
    )
    base_price = from_units(oracle.getPrice(base.token.address), 18)
    return draw_positions(seed, n, [terms], base.decimals, base_price, params.dust, leverage_around(leverage))


def populate_market(market: Market, n: int, seed: int, leverage: float, symbol: str) -> list[str]:
    """Open ``draw_population(...)`` through the lab's bulk path (``Lab.populate``: impersonated
    addresses derived from ``seed``, JSON-RPC batches); returns the borrowers, in order."""
    positions = draw_population(market, n, seed, leverage, symbol)
    recorder = Recorder("populate", seed, market.liquidator_kind, market.base.symbol, market.base.decimals)
    return Lab(market, recorder, seed).populate(positions, tag="populate")
