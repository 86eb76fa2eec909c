"""Independent integer references for the dynamic-margin part (DESIGN.md 3, 6, 9).

Everything here re-derives, in plain Python integers, exactly what the contracts are meant to
compute, with the rounding the spec names (up for variance, debt value and call level; down for
collateral value and HF). Tests compare the chain with these functions, never with each other.
No floats: prices, values and factors are WAD integers, times are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import isqrt

from brownie import chain, web3

WAD = 10**18
YEAR = 365 * 24 * 3600
MAX_RETURN = 10 * WAD  # a round's |return| is clamped at 1,000 % before squaring
MAX_UINT = 2**256 - 1
HEALTHY, MARGIN_CALL, LIQUIDATABLE = 0, 1, 2
STATUS = ("Healthy", "MarginCall", "Liquidatable")
# PriceStatus
VALID, FALLBACK, DEVIATING, INVALID = 0, 1, 2, 3


# ------------------------------------------------------------------ integer rounding
def div_up(a: int, b: int) -> int:
    return -(-a // b)


def mul_div_down(x: int, y: int, d: int) -> int:
    return x * y // d


def mul_div_up(x: int, y: int, d: int) -> int:
    return div_up(x * y, d)


def sqrt_up(x: int) -> int:
    s = isqrt(x)
    return s if s * s == x else s + 1


# ------------------------------------------------------------------ volatility estimator
def round_return(p: int, previous: int) -> int:
    """r = |p − p_prev| · 1e18 / p_prev, rounded down, clamped at 10e18 [wad]."""
    return min(abs(p - previous) * WAD // previous, MAX_RETURN)


def r2_year(p: int, previous: int) -> int:
    """r²·YEAR [wad], rounded up."""
    r = round_return(p, previous)
    return div_up(r * r * YEAR, WAD)


def start_variance(vol_ref: int) -> int:
    """A first chain starts from σ² = σ_ref², rounded up."""
    return div_up(vol_ref * vol_ref, WAD)


@dataclass
class VolModel:
    """The estimator's state for one asset, driven round by round like the contract.

    ``samples`` collects ``(round_id, variance)`` for every round sampled (the
    ``VolatilitySampled`` events the chain must have emitted)."""

    vol_ref: int
    tau: int
    variance: int = 0
    answer: int = 0
    updated_at: int = 0
    round_id: int = 0
    samples: list = field(default_factory=list)

    def restart(self, round_id: int, answer: int, updated_at: int) -> None:
        self.round_id, self.answer, self.updated_at = round_id, answer, updated_at
        if self.variance == 0:
            self.variance = start_variance(self.vol_ref)

    def sample(self, round_id: int, p: int, t: int) -> int:
        """σ² ← ceil((τ·σ² + r²·YEAR) / (τ + Δt))."""
        assert t >= self.updated_at
        self.variance = div_up(self.tau * self.variance + r2_year(p, self.answer), self.tau + (t - self.updated_at))
        self.answer, self.updated_at, self.round_id = p, t, round_id
        self.samples.append((round_id, self.variance))
        return self.variance

    def view(self, now: int) -> int:
        return vol_view(self.variance, self.vol_ref, self.tau, max(0, now - self.updated_at))


def vol_view(variance: int, vol_ref: int, tau: int, t: int) -> int:
    """sqrt(σ_ref² + (σ² − σ_ref²)·τ/(τ + t)), each side rounded towards the higher variance,
    the square root rounded up."""
    ref2 = start_variance(vol_ref)
    if variance >= ref2:
        v = ref2 + mul_div_up(variance - ref2, tau, tau + t)
    else:
        v = ref2 - mul_div_down(ref2 - variance, tau, tau + t)
    return sqrt_up(v * WAD)


# ------------------------------------------------------------------ valuation and ladder
@dataclass(frozen=True)
class Holding:
    """One collateral of an account as the pool values it."""

    amount: int  # [token units]
    scale: int  # 10 ** token decimals
    low: int  # [wad] price range, low == high unless the feeds deviate
    high: int
    liquidation_factor: int  # [wad]
    borrow_factor: int  # [wad]
    volatility: int  # [wad]


@dataclass(frozen=True)
class Params:
    margin_call_hf: int
    max_call_hf: int
    vol_slope: int
    vol_ref: int


@dataclass(frozen=True)
class Valuation:
    collateral_value: int
    liquidation_value: int
    debt_value: int
    borrow_capacity: int
    opening_debt_value: int
    volatility_weight: int


def valuation(holdings, debt: int, base_scale: int, base_low: int, base_high: int) -> Valuation:
    """Status prices (collateral high, base low) for values and HF, opening prices (collateral
    low, base high) for the borrow capacity: DESIGN.md 6."""
    cv = lv = cap = weight = 0
    for h in holdings:
        if h.amount == 0:
            continue
        value = h.amount * h.high // h.scale
        cv += value
        lv += value * h.liquidation_factor // WAD
        cap += (h.amount * h.low // h.scale) * h.borrow_factor // WAD
        weight += value * h.volatility
    return Valuation(
        collateral_value=cv,
        liquidation_value=lv,
        debt_value=mul_div_up(debt, base_low, base_scale),
        borrow_capacity=cap,
        opening_debt_value=mul_div_up(debt, base_high, base_scale),
        volatility_weight=weight,
    )


def health_factor(v: Valuation) -> int:
    return MAX_UINT if v.debt_value == 0 else v.liquidation_value * WAD // v.debt_value


def account_sigma(v: Valuation) -> int:
    """σ_acct: the collateral's volatilities weighted by value at the status prices, rounded up."""
    return div_up(v.volatility_weight, v.collateral_value) if v.collateral_value else 0


def call_level(v: Valuation, p: Params) -> int:
    """callHF_eff = min(maxCallHF, marginCallHF + volSlope·max(0, σ_acct − σ_ref)), rounded up."""
    if v.collateral_value == 0:
        return p.margin_call_hf
    sigma = account_sigma(v)
    if sigma <= p.vol_ref:
        return p.margin_call_hf
    return min(p.margin_call_hf + mul_div_up(p.vol_slope, sigma - p.vol_ref, WAD), p.max_call_hf)


def ladder_status(hf: int, level: int, base_call_hf: int, has_debt: bool, call_past_deadline: bool) -> int:
    """The ladder of DESIGN.md 3. ``call_past_deadline``: a live (issued, not cleared, not lapsed)
    call whose deadline has passed."""
    if not has_debt:
        return HEALTHY
    if hf < WAD:
        return LIQUIDATABLE
    if call_past_deadline and hf < base_call_hf:
        return LIQUIDATABLE
    if hf < level:
        return MARGIN_CALL
    return HEALTHY


def opening_ok(v: Valuation, level: int, margin_call_hf: int) -> tuple[bool, int, int]:
    """Opening risk: marginCallHF·Σ value_low·bf ≥ callHF_eff·debt_high. Returns (ok, required,
    capacity) as the pool's `InsufficientMargin(required, capacity)` reports them."""
    capacity = v.borrow_capacity * margin_call_hf // WAD
    required = mul_div_up(v.opening_debt_value, level, WAD)
    return required <= capacity, required, capacity


def max_debt(holdings, base_scale: int, base_low: int, base_high: int, p: Params) -> int:
    """The largest debt (base units) that passes the opening check (the call level does not
    depend on the debt). Binary search on the exact check."""
    lo, hi = 0, 1
    v0 = valuation(holdings, 0, base_scale, base_low, base_high)
    level = call_level(v0, p)
    while opening_ok(valuation(holdings, hi, base_scale, base_low, base_high), level, p.margin_call_hf)[0]:
        hi *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if opening_ok(valuation(holdings, mid, base_scale, base_low, base_high), level, p.margin_call_hf)[0]:
            lo = mid
        else:
            hi = mid
    return lo


# ------------------------------------------------------------------ chain access
def open_position(pool, who, collateral: dict, debt: int) -> None:
    """Mints and deposits ``collateral`` {token: amount} for ``who``, then borrows ``debt``
    (nothing when 0) to ``who``."""
    for token, amount in collateral.items():
        token.mint(who, amount, {"from": who})
        token.approve(pool, amount, {"from": who})
        pool.depositCollateral(token, amount, who, {"from": who})
    if debt:
        pool.borrow(debt, who, {"from": who})


def latest_block() -> tuple[int, int]:
    """(number, timestamp) of the latest block: views pinned to it are evaluated at its time."""
    block = web3.eth.get_block("latest")
    return block["number"], block["timestamp"]


def params_of(market) -> Params:
    m = market.config.marketParams()
    return Params(m["marginCallHF"], m["maxCallHF"], m["volSlope"], market.oracle.volRef())


def holdings_of(market, account, block: int | None = None) -> list[Holding]:
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
            Holding(
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
    return v, health_factor(v), call_level(v, params_of(market))


def events_named(tx, name: str) -> list:
    return list(tx.events[name]) if name in tx.events else []


def mine_at(timestamp: int) -> int:
    """Mine one block at exactly ``timestamp`` (Anvil). Returns the block number."""
    web3.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])
    chain.mine()
    block = web3.eth.get_block("latest")
    assert block["timestamp"] == timestamp
    return block["number"]


def mine_at_least(seconds: int) -> int:
    """Advance time by ``seconds`` and mine a block; returns the new block's timestamp."""
    chain.sleep(int(seconds))
    chain.mine()
    return web3.eth.get_block("latest")["timestamp"]


# ------------------------------------------------------------------ margin calls, from events
class CallBook(dict):
    """account → deadline of the last margin call issued and not met, as the pool's events say.
    A call is live until ``grace`` after its deadline; then it lapses (DESIGN.md 3)."""

    def __init__(self, grace: int):
        super().__init__()
        self.grace = grace

    def track(self, tx) -> None:
        for e in tx.events["MarginCallIssued"] if "MarginCallIssued" in tx.events else []:
            self[e["account"]] = e["deadline"]
        for e in tx.events["MarginCallMet"] if "MarginCallMet" in tx.events else []:
            self.pop(e["account"], None)

    def live(self, account, now: int) -> bool:
        deadline = self.get(str(account))
        return deadline is not None and now < deadline + self.grace
