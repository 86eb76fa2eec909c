"""The one way to deploy a Margin Call Lab market, used by scripts, tests and the CLI.

Order of deployment (each step asserted afterwards):

1. mock tokens: the base asset and every collateral (``MockERC20``, decimals from the file);
2. mock Chainlink feeds (``MockAggregator``) at the file's initial prices;
3. the auction price curve;
4. ``OracleAdapter`` with every primary feed, its heartbeat and its price bounds, governed by the
   market's config (one governor);
5. ``InterestRateModel`` (kinked curve);
6. ``MarketConfig`` (roles and the jointly bounded risk parameters), naming its pool;
7. ``LendingPool``, naming its fund and liquidator (they share its reentrancy lock);
8. ``InsuranceFund`` and ``DutchAuctionLiquidator`` (or, with ``liquidator="fixed-spread"``, the
   lab's Aave-style ``FixedSpreadLiquidator`` baseline), then the read-only ``PoolLens``;
9. every collateral listed with its parameters, and the fund's dead shares.

Every link between the contracts is immutable: steps 4–8 are sent back to back and each names the
ones after it at the address precomputed from the signer's nonce (docs/ARCHITECTURE.md).

``deploy_market(chain, spec)`` sends every transaction from the session's signer (the
governor) through web3.py; it returns a ``Market`` of typed handles. ``load_deployment``
reads a ``deployments/<chain-id>.json`` record back into one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.utils.address import get_create_address

from .errors import HarnessError, ProtocolError
from .bounds import bounds_message, check_bounds
from .params import MarketSpec, ParamsError, load_params, parse_params
from .session import Chain, Handle, address_of


class DeployError(HarnessError):
    """A deployment that did not produce the market its parameter file describes, or a
    deployment record that does not describe a market on the connected chain."""


@dataclass
class Asset:
    symbol: str
    token: Handle  # MockERC20
    feed: Handle  # MockAggregator (primary feed)
    decimals: int


@dataclass
class Market:
    """Handles on a deployed market, the spec it came from and the session that reaches it."""

    chain: Chain
    spec: MarketSpec
    chain_id: int
    block: int  # the deployment's first block: where event scans start
    oracle: Handle
    rate_model: Handle
    config: Handle
    pool: Handle
    lens: Handle
    fund: Handle
    liquidator: Handle
    curve: Handle
    base: Asset
    collaterals: dict[str, Asset] = field(default_factory=dict)
    liquidator_kind: str = "dutch"  # a key of LIQUIDATORS

    @property
    def core(self) -> Market:
        """The market itself; a framework's view of a market (tests' Brownie objects) has a
        ``core`` too, so the helpers of ``margincall.chain`` take either."""
        return self

    def asset(self, symbol: str) -> Asset:
        """The base asset or a collateral, by symbol."""
        if symbol == self.base.symbol:
            return self.base
        if symbol not in self.collaterals:
            raise HarnessError(f"{symbol} is not an asset of this market ({self.base.symbol}, {', '.join(self.collaterals)})")
        return self.collaterals[symbol]

    def record(self) -> dict[str, Any]:
        """The deployment record of DESIGN.md 9."""
        return {
            "chainId": self.chain_id,
            "block": self.block,
            "liquidator": self.liquidator_kind,
            "contracts": {
                "LendingPool": self.pool.address,
                "MarketConfig": self.config.address,
                "OracleAdapter": self.oracle.address,
                "InterestRateModel": self.rate_model.address,
                "PoolLens": self.lens.address,
                "InsuranceFund": self.fund.address,
                LIQUIDATORS[self.liquidator_kind]: self.liquidator.address,
                "PriceCurve": self.curve.address,
            },
            "base": {"symbol": self.base.symbol, "token": self.base.token.address, "feed": self.base.feed.address},
            "collaterals": {
                s: {"token": a.token.address, "feed": a.feed.address} for s, a in self.collaterals.items()
            },
            "params": self.spec.raw,
        }


DEAD = "0x000000000000000000000000000000000000dEaD"

_CURVES = {"stairstep": "StairstepExponentialDecrease", "exponential": "ExponentialDecrease", "linear": "LinearDecrease"}


# liquidator kind → contract name (also its key in the deployment record)
LIQUIDATORS = {"dutch": "DutchAuctionLiquidator", "fixed-spread": "FixedSpreadLiquidator"}


def deploy_market(
    chain: Chain,
    spec: MarketSpec | None = None,
    guardian: Any = None,
    check: bool = True,
    liquidator: str = "dutch",
) -> Market:
    """Deploy the whole market described by ``spec`` (default: the demo market).

    The session's signer deploys and governs; ``guardian`` (an address, default the governor)
    may pause. ``liquidator``: ``"dutch"`` (the protocol's ``DutchAuctionLiquidator``) or
    ``"fixed-spread"`` (the lab's Aave-style baseline, for replays; the curve is deployed unused).
    Raises ``DeployError`` before any transaction when ``spec`` breaks a bound of DESIGN.md 2
    (``margincall.bounds``; ``check=False`` skips that, for tests of the on-chain checks), and
    with the on-chain error decoded when the chain still refuses a parameter."""
    if liquidator not in LIQUIDATORS:
        raise DeployError(f"unknown liquidator {liquidator!r}: choose one of {', '.join(LIQUIDATORS)}")
    kind = liquidator
    spec = spec or load_params()
    violations = check_bounds(spec)  # before any transaction: nothing deployed for a wrong file
    if violations and check:
        raise DeployError(bounds_message(violations))
    governor = chain.signer_for(None).address
    guardian = address_of(guardian) if guardian is not None else governor
    first_block = chain.block_number() + 1

    symbols: dict[str, str] = {}  # token address -> symbol, to name the asset of a refusal

    def token_and_feed(symbol: str, name: str, decimals: int, feed_spec) -> Asset:
        token = chain.deploy("MockERC20", name, symbol, decimals)
        symbols[token.address] = symbol
        feed = chain.deploy("MockAggregator", feed_spec.decimals, f"{symbol} / USD", feed_spec.answer)
        return Asset(symbol, token, feed, decimals)

    try:
        base = token_and_feed(spec.base.symbol, spec.base.name, spec.base.decimals, spec.base.feed)
        collaterals = {s: token_and_feed(s, c.name, c.decimals, c.feed) for s, c in spec.collaterals.items()}

        vol = spec.volatility
        feeds = [
            (asset.token, asset.feed, feed_spec.heartbeat, feed_spec.min_price, feed_spec.max_price)
            for asset, feed_spec in [(base, spec.base.feed)] + [(collaterals[s], c.feed) for s, c in spec.collaterals.items()]
        ]
        curve = _deploy_curve(chain, spec.auction["curve"])
        # one governor and immutable links: the oracle obeys the config, the config names the
        # pool, the pool its fund and liquidator; each is deployed next, in this order, at the
        # address precomputed from the signer's nonce (a contract that finds itself unnamed
        # refuses to deploy, so a missed prediction cannot leave a half-linked market)
        nonce = chain.w3.eth.get_transaction_count(governor, "pending")
        config_address, pool_address, fund_address, liquidator_address = (
            Web3.to_checksum_address(get_create_address(governor, nonce + k)) for k in (2, 3, 4, 5)
        )
        oracle = chain.deploy(
            "OracleAdapter", config_address, spec.max_deviation, vol["vol_ref"], vol["tau"], vol["max_rounds"], feeds
        )
        i = spec.interest
        rate_model = chain.deploy("InterestRateModel", i["base_rate"], i["kink"], i["kink_rate"], i["max_rate"])
        # off config_address, the config refuses the oracle (OracleOfAnotherGovernance, in _RULES)
        config = chain.deploy(
            "MarketConfig",
            base.token,
            oracle,
            rate_model,
            pool_address,
            governor,
            guardian,
            spec.market_tuple(),
            spec.liquidation_tuple(),
        )
        pool = chain.deploy("LendingPool", config, liquidator_address, fund_address)
        fund = chain.deploy(
            "InsuranceFund", pool, "Margin Call Lab Insurance", "mclINS", spec.fund["cooldown"], spec.fund["window"]
        )
        if kind == "dutch":
            liquidator = chain.deploy("DutchAuctionLiquidator", pool, fund, curve, spec.auction["tail"], spec.auction["hole"])
        else:
            liquidator = chain.deploy("FixedSpreadLiquidator", pool, fund)
        lens = chain.deploy("PoolLens", pool)
        for symbol, c in spec.collaterals.items():
            config.send.listCollateral(collaterals[symbol].token, c.params_tuple())
        # dead shares: the first depositor of the fund is nobody (inflation attack, DESIGN.md 5)
        dead = spec.fund["dead_shares_deposit"]
        if dead:
            base.token.send.mint(governor, dead)
            base.token.send.approve(fund, dead)
            fund.send.deposit(dead, DEAD)
    except ProtocolError as exc:  # a refused parameter: say which rule and the values it saw
        raise DeployError(f"the market refused its parameters: {explain(exc, spec, symbols)}") from None

    market = Market(
        chain=chain,
        spec=spec,
        chain_id=chain.chain_id,
        block=first_block,
        oracle=oracle,
        rate_model=rate_model,
        config=config,
        pool=pool,
        lens=lens,
        fund=fund,
        liquidator=liquidator,
        liquidator_kind=kind,
        curve=curve,
        base=base,
        collaterals=collaterals,
    )
    check_deployment(market)
    return market


# The rule behind each refusal of the market's contracts, and the file's fields it reads
# ("{asset}" is the refused asset's section, ``collaterals.<SYMBOL>``)
_RULES = {
    "BadHealthLadder": (
        "needs full_liquidation_hf <= 1 < margin_call_hf <= target_hf <= 2",
        ("market.full_liquidation_hf", "market.margin_call_hf", "market.target_hf"),
    ),
    "BadMaxCallHF": ("needs margin_call_hf <= max_call_hf <= 2", ("market.margin_call_hf", "market.max_call_hf")),
    "BadGracePeriod": ("needs 3600 <= grace_period <= 86400 seconds", ("market.grace_period",)),
    "BadReserveFactor": ("needs reserve_factor <= 0.5", ("market.reserve_factor",)),
    "BadDust": ("needs dust above 0", ("market.dust",)),
    "BadVolatilityParams": (
        "needs vol_slope <= 10, 0 < vol_ref <= 10, 60 s <= vol_tau <= 30 days, 1 <= max_rounds_per_poke <= 64",
        ("market.vol_slope", "oracle.vol_ref", "oracle.vol_tau", "oracle.max_rounds_per_poke"),
    ),
    "BadExitMargin": ("needs 0.01 <= exit_margin <= 0.2", ("market.exit_margin",)),
    "OracleOfAnotherGovernance": (
        "the config is not at the address the oracle reads its governor from: another transaction of"
        " the signer came in between the two; deploy again",
        (),
    ),
    "BadAuctionCurve": (
        "needs 1 <= buf <= 2, 0 < cusp < 1 and cusp x buf >= (1 + the largest penalty) / 2",
        ("liquidation.buf", "liquidation.cusp"),
    ),
    "KeeperIncentiveTooHigh": (
        "needs tip + chip x dust <= the smallest liquidation_penalty x dust / 2",
        ("liquidation.tip", "liquidation.chip", "market.dust"),
    ),
    "PenaltyTooHigh": (
        "needs liquidation_factor > 0 and liquidation_factor x (1 + liquidation_penalty) < 1",
        ("{asset}.liquidation_factor", "{asset}.liquidation_penalty"),
    ),
    "BorrowFactorTooHigh": (
        "needs borrow_factor x margin_call_hf <= liquidation_factor",
        ("{asset}.borrow_factor", "market.margin_call_hf", "{asset}.liquidation_factor"),
    ),
    "BadRateCurve": (
        "needs 0 < kink < 1 and base_rate <= kink_rate <= max_rate <= 10",
        ("interest.base_rate", "interest.kink", "interest.kink_rate", "interest.max_rate"),
    ),
    "BadMaxDeviation": ("needs 0 < max_deviation <= 0.5", ("oracle.max_deviation",)),
    "InvalidSchedule": (
        "needs cooldown and window each within [1 h, 30 days]",
        ("insurance_fund.cooldown", "insurance_fund.window"),
    ),
}


def explain(error: ProtocolError, spec: MarketSpec, symbols: dict[str, str] | None = None) -> str:
    """An on-chain refusal as ``Name: args`` with token addresses shown as their symbols, then
    the rule and the file's values it read (for an asset's error, that asset's values)."""
    symbols = {Web3.to_checksum_address(a): s for a, s in (symbols or {}).items()}
    asset = None
    shown = []
    for arg in error.args_:
        if isinstance(arg, str) and Web3.is_address(arg) and Web3.to_checksum_address(arg) in symbols:
            asset = symbols[Web3.to_checksum_address(arg)]
            shown.append(f"{asset} ({arg})")
        else:
            shown.append(str(arg))
    text = f"{error.name}: {', '.join(shown)}" if shown else error.name
    rule = _RULES.get(error.name)
    if rule is None:
        return text
    why, fields = rule
    where = "base" if asset == spec.base.symbol else f"collaterals.{asset}"
    fields = tuple(f.format(asset=where) for f in fields if asset is not None or "{asset}" not in f)
    raw = spec.raw if isinstance(spec.raw, dict) else {}

    def written(path: str) -> object:
        node: object = raw
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    values = ", ".join(f"{f} = {written(f)}" for f in fields)
    return f"{text} ({why}; the file has {values})" if values else f"{text} ({why})"


def _deploy_curve(chain: Chain, curve: dict) -> Handle:
    name = _CURVES[curve["kind"]]
    if curve["kind"] == "stairstep":
        return chain.deploy(name, curve["cut"], curve["step"])
    if curve["kind"] == "exponential":
        return chain.deploy(name, curve["cut"])
    return chain.deploy(name, curve["duration"])


def check_deployment(market: Market) -> None:
    """Post-deploy assertions: every contract wired and every parameter as the file says."""
    spec = market.spec
    problems: list[str] = []

    def expect(what: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{what}: on-chain {got!r}, expected {want!r}")

    pool, config, oracle = market.pool.call, market.config.call, market.oracle.call
    expect("pool.config", pool.config(), market.config.address)
    expect("config.pool", config.pool(), market.pool.address)
    expect("pool.baseToken", pool.baseToken(), market.base.token.address)
    expect("lens.pool", market.lens.call.pool(), market.pool.address)
    expect("pool.liquidator", pool.liquidator(), market.liquidator.address)
    expect("pool.insuranceFund", pool.insuranceFund(), market.fund.address)
    if market.liquidator_kind == "dutch":
        expect("liquidator.hole", market.liquidator.call.hole(), spec.auction["hole"])
    expect("fund dead shares", market.fund.call.totalAssets(), spec.fund["dead_shares_deposit"])
    expect("oracle.volRef", oracle.volRef(), spec.volatility["vol_ref"])
    expect("config.marketParams", tuple(config.marketParams()), spec.market_tuple())
    expect("config.liquidationParams", tuple(config.liquidationParams()), spec.liquidation_tuple())
    for symbol, c in spec.collaterals.items():
        info = config.collateralInfo(market.collaterals[symbol].token.address)
        expect(f"{symbol} listed", info.listed, True)
        expect(f"{symbol} decimals", info.decimals, c.decimals)
        expect(
            f"{symbol} params",
            (info.borrowFactor, info.liquidationFactor, info.liquidationPenalty, info.supplyCap),
            c.params_tuple(),
        )
        d = c.feed.decimals
        wad_price = c.feed.answer * 10 ** (18 - d) if d <= 18 else c.feed.answer // 10 ** (d - 18)
        expect(f"{symbol} price", oracle.getPrice(market.collaterals[symbol].token.address), wad_price)
    if problems:
        raise DeployError("deployment check failed:\n  " + "\n  ".join(problems))


def write_deployment(market: Market, directory: str | Path = "deployments", extra: dict | None = None) -> Path:
    """Write ``deployments/<chain-id>.json`` and return its path. ``extra`` adds fields to the
    record (``rpcUrl``; ``keeper``: the FlashTaker and MockAMMs ``margincall up`` deployed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{market.chain_id}.json"
    path.write_text(json.dumps({**market.record(), **(extra or {})}, indent=2, default=str) + "\n")
    return path


def read_record(path: str | Path) -> dict[str, Any]:
    """A deployment record, checked for shape (not against a chain). Raises ``DeployError``
    naming the file and the field that is wrong."""
    path = Path(path)
    if not path.is_file():
        raise DeployError(f"deployment file not found: {path}")
    try:
        record = json.loads(path.read_text())
    except ValueError as exc:
        raise DeployError(f"{path}: not JSON ({exc}); write it again with `margincall deploy`") from None
    try:
        if not isinstance(record, dict):
            raise TypeError("expected a JSON object")
        int(record["chainId"]), int(record["block"])
        parse_params(record["params"])
        addresses = [(f"contracts.{k}", v) for k, v in record["contracts"].items()]
        addresses += [("base.token", record["base"]["token"]), ("base.feed", record["base"]["feed"])]
        for symbol, entry in record["collaterals"].items():
            addresses += [(f"collaterals.{symbol}.token", entry["token"]), (f"collaterals.{symbol}.feed", entry["feed"])]
        missing = [c for c in _CONTRACTS if c not in record["contracts"]]
        kind = record.get("liquidator")
        if kind is not None and kind not in LIQUIDATORS:
            raise ValueError(f"liquidator is {kind!r}, not one of {', '.join(LIQUIDATORS)}")
        if kind is not None and LIQUIDATORS[kind] not in record["contracts"]:
            missing.append(f"contracts.{LIQUIDATORS[kind]}, the liquidator it names")
        elif not any(name in record["contracts"] for name in LIQUIDATORS.values()):
            missing.append(" or ".join(LIQUIDATORS.values()))
        if missing:
            raise KeyError(", ".join(missing))
    except KeyError as exc:
        raise DeployError(f"{path}: not a deployment record (missing {exc.args[0]})") from None
    except (ValueError, TypeError, AttributeError, ParamsError) as exc:
        raise DeployError(f"{path}: not a deployment record ({exc})") from None
    for where, address in addresses:
        if not isinstance(address, str) or not Web3.is_address(address):
            raise DeployError(f"{path}: {where} is {address!r}, not an address (0x and 40 hex digits)")
    return record


_CONTRACTS = (
    "LendingPool",
    "MarketConfig",
    "OracleAdapter",
    "InterestRateModel",
    "PoolLens",
    "InsuranceFund",
    "PriceCurve",
)  # and one of LIQUIDATORS


def load_deployment(chain: Chain, path: str | Path) -> Market:
    """The market recorded in ``path`` (``write_deployment``), as handles on ``chain``.

    Raises ``DeployError`` when the file is missing or unreadable, was written for another
    chain, or names an address without code (a chain restarted since). ``check_deployment`` is
    not rerun: governance may have changed parameters since, and the fund's assets have moved."""
    path = Path(path)
    record = read_record(path)
    contracts, chain_id = record["contracts"], int(record["chainId"])
    spec = parse_params(record["params"])
    if chain_id != chain.chain_id:
        raise DeployError(f"{path} is a deployment on chain {chain_id}, but the connected chain is {chain.chain_id}")

    def at(name: str, address: str) -> Handle:
        if len(chain.w3.eth.get_code(Web3.to_checksum_address(address))) == 0:
            raise DeployError(
                f"{path}: no {name} at {address} on chain {chain_id} (was the chain restarted? deploy again)"
            )
        return chain.contract(name, address)

    def asset(symbol: str, entry: dict) -> Asset:
        token = at("MockERC20", entry["token"])
        return Asset(symbol, token, at("MockAggregator", entry["feed"]), token.call.decimals())

    # the kind the record names (records written before it did: the liquidator contract it lists)
    kind = record.get("liquidator") or next(k for k, name in LIQUIDATORS.items() if name in contracts)

    return Market(
        chain=chain,
        spec=spec,
        chain_id=chain_id,
        block=int(record["block"]),
        oracle=at("OracleAdapter", contracts["OracleAdapter"]),
        rate_model=at("InterestRateModel", contracts["InterestRateModel"]),
        config=at("MarketConfig", contracts["MarketConfig"]),
        pool=at("LendingPool", contracts["LendingPool"]),
        lens=at("PoolLens", contracts["PoolLens"]),
        fund=at("InsuranceFund", contracts["InsuranceFund"]),
        liquidator=at(LIQUIDATORS[kind], contracts[LIQUIDATORS[kind]]),
        curve=at(_CURVES[spec.auction["curve"]["kind"]], contracts["PriceCurve"]),
        base=asset(record["base"]["symbol"], record["base"]),
        collaterals={s: asset(s, e) for s, e in record["collaterals"].items()},
        liquidator_kind=kind,
    )
