"""How to liquidate on the lab's fixed-spread baseline (``contracts/lab/FixedSpreadLiquidator.sol``):
which collateral to buy and how much debt to cover. The keeper (``margincall.keeper``) and the
lab's congested keepers (``Lab.liquidation_call``) both choose this way.

* **asset**: the collateral the account holds the most of by oracle value (the call buys one
  asset; the largest holding is the one most likely to carry the whole close factor);
* **debt to cover**: the close factor's maximum (``maxDebtToCover``: half the debt, all of it
  below ``fullLiquidationHF`` or under 2 · dust), clamped by the contract at the debt of the block
  the call lands in (interest accrued since the read included). Without a budget it is sent as
  ``type(uint256).max``; with one (the keeper's base balance) the budget is sent, always: the
  contract then covers min(budget, the maximum of that block), so a close factor that rises from
  half to all between the read and the block (the crash goes on) never makes the call pull more
  than the keeper holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .chain import MAX_UINT
from .errors import ProtocolError
from .session import address_of
from .units import from_units


@dataclass(frozen=True)
class LiquidationPlan:
    asset: str  # symbol of the collateral bought
    debt_to_cover: int  # [base units] the argument sent: the budget, or MAX_UINT without one (the close factor's maximum)
    max_cover: int  # [base units] the close factor's maximum at the read (0: not Liquidatable)
    price: Decimal  # [USD per whole token] the asset's oracle price at the read


def plan_liquidation_call(market: Any, account: Any, budget: int | None = None) -> LiquidationPlan | None:
    """The ``liquidationCall`` to send on ``account`` now, or None when it holds no collateral or
    a price it needs is invalid (nothing can be bought at a fair price). ``budget``: the base
    units the liquidator can pay (None: enough for any call)."""
    m = market.core
    who = address_of(account)
    held = {s: m.pool.call.collateralOf(who, a.token.address) for s, a in m.collaterals.items()}
    prices: dict[str, Decimal] = {}
    for symbol, amount in held.items():
        if amount:
            try:
                prices[symbol] = from_units(m.oracle.call.getPrice(m.collaterals[symbol].token.address), 18)
            except ProtocolError:
                return None
    if not prices:
        return None
    value = {s: Decimal(held[s]) / Decimal(10) ** m.collaterals[s].decimals * p for s, p in prices.items()}
    asset = max(value, key=value.__getitem__)  # the first of equal holdings, in the market's order
    max_cover = m.liquidator.call.maxDebtToCover(who)
    # the budget, not "all allowed": the close factor read here may have doubled by the block
    debt_to_cover = MAX_UINT if budget is None else budget
    return LiquidationPlan(asset, debt_to_cover, max_cover, prices[asset])
