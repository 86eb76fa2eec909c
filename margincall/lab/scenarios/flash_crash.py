"""flash-crash: every collateral falls 40 % in one step; two keepers race to call, kick and take."""

from __future__ import annotations

from decimal import Decimal

from ...units import from_units
from ..engine import Lab, RunOptions
from ..population import Leverage, draw_positions
from ._common import lend_and_insure

NAME = "flash-crash"
DESCRIPTION = "Every collateral falls 40 % in one block; two competing keepers call, kick and flash-take (races recorded)."
DEFAULT_ACCOUNTS = 20
STEP = 90  # [seconds] the keepers look every auction step
HORIZON = 3 * 3600  # [seconds] how long the run watches after the crash
AMM_DEPTH = 50_000_000  # [base tokens] per collateral: a deep market that absorbs the lots


def run(lab: Lab, options: RunOptions) -> None:
    rec, base = lab.recorder, lab.market.base
    drop = Decimal(options.shock or "0.4")
    n = options.accounts or DEFAULT_ACCOUNTS
    with rec.phase("setup"):
        lend_and_insure(lab)
        positions = draw_positions(
            options.seed, n, lab.collateral_terms(), base.decimals, dust=lab.market.spec.market_tuple()[6],
            leverage=Leverage(alpha=8, beta=2),
        )  # fmt: skip
        lab.populate(positions)
        keeper_signers = lab.actors(2)
        lab.sample()
    with rec.phase("simulation"):
        lab.advance(600)
        crashed = {s: lab.price(s) * (1 - drop) for s in lab.market.collaterals}
        for symbol, price in crashed.items():
            lab.set_price(symbol, price)
        # the AMMs move with the market: arbitrage has already priced the crash in
        amms = {s: lab.deploy_amm(s, p, lab.base_units(AMM_DEPTH)) for s, p in crashed.items()}
        keepers = [lab.keeper(k, amms) for k in keeper_signers]
        lab.sample()
        elapsed = 0
        while elapsed <= HORIZON:
            lab.competing_pass(keepers)
            lab.sample()
            if elapsed > 0 and not lab.market.liquidator.call.activeAuctions() and _quiet(lab):
                break
            lab.advance(STEP)
            elapsed += STEP
        kicks = rec.count("kick")
        lab.expect(kicks > 0, "the crash to make some accounts Liquidatable and the keepers to kick them")
        lab.expect(any(e["kind"] == "refused" for e in rec.events), "the second keeper to lose some races")
    lost = {}
    for e in rec.events:
        if e["kind"] == "refused":
            lost[e["error"]] = lost.get(e["error"], 0) + 1
    rec.totals = lab.totals(lostRaces=sum(lost.values()))
    t = rec.totals
    rec.story = [
        f"{n} accounts, most borrowing close to their capacity, saw every collateral fall {drop * 100:.0f} % in one block.",
        f"Two keepers watched every {STEP} s and acted on the same reading: {kicks} auctions were opened by "
        f"{t['liquidations']} kicks, and the slower keeper lost {t['lostRaces']} races "
        f"({', '.join(f'{k} ×{v}' for k, v in sorted(lost.items()))}), each refused on-chain by name and recorded.",
        f"Keepers resold the lots on the AMMs through their FlashTakers (no capital): {t['takes']} takes. Borrowers lost "
        f"{from_units(t['borrowerLoss'], base.decimals):,.2f} {base.symbol} on the sales, penalties included; bad debt was "
        f"{from_units(t['badDebt'], base.decimals):,.2f} {base.symbol}.",
    ]


def _quiet(lab: Lab) -> bool:
    """Nothing left to do: no account Liquidatable."""
    return all(st.status != 2 or st.debt == 0 for _, st in lab.states())
