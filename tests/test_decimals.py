"""The same lending story on markets whose tokens and feeds have other decimals: base 6 or 18,
collateral 6, 8 or 18, feeds 8 or 18. Each market is built from a modified copy of the demo
parameter file through the one deploy path; the health factor must match Python exactly."""

import copy

import pytest
import yaml

from margincall.chain import set_price
from tests.fixtures.market import deploy_market
from margincall.params import DEMO_PARAMS, parse_params
from margincall.units import scaled
from tests.model.fixed_point import MAX_UINT
from tests.model.valuation import (
    debt_value,
    health_factor,
    holding,
    liquidation_value,
    max_borrow,
    opening_capacity,
    price_wad,
)
from tests.support.actions import fund
from tests.support.reads import check_pool_books

PRICES = {"base": "1.0001", "WETH": "2999.87654321", "WBTC": "61234.5678"}
# (base, base feed, WETH, WETH feed, WBTC, WBTC feed) decimals. Two markets cover it all:
# base 6 and 18, base feeds 8 and 18, collateral 6, 8 and 18, collateral feeds 8 and 18
# (the demo market of the other modules is a third: 6/8, 18/8, 8/8).
VARIANTS = {
    "base6/f8-weth18/f8-wbtc8/f18": (6, 8, 18, 8, 8, 18),
    "base18/f18-weth6/f18-wbtc18/f8": (18, 18, 6, 18, 18, 8),
}


def variant_spec(base, base_feed, weth, weth_feed, wbtc, wbtc_feed):
    raw = copy.deepcopy(yaml.safe_load(DEMO_PARAMS.read_text()))
    raw["base"]["decimals"] = base
    raw["base"]["feed"].update(decimals=base_feed, price=PRICES["base"])
    for symbol, decimals, feed_decimals in (("WETH", weth, weth_feed), ("WBTC", wbtc, wbtc_feed)):
        raw["collaterals"][symbol]["decimals"] = decimals
        raw["collaterals"][symbol]["feed"].update(decimals=feed_decimals, price=PRICES[symbol])
    return parse_params(raw)


@pytest.fixture(scope="module", params=list(VARIANTS.values()), ids=list(VARIANTS))
def variant(request, project, governor, guardian, module_isolation):
    return deploy_market(project, governor, variant_spec(*request.param), guardian)


def _price(spec_token, human):
    """WAD price of ``human`` USD as the token's feed reports it (Python, from the spec)."""
    return price_wad(scaled(human, spec_token.feed.decimals), spec_token.feed.decimals)


def _holdings(market, who, prices):
    spec = market.spec
    return [
        holding(market.pool.collateralOf(who, a.token), prices[s], a.decimals, spec.collaterals[s])
        for s, a in market.collaterals.items()
    ]


def test_lending_story_with_exact_health_factors(variant, supplier, borrower):
    # Incident class: decimal-scaling errors between tokens and feeds of unusual decimals.
    spec, pool, base = variant.spec, variant.pool, variant.base.token
    one = 10**spec.base.decimals
    prices = {s: _price(c, PRICES[s]) for s, c in spec.collaterals.items()}
    base_price = _price(spec.base, PRICES["base"])
    assert base_price == 10**18 + 10**14
    for symbol, asset in variant.collaterals.items():  # every feed normalised to WAD
        assert variant.oracle.getPrice(asset.token) == prices[symbol]
    assert variant.oracle.getPrice(base) == base_price
    mc = spec.market["margin_call_hf"]

    # supply: a million base tokens, a million shares per unit
    fund(base, supplier, 1_000_000 * one, pool)
    assert pool.supply(1_000_000 * one, supplier, {"from": supplier}).return_value == 1_000_000 * one * 10**6

    # deposit: about π WETH and 0.123 WBTC, odd in every unit
    amounts = {}
    for symbol, human in (("WETH", "3.141592"), ("WBTC", "0.123456")):
        asset = variant.collaterals[symbol]
        amounts[symbol] = scaled(human, asset.decimals) + 1
        fund(asset.token, borrower, amounts[symbol], pool)
        pool.depositCollateral(asset.token, amounts[symbol], borrower, {"from": borrower})
    base.approve(pool, MAX_UINT, {"from": borrower})

    # borrow the most the opening rule allows (no price moved yet: σ = σ_ref, callHF_eff =
    # marginCallHF); the pool's first debt, so exactly that
    assert variant.lens.effectiveCallHF(borrower) == mc
    capacity = opening_capacity(_holdings(variant, borrower, prices), mc)
    limit = max_borrow(capacity, base_price, spec.base.decimals, mc)
    pool.borrow(limit, borrower, {"from": borrower})
    assert base.balanceOf(borrower) == limit
    assert pool.accountStatus(borrower) == 0

    # health factor, exactly, at the listed prices and after WETH falls into the band
    for weth_price in (None, "2800"):
        if weth_price:
            set_price(variant, "WETH", weth_price)
            prices["WETH"] = _price(spec.collaterals["WETH"], weth_price)
        debt = pool.debtOf(borrower)
        expected = health_factor(liquidation_value(_holdings(variant, borrower, prices)), debt_value(debt, base_price, spec.base.decimals))
        assert pool.healthFactor(borrower) == expected
    assert 10**18 <= expected < mc and pool.accountStatus(borrower) == 1

    # repay everything (a few blocks of interest on top), take the collateral back
    fund(base, borrower, one)
    pool.repay(MAX_UINT, borrower, {"from": borrower})
    assert pool.debtOf(borrower) == 0 and pool.accountStatus(borrower) == 0
    for symbol, asset in variant.collaterals.items():
        pool.withdrawCollateral(asset.token, MAX_UINT, borrower, {"from": borrower})
        assert asset.token.balanceOf(borrower) == amounts[symbol]

    # the supplier leaves with at least what it brought
    pool.withdraw(MAX_UINT, supplier, {"from": supplier})
    assert base.balanceOf(supplier) >= 1_000_000 * one
    check_pool_books(variant)


def test_a_collateral_feed_with_24_decimals_is_normalised(project, governor, guardian):
    # Incident class: decimal-scaling errors between tokens and feeds of unusual decimals.
    # DESIGN.md 6: feeds of any decimals are normalised to WAD (the adapter takes up to 36)
    market = deploy_market(project, governor, variant_spec(6, 8, 18, 24, 8, 8), guardian)
    weth = market.collaterals["WETH"]
    assert market.oracle.getPrice(weth.token) == _price(market.spec.collaterals["WETH"], PRICES["WETH"])
    assert market.oracle.getPrice(weth.token) == 2_999_876_543_210_000_000_000
