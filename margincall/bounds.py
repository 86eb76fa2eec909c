"""The hard bounds of DESIGN.md 2 (and each contract's own limits), checked in Python before
any transaction, so that a wrong parameter file is refused with the parameter's name as written
in the file, its value, the bound and, for a joint bound, the other parameters it ties.

The arithmetic mirrors the contracts' (``MarketConfig._checkRiskBounds``, the oracle's
``setFeed`` and ``setVolatilityParams``, the rate model's, curves', fund's and liquidator's
constructors), rounding included, so a file these checks pass is not refused on-chain for a
bound. Each violation carries the name of the on-chain error it would have caused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .params import MarketSpec

WAD = 10**18
HOUR, DAY = 3600, 86400
MAX_TOKEN_DECIMALS = 36
MAX_HF_LEVEL = 2 * WAD
MAX_RESERVE_FACTOR = WAD // 2
MAX_VOL_PARAM = 10 * WAD
MIN_EXIT_MARGIN, MAX_EXIT_MARGIN = WAD // 100, WAD // 5
MAX_RATE = 10 * WAD
MAX_DEVIATION = WAD // 2
UINT128_MAX = 2**128 - 1


@dataclass(frozen=True)
class Violation:
    """One broken bound: ``rule`` is the on-chain error it would cause."""

    rule: str
    param: str  # as written in the file, e.g. ``collaterals.WETH.liquidation_factor``
    value: Any  # as written in the file
    bound: str  # what the value must satisfy, with the numbers
    involved: tuple[tuple[str, Any], ...] = ()  # a joint bound: every parameter it ties

    def __str__(self) -> str:
        text = f"{self.rule}: {self.param} = {self.value} {self.bound}"
        if self.involved:
            text += "; the file has " + ", ".join(f"{p} = {v}" for p, v in self.involved)
        return text


def _mul_up(a: int, b: int) -> int:
    return -(-a * b // WAD)


def _mul_down(a: int, b: int) -> int:
    return a * b // WAD


def _human(x: int, decimals: int = 18) -> str:
    """An on-chain integer in human units, without trailing zeros (for computed bounds)."""
    sign, x = ("-" if x < 0 else ""), abs(x)
    whole, frac = divmod(x, 10**decimals)
    text = f"{whole:,}"
    if frac:
        text += "." + f"{frac:0{decimals}d}".rstrip("0")
    return sign + text


def check_bounds(spec: MarketSpec) -> list[Violation]:
    """Every bound ``spec`` breaks, in file order (empty when the market can be deployed)."""
    raw = spec.raw if isinstance(spec.raw, dict) else {}
    out: list[Violation] = []

    def written(path: str, fallback: Any = None) -> Any:
        node: Any = raw
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return fallback
            node = node[part]
        return node

    def fail(rule: str, param: str, value_int: Any, bound: str, involved: tuple[str, ...] = ()) -> None:
        out.append(
            Violation(
                rule,
                param,
                written(param, value_int),
                bound,
                tuple((p, written(p, "?")) for p in involved),
            )
        )

    def within(rule: str, param: str, value: int, lo: int | None, hi: int | None, unit: str = "", decimals: int = 18):
        lo_ok = lo is None or value >= lo
        hi_ok = hi is None or value <= hi
        if lo_ok and hi_ok:
            return
        show = (lambda v: f"{v:,}{unit}") if decimals == 0 else (lambda v: _human(v, decimals) + unit)
        if lo is not None and hi is not None:
            fail(rule, param, value, f"is outside [{show(lo)}, {show(hi)}]")
        elif lo is not None:
            fail(rule, param, value, f"must be at least {show(lo)}")
        else:
            fail(rule, param, value, f"must be at most {show(hi)}")

    # ------------------------------------------------------------ tokens and feeds
    tokens = [("base", spec.base)] + [(f"collaterals.{s}", c) for s, c in spec.collaterals.items()]
    for where, token in tokens:
        within("UnsupportedToken", f"{where}.decimals", token.decimals, None, MAX_TOKEN_DECIMALS, decimals=0)
        feed = token.feed
        within("BadFeedDecimals", f"{where}.feed.decimals", feed.decimals, None, MAX_TOKEN_DECIMALS, decimals=0)
        within("BadHeartbeat", f"{where}.feed.heartbeat", feed.heartbeat, 60, 7 * DAY, " s", 0)
        if feed.min_price == 0:
            fail("BadPriceBounds", f"{where}.feed.min_price", 0, "must be above 0")
        if feed.min_price >= feed.max_price:
            fail(
                "BadPriceBounds",
                f"{where}.feed.max_price",
                feed.max_price,
                f"must be above {where}.feed.min_price",
                (f"{where}.feed.min_price", f"{where}.feed.max_price"),
            )
        within("BadPriceBounds", f"{where}.feed.max_price", feed.max_price, None, UINT128_MAX)
        d = feed.decimals
        price = feed.answer * 10 ** (18 - d) if d <= 18 else feed.answer // 10 ** (d - 18)
        if feed.min_price < feed.max_price and not feed.min_price <= price <= feed.max_price:
            fail(
                "PriceOutOfBounds",
                f"{where}.feed.price",
                price,
                f"is outside [{where}.feed.min_price, {where}.feed.max_price]: the oracle would refuse it",
                (f"{where}.feed.min_price", f"{where}.feed.max_price"),
            )

    # ------------------------------------------------------------ the health ladder (MarketConfig)
    m = spec.market
    ladder = ("market.full_liquidation_hf", "market.margin_call_hf", "market.target_hf")
    rule = "full_liquidation_hf <= 1 < margin_call_hf <= target_hf <= 2"
    if m["full_liquidation_hf"] > WAD:
        fail("BadHealthLadder", "market.full_liquidation_hf", m["full_liquidation_hf"], f"must be at most 1 ({rule})", ladder)
    if m["margin_call_hf"] <= WAD:
        fail("BadHealthLadder", "market.margin_call_hf", m["margin_call_hf"], f"must be above 1 ({rule})", ladder)
    if m["target_hf"] < m["margin_call_hf"]:
        fail(
            "BadHealthLadder",
            "market.target_hf",
            m["target_hf"],
            f"must be at least market.margin_call_hf ({rule})",
            ladder,
        )
    if m["target_hf"] > MAX_HF_LEVEL:
        fail("BadHealthLadder", "market.target_hf", m["target_hf"], f"must be at most 2 ({rule})", ladder)
    if m["max_call_hf"] < m["margin_call_hf"]:
        fail(
            "BadMaxCallHF",
            "market.max_call_hf",
            m["max_call_hf"],
            "must be at least market.margin_call_hf (margin_call_hf <= max_call_hf <= 2)",
            ("market.margin_call_hf", "market.max_call_hf"),
        )
    within("BadMaxCallHF", "market.max_call_hf", m["max_call_hf"], None, MAX_HF_LEVEL)
    within("BadGracePeriod", "market.grace_period", m["grace_period"], HOUR, DAY, " s", 0)
    within("BadReserveFactor", "market.reserve_factor", m["reserve_factor"], None, MAX_RESERVE_FACTOR)
    within("BadDust", "market.dust", m["dust"], 1, UINT128_MAX, f" {spec.base.symbol}", spec.base.decimals)
    within("BadVolatilityParams", "market.vol_slope", m["vol_slope"], None, MAX_VOL_PARAM)
    within("BadExitMargin", "market.exit_margin", m["exit_margin"], MIN_EXIT_MARGIN, MAX_EXIT_MARGIN)

    # ------------------------------------------------------------ per collateral, joint
    for symbol, c in spec.collaterals.items():
        where = f"collaterals.{symbol}"
        lf, p, bf = c.liquidation_factor, c.liquidation_penalty, c.borrow_factor
        if lf == 0:
            fail("PenaltyTooHigh", f"{where}.liquidation_factor", lf, "must be above 0")
        elif _mul_up(lf, WAD + p) >= WAD:
            # a factor of 1 or more is wrong whatever the penalty; else the penalty is too high for it
            param, value = (f"{where}.liquidation_factor", lf) if lf >= WAD else (f"{where}.liquidation_penalty", p)
            fail(
                "PenaltyTooHigh",
                param,
                value,
                f"is too high: liquidation_factor × (1 + liquidation_penalty)"
                f" = {_human(_mul_up(lf, WAD + p))} must be below 1 (seizing all collateral must cover its tab)",
                (f"{where}.liquidation_factor", f"{where}.liquidation_penalty"),
            )
        if _mul_up(bf, m["margin_call_hf"]) > lf:
            fail(
                "BorrowFactorTooHigh",
                f"{where}.borrow_factor",
                bf,
                f"is too high: borrow_factor × market.margin_call_hf = {_human(_mul_up(bf, m['margin_call_hf']))}"
                f" must be at most {where}.liquidation_factor",
                (f"{where}.borrow_factor", "market.margin_call_hf", f"{where}.liquidation_factor"),
            )

    # ------------------------------------------------------------ interest curve
    i = spec.interest
    curve_rule = "0 < kink < 1 and base_rate <= kink_rate <= max_rate <= 10"
    if not 0 < i["kink"] < WAD:
        fail("BadRateCurve", "interest.kink", i["kink"], "must be above 0 and below 1", ())
    if i["base_rate"] > i["kink_rate"]:
        fail(
            "BadRateCurve",
            "interest.base_rate",
            i["base_rate"],
            f"must be at most interest.kink_rate ({curve_rule})",
            ("interest.base_rate", "interest.kink_rate"),
        )
    if i["kink_rate"] > i["max_rate"]:
        fail(
            "BadRateCurve",
            "interest.kink_rate",
            i["kink_rate"],
            f"must be at most interest.max_rate ({curve_rule})",
            ("interest.kink_rate", "interest.max_rate"),
        )
    within("BadRateCurve", "interest.max_rate", i["max_rate"], None, MAX_RATE)

    # ------------------------------------------------------------ oracle
    within("BadMaxDeviation", "oracle.max_deviation", spec.max_deviation, 1, MAX_DEVIATION)
    v = spec.volatility
    within("BadVolatilityParams", "oracle.vol_ref", v["vol_ref"], 1, MAX_VOL_PARAM)
    within("BadVolatilityParams", "oracle.vol_tau", v["tau"], 60, 30 * DAY, " s", 0)
    within("BadVolatilityParams", "oracle.max_rounds_per_poke", v["max_rounds"], 1, 64, decimals=0)

    # ------------------------------------------------------------ liquidation (joint with the penalties)
    liq = spec.liquidation
    within("BadAuctionCurve", "liquidation.buf", liq["buf"], WAD, 2 * WAD)
    if not 0 < liq["cusp"] < WAD:
        fail("BadAuctionCurve", "liquidation.cusp", liq["cusp"], "must be above 0 and below 1")
    penalties = {s: c.liquidation_penalty for s, c in spec.collaterals.items()}
    if penalties and 0 < liq["cusp"] < WAD and WAD <= liq["buf"] <= 2 * WAD:
        worst = max(penalties, key=penalties.get)
        if 2 * _mul_down(liq["cusp"], liq["buf"]) < WAD + penalties[worst]:
            fail(
                "BadAuctionCurve",
                "liquidation.cusp",
                liq["cusp"],
                f"is too low: cusp × buf = {_human(_mul_down(liq['cusp'], liq['buf']))} must be at least"
                f" (1 + the largest penalty) / 2 = {_human((WAD + penalties[worst]) // 2)}"
                " (a self-kick then a self-take must lose money)",
                ("liquidation.cusp", "liquidation.buf", f"collaterals.{worst}.liquidation_penalty"),
            )
        least = min(penalties, key=penalties.get)
        incentive = liq["tip"] + _mul_up(liq["chip"], m["dust"])
        allowed = _mul_down(penalties[least], m["dust"]) // 2
        if incentive > allowed:
            b, sym = spec.base.decimals, spec.base.symbol
            fail(
                "KeeperIncentiveTooHigh",
                "liquidation.tip",
                liq["tip"],
                f"is too high: tip + chip × market.dust = {_human(incentive, b)} {sym} must be at most"
                f" the smallest penalty × dust / 2 = {_human(allowed, b)} {sym}"
                " (a self-kick then a self-take must lose money)",
                ("liquidation.tip", "liquidation.chip", "market.dust", f"collaterals.{least}.liquidation_penalty"),
            )

    # ------------------------------------------------------------ auctions and the fund
    a = spec.auction
    within("BadParam", "liquidation.tail", a["tail"], 600, 7 * DAY, " s", 0)
    within("BadParam", "liquidation.hole", a["hole"], 1, 2**128 - 1, f" {spec.base.symbol}", spec.base.decimals)
    curve = a["curve"]
    if "cut" in curve and not 0 < curve["cut"] < WAD:
        fail("BadCurve", "liquidation.curve.cut", curve["cut"], "must be above 0 and below 1")
    if "step" in curve:
        within("BadCurve", "liquidation.curve.step", curve["step"], 1, None, " s", 0)
    if "duration" in curve:
        within("BadDuration", "liquidation.curve.duration", curve["duration"], 1, None, " s", 0)
    f = spec.fund
    within("InvalidSchedule", "insurance_fund.cooldown", f["cooldown"], HOUR, 30 * DAY, " s", 0)
    within("InvalidSchedule", "insurance_fund.window", f["window"], HOUR, 30 * DAY, " s", 0)
    return out


def bounds_message(violations: list[Violation], source: object = None) -> str:
    """The refusal printed for a file that breaks bounds: one line per broken bound."""
    where = f"; nothing deployed ({source})" if source is not None else "; nothing deployed"
    if len(violations) == 1:
        return f"the market refused its parameters: {violations[0]}{where}"
    lines = "\n  ".join(str(v) for v in violations)
    return f"the market refused its parameters ({len(violations)} bounds broken{where}):\n  {lines}"
