"""The loss waterfall as exits see it (docs/DESIGN.md 5): a loss known but not yet realised
(``pendingLoss``) is first the reserves', then the insurance fund's, then the suppliers'; a
supplier or fund depositor who exits before it is realised is paid net of their share of it.
Values round down, over virtual shares (10^6) and one virtual asset: the pool's
(``tests.model.shares``) and the fund's (ERC-4626 with a decimals offset of 6).
"""

from __future__ import annotations

from tests.model.fixed_point import mul_div_down
from tests.model.shares import VIRTUAL_SHARES

FUND_VIRTUAL_SHARES = 10**6  # the insurance fund's ERC-4626 decimals offset of 6


def supplier_haircut(pending_loss: int, reserves: int, fund_assets: int, supplier_assets: int) -> int:
    return min(max(0, pending_loss - reserves - fund_assets), supplier_assets)


def supplier_exit_value(shares, supplier_assets, total_shares, haircut) -> int:
    return mul_div_down(shares, supplier_assets - haircut + 1, total_shares + VIRTUAL_SHARES)


def fund_pending_share(pending_loss: int, reserves: int, fund_assets: int) -> int:
    return min(fund_assets, max(0, pending_loss - reserves))


def fund_exit_value(shares, fund_assets, total_supply, pending_share) -> int:
    return mul_div_down(shares, fund_assets - pending_share + 1, total_supply + FUND_VIRTUAL_SHARES)
