"""Governance ramps (docs/DESIGN.md 7): a parameter moving linearly from its old to its new
value over the ramp's window (``RampLib.current``), rounded towards the target."""

from __future__ import annotations

from tests.model.fixed_point import div_up


def ramp_value(start_value: int, target: int, start: int, end: int, t: int) -> int:
    """``RampLib.current``: linear, rounded towards the target."""
    if t >= end:
        return target
    if t <= start:
        return start_value
    step = div_up(abs(target - start_value) * (t - start), end - start)
    return start_value + step if target >= start_value else start_value - step
