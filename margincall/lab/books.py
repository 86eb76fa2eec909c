"""The accounting identities of DESIGN.md 5, checked on a live market through public views.

Each term is read from its own book, none derived from the others, so a broken identity points
at the book that moved alone. What is read per auction or per account goes in JSON-RPC batches
(``margincall.bulk``) and the accounts through PoolLens (which values them with the pool's own
arithmetic, ``AccountRisk``): a 10,000-account run would otherwise spend minutes in one web3 call
each. ``check_books`` returns ``{identity: True | "what is off"}``; a
scenario records it in ``metrics.json`` and its tests assert every value is ``True``.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode as abi_decode

from ..borrowers import LENS_BATCH
from ..bulk import Bulk, Encoder
from ..deploy import Market
from .reading import decode_states

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
    bulk = Bulk(market.chain)  # batches only: automine stays as it is
    liquidator = market.liquidator
    records = bulk.eth_calls([(liquidator.address, Encoder(liquidator, "auctions")(i)) for i in live])
    debt_parts: dict[str, int] = {}
    for answer in records:
        if isinstance(answer, Exception):
            raise answer
        record = abi_decode(_AUCTION_TYPES, bytes.fromhex(answer[2:]))
        account = record[0]
        debt_parts[account] = debt_parts.get(account, 0) + record[9]  # (account, ..., debtPart, top, est)
    owners = sorted(debt_parts)
    in_auction = bulk.eth_calls([(market.pool.address, Encoder(market.pool, "debtInAuctionOf")(a)) for a in owners])
    wrong = [a for a, answer in zip(owners, in_auction) if debt_parts[a] != int(answer, 16)]
    check("debtPartsMatch", not wrong, f"Σ debt parts != debtInAuctionOf for {wrong[:3]}")
    check("debtInAuctionTotal", sum(debt_parts.values()) == pool.debtInAuction(),
          f"Σ debt parts {sum(debt_parts.values())} != debtInAuction {pool.debtInAuction()}")

    lens = market.lens
    encode = Encoder(lens, "accounts")
    chunks = [accounts[i : i + LENS_BATCH] for i in range(0, len(accounts), LENS_BATCH)]
    answers = bulk.eth_calls([(lens.address, encode(chunk)) for chunk in chunks])
    stranded = []
    for chunk, answer in zip(chunks, answers):
        if isinstance(answer, Exception):
            raise answer
        for account, st in decode_states(lens, answer, chunk):
            if st.debt > 0 and st.liveAuctions == 0 and st.assetsIn == 0:
                stranded.append(account)
    check("noStrandedDebt", not stranded, f"{len(stranded)} accounts with debt, no collateral, no auction")
    return checks


_AUCTION_TYPES = ["address", "address", "uint64", "uint64", "uint64"] + ["uint256"] * 7  # DutchAuctionLiquidator.auctions
