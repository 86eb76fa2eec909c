"""An account's place on the margin-call ladder (DESIGN.md 3), as the pool's ``accountStatus``
and PoolLens report it. Python compares against these names, never against bare 0/1/2."""

from __future__ import annotations

from enum import IntEnum


class AccountStatus(IntEnum):
    Healthy = 0
    MarginCall = 1
    Liquidatable = 2
