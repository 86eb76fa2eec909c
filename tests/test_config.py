"""MarketConfig: roles, pauses, the joint hard bounds of DESIGN.md 2 at their exact boundaries,
the 7-day ramps of risk-raising changes, delisting and listing, and interest accrued before a
change that affects it (DESIGN.md 2, 7).

Boundaries are computed with the contract's own rounding (``wMulUp`` / ``wMulDown`` in
``_checkRiskBounds``): each bound is hit exactly (allowed where the inequality is non-strict)
and one wei beyond (refused with the bound's named error)."""

import brownie
import pytest
from brownie import InterestRateModel, LendingPool, MockAggregator, MockERC20, chain

from tests.model.fixed_point import MAX_UINT, WAD, div_up
from tests.model.interest import expected_accrual
from tests.model.ramps import ramp_value
from tests.model.valuation import Holding, debt_value, health_factor, liquidation_value
from tests.support.actions import another_config, post_fresh_rounds
from tests.support.chain_time import mine_at, next_block_at
from tests.support.reads import pool_books
from tests.support.reverts import err, event, plain, reverts_views_unchanged
from tests.support.units import BORROW, DAY, SUPPLY, WEEK, WITHDRAW, ZERO_ADDRESS, bytes32_name

MARKET_KEYS = (
    "marginCallHF",
    "gracePeriod",
    "targetHF",
    "fullLiquidationHF",
    "maxCallHF",
    "reserveFactor",
    "dust",
    "volSlope",
    "exitMargin",
)
LIQUIDATION_KEYS = ("buf", "cusp", "tip", "chip")
COLLATERAL_KEYS = ("borrowFactor", "liquidationFactor", "liquidationPenalty", "supplyCap")

# demo values (margincall/params/demo.yaml), on-chain units
CALL_HF = 110 * 10**16
WETH_BF, WETH_LF, WETH_P = 75 * 10**16, 85 * 10**16, 5 * 10**16
WBTC_BF, WBTC_LF, WBTC_P = 70 * 10**16, 80 * 10**16, 7 * 10**16
DUST = 1000 * 10**6
TIP, CHIP = 10 * 10**6, 10**15
HALF_RAMP = WEEK // 2


# ------------------------------------------------------------------ parameter builders
def market_params(config, **changes):
    """The MarketParams tuple as last set (targets), with ``changes``."""
    p = dict(zip(MARKET_KEYS, config.marketParamsTarget()))
    assert set(changes) <= set(p), f"unknown keys {set(changes) - set(p)}"
    p.update(changes)
    return tuple(p[k] for k in MARKET_KEYS)


def liquidation_params(config, **changes):
    p = dict(zip(LIQUIDATION_KEYS, config.liquidationParams()))
    assert set(changes) <= set(p)
    p.update(changes)
    return tuple(p[k] for k in LIQUIDATION_KEYS)


def collateral_params(config, asset, **changes):
    """An asset's CollateralParams as last set (liquidationFactor at its ramp target)."""
    info = config.collateralInfo(asset)
    p = {
        "borrowFactor": info["borrowFactor"],
        "liquidationFactor": info["liquidationFactorTarget"],
        "liquidationPenalty": info["liquidationPenalty"],
        "supplyCap": info["supplyCap"],
    }
    assert set(changes) <= set(p)
    p.update(changes)
    return tuple(p[k] for k in COLLATERAL_KEYS)


def config_state(config, *assets):
    """Everything a setter could change, for the 'nothing changed' checks. Ramped values in
    force move with time (and a reverted transaction still mines a block), so ramps are read
    by their targets and ends, not by their current values."""

    def collateral(asset):
        info = config.collateralInfo(asset).dict()
        del info["liquidationFactor"]  # the value in force moves along a ramp
        return info

    return lambda: (
        config.governor(),
        config.pendingGovernor(),
        config.guardian(),
        config.rateModel(),
        config.pool(),
        tuple(config.paused(a) for a in (SUPPLY, BORROW, WITHDRAW)),
        config.marketParamsTarget(),
        config.liquidationParams(),
        config.collateralSlots(),
        tuple(collateral(a) for a in assets),
    )


# exact boundaries under the contract's rounding -----------------------------------------
def max_penalty(lf):
    """Largest p with ceil(lf·(WAD+p)/WAD) < WAD."""
    return (WAD - 1) * WAD // lf - WAD


def max_borrow_factor(lf, call_hf):
    """Largest bf with ceil(bf·callHF/WAD) ≤ lf."""
    return lf * WAD // call_hf


def min_cusp(buf, max_p):
    """Smallest cusp with floor(cusp·buf/WAD) ≥ (WAD + max p) / 2 (integer division)."""
    return div_up((WAD + max_p) // 2 * WAD, buf)


def keeper_ok(tip, chip, dust, min_p):
    """tip + chip·dust (up) ≤ floor(min p·dust) / 2 (down), as ``_checkRiskBounds``."""
    return tip + div_up(chip * dust, WAD) <= (min_p * dust // WAD) // 2


def min_keeper_dust():
    dust = 416_000_000  # below ~416.67 USDC the bound cannot hold: tip / (p/2 − chip)
    while not keeper_ok(TIP, CHIP, dust, WETH_P):
        dust += 1
    return dust


MIN_DUST = min_keeper_dust()


# ------------------------------------------------------------------ fixtures
@pytest.fixture
def weth_holder(pool, weth, borrower2):
    """``borrower2`` holds 5 WETH as collateral and owes nothing."""
    amount = 5 * 10**18
    weth.mint(borrower2, amount, {"from": borrower2})
    weth.approve(pool, amount, {"from": borrower2})
    pool.depositCollateral(weth, amount, borrower2, {"from": borrower2})
    return amount


def new_token(governor, oracle, decimals=18, with_feed=True, symbol="NEW"):
    token = MockERC20.deploy(f"{symbol} token", symbol, decimals, {"from": governor})
    if with_feed:
        feed = MockAggregator.deploy(8, f"{symbol} / USD", 100 * 10**8, {"from": governor})
        oracle.setFeed(token, True, feed, 3600, WAD, 10**24, {"from": governor})
    return token


NEW_PARAMS = (50 * 10**16, 60 * 10**16, 5 * 10**16, 10**24)


# ================================================================== roles
def test_governor_handover_takes_two_steps(config, governor, stranger, attacker, weth):
    state = config_state(config, weth)
    with reverts_views_unchanged(err("NotGovernor"), state):
        config.proposeGovernor(attacker, {"from": stranger})
    with reverts_views_unchanged(err("ZeroAddress"), state):
        config.proposeGovernor(ZERO_ADDRESS, {"from": governor})

    tx = config.proposeGovernor(stranger, {"from": governor})
    assert event(tx, "GovernorProposed") == plain((governor, stranger))
    assert config.pendingGovernor() == stranger
    assert config.governor() == governor  # nothing moves before acceptance

    with reverts_views_unchanged(err("NotPendingGovernor"), state):
        config.acceptGovernor({"from": attacker})
    with reverts_views_unchanged(err("NotPendingGovernor"), state):
        config.acceptGovernor({"from": governor})

    tx = config.acceptGovernor({"from": stranger})
    assert event(tx, "GovernorSet") == plain((governor, stranger))
    assert config.governor() == stranger
    assert config.pendingGovernor() == ZERO_ADDRESS

    # the old governor is an outsider now, the new one governs
    with reverts_views_unchanged(err("NotGovernor"), config_state(config, weth)):
        config.setGuardian(governor, {"from": governor})
    config.setGuardian(attacker, {"from": stranger})
    assert config.guardian() == attacker


def test_set_guardian(config, governor, guardian, stranger, weth):
    state = config_state(config, weth)
    for caller in (stranger, guardian):
        with reverts_views_unchanged(err("NotGovernor"), state):
            config.setGuardian(caller, {"from": caller})
    with reverts_views_unchanged(err("ZeroAddress"), state):
        config.setGuardian(ZERO_ADDRESS, {"from": governor})
    tx = config.setGuardian(stranger, {"from": governor})
    assert event(tx, "GuardianSet") == plain((guardian, stranger))
    assert config.guardian() == stranger


GOVERNOR_SETTERS = {
    "proposeGovernor": lambda m, s: m.config.proposeGovernor(s, {"from": s}),
    "setGuardian": lambda m, s: m.config.setGuardian(s, {"from": s}),
    "setRateModel": lambda m, s: m.config.setRateModel(m.rate_model, {"from": s}),
    "listCollateral": lambda m, s: m.config.listCollateral(m.base.token, NEW_PARAMS, {"from": s}),
    "setCollateralParams": lambda m, s: m.config.setCollateralParams(
        m.collaterals["WETH"].token, (WETH_BF, WETH_LF, WETH_P, 1), {"from": s}
    ),
    "freezeCollateral": lambda m, s: m.config.freezeCollateral(m.collaterals["WETH"].token, {"from": s}),
    "unfreezeCollateral": lambda m, s: m.config.unfreezeCollateral(m.collaterals["WETH"].token, {"from": s}),
    "removeCollateral": lambda m, s: m.config.removeCollateral(m.collaterals["WETH"].token, {"from": s}),
    "setMarketParams": lambda m, s: m.config.setMarketParams(market_params(m.config), {"from": s}),
    "setLiquidationParams": lambda m, s: m.config.setLiquidationParams(liquidation_params(m.config), {"from": s}),
}


def test_every_governor_setter_refuses_outsiders(market, stranger, guardian):
    # Incident class: missing access control on privileged setters.
    state = config_state(market.config, *[a.token for a in market.collaterals.values()])
    for setter, call in GOVERNOR_SETTERS.items():
        for outsider in (stranger, guardian):
            try:
                with reverts_views_unchanged(err("NotGovernor"), state):
                    call(market, outsider)
            except AssertionError as exc:
                raise AssertionError(f"{setter} from {outsider}: {exc}") from exc


def test_the_config_names_its_pool_for_good(market, config, pool):
    # immutable links (DESIGN.md 11): named at construction, no setter to rebind it
    assert config.pool() == pool and pool.config() == config
    assert not [f for f in config.abi if f.get("name") == "bindPool"]


def test_a_pool_refuses_a_config_that_names_another_pool(market, governor, guardian):
    tx = {"from": governor}
    # the market's config names the market's pool: a second pool on it never exists
    with brownie.reverts(err("ConfigOfAnotherPool", market.config)):
        LendingPool.deploy(market.config, market.liquidator, market.fund, tx)
    # a fresh config names the governor's next deployment: the pool deployed there is its own
    fresh = another_config(market, governor, guardian)
    own = LendingPool.deploy(fresh, market.liquidator, market.fund, tx)
    assert fresh.pool() == own and own.config() == fresh


# ================================================================== pauses
def test_guardian_pauses_but_only_the_governor_unpauses(config, governor, guardian, stranger, weth):
    state = config_state(config, weth)
    with reverts_views_unchanged(err("NotGuardian"), state):
        config.setPaused(SUPPLY, True, {"from": stranger})

    for action in (SUPPLY, BORROW, WITHDRAW):
        tx = config.setPaused(action, True, {"from": guardian})
        assert event(tx, "PauseSet") == plain((action, False, True))
        assert config.paused(action)

    state = config_state(config, weth)
    for action in (SUPPLY, BORROW, WITHDRAW):
        with reverts_views_unchanged(err("NotGuardian"), state):
            config.setPaused(action, False, {"from": guardian})
        with reverts_views_unchanged(err("NotGuardian"), state):
            config.setPaused(action, False, {"from": stranger})

    tx = config.setPaused(BORROW, False, {"from": governor})
    assert event(tx, "PauseSet") == plain((BORROW, True, False))
    assert not config.paused(BORROW)
    tx = config.setPaused(BORROW, True, {"from": governor})  # the governor may pause too
    assert event(tx, "PauseSet") == plain((BORROW, False, True))
    assert config.paused(BORROW)


def test_pauses_stop_supply_borrow_and_withdrawal_but_never_repay_or_top_up(
    pool, config, guardian, usdc, weth, supplier, borrower, weth_position
):
    # Incident class: pauses or oracle outages that stop borrowers from repaying or topping up while they can still be liquidated.
    for action in (SUPPLY, BORROW, WITHDRAW):
        config.setPaused(action, True, {"from": guardian})
    usdc.mint(supplier, 10**6, {"from": supplier})
    usdc.approve(pool, 10**6, {"from": supplier})
    books = lambda: (
        pool.cash(), pool.supplierAssets(), pool.normalizedDebtOf(borrower), pool.collateralOf(borrower, weth)
    )
    with reverts_views_unchanged(err("ActionPaused", SUPPLY), books):
        pool.supply(10**6, supplier, {"from": supplier})
    with reverts_views_unchanged(err("ActionPaused", WITHDRAW), books):
        pool.withdraw(10**6, supplier, {"from": supplier})
    with reverts_views_unchanged(err("ActionPaused", BORROW), books):
        pool.borrow(10**6, borrower, {"from": borrower})
    with reverts_views_unchanged(err("ActionPaused", WITHDRAW), books):
        pool.withdrawCollateral(weth, 1, borrower, {"from": borrower})

    debt = pool.debtOf(borrower)
    pool.repay(10**6, borrower, {"from": borrower})
    assert pool.debtOf(borrower) < debt
    weth.mint(borrower, 10**18, {"from": borrower})
    weth.approve(pool, 10**18, {"from": borrower})
    pool.depositCollateral(weth, 10**18, borrower, {"from": borrower})
    assert pool.collateralOf(borrower, weth) == 11 * 10**18


# ================================================================== joint hard bounds
def _apply(market, governor, kind, changes):
    config = market.config
    if kind == "market":
        return config.setMarketParams(market_params(config, **changes), {"from": governor})
    if kind == "liquidation":
        return config.setLiquidationParams(liquidation_params(config, **changes), {"from": governor})
    asset = market.collaterals[kind].token
    return config.setCollateralParams(asset, collateral_params(config, asset, **changes), {"from": governor})


# (kind, allowed at the boundary, refused one wei beyond, error name, error args as a function of the market)
BOUNDS = {
    # liquidationFactor · (1 + penalty) < 1 (strict), checked as ceil(lf·(1+p)) < 1
    "penalty": ("WETH", {"liquidationPenalty": max_penalty(WETH_LF)},
                {"liquidationPenalty": max_penalty(WETH_LF) + 1}, "PenaltyTooHigh", ["WETH"]),
    "zero liquidationFactor": ("WETH", {"borrowFactor": 0, "liquidationFactor": 1},
                               {"borrowFactor": 0, "liquidationFactor": 0}, "PenaltyTooHigh", ["WETH"]),
    # borrowFactor · marginCallHF ≤ liquidationFactor, checked as ceil(bf·callHF) ≤ lf
    "borrowFactor": ("WETH", {"borrowFactor": max_borrow_factor(WETH_LF, CALL_HF)},
                     {"borrowFactor": max_borrow_factor(WETH_LF, CALL_HF) + 1}, "BorrowFactorTooHigh", ["WETH"]),
    "marginCallHF vs borrowFactor": (
        "market", {"marginCallHF": min(WETH_LF * WAD // WETH_BF, WBTC_LF * WAD // WBTC_BF)},
        {"marginCallHF": min(WETH_LF * WAD // WETH_BF, WBTC_LF * WAD // WBTC_BF) + 1}, "BorrowFactorTooHigh", ["WETH"]),
    # fullLiquidationHF ≤ 1 < marginCallHF ≤ targetHF ≤ 2
    "fullLiquidationHF ≤ 1": ("market", {"fullLiquidationHF": WAD}, {"fullLiquidationHF": WAD + 1},
                              "BadHealthLadder", []),
    "1 < marginCallHF": ("market", {"marginCallHF": WAD + 1}, {"marginCallHF": WAD}, "BadHealthLadder", []),
    "marginCallHF ≤ targetHF": ("market", {"targetHF": CALL_HF}, {"targetHF": CALL_HF - 1}, "BadHealthLadder", []),
    "targetHF ≤ 2": ("market", {"targetHF": 2 * WAD}, {"targetHF": 2 * WAD + 1}, "BadHealthLadder", []),
    # marginCallHF ≤ maxCallHF ≤ 2
    "marginCallHF ≤ maxCallHF": ("market", {"maxCallHF": CALL_HF}, {"maxCallHF": CALL_HF - 1}, "BadMaxCallHF", []),
    "maxCallHF ≤ 2": ("market", {"maxCallHF": 2 * WAD}, {"maxCallHF": 2 * WAD + 1}, "BadMaxCallHF", []),
    # gracePeriod in [1 h, 24 h]
    "gracePeriod ≥ 1 h": ("market", {"gracePeriod": 3600}, {"gracePeriod": 3599}, "BadGracePeriod", [3599]),
    "gracePeriod ≤ 24 h": ("market", {"gracePeriod": 86400}, {"gracePeriod": 86401}, "BadGracePeriod", [86401]),
    # reserveFactor ≤ 0.5
    "reserveFactor": ("market", {"reserveFactor": WAD // 2}, {"reserveFactor": WAD // 2 + 1},
                      "BadReserveFactor", [WAD // 2 + 1]),
    # dust > 0 (and fits 128 bits)
    "dust > 0": ("market", {"dust": MIN_DUST}, {"dust": 0}, "BadDust", [0]),
    "dust < 2^128": ("market", {"dust": 2**128 - 1}, {"dust": 2**128}, "BadDust", [2**128]),
    # volSlope ≤ 10
    "volSlope": ("market", {"volSlope": 10 * WAD}, {"volSlope": 10 * WAD + 1}, "BadVolatilityParams", []),
    # buf in [1, 2], cusp in (0, 1), cusp·buf ≥ (1 + max p)/2
    "buf ≥ 1": ("liquidation", {"buf": WAD}, {"buf": WAD - 1}, "BadAuctionCurve", []),
    "buf ≤ 2": ("liquidation", {"buf": 2 * WAD}, {"buf": 2 * WAD + 1}, "BadAuctionCurve", []),
    "cusp < 1": ("liquidation", {"cusp": WAD - 1}, {"cusp": WAD}, "BadAuctionCurve", []),
    "cusp > 0": ("liquidation", {"cusp": min_cusp(110 * 10**16, WBTC_P)}, {"cusp": 0}, "BadAuctionCurve", []),
    "cusp·buf": ("liquidation", {"cusp": min_cusp(110 * 10**16, WBTC_P)},
                 {"cusp": min_cusp(110 * 10**16, WBTC_P) - 1}, "BadAuctionCurve", []),
    # tip + chip·dust ≤ min p · dust / 2
    "keeper chip": ("liquidation", {"chip": 15 * 10**15}, {"chip": 15 * 10**15 + 1}, "KeeperIncentiveTooHigh", []),
    "keeper tip": ("liquidation", {"tip": 24 * 10**6}, {"tip": 24 * 10**6 + 1}, "KeeperIncentiveTooHigh", []),
    "keeper min penalty": ("WETH", {"liquidationPenalty": 22 * 10**15}, {"liquidationPenalty": 22 * 10**15 - 1},
                           "KeeperIncentiveTooHigh", []),
    "keeper dust": ("market", {"dust": MIN_DUST}, {"dust": MIN_DUST - 1}, "KeeperIncentiveTooHigh", []),
}


@pytest.mark.parametrize("bound", BOUNDS)
def test_hard_bound_at_its_exact_boundary(market, governor, bound):
    # Incident class: out-of-bound governance parameters (a misconfiguration that breaks the joint bounds keeping liquidations solvent).
    kind, allowed, refused, name, args = BOUNDS[bound]
    args = [market.collaterals[a].token if isinstance(a, str) else a for a in args]
    assets = [a.token for a in market.collaterals.values()]

    with reverts_views_unchanged(err(name, *args), config_state(market.config, *assets)):
        _apply(market, governor, kind, refused)

    _apply(market, governor, kind, allowed)
    config = market.config
    if kind == "market":
        assert dict(zip(MARKET_KEYS, config.marketParamsTarget())) | allowed == dict(
            zip(MARKET_KEYS, config.marketParamsTarget())
        )
    elif kind == "liquidation":
        assert dict(zip(LIQUIDATION_KEYS, config.liquidationParams())) | allowed == dict(
            zip(LIQUIDATION_KEYS, config.liquidationParams())
        )
    else:
        current = dict(zip(COLLATERAL_KEYS, collateral_params(config, market.collaterals[kind].token)))
        assert current | allowed == current


def test_boundaries_reflect_the_contract_rounding():
    """The exact-arithmetic bounds sit one wei (or a fraction) from the rounded ones above."""
    # Incident class: out-of-bound governance parameters (a misconfiguration that breaks the joint bounds keeping liquidations solvent).
    # lf·(1+p) < 1 in exact arithmetic allows one wei more penalty than ceil(lf·(1+p)) < 1
    assert WETH_LF * (WAD + max_penalty(WETH_LF) + 1) < WAD * WAD
    # bf·callHF ≤ lf: the rounded-up product refuses exactly what exact arithmetic refuses here
    assert max_borrow_factor(WETH_LF, CALL_HF) * CALL_HF <= WETH_LF * WAD
    assert (max_borrow_factor(WETH_LF, CALL_HF) + 1) * CALL_HF > WETH_LF * WAD
    assert not keeper_ok(TIP, CHIP, MIN_DUST - 1, WETH_P) and keeper_ok(TIP, CHIP, MIN_DUST, WETH_P)


def test_auction_curve_bound_counts_every_wei_of_penalty(config, governor, wbtc):
    """cusp·buf ≥ (1 + max p)/2. With cusp·buf = 0.55 exactly, max p = 0.10 is allowed and
    0.10 + 1 wei is not: 2·0.55 = 1.10 < 1.10 + 1e-18."""
    config.setLiquidationParams(liquidation_params(config, buf=WAD, cusp=55 * 10**16), {"from": governor})
    config.setCollateralParams(wbtc, collateral_params(config, wbtc, liquidationPenalty=10**17), {"from": governor})
    with reverts_views_unchanged(err("BadAuctionCurve"), config_state(config, wbtc)):
        config.setCollateralParams(
            wbtc, collateral_params(config, wbtc, liquidationPenalty=10**17 + 1), {"from": governor}
        )


# ---------------------------------------------------------------- bounds on ramps in progress
def test_raising_borrow_factor_during_a_liquidation_factor_ramp_is_checked_at_the_lower_end(
    config, governor, weth
):
    # Incident class: governance changing liquidation thresholds at once, liquidating existing borrowers (hence ramps, as Euler's LTV ramp).
    tx = config.setCollateralParams(weth, (70 * 10**16, 80 * 10**16, WETH_P, 10**23), {"from": governor})
    start = tx.timestamp
    mine_at(start + HALF_RAMP)
    lf_now = config.collateralInfo(weth)["liquidationFactor"]
    assert lf_now == 825 * 10**15
    bf_max = max_borrow_factor(80 * 10**16, CALL_HF)
    # the value in force would allow more: only the ramp's target refuses it
    assert div_up((bf_max + 1) * CALL_HF, WAD) <= lf_now

    with reverts_views_unchanged(err("BorrowFactorTooHigh", weth), config_state(config, weth)):
        config.setCollateralParams(weth, (bf_max + 1, 80 * 10**16, WETH_P, 10**23), {"from": governor})
    config.setCollateralParams(weth, (bf_max, 80 * 10**16, WETH_P, 10**23), {"from": governor})
    assert config.collateralInfo(weth)["borrowFactor"] == bf_max


def test_raising_penalty_during_a_liquidation_factor_ramp_is_checked_at_the_higher_end(config, governor, weth):
    tx = config.setCollateralParams(weth, (70 * 10**16, 80 * 10**16, WETH_P, 10**23), {"from": governor})
    start, end = tx.timestamp, tx.timestamp + WEEK
    t = start + HALF_RAMP
    lf_at_t = ramp_value(WETH_LF, 80 * 10**16, start, end, t)
    p_max = max_penalty(lf_at_t)
    assert p_max < max_penalty(80 * 10**16)  # the target alone would allow p_max + 1

    next_block_at(t)
    with reverts_views_unchanged(err("PenaltyTooHigh", weth), config_state(config, weth)):
        config.setCollateralParams(weth, (70 * 10**16, 80 * 10**16, p_max + 1, 10**23), {"from": governor})
    # the refused call changed nothing: one second later the ramp is one second further
    p_max = max_penalty(ramp_value(WETH_LF, 80 * 10**16, start, end, t + 1))
    next_block_at(t + 1)
    config.setCollateralParams(weth, (70 * 10**16, 80 * 10**16, p_max, 10**23), {"from": governor})
    assert config.collateralInfo(weth)["liquidationPenalty"] == p_max


def test_bounds_during_a_margin_call_hf_ramp_use_its_higher_end(config, governor, weth):
    raised = 113 * 10**16
    tx = config.setMarketParams(market_params(config, marginCallHF=raised), {"from": governor})
    mine_at(tx.timestamp + HALF_RAMP)
    assert CALL_HF < config.marketParams()["marginCallHF"] < raised

    # borrowFactor · marginCallHF ≤ lf is checked at the ramp's target
    bf_max = max_borrow_factor(WETH_LF, raised)
    with reverts_views_unchanged(err("BorrowFactorTooHigh", weth), config_state(config, weth)):
        config.setCollateralParams(weth, collateral_params(config, weth, borrowFactor=bf_max + 1), {"from": governor})
    # marginCallHF ≤ targetHF likewise: a targetHF above the value in force but below the target
    with reverts_views_unchanged(err("BadHealthLadder"), config_state(config, weth)):
        config.setMarketParams(market_params(config, targetHF=raised - 1), {"from": governor})

    config.setCollateralParams(weth, collateral_params(config, weth, borrowFactor=bf_max), {"from": governor})
    config.setMarketParams(market_params(config, targetHF=raised), {"from": governor})
    assert config.marketParamsTarget()["targetHF"] == raised


# ================================================================== ramps
def test_lowering_a_liquidation_factor_ramps_over_seven_days(
    config, pool, governor, weth, weth_feed, usdc_feed, borrower, weth_position
):
    # Incident class: governance changing liquidation thresholds at once, liquidating existing borrowers (hence ramps, as Euler's LTV ramp).
    collateral, _ = weth_position
    target = 80 * 10**16 + 1  # an odd distance, so the half-way point needs rounding
    old = collateral_params(config, weth)
    new = (70 * 10**16, target, WETH_P, old[3])
    tx = config.setCollateralParams(weth, new, {"from": governor})
    start, end = tx.timestamp, tx.timestamp + WEEK

    assert event(tx, "RampStarted") == plain((bytes32_name("liquidationFactor"), weth, WETH_LF, target, end))
    assert event(tx, "CollateralParamsSet") == plain((weth, old, new))
    info = config.collateralInfo(weth)
    assert info["borrowFactor"] == 70 * 10**16  # applies at once
    assert (info["liquidationFactor"], info["liquidationFactorTarget"], info["liquidationFactorRampEnd"]) == (
        WETH_LF,
        target,
        end,
    )

    def hf_at(lf):
        liq = liquidation_value([Holding(collateral, 3000 * WAD, 18, liquidation_factor=lf)])
        return health_factor(liq, debt_value(pool.debtOf(borrower)))

    assert pool.healthFactor(borrower) == hf_at(WETH_LF)

    expected = {
        start + WEEK // 7: None,
        start + HALF_RAMP: 825 * 10**15,  # exact midpoint 0.825 + 0.5 wei, rounded towards the target
        end - 1: None,
        end: target,
        end + 30 * DAY: target,
    }
    for t, value in sorted(expected.items()):
        post_fresh_rounds([weth_feed, usdc_feed], t, governor, mined_at=t)  # one second apart at the end
        mine_at(t)
        lf = config.collateralInfo(weth)["liquidationFactor"]
        assert lf == ramp_value(WETH_LF, target, start, end, t)
        if value is not None:
            assert lf == value
        assert pool.healthFactor(borrower) == hf_at(lf)
    # rounded towards the from-value it would read one wei higher
    assert ramp_value(WETH_LF, target, start, end, start + HALF_RAMP) + 1 == WETH_LF - (WETH_LF - target) // 2


def test_raising_a_liquidation_factor_applies_at_once(config, governor, weth):
    params = collateral_params(config, weth, liquidationFactor=90 * 10**16)
    tx = config.setCollateralParams(weth, params, {"from": governor})
    assert "RampStarted" not in tx.events
    info = config.collateralInfo(weth)
    assert info["liquidationFactor"] == info["liquidationFactorTarget"] == 90 * 10**16
    assert info["liquidationFactorRampEnd"] == tx.timestamp


def test_raising_margin_call_hf_ramps_and_lowering_applies_at_once(config, governor, spec):
    # Incident class: governance changing liquidation thresholds at once, liquidating existing borrowers (hence ramps, as Euler's LTV ramp).
    target = 112 * 10**16 + 1
    old = config.marketParams()
    params = market_params(config, marginCallHF=target)
    tx = config.setMarketParams(params, {"from": governor})
    start, end = tx.timestamp, tx.timestamp + WEEK
    assert event(tx, "RampStarted") == plain((bytes32_name("marginCallHF"), ZERO_ADDRESS, CALL_HF, target, end))
    assert event(tx, "MarketParamsSet") == plain((old, params))
    assert plain(old) == spec.market_tuple()
    assert config.marketParams()["marginCallHF"] == CALL_HF
    assert config.marketParamsTarget()["marginCallHF"] == target

    for t in (start + HALF_RAMP, end, end + DAY):
        mine_at(t)
        assert config.marketParams()["marginCallHF"] == ramp_value(CALL_HF, target, start, end, t)
    assert ramp_value(CALL_HF, target, start, end, start + HALF_RAMP) == 111 * 10**16 + 1  # up, towards the target

    lowered = 105 * 10**16
    tx = config.setMarketParams(market_params(config, marginCallHF=lowered), {"from": governor})
    assert "RampStarted" not in tx.events
    assert config.marketParams()["marginCallHF"] == lowered


def test_another_setter_call_mid_ramp_neither_restarts_nor_cuts_the_ramp(config, governor, weth):
    """A governor changing dust (or a penalty) while marginCallHF and a liquidation factor ramp
    passes their targets again: the ramps go on as started, to the same end."""
    call_target, lf_target = 112 * 10**16, 80 * 10**16
    tx = config.setMarketParams(market_params(config, marginCallHF=call_target), {"from": governor})
    call_start = tx.timestamp
    lowered = collateral_params(config, weth, borrowFactor=70 * 10**16, liquidationFactor=lf_target)
    tx = config.setCollateralParams(weth, lowered, {"from": governor})
    lf_start = tx.timestamp

    mine_at(call_start + HALF_RAMP)
    tx = config.setMarketParams(market_params(config, dust=2 * DUST), {"from": governor})
    assert "RampStarted" not in tx.events
    tx2 = config.setCollateralParams(
        weth, collateral_params(config, weth, liquidationPenalty=6 * 10**16), {"from": governor}
    )
    assert "RampStarted" not in tx2.events
    assert config.marketParamsTarget()["dust"] == 2 * DUST
    assert config.collateralInfo(weth)["liquidationFactorRampEnd"] == lf_start + WEEK
    for t in (tx2.timestamp, call_start + WEEK, lf_start + WEEK):
        mine_at(t)
        assert config.marketParams()["marginCallHF"] == ramp_value(CALL_HF, call_target, call_start, call_start + WEEK, t)
        assert config.collateralInfo(weth)["liquidationFactor"] == ramp_value(
            WETH_LF, lf_target, lf_start, lf_start + WEEK, t
        )


def test_shortening_the_grace_period_ramps_and_lengthening_applies_at_once(config, governor):
    # Incident class: governance changing liquidation thresholds at once, liquidating existing borrowers (hence ramps, as Euler's LTV ramp).
    target = 3601
    tx = config.setMarketParams(market_params(config, gracePeriod=target), {"from": governor})
    start, end = tx.timestamp, tx.timestamp + WEEK
    assert event(tx, "RampStarted") == plain((bytes32_name("gracePeriod"), ZERO_ADDRESS, 21600, target, end))
    assert config.marketParams()["gracePeriod"] == 21600

    mine_at(start + HALF_RAMP)
    assert config.marketParams()["gracePeriod"] == 12600  # 12,600.5 rounded towards the target
    mine_at(end)
    assert config.marketParams()["gracePeriod"] == target

    tx = config.setMarketParams(market_params(config, gracePeriod=43200), {"from": governor})
    assert "RampStarted" not in tx.events
    assert config.marketParams()["gracePeriod"] == 43200


def test_margin_calls_use_the_grace_period_in_force_during_its_ramp(
    config, pool, governor, keeper, weth_feed, usdc_feed, borrower, weth_position
):
    tx = config.setMarketParams(market_params(config, gracePeriod=3600), {"from": governor})
    t = tx.timestamp + HALF_RAMP
    grace_at_t = ramp_value(21600, 3600, tx.timestamp, tx.timestamp + WEEK, t)
    post_fresh_rounds([usdc_feed], t, governor)
    post = weth_feed.latestRound() + 1
    weth_feed.setRound(post, 1900 * 10**8, t, post, {"from": governor})  # HF 1.077: in the band
    next_block_at(t)
    tx = pool.issueMarginCall(borrower, {"from": keeper})
    assert tx.events["MarginCallIssued"]["deadline"] == t + grace_at_t == t + 12600


# ================================================================== delisting
def test_freeze_blocks_deposits_and_keeps_borrow_factor_zero(config, pool, governor, weth, borrower2, weth_holder):
    old = collateral_params(config, weth)
    tx = config.freezeCollateral(weth, {"from": governor})
    assert event(tx, "CollateralFrozenSet") == plain((weth, True))
    assert event(tx, "CollateralParamsSet") == plain((weth, old, (0,) + old[1:]))
    info = config.collateralInfo(weth)
    assert info["frozen"] and info["borrowFactor"] == 0 and info["liquidationFactor"] == WETH_LF

    weth.mint(borrower2, 10**18, {"from": borrower2})
    weth.approve(pool, 10**18, {"from": borrower2})
    balances = lambda: (pool.collateralOf(borrower2, weth), pool.totalCollateral(weth), weth.balanceOf(borrower2))
    with reverts_views_unchanged(err("CollateralFrozen", weth), balances):
        pool.depositCollateral(weth, 10**18, borrower2, {"from": borrower2})

    with reverts_views_unchanged(err("CollateralFrozen", weth), config_state(config, weth)):
        config.setCollateralParams(weth, collateral_params(config, weth, borrowFactor=1), {"from": governor})
    # with borrowFactor 0 the governor ramps the liquidationFactor down
    tx = config.setCollateralParams(weth, collateral_params(config, weth, liquidationFactor=10**16), {"from": governor})
    assert tx.events["RampStarted"]["to"] == 10**16

    tx = config.unfreezeCollateral(weth, {"from": governor})
    assert event(tx, "CollateralFrozenSet") == plain((weth, False))
    with reverts_views_unchanged(err("NotFrozen", weth), config_state(config, weth)):
        config.unfreezeCollateral(weth, {"from": governor})


def test_remove_collateral_only_when_frozen_and_nobody_holds_it(
    config, oracle, pool, governor, weth, wbtc, borrower2, weth_holder
):
    state = config_state(config, weth)
    with reverts_views_unchanged(err("NotFrozen", weth), state):
        config.removeCollateral(weth, {"from": governor})
    config.freezeCollateral(weth, {"from": governor})
    state = config_state(config, weth)
    with reverts_views_unchanged(err("CollateralOutstanding", weth, weth_holder), state):
        config.removeCollateral(weth, {"from": governor})

    pool.withdrawCollateral(weth, MAX_UINT, borrower2, {"from": borrower2})  # no debt: no price needed
    slot = config.collateralInfo(weth)["slot"]
    tx = config.removeCollateral(weth, {"from": governor})
    assert event(tx, "CollateralRemoved") == plain((weth,))
    assert config.collateralSlots()[slot] == ZERO_ADDRESS
    assert list(config.collateralAssets()) == [wbtc]
    assert not config.collateralInfo(weth)["listed"]
    with reverts_views_unchanged(err("NotListed", weth), lambda: pool.totalCollateral(weth)):
        pool.depositCollateral(weth, 1, borrower2, {"from": borrower2})
    with reverts_views_unchanged(err("NotListed", weth), config_state(config, weth)):
        config.removeCollateral(weth, {"from": governor})

    # the freed slot is taken by the next listing
    token = new_token(governor, oracle)
    tx = config.listCollateral(token, NEW_PARAMS, {"from": governor})
    assert event(tx, "CollateralListed") == plain((token, 18, NEW_PARAMS))
    assert config.collateralInfo(token)["slot"] == slot


# ================================================================== listing
def test_listing_refusals(config, oracle, governor, usdc, weth):
    # Incident class: listing an asset the protocol cannot handle (too many decimals, the base asset as collateral, no feed).
    state = config_state(config, weth)
    with reverts_views_unchanged(err("ZeroAddress"), state):
        config.listCollateral(ZERO_ADDRESS, NEW_PARAMS, {"from": governor})
    with reverts_views_unchanged(err("BaseNotCollateral"), state):
        config.listCollateral(usdc, NEW_PARAMS, {"from": governor})
    with reverts_views_unchanged(err("AlreadyListed", weth), state):
        config.listCollateral(weth, NEW_PARAMS, {"from": governor})
    unpriced = new_token(governor, oracle, with_feed=False)
    with reverts_views_unchanged(err("NoPriceFeed", unpriced), state):
        config.listCollateral(unpriced, NEW_PARAMS, {"from": governor})
    odd = new_token(governor, oracle, decimals=37, symbol="D37")
    with reverts_views_unchanged(err("UnsupportedToken", odd), state):
        config.listCollateral(odd, NEW_PARAMS, {"from": governor})
    # the listing is bounded like every other setter
    risky = new_token(governor, oracle, symbol="RSK")
    with reverts_views_unchanged(err("BorrowFactorTooHigh", risky), state):
        config.listCollateral(risky, (60 * 10**16, 60 * 10**16, 5 * 10**16, 1), {"from": governor})

    widest = new_token(governor, oracle, decimals=36, symbol="D36")
    tx = config.listCollateral(widest, NEW_PARAMS, {"from": governor})
    assert event(tx, "CollateralListed") == plain((widest, 36, NEW_PARAMS))
    assert config.collateralInfo(widest)["decimals"] == 36


def test_at_most_eight_collaterals(config, oracle, governor, weth, wbtc):
    tokens = [new_token(governor, oracle, symbol=f"C{i}") for i in range(7)]
    for i, token in enumerate(tokens[:6]):
        config.listCollateral(token, NEW_PARAMS, {"from": governor})
        assert config.collateralInfo(token)["slot"] == 2 + i
    assert list(config.collateralAssets()) == [weth, wbtc] + tokens[:6]
    with reverts_views_unchanged(err("TooManyCollaterals"), config_state(config, tokens[6])):
        config.listCollateral(tokens[6], NEW_PARAMS, {"from": governor})


# ================================================================== interest before a change
def test_market_params_change_accrues_interest_first(pool, config, governor, spec, weth_position):
    curve = tuple(spec.interest[k] for k in ("base_rate", "kink", "kink_rate", "max_rate"))
    old_rf, new_rf = spec.market["reserve_factor"], WAD // 2
    chain.sleep(30 * DAY)
    books = pool_books(pool)
    reserves = pool.reserves()
    params = market_params(config, reserveFactor=new_rf)
    tx = config.setMarketParams(params, {"from": governor})

    index, interest, to_reserves, rate = expected_accrual(books, curve, old_rf, tx.timestamp)
    assert interest > 0 and to_reserves == interest * old_rf // WAD
    assert event(tx, "InterestAccrued") == plain((index, interest, to_reserves, rate))
    assert event(tx, "MarketParamsSet") == plain((spec.market_tuple(), params))
    assert pool.reserves() == reserves + to_reserves

    # later interest is split at the new factor
    chain.sleep(30 * DAY)
    books, reserves = pool_books(pool), pool.reserves()
    tx = pool.accrueInterest({"from": governor})
    index, interest, to_reserves, rate = expected_accrual(books, curve, new_rf, tx.timestamp)
    assert event(tx, "InterestAccrued") == plain((index, interest, to_reserves, rate))
    assert to_reserves == interest // 2
    assert pool.reserves() == reserves + to_reserves


def test_rate_model_change_accrues_interest_first(pool, config, governor, stranger, spec, market, weth_position):
    old_curve = tuple(spec.interest[k] for k in ("base_rate", "kink", "kink_rate", "max_rate"))
    new_curve = (5 * 10**16, 80 * 10**16, 20 * 10**16, WAD)
    model = InterestRateModel.deploy(*new_curve, {"from": governor})
    rf = spec.market["reserve_factor"]
    with reverts_views_unchanged(err("ZeroAddress"), config_state(config)):
        config.setRateModel(ZERO_ADDRESS, {"from": governor})

    chain.sleep(30 * DAY)
    books = pool_books(pool)
    tx = config.setRateModel(model, {"from": governor})
    expected = expected_accrual(books, old_curve, rf, tx.timestamp)
    assert event(tx, "InterestAccrued") == plain(expected)
    assert event(tx, "RateModelSet") == plain((market.rate_model, model))
    assert config.rateModel() == model

    chain.sleep(30 * DAY)
    books = pool_books(pool)
    tx = pool.accrueInterest({"from": governor})
    expected = expected_accrual(books, new_curve, rf, tx.timestamp)
    assert event(tx, "InterestAccrued") == plain(expected)
    assert expected[3] >= new_curve[0]  # the new curve's floor rate: the new model is in use


def test_liquidation_params_event_carries_old_and_new(config, governor, spec):
    params = liquidation_params(config, tip=11 * 10**6)
    tx = config.setLiquidationParams(params, {"from": governor})
    assert event(tx, "LiquidationParamsSet") == plain((spec.liquidation_tuple(), params))
    assert plain(config.liquidationParams()) == params
