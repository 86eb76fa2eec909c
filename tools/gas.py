#!/usr/bin/env python3
"""Gas of every operation of the DESIGN.md 11 budget table (docs/DESIGN.md 11).

    python3 tools/gas.py snapshot   rewrite snapshots/gas.json          (make gas-snapshot)
    python3 tools/gas.py check      fail when a figure rose > 1 %       (make gas-check, make test-forge)
    python3 tools/gas.py report     table beside budget and anchors,    (make bench)
                                    written to bench/gas.json

Every figure comes from tests/forge/gas/*.t.sol run with `forge test --isolate` and
GAS_SNAPSHOT=1: each measured call is its own transaction (21,000 intrinsic and calldata
included) on cold storage. Forge's own snapshot writing is switched off (FORGE_SNAPSHOT_EMIT=
false): this script reads the figures from `forge test --json` and writes the file itself, so a
check never touches the committed snapshot.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "snapshots" / "gas.json"
REPORT = ROOT / "bench" / "gas.json"
GAS_TESTS = "tests/forge/gas/*.t.sol"
GROUP = "gas"  # vm.snapshotGasLastCall("gas", name)
TOLERANCE_PERCENT = 1.0

KICK, TAKE_FULL = "kick (full, 1 collateral)", "take (full)"
KICK_AND_TAKE = "kick + full take (1 collateral)"

# name -> (budget, Aave v3.6, Maker, Morpho Blue): DESIGN.md 11, whole transactions, cold storage
BUDGET: dict[str, tuple[int | None, str, str, str]] = {
    "supply": (110_000, "141,657", "", "124,675"),
    "withdraw": (None, "", "", ""),
    "depositCollateral (repeat)": (80_000, "", "", "86,391"),
    "depositCollateral (first of an asset)": (105_000, "", "", "86,391"),
    "borrow (2 collaterals, first)": (150_000, "215,123", "", "103,246"),
    "borrow (2 collaterals, more)": (150_000, "215,123", "", "103,246"),
    "repay (full)": (100_000, "161,792", "", ""),
    "withdrawCollateral (with debt, 2 held)": (150_000, "", "", ""),
    "issueMarginCall (2 held)": (80_000, "", "", ""),
    "clearMarginCall (2 held)": (80_000, "", "", ""),
    KICK: (None, "", "378,300", ""),
    TAKE_FULL: (None, "", "133,838", ""),
    KICK_AND_TAKE: (350_000, "352,245", "512,138", "~125,092"),
    "take (partial)": (100_000, "", "113,312", ""),
    "redo": (None, "", "", ""),
    "settle (stale price)": (None, "", "", ""),
    "FlashTaker.take (full, AMM swap)": (None, "", "", ""),
    "PoolLens.accounts (1 x 2 collaterals)": (None, "", "", ""),
    "PoolLens.accounts (100 x 2 collaterals)": (None, "", "", ""),
    "PoolLens.accounts (500 x 2 collaterals)": (8_000_000, "", "", ""),
}
STRETCH = {KICK_AND_TAKE: 260_000}


class GasError(Exception):
    """A readable one-line failure of this tool."""


def measure() -> dict[str, int]:
    """Runs the gas tests isolated and returns {operation: gas}."""
    env = dict(os.environ, GAS_SNAPSHOT="1", FORGE_SNAPSHOT_EMIT="false")
    cmd = ["forge", "test", "--isolate", "--match-path", GAS_TESTS, "--json"]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        suites = json.loads(run.stdout[run.stdout.index("{") :])
    except ValueError:
        raise GasError(f"`{' '.join(cmd)}` gave no JSON (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    figures: dict[str, int] = {}
    for suite, result in suites.items():
        for test, outcome in result["test_results"].items():
            if outcome["status"] != "Success":
                raise GasError(f"{suite}::{test} {outcome['status']}: {outcome.get('reason')}")
            for name, gas in outcome.get("gas_snapshots", {}).get(GROUP, {}).items():
                figures[name] = int(gas)
    if run.returncode != 0:
        raise GasError(f"forge test failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
    if not figures:
        raise GasError("the gas tests recorded nothing (did they skip? GAS_SNAPSHOT=1 is set here)")
    return dict(sorted(figures.items()))


def load_snapshot() -> dict[str, int]:
    if not SNAPSHOT.exists():
        raise GasError(f"{SNAPSHOT.relative_to(ROOT)} is missing: run `make gas-snapshot`")
    return {k: int(v) for k, v in json.loads(SNAPSHOT.read_text()).items()}


def write_snapshot(figures: dict[str, int]) -> None:
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(figures, indent=2) + "\n")


def check(figures: dict[str, int], committed: dict[str, int], tolerance: float) -> list[str]:
    """Every problem found: a figure over the snapshot by more than `tolerance` %, an
    operation measured but not in the snapshot, or in the snapshot but not measured."""
    problems = []
    for name, gas in figures.items():
        if name not in committed:
            problems.append(f"{name}: {gas:,} measured, not in the snapshot")
        elif gas * 100 > committed[name] * (100 + tolerance):
            rise = (gas - committed[name]) * 100 / committed[name]
            problems.append(f"{name}: {gas:,} > snapshot {committed[name]:,} (+{rise:.2f} %)")
    problems += [f"{name}: in the snapshot, no longer measured" for name in committed if name not in figures]
    return problems


def with_derived(figures: dict[str, int]) -> dict[str, int]:
    out = dict(figures)
    if KICK in figures and TAKE_FULL in figures:
        out[KICK_AND_TAKE] = figures[KICK] + figures[TAKE_FULL]
    return out


def report(figures: dict[str, int], committed: dict[str, int] | None) -> str:
    rows = with_derived(figures)
    lines = [
        f"{'operation':42s} {'gas':>11s} {'snapshot':>11s} {'budget':>10s}  {'':6s} {'Aave v3.6':>10s} "
        f"{'Maker':>10s} {'Morpho':>10s}",
    ]
    base = with_derived(committed) if committed else {}
    for name in list(BUDGET) + [n for n in rows if n not in BUDGET]:
        if name not in rows:
            continue
        budget, aave, maker, morpho = BUDGET.get(name, (None, "", "", ""))
        verdict = "" if budget is None else ("within" if rows[name] <= budget else "OVER")
        snap = f"{base[name]:,}" if name in base else ""
        budget_text = f"{budget:,}" if budget else "—"
        lines.append(
            f"{name:42s} {rows[name]:>11,} {snap:>11s} {budget_text:>10s}  {verdict:6s} {aave:>10s} "
            f"{maker:>10s} {morpho:>10s}"
        )
    for name, stretch in STRETCH.items():
        if name in rows:
            lines.append(f"  stretch for {name}: {stretch:,} ({'within' if rows[name] <= stretch else 'not yet'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["snapshot", "check", "report"])
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_PERCENT, help="allowed rise, %% (default 1)")
    args = parser.parse_args(argv)
    try:
        figures = measure()
        if args.command == "snapshot":
            write_snapshot(figures)
            print(f"gas: {len(figures)} figures written to {SNAPSHOT.relative_to(ROOT)}")
        elif args.command == "check":
            problems = check(figures, load_snapshot(), args.tolerance)
            if problems:
                print("gas check failed (update with `make gas-snapshot` in the same commit):", file=sys.stderr)
                for problem in problems:
                    print(f"  {problem}", file=sys.stderr)
                return 1
            print(f"gas: {len(figures)} figures within {args.tolerance:g} % of {SNAPSHOT.relative_to(ROOT)}")
        else:
            committed = load_snapshot() if SNAPSHOT.exists() else None
            print(report(figures, committed))
            budget = {n: b for n, (b, *_rest) in BUDGET.items() if b is not None}
            REPORT.parent.mkdir(exist_ok=True)
            REPORT.write_text(
                json.dumps({"gas": with_derived(figures), "budget": budget, "stretch": STRETCH}, indent=2) + "\n"
            )
            print(f"written to {REPORT.relative_to(ROOT)}")
    except GasError as error:
        print(f"gas: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
