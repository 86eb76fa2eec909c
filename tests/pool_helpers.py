"""Helpers for the pool's unit tests: exact integer mirrors of the pool's formulas (written
from DESIGN.md 2, 3 and 5, not read back from the contract), a "revert changes nothing"
check, and time pinning so that a view read now is what the next transaction sees.

Every amount is an ``int`` in on-chain units; nothing here uses floats.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import brownie
from brownie import chain, web3

from tests.helpers import RAY, WAD

YEAR = 365 * 24 * 3600  # [seconds]
ZERO_ADDRESS = "0x" + "00" * 20
VIRTUAL_SHARES = 10**6
VIRTUAL_ASSETS = 1


# ---------------------------------------------------------------- integer maths
def div_up(x: int, d: int) -> int:
    return -(-x // d)


def mul_div_up(x: int, y: int, d: int) -> int:
    return div_up(x * y, d)


# ---------------------------------------------------------------- supply shares
def to_shares_down(assets: int, total_assets: int, total_shares: int) -> int:
    return assets * (total_shares + VIRTUAL_SHARES) // (total_assets + VIRTUAL_ASSETS)


def to_shares_up(assets: int, total_assets: int, total_shares: int) -> int:
    return mul_div_up(assets, total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)


def to_assets_down(shares: int, total_assets: int, total_shares: int) -> int:
    return shares * (total_assets + VIRTUAL_ASSETS) // (total_shares + VIRTUAL_SHARES)


# ---------------------------------------------------------------- interest
def curve_rate(u: int, curve: dict[str, int]) -> int:
    """The kinked curve of DESIGN.md 2 [wad APR], rounded down; ``curve`` is ``spec.interest``."""
    u = min(u, WAD)
    base, kink, kink_rate, max_rate = curve["base_rate"], curve["kink"], curve["kink_rate"], curve["max_rate"]
    if u <= kink:
        return base + u * (kink_rate - base) // kink
    return kink_rate + (u - kink) * (max_rate - kink_rate) // (WAD - kink)


def utilisation(borrowed: int, cash: int) -> int:
    """borrowed / (borrowed + cash) [wad], rounded up; 0 with nothing borrowed."""
    return 0 if borrowed == 0 else mul_div_up(borrowed, WAD, borrowed + cash)


def grown_index(index: int, rate: int, dt: int) -> int:
    """index + ceil(index · rate · dt / (WAD · YEAR))."""
    return index + mul_div_up(index, rate * dt, WAD * YEAR)


@dataclass
class InterestBook:
    """An independent replica of the pool's interest books, advanced in Python only."""

    curve: dict[str, int]
    reserve_factor: int  # [wad]
    index: int  # [ray]
    normalized: int  # total normalised debt
    cash: int
    debt_in_auction: int
    supplier_assets: int
    reserves: int
    last: int  # [unix seconds]

    @classmethod
    def read(cls, pool, spec) -> "InterestBook":
        """Starting point: the pool's stored books (read once)."""
        return cls(
            curve=dict(spec.interest),
            reserve_factor=spec.market["reserve_factor"],
            index=pool.borrowIndex(),
            normalized=pool.totalNormalizedDebt(),
            cash=pool.cash(),
            debt_in_auction=pool.debtInAuction(),
            supplier_assets=pool.supplierAssets(),
            reserves=pool.reserves(),
            last=pool.lastAccrual(),
        )

    def account_debt(self, index: int | None = None) -> int:
        return mul_div_up(self.normalized, self.index if index is None else index, RAY)

    def utilisation(self) -> int:
        return utilisation(self.account_debt() + self.debt_in_auction, self.cash)

    def index_at(self, now: int) -> int:
        dt = now - self.last
        if dt == 0 or self.normalized == 0:
            return self.index
        return grown_index(self.index, curve_rate(self.utilisation(), self.curve), dt)

    def accrue(self, now: int) -> tuple[int, int, int]:
        """Accrue to ``now``; returns (interest, toReserves, annual rate) as booked."""
        dt = now - self.last
        self.last = now
        if dt == 0 or self.normalized == 0:
            return 0, 0, 0
        rate = curve_rate(self.utilisation(), self.curve)
        new_index = grown_index(self.index, rate, dt)
        interest = mul_div_up(self.normalized, new_index, RAY) - mul_div_up(self.normalized, self.index, RAY)
        to_reserves = interest * self.reserve_factor // WAD
        self.index = new_index
        self.reserves += to_reserves
        self.supplier_assets += interest - to_reserves
        return interest, to_reserves, rate


# ---------------------------------------------------------------- risk (DESIGN.md 3)
def feed_to_wad(answer: int, feed_decimals: int) -> int:
    """A feed answer as a WAD price, rounded down."""
    if feed_decimals <= 18:
        return answer * 10 ** (18 - feed_decimals)
    return answer // 10 ** (feed_decimals - 18)


def value_down(amount: int, price: int, decimals: int) -> int:
    """USD value [wad] of ``amount`` token units at a WAD price, rounded down."""
    return amount * price // 10**decimals


def weighted_value(holdings, factor_key: str) -> int:
    """Σ floor(value_i · factor_i) over ``holdings``: dicts with amount, price, decimals and the
    factor (``liquidation_factor`` or ``borrow_factor``)."""
    return sum(value_down(h["amount"], h["price"], h["decimals"]) * h[factor_key] // WAD for h in holdings)


def debt_value_up(debt: int, base_price: int, base_decimals: int) -> int:
    return mul_div_up(debt, base_price, 10**base_decimals)


def health_factor(holdings, debt: int, base_price: int, base_decimals: int) -> int:
    d = debt_value_up(debt, base_price, base_decimals)
    if d == 0:
        return 2**256 - 1
    return weighted_value(holdings, "liquidation_factor") * WAD // d


def opening_capacity(holdings, margin_call_hf: int) -> int:
    """marginCallHF · Σ value_i · borrowFactor_i [wad], rounded down."""
    return weighted_value(holdings, "borrow_factor") * margin_call_hf // WAD


def opening_required(debt: int, base_price: int, base_decimals: int, call_hf: int) -> int:
    """callHF_eff · debtValue [wad], rounded up."""
    return mul_div_up(debt_value_up(debt, base_price, base_decimals), call_hf, WAD)


def max_borrow(capacity: int, base_price: int, base_decimals: int, call_hf: int) -> int:
    """The largest debt with ``opening_required(debt) ≤ capacity``."""
    d = capacity * WAD // call_hf * 10**base_decimals // base_price
    while d > 0 and opening_required(d, base_price, base_decimals, call_hf) > capacity:
        d -= 1
    while opening_required(d + 1, base_price, base_decimals, call_hf) <= capacity:
        d += 1
    return d


def holding(amount: int, price: int, decimals: int, params) -> dict:
    """One collateral holding for the risk helpers; ``params`` is a ``CollateralSpec``."""
    return {
        "amount": amount,
        "price": price,
        "decimals": decimals,
        "borrow_factor": params.borrow_factor,
        "liquidation_factor": params.liquidation_factor,
    }


# ---------------------------------------------------------------- time
def next_block_at(timestamp: int) -> None:
    """The next block gets ``timestamp`` (Anvil accepts the latest block's own timestamp; an
    earlier one is an error answer, raised here rather than ignored)."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])
    if answer.get("error"):
        raise RuntimeError(f"evm_setNextBlockTimestamp({timestamp}): {answer['error']}")


def pin_time() -> None:
    """Mines a block (so a pending ``chain.sleep`` takes effect), then gives the next block
    the same timestamp: views read now (they run at the latest block's time) return exactly
    what the next transaction will see."""
    chain.mine()
    next_block_at(chain[-1].timestamp)


# ---------------------------------------------------------------- "a revert changes nothing"
POOL_SCALARS = (
    "cash",
    "supplierAssets",
    "reserves",
    "totalSupplyShares",
    "borrowIndex",
    "lastAccrual",
    "totalNormalizedDebt",
    "debtInAuction",
)


def _w3(contract):
    """A plain web3 contract for ``contract`` (Brownie object), for batched reads."""
    return web3.eth.contract(address=contract.address, abi=contract.abi)


def pool_state(market, accounts, tokens=(), collaterals: bool = True) -> dict:
    """Every balance and book a pool action could move, for the given accounts (one batched
    JSON-RPC round trip); ``collaterals=False`` leaves the market's collateral tokens out."""
    pool = _w3(market.pool).functions
    listed = [a.token for a in market.collaterals.values()] if collaterals else []
    all_tokens = [market.base.token, *listed, *tokens]
    held_tokens = [str(t) for t in all_tokens if t != market.base.token]
    holders = [market.pool.address, *(str(a) for a in accounts)]
    reads = [(name, getattr(pool, name)()) for name in POOL_SCALARS]
    for t in all_tokens:
        fns = _w3(t).functions
        reads += [(("balance", str(t), who), fns.balanceOf(who)) for who in holders]
    reads += [(("totalCollateral", t), pool.totalCollateral(t)) for t in held_tokens]
    for who in map(str, accounts):
        reads += [
            (("shares", who), pool.supplySharesOf(who)),
            (("normalizedDebt", who), pool.normalizedDebtOf(who)),
            (("assetsIn", who), pool.assetsIn(who)),
            (("callDeadline", who), pool.marginCallDeadline(who)),
            (("debtInAuction", who), pool.debtInAuctionOf(who)),
            (("liveAuctions", who), pool.liveAuctions(who)),
        ]
        reads += [(("collateral", t, who), pool.collateralOf(who, t)) for t in held_tokens]
    with web3.batch_requests() as batch:
        for _, fn in reads:
            batch.add(fn)
        values = batch.execute()
    return {key: value for (key, _), value in zip(reads, values)}


@contextmanager
def reverts_unchanged(market, message: str, *accounts, tokens=()):
    """``brownie.reverts(message)`` (exact text) that also asserts no balance or book moved."""
    before = pool_state(market, accounts, tokens)
    with brownie.reverts(message):
        yield
    after = pool_state(market, accounts, tokens)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a reverted call changed state: {changed}"
