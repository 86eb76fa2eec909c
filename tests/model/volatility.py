"""The oracle's volatility estimator (docs/DESIGN.md 6): an EWMA of squared round returns,
annualised, with σ_ref as the starting point and the value decaying back towards σ_ref with
time. Rounded towards the higher variance throughout."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.model.fixed_point import WAD, div_up, mul_div_down, mul_div_up, sqrt_up
from tests.model.interest import YEAR

MAX_RETURN = 10 * WAD  # a round's |return| is clamped at 1,000 % before squaring


def round_return(p: int, previous: int) -> int:
    """r = |p − p_prev| · 1e18 / p_prev, rounded down, clamped at 10e18 [wad]."""
    return min(abs(p - previous) * WAD // previous, MAX_RETURN)


def r2_year(p: int, previous: int) -> int:
    """r²·YEAR [wad], rounded up."""
    r = round_return(p, previous)
    return div_up(r * r * YEAR, WAD)


def start_variance(vol_ref: int) -> int:
    """A first chain starts from σ² = σ_ref², rounded up."""
    return div_up(vol_ref * vol_ref, WAD)


@dataclass
class VolModel:
    """The estimator's state for one asset, driven round by round like the contract.

    ``samples`` collects ``(round_id, variance)`` for every round sampled (the
    ``VolatilitySampled`` events the chain must have emitted)."""

    vol_ref: int
    tau: int
    variance: int = 0
    answer: int = 0
    updated_at: int = 0
    round_id: int = 0
    samples: list = field(default_factory=list)

    def restart(self, round_id: int, answer: int, updated_at: int) -> None:
        self.round_id, self.answer, self.updated_at = round_id, answer, updated_at
        if self.variance == 0:
            self.variance = start_variance(self.vol_ref)

    def sample(self, round_id: int, p: int, t: int) -> int:
        """σ² ← ceil((τ·σ² + r²·YEAR) / (τ + Δt))."""
        assert t >= self.updated_at
        self.variance = div_up(self.tau * self.variance + r2_year(p, self.answer), self.tau + (t - self.updated_at))
        self.answer, self.updated_at, self.round_id = p, t, round_id
        self.samples.append((round_id, self.variance))
        return self.variance

    def view(self, now: int) -> int:
        return vol_view(self.variance, self.vol_ref, self.tau, max(0, now - self.updated_at))


def vol_view(variance: int, vol_ref: int, tau: int, t: int) -> int:
    """sqrt(σ_ref² + (σ² − σ_ref²)·τ/(τ + t)), each side rounded towards the higher variance,
    the square root rounded up."""
    ref2 = start_variance(vol_ref)
    if variance >= ref2:
        v = ref2 + mul_div_up(variance - ref2, tau, tau + t)
    else:
        v = ref2 - mul_div_down(ref2 - variance, tau, tau + t)
    return sqrt_up(v * WAD)
