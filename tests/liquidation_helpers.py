"""An independent Python model of DESIGN.md 3 ("How much is liquidated"), 4 (auctions) and 5
(exit haircuts), with the contracts' rounding, plus the chain-side helpers the liquidation
suites share (opening positions, moving prices and time, reading what a kick saw).

Rounding follows DESIGN.md 2: debt, ``D_r``, lots, tabs, ``owe``, charge-backs, losses,
``callHF_eff`` and ``T`` round **up**; collateral value, HF, shares, penalties paid to the fund and
keeper incentives round **down**. Every formula below is written from DESIGN.md, step by step in
the order the spec gives; the contracts are not consulted for anything but their inputs
(balances, prices, parameters, the borrow index and the volatility estimate, none of which is
the subject of these suites).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from brownie import chain, web3

from margincall.chain import refresh_feeds, set_price

WAD = 10**18
RAY = 10**27
MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"


# ============================================================== fixed point (rounding named)
def mul_div_down(x: int, y: int, d: int) -> int:
    return x * y // d


def mul_div_up(x: int, y: int, d: int) -> int:
    return -(-x * y // d)


def w_mul_down(x: int, y: int) -> int:
    return x * y // WAD


def w_mul_up(x: int, y: int) -> int:
    return -(-x * y // WAD)


def w_div_down(x: int, y: int) -> int:
    return x * WAD // y


def w_div_up(x: int, y: int) -> int:
    return -(-x * WAD // y)


# ============================================================== inputs of a kick
@dataclass
class Holding:
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
    holdings: list[Holding]  # slot order, amount > 0 only
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
        return MAX_UINT if self.debt_value == 0 else w_div_down(self.liquidation_value, self.debt_value)

    @property
    def call_level(self) -> int:
        """callHF_eff = marginCallHF + volSlope · max(0, σ_acct − σ_ref), clamped; rounded up."""
        base = self.market["marginCallHF"]
        value = self.collateral_value
        if value == 0:
            return base
        sigma = mul_div_up(sum(h.value * h.volatility for h in self.holdings), 1, value)
        if sigma <= self.vol_ref:
            return base
        return min(base + w_mul_up(self.market["volSlope"], sigma - self.vol_ref), self.market["maxCallHF"])

    @property
    def target(self) -> int:
        """T = max(targetHF, callHF_eff + exitMargin): out of the band with room (DESIGN.md 3)."""
        return max(self.market["targetHF"], self.call_level + self.market["exitMargin"])

    def to_base_up(self, value_wad: int) -> int:
        return mul_div_up(value_wad, self.base_scale, self.base_low)

    def to_base_down(self, value_wad: int) -> int:
        return mul_div_down(value_wad, self.base_scale, self.base_low)

    def from_base_up(self, amount: int) -> int:
        return mul_div_up(amount, self.base_low, self.base_scale)

    def lot_value(self, h: Holding, lot: int) -> int:
        """[base units] oracle value of a lot, down."""
        return self.to_base_down(mul_div_down(lot, h.high, h.scale))

    def lot_value_up(self, h: Holding, lot: int) -> int:
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


def kick_incentive(k: KickInputs, plan: KickPlan, fund_assets: int, keeper: str = "keeper") -> int:
    """tip + chip·tab (down) from the fund's free assets, only when the tab and the lots' oracle
    value are both ≥ dust; nothing to the zero address."""
    if plan.total_tab < k.dust or plan.lot_value < k.dust or keeper == ZERO:
        return 0
    return min(k.liquidation["tip"] + w_mul_down(plan.total_tab, k.liquidation["chip"]), fund_assets)


# ============================================================== reading a kick's inputs
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
            Holding(
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


def events(tx, name: str) -> list[dict]:
    """Every ``name`` event of ``tx`` (none: an empty list), as dicts."""
    return [dict(e) for e in tx.events[name]] if name in tx.events else []


def kick_events(tx) -> list[dict]:
    return events(tx, "Kick")


def assert_kick_matches(market, tx, plan: KickPlan, account) -> list[int]:
    """The Kick events and the pool's CollateralSeized are exactly the model's plan."""
    events = kick_events(tx)
    symbol_of = {a.token.address: s for s, a in market.collaterals.items()}
    got = [
        (symbol_of[e["asset"]], e["lot"], e["tab"], e["debtPart"], e["top"], e["est"]) for e in events
    ]
    want = [(a.symbol, a.lot, a.tab, a.debt_part, a.top, a.est) for a in plan.auctions]
    assert got == want, f"kick {got} != model {want}"
    for e in events:
        assert e["account"] == account
    seized = tx.events["CollateralSeized"][0]
    assert seized["debtMoved"] == plan.debt_moved
    assert seized["auctions"] == len(plan.auctions)
    return [e["id"] for e in events]


# ============================================================== auctions: curves and takes
def top_price(high: int, buf: int, base_low: int) -> int:
    """[wad] start price: the oracle price in base, times buf (down)."""
    return mul_div_down(high, buf, base_low)


def estimate(debt_part: int, lot: int, high: int, scale: int, base_low: int, base_scale: int) -> int:
    """est = max(0, debt part − the lot's oracle value (down))."""
    value = mul_div_down(mul_div_down(lot, high, scale), base_scale, base_low)
    return max(0, debt_part - value)


def linear_price(top: int, elapsed: int, duration: int) -> int:
    """top · (duration − t) / duration, 0 from duration on (exact, down)."""
    return 0 if elapsed >= duration else top * (duration - elapsed) // duration


def exact_pow_price(top: int, cut: int, n: int) -> Decimal:
    """top · cut^n in decimal arithmetic at 80 digits (a local context: the global one is
    Brownie's), not rounded to an integer."""
    with localcontext(prec=80):
        return Decimal(top) * (Decimal(cut) / Decimal(WAD)) ** n


def owe_for(slice_: int, price: int, scale: int, base_scale: int) -> int:
    """[base units] owed for a slice at a price (wad base per whole token), up."""
    return mul_div_up(mul_div_up(slice_, price, scale), base_scale, WAD)


def slice_for(owe: int, price: int, scale: int, base_scale: int) -> int:
    """[token units] bought by owe at price, down."""
    return mul_div_down(mul_div_down(owe, WAD, base_scale), scale, price)


class NoPartialPurchase(Exception):
    pass


def take_amounts(lot, tab, max_collateral, price, scale, base_scale, dust) -> tuple[int, int]:
    """DESIGN.md 4: buy up to max_collateral at price; never leave a tab in (0, dust) (Maker's
    chost rule: the owe becomes tab − dust, refused when tab ≤ dust)."""
    slice_ = min(lot, max_collateral)
    owe = owe_for(slice_, price, scale, base_scale)
    if owe > tab:
        owe = tab
        slice_ = slice_for(owe, price, scale, base_scale)
    elif owe < tab and slice_ < lot and tab - owe < dust:
        if tab <= dust:
            raise NoPartialPurchase(tab, dust)
        owe = tab - dust
        slice_ = slice_for(owe, price, scale, base_scale)
    return slice_, owe


def split_owe(owe: int, tab: int, debt_part: int, penalty: int) -> tuple[int, int]:
    """(repaid, penalty paid): p/(1+p) of owe to the fund (down), the rest repays the debt
    part; the take that clears the tab repays all the debt part that is left."""
    if owe == tab:
        repaid = debt_part
    else:
        repaid = min(owe - mul_div_down(owe, penalty, WAD + penalty), debt_part)
    return repaid, owe - repaid


# ============================================================== exits priced with known losses
def supplier_haircut(pending_loss: int, reserves: int, fund_assets: int, supplier_assets: int) -> int:
    return min(max(0, pending_loss - reserves - fund_assets), supplier_assets)


def supplier_exit_value(shares, supplier_assets, total_shares, haircut) -> int:
    return mul_div_down(shares, supplier_assets - haircut + 1, total_shares + 10**6)


def fund_pending_share(pending_loss: int, reserves: int, fund_assets: int) -> int:
    return min(fund_assets, max(0, pending_loss - reserves))


def fund_exit_value(shares, fund_assets, total_supply, pending_share) -> int:
    return mul_div_down(shares, fund_assets - pending_share + 1, total_supply + 10**6)


# ============================================================== chain helpers
def tx_from(who) -> dict:
    return {"from": who}


def open_position(market, who, collateral: dict[str, int], debt: int) -> None:
    """``who`` deposits ``collateral`` (token units by symbol) and borrows ``debt`` base units;
    it approves the pool for repayments."""
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


def price(market, symbol: str, usd) -> None:
    """Post a new round on a primary feed (between transactions, never inside one)."""
    set_price(market, symbol, str(usd))


def set_next_timestamp(ts: int) -> None:
    """The next mined block (transaction) gets exactly this timestamp (≥ the latest block's).
    Anvil refuses an earlier one with an error answer, not an exception: raise it."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [int(ts)])
    if answer.get("error"):
        raise RuntimeError(f"evm_setNextBlockTimestamp({ts}): {answer['error']}")


def refresh_at(market, ts: int) -> None:
    """Re-post every feed's latest answer at exactly ``ts``."""
    sender = {"from": market.config.governor()}
    for asset in [market.base, *market.collaterals.values()]:
        set_next_timestamp(ts)
        asset.feed.setPrice(asset.feed.latestRoundData()[1], sender)


def mine_at(ts: int) -> None:
    """Mine an empty block at ``ts`` (may equal the latest block's): views read at the latest
    block then see this time."""
    set_next_timestamp(ts)
    chain.mine()


def advance(market, seconds: int, refresh: bool = True) -> None:
    """Let ``seconds`` pass; by default re-post every feed so that no price goes stale."""
    chain.sleep(int(seconds))
    chain.mine()
    if refresh:
        refresh_feeds(market)


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
