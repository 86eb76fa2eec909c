"""The circuit breaker restarts every live auction without a loop (DESIGN.md 4): lowering it
from level 2 costs the same gas with one live auction as with more than 3,000, far under the
16,777,216 per-transaction cap, and every auction's price is back at its top, with a redo needed
before a take.

The 3,000 auctions are made cheaply: ``MockPositionFactory`` opens 1,500 accounts (each a
contract that deposits WETH and WBTC and borrows in its constructor, 30 per transaction), a
−50 % crash puts them all under fullLiquidationHF, and ``BatchKicker`` kicks them 20 per
transaction: two auctions per account. A module of its own, so that no other suite's identity
checks walk 3,000 auctions.
"""

import pytest
from brownie import chain

from tests.support.actions import open_position, price, supply
from tests.support.reads import AuctionView
from tests.support.units import BTC, ETH, USDC, ZERO_ADDRESS

TX_GAS_CAP = 16_777_216
ACCOUNTS = 1_500


def breaker_cycle(liq, guardian, governor):
    """Raise to 2, lower to 0: the gas of each step, and the lowering transaction."""
    up = liq.setBreaker(2, {"from": guardian})
    chain.sleep(60)
    down = liq.setBreaker(0, {"from": governor})
    return up.gas_used, down.gas_used, down


@pytest.fixture(scope="module")
def crashed(market, project, supplier, borrower, keeper, governor):
    """One ordinary auction (``borrower``) and 1,500 accounts at HF 0.88, not yet kicked."""
    supply(market, supplier, 3_500_000 * USDC)
    open_position(market, borrower, {"WETH": 10 * ETH}, 15_000 * USDC)
    weth, wbtc = market.collaterals["WETH"].token, market.collaterals["WBTC"].token
    factory = project.MockPositionFactory.deploy({"from": governor})
    for _ in range(ACCOUNTS // 30):
        factory.open(market.pool, [weth, wbtc], [ETH, 2 * BTC // 100], 2_000 * USDC, 30, {"from": governor})
    price(market, "WETH", 1500)  # −50 %: every factory account at HF 0.88 with $2,100 of collateral
    price(market, "WBTC", 30000)
    market.liquidator.kick(borrower, keeper, {"from": keeper})
    return factory


def test_lowering_the_breaker_costs_constant_gas(market, project, liq, crashed, guardian, governor):
    # Incident class: unbounded loops over live positions (a gas DoS of the circuit breaker).
    breaker_cycle(liq, guardian, governor)  # warm: lastRestart is no longer zero
    up_one, down_one, _ = breaker_cycle(liq, guardian, governor)
    assert len(liq.activeAuctions()) == 1

    kicker = project.BatchKicker.deploy({"from": governor})
    accounts_ = crashed.accounts()
    for start in range(0, ACCOUNTS, 20):
        kicker.kickAll(liq, accounts_[start : start + 20], ZERO_ADDRESS, {"from": governor})
    ids = liq.activeAuctions()
    assert len(ids) == 2 * ACCOUNTS + 1 >= 3_000

    chain.sleep(1_800)  # prices have fallen 20 steps
    chain.mine()
    sample = [ids[0], ids[len(ids) // 2], ids[-1]]
    for id_ in sample:
        assert liq.getStatus(id_)[1] < AuctionView.read(liq, id_).top
    up_many, down_many, down = breaker_cycle(liq, guardian, governor)
    print(f"breaker gas, 1 auction: raise {up_one}, lower {down_one}; {len(ids)}: raise {up_many}, lower {down_many}")
    assert (up_many, down_many) == (up_one, down_one), "the breaker's gas depends on the auction count"
    assert down_many < TX_GAS_CAP // 100
    for id_ in sample:
        needs_redo, p, _, _ = liq.getStatus(id_, block_identifier=down.block_number)
        # back at its top, and needing a redo before a take (DESIGN.md 4, issue 13)
        assert needs_redo and p == AuctionView.read(liq, id_).top
