"""Gas benchmarks: `make bench` (brownie run scripts/bench.py --network anvil).

Measures the gas of every user-facing action on the demo market and of one PoolLens call over
N accounts (BENCH_ACCOUNTS, default 500), and writes reports/bench.json. Figures are gas units
from real transactions (or eth_estimateGas for the lens view) on Anvil, Shanghai rules.
"""

import json
import os
import sys
from pathlib import Path

from brownie import accounts, web3

from margincall.chain import fund, set_price, sleep
from margincall.deploy import deploy_market
from margincall.params import load_params
from margincall.session import Chain, Signer

TX_CAP = 16_777_216


def main():
    _run(int(os.environ.get("BENCH_ACCOUNTS", "500")))


def out(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


def _run(n_accounts: int) -> None:
    governor, supplier, borrower, keeper = (accounts[i].address for i in (0, 2, 4, 7))
    chain = Chain(web3, Signer(governor))
    market = deploy_market(chain, load_params(), accounts[1].address)
    pool, usdc, lens, liquidator = market.pool, market.base.token, market.lens, market.liquidator
    weth = market.collaterals["WETH"].token
    gas = {}

    def record(name, receipt):
        gas[name] = receipt.gas_used
        out(f"{name:32s} {receipt.gas_used:>10,d}")

    fund(usdc, supplier, 10**13, pool)
    record("supply", pool.send.supply(10**13, supplier, sender=supplier))
    fund(weth, borrower, 100 * 10**18, pool)
    fund(usdc, borrower, 10**12, pool)
    record("depositCollateral (first)", pool.send.depositCollateral(weth, 10 * 10**18, borrower, sender=borrower))
    record("depositCollateral", pool.send.depositCollateral(weth, 10**18, borrower, sender=borrower))
    record("borrow", pool.send.borrow(20_000 * 10**6, borrower, sender=borrower))
    sleep(market, 3600)  # an hour of interest; feeds refreshed
    record("repay (partial)", pool.send.repay(1_000 * 10**6, borrower, sender=borrower))
    record("withdrawCollateral", pool.send.withdrawCollateral(weth, 10**17, borrower, sender=borrower))
    set_price(market, "WETH", "2150")
    record("issueMarginCall", pool.send.issueMarginCall(borrower, sender=keeper))
    set_price(market, "WETH", "1900")
    record("kick (one asset)", liquidator.send.kick(borrower, keeper, sender=keeper))
    (auction_id,) = liquidator.call.activeAuctions()
    _, price, lot, _ = liquidator.call.getStatus(auction_id)
    fund(usdc, keeper, 10**12, liquidator)
    record("take (whole lot)", liquidator.send.take(auction_id, lot, price, keeper, b"", sender=keeper))
    record("poke (no new round)", market.oracle.send.poke(weth, sender=keeper))

    # many accounts, one lens call: positions opened by contracts, a batch per transaction
    wbtc = market.collaterals["WBTC"].token
    factory = chain.deploy("MockPositionFactory")
    for label, assets, amounts, debt in (
        ("WETH", [weth], [10**18], 1_100 * 10**6),
        ("WETH+WBTC", [weth, wbtc], [10**18, 10**6], 1_500 * 10**6),
    ):
        first = factory.call.count()
        for _ in range(0, n_accounts, 25):
            factory.send.open(market.pool, assets, amounts, debt, 25, gas=16_777_216)
        holders = factory.call.accounts()[first : first + n_accounts]
        lens_gas = web3.eth.estimate_gas(
            {"to": lens.address, "data": lens.fn.accounts(holders)._encode_transaction_data()}
        )
        name = f"PoolLens.accounts({len(holders)} × {label})"
        gas[name] = lens_gas
        verdict = "within" if lens_gas <= TX_CAP else "OVER"
        out(f"{name:40s} {lens_gas:>10,d}  ({verdict} the {TX_CAP:,d} cap)")

    reports = Path("reports")
    reports.mkdir(exist_ok=True)
    (reports / "bench.json").write_text(json.dumps({"gas": gas, "tx_cap": TX_CAP}, indent=2) + "\n")
    out(f"written to {reports / 'bench.json'}")
