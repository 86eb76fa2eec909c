"""Market parameter files: YAML in human units → on-chain integers.

The file format is documented by ``params/demo.yaml``. Structure and types are checked here
with readable messages; ``load_params`` then checks every bound of DESIGN.md 2 in Python
(``margincall.bounds``), naming the parameter, its value and the bound, before any transaction.
``MarketConfig`` checks them again on-chain; ``deploy.explain`` decodes what it still refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .bounds import bounds_message, check_bounds
from .units import scaled, to_decimal

DEMO_PARAMS = Path(__file__).parent / "params" / "demo.yaml"


class ParamsError(ValueError):
    """A parameter file that cannot describe a market."""


@dataclass(frozen=True)
class FeedSpec:
    decimals: int
    answer: int  # initial answer in the feed's decimals
    heartbeat: int  # [seconds]
    min_price: int  # [wad]
    max_price: int  # [wad]


@dataclass(frozen=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int
    feed: FeedSpec


@dataclass(frozen=True)
class CollateralSpec(TokenSpec):
    borrow_factor: int = 0  # [wad]
    liquidation_factor: int = 0  # [wad]
    liquidation_penalty: int = 0  # [wad]
    supply_cap: int = 0  # [token units]

    def params_tuple(self) -> tuple[int, int, int, int]:
        """The on-chain ``CollateralParams`` struct."""
        return (self.borrow_factor, self.liquidation_factor, self.liquidation_penalty, self.supply_cap)


@dataclass(frozen=True)
class MarketSpec:
    base: TokenSpec
    collaterals: dict[str, CollateralSpec]
    market: dict[str, int]  # MarketParams, on-chain units, in struct order
    interest: dict[str, int]  # [wad] base_rate, kink, kink_rate, max_rate
    max_deviation: int  # [wad]
    volatility: dict[str, int]  # oracle's vol_ref [wad], tau [seconds], max_rounds_per_poke
    liquidation: dict[str, int]  # LiquidationParams, on-chain units, in struct order
    auction: dict[str, Any]  # tail [s], hole [base units], curve {kind, cut [wad], step [s] | duration [s]}
    fund: dict[str, int]  # cooldown [s], window [s], dead_shares_deposit [base units]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def market_tuple(self) -> tuple[int, ...]:
        return tuple(self.market[k] for k in MARKET_KEYS)

    def liquidation_tuple(self) -> tuple[int, ...]:
        return tuple(self.liquidation[k] for k in LIQUIDATION_KEYS)


MARKET_KEYS = (
    "margin_call_hf",
    "grace_period",
    "target_hf",
    "full_liquidation_hf",
    "max_call_hf",
    "reserve_factor",
    "dust",
    "vol_slope",
    "exit_margin",
)
LIQUIDATION_KEYS = ("buf", "cusp", "tip", "chip")
INTEREST_KEYS = ("base_rate", "kink", "kink_rate", "max_rate")


def _need(section: dict, key: str, where: str) -> Any:
    if not isinstance(section, dict) or key not in section:
        raise ParamsError(f"{where}: missing '{key}'")
    return section[key]


def _int(value: Any, where: str) -> int:
    d = _decimal(value, where)
    if d != d.to_integral_value() or d < 0:
        raise ParamsError(f"{where}: {value!r} must be a whole, non-negative number")
    return int(d)


def _decimal(value: Any, where: str):
    if isinstance(value, bool):  # YAML's yes/no/true/false: not a number
        raise ParamsError(f"{where}: {value!r} is not a number")
    try:
        return to_decimal(value, where)
    except ValueError as e:
        raise ParamsError(f"{e}; write a plain number (e.g. 21600, 0.05, \"1.10\")") from None


def _scaled(value: Any, decimals: int, where: str) -> int:
    """A non-negative human amount in units of ``10**-decimals``: every amount, price, factor
    and rate of a market is at least 0 (the contracts take them as unsigned integers)."""
    d = _decimal(value, where)
    if d < 0:
        raise ParamsError(f"{where}: {value!r} must not be negative")
    try:
        result = scaled(d, decimals, where)
    except ValueError as e:
        raise ParamsError(str(e)) from None
    if result >= 2**256:
        raise ParamsError(f"{where}: {value!r} is too large")
    return result


def _wad(value: Any, where: str) -> int:
    return _scaled(value, 18, where)


def _feed(raw: dict, where: str) -> FeedSpec:
    decimals = _int(_need(raw, "decimals", where), f"{where}.decimals")
    answer = _scaled(_need(raw, "price", where), decimals, f"{where}.price")
    return FeedSpec(
        decimals=decimals,
        answer=answer,
        heartbeat=_int(_need(raw, "heartbeat", where), f"{where}.heartbeat"),
        min_price=_wad(_need(raw, "min_price", where), f"{where}.min_price"),
        max_price=_wad(_need(raw, "max_price", where), f"{where}.max_price"),
    )


def parse_params(raw: dict[str, Any]) -> MarketSpec:
    """Turn a parsed parameter file into on-chain units, or raise ``ParamsError``."""
    if not isinstance(raw, dict):
        raise ParamsError("parameter file: expected a mapping at the top level")
    base_raw = _need(raw, "base", "parameter file")
    base = TokenSpec(
        symbol=str(_need(base_raw, "symbol", "base")),
        name=str(base_raw.get("name", _need(base_raw, "symbol", "base"))),
        decimals=_int(_need(base_raw, "decimals", "base"), "base.decimals"),
        feed=_feed(_need(base_raw, "feed", "base"), "base.feed"),
    )
    collaterals: dict[str, CollateralSpec] = {}
    coll_raw = _need(raw, "collaterals", "parameter file")
    if not isinstance(coll_raw, dict) or not coll_raw:
        raise ParamsError("collaterals: list at least one collateral asset")
    if len(coll_raw) > 8:
        raise ParamsError(f"collaterals: at most 8 assets, got {len(coll_raw)}")
    for symbol, c in coll_raw.items():
        where = f"collaterals.{symbol}"
        if symbol == base.symbol:
            raise ParamsError(f"{where}: the base asset cannot be collateral")
        decimals = _int(_need(c, "decimals", where), f"{where}.decimals")
        cap = _scaled(_need(c, "supply_cap", where), decimals, f"{where}.supply_cap")
        collaterals[symbol] = CollateralSpec(
            symbol=symbol,
            name=str(c.get("name", symbol)),
            decimals=decimals,
            feed=_feed(_need(c, "feed", where), f"{where}.feed"),
            borrow_factor=_wad(_need(c, "borrow_factor", where), f"{where}.borrow_factor"),
            liquidation_factor=_wad(_need(c, "liquidation_factor", where), f"{where}.liquidation_factor"),
            liquidation_penalty=_wad(_need(c, "liquidation_penalty", where), f"{where}.liquidation_penalty"),
            supply_cap=cap,
        )

    m_raw = _need(raw, "market", "parameter file")
    market = {}
    for key in MARKET_KEYS:
        value = _need(m_raw, key, "market")
        if key == "grace_period":
            market[key] = _int(value, "market.grace_period")
        elif key == "dust":
            market[key] = _scaled(value, base.decimals, "market.dust")
        else:
            market[key] = _wad(value, f"market.{key}")

    i_raw = _need(raw, "interest", "parameter file")
    interest = {k: _wad(_need(i_raw, k, "interest"), f"interest.{k}") for k in INTEREST_KEYS}

    l_raw = _need(raw, "liquidation", "parameter file")
    liquidation = {}
    for key in LIQUIDATION_KEYS:
        value = _need(l_raw, key, "liquidation")
        if key == "tip":
            liquidation[key] = _scaled(value, base.decimals, "liquidation.tip")
        else:
            liquidation[key] = _wad(value, f"liquidation.{key}")

    o_raw = _need(raw, "oracle", "parameter file")
    max_dev = _wad(_need(o_raw, "max_deviation", "oracle"), "oracle.max_deviation")
    volatility = {
        "vol_ref": _wad(_need(o_raw, "vol_ref", "oracle"), "oracle.vol_ref"),
        "tau": _int(_need(o_raw, "vol_tau", "oracle"), "oracle.vol_tau"),
        "max_rounds": _int(_need(o_raw, "max_rounds_per_poke", "oracle"), "oracle.max_rounds_per_poke"),
    }
    curve_raw = _need(l_raw, "curve", "liquidation")
    kind = str(_need(curve_raw, "kind", "liquidation.curve"))
    curve: dict[str, Any] = {"kind": kind}
    if kind in ("stairstep", "exponential"):
        curve["cut"] = _wad(_need(curve_raw, "cut", "liquidation.curve"), "liquidation.curve.cut")
        if kind == "stairstep":
            curve["step"] = _int(_need(curve_raw, "step", "liquidation.curve"), "liquidation.curve.step")
    elif kind == "linear":
        curve["duration"] = _int(_need(curve_raw, "duration", "liquidation.curve"), "liquidation.curve.duration")
    else:
        raise ParamsError(f"liquidation.curve.kind: {kind!r} is not one of linear, exponential, stairstep")
    hole = _scaled(_need(l_raw, "hole", "liquidation"), base.decimals, "liquidation.hole")
    f_raw = _need(raw, "insurance_fund", "parameter file")
    dead = _scaled(_need(f_raw, "dead_shares_deposit", "insurance_fund"), base.decimals, "insurance_fund.dead_shares_deposit")
    auction = {"tail": _int(_need(l_raw, "tail", "liquidation"), "liquidation.tail"), "hole": hole, "curve": curve}
    fund = {
        "cooldown": _int(_need(f_raw, "cooldown", "insurance_fund"), "insurance_fund.cooldown"),
        "window": _int(_need(f_raw, "window", "insurance_fund"), "insurance_fund.window"),
        "dead_shares_deposit": dead,
    }
    return MarketSpec(base, collaterals, market, interest, max_dev, volatility, liquidation, auction, fund, raw)


def load_params(path: str | Path = DEMO_PARAMS) -> MarketSpec:
    """Read a YAML parameter file (default: the demo market)."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"parameter file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ParamsError(f"{path}: not valid YAML ({e})") from None
    spec = parse_params(raw)
    violations = check_bounds(spec)
    if violations:
        raise ParamsError(bounds_message(violations, path))
    return spec


def human(spec: MarketSpec) -> dict[str, Any]:
    """The parameters as written in the file (for the deployment record)."""
    return spec.raw
