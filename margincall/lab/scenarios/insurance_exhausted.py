"""insurance-exhausted: losses beyond the insurance fund are socialised across suppliers; every
identity of DESIGN.md 5 still holds."""

from __future__ import annotations

from decimal import Decimal

from ...units import from_units
from ..engine import Lab, RunOptions
from ._common import first_collateral, lend_and_insure, open_single

NAME = "insurance-exhausted"
DESCRIPTION = "A crash whose losses exceed the insurance fund: the rest is socialised across suppliers."
DEFAULT_ACCOUNTS = 5
SUPPLY = 1_000_000  # [base tokens]
FUND = 2_000  # [base tokens] a small fund, on purpose
STEP = 90  # [seconds]


def run(lab: Lab, options: RunOptions) -> None:
    rec, pool, base = lab.recorder, lab.market.pool, lab.market.base
    symbol = first_collateral(lab)
    drop = Decimal(options.shock or "0.45")
    n = options.accounts or DEFAULT_ACCOUNTS
    with rec.phase("setup"):
        lend_and_insure(lab, SUPPLY, FUND)
        lender = lab._actors[1]  # the first actor is the lender (lend_and_insure)
        borrowers = [open_single(lab, symbol, 10, Decimal("0.95"))[0] for _ in range(n)]
        (keeper,) = lab.actors(1)
        taker = lab.taker(lab.base_units(10_000_000))
        share_before = lab.market.lens.call.supplyBalanceOf(lender.address)
        fund_before = lab.market.fund.call.totalAssets()
        lab.sample()
    with rec.phase("simulation"):
        lab.advance(600)
        lab.set_price(symbol, lab.price(symbol) * (1 - drop))
        lab.sample()
        ids = [i for b in borrowers for i in lab.kick(b.address, keeper)]
        lab.expect(len(ids) == n, f"one full kick per account ({n})")
        lab.sample()
        oracle = lab.oracle_price(symbol)
        for auction_id in ids:  # each lot sells when the auction reaches the oracle price
            lab.expect(lab.wait_for_price(auction_id, oracle, STEP, 2 * 3600), f"auction {auction_id} to reach the oracle price")
            lab.expect(lab.take(auction_id, taker), f"auction {auction_id} to be taken")
            lab.sample()
        lab.expect(lab.market.liquidator.call.activeAuctions() == [], "every auction ended")
        socialized = pool.call.socializedLosses()
        lab.expect(socialized > 0, "a loss beyond the fund to be socialised")
        lab.expect(pool.call.coveredByFund() > 0, "the fund to cover first")
        share_after = lab.market.lens.call.supplyBalanceOf(lender.address)
        lab.expect(share_after < share_before, "the suppliers' share value to fall")
    losses = pool.call.realizedLosses()
    rec.totals = lab.totals(
        supplierValueBefore=share_before, supplierValueAfter=share_after, fundBefore=fund_before,
        coveredByReserves=pool.call.coveredByReserves(), coveredByFund=pool.call.coveredByFund(),
    )  # fmt: skip

    def usd(x: int) -> str:
        return f"{from_units(x, base.decimals):,.2f} {base.symbol}"

    rec.story = [
        f"{n} accounts borrowed 95 % of their capacity against {symbol}; {symbol} then fell {drop * 100:.0f} % in one "
        "step, far below the full-liquidation level, and every account was kicked whole.",
        f"Even sold at the oracle price the collateral was worth less than the debt: {usd(losses)} of losses were booked, "
        f"{usd(pool.call.coveredByReserves())} from reserves, {usd(pool.call.coveredByFund())} from the insurance fund "
        f"(it held {usd(fund_before)} before the crash and earned {usd(lab.market.fund.call.penaltyIncome())} of "
        "penalties from the sales), and the remaining {usd(pool.call.socializedLosses())} socialised.",
        f"The lender's {usd(share_before)} of supply was worth {usd(share_after)} afterwards "
        f"({100 * (share_after - share_before) / share_before:+.2f} %). Every accounting identity held.",
    ]
