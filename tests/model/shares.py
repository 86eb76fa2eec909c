"""Supply shares (docs/DESIGN.md 2 and 5): conversions with the pool's virtual shares and
assets, rounded as the pool rounds (shares down on supply, up on withdraw)."""

from __future__ import annotations

from tests.model.fixed_point import mul_div_up

VIRTUAL_SHARES = 10**6
VIRTUAL_ASSETS = 1


def to_shares_down(assets: int, total_assets: int, total_shares: int) -> int:
    return assets * (total_shares + VIRTUAL_SHARES) // (total_assets + VIRTUAL_ASSETS)


def to_shares_up(assets: int, total_assets: int, total_shares: int) -> int:
    return mul_div_up(assets, total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)


def to_assets_down(shares: int, total_assets: int, total_shares: int) -> int:
    return shares * (total_assets + VIRTUAL_ASSETS) // (total_shares + VIRTUAL_SHARES)
