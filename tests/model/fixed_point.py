"""Fixed-point scales and the named roundings of docs/DESIGN.md 2: every formula of the model
says whether it rounds up or down, as the contracts must."""

from __future__ import annotations

from math import isqrt

WAD = 10**18
RAY = 10**27
MAX_UINT = 2**256 - 1


def div_up(x: int, d: int) -> int:
    return -(-x // d)


def mul_div_down(x: int, y: int, d: int) -> int:
    return x * y // d


def mul_div_up(x: int, y: int, d: int) -> int:
    return div_up(x * y, d)


def w_mul_down(x: int, y: int) -> int:
    return x * y // WAD


def w_mul_up(x: int, y: int) -> int:
    return div_up(x * y, WAD)


def w_div_down(x: int, y: int) -> int:
    return x * WAD // y


def w_div_up(x: int, y: int) -> int:
    return div_up(x * WAD, y)


def sqrt_up(x: int) -> int:
    s = isqrt(x)
    return s if s * s == x else s + 1
