"""Adversarial tests that belong to no single contract's module (SECURITY.md, "Attack classes and
the tests that close them"): an AMM spot-price manipulation against health, and outsiders calling
the liquidator's setters and the protocol's internal hooks.

Module state: 1,000,000 USDC supplied.
"""

import brownie
import pytest
from brownie import chain
from brownie.exceptions import VirtualMachineError

from tests.model.fixed_point import MAX_UINT, WAD
from tests.support.actions import open_position, price, supply
from tests.support.chain_time import next_block_at
from tests.support.reverts import err
from tests.support.units import ETH, USDC, ZERO_ADDRESS


@pytest.fixture(scope="module", autouse=True)
def setup(market, supplier):
    supply(market, supplier, 1_000_000 * USDC)


# ================================================================ AMM spot manipulation
def borrow_answer(pool, who):
    """The pool's answer to a borrow far beyond what ``who`` may borrow: for a Healthy account
    ``InsufficientMargin: required, capacity`` (its borrowing capacity at the prices the pool
    reads), otherwise ``AccountNotHealthy: status``."""
    try:
        pool.borrow.call(500_000 * USDC, who, {"from": who})
    except VirtualMachineError as exc:
        return exc.revert_msg
    raise AssertionError("a borrow of 500,000 USDC went through")


def health_view(market, accounts):
    """Everything the pool and the lens say about the accounts' health, now."""
    pool = market.pool
    rows = {
        str(a): (
            pool.healthFactor(a),
            pool.accountStatus(a),
            market.lens.effectiveCallHF(a),
            pool.marginCallDeadline(a),
            tuple(market.lens.accountState(a)),
            borrow_answer(pool, a),
        )
        for a in accounts
    }
    return rows, [tuple(s) for s in market.lens.accounts(accounts)[0]]


def test_amm_spot_manipulation_does_not_move_health(market, project, pool, borrower, borrower2, crowd, attacker, market_maker, weth, usdc):
    """A WETH/USDC AMM seeded at the oracle's price is swapped hard, its spot price pushed 10x
    down and then 10x up; every block is mined at the same second so that nothing else moves.
    The health factor, status, call level, call deadline, full account state, the lens rows and
    the opening rule's capacity of a Healthy, a MarginCall and a Liquidatable account stay
    exactly as they were, and neither the crash nor the pump can get an account kicked, called
    or more to borrow: the protocol reads its feeds, never an AMM."""
    # Incident class: oracle manipulation through a spot price the attacker can move (AMM spot as an oracle, bZx 2020; Mango Markets 2022).
    liq = market.liquidator
    healthy, called, sellable = borrower, borrower2, crowd[0]
    for who, debt in ((healthy, 15_000), (called, 22_000), (sellable, 22_400)):
        open_position(market, who, {"WETH": 10 * ETH}, debt * USDC)
    price(market, "WETH", 2600)  # HF 1.473, 1.005, 0.987
    accounts = [healthy, called, sellable]
    assert [pool.accountStatus(a) for a in accounts] == [0, 1, 2]

    amm = project.MockAMM.deploy(weth, usdc, {"from": market_maker})
    for token, amount in ((weth, 1_000 * ETH), (usdc, 2_600_000 * USDC)):
        token.mint(market_maker, amount, {"from": market_maker})
        token.approve(amm, MAX_UINT, {"from": market_maker})
    amm.addLiquidity(1_000 * ETH, 2_600_000 * USDC, {"from": market_maker})  # spot = the oracle's $2,600
    for token, amount in ((weth, 3_000 * ETH), (usdc, 9_000_000 * USDC)):
        token.mint(attacker, amount, {"from": attacker})
        token.approve(amm, MAX_UINT, {"from": attacker})
    assert amm.spotPrice(18, 6) == 2_600 * WAD

    t0 = chain[-1].timestamp + 1

    def pinned():  # the next block at t0: no interest, no volatility decay, no feed ageing
        next_block_at(t0)

    pinned()
    chain.mine()
    baseline = health_view(market, accounts)
    assert baseline[0][str(healthy)][-1].startswith("InsufficientMargin: ")

    # the crash: 2,300 WETH dumped, spot below a tenth of the oracle price
    pinned()
    amm.swapExactIn(weth, 2_300 * ETH, 0, attacker, {"from": attacker})
    assert amm.spotPrice(18, 6) * 10 < 2_600 * WAD
    assert health_view(market, accounts) == baseline
    for who, status in ((healthy, 0), (called, 1)):  # at the AMM price both would be HF < 0.2
        pinned()
        with brownie.reverts(err("NotLiquidatable", status)):
            liq.kick(who, attacker, {"from": attacker})
    pinned()
    with brownie.reverts(err("NotInMarginCall", 0)):
        pool.issueMarginCall(healthy, {"from": attacker})

    # the pump: 8,000,000 USDC in, spot above ten times the oracle price
    pinned()
    amm.swapExactIn(usdc, 8_000_000 * USDC, 0, attacker, {"from": attacker})
    assert amm.spotPrice(18, 6) > 10 * 2_600 * WAD
    assert health_view(market, accounts) == baseline
    assert pool.accountStatus(sellable) == 2  # at the AMM price it would be Healthy: no escape
    assert chain[-1].timestamp == t0


# ================================================================ access control
def liquidation_state(market):
    """Everything an outsider's call on the liquidator, the fund or the pool's hooks could move."""
    pool, liq, fund = market.pool, market.liquidator, market.fund
    return (
        liq.curve(), liq.tail(), liq.hole(), liq.breaker(), liq.lastRestart(), liq.totalTab(), liq.pendingLoss(),
        pool.cash(), pool.supplierAssets(), pool.reserves(), pool.debtInAuction(), pool.totalNormalizedDebt(),
        pool.realizedLosses(), pool.lockHeld(), pool.liquidator(), pool.insuranceFund(),
        fund.assetsBook(), fund.totalCovered(), fund.incentivesPaid(), fund.penaltyIncome(),
        fund.lotSaleIncome(), tuple(fund.heldCollateral(a.token) for a in market.collaterals.values()),
        market.oracle.governor(), market.oracle.maxDeviation(),
    )


def test_outsiders_cannot_call_liquidation_setters_or_protocol_hooks(market, project, borrower, stranger, guardian, governor, weth):
    """Every governor-only function of the liquidator, the fund and the oracle refuses the
    guardian and a stranger; every hook the three protocol contracts call on each other refuses
    an outsider (MarketConfig's setters: ``test_config.py::test_every_governor_setter_refuses_outsiders``)."""
    # Incident class: missing access control on privileged setters and internal accounting hooks.
    pool, liq, fund, oracle = market.pool, market.liquidator, market.fund, market.oracle
    curve = project.LinearDecrease.deploy(3600, {"from": governor})
    snap = pool.marketSnapshot()
    feed = market.collaterals["WETH"].feed
    governor_only = {
        "liquidator.setCurve": lambda s: liq.setCurve(curve, {"from": s}),
        "liquidator.setTail": lambda s: liq.setTail(liq.tail(), {"from": s}),
        "liquidator.setHole": lambda s: liq.setHole(1, {"from": s}),
        "fund.releaseHeldCollateral": lambda s: fund.releaseHeldCollateral(weth, 0, s, {"from": s}),
        "fund.depositLotProceeds": lambda s: fund.depositLotProceeds(0, {"from": s}),
        "oracle.setFeed": lambda s: oracle.setFeed(weth, True, feed, 3600, WAD, 10**24, {"from": s}),
        "oracle.detachSecondary": lambda s: oracle.detachSecondary(weth, {"from": s}),
        "oracle.setMaxDeviation": lambda s: oracle.setMaxDeviation(10**16, {"from": s}),
        "oracle.setVolatilityParams": lambda s: oracle.setVolatilityParams(WAD, 86_400, 16, {"from": s}),
    }
    pool_hooks = {
        "pool.prepareKick": lambda s: pool.prepareKick(borrower, {"from": s}),
        "pool.seize": lambda s: pool.seize(borrower, [0] * 8, 1, 1, False, snap["asset"], {"from": s}),
        "pool.auctionRepaid": lambda s: pool.auctionRepaid(borrower, 1, {"from": s}),
        "pool.auctionEnded": lambda s: pool.auctionEnded(borrower, weth, 0, 1, 1, {"from": s}),
        "pool.closeAccount": lambda s: pool.closeAccount(borrower, {"from": s}),
    }
    fund_hooks = {
        "fund.cover": lambda s: fund.cover(1, {"from": s}),
        "fund.payIncentive": lambda s: fund.payIncentive(s, 1, {"from": s}),
        "fund.notifyIncome": lambda s: fund.notifyIncome(0, 1, {"from": s}),
        "fund.holdCollateral": lambda s: fund.holdCollateral(weth, 1, {"from": s}),
    }
    cases = [(name, call, who, err("NotGovernor")) for name, call in governor_only.items() for who in (stranger, guardian)]
    cases += [(name, call, stranger, err("NotProtocolContract", stranger)) for name, call in pool_hooks.items()]
    cases += [(name, call, stranger, err("NotProtocol", stranger)) for name, call in fund_hooks.items()]
    cases += [("liquidator.setBreaker", lambda s: liq.setBreaker(1, {"from": s}), stranger, err("NotGuardian"))]

    before = liquidation_state(market)
    for name, call, who, message in cases:
        try:
            with brownie.reverts(message):
                call(who)
        except AssertionError as exc:
            raise AssertionError(f"{name} from {who}: {exc}") from exc
    assert liquidation_state(market) == before
    assert ZERO_ADDRESS not in (pool.liquidator(), pool.insuranceFund())
