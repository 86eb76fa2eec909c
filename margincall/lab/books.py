"""The accounting identities of DESIGN.md 5, checked on a live market through public views.

Each term is read from its own book, none derived from the others, so a broken identity points
at the book that moved alone. ``check_books`` returns ``{identity: True | "what is off"}``; a
scenario records it in ``metrics.json`` and its tests assert every value is ``True``.
"""

from __future__ import annotations

from typing import Any

from ..deploy import Market

POOL_SLACK_WEI = 10_000  # rounding the pool may keep in its favour (n wei of DESIGN.md 5)
FUND_SLACK_WEI = 10_000


def check_books(market: Market, accounts: list[str]) -> dict[str, Any]:
    pool, fund, liq, base = market.pool.call, market.fund.call, market.liquidator.call, market.base.token.call
    checks: dict[str, Any] = {}

    def check(name: str, ok: bool, detail: str) -> None:
        checks[name] = True if ok else detail

    cash = pool.cash()
    slack = cash + pool.totalAccountDebt() + pool.debtInAuction() - (pool.supplierAssets() + pool.reserves())
    check("poolIdentity", 0 <= slack <= POOL_SLACK_WEI,
          f"cash + accountDebt + debtInAuction - (supplierAssets + reserves) = {slack} wei")
    check("poolHoldsItsCash", base.balanceOf(market.pool.address) >= cash, "the pool holds fewer base tokens than its cash book")
    for symbol, asset in market.collaterals.items():
        held = asset.token.call.balanceOf(market.pool.address)
        booked = pool.totalCollateral(asset.token.address)
        check(f"collateralHeld[{symbol}]", held >= booked, f"pool holds {held} {symbol}, books {booked}")

    losses = pool.realizedLosses()
    split = pool.coveredByReserves() + pool.coveredByFund() + pool.socializedLosses()
    check("lossesBookedOnce", losses == split, f"realised {losses} != reserves + fund + socialised {split}")

    ledger = (
        fund.totalDeposited() - fund.totalWithdrawn() + fund.penaltyIncome() + fund.reserveIncome()
        + fund.lotSaleIncome() - fund.totalCovered() - fund.incentivesPaid()
    )  # fmt: skip
    assets = fund.totalAssets()
    check("fundLedger", abs(assets - ledger) <= FUND_SLACK_WEI, f"fund assets {assets} vs its ledger {ledger}")

    # the fixed-spread baseline holds nothing between transactions: no auctions to read
    live = liq.activeAuctions() if market.liquidator_kind == "dutch" else []
    debt_parts: dict[str, int] = {}
    for auction_id in live:
        record = liq.auctions(auction_id)
        debt_parts[record.account] = debt_parts.get(record.account, 0) + record.debtPart
    wrong = [a for a, parts in debt_parts.items() if parts != pool.debtInAuctionOf(a)]
    check("debtPartsMatch", not wrong, f"Σ debt parts != debtInAuctionOf for {wrong[:3]}")
    check("debtInAuctionTotal", sum(debt_parts.values()) == pool.debtInAuction(),
          f"Σ debt parts {sum(debt_parts.values())} != debtInAuction {pool.debtInAuction()}")

    stranded = []
    for account in accounts:
        if pool.debtOf(account) > 0 and pool.liveAuctions(account) == 0 and pool.assetsIn(account) == 0:
            stranded.append(account)
    check("noStrandedDebt", not stranded, f"{len(stranded)} accounts with debt, no collateral, no auction")
    return checks
