"""Gas benchmarks through Brownie: `brownie run scripts/bench.py --network anvil`.

A thin Brownie entry point over ``margincall.gas`` (the node's unlocked accounts act); writes
reports/bench.json. BENCH_ACCOUNTS (default 500) accounts for the PoolLens call. Without
Brownie: ``margincall bench gas`` (what ``make bench`` runs).
"""

import json
import os
import sys
from pathlib import Path

from brownie import accounts, web3

from margincall.gas import measure_gas
from margincall.session import TX_CAP, Chain, Signer


def out(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


def main():
    gas = measure_gas(Chain(web3, Signer(accounts[0].address)), int(os.environ.get("BENCH_ACCOUNTS", "500")), out)
    reports = Path("reports")
    reports.mkdir(exist_ok=True)
    (reports / "bench.json").write_text(json.dumps({"gas": gas, "tx_cap": TX_CAP}, indent=2) + "\n")
    out(f"written to {reports / 'bench.json'}")
