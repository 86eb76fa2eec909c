"""Price paths and seeded populations of the lab (pure Python: no chain needed)."""

from decimal import Decimal

import pytest

from margincall.lab.paths import PathError, PricePath, black_thursday
from margincall.lab.population import CollateralTerms, Leverage, PopulationError, draw_positions
from tests.support.units import USDC

WETH = CollateralTerms("WETH", Decimal(3000), 18, Decimal("0.75"))
WBTC = CollateralTerms("WBTC", Decimal(60000), 8, Decimal("0.70"))
USDX = CollateralTerms("USDX", Decimal(1), 6, Decimal("0.80"))


def test_path_interpolates_linearly_and_is_flat_outside():
    path = PricePath.through([(0, "100"), (100, "50"), (300, "150")])
    assert path.price_at(-5) == Decimal(100)
    assert path.price_at(50) == Decimal(75)
    assert path.price_at(200) == Decimal(100)
    assert path.price_at(10_000) == Decimal(150)


def test_sample_keeps_every_waypoint():
    path = PricePath.through([(0, "100"), (95, "60"), (200, "80")])
    samples = dict(path.sample(60))
    assert set(samples) == {0, 60, 95, 120, 180, 200}
    assert samples[95] == Decimal(60)


def test_shock_is_one_step():
    path = PricePath.shock("2000", "0.4", at=600)
    assert path.price_at(600) == Decimal(2000)
    assert path.price_at(601) == Decimal(1200)
    assert PricePath.shock("2000", "0.4").price_at(0) == Decimal(1200)


@pytest.mark.parametrize(
    "points, message",
    [
        ([(5, "1")], "first point must be at t = 0"),
        ([(0, "1"), (0, "2")], "strictly increase"),
        ([(0, "1"), (10, "0")], "positive"),
        ([(0, 1.5)], "floats are not exact"),
        ([(0, "abc")], "not a number"),
    ],
)
def test_bad_paths_are_refused_with_the_reason(points, message):
    with pytest.raises((PathError, ValueError), match=message):
        PricePath.through(points)


def test_black_thursday_replay_has_both_legs():
    replay = black_thursday()
    path = replay.path
    # first leg: -35 % in 30 minutes
    assert path.price_at(1800) / path.price_at(0) == pytest.approx(Decimal("0.6455"), abs=Decimal("0.001"))
    # the second leg ends overnight at the reported low, about 54 % below the start
    assert path.max_drawdown() == pytest.approx(Decimal("0.54"), abs=Decimal("0.01"))
    assert path.duration == 16 * 3600 + 15 * 60  # 10:00 UTC on the 12th -> 02:15 UTC on the 13th
    assert replay.confirmation_delay == 44 * 60
    # rescaled to a demo feed, the relative moves stay
    demo = path.rescaled("3000")
    assert demo.price_at(0) == Decimal(3000)
    assert demo.price_at(1800) / demo.price_at(0) == pytest.approx(path.price_at(1800) / path.price_at(0), rel=Decimal("1e-20"))


def test_positions_are_reproducible_from_the_seed():
    a = draw_positions(7, 50, [WETH, WBTC, USDX], 6, dust=1000 * USDC)
    b = draw_positions(7, 50, [WETH, WBTC, USDX], 6, dust=1000 * USDC)
    c = draw_positions(8, 50, [WETH, WBTC, USDX], 6, dust=1000 * USDC)
    assert a == b
    assert a != c


def test_every_position_passes_the_opening_rule_and_the_dust_rule():
    terms = [WETH, WBTC, USDX]
    for p in draw_positions(11, 300, terms, 6, dust=1000 * USDC, leverage=Leverage(median_value_usd=3000)):
        capacity = sum(
            Decimal(amount) / Decimal(10) ** t.decimals * t.price * t.borrow_factor
            for t in terms
            for s, amount in p.collateral.items()
            if s == t.symbol
        )
        assert p.debt >= 1000 * USDC
        assert Decimal(p.debt) / USDC <= capacity * p.use + Decimal("0.000001")
        assert Decimal("0.05") <= p.use <= Decimal("0.99")


def test_leverage_distribution_has_its_mean():
    uses = [p.use for p in draw_positions(3, 2000, [WETH], 6, leverage=Leverage(alpha=5, beta=2))]
    assert sum(uses) / len(uses) == pytest.approx(Decimal(5) / 7, abs=Decimal("0.02"))


def test_bad_leverage_settings_are_named():
    with pytest.raises(PopulationError, match="alpha and beta"):
        Leverage(alpha=0)
    with pytest.raises(PopulationError, match="min_use"):
        Leverage(min_use=0.9, max_use=0.5)
    with pytest.raises(PopulationError, match="at least one collateral"):
        draw_positions(1, 1, [], 6)
