"""Exact conversions between human numbers and on-chain integers.

Token amounts and WAD values are always ``int``; human inputs are parsed with ``Decimal``
(never ``float``) so that ``"0.1"`` is exactly 0.1.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, ROUND_DOWN

WAD = 10**18
RAY = 10**27
SECONDS_PER_YEAR = 365 * 24 * 3600


def to_decimal(value: object, what: str = "value") -> Decimal:
    """Parse ``value`` (str, int or Decimal; floats are refused) as an exact Decimal."""
    if isinstance(value, float):
        raise ValueError(f"{what}: give {value!r} as a string, floats are not exact")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return result


def scaled(value: object, decimals: int, what: str = "value") -> int:
    """``value`` × 10**decimals as an exact int; refuses values that do not fit exactly."""
    d = to_decimal(value, what) * (Decimal(10) ** decimals)
    if d != d.to_integral_value():
        raise ValueError(f"{what}: {value} has more than {decimals} decimals")
    return int(d)


def wad(value: object, what: str = "value") -> int:
    """A human ratio or price (``"0.75"``) as a WAD integer."""
    return scaled(value, 18, what)


def from_units(amount: int, decimals: int) -> Decimal:
    """A token amount or fixed-point integer back to a human Decimal."""
    return Decimal(int(amount)) / (Decimal(10) ** decimals)


def fmt_units(amount: int, decimals: int, places: int = 4) -> str:
    """A token amount or WAD value for display, rounded down to ``places`` decimals."""
    q = Decimal(1).scaleb(-places)
    return f"{from_units(amount, decimals).quantize(q, rounding=ROUND_DOWN):,}"


def fmt_hf(hf: int) -> str:
    """A WAD health factor for display; the pool reports ``2**256 - 1`` for no debt."""
    if hf >= 2**255:
        return "∞"
    return fmt_units(hf, 18, 4)
