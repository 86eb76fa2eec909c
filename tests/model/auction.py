"""The Dutch auction (docs/DESIGN.md 4): the start price (top), the loss estimate, the price
curves (linear; the stair-step ``top · cut^n`` in exact decimals), what a take owes for a slice
and buys for an owe, Maker's "never leave a tab in (0, dust)" rule, and how an owe splits into
debt repaid and penalty. Owe rounds up, slices and penalties paid to the fund down.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from tests.model.fixed_point import WAD, mul_div_down, mul_div_up


def top_price(high: int, buf: int, base_low: int) -> int:
    """[wad] start price: the oracle price in base, times buf (down)."""
    return mul_div_down(high, buf, base_low)


def estimate(debt_part: int, lot: int, high: int, scale: int, base_low: int, base_scale: int) -> int:
    """est = max(0, debt part − the lot's oracle value (down))."""
    value = mul_div_down(mul_div_down(lot, high, scale), base_scale, base_low)
    return max(0, debt_part - value)


def linear_price(top: int, elapsed: int, duration: int) -> int:
    """top · (duration − t) / duration, 0 from duration on (exact, down)."""
    return 0 if elapsed >= duration else top * (duration - elapsed) // duration


def exact_pow_price(top: int, cut: int, n: int) -> Decimal:
    """top · cut^n in decimal arithmetic at 80 digits (a local context: the global one is
    Brownie's), not rounded to an integer."""
    with localcontext(prec=80):
        return Decimal(top) * (Decimal(cut) / Decimal(WAD)) ** n


def owe_for(slice_: int, price: int, scale: int, base_scale: int) -> int:
    """[base units] owed for a slice at a price (wad base per whole token), up."""
    return mul_div_up(mul_div_up(slice_, price, scale), base_scale, WAD)


def slice_for(owe: int, price: int, scale: int, base_scale: int) -> int:
    """[token units] bought by owe at price, down."""
    return mul_div_down(mul_div_down(owe, WAD, base_scale), scale, price)


class NoPartialPurchase(Exception):
    pass


def take_amounts(lot, tab, max_collateral, price, scale, base_scale, dust) -> tuple[int, int]:
    """DESIGN.md 4: buy up to max_collateral at price; never leave a tab in (0, dust) (Maker's
    chost rule: the owe becomes tab − dust, refused when tab ≤ dust)."""
    slice_ = min(lot, max_collateral)
    owe = owe_for(slice_, price, scale, base_scale)
    if owe > tab:
        owe = tab
        slice_ = slice_for(owe, price, scale, base_scale)
    elif owe < tab and slice_ < lot and tab - owe < dust:
        if tab <= dust:
            raise NoPartialPurchase(tab, dust)
        owe = tab - dust
        slice_ = slice_for(owe, price, scale, base_scale)
    return slice_, owe


def split_owe(owe: int, tab: int, debt_part: int, penalty: int) -> tuple[int, int]:
    """(repaid, penalty paid): p/(1+p) of owe to the fund (down), the rest repays the debt
    part; the take that clears the tab repays all the debt part that is left."""
    if owe == tab:
        repaid = debt_part
    else:
        repaid = min(owe - mul_div_down(owe, penalty, WAD + penalty), debt_part)
    return repaid, owe - repaid
