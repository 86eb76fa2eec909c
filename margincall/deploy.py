"""The one way to deploy a Margin Call Lab market, used by scripts, tests and the CLI.

Order of deployment (each step asserted afterwards):

1. mock tokens: the base asset and every collateral (``MockERC20``, decimals from the file);
2. mock Chainlink feeds (``MockAggregator``) at the file's initial prices;
3. ``OracleAdapter`` with every feed, its heartbeat and its price bounds;
4. ``InterestRateModel`` (kinked curve);
5. ``MarketConfig`` (roles and the jointly bounded risk parameters), then ``LendingPool``,
   bound to each other, and the read-only ``PoolLens``;
6. the auction price curve, ``InsuranceFund`` and ``DutchAuctionLiquidator`` (or, with
   ``liquidator="fixed-spread"``, the lab's ``FixedSpreadLiquidator`` baseline, issue 11), wired
   to the pool (they share its reentrancy lock), and the fund's dead shares;
7. every collateral listed with its parameters.

``deploy_market`` takes a Brownie project (anything with the contract containers as
attributes) and the governor account that sends every transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brownie import chain

from .params import MarketSpec, ParamsError, load_params, parse_params


class DeployError(RuntimeError):
    """A deployment that did not produce the market its parameter file describes."""


@dataclass
class Asset:
    symbol: str
    token: Any  # Brownie Contract (MockERC20)
    feed: Any  # Brownie Contract (MockAggregator)
    decimals: int


@dataclass
class Market:
    """Handles on a deployed market (Brownie contract objects) and the spec it came from."""

    spec: MarketSpec
    chain_id: int
    block: int
    oracle: Any
    rate_model: Any
    config: Any
    pool: Any
    lens: Any
    fund: Any
    liquidator: Any
    curve: Any
    base: Asset
    collaterals: dict[str, Asset] = field(default_factory=dict)
    liquidator_kind: str = "dutch"  # one of LIQUIDATORS

    def record(self) -> dict[str, Any]:
        """The deployment record of DESIGN.md 9."""
        return {
            "chainId": self.chain_id,
            "block": self.block,
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


def _revert_name(exc: Exception) -> str:
    return getattr(exc, "revert_msg", None) or str(exc)


def deploy_market(
    project: Any, governor: Any, spec: MarketSpec | None = None, guardian: Any = None, liquidator: str = "dutch"
) -> Market:
    """Deploy the whole market described by ``spec`` (default: the demo market).

    ``governor`` deploys and governs; ``guardian`` (default: the governor) may pause.
    ``liquidator``: ``"dutch"`` (the ``DutchAuctionLiquidator``) or ``"fixed-spread"`` (the lab's
    Aave-style ``FixedSpreadLiquidator`` baseline; the auction curve is deployed but unused).
    Raises ``DeployError`` with the on-chain error's name when a parameter is refused.
    """
    if liquidator not in LIQUIDATORS:
        raise DeployError(f"unknown liquidator {liquidator!r}: choose one of {', '.join(LIQUIDATORS)}")
    spec = spec or load_params()
    guardian = guardian or governor
    tx = {"from": governor}

    def token_and_feed(symbol: str, name: str, decimals: int, feed_spec) -> Asset:
        token = project.MockERC20.deploy(name, symbol, decimals, tx)
        feed = project.MockAggregator.deploy(feed_spec.decimals, f"{symbol} / USD", feed_spec.answer, tx)
        return Asset(symbol, token, feed, decimals)

    base = token_and_feed(spec.base.symbol, spec.base.name, spec.base.decimals, spec.base.feed)
    collaterals = {s: token_and_feed(s, c.name, c.decimals, c.feed) for s, c in spec.collaterals.items()}

    vol = spec.volatility
    oracle = project.OracleAdapter.deploy(
        governor, spec.max_deviation, vol["vol_ref"], vol["tau"], vol["max_rounds"], tx
    )
    for asset, feed_spec in [(base, spec.base.feed)] + [
        (collaterals[s], c.feed) for s, c in spec.collaterals.items()
    ]:
        oracle.setFeed(
            asset.token, True, asset.feed, feed_spec.heartbeat, feed_spec.min_price, feed_spec.max_price, tx
        )

    i = spec.interest
    rate_model = project.InterestRateModel.deploy(i["base_rate"], i["kink"], i["kink_rate"], i["max_rate"], tx)
    try:
        config = project.MarketConfig.deploy(
            base.token, oracle, rate_model, governor, guardian, spec.market_tuple(), spec.liquidation_tuple(), tx
        )
        pool = project.LendingPool.deploy(config, tx)
        config.bindPool(pool, tx)
        lens = project.PoolLens.deploy(pool, tx)
        curve = _deploy_curve(project, spec.auction["curve"], tx)
        fund = project.InsuranceFund.deploy(
            pool, "Margin Call Lab Insurance", "mclINS", spec.fund["cooldown"], spec.fund["window"], tx
        )
        if liquidator == "dutch":
            module = project.DutchAuctionLiquidator.deploy(
                pool, fund, curve, spec.auction["tail"], spec.auction["hole"], tx
            )
        else:
            module = project.FixedSpreadLiquidator.deploy(pool, fund, tx)
        pool.setLiquidationModules(module, fund, tx)
        for symbol, c in spec.collaterals.items():
            config.listCollateral(collaterals[symbol].token, c.params_tuple(), tx)
    except Exception as exc:  # a refused parameter: say which rule, not a stack of RPC details
        raise DeployError(f"the market refused its parameters: {_revert_name(exc)}") from exc
    # dead shares: the first depositor of the fund is nobody (inflation attack, DESIGN.md 5)
    dead = spec.fund["dead_shares_deposit"]
    if dead:
        base.token.mint(governor, dead, tx)
        base.token.approve(fund, dead, tx)
        fund.deposit(dead, DEAD, tx)

    market = Market(
        spec=spec,
        chain_id=chain.id,
        block=int(pool.tx.block_number) if getattr(pool, "tx", None) else 0,
        oracle=oracle,
        rate_model=rate_model,
        config=config,
        pool=pool,
        lens=lens,
        fund=fund,
        liquidator=module,
        curve=curve,
        base=base,
        collaterals=collaterals,
        liquidator_kind=liquidator,
    )
    check_deployment(market)
    return market


DEAD = "0x000000000000000000000000000000000000dEaD"

# liquidator kind → contract name (also its key in the deployment record)
LIQUIDATORS = {"dutch": "DutchAuctionLiquidator", "fixed-spread": "FixedSpreadLiquidator"}


_CURVES = {"stairstep": "StairstepExponentialDecrease", "exponential": "ExponentialDecrease", "linear": "LinearDecrease"}


def _deploy_curve(project: Any, curve: dict, tx: dict) -> Any:
    container = getattr(project, _CURVES[curve["kind"]])
    if curve["kind"] == "stairstep":
        return container.deploy(curve["cut"], curve["step"], tx)
    if curve["kind"] == "exponential":
        return container.deploy(curve["cut"], tx)
    return container.deploy(curve["duration"], tx)


def check_deployment(market: Market) -> None:
    """Post-deploy assertions: every contract wired and every parameter as the file says."""
    spec = market.spec
    problems: list[str] = []

    def expect(what: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{what}: on-chain {got!r}, expected {want!r}")

    expect("pool.config", market.pool.config(), market.config.address)
    expect("config.pool", market.config.pool(), market.pool.address)
    expect("pool.baseToken", market.pool.baseToken(), market.base.token.address)
    expect("lens.pool", market.lens.pool(), market.pool.address)
    expect("pool.liquidator", market.pool.liquidator(), market.liquidator.address)
    expect("pool.insuranceFund", market.pool.insuranceFund(), market.fund.address)
    if market.liquidator_kind == "dutch":
        expect("liquidator.hole", market.liquidator.hole(), spec.auction["hole"])
    expect("fund dead shares", market.fund.totalAssets(), spec.fund["dead_shares_deposit"])
    expect("oracle.volRef", market.oracle.volRef(), spec.volatility["vol_ref"])
    expect("config.marketParams", tuple(market.config.marketParams()), spec.market_tuple())
    expect("config.liquidationParams", tuple(market.config.liquidationParams()), spec.liquidation_tuple())
    for symbol, c in spec.collaterals.items():
        info = market.config.collateralInfo(market.collaterals[symbol].token)
        expect(f"{symbol} listed", info["listed"], True)
        expect(f"{symbol} decimals", info["decimals"], c.decimals)
        expect(
            f"{symbol} params",
            (info["borrowFactor"], info["liquidationFactor"], info["liquidationPenalty"], info["supplyCap"]),
            c.params_tuple(),
        )
        d = c.feed.decimals
        wad_price = c.feed.answer * 10 ** (18 - d) if d <= 18 else c.feed.answer // 10 ** (d - 18)
        expect(f"{symbol} price", market.oracle.getPrice(market.collaterals[symbol].token), wad_price)
    if problems:
        raise DeployError("deployment check failed:\n  " + "\n  ".join(problems))


def write_deployment(market: Market, directory: str | Path = "deployments") -> Path:
    """Write ``deployments/<chain-id>.json`` and return its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{market.chain_id}.json"
    path.write_text(json.dumps(market.record(), indent=2, default=str) + "\n")
    return path


def load_deployment(project: Any, path: str | Path) -> Market:
    """The market recorded in ``deployments/<chain-id>.json`` (``write_deployment``), as
    Brownie contract objects on the connected chain.

    Raises ``DeployError`` when the file is missing or unreadable, was written for another
    chain, or names an address without code. (``check_deployment`` is not rerun: governance may
    have changed parameters since, and the fund's assets have moved.)
    """
    path = Path(path)
    if not path.is_file():
        raise DeployError(f"deployment file not found: {path}")
    try:
        record = json.loads(path.read_text())
        contracts, chain_id = record["contracts"], int(record["chainId"])
        spec = parse_params(record["params"])
    except (ValueError, KeyError, TypeError, ParamsError) as exc:
        raise DeployError(f"{path}: not a deployment record ({exc})") from None
    if chain_id != chain.id:
        raise DeployError(f"{path} is a deployment on chain {chain_id}, but the connected chain is {chain.id}")

    def at(container: str, address: str) -> Any:
        if not address or len(_code(address)) == 0:
            raise DeployError(f"{path}: no {container} at {address} on chain {chain_id}")
        return getattr(project, container).at(address)

    def asset(symbol: str, entry: dict) -> Asset:
        token = at("MockERC20", entry["token"])
        return Asset(symbol, token, at("MockAggregator", entry["feed"]), token.decimals())

    kind = next((k for k, name in LIQUIDATORS.items() if name in contracts), "dutch")
    return Market(
        spec=spec,
        chain_id=chain_id,
        block=int(record["block"]),
        oracle=at("OracleAdapter", contracts["OracleAdapter"]),
        rate_model=at("InterestRateModel", contracts["InterestRateModel"]),
        config=at("MarketConfig", contracts["MarketConfig"]),
        pool=at("LendingPool", contracts["LendingPool"]),
        lens=at("PoolLens", contracts["PoolLens"]),
        fund=at("InsuranceFund", contracts["InsuranceFund"]),
        liquidator=at(LIQUIDATORS[kind], contracts.get(LIQUIDATORS[kind], "")),
        curve=at(_CURVES[spec.auction["curve"]["kind"]], contracts["PriceCurve"]),
        base=asset(record["base"]["symbol"], record["base"]),
        collaterals={s: asset(s, e) for s, e in record["collaterals"].items()},
        liquidator_kind=kind,
    )


def _code(address: str) -> bytes:
    from brownie import web3

    return web3.eth.get_code(address)
