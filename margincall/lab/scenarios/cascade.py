"""cascade: liquidation sales through a shallow AMM drag the price the oracle follows.

A lab device, and the report says so: the oracle follows each collateral's MockAMM spot price,
lagged by ``LAG`` blocks and moved by the harness between blocks (never inside a transaction).
A first shock (an outside seller dumps collateral into every AMM until its price is ``--shock``
lower) makes some accounts Liquidatable; keepers kick them and sell the lots on the same AMMs
through their FlashTakers; those sales push the AMM price further down, the oracle follows a few
blocks later, and more accounts fall below HF 1. The run measures how far the price falls
beyond the first shock, and how many accounts the cascade liquidates beyond those the shock
alone made Liquidatable; sweeps over ``--buf``, ``--cut`` and ``--keeper-delay`` show how that
depends on the auction.
"""

from __future__ import annotations

from decimal import Decimal

from ...status import AccountStatus
from ...units import WAD, from_units
from ..engine import Lab, RunOptions
from ..population import Leverage, draw_positions
from ._common import lend_and_insure

NAME = "cascade"
DESCRIPTION = "Auction sales through a shallow AMM that the (lagged) oracle follows: liquidations feed liquidations."
DEFAULT_ACCOUNTS = 1_000
BLOCK = 30  # [seconds] one simulated step (a block)
LAG = 5  # [blocks] the oracle posts the AMM price of LAG blocks ago
HORIZON = 3600  # [seconds] watched after the shock at most
DEPTH_SHARE = Decimal("0.5")  # AMM base reserve, as a share of the population's collateral value in that asset


def run(lab: Lab, options: RunOptions) -> None:
    rec, base = lab.recorder, lab.market.base
    n = options.accounts or DEFAULT_ACCOUNTS
    shock = Decimal(options.shock or "0.2")
    every = max(BLOCK, options.keeper_delay or BLOCK)  # keepers look this often
    with rec.phase("setup"):
        lend_and_insure(lab, supply=1_000_000_000, insurance=1_000_000)
        positions = draw_positions(
            options.seed, n, lab.collateral_terms(), base.decimals, dust=lab.market.spec.market_tuple()[6],
            leverage=Leverage(alpha=8, beta=2),
        )  # fmt: skip
        lab.populate(positions)
        start = {s: lab.price(s) for s in lab.market.collaterals}
        amms = {}
        for symbol, usd in start.items():
            held = sum(p.collateral.get(symbol, 0) for p in positions)
            value = Decimal(held) / Decimal(10) ** lab.market.collaterals[symbol].decimals * usd
            depth = max(lab.base_units(100_000), lab.base_units(int(value * DEPTH_SHARE)))
            amms[symbol] = lab.deploy_amm(symbol, usd, depth)
        (keeper_signer,) = lab.actors(1)
        keeper = lab.keeper(keeper_signer, amms, margin_bps=0)
        rec.params.update(
            {"oracleFollowsAmm": True, "oracleLagBlocks": LAG, "blockSeconds": BLOCK, "keeperEvery": every,
             "ammDepthShare": str(DEPTH_SHARE)}
        )  # fmt: skip
        lab.sample(_spots(lab, amms))
    with rec.phase("simulation"):
        for symbol, amm in amms.items():  # the first shock: an outside seller dumps into every AMM
            _dump_until(lab, amm, symbol, start[symbol] * (1 - shock))
        history = [_spots(lab, amms)]
        shocked = dict(history[0])
        for symbol, usd in shocked.items():  # the oracle sees the shock at once; afterwards it lags
            lab.set_price(symbol, usd)
        first = [a for a, st in lab.states() if AccountStatus(st.status) == AccountStatus.Liquidatable]
        lab.sample(shocked)
        elapsed = quiet = 0
        while elapsed < HORIZON and quiet < 4:
            lab.advance(BLOCK, refresh_feeds=False)
            elapsed += BLOCK
            spots = _spots(lab, amms)
            history.append(spots)
            for symbol, usd in history[max(0, len(history) - 1 - LAG)].items():
                lab.set_price(symbol, usd)
            lab.refresh_feeds(skip=tuple(amms))
            acted = lab.keeper_pass(keeper) if elapsed % every < BLOCK else []
            lab.sample(spots)
            busy = acted or lab.market.liquidator.call.activeAuctions()
            quiet = 0 if busy else quiet + 1
    final = _spots(lab, amms)
    liquidated = {e["account"] for e in rec.events if e["kind"] in ("kick", "close")}
    beyond = {s: float(1 - Decimal(str(final[s])) / Decimal(str(shocked[s]))) for s in amms}
    lab.expect(bool(first), f"a {shock * 100:.0f} % shock to make some accounts Liquidatable")
    rec.totals = lab.totals(
        liquidatableAtShock=len(first), accountsLiquidated=len(liquidated), priceAtShock=shocked, finalAmmPrice=final,
        fallBeyondShock=beyond,
    )  # fmt: skip
    worst = max(beyond, key=beyond.get)
    rec.story = [
        f"{n} accounts; every collateral's AMM was dumped {shock * 100:.0f} % lower, which made {len(first)} accounts "
        f"Liquidatable at once. A keeper looking every {every} s kicked them and sold the lots on the same AMMs; the "
        f"oracle followed the AMM price {LAG} blocks ({LAG * BLOCK} s) late.",
        f"The cascade liquidated {len(liquidated)} accounts in all, and the {worst} price ended "
        f"{beyond[worst] * 100:.1f} % below the shocked price ({from_units(rec.totals['badDebt'], base.decimals):,.2f} "
        f"{base.symbol} of bad debt).",
    ]


def _spots(lab: Lab, amms: dict[str, object]) -> dict[str, float]:
    """Each AMM's spot price in USD (base tokens at the base feed's price, $1 in the demo)."""
    base_decimals = lab.market.base.decimals
    return {
        s: float(Decimal(amm.call.spotPrice(lab.market.collaterals[s].decimals, base_decimals)) / WAD)
        for s, amm in amms.items()
    }


def _dump_until(lab: Lab, amm: object, symbol: str, target: Decimal) -> None:
    """Sell collateral into ``amm`` (x·y = k) until its spot price is ``target``."""
    asset = lab.market.collaterals[symbol]
    x = Decimal(amm.call.reserveCollateral())
    y = Decimal(amm.call.reserveBase())
    spot = y / x * Decimal(10) ** asset.decimals / Decimal(10) ** lab.market.base.decimals
    # (x + dx)² = x·y / target' with target' in raw units; fees ignored (a little short of target)
    sell = int(x * ((spot / target).sqrt() - 1))
    if sell <= 0:
        return
    lab.mint(asset.token, lab.governor, sell, amm)
    lab.send(amm.send.swapExactIn, asset.token, sell, 0, lab.governor.address, sender=lab.governor)
