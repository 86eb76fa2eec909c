"""The margin-call story told on the demo market (``make demo``).

Act 1: a supplier funds the pool; Alice and Bob each open a WETH-backed loan.
Act 2: ETH falls into the margin-call band; a keeper calls both borrowers.
Act 3: Alice tops up during the grace period and the call is met; Bob ignores it and is
       Liquidatable once the deadline passes, although his health factor is still above 1.
Act 4: a keeper kicks Bob's account: part of his WETH goes to a Dutch auction. A keeper
       contract with no capital (FlashTaker) buys it once the price is attractive, sells it on
       an AMM in the same transaction and keeps the spread. The lot sold below the oracle
       price: that slippage is charged back to Bob's debt (his remaining collateral answers for
       it), and the penalty goes to the insurance fund.
Act 5: WBTC's price whipsaws and ends where it started. The oracle's volatility estimate
       jumps, Carol's effective margin-call level rises from 1.10 to 1.30 and she is called;
       her health factor never moved, and after the deadline she is still not Liquidatable:
       volatility decides when a warning starts, never whether a position is sold.

Each step is a real transaction on the local chain; the events it emitted are printed. Every
claim the story makes about an account is checked against the chain first: if the contracts
disagree, the demo stops with a ``DemoError`` instead of telling a story that did not happen
(``tests/test_demo.py`` and ``make test``'s Ganache run rely on this).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from .chain import account_view, fund, price_of, set_price, sleep, volatility_of
from .deploy import Market, deploy_market
from .params import load_params
from .session import Chain, Receipt
from .status import AccountStatus
from .units import fmt_hf, fmt_units

# the story prints to the terminal (a framework's own per-transaction lines go elsewhere)
# not a terminal (a pipe, a log): wide enough that no rule or table is cut with "…"
console = Console(file=sys.__stdout__, width=None if sys.__stdout__.isatty() else 160)


class DemoError(RuntimeError):
    """The chain disagrees with what the story is about to say."""


class Story:
    def __init__(self, market: Any, cast: dict[str, object]):
        self.market: Market = market.core  # a Market or a framework's view of one
        self.cast = cast  # display name → account

    def step(self, title: str, tx: Receipt | None = None) -> None:
        console.rule(f"[bold]{title}")
        if tx is not None:
            shown = [n for n in tx.event_names if n not in ("Transfer", "Approval", "RoundSet")]
            console.print(f"  events: {', '.join(shown) or '(none)'}", style="cyan")

    def expect(self, name: str, status: str, *, hf_above_one: bool | None = None, called: bool | None = None):
        """Checks an account against the story before the story says it: its status, and
        optionally whether its health factor is above 1 and whether it has a live call."""
        v = account_view(self.market, self.cast[name])
        problems = []
        if v.status_name != status:
            problems.append(f"status {v.status_name}, expected {status}")
        if hf_above_one is not None and (v.health_factor > 10**18) != hf_above_one:
            problems.append(f"health factor {fmt_hf(v.health_factor)} is {'not ' if hf_above_one else ''}above 1")
        if called is not None and (v.call_deadline != 0) != called:
            problems.append("a live margin call" if v.call_deadline else "no live margin call")
        if problems:
            raise DemoError(f"{name}: " + "; ".join(problems))
        return v

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
        table.add_column("call level", justify="right")
        table.add_column("status")
        table.add_column("call deadline", justify="right")
        table.add_column("liq. price", justify="right")  # the one collateral's price at which HF = 1
        for name, v in views.items():
            liq_price = m.lens.call.accountState(self.cast[name]).liquidationPrice
            left = v.call_deadline - m.chain.time() if v.call_deadline else None
            deadline = "-" if left is None else (f"in {left / 3600:.1f} h" if left > 0 else "passed")
            style = {
                AccountStatus.Healthy: "green",
                AccountStatus.MarginCall: "yellow",
                AccountStatus.Liquidatable: "red",
            }[v.status]
            table.add_row(
                name,
                fmt_units(v.debt, base_dec, 2),
                *[fmt_units(v.collateral[s], m.collaterals[s].decimals, 4) for s in held],
                fmt_hf(v.health_factor),
                fmt_hf(v.call_level),
                f"[{style}]{v.status_name}[/{style}]",
                deadline,
                fmt_units(liq_price, 18, 2) if liq_price else "-",
            )
        console.print(table)

    def volatilities(self) -> None:
        table = Table(title="Volatility σ (annualised)")
        for symbol in self.market.collaterals:
            table.add_column(symbol, justify="right")
        table.add_row(*[f"{volatility_of(self.market, s):.0%}" for s in self.market.collaterals])
        console.print(table)


def run(chain: Chain, market: Market | None = None) -> Market:
    """Deploy the demo market from ``chain``'s signer (unless given a market) and tell the
    story. The cast are the node's unlocked accounts, or fresh local keys funded by the signer
    on a chain without any (``Chain.actors``). Returns the market."""
    governor, guardian, supplier, alice, bob, carol, keeper = chain.actors(7)
    if market is None:
        market = deploy_market(chain, load_params(), guardian)
    market = market.core
    pool, usdc, oracle = market.pool, market.base.token, market.oracle
    weth, wbtc = market.collaterals["WETH"].token, market.collaterals["WBTC"].token
    grace = market.config.call.marketParams().gracePeriod
    story = Story(market, {"Alice": alice, "Bob": bob, "Carol": carol})
    console.print(f"[bold]Margin Call Lab demo[/bold]: LendingPool at {pool.address}, chain {market.chain_id}")

    # Act 1
    fund(usdc, supplier, 1_000_000 * 10**6, pool)
    story.step("Act 1. A supplier lends 1,000,000 USDC", pool.send.supply(1_000_000 * 10**6, supplier, sender=supplier))
    for who in (alice, bob):
        fund(weth, who, 13 * 10**18, pool)
        pool.send.depositCollateral(weth, 10 * 10**18, who, sender=who)
        tx = pool.send.borrow(15_000 * 10**6, who, sender=who)
    story.step("Alice and Bob each deposit 10 WETH and borrow 15,000 USDC", tx)
    fund(wbtc, carol, 10**8, pool)
    pool.send.depositCollateral(wbtc, 10**8, carol, sender=carol)
    story.step("Carol deposits 1 WBTC and borrows 38,000 USDC", pool.send.borrow(38_000 * 10**6, carol, sender=carol))
    for name in ("Alice", "Bob", "Carol"):
        story.expect(name, "Healthy")
    story.prices()
    story.volatilities()
    story.accounts()

    # Act 2
    set_price(market, "WETH", "1900")
    for name in ("Alice", "Bob"):
        story.expect(name, "MarginCall", hf_above_one=True, called=False)
    story.step("Act 2. ETH falls from $3,000 to $1,900: Alice and Bob are in the margin-call band")
    story.prices()
    story.volatilities()
    params = market.config.call.marketParams()
    console.print(
        f"  the fall is also volatility: call level = {fmt_hf(params.marginCallHF)} + "
        f"{fmt_hf(params.volSlope)} × (σ − σ_ref {market.oracle.call.volRef() / 10**18:.0%}), at most "
        f"{fmt_hf(params.maxCallHF)}; it rises with σ, and a partial kick leaves the account at least the exit "
        f"margin {fmt_hf(params.exitMargin)} above it (and at least at the target HF {fmt_hf(params.targetHF)})"
    )
    story.accounts("Alice", "Bob")
    for name, who in (("Alice", alice), ("Bob", bob)):
        story.step(f"A keeper issues a margin call on {name}", pool.send.issueMarginCall(who, sender=keeper))
        story.expect(name, "MarginCall", called=True)
    story.accounts("Alice", "Bob")

    # Act 3
    # the fall counts in σ at once (the pool reads the pending round): her level is 1.30
    tx = pool.send.depositCollateral(weth, 3 * 10**18, alice, sender=alice)
    story.expect("Alice", "Healthy", called=False)
    story.step("Act 3. Alice tops up 3 WETH within the grace period (HF 1.40, over the raised level): the call is met", tx)
    story.accounts("Alice", "Bob")
    sleep(market, grace + 1)
    story.expect("Bob", "Liquidatable", hf_above_one=True, called=True)
    story.expect("Alice", "Healthy")
    story.step(f"{grace // 3600} h later (feeds refreshed at unchanged prices): Bob did nothing")
    story.accounts("Alice", "Bob")
    console.print(
        "Bob's health factor is above 1, yet he is [red]Liquidatable[/red]: his call's deadline passed while "
        "he stayed below the base margin-call level (1.10). Alice, who met her call, is safe."
    )
    _liquidation_act(story, market, bob, supplier, keeper)

    # Act 5
    for usd in ("54000", "66000", "55000", "60000"):
        market.chain.sleep(60)
        set_price(market, "WBTC", usd)
    story.step("Act 5. WBTC whipsaws $60,000 → 54,000 → 66,000 → 55,000 → 60,000 within minutes")
    story.step("A keeper pokes the oracle, which consumes the new rounds", oracle.send.poke(wbtc, sender=keeper))
    story.prices()
    story.volatilities()
    story.accounts("Carol")
    tx = pool.send.issueMarginCall(carol, sender=keeper)
    story.expect("Carol", "MarginCall", hf_above_one=True, called=True)
    story.step("Carol's price is unchanged, but her call level rose with volatility: she is called", tx)
    sleep(market, grace + 1)
    story.expect("Carol", "MarginCall", hf_above_one=True, called=True)
    story.step(f"{grace // 3600} h later: Carol did nothing")
    story.accounts("Carol")
    console.print(
        "Carol is past her deadline but [green]not Liquidatable[/green]: her health factor stayed above the base "
        "level (1.10). Volatility widened the warning band; it cannot sell a position."
    )

    return market


def _value(amount_weth: int, price: int, base_decimals: int) -> Decimal:
    """A WETH amount's value in whole base tokens at the oracle price (exact)."""
    return Decimal(amount_weth) * Decimal(price) / Decimal(10**36) + Decimal(0) * base_decimals


class _Books:
    """Each party's holdings in USDC at the oracle WETH price: its USDC, its WETH and, for
    Bob and the pool, the debt between them (a claim of the one on the other)."""

    def __init__(self, market: Market, parties: dict[str, list[str]], bob: str):
        self.market, self.parties, self.bob = market, parties, bob

    def value(self, price: int) -> dict[str, Decimal]:
        m = self.market
        usdc, weth = m.base.token, m.collaterals["WETH"].token
        out = {}
        for name, addresses in self.parties.items():
            cash = sum(usdc.call.balanceOf(a) for a in addresses)
            coll = sum(weth.call.balanceOf(a) for a in addresses)
            total = Decimal(cash) / 10**6 + _value(coll, price, 6)
            if name == "Bob":
                total += _value(m.pool.call.collateralOf(self.bob, weth.address), price, 6)
                total -= Decimal(m.pool.call.debtOf(self.bob)) / 10**6
            if name == "Suppliers (pool)":
                total -= _value(sum(weth.call.balanceOf(a) for a in addresses), price, 6)  # Bob's, counted above
                total += Decimal(m.pool.call.debtOf(self.bob)) / 10**6
            if name == "Insurance fund":
                total += 0  # its USDC and any WETH it holds are in its balances
            out[name] = total
        return out


def _room_after_kick(story: Story, market: Market) -> None:
    """Checks on-chain, then says, where the partial kick left Bob (DESIGN.md 3): at
    T = max(targetHF, callHF_eff + exitMargin), out of the band with room, the call met; and one
    second of interest later still Healthy, so the keeper does not call him again."""
    v = story.expect("Bob", "Healthy", called=False)
    params = market.config.call.marketParams()
    target = max(params.targetHF, v.call_level + params.exitMargin)
    if v.health_factor < target:
        raise DemoError(f"Bob: health factor {fmt_hf(v.health_factor)} after the kick, below T = {fmt_hf(target)}")
    market.chain.sleep(1)
    market.chain.mine()
    after = story.expect("Bob", "Healthy", called=False)
    console.print(
        f"  Bob leaves the band with room: HF {fmt_hf(v.health_factor)} ≥ T = max(target HF "
        f"{fmt_hf(params.targetHF)}, call level {fmt_hf(v.call_level)} + exit margin {fmt_hf(params.exitMargin)}) = "
        f"{fmt_hf(target)}; a second of interest later he is still Healthy (HF {fmt_hf(after.health_factor)}), so "
        "no keeper calls him again"
    )


def _liquidation_act(story: Story, market: Market, bob, supplier, keeper) -> None:
    chain = market.chain
    pool, usdc, liquidator = market.pool, market.base.token, market.liquidator
    weth = market.collaterals["WETH"].token
    price = market.oracle.call.getPrice(weth.address)  # the oracle price through the act
    parties = {
        "Bob": [str(bob.address if hasattr(bob, "address") else bob)],
        "Keeper (kick incentive, take spread)": [str(keeper.address if hasattr(keeper, "address") else keeper)],
        "Insurance fund": [market.fund.address],
        "Suppliers (pool)": [pool.address],
        "Liquidator (auction escrow)": [liquidator.address],
    }
    books = _Books(market, parties, parties["Bob"][0])
    start = books.value(price)
    fund_cash = usdc.call.balanceOf(market.fund.address)
    debt_before_kick = pool.call.debtOf(bob)
    tx = liquidator.send.kick(bob, keeper, sender=keeper)
    (auction_id,) = [e["id"] for e in tx.event("Kick")]
    story.step("Act 4. A keeper kicks Bob: a slice of his WETH goes to auction", tx)
    a = liquidator.call.auctions(auction_id)
    incentive = sum(e["paid"] for e in tx.event("KickIncentive"))
    lp = market.config.call.liquidationParams()
    console.print(
        f"  auction {auction_id}: lot {fmt_units(a.lot, 18, 4)} WETH, tab {fmt_units(a.tab, 6, 2)} USDC "
        f"(debt {fmt_units(a.debtPart, 6, 2)} + 5 % penalty {fmt_units(a.tab - a.debtPart, 6, 2)}), starts at "
        f"{fmt_units(a.top, 18, 2)} USDC/WETH, falls 1 % every 90 s"
    )
    due = lp.tip + lp.chip * a.tab // 10**18
    console.print(
        f"  keeper's kick incentive: {fmt_units(incentive, 6, 2)} USDC paid by the insurance fund (due: tip "
        f"{fmt_units(lp.tip, 6, 2)} + chip {lp.chip / 10**16:.1f} % × tab = {fmt_units(due, 6, 2)}; the fund pays "
        f"what it holds, {fmt_units(fund_cash, 6, 2)} before the kick, and a kick never waits on it); Bob's debt "
        f"{fmt_units(debt_before_kick, 6, 2)} → {fmt_units(pool.call.debtOf(bob), 6, 2)} USDC"
    )
    story.accounts("Bob")
    _room_after_kick(story, market)

    # an AMM where WETH trades near the oracle price, and a keeper contract with no capital
    amm = chain.deploy("MockAMM", weth, usdc, sender=supplier)
    fund(weth, supplier, 100 * 10**18, amm)
    fund(usdc, supplier, 190_000 * 10**6, amm)
    amm.send.addLiquidity(100 * 10**18, 190_000 * 10**6, sender=supplier)
    taker = chain.deploy("FlashTaker", liquidator, usdc, sender=keeper)
    books.parties["AMM (its liquidity providers)"] = [amm.address]
    books.parties["FlashTaker contract"] = [taker.address]
    start.update({k: v for k, v in books.value(price).items() if k not in start})
    # the keeper waits, one price step at a time, until selling the lot on the AMM pays the owe
    waited = 0
    while True:
        _, auction_price, lot, tab = liquidator.call.getStatus(auction_id)
        owe = min(tab, -(-lot * auction_price * 10**6 // 10**36))
        if amm.call.quote(weth, lot) > owe * 101 // 100:
            break
        chain.sleep(90)
        chain.mine()
        waited += 90
    before = usdc.call.balanceOf(keeper)
    debt_before_take = pool.call.debtOf(bob)
    fund_before = market.fund.call.penaltyIncome()
    tx = taker.send.take(auction_id, lot, auction_price, amm, 0, sender=keeper)
    story.step(
        f"{waited // 60} min later the auction asks {fmt_units(auction_price, 18, 2)} USDC/WETH; FlashTaker (0 USDC "
        "of its own) takes the lot, sells it on the AMM and repays, in one transaction",
        tx,
    )
    profit = usdc.call.balanceOf(keeper) - before
    if profit <= 0:
        raise DemoError(f"the FlashTaker's keeper earned {profit} base units, not a spread")
    (take,) = tx.event("Take")
    console.print(f"  keeper's spread: {fmt_units(profit, 6, 2)} USDC; auctions still live: {liquidator.call.activeCount()}")
    charged = sum(e["amount"] for e in tx.event("DebtChargedBack"))
    penalty = market.fund.call.penaltyIncome() - fund_before
    shortfall = a.tab - take["owe"]
    forgone = (a.tab - a.debtPart) - penalty
    console.print(
        f"  the lot raised {fmt_units(take['owe'], 6, 2)} USDC of its {fmt_units(a.tab, 6, 2)} tab (sold "
        f"{(1 - Decimal(auction_price) / Decimal(price)) * 100:.1f} % under the oracle price): a shortfall of "
        f"{fmt_units(shortfall, 6, 2)} = {fmt_units(charged, 6, 2)} charged back to Bob's debt (his remaining WETH "
        f"answers for it: his debt {fmt_units(debt_before_take, 6, 2)} → {fmt_units(pool.call.debtOf(bob), 6, 2)}) "
        f"+ {fmt_units(forgone, 6, 2)} of penalty the fund forgoes"
    )
    console.print(
        f"  so the fund received {fmt_units(penalty, 6, 2)} USDC of penalty, not 5 % of the tab "
        f"({fmt_units(a.tab * 5 // 100, 6, 2)}): the penalty is 5 % of the debt moved "
        f"({fmt_units(a.debtPart, 6, 2)} × 0.05 = {fmt_units(a.tab - a.debtPart, 6, 2)}), less the "
        f"{fmt_units(forgone, 6, 2)} above"
    )
    if shortfall != charged + forgone:
        raise DemoError(f"the shortfall {shortfall} is not the charge-back {charged} plus the forgone penalty {forgone}")
    story.accounts("Bob")
    fund_assets = market.fund.call.totalAssets()
    console.print(
        f"  insurance fund assets {fmt_units(fund_assets, 6, 2)} USDC (penalty income "
        f"{fmt_units(market.fund.call.penaltyIncome(), 6, 2)}); bad debt realised "
        f"{fmt_units(pool.call.realizedLosses(), 6, 2)}"
    )
    _reconcile(start, books.value(price))


def _reconcile(start: dict[str, Decimal], end: dict[str, Decimal]) -> None:
    """Who gained and who lost in the liquidation, valued at the oracle price: a zero sum."""
    table = Table(title="Where the money went (USDC, WETH at the oracle price; gains +, losses −)")
    table.add_column("party")
    table.add_column("change", justify="right")
    total = Decimal(0)
    for name in start:
        change = end[name] - start[name]
        total += change
        table.add_row(name, f"{change:+,.2f}")
    table.add_row("[bold]sum", f"[bold]{total:+,.2f}")
    console.print(table)
    if abs(total) > Decimal("0.000001"):
        raise DemoError(f"the money does not reconcile: the parties' changes sum to {total} USDC, not 0")
