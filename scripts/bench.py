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

from margincall.rpc import install_receipt_retry
from pathlib import Path

from brownie import accounts, project, web3

from margincall.chain import fund, set_price, sleep
from margincall.deploy import deploy_market
from margincall.params import load_params

TX_CAP = 16_777_216


def main():
    install_receipt_retry()
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
    record("supply", pool.supply(10**13, supplier, {"from": supplier}))
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

    # many accounts, one lens call: positions opened by contracts, a batch per transaction
    wbtc = market.collaterals["WBTC"].token
    factory = project.get_loaded_projects()[0].MockPositionFactory.deploy({"from": governor})
    for label, assets, amounts, debt in (
        ("WETH", [weth], [10**18], 1_100 * 10**6),
        ("WETH+WBTC", [weth, wbtc], [10**18, 10**6], 1_500 * 10**6),
    ):
        first = factory.count()
        for _ in range(0, n_accounts, 25):
            factory.open(pool, assets, amounts, debt, 25, {"from": governor})
        holders = factory.accounts()[first : first + n_accounts]
        lens_gas = web3.eth.estimate_gas({"to": lens.address, "data": lens.accounts.encode_input(holders)})
        name = f"PoolLens.accounts({len(holders)} × {label})"
        gas[name] = lens_gas
        verdict = "within" if lens_gas <= TX_CAP else "OVER"
        out(f"{name:40s} {lens_gas:>10,d}  ({verdict} the {TX_CAP:,d} cap)")

    reports = Path("reports")
    reports.mkdir(exist_ok=True)
    (reports / "bench.json").write_text(json.dumps({"gas": gas, "tx_cap": TX_CAP}, indent=2) + "\n")
    out(f"written to {reports / 'bench.json'}")
