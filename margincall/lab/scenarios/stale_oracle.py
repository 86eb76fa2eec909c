"""stale-oracle: a feed stops; what needs a price refuses by name, repay and top-up still work;
when the feed returns, a keeper clears the backlog."""

from __future__ import annotations

from decimal import Decimal

from ...status import AccountStatus
from ..engine import Lab, RunOptions
from ._common import first_collateral, lend_and_insure, open_single, price_for_hf

NAME = "stale-oracle"
DESCRIPTION = "A feed stops: borrow, withdraw, calls and kicks refuse by name; repay and top-up work; the backlog clears."
DEFAULT_ACCOUNTS = 3


def run(lab: Lab, options: RunOptions) -> None:
    rec, pool = lab.recorder, lab.market.pool
    symbol = first_collateral(lab)
    token = lab.market.collaterals[symbol].token
    heartbeat = int(lab.market.spec.raw["collaterals"][symbol]["feed"]["heartbeat"])
    with rec.phase("setup"):
        lend_and_insure(lab)
        banded, _ = open_single(lab, symbol, 10, Decimal("0.85"))  # will sit in the warning band
        under, _ = open_single(lab, symbol, 10, Decimal("0.95"))  # will fall below HF 1
        healthy, _ = open_single(lab, symbol, 10, Decimal("0.5"))
        (keeper,) = lab.actors(1)
        for who in (banded, under):
            lab.mint(token, who, 10**lab.market.collaterals[symbol].decimals, pool)
        lab.mint(lab.market.base.token, banded, lab.base_units(1_000), pool)
        lab.sample()
    with rec.phase("simulation"):
        lab.advance(600)
        lab.set_price(symbol, price_for_hf(lab, under.address, symbol, Decimal("0.97")))
        lab.sample()
        lab.expect(AccountStatus(lab.state(banded.address).status) == AccountStatus.MarginCall, "one account in the band")
        lab.expect(AccountStatus(lab.state(under.address).status) == AccountStatus.Liquidatable, "one account below HF 1")

        # the feed stops: time passes, every other feed keeps posting
        lab.advance(heartbeat + 60, refresh_feeds=False)
        lab.refresh_feeds(skip=(symbol,))
        lab.expect(lab.oracle_price(symbol) is None, f"no valid {symbol} price once its feed is older than {heartbeat} s")
        lab.sample()
        refusals = {
            "borrow": lab.try_send("borrow", pool.send.borrow, lab.base_units(100), healthy.address, sender=healthy),
            "withdrawCollateral": lab.try_send(
                "withdrawCollateral", pool.send.withdrawCollateral, token, 10**15, healthy.address, sender=healthy
            ),
            "issueMarginCall": lab.try_send("issueMarginCall", pool.send.issueMarginCall, banded.address, sender=keeper),
        }
        for action, receipt in refusals.items():
            lab.expect(receipt is None, f"{action} to be refused without a valid price")
        lab.expect(not lab.kick(under.address, keeper), "the kick to be refused without a valid price")
        repaid = lab.send(pool.send.repay, lab.base_units(100), banded.address, sender=banded, kind="repay")
        rec.event("repay", t=lab.t, block=repaid.block, account=banded.address)
        topped = lab.send(pool.send.depositCollateral, token, 10**15, under.address, sender=under, kind="topUp")
        rec.event("topUp", t=lab.t, block=topped.block, account=under.address, asset=symbol)
        lab.sample()

        # the feed returns at the same price: one keeper pass clears the backlog
        lab.advance(300, refresh_feeds=False)
        lab.set_price(symbol, lab.price(symbol))
        lab.refresh_feeds(skip=(symbol,))
        actions = lab.keeper_pass(keeper)
        done = {(a.kind, a.subject) for a in actions if a.ok}
        lab.expect(("call", banded.address) in done, f"the keeper to call the banded account once prices are back ({done})")
        lab.expect(("kick", under.address) in done, "the keeper to kick the account below HF 1 once prices are back")
        lab.sample()
    refused = [e["error"] for e in rec.events if e["kind"] == "refused"]
    rec.totals = lab.totals()
    rec.story = [
        f"{symbol}'s feed stopped posting for {heartbeat + 60} s, longer than its {heartbeat} s heartbeat, while one account "
        "sat in the warning band and another below HF 1.",
        f"Everything that needs that price refused with a named error ({', '.join(sorted(set(refused)))}): a borrow, a "
        "withdrawal, a margin call and a kick. Repay and top-up, which never need a price, went through.",
        "When the feed posted again, one keeper pass issued the pending call and kicked the account below HF 1.",
    ]
