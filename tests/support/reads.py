"""Reading the model's inputs from a chain, and the books checks. Each reader returns what one
``tests.model`` formula takes (kick inputs, an account's holdings and call parameters, the
pool's interest books, an auction's record), read at a chosen block where it matters; the
books checks assert the pool identity of docs/DESIGN.md 5 after tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.model.call_level import CallParams, RangeHolding, Valuation, call_level, valuation
from tests.model.fixed_point import RAY, mul_div_up
from tests.model.kick import KickHolding, KickInputs, KickPlan
from tests.support.reverts import events


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


def pool_books(pool) -> dict:
    """The books ``_accrue`` reads, captured before a transaction that accrues
    (``tests.model.interest.expected_accrual`` takes them)."""
    return {
        "borrowIndex": pool.borrowIndex(),
        "totalNormalizedDebt": pool.totalNormalizedDebt(),
        "lastAccrual": pool.lastAccrual(),
        "cash": pool.cash(),
        "debtInAuction": pool.debtInAuction(),
    }


# ---------------------------------------------------------------- an account's call level
def call_params(market) -> CallParams:
    m = market.config.marketParams()
    return CallParams(m["marginCallHF"], m["maxCallHF"], m["volSlope"], market.oracle.volRef())


def holdings_of(market, account, block: int | None = None) -> list[RangeHolding]:
    """The account's collateral with the oracle's price range and volatility, all read at
    ``block`` (default latest)."""
    kw = {"block_identifier": block} if block is not None else {}
    out = []
    for a in market.collaterals.values():
        amount = market.pool.collateralOf(account, a.token, **kw)
        if amount == 0:
            continue
        info = market.config.collateralInfo(a.token, **kw)
        low, high = market.oracle.priceRange(a.token, **kw)
        out.append(
            RangeHolding(
                amount=amount,
                scale=10 ** a.decimals,
                low=low,
                high=high,
                liquidation_factor=info["liquidationFactor"],
                borrow_factor=info["borrowFactor"],
                volatility=market.oracle.volatility(a.token, **kw),
            )
        )
    return out


def reference_state(market, account, block: int | None = None) -> tuple[Valuation, int, int]:
    """(valuation, HF, call level) of ``account`` recomputed from the oracle's raw views."""
    kw = {"block_identifier": block} if block is not None else {}
    base_low, base_high = market.oracle.priceRange(market.base.token, **kw)
    debt = market.pool.debtOf(account, **kw)
    v = valuation(holdings_of(market, account, block), debt, 10**market.base.decimals, base_low, base_high)
    return v, v.health_factor, call_level(v, call_params(market))


# ---------------------------------------------------------------- what a kick saw
def _call(fn, *args, block=None):
    return fn(*args, block_identifier=block) if block is not None else fn(*args)


def kick_inputs(market, account, tx=None) -> KickInputs:
    """What ``kick`` saw: balances before the kick's block, prices, parameters, the borrow index
    and the volatility at that block (``tx``), or all of it now (``tx`` None: a prediction
    whose debt is the view's, at the latest block's time)."""
    pool, oracle, config = market.pool, market.oracle, market.config
    pre = tx.block_number - 1 if tx is not None else None
    at = tx.block_number if tx is not None else None
    if tx is None:
        debt = pool.debtOf(account)
    else:
        normalized = _call(pool.normalizedDebtOf, account, block=pre)
        debt = mul_div_up(normalized, _call(pool.borrowIndex, block=at), RAY)
    holdings = []
    for symbol, asset in market.collaterals.items():
        amount = _call(pool.collateralOf, account, asset.token, block=pre)
        if amount == 0:
            continue
        info = _call(config.collateralInfo, asset.token, block=at)
        _, high = _call(oracle.priceRange, asset.token, block=at)
        holdings.append(
            KickHolding(
                symbol,
                asset.token.address,
                amount,
                10 ** info["decimals"],
                high,
                info["liquidationFactor"],
                info["liquidationPenalty"],
                _call(oracle.volatility, asset.token, block=at),
            )
        )
    base_low, _ = _call(oracle.priceRange, market.base.token, block=at)
    m = _call(config.marketParams, block=at)
    lp = _call(config.liquidationParams, block=at)
    return KickInputs(
        debt=debt,
        holdings=holdings,
        base_low=base_low,
        base_scale=10**market.base.decimals,
        market={k: m[k] for k in m.keys()},
        liquidation={k: lp[k] for k in lp.keys()},
        vol_ref=oracle.volRef(),
    )


def assert_kick_matches(market, tx, plan: KickPlan, account) -> list[int]:
    """The Kick events and the pool's CollateralSeized are exactly the model's plan."""
    kicks = events(tx, "Kick")
    symbol_of = {a.token.address: s for s, a in market.collaterals.items()}
    got = [
        (symbol_of[e["asset"]], e["lot"], e["tab"], e["debtPart"], e["top"], e["est"]) for e in kicks
    ]
    want = [(a.symbol, a.lot, a.tab, a.debt_part, a.top, a.est) for a in plan.auctions]
    assert got == want, f"kick {got} != model {want}"
    for e in kicks:
        assert e["account"] == account
    seized = tx.events["CollateralSeized"][0]
    assert seized["debtMoved"] == plan.debt_moved
    assert seized["auctions"] == len(plan.auctions)
    return [e["id"] for e in kicks]


# ---------------------------------------------------------------- auctions
@dataclass
class AuctionView:
    id: int
    account: str
    asset: str
    tic: int
    last_incentive: int
    scale: int
    penalty: int
    lot: int
    tab: int
    debt_part: int
    top: int
    est: int

    @classmethod
    def read(cls, liq, id_: int, block=None) -> "AuctionView":
        a = _call(liq.auctions, id_, block=block)
        return cls(
            id_, a["account"], a["asset"], a["tic"], a["lastIncentive"], a["scale"], a["penalty"],
            a["lot"], a["tab"], a["debtPart"], a["top"], a["est"],
        )


@dataclass
class Obligation:
    """An account's whole obligation: its accruing debt plus the debt parts of its live
    auctions [base units]."""

    debt: int
    in_auction: int
    auctions: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.debt + self.in_auction


def obligation(market, account, block=None) -> Obligation:
    liq = market.liquidator
    ids = [i for i in _call(liq.activeAuctions, block=block) if _call(liq.auctions, i, block=block)["account"] == account]
    parts = sum(_call(liq.auctions, i, block=block)["debtPart"] for i in ids)
    if block is None:
        debt = market.pool.debtOf(account)
    else:
        debt = mul_div_up(
            _call(market.pool.normalizedDebtOf, account, block=block), _call(market.pool.borrowIndex, block=block), RAY
        )
    return Obligation(debt, parts, ids)
