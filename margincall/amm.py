"""Moving a ``MockAMM``'s price to the oracle's, as an arbitrageur would: one swap on its own
curve (x · y = k, 0.3 % fee, ``contracts/mocks/MockAMM.sol``).

The pool has no price setter, and none is needed: the swap that brings the spot price
``reserveBase / reserveCollateral`` to a target is found exactly on the pool's own integer
formula (a bisection over the amount in), then sent. Selling collateral in lowers the price,
buying it with base raises it; the pool's depth is what the swap leaves it. The bench's
``margincall price`` uses it so that a flash take after a move is priced at the new price.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .chain import fund

FEE_BPS = 30  # MockAMM.FEE_BPS


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """``MockAMM.quote``: reserveOut · in' / (reserveIn + in'), in' = amountIn · (1 − fee)."""
    with_fee = amount_in * (10_000 - FEE_BPS)
    return reserve_out * with_fee // (reserve_in * 10_000 + with_fee)


def swap_to_price(reserve_collateral: int, reserve_base: int, target: Fraction) -> tuple[str, int]:
    """The swap that moves the spot price (base units per collateral unit) to ``target``, as
    ("collateral" | "base", amount in): the smallest amount in that reaches it or passes it by
    one unit's rounding. ("base", 0) when the pool is there already."""
    x, y = reserve_collateral, reserve_base
    if Fraction(y, x) > target:  # too dear: sell collateral in until (y − out) / (x + in) ≤ target

        def reached(a: int) -> bool:
            return Fraction(y - amount_out(a, x, y), x + a) <= target

        side = "collateral"
    elif Fraction(y, x) < target:  # too cheap: buy collateral with base until (y + in) / (x − out) ≥ target

        def reached(a: int) -> bool:
            left = x - amount_out(a, y, x)
            return left > 0 and Fraction(y + a, left) >= target

        side = "base"
    else:
        return "base", 0
    high = 1
    while not reached(high):
        high *= 2
    low = high // 2  # reached(low) is false (or low = 0)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return side, high


def align_amm(amm: Any, collateral: Any, base: Any, target: Fraction, arbitrageur: Any) -> tuple[str, int]:
    """Swap on ``amm`` (a MockAMM handle) from ``arbitrageur`` (tokens minted to it: mock tokens)
    until its spot price is ``target`` base units per collateral unit; returns the swap made.
    ``collateral`` and ``base`` are the pair's token handles."""
    side, amount = swap_to_price(amm.call.reserveCollateral(), amm.call.reserveBase(), target)
    if amount:
        token = collateral if side == "collateral" else base
        fund(token, arbitrageur, amount, amm)
        amm.send.swapExactIn(token, amount, 0, arbitrageur, sender=arbitrageur)
    return side, amount
