"""Named, seeded scenarios (DESIGN.md 12), and ``run_scenario`` that runs one end to end.

Each scenario is a module with ``NAME``, ``DESCRIPTION`` (one line), ``DEFAULT_ACCOUNTS`` and
``run(lab, options)``. ``run`` drives real transactions through a ``Lab``, checks its own
mechanics against the chain (raising ``ScenarioError`` when the chain disagrees), records what
happened, and fills ``lab.recorder.totals`` and ``story``. The accounting identities of
DESIGN.md 5 are checked for every scenario by the runner.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from web3 import Web3

from ...anvil import LocalAnvil
from ...deploy import deploy_market
from ...session import Chain, Signer
from ..books import check_books
from ..engine import GENESIS_TIMESTAMP, Lab, RunOptions, ScenarioError
from ..metrics import Recorder
from ..report import render, render_comparison
from . import black_thursday, cascade, flash_crash, insurance_exhausted, margin_call_met, missed_call, stale_oracle

SCENARIOS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (margin_call_met, missed_call, flash_crash, black_thursday, cascade, stale_oracle, insurance_exhausted)
}


def scenario(name: str) -> ModuleType:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(SCENARIOS)
        raise ScenarioError(f"unknown scenario {name!r}: choose one of {known} (margincall scenario --list)") from None


@contextlib.contextmanager
def lab_chain(rpc_url: str | None, log: Callable[[str], Any] = lambda _: None) -> Iterator[Chain]:
    """A ``Chain`` on ``rpc_url``, or on a private Anvil started for the run (a fixed genesis
    time, stopped on exit), signing as the node's first unlocked account; the block-timestamp
    interval is set to 0 on Anvil, so time moves only with the lab."""
    with contextlib.ExitStack() as stack:
        if rpc_url is None:
            # fifo: a batch's transactions are mined in the order sent (the cascade posts the oracle
            # last in a block); quiet: Anvil writes no line per transaction
            args = ("--timestamp", str(GENESIS_TIMESTAMP), "--order", "fifo", "--quiet")
            anvil = stack.enter_context(LocalAnvil(extra_args=args))
            log(f"started a private Anvil at {anvil.url} (stopped when the run ends)")
            rpc_url = anvil.url
        # cache_allowed_requests: web3 asks eth_chainId before every call otherwise (one extra round trip each)
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}, cache_allowed_requests=True))
        try:
            unlocked = w3.eth.accounts
        except Exception as exc:  # connection refused, not JSON-RPC, ...
            raise ScenarioError(f"cannot reach a chain at {rpc_url}: {exc}") from None
        if not unlocked:
            raise ScenarioError(f"{rpc_url} has no unlocked accounts: scenarios need a development node")
        chain = Chain(w3, Signer(Web3.to_checksum_address(unlocked[0])))
        with contextlib.suppress(Exception):  # only Anvil has it; elsewhere time follows the node
            chain.rpc("anvil_setBlockTimestampInterval", [0])
        yield chain


def run_scenario(
    name: str,
    options: RunOptions,
    rpc_url: str | None = None,
    log: Callable[[str], Any] = lambda _: None,
    progress: Any = None,
) -> Path:
    """Run scenario ``name`` with ``options``; returns the output folder (metrics, plots,
    report). A scenario that compares mechanisms (``MECHANISMS``, e.g. black-thursday) runs
    once per mechanism, each on a fresh chain, into ``OUT/<mechanism>/``, and writes the
    comparison at ``OUT/report.md``; ``--liquidator`` picks one mechanism instead.
    ``progress`` is an optional ``rich.progress.Progress`` for long set-ups."""
    module = scenario(name)
    out = Path(options.out or Path("reports") / "scenarios" / f"{name}-seed{options.seed}")
    supported = list(getattr(module, "MECHANISMS", ("dutch",)))
    if options.liquidator and options.liquidator not in supported:
        raise ScenarioError(f"{name} runs under {' and '.join(supported)} only, not --liquidator {options.liquidator}")
    mechanisms = [options.liquidator] if options.liquidator else supported
    if len(mechanisms) == 1:
        return _run_once(module, options, mechanisms[0], out, rpc_url, log, progress)
    folders = []
    for mechanism in mechanisms:
        log(f"{name}: running under the {mechanism} mechanism")
        folders.append(_run_once(module, options, mechanism, out / mechanism, rpc_url, log, progress))
    render_comparison(out, folders, getattr(module, "COMPARISON", []))
    return out


def _run_once(
    module: ModuleType, options: RunOptions, mechanism: str, out: Path, rpc_url: str | None, log: Any, progress: Any
) -> Path:
    spec = options.market_spec()
    with lab_chain(rpc_url, log) as chain:
        recorder = Recorder(module.NAME, options.seed, mechanism, spec.base.symbol, spec.base.decimals)
        recorder.params = _params_record(spec, options, module)
        with recorder.phase("setup"):
            market = deploy_market(chain, spec, liquidator=mechanism)
        lab = Lab(market, recorder, options.seed)
        lab.progress = progress
        module.run(lab, options)
        lab.sample()
        recorder.checks = check_books(market, lab.accounts)
    with recorder.phase("report"):
        recorder.write(out)
        render(out)
    recorder.write(out)  # again, with the report's own time
    broken = {k: v for k, v in recorder.checks.items() if v is not True}
    if broken:
        raise ScenarioError(f"{module.NAME}: accounting identities broken after the run: {broken} (see {out})")
    return out


def _params_record(spec: Any, options: RunOptions, module: ModuleType) -> dict[str, Any]:
    """What the report prints of the run's parameters (human units)."""
    from ...units import from_units

    m, auction = spec.raw["market"], spec.raw["liquidation"]
    return {
        "accounts": options.accounts or module.DEFAULT_ACCOUNTS,
        "marginCallHF": str(m["margin_call_hf"]),
        "gracePeriod": int(m["grace_period"]),
        "targetHF": str(m["target_hf"]),
        "exitMargin": str(m["exit_margin"]),
        "buf": str(auction["buf"]),
        "cut": str(auction["curve"].get("cut", "")),
        "dust": str(from_units(spec.market_tuple()[6], spec.base.decimals)),
        "shock": options.shock,
        "keeperDelay": options.keeper_delay,
        "python": sys.version.split()[0],
    }
