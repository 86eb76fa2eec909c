"""Gas of every user-facing action on the demo market, and of one PoolLens call over many
accounts (``margincall bench gas``; ``brownie run scripts/bench.py``).

Figures are gas units from real transactions (``eth_estimateGas`` for the lens view) on the
chain given (Anvil, Shanghai rules); the actors are the node's unlocked accounts
(``Chain.actors``). Positions for the lens call are opened by ``MockPositionFactory``, 25 per
transaction.
"""

from __future__ import annotations

from typing import Callable

from .chain import fund, set_price, sleep
from .deploy import deploy_market
from .errors import HarnessError
from .params import load_params
from .session import TX_CAP, Chain, Signer

ETH, USDC = 10**18, 10**6
BLOCK_SECONDS = 12  # [s] between the bench's blocks, as on mainnet


def measure_gas(chain: Chain, n_accounts: int = 500, say: Callable[[str], object] = print) -> dict[str, int]:
    """Deploy the demo market on ``chain`` and return ``{action: gas}``; ``say`` hears each line."""
    governor, guardian, supplier, borrower, keeper = chain.actors(5)
    fixed_times = _fix_block_times(chain, say)
    try:
        return _measure(chain, n_accounts, say, guardian, supplier, borrower, keeper)
    finally:
        if fixed_times:
            chain.rpc("anvil_removeBlockTimestampInterval", [])


def _fix_block_times(chain: Chain, say: Callable[[str], object]) -> bool:
    """Every block BLOCK_SECONDS after the previous one (Anvil), so that the figures do not
    depend on the wall clock: an accrual over 0 seconds writes less than one over 1, and a feed's
    age moves the valuation. False (with a note) on a node without the setting."""
    try:
        chain.rpc("anvil_setBlockTimestampInterval", [BLOCK_SECONDS])
        return True
    except HarnessError:
        say("note: this node cannot fix its block times; figures follow its clock and may differ by a few thousand gas")
        return False


def _measure(
    chain: Chain, n_accounts: int, say: Callable[[str], object], guardian: Signer, supplier: Signer, borrower: Signer, keeper: Signer
) -> dict[str, int]:
    market = deploy_market(chain, load_params(), guardian)
    pool, usdc, lens, liquidator = market.pool, market.base.token, market.lens, market.liquidator
    weth, wbtc = market.collaterals["WETH"].token, market.collaterals["WBTC"].token
    gas: dict[str, int] = {}

    def record(name, receipt):
        gas[name] = receipt.gas_used
        say(f"{name:32s} {receipt.gas_used:>10,d}")

    fund(usdc, supplier, 10**13, pool)
    record("supply", pool.send.supply(10**13, supplier, sender=supplier))
    fund(weth, borrower, 100 * ETH, pool)
    fund(usdc, borrower, 10**12, pool)
    record("depositCollateral (first)", pool.send.depositCollateral(weth, 10 * ETH, borrower, sender=borrower))
    record("depositCollateral", pool.send.depositCollateral(weth, ETH, borrower, sender=borrower))
    record("borrow", pool.send.borrow(20_000 * USDC, borrower, sender=borrower))
    sleep(market, 3600)  # an hour of interest; feeds refreshed
    record("repay (partial)", pool.send.repay(1_000 * USDC, borrower, sender=borrower))
    record("withdrawCollateral", pool.send.withdrawCollateral(weth, ETH // 10, borrower, sender=borrower))
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
    factory = chain.deploy("MockPositionFactory")
    for label, assets, amounts, debt in (
        ("WETH", [weth], [ETH], 1_100 * USDC),
        ("WETH+WBTC", [weth, wbtc], [ETH, 10**6], 1_500 * USDC),
    ):
        first = factory.call.count()
        for _ in range(0, n_accounts, 25):
            factory.send.open(pool, assets, amounts, debt, 25, gas=TX_CAP)
        holders = factory.call.accounts()[first : first + n_accounts]
        lens_gas = chain.w3.eth.estimate_gas(
            {"to": lens.address, "data": lens.fn.accounts(holders)._encode_transaction_data()}
        )
        name = f"PoolLens.accounts({len(holders)} × {label})"
        gas[name] = lens_gas
        verdict = "within" if lens_gas <= TX_CAP else "OVER"
        say(f"{name:40s} {lens_gas:>10,d}  ({verdict} the {TX_CAP:,d} cap)")
    return gas
