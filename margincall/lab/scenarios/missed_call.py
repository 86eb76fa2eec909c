"""missed-call: the deadline passes, a partial kick leaves the account at its target HF, the lot
is taken."""

from __future__ import annotations

from decimal import Decimal

from ...status import AccountStatus
from ...units import WAD, from_units
from ..engine import Lab, RunOptions
from ._common import first_collateral, lend_and_insure, open_single, price_for_hf

NAME = "missed-call"
DESCRIPTION = "The deadline passes, a partial kick leaves the account at its target HF, the lot is taken."
DEFAULT_ACCOUNTS = 1
STEP = 90  # [seconds] one step of the demo's stair-step curve


def run(lab: Lab, options: RunOptions) -> None:
    rec, pool, base = lab.recorder, lab.market.pool, lab.market.base
    symbol = first_collateral(lab)
    with rec.phase("setup"):
        lend_and_insure(lab)
        borrower, debt = open_single(lab, symbol, 10, Decimal("0.9"))
        (keeper,) = lab.actors(1)
        taker = lab.taker(lab.base_units(1_000_000))
        lab.sample()
    with rec.phase("simulation"):
        lab.advance(600)
        lab.set_price(symbol, price_for_hf(lab, borrower.address, symbol, Decimal("1.05")))
        lab.sample()
        call = lab.send(pool.send.issueMarginCall, borrower.address, sender=keeper, kind="issueMarginCall")
        rec.event("call", t=lab.t, block=call.block, account=borrower.address)
        grace = int(lab.market.spec.raw["market"]["grace_period"])
        lab.expect(not lab.kick(borrower.address, keeper), "no kick inside the grace period")
        for _ in range(3):
            lab.advance(grace // 3)
            lab.sample()
        lab.advance(1)  # one second past the deadline: the call is missed
        st = lab.state(borrower.address)
        lab.expect(AccountStatus(st.status) == AccountStatus.Liquidatable,
                   "a missed call below the base margin-call level to make the account Liquidatable")
        hf_before = Decimal(st.healthFactor) / WAD

        ids = lab.kick(borrower.address, keeper)
        lab.expect(len(ids) == 1, "one auction for the one collateral")
        after = lab.state(borrower.address)
        # DESIGN.md 3: a partial kick leaves the account at T = max(targetHF, call level + exitMargin)
        market = lab.market.spec.market
        target = max(Decimal(market["target_hf"]), Decimal(after.callLevel + market["exit_margin"])) / WAD
        hf_after = Decimal(after.healthFactor) / WAD
        lab.expect(hf_after >= target, f"the partial kick to leave the account at HF >= T = {target}")
        lab.expect(AccountStatus(after.status) == AccountStatus.Healthy, "the kick to clear the call")
        lab.sample()

        # the taker waits until the auction price is at or below the oracle price, then buys it all
        oracle = lab.oracle_price(symbol)
        lab.expect(lab.wait_for_price(ids[0], oracle, STEP, 2 * 3600), "the auction price to reach the oracle price")
        lab.expect(lab.take(ids[0], taker), "the take to go through")
        lab.expect(lab.market.liquidator.call.activeAuctions() == [], "no live auction after the whole lot is taken")
        lab.sample()
    kick, take = next(e for e in rec.events if e["kind"] == "kick"), next(e for e in rec.events if e["kind"] == "take")
    moved = from_units(kick["debtPart"], base.decimals)
    rec.totals = lab.totals(healthFactorBeforeKick=str(hf_before), healthFactorAfterKick=str(hf_after))
    rec.story = [
        f"The borrower was called at HF 1.05 and did nothing. One second past the {grace // 3600} h deadline the account was "
        f"Liquidatable at HF {hf_before:.3f} (above 1, below the base call level), and a keeper kicked it.",
        f"The kick moved {moved:,.2f} {base.symbol} of debt into one auction, just enough to leave the account at HF "
        f"{hf_after:.3f} (T = max(target HF, its call level) = {target:.2f}); the keeper earned {from_units(kick['incentive'], base.decimals):,.2f} {base.symbol}.",
        f"The auction started {lab.market.spec.raw['liquidation']['buf']}× above the oracle price and fell 1 % every 90 s; "
        f"a taker bought the lot at {take['price']:,.2f} against an oracle price of {take['oracle']:,.2f} "
        f"({100 * take['price'] / take['oracle']:.1f} %). The borrower lost "
        f"{from_units(take['borrowerLoss'], base.decimals):,.2f} {base.symbol} on the sale, penalty included.",
    ]
