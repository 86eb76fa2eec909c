"""How much a kick liquidates (docs/DESIGN.md 3 "How much is liquidated", 4 Hole): the kick
target T, the debt to move D_r with its dust floor, the same fraction of every collateral, lots,
tabs and debt parts, the full liquidation and its exact split, scaling to the room the breaker
leaves, and the keeper's incentive.

Rounding follows DESIGN.md 2: debt, ``D_r``, lots, tabs, ``callHF_eff`` and ``T`` round **up**;
collateral value, HF and keeper incentives round **down**. The inputs are read from a chain by
``tests.support.reads.kick_inputs``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.model.call_level import CallParams, Valuation, call_level
from tests.model.fixed_point import (
    WAD,
    mul_div_down,
    mul_div_up,
    w_div_down,
    w_div_up,
    w_mul_down,
    w_mul_up,
)
from tests.model.valuation import health_factor


@dataclass
class KickHolding:
    """One collateral asset of an account as a kick prices it (status prices: the end of the
    range better for the borrower, DESIGN.md 6)."""

    symbol: str
    asset: str
    amount: int  # [token units]
    scale: int  # 10 ** decimals
    high: int  # [wad USD] collateral price better for the borrower
    liquidation_factor: int  # [wad]
    penalty: int  # [wad]
    volatility: int  # [wad] annualised σ

    @property
    def value(self) -> int:
        """[wad USD], down."""
        return mul_div_down(self.amount, self.high, self.scale)


@dataclass
class KickInputs:
    debt: int  # [base units]
    holdings: list[KickHolding]  # slot order, amount > 0 only
    base_low: int  # [wad USD] base price better for the borrower
    base_scale: int
    market: dict  # MarketParams in force
    liquidation: dict  # buf, cusp, tip, chip
    vol_ref: int  # [wad]

    @property
    def dust(self) -> int:
        return self.market["dust"]

    @property
    def collateral_value(self) -> int:
        return sum(h.value for h in self.holdings)

    @property
    def liquidation_value(self) -> int:
        return sum(w_mul_down(h.value, h.liquidation_factor) for h in self.holdings)

    @property
    def debt_value(self) -> int:
        return mul_div_up(self.debt, self.base_low, self.base_scale)

    @property
    def health_factor(self) -> int:
        return health_factor(self.liquidation_value, self.debt_value)

    @property
    def call_level(self) -> int:
        """callHF_eff (``tests.model.call_level.call_level``) at the kick's prices."""
        m = self.market
        v = Valuation(
            collateral_value=self.collateral_value,
            liquidation_value=self.liquidation_value,
            debt_value=self.debt_value,
            borrow_capacity=0,
            opening_debt_value=0,
            volatility_weight=sum(h.value * h.volatility for h in self.holdings),
        )
        return call_level(v, CallParams(m["marginCallHF"], m["maxCallHF"], m["volSlope"], self.vol_ref))

    @property
    def target(self) -> int:
        """The kick target T = max(targetHF, callHF_eff + exitMargin) (DESIGN.md 3): the HF a
        partial kick restores, out of the call band with room; ``plan_kick`` sizes D_r to reach it."""
        return max(self.market["targetHF"], self.call_level + self.market["exitMargin"])

    def to_base_up(self, value_wad: int) -> int:
        return mul_div_up(value_wad, self.base_scale, self.base_low)

    def to_base_down(self, value_wad: int) -> int:
        return mul_div_down(value_wad, self.base_scale, self.base_low)

    def from_base_up(self, amount: int) -> int:
        return mul_div_up(amount, self.base_low, self.base_scale)

    def lot_value(self, h: KickHolding, lot: int) -> int:
        """[base units] oracle value of a lot, down."""
        return self.to_base_down(mul_div_down(lot, h.high, h.scale))

    def lot_value_up(self, h: KickHolding, lot: int) -> int:
        return self.to_base_up(mul_div_up(lot, h.high, h.scale))


@dataclass
class Auction:
    symbol: str
    lot: int
    tab: int
    debt_part: int
    top: int = 0
    est: int = 0


@dataclass
class KickPlan:
    full: bool
    auctions: list[Auction]
    debt_moved: int
    target: int = 0  # T [wad] (partial kicks)
    raw_debt_to_move: int = 0  # D_r from the formula, before the dust floor [base units]
    debt_to_move: int = 0  # D_r after the dust floor, before lots were rounded [base units]
    fraction: int = 0  # f [wad] (partial kicks)
    scaled: bool = False
    lot_value: int = 0  # [base units] Σ oracle value of the lots, down

    @property
    def total_tab(self) -> int:
        return sum(a.tab for a in self.auctions)

    def by_symbol(self) -> dict[str, Auction]:
        return {a.symbol: a for a in self.auctions}


class NoRoom(Exception):
    def __init__(self, room: int):
        super().__init__(f"NoRoom: {room}")
        self.room = room


def _full_plan(k: KickInputs) -> KickPlan:
    """Below fullLiquidationHF (or when less than dust would remain): all debt, all collateral,
    the debt split by collateral value (up), each tab that debt part times 1+p_i (up); then the
    parts are fitted to sum to the debt exactly (DESIGN.md 5): the overshoot comes off the parts
    from the last asset backwards, each at most to 0 (an equal split's shortfall goes to the last)."""
    value = k.collateral_value
    n = len(k.holdings)
    parts = [
        (k.debt // n) if value == 0 else mul_div_up(k.debt, h.value, value) for h in k.holdings
    ]
    tabs = [w_mul_up(part, WAD + h.penalty) for part, h in zip(parts, k.holdings)]
    excess = sum(parts) - k.debt
    if excess <= 0:
        parts[-1] += -excess
    for i in reversed(range(n)):
        cut = min(max(excess, 0), parts[i])
        parts[i] -= cut
        excess -= cut
    assert sum(parts) == k.debt
    auctions = [Auction(h.symbol, h.amount, tab, part) for h, tab, part in zip(k.holdings, tabs, parts)]
    return KickPlan(True, auctions, k.debt)


def plan_kick(k: KickInputs) -> KickPlan:
    """DESIGN.md 3: the same fraction f of every collateral; lot_i = f·amount_i, tab_i its oracle
    value, debt part tab_i/(1+p_i);

        D_r = (T·D − L) / (T − (1+p)·lf),   (1+p)·lf = L / Σ value_i/(1+p_i)

    at least dust, and everything when less than dust of debt would remain."""
    hf = k.health_factor
    harmonic = sum(w_div_down(h.value, WAD + h.penalty) for h in k.holdings)  # [wad USD]
    if hf < k.market["fullLiquidationHF"] or harmonic == 0:
        plan = _full_plan(k)
    else:
        target = k.target
        numerator = w_mul_up(k.debt_value, target) - k.liquidation_value  # T·D − L, up
        denominator = target - w_div_up(k.liquidation_value, harmonic)  # T − (1+p)·lf, down
        raw = k.to_base_up(w_div_up(numerator, denominator))
        debt_to_move = max(raw, k.dust)
        f = w_div_up(k.from_base_up(debt_to_move), harmonic)
        if debt_to_move + k.dust > k.debt or f >= WAD:
            plan = _full_plan(k)
        else:
            auctions = []
            for h in k.holdings:
                lot = min(w_mul_up(h.amount, f), h.amount)
                tab = k.lot_value_up(h, lot)
                auctions.append(Auction(h.symbol, lot, tab, w_div_up(tab, WAD + h.penalty)))
            moved = sum(a.debt_part for a in auctions)
            if k.debt - moved < k.dust:
                # the rounded-up parts would leave less than dust behind: everything goes
                plan = _full_plan(k)
            else:
                plan = KickPlan(False, auctions, moved, target, raw, debt_to_move, f)
    if plan.full and hf >= k.market["fullLiquidationHF"] and harmonic != 0:
        plan.target, plan.raw_debt_to_move, plan.debt_to_move = target, raw, debt_to_move
    return _finish(k, plan)


def scale_to_room(k: KickInputs, plan: KickPlan, room: int) -> KickPlan:
    """DESIGN.md 4 Hole: every lot, tab and debt part scaled down uniformly by room / tab (down);
    the kick must still move ≥ dust and leave no debt or ≥ dust."""
    wanted = plan.total_tab
    auctions = []
    for a in plan.auctions:
        lot, tab = mul_div_down(a.lot, room, wanted), mul_div_down(a.tab, room, wanted)
        part = mul_div_down(a.debt_part, room, wanted)
        if lot and tab:
            auctions.append(Auction(a.symbol, lot, tab, part))
    moved = sum(a.debt_part for a in auctions)
    left = k.debt - moved
    if moved < k.dust or (left != 0 and left < k.dust):
        raise NoRoom(room)
    scaled = KickPlan(
        plan.full, auctions, moved, plan.target, plan.raw_debt_to_move, plan.debt_to_move, plan.fraction, True
    )
    return _finish(k, scaled)


def _finish(k: KickInputs, plan: KickPlan) -> KickPlan:
    """Tops, est and the lots' oracle value."""
    holdings = {h.symbol: h for h in k.holdings}
    plan.lot_value = 0
    for a in plan.auctions:
        h = holdings[a.symbol]
        a.top = mul_div_down(h.high, k.liquidation["buf"], k.base_low)
        value = k.lot_value(h, a.lot)
        a.est = max(0, a.debt_part - value)
        plan.lot_value += value
    return plan


def kick_incentive(k: KickInputs, plan: KickPlan, fund_assets: int, to_zero_address: bool = False) -> int:
    """tip + chip·tab (down) from the fund's free assets, only when the tab and the lots' oracle
    value are both ≥ dust; nothing to the zero address."""
    if plan.total_tab < k.dust or plan.lot_value < k.dust or to_zero_address:
        return 0
    return min(k.liquidation["tip"] + w_mul_down(plan.total_tab, k.liquidation["chip"]), fund_assets)
