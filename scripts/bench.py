"""Gas benchmarks: `make bench` (brownie run scripts/bench.py --network anvil).

Measures the gas of every user-facing action on the demo market and of one PoolLens call over
N accounts (BENCH_ACCOUNTS, default 500), and writes reports/bench.json. Figures are gas units
from real transactions (or eth_estimateGas for the lens view) on Anvil, Shanghai rules.
"""

import contextlib
import io
import json
import os
import sys
import warnings
from pathlib import Path

from brownie import accounts, project, web3

from margincall.chain import fund, set_price, sleep
from margincall.deploy import deploy_market
from margincall.params import load_params

TX_CAP = 16_777_216


def main():
    warnings.filterwarnings("ignore", category=FutureWarning)
    # Brownie prints every transaction; the benchmark prints its own table
    with contextlib.redirect_stdout(io.StringIO()):
        _run(int(os.environ.get("BENCH_ACCOUNTS", "500")))


def out(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


def _run(n_accounts: int) -> None:
    governor, supplier, borrower, keeper = accounts[0], accounts[2], accounts[4], accounts[7]
    market = deploy_market(project.get_loaded_projects()[0], governor, load_params(), accounts[1])
    pool, usdc, lens, liquidator = market.pool, market.base.token, market.lens, market.liquidator
    weth = market.collaterals["WETH"].token
    gas = {}

    def record(name, tx):
        gas[name] = tx.gas_used
        out(f"{name:32s} {tx.gas_used:>10,d}")

    fund(usdc, supplier, 10**13, pool)
    record("supply", pool.supply(10**12, supplier, {"from": supplier}))
    fund(weth, borrower, 100 * 10**18, pool)
    fund(usdc, borrower, 10**12, pool)
    record("depositCollateral (first)", pool.depositCollateral(weth, 10 * 10**18, borrower, {"from": borrower}))
    record("depositCollateral", pool.depositCollateral(weth, 10**18, borrower, {"from": borrower}))
    record("borrow", pool.borrow(20_000 * 10**6, borrower, {"from": borrower}))
    sleep(market, 3600)  # an hour of interest; feeds refreshed
    record("repay (partial)", pool.repay(1_000 * 10**6, borrower, {"from": borrower}))
    record("withdrawCollateral", pool.withdrawCollateral(weth, 10**17, borrower, {"from": borrower}))
    set_price(market, "WETH", "2150")
    record("issueMarginCall", pool.issueMarginCall(borrower, {"from": keeper}))
    set_price(market, "WETH", "1900")
    record("kick (one asset)", liquidator.kick(borrower, keeper, {"from": keeper}))
    (auction_id,) = liquidator.activeAuctions()
    _, price, lot, _ = liquidator.getStatus(auction_id)
    fund(usdc, keeper, 10**12, liquidator)
    record("take (whole lot)", liquidator.take(auction_id, lot, price, keeper, b"", {"from": keeper}))
    record("poke (no new round)", market.oracle.poke(weth, {"from": keeper}))

    # many accounts, one lens call
    out(f"opening {n_accounts} positions for the lens benchmark ...")
    holders = []
    for _ in range(n_accounts):
        a = accounts.add()
        governor.transfer(a, "1 ether", silent=True)
        fund(weth, a, 10**18, pool)
        pool.depositCollateral(weth, 10**18, a, {"from": a})
        pool.borrow(1_100 * 10**6, a, {"from": a})
        holders.append(a)
    calldata = lens.accounts.encode_input(holders)
    lens_gas = web3.eth.estimate_gas({"to": lens.address, "data": calldata})
    gas[f"PoolLens.accounts({n_accounts})"] = lens_gas
    verdict = "within" if lens_gas <= TX_CAP else "OVER"
    out(f"{'PoolLens.accounts(' + str(n_accounts) + ')':32s} {lens_gas:>10,d}  ({verdict} the {TX_CAP:,d} cap)")

    reports = Path("reports")
    reports.mkdir(exist_ok=True)
    (reports / "bench.json").write_text(json.dumps({"gas": gas, "tx_cap": TX_CAP}, indent=2) + "\n")
    out(f"written to {reports / 'bench.json'}")
