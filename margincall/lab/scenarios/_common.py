"""Set-ups several scenarios share: one leveraged borrower at a chosen use of its capacity."""

from __future__ import annotations

from decimal import Decimal

from ...session import Signer
from ...units import WAD
from ..engine import Lab

LENDER_SUPPLY = 10_000_000  # [base tokens] plenty of liquidity for every scenario's borrowers
FUND_DEPOSIT = 100_000  # [base tokens] insurers' first-loss capital, pays keeper incentives


def first_collateral(lab: Lab) -> str:
    return next(iter(lab.market.collaterals))


def open_single(lab: Lab, symbol: str, tokens: int, use: Decimal) -> tuple[Signer, int]:
    """A borrower with ``tokens`` whole tokens of ``symbol`` who borrows ``use`` of its capacity
    (``Σ value · borrowFactor``); returns the borrower and its debt [base units]."""
    (borrower,) = lab.actors(1)
    asset = lab.market.collaterals[symbol]
    amount = tokens * 10**asset.decimals
    bf = Decimal(lab.market.spec.collaterals[symbol].borrow_factor) / WAD
    debt = lab.base_units((lab.price(symbol) * tokens * bf * use).quantize(Decimal(1)))
    lab.open_position(borrower, {symbol: amount}, debt)
    return borrower, debt


def price_for_hf(lab: Lab, account: str, symbol: str, hf: Decimal) -> Decimal:
    """The ``symbol`` price at which ``account`` (holding only ``symbol``) has health ``hf``."""
    st = lab.state(account)
    liq_per_usd = Decimal(st.liquidationValue) / (lab.price(symbol) * WAD)  # Σ amount · lf
    return (hf * Decimal(st.debtValue) / WAD / liq_per_usd).quantize(Decimal("0.00000001"))


def lend_and_insure(lab: Lab, supply: int = LENDER_SUPPLY, insurance: int = FUND_DEPOSIT) -> None:
    """A lender supplies ``supply`` and an insurer deposits ``insurance`` (whole base tokens)."""
    lab.supply(lab.base_units(supply))
    if insurance:
        lab.seed_fund(lab.base_units(insurance))
