"""margin-call-met: a borrower in the warning band is called and tops up before the deadline."""

from __future__ import annotations

from decimal import Decimal

from ...status import AccountStatus
from ...units import WAD, from_units
from ..engine import Lab, RunOptions
from ._common import first_collateral, lend_and_insure, open_single, price_for_hf

NAME = "margin-call-met"
DESCRIPTION = "A borrower in the warning band is called and meets the call with a top-up."
DEFAULT_ACCOUNTS = 1


def run(lab: Lab, options: RunOptions) -> None:
    rec, pool = lab.recorder, lab.market.pool
    symbol = first_collateral(lab)
    with rec.phase("setup"):
        lend_and_insure(lab)
        borrower, debt = open_single(lab, symbol, 10, Decimal("0.9"))
        (keeper,) = lab.actors(1)
        lab.sample()
    with rec.phase("simulation"):
        lab.advance(600)
        lab.set_price(symbol, price_for_hf(lab, borrower.address, symbol, Decimal("1.05")))
        lab.sample()
        st = lab.state(borrower.address)
        lab.expect(AccountStatus(st.status) == AccountStatus.MarginCall, "the fall to HF 1.05 to put the account in MarginCall")

        call = lab.send(pool.send.issueMarginCall, borrower.address, sender=keeper, kind="issueMarginCall")
        issued = call.event("MarginCallIssued")[0]
        rec.event("call", t=lab.t, block=call.block, account=borrower.address,
                  healthFactor=float(Decimal(issued["healthFactor"]) / WAD), deadline=issued["deadline"] - lab.start)
        grace = int(lab.market.spec.raw["market"]["grace_period"])
        for _ in range(4):  # the borrower takes half the grace period to react
            lab.advance(grace // 8)
            lab.sample()

        st = lab.state(borrower.address)
        target = Decimal(st.callLevel) / WAD + Decimal("0.05")  # a little above the call level
        need = target * Decimal(st.debtValue) - Decimal(st.liquidationValue)  # [wad USD] of liquidation value
        lf = Decimal(lab.market.spec.collaterals[symbol].liquidation_factor) / WAD
        decimals = lab.market.collaterals[symbol].decimals
        top_up = int((need / WAD / (lab.price(symbol) * lf)).scaleb(decimals)) + 1
        token = lab.market.collaterals[symbol].token
        lab.mint(token, borrower, top_up, pool)
        met = lab.send(pool.send.depositCollateral, token, top_up, borrower.address, sender=borrower, kind="topUp")
        lab.expect(bool(met.event("MarginCallMet")), "the top-up to meet the call (MarginCallMet)")
        rec.event("topUp", t=lab.t, block=met.block, account=borrower.address, asset=symbol, amount=top_up)
        lab.sample()
        lab.expect(pool.call.marginCallDeadline(borrower.address) == 0, "no live call after the top-up")

        lab.advance(grace)  # past the old deadline: nothing happens to a Healthy account
        lab.sample()
        final = lab.state(borrower.address)
        lab.expect(AccountStatus(final.status) == AccountStatus.Healthy, "the account to stay Healthy after the deadline")
    rec.totals = lab.totals(topUp=top_up)
    rec.story = [
        f"The borrower opened with {from_units(debt, lab.market.base.decimals):,} {lab.market.base.symbol} of debt against "
        f"10 {symbol}. {symbol} fell until its health factor was 1.05, inside the warning band (call level "
        f"{Decimal(st.callLevel) / WAD:.2f}); a keeper issued a margin call with a {grace // 3600} h deadline.",
        f"Half-way through the grace period the borrower added {from_units(top_up, decimals):.4f} {symbol}, which met the "
        f"call (health factor {Decimal(final.healthFactor) / WAD:.3f}); nothing was liquidated and nothing was lost.",
    ]
