"""The margin-call ladder (docs/DESIGN.md 3, 6 and 9): the account's valuation at its two prices
(status prices for values and HF, opening prices for the borrow capacity), the σ-weighted call
level callHF_eff, the opening check, the ladder's statuses, and the calls a pool's events
leave live. Rounding as the spec names it: up for debt value, σ_acct and the call level, down for
collateral value and HF."""

from __future__ import annotations

from dataclasses import dataclass

from tests.model.fixed_point import WAD, div_up, mul_div_up
from tests.model.valuation import health_factor

# AccountStatus (the pool's enum, in order)
HEALTHY, MARGIN_CALL, LIQUIDATABLE = 0, 1, 2
STATUS = ("Healthy", "MarginCall", "Liquidatable")


@dataclass(frozen=True)
class RangeHolding:
    """One collateral of an account as the pool values it: a price range (low == high unless the
    feeds deviate) and the asset's volatility."""

    amount: int  # [token units]
    scale: int  # 10 ** token decimals
    low: int  # [wad]
    high: int
    liquidation_factor: int  # [wad]
    borrow_factor: int  # [wad]
    volatility: int  # [wad]


@dataclass(frozen=True)
class CallParams:
    """The inputs of the call-level formula: pool parameters and the oracle's σ_ref [wad]."""

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

    @property
    def health_factor(self) -> int:
        return health_factor(self.liquidation_value, self.debt_value)


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


def account_sigma(v: Valuation) -> int:
    """σ_acct: the collateral's volatilities weighted by value at the status prices, rounded up."""
    return div_up(v.volatility_weight, v.collateral_value) if v.collateral_value else 0


def call_level(v: Valuation, p: CallParams) -> int:
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


def max_debt(holdings, base_scale: int, base_low: int, base_high: int, p: CallParams) -> int:
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
