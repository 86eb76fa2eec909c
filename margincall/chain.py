"""Chain-side helpers shared by the demo, scenarios and tests: moving mock feeds, funding
actors, reading an account's place on the margin-call ladder.

Every helper takes a ``Market`` (``margincall.deploy``) or a framework's view of one (anything
whose ``core`` is a ``Market``, such as the tests' Brownie market); accounts are addresses,
``Signer``s or any object with an ``address``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .deploy import Market
from .session import Handle, address_of
from .status import AccountStatus
from .units import from_units, scaled

STATUS_NAMES = tuple(s.name for s in AccountStatus)
MAX_UINT = 2**256 - 1


def _core(market: Any) -> Market:
    return market.core


def set_price(market: Any, symbol: str, usd: object) -> None:
    """Post a new round on ``symbol``'s primary mock feed at ``usd`` per whole token, from the
    governor.

    Feeds move between transactions, never inside one (the harness is a lab device)."""
    m = _core(market)
    feed = m.asset(symbol).feed
    feed.send.setPrice(scaled(usd, feed.call.decimals(), f"{symbol} price"), sender=_governor(m))


def refresh_feeds(market: Any) -> None:
    """Re-post every feed's latest answer now, so that a time jump leaves no stale price."""
    m = _core(market)
    governor = _governor(m)
    for asset in [m.base, *m.collaterals.values()]:
        asset.feed.send.setPrice(asset.feed.call.latestRoundData()[1], sender=governor)


def sleep(market: Any, seconds: int, keep_feeds_fresh: bool = True) -> None:
    """Advance the chain by ``seconds`` (one block mined), refreshing the feeds by default."""
    m = _core(market)
    m.chain.sleep(int(seconds))
    m.chain.mine()
    if keep_feeds_fresh:
        refresh_feeds(m)


def fund(token: Handle, who: Any, amount: int, spender: Any = None) -> None:
    """Mint ``amount`` token units to ``who`` (mock tokens only, sent by ``who``) and approve
    ``spender`` for everything."""
    token.send.mint(address_of(who), amount, sender=who)
    if spender is not None:
        token.send.approve(address_of(spender), MAX_UINT, sender=who)


def _governor(market: Market) -> str:
    return market.config.call.governor()


@dataclass(frozen=True)
class AccountView:
    """An account's position as the pool sees it now (status prices)."""

    account: str
    debt: int  # [base units]
    collateral: dict[str, int]  # [token units] by symbol
    health_factor: int  # [wad], MAX_UINT without debt
    call_level: int  # [wad] effective margin-call level (volatility-scaled)
    status: AccountStatus
    call_deadline: int  # [unix seconds], 0 when no live call
    price_ok: bool  # every price the account needs is valid

    @property
    def status_name(self) -> str:
        return self.status.name


def account_view(market: Any, account: Any) -> AccountView:
    m = _core(market)
    account = address_of(account)
    state = m.lens.call.accountState(account)  # one snapshot: never reverts on a bad price
    return AccountView(
        account=account,
        debt=state.debt,
        collateral={s: m.pool.call.collateralOf(account, a.token.address) for s, a in m.collaterals.items()},
        health_factor=state.healthFactor,
        call_level=state.callLevel,
        status=AccountStatus(state.status),
        call_deadline=state.callDeadline,
        price_ok=state.priceOk,
    )


def volatility_of(market: Any, symbol: str) -> Decimal:
    """The oracle's annualised volatility estimate of ``symbol`` (consumed rounds only)."""
    m = _core(market)
    return from_units(m.oracle.call.volatility(m.collaterals[symbol].token.address), 18)


def price_of(market: Any, symbol: str) -> Decimal:
    """The oracle's price of ``symbol`` in USD."""
    m = _core(market)
    return from_units(m.oracle.call.getPrice(m.asset(symbol).token.address), 18)
