"""Actors acting on a market, as set-up steps of tests: minting and approving, supplying,
depositing into the insurance fund, opening positions, readying a taker, and moving feeds
(a new price now, a slow drift, rounds with any ``updatedAt``)."""

from __future__ import annotations

from decimal import Decimal

from brownie import chain

from margincall.chain import refresh_feeds, set_price
from tests.model.fixed_point import MAX_UINT
from tests.support.chain_time import next_block_at


def tx_from(who) -> dict:
    return {"from": who}


# ---------------------------------------------------------------- tokens and positions
def fund(token, who, amount, spender=None):
    """Mint ``amount`` of ``token`` to ``who`` and approve ``spender`` for it."""
    token.mint(who, amount, {"from": who})
    if spender is not None:
        token.approve(spender, amount, {"from": who})


def open_position(market, who, collateral: dict[str, int], debt: int) -> None:
    """``who`` deposits ``collateral`` (token units by symbol) and borrows ``debt`` base units
    (nothing when 0); it approves the pool for repayments."""
    pool = market.pool
    for symbol, amount in collateral.items():
        token = market.collaterals[symbol].token
        token.mint(who, amount, tx_from(who))
        token.approve(pool, MAX_UINT, tx_from(who))
        pool.depositCollateral(token, amount, who, tx_from(who))
    if debt:
        pool.borrow(debt, who, tx_from(who))
    market.base.token.approve(pool, MAX_UINT, tx_from(who))


def supply(market, who, amount: int) -> None:
    token = market.base.token
    token.mint(who, amount, tx_from(who))
    token.approve(market.pool, MAX_UINT, tx_from(who))
    market.pool.supply(amount, who, tx_from(who))


def deposit_to_fund(market, who, amount: int) -> None:
    token = market.base.token
    token.mint(who, amount, tx_from(who))
    token.approve(market.fund, MAX_UINT, tx_from(who))
    market.fund.deposit(amount, who, tx_from(who))


def fund_taker(market, who, amount: int = 10**15) -> None:
    """``who`` holds base tokens and lets the liquidator pull them."""
    token = market.base.token
    token.mint(who, amount, tx_from(who))
    token.approve(market.liquidator, MAX_UINT, tx_from(who))


# ---------------------------------------------------------------- feeds
def price(market, symbol: str, usd) -> None:
    """Post a new round on a primary feed (between transactions, never inside one)."""
    set_price(market, symbol, str(usd))


def post_round(feed, feed_answer: int, updated_at: int, sender) -> int:
    """A new complete round on a ``MockAggregator`` with any ``updatedAt``; returns its id."""
    round_id = feed.latestRound() + 1
    feed.setRound(round_id, feed_answer, updated_at, round_id, {"from": sender})
    return round_id


def post_new_phase(feed, feed_answer: int, updated_at: int, sender) -> int:
    """``feed_answer`` as the first round of a new feed phase (the round id jumps 1,000 ahead);
    returns its id. The volatility estimator restarts there without a sample (DESIGN.md 3), so
    the price moves and σ does not: for tests whose subject is not volatility, since a plain
    round counts at once (the pool reads σ with the pending rounds folded in, DESIGN.md 11)."""
    round_id = feed.latestRound() + 1_000
    feed.setRound(round_id, feed_answer, updated_at, round_id, {"from": sender})
    return round_id


def post_fresh_rounds(feeds, updated_at: int, sender, mined_at: int | None = None) -> None:
    """Re-post each feed's latest answer as fresh at ``updated_at``; with ``mined_at``, each of
    these transactions is mined at exactly that timestamp (they then take no chain time)."""
    for feed in feeds:
        if mined_at is not None:
            next_block_at(mined_at)
        post_round(feed, feed.latestRoundData()[1], updated_at, sender)


def gentle_move(market, symbol: str, to_usd, step: Decimal = Decimal("0.01"), every: int = 3600) -> None:
    """Move a feed to ``to_usd`` in relative steps of at most ``step`` every ``every`` seconds,
    poking the oracle after each round: a slow drift that keeps σ near σ_ref (one 1 % move an
    hour reads ~93 % annualised at equilibrium, far less from σ_ref = 60 % in a few hours)."""
    feed = (market.base if symbol == market.base.symbol else market.collaterals[symbol]).feed
    current = Decimal(feed.latestRoundData()[1]) / Decimal(10 ** feed.decimals())
    target = Decimal(str(to_usd))
    token = market.collaterals[symbol].token
    while current != target:
        ratio = target / current
        if abs(ratio - 1) > step:
            current = current * (1 - step) if ratio < 1 else current * (1 + step)
            current = current.quantize(Decimal("0.00000001"))
        else:
            current = target
        chain.sleep(every)
        price(market, symbol, current)
        market.oracle.poke(token, tx_from(market.config.governor()))
    refresh_feeds(market)


# ---------------------------------------------------------------- a second config on the same feeds
def another_config(market, governor, guardian):
    """A second ``MarketConfig`` with the market's spec, deployed by ``governor``, on an oracle of
    its own that it governs (a config refuses an oracle obeying another, DESIGN.md 11) reading the
    market's primary feeds: prices set on the market move it too. It names as its pool the next
    contract ``governor`` deploys (links are immutable: deploy that pool right after)."""
    from brownie import MarketConfig, OracleAdapter
    from web3.utils.address import get_create_address

    spec, oracle = market.spec, market.oracle
    assets = [market.base.token] + [c.token for c in market.collaterals.values()]
    feeds = []
    for asset in assets:
        aggregator, _decimals, heartbeat, min_price, max_price = oracle.primaryFeed(asset)
        feeds.append((asset, aggregator, heartbeat, min_price, max_price))
    config_address = get_create_address(governor.address, governor.nonce + 1)  # after the oracle
    pool_address = get_create_address(governor.address, governor.nonce + 2)  # after the config
    vol = spec.volatility
    own = OracleAdapter.deploy(
        config_address, spec.max_deviation, vol["vol_ref"], vol["tau"], vol["max_rounds"], feeds, tx_from(governor)
    )
    return MarketConfig.deploy(
        market.base.token, own, market.rate_model, pool_address, governor, guardian,
        spec.market_tuple(), spec.liquidation_tuple(), tx_from(governor),
    )  # fmt: skip
