"""Units and fixed values the tests share: one whole token of each demo asset in its own units,
time units, the zero address, the ABI enums the tests pass by number, and the encodings of
human values (a USD price as a feed answer, a name as bytes32)."""

from __future__ import annotations

from decimal import Decimal

from margincall.units import scaled

# one whole token [token units]
USDC = 10**6  # the demo base asset (6 decimals); USDT of the three-collateral market too
ETH = WETH = 10**18
BTC = WBTC = 10**8

# time [seconds]
HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY

ZERO_ADDRESS = "0x" + "00" * 20

# PauseAction (MarketConfig's enum, in order)
SUPPLY, BORROW, WITHDRAW = 0, 1, 2


def answer(usd, decimals: int = 8) -> int:
    """A human USD price (``"1999.99999999"``) as a feed answer with ``decimals``."""
    return scaled(Decimal(str(usd)), decimals, "price")


def bytes32_name(name: str) -> str:
    """A ``bytes32`` string constant as Brownie shows it (``0x`` + right-padded hex)."""
    return "0x" + name.encode().ljust(32, b"\0").hex()
