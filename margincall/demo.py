"""The margin-call story told on the demo market (``make demo``).

Act 1: a supplier funds the pool; Alice and Bob each open a WETH-backed loan.
Act 2: ETH falls into the margin-call band; a keeper calls both borrowers.
Act 3: Alice tops up during the grace period and the call is met; Bob ignores it and is
       Liquidatable once the deadline passes, although his health factor is still above 1.

Each step is a real transaction on the local chain; the events it emitted are printed.
"""

from __future__ import annotations

import warnings

from brownie import accounts, chain
from brownie._config import CONFIG
from rich.console import Console
from rich.table import Table

from .chain import account_view, fund, price_of, set_price, sleep
from .deploy import Market, deploy_market
from .params import load_params
from .units import fmt_hf, fmt_units

console = Console()


class Story:
    def __init__(self, market: Market, cast: dict[str, object]):
        self.market = market
        self.cast = cast  # display name → account

    def step(self, title: str, tx=None) -> None:
        console.rule(f"[bold]{title}")
        if tx is not None:
            names = [e.name for e in tx.events] if tx.events else []
            shown = [n for n in names if n not in ("Transfer", "Approval", "RoundSet")]
            console.print(f"  events: {', '.join(shown) or '(none)'}", style="cyan")

    def prices(self) -> None:
        m = self.market
        table = Table(title="Oracle prices (USD)")
        for symbol in [m.base.symbol, *m.collaterals]:
            table.add_column(symbol, justify="right")
        table.add_row(*[f"{price_of(m, s):,.2f}" for s in [m.base.symbol, *m.collaterals]])
        console.print(table)

    def accounts(self, *names: str) -> None:
        m = self.market
        base_dec = m.base.decimals
        views = {name: account_view(m, self.cast[name]) for name in names or self.cast}
        held = [s for s in m.collaterals if any(v.collateral[s] for v in views.values())]
        table = Table(title="Accounts")
        table.add_column("who")
        table.add_column(f"debt {m.base.symbol}", justify="right")
        for symbol in held:
            table.add_column(symbol, justify="right")
        table.add_column("HF", justify="right")
        table.add_column("status")
        table.add_column("call deadline", justify="right")
        for name, v in views.items():
            left = v.call_deadline - chain.time() if v.call_deadline else None
            deadline = "-" if left is None else (f"in {left / 3600:.1f} h" if left > 0 else "passed")
            style = {0: "green", 1: "yellow", 2: "red"}[v.status]
            table.add_row(
                name,
                fmt_units(v.debt, base_dec, 2),
                *[fmt_units(v.collateral[s], m.collaterals[s].decimals, 4) for s in held],
                fmt_hf(v.health_factor),
                f"[{style}]{v.status_name}[/{style}]",
                deadline,
            )
        console.print(table)


def run(market: Market | None = None) -> Market:
    """Deploy (unless given a market) and tell the story. Returns the market."""
    CONFIG.argv["silent"] = True  # the story prints its own account of each transaction
    warnings.filterwarnings("ignore", category=FutureWarning)
    governor, guardian, supplier, alice, bob, keeper = (accounts[i] for i in range(6))
    if market is None:
        market = deploy_market(_project(), governor, load_params(), guardian)
    pool, usdc = market.pool, market.base.token
    weth = market.collaterals["WETH"].token
    story = Story(market, {"Alice": alice, "Bob": bob})
    console.print(f"[bold]Margin Call Lab demo[/bold]: LendingPool at {pool.address}, chain {market.chain_id}")

    # Act 1
    fund(usdc, supplier, 1_000_000 * 10**6, pool)
    story.step("Act 1. A supplier lends 1,000,000 USDC", pool.supply(1_000_000 * 10**6, supplier, {"from": supplier}))
    for who in (alice, bob):
        fund(weth, who, 12 * 10**18, pool)
        fund(usdc, who, 0, pool)
        pool.depositCollateral(weth, 10 * 10**18, who, {"from": who})
        tx = pool.borrow(15_000 * 10**6, who, {"from": who})
    story.step("Alice and Bob each deposit 10 WETH and borrow 15,000 USDC", tx)
    story.prices()
    story.accounts()

    # Act 2
    set_price(market, "WETH", "1900")
    story.step("Act 2. ETH falls from $3,000 to $1,900: both are in the margin-call band (1 ≤ HF < 1.10)")
    story.prices()
    story.accounts()
    for name, who in (("Alice", alice), ("Bob", bob)):
        story.step(f"A keeper issues a margin call on {name}", pool.issueMarginCall(who, {"from": keeper}))
    story.accounts()

    # Act 3
    tx = pool.depositCollateral(weth, 2 * 10**18, alice, {"from": alice})
    story.step("Act 3. Alice tops up 2 WETH within the grace period: the call is met", tx)
    story.accounts()
    grace = market.config.marketParams()["gracePeriod"]
    sleep(market, grace + 1)
    story.step(f"{grace // 3600} h later (feeds refreshed at unchanged prices): Bob did nothing")
    story.accounts()
    console.print(
        "Bob's health factor is above 1, yet he is [red]Liquidatable[/red]: his call's deadline passed while "
        "he stayed below the base margin-call level (1.10). Alice, who met her call, is safe."
    )
    return market


def _project():
    from brownie import project

    return project.get_loaded_projects()[0]
