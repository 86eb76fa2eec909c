"""Chain-side helpers shared by the demo, scenarios and tests: moving mock feeds, funding
actors, reading an account's place on the margin-call ladder."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from brownie import chain

from .deploy import Market
from .units import from_units, scaled

STATUS_NAMES = ("Healthy", "MarginCall", "Liquidatable")
MAX_UINT = 2**256 - 1


def set_price(market: Market, symbol: str, usd: object) -> None:
    """Post a new round on ``symbol``'s primary mock feed at ``usd`` per whole token.

    Feeds move between transactions, never inside one (the harness is a lab device)."""
    asset = market.base if symbol == market.base.symbol else market.collaterals[symbol]
    feed = asset.feed
    feed.setPrice(scaled(usd, feed.decimals(), f"{symbol} price"), {"from": market.config.governor()})


def refresh_feeds(market: Market) -> None:
    """Re-post every feed's latest answer now, so that a time jump leaves no stale price."""
    sender = {"from": market.config.governor()}
    for asset in [market.base, *market.collaterals.values()]:
        asset.feed.setPrice(asset.feed.latestRoundData()[1], sender)


def sleep(market: Market, seconds: int, keep_feeds_fresh: bool = True) -> None:
    """Advance the chain by ``seconds`` (one block mined), refreshing the feeds by default."""
    chain.sleep(int(seconds))
    chain.mine()
    if keep_feeds_fresh:
        refresh_feeds(market)


def fund(token, who, amount: int, spender=None) -> None:
    """Mint ``amount`` token units to ``who`` (mock tokens only) and approve ``spender``."""
    token.mint(who, amount, {"from": who})
    if spender is not None:
        token.approve(spender, MAX_UINT, {"from": who})


@dataclass(frozen=True)
class AccountView:
    """An account's position as the pool sees it now (status prices)."""

    account: str
    debt: int  # [base units]
    collateral: dict[str, int]  # [token units] by symbol
    health_factor: int  # [wad], MAX_UINT without debt
    call_level: int  # [wad] effective margin-call level (volatility-scaled)
    status: int  # 0 Healthy, 1 MarginCall, 2 Liquidatable
    call_deadline: int  # [unix seconds], 0 when no live call
    price_ok: bool  # every price the account needs is valid

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


def account_view(market: Market, account) -> AccountView:
    pool = market.pool
    state = pool.accountState(account)  # one snapshot: never reverts on a bad price
    return AccountView(
        account=str(account),
        debt=state["debt"],
        collateral={s: pool.collateralOf(account, a.token) for s, a in market.collaterals.items()},
        health_factor=state["healthFactor"],
        call_level=state["callLevel"],
        status=state["status"],
        call_deadline=state["callDeadline"],
        price_ok=state["priceOk"],
    )


def volatility_of(market: Market, symbol: str) -> Decimal:
    """The oracle's annualised volatility estimate of ``symbol`` (consumed rounds only)."""
    return from_units(market.oracle.volatility(market.collaterals[symbol].token), 18)


def price_of(market: Market, symbol: str) -> Decimal:
    """The oracle's price of ``symbol`` in USD."""
    asset = market.base if symbol == market.base.symbol else market.collaterals[symbol]
    return from_units(market.oracle.getPrice(asset.token), 18)
