"""Valuation at one price per asset (docs/DESIGN.md 3 and 6): a feed answer as a WAD price (and
the oracle's price statuses), collateral value (down), debt value (up), the health factor, and
the opening check ``marginCallHF · Σ value_i · bf_i ≥ callHF_eff · debtValue``. The two-price
(deviating feeds) and σ-weighted form is ``tests.model.call_level``."""

from __future__ import annotations

from dataclasses import dataclass

from tests.model.fixed_point import MAX_UINT, WAD, mul_div_up

# PriceStatus (the oracle's enum, in order)
VALID, FALLBACK, DEVIATING, INVALID = 0, 1, 2, 3


@dataclass(frozen=True)
class Holding:
    """One collateral of an account at one WAD price."""

    amount: int  # [token units]
    price: int  # [wad USD]
    decimals: int
    liquidation_factor: int = 0  # [wad]
    borrow_factor: int = 0  # [wad]


def holding(amount: int, price: int, decimals: int, params) -> Holding:
    """A ``Holding`` with the factors of ``params`` (a ``CollateralSpec``)."""
    return Holding(amount, price, decimals, params.liquidation_factor, params.borrow_factor)


def price_wad(feed_answer: int, decimals: int) -> int:
    """The oracle's WAD normalisation of a feed answer (rounded down above 18 decimals)."""
    if decimals <= 18:
        return feed_answer * 10 ** (18 - decimals)
    return feed_answer // 10 ** (decimals - 18)


def collateral_value(amount: int, price: int, decimals: int) -> int:
    """amount · price / 10^decimals [wad USD], rounded down."""
    return amount * price // 10**decimals


def liquidation_value(holdings) -> int:
    """Σ floor(value_i · liquidationFactor_i) [wad USD]."""
    return sum(collateral_value(h.amount, h.price, h.decimals) * h.liquidation_factor // WAD for h in holdings)


def borrow_capacity(holdings) -> int:
    """Σ floor(value_i · borrowFactor_i) [wad USD]."""
    return sum(collateral_value(h.amount, h.price, h.decimals) * h.borrow_factor // WAD for h in holdings)


def debt_value(debt: int, base_price: int = WAD, base_decimals: int = 6) -> int:
    """debt · basePrice / 10^decimals [wad USD], rounded up."""
    return mul_div_up(debt, base_price, 10**base_decimals)


def health_factor(liquidation_value: int, debt_value: int) -> int:
    """floor(liquidationValue · WAD / debtValue); max uint without debt. The one HF formula:
    every valuation of the model ends here."""
    return MAX_UINT if debt_value == 0 else liquidation_value * WAD // debt_value


def opening_capacity(holdings, margin_call_hf: int) -> int:
    """marginCallHF · Σ value_i · borrowFactor_i [wad], rounded down."""
    return borrow_capacity(holdings) * margin_call_hf // WAD


def opening_required(debt: int, base_price: int, base_decimals: int, call_hf: int) -> int:
    """callHF_eff · debtValue [wad], rounded up."""
    return mul_div_up(debt_value(debt, base_price, base_decimals), call_hf, WAD)


def max_borrow(capacity: int, base_price: int, base_decimals: int, call_hf: int) -> int:
    """The largest debt with ``opening_required(debt) ≤ capacity``."""
    d = capacity * WAD // call_hf * 10**base_decimals // base_price
    while d > 0 and opening_required(d, base_price, base_decimals, call_hf) > capacity:
        d -= 1
    while opening_required(d + 1, base_price, base_decimals, call_hf) <= capacity:
        d += 1
    return d
