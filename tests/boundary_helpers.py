"""Helpers for the governance, oracle, lock and margin-call tests.

- ``error``: the exact revert string Brownie 1.22 gives a custom error. Brownie prints address
  arguments in lower case (``tests.helpers.err`` prints them checksummed, which never matches).
- ``reverts_unchanged``: ``brownie.reverts`` plus a check that the given views read the same
  before and after.
- exact chain time: ``mine_at`` / ``next_block_at`` (Anvil's ``evm_setNextBlockTimestamp``;
  Brownie's ``chain.mine(timestamp=...)`` is refused by Anvil). Views run at the latest block's
  timestamp, so ``mine_at(t)`` makes every following view read ``block.timestamp == t``.
- feeds: ``post_round`` writes a complete round with any ``updatedAt``, so a price can be made
  valid at a chosen future time without sending a transaction at that time.
- the pool's valuation in integers, rounding exactly as the contracts do (DESIGN.md 2, 3).
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import brownie
from brownie import web3

from margincall.units import scaled

WAD = 10**18
RAY = 10**27
YEAR = 365 * 24 * 3600
DAY = 24 * 3600
WEEK = 7 * DAY
MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"

# AccountStatus
HEALTHY, MARGIN_CALL, LIQUIDATABLE = 0, 1, 2
# PriceStatus
VALID, FALLBACK, DEVIATING, INVALID = 0, 1, 2, 3
# PauseAction
SUPPLY, BORROW, WITHDRAW = 0, 1, 2


# ------------------------------------------------------------------ reverts
def _fmt(arg) -> str:
    address = getattr(arg, "address", None)
    if address is not None:
        return str(address).lower()
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return arg.lower()
    return str(int(arg))


def error(name: str, *args) -> str:
    """``"Name: a, b"`` as Brownie 1.22 reports custom error ``Name(a, b)`` (``"Name: "`` bare)."""
    return f"{name}: " + ", ".join(_fmt(a) for a in args)


@contextmanager
def reverts_unchanged(message: str, *views):
    """Expect a revert with exactly ``message``; every ``view()`` must read the same afterwards."""
    before = [plain(v()) for v in views]
    with brownie.reverts(message):
        yield
    after = [plain(v()) for v in views]
    assert after == before, "state changed although the call reverted"


def plain(value):
    """Brownie values (ReturnValue, Wei, EthAddress, Contract, Account) as plain Python values:
    tuples of ints, bools and strings (addresses checksummed), so they compare with ``==``."""
    address = getattr(value, "address", None)
    if address is not None:
        return str(address)
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)


def event(tx, name: str, index: int = 0) -> tuple:
    """The values of ``tx``'s ``index``-th ``name`` event, as ``plain`` values."""
    return plain(list(tx.events[name][index].values()))


# ------------------------------------------------------------------ chain time
def _rpc(method: str, params: list):
    response = web3.provider.make_request(method, params)
    if "error" in response:
        raise RuntimeError(f"{method} failed: {response['error']}")
    return response.get("result")


def now() -> int:
    """Timestamp of the latest block: the ``block.timestamp`` every view call sees."""
    return int(web3.eth.get_block("latest").timestamp)


def next_block_at(timestamp: int) -> None:
    """The next transaction is mined at exactly ``timestamp`` (must not be in the past)."""
    _rpc("evm_setNextBlockTimestamp", [int(timestamp)])


def mine_at(timestamp: int) -> None:
    """Mine an empty block at exactly ``timestamp``: views then run at that time."""
    next_block_at(timestamp)
    _rpc("evm_mine", [])


# ------------------------------------------------------------------ feeds
def answer(usd, decimals: int = 8) -> int:
    """A human USD price (``"1999.99999999"``) as a feed answer with ``decimals``."""
    return scaled(Decimal(str(usd)), decimals, "price")


def price_wad(feed_answer: int, decimals: int) -> int:
    """The oracle's WAD normalisation of a feed answer (rounded down above 18 decimals)."""
    if decimals <= 18:
        return feed_answer * 10 ** (18 - decimals)
    return feed_answer // 10 ** (decimals - 18)


def post_round(feed, feed_answer: int, updated_at: int, sender) -> int:
    """A new complete round on a ``MockAggregator`` with any ``updatedAt``; returns its id."""
    round_id = feed.latestRound() + 1
    feed.setRound(round_id, feed_answer, updated_at, round_id, {"from": sender})
    return round_id


def refresh(feeds, updated_at: int, sender, mined_at: int | None = None) -> None:
    """Re-post each feed's latest answer as fresh at ``updated_at``; with ``mined_at``, each of
    these transactions is mined at exactly that timestamp (they then take no chain time)."""
    for feed in feeds:
        if mined_at is not None:
            next_block_at(mined_at)
        post_round(feed, feed.latestRoundData()[1], updated_at, sender)


# ------------------------------------------------------------------ valuation (exact integers)
def ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def collateral_value(amount: int, price: int, decimals: int) -> int:
    """amount · price / 10^decimals [wad USD], rounded down."""
    return amount * price // 10**decimals


def liquidation_value(holdings) -> int:
    """Σ floor(floor(amount·price/10^dec)·lf/WAD) over ``(amount, price, decimals, lf)``."""
    return sum(collateral_value(a, p, d) * lf // WAD for a, p, d, lf in holdings)


def borrow_capacity(holdings) -> int:
    """Σ floor(floor(amount·price/10^dec)·bf/WAD) over ``(amount, price, decimals, bf)``."""
    return liquidation_value(holdings)


def debt_value(debt: int, base_price: int = WAD, base_decimals: int = 6) -> int:
    """debt · basePrice / 10^decimals [wad USD], rounded up."""
    return ceil_div(debt * base_price, 10**base_decimals)


def health_factor(liq_value: int, debt_val: int) -> int:
    """floor(liqValue · WAD / debtValue); max uint without debt."""
    return MAX_UINT if debt_val == 0 else liq_value * WAD // debt_val


# ------------------------------------------------------------------ interest (exact integers)
def kinked_rate(utilization: int, base_rate: int, kink: int, kink_rate: int, max_rate: int) -> int:
    """``InterestRateModel.borrowRate``: the kinked curve, rounded down."""
    u = min(utilization, WAD)
    if u <= kink:
        return base_rate + u * (kink_rate - base_rate) // kink
    return kink_rate + (u - kink) * (max_rate - kink_rate) // (WAD - kink)


def utilization(total_account_debt: int, debt_in_auction: int, cash: int) -> int:
    borrowed = total_account_debt + debt_in_auction
    return 0 if borrowed == 0 else ceil_div(borrowed * WAD, borrowed + cash)


def grown_index(index: int, annual_rate: int, elapsed: int) -> int:
    """index + ceil(index · rate · Δt / (WAD · YEAR))."""
    return index + ceil_div(index * annual_rate * elapsed, WAD * YEAR)


def pool_books(pool) -> dict:
    """The books ``_accrue`` reads, captured before a transaction that accrues."""
    return {
        "borrowIndex": pool.borrowIndex(),
        "totalNormalizedDebt": pool.totalNormalizedDebt(),
        "lastAccrual": pool.lastAccrual(),
        "cash": pool.cash(),
        "debtInAuction": pool.debtInAuction(),
    }


def expected_accrual(books: dict, rate_curve, reserve_factor: int, at: int):
    """What ``_accrue`` books at timestamp ``at`` from ``pool_books`` taken before:
    ``(newIndex, interest, toReserves, rate)``. ``rate_curve`` is (base, kink, kinkRate, max)."""
    index, normalized = books["borrowIndex"], books["totalNormalizedDebt"]
    account_debt = ceil_div(normalized * index, RAY)
    rate = kinked_rate(utilization(account_debt, books["debtInAuction"], books["cash"]), *rate_curve)
    new_index = grown_index(index, rate, at - books["lastAccrual"])
    interest = ceil_div(normalized * new_index, RAY) - account_debt
    return new_index, interest, interest * reserve_factor // WAD, rate


# ------------------------------------------------------------------ ramps
def ramp_value(start_value: int, target: int, start: int, end: int, t: int) -> int:
    """``RampLib.current``: linear, rounded towards the target."""
    if t >= end:
        return target
    if t <= start:
        return start_value
    step = ceil_div(abs(target - start_value) * (t - start), end - start)
    return start_value + step if target >= start_value else start_value - step


def bytes32_name(name: str) -> str:
    """A ``bytes32`` string constant as Brownie shows it (``0x`` + right-padded hex)."""
    return "0x" + name.encode().ljust(32, b"\0").hex()
