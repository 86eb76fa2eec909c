"""Test helpers shared by every module: custom-error strings, token funding, book checks."""

from __future__ import annotations

MAX_UINT = 2**256 - 1
WAD = 10**18
RAY = 10**27


def err(name: str, *args) -> str:
    """The revert message Brownie 1.22 gives a custom error: ``"Name: a, b"`` (``"Name: "``
    without arguments). Brownie prints addresses in lower case."""

    def show(a) -> str:
        text = str(a)
        return text.lower() if text.startswith("0x") and len(text) == 42 else text

    return f"{name}: " + ", ".join(show(a) for a in args)


def fund(token, who, amount, spender=None):
    """Mint ``amount`` of ``token`` to ``who`` and approve ``spender`` for it."""
    token.mint(who, amount, {"from": who})
    if spender is not None:
        token.approve(spender, amount, {"from": who})


def check_pool_books(market, max_slack_wei: int = 10_000) -> None:
    """The pool identity of DESIGN.md 5, each term from its own book:
    ``0 ≤ cash + accountDebt + debtInAuction − (supplierAssets + reserves) ≤ n wei``,
    and the token balance covers the cash book."""
    pool = market.pool
    cash = pool.cash()
    slack = cash + pool.totalAccountDebt() + pool.debtInAuction() - (pool.supplierAssets() + pool.reserves())
    assert 0 <= slack <= max_slack_wei, f"pool books off by {slack} wei"
    assert market.base.token.balanceOf(pool) >= cash, "pool holds fewer base tokens than its cash book"
    for asset in market.collaterals.values():
        assert asset.token.balanceOf(pool) >= pool.totalCollateral(asset.token), f"{asset.symbol} books off"
