"""Seeded populations of leveraged positions for scenarios (the "leverage distribution").

Each account opens with collateral worth ``value`` (log-normal in USD: many small accounts, a
few large ones) spread over one or more collaterals, and borrows a fraction ``use`` of its
borrowing capacity (Beta-distributed: most accounts use much of it, some little). Capacity is
the pool's opening rule at the starting prices (DESIGN.md 3), ``Σ value_i · borrowFactor_i`` at
a call level equal to the base ``marginCallHF``, so every drawn position is one the pool accepts.

Amounts are exact integers in token units; the same seed gives the same positions.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from ..units import to_decimal


class PopulationError(ValueError):
    """A population that cannot be drawn from the given settings."""


@dataclass(frozen=True)
class CollateralTerms:
    """What the draw needs to know of one collateral at the starting prices."""

    symbol: str
    price: Decimal  # [USD per whole token]
    decimals: int
    borrow_factor: Decimal  # ratio, e.g. Decimal("0.75")


@dataclass(frozen=True)
class Leverage:
    """The distribution of positions. ``use``: Beta(alpha, beta) clipped to [min_use, max_use]."""

    alpha: float = 5.0
    beta: float = 2.0
    min_use: float = 0.05
    max_use: float = 0.99
    median_value_usd: float = 20_000.0
    value_sigma: float = 1.0  # log-normal spread of account sizes
    hold_probability: float = 0.5  # chance of holding each collateral beyond the first

    def __post_init__(self) -> None:
        if self.alpha <= 0 or self.beta <= 0:
            raise PopulationError(f"leverage alpha and beta must be > 0, got {self.alpha}, {self.beta}")
        if not 0 < self.min_use <= self.max_use < 1:
            raise PopulationError(f"leverage needs 0 < min_use <= max_use < 1, got {self.min_use}, {self.max_use}")
        if self.median_value_usd <= 0 or self.value_sigma < 0:
            raise PopulationError("leverage needs median_value_usd > 0 and value_sigma >= 0")
        if not 0 <= self.hold_probability <= 1:
            raise PopulationError(f"hold_probability must be in [0, 1], got {self.hold_probability}")


@dataclass(frozen=True)
class Position:
    index: int  # account number in the population
    collateral: dict[str, int]  # [token units] by symbol
    debt: int  # [base units]
    use: Decimal  # fraction of borrowing capacity borrowed

    def value_usd(self, terms: dict[str, CollateralTerms]) -> Decimal:
        return sum(
            (Decimal(a) / Decimal(10) ** terms[s].decimals * terms[s].price for s, a in self.collateral.items()),
            Decimal(0),
        )


def draw_positions(
    seed: int,
    count: int,
    collaterals: list[CollateralTerms],
    base_decimals: int,
    base_price: object = "1",
    dust: int = 0,
    leverage: Leverage = Leverage(),
) -> list[Position]:
    """``count`` positions drawn from ``leverage`` with ``random.Random(seed)``.

    Every debt is at least ``dust`` base units (smaller accounts are scaled up to reach it)."""
    if count < 0:
        raise PopulationError(f"count must be >= 0, got {count}")
    if not collaterals:
        raise PopulationError("a population needs at least one collateral")
    base_px = to_decimal(base_price, "base price")
    rng = random.Random(seed)
    positions = []
    for index in range(count):
        held = _held_assets(rng, collaterals, leverage.hold_probability)
        weights = [rng.random() + 0.1 for _ in held]
        total_w = sum(weights)
        value = Decimal(repr(leverage.median_value_usd * math.exp(rng.gauss(0, leverage.value_sigma))))
        use = Decimal(repr(min(leverage.max_use, max(leverage.min_use, rng.betavariate(leverage.alpha, leverage.beta)))))
        use = use.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
        capacity = sum((value * Decimal(repr(w / total_w)) * c.borrow_factor for c, w in zip(held, weights)), Decimal(0))
        debt_usd = capacity * use
        # accounts too small to borrow the minimum debt are scaled up until they can
        dust_usd = Decimal(dust) / Decimal(10) ** base_decimals * base_px
        scale = max(Decimal(1), (dust_usd * Decimal("1.01")) / debt_usd) if debt_usd > 0 else Decimal(1)
        collateral = {
            c.symbol: int((value * scale * Decimal(repr(w / total_w)) / c.price * Decimal(10) ** c.decimals).to_integral_value(ROUND_DOWN))
            for c, w in zip(held, weights)
        }
        # capacity recomputed from the rounded amounts, so the pool's own check passes
        capacity_exact = sum(
            (Decimal(collateral[c.symbol]) / Decimal(10) ** c.decimals * c.price * c.borrow_factor for c in held),
            Decimal(0),
        )
        debt = int((capacity_exact * use / base_px * Decimal(10) ** base_decimals).to_integral_value(ROUND_DOWN))
        positions.append(Position(index, collateral, max(debt, dust), use))
    return positions


def _held_assets(rng: random.Random, collaterals: list[CollateralTerms], p: float) -> list[CollateralTerms]:
    first = rng.randrange(len(collaterals))
    return [c for i, c in enumerate(collaterals) if i == first or rng.random() < p]
