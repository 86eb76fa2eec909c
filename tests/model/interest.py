"""Interest (docs/DESIGN.md 2): the kinked rate curve, utilisation, the borrow index and what
one accrual books, in exact integers. ``InterestBook`` is an independent replica of the pool's
interest books, advanced in Python only."""

from __future__ import annotations

from dataclasses import dataclass

from tests.model.fixed_point import RAY, WAD, div_up, mul_div_up

YEAR = 365 * 24 * 3600  # [seconds]


def borrow_rate(utilisation: int, base_rate: int, kink: int, kink_rate: int, max_rate: int) -> int:
    """``InterestRateModel.borrowRate``: the kinked curve [wad APR], rounded down. The curve's
    names are ``spec.interest``'s keys: ``borrow_rate(u, **spec.interest)``."""
    u = min(utilisation, WAD)
    if u <= kink:
        return base_rate + u * (kink_rate - base_rate) // kink
    return kink_rate + (u - kink) * (max_rate - kink_rate) // (WAD - kink)


def utilisation(borrowed: int, cash: int) -> int:
    """borrowed / (borrowed + cash) [wad], rounded up; 0 with nothing borrowed. ``borrowed`` is
    the accounts' debt plus the debt in auction."""
    return 0 if borrowed == 0 else mul_div_up(borrowed, WAD, borrowed + cash)


def grown_index(index: int, annual_rate: int, elapsed: int) -> int:
    """index + ceil(index · rate · Δt / (WAD · YEAR))."""
    return index + mul_div_up(index, annual_rate * elapsed, WAD * YEAR)


def expected_accrual(books: dict, rate_curve, reserve_factor: int, at: int):
    """What ``_accrue`` books at timestamp ``at`` from the books read before (``pool_books`` of
    tests.support.reads): ``(newIndex, interest, toReserves, rate)``. ``rate_curve`` is
    (base, kink, kinkRate, max)."""
    index, normalized = books["borrowIndex"], books["totalNormalizedDebt"]
    account_debt = div_up(normalized * index, RAY)
    rate = borrow_rate(utilisation(account_debt + books["debtInAuction"], books["cash"]), *rate_curve)
    new_index = grown_index(index, rate, at - books["lastAccrual"])
    interest = div_up(normalized * new_index, RAY) - account_debt
    return new_index, interest, interest * reserve_factor // WAD, rate


@dataclass
class InterestBook:
    """An independent replica of the pool's interest books, advanced in Python only."""

    curve: dict[str, int]  # spec.interest
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
        return grown_index(self.index, borrow_rate(self.utilisation(), **self.curve), dt)

    def accrue(self, now: int) -> tuple[int, int, int]:
        """Accrue to ``now``; returns (interest, toReserves, annual rate) as booked."""
        dt = now - self.last
        self.last = now
        if dt == 0 or self.normalized == 0:
            return 0, 0, 0
        rate = borrow_rate(self.utilisation(), **self.curve)
        new_index = grown_index(self.index, rate, dt)
        interest = mul_div_up(self.normalized, new_index, RAY) - mul_div_up(self.normalized, self.index, RAY)
        to_reserves = interest * self.reserve_factor // WAD
        self.index = new_index
        self.reserves += to_reserves
        self.supplier_assets += interest - to_reserves
        return interest, to_reserves, rate
