"""OracleAdapter: every way a feed is refused (with its named error), decimals normalisation,
the fallback to a secondary feed, the deviation rule and its exact threshold, governance of
feeds, `poke`'s status events, and how the pool reads a deviating price (DESIGN.md 6)."""

from types import SimpleNamespace

import pytest
from brownie import MockAggregator, MockERC20

from tests.model.call_level import HEALTHY, MARGIN_CALL
from tests.model.fixed_point import WAD, div_up
from tests.model.valuation import (
    Holding,
    DEVIATING,
    FALLBACK,
    INVALID,
    VALID,
    borrow_capacity,
    debt_value,
    health_factor,
    liquidation_value,
    price_wad,
)
from tests.support.actions import post_new_phase, post_round
from tests.support.chain_time import mine_at, now
from tests.support.reverts import err, event, plain, reverts_views_unchanged
from tests.support.units import ZERO_ADDRESS

HEARTBEAT = 3600
MIN_PRICE, MAX_PRICE = WAD, 1000 * WAD  # [$1, $1,000]
MAX_DEVIATION = 2 * 10**16  # demo: 2 %

# FeedFault
NONE, NOT_CONFIGURED, REVERTED, NON_POSITIVE, INCOMPLETE, STALE, OUT_OF_BOUNDS = range(7)


@pytest.fixture(scope="module")
def tkn(market, governor):
    """A test asset priced $100 by an 8-decimal primary feed; a second feed (also $100) is
    deployed but not attached."""
    token = MockERC20.deploy("Test Token", "TKN", 18, {"from": governor})
    primary = MockAggregator.deploy(8, "TKN / USD", 100 * 10**8, {"from": governor})
    secondary = MockAggregator.deploy(8, "TKN / USD (2)", 100 * 10**8, {"from": governor})
    market.oracle.setFeed(token, True, primary, HEARTBEAT, MIN_PRICE, MAX_PRICE, {"from": governor})
    return SimpleNamespace(token=token, primary=primary, secondary=secondary)


@pytest.fixture
def with_secondary(oracle, governor, tkn):
    oracle.setFeed(tkn.token, False, tkn.secondary, HEARTBEAT, MIN_PRICE, MAX_PRICE, {"from": governor})


def oracle_state(oracle, asset):
    return lambda: (
        oracle.governor(),
        oracle.maxDeviation(),
        oracle.primaryFeed(asset),
        oracle.secondaryFeed(asset),
        oracle.lastStatus(asset),
        oracle.volRef(),
        oracle.volTau(),
        oracle.maxRoundsPerPoke(),
    )


def assert_invalid(oracle, asset, message, fault):
    """No valid price: getPrice and priceRange revert with ``message``; tryPriceRange says so."""
    state = oracle_state(oracle, asset)
    with reverts_views_unchanged(message, state):
        oracle.getPrice(asset)
    with reverts_views_unchanged(message, state):
        oracle.priceRange(asset)
    assert plain(oracle.tryPriceRange(asset)) == (False, 0, 0)
    assert oracle.priceStatus(asset) == INVALID
    assert oracle.readFeed(asset, True)[1] == fault


def assert_price(oracle, asset, low, high=None, status=VALID, price=None):
    high = low if high is None else high
    assert oracle.getPrice(asset) == (low if price is None else price)
    assert plain(oracle.priceRange(asset)) == (low, high)
    assert plain(oracle.tryPriceRange(asset)) == (True, low, high)
    assert oracle.priceStatus(asset) == status


# ================================================================== a valid price
def test_a_valid_primary(oracle, tkn):
    assert_price(oracle, tkn.token, 100 * WAD)
    assert plain(oracle.readFeed(tkn.token, True)) == (100 * WAD, NONE, 0)
    assert oracle.hasFeed(tkn.token)


def test_no_feed(oracle, stranger):
    assert not oracle.hasFeed(stranger)
    assert_invalid(oracle, stranger, err("NoFeed", stranger), NOT_CONFIGURED)


# ================================================================== failure modes
def _reverting(feed, gov):
    feed.setReverting(True, {"from": gov})
    return "FeedReverted", []


def _zero(feed, gov):
    post_round(feed, 0, now(), gov)
    return "NonPositivePrice", [0]


def _negative(feed, gov):
    post_round(feed, -5 * 10**8, now(), gov)
    return "NonPositivePrice", [-5 * 10**8]


def _not_updated(feed, gov):
    round_id = post_round(feed, 100 * 10**8, 0, gov)
    return "IncompleteRound", [round_id]


def _answered_earlier(feed, gov):
    round_id = feed.latestRound() + 1
    feed.setRound(round_id, 100 * 10**8, now(), round_id - 1, {"from": gov})
    return "IncompleteRound", [round_id]


def _stale(feed, gov):
    updated_at = now() - HEARTBEAT - 1
    post_round(feed, 100 * 10**8, updated_at, gov)
    return "StalePrice", [updated_at]


def _future(feed, gov):
    updated_at = now() + 1000
    post_round(feed, 100 * 10**8, updated_at, gov)
    return "StalePrice", [updated_at]


def _below_min(feed, gov):
    post_round(feed, 10**8 - 1, now(), gov)
    return "PriceOutOfBounds", [(10**8 - 1) * 10**10]


def _above_max(feed, gov):
    post_round(feed, 1000 * 10**8 + 1, now(), gov)
    return "PriceOutOfBounds", [(1000 * 10**8 + 1) * 10**10]


def _absurd(feed, gov):
    # above 2^128 the answer is refused before scaling; the error then carries the raw answer
    post_round(feed, 2**128, now(), gov)
    return "PriceOutOfBounds", [2**128]


FAILURES = {
    "reverting feed": (_reverting, REVERTED),
    "zero answer": (_zero, NON_POSITIVE),
    "negative answer": (_negative, NON_POSITIVE),
    "updatedAt 0": (_not_updated, INCOMPLETE),
    "answeredInRound < roundId": (_answered_earlier, INCOMPLETE),
    "stale": (_stale, STALE),
    "from the future": (_future, STALE),
    "below minPrice": (_below_min, OUT_OF_BOUNDS),
    "above maxPrice": (_above_max, OUT_OF_BOUNDS),
    "beyond 128 bits": (_absurd, OUT_OF_BOUNDS),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_each_failure_mode_has_its_named_error(oracle, governor, tkn, failure):
    # Incident class: stale, zero/negative, incomplete or out-of-bounds oracle answers and reverting feeds (a feed pinned at a bound, as Chainlink's LUNA feed at its minAnswer in May 2022).
    breaker, fault = FAILURES[failure]
    name, args = breaker(tkn.primary, governor)
    assert_invalid(oracle, tkn.token, err(name, tkn.token, *args), fault)


def test_exactly_at_the_heartbeat_is_still_valid(oracle, governor, tkn):
    updated_at = now() + 60
    post_round(tkn.primary, 100 * 10**8, updated_at, governor)
    mine_at(updated_at)  # same second: valid
    assert_price(oracle, tkn.token, 100 * WAD)
    mine_at(updated_at + HEARTBEAT)
    assert_price(oracle, tkn.token, 100 * WAD)
    mine_at(updated_at + HEARTBEAT + 1)
    assert_invalid(oracle, tkn.token, err("StalePrice", tkn.token, updated_at), STALE)


def test_a_round_from_the_future_becomes_valid_when_its_time_comes(oracle, governor, tkn):
    updated_at = now() + 100
    post_round(tkn.primary, 100 * 10**8, updated_at, governor)
    mine_at(updated_at - 1)
    assert_invalid(oracle, tkn.token, err("StalePrice", tkn.token, updated_at), STALE)
    mine_at(updated_at)
    assert_price(oracle, tkn.token, 100 * WAD)


def test_exactly_at_the_price_bounds_is_valid(oracle, governor, tkn):
    post_round(tkn.primary, 10**8, now(), governor)
    assert_price(oracle, tkn.token, MIN_PRICE)
    post_round(tkn.primary, 1000 * 10**8, now(), governor)
    assert_price(oracle, tkn.token, MAX_PRICE)


DECIMALS = [
    (0, 1234),
    (6, 1234_567891),
    (8, 1234_56789123),
    (18, 1234_567891234567891234),
    (24, 1234_567891234567891234_567891),  # below a wei: rounded down
    (36, 12_345678912345678912_345678912345678912),
]


def test_feed_decimals_are_normalised_to_wad(oracle, governor, tkn):
    for decimals, feed_answer in DECIMALS:
        feed = MockAggregator.deploy(decimals, "TKN / USD", feed_answer, {"from": governor})
        oracle.setFeed(tkn.token, True, feed, HEARTBEAT, WAD, 10**24, {"from": governor})
        assert oracle.primaryFeed(tkn.token)[1] == decimals
        assert_price(oracle, tkn.token, price_wad(feed_answer, decimals))
    assert price_wad(DECIMALS[4][1], 24) == 1234_567891234567891234
    assert price_wad(DECIMALS[5][1], 36) == 12_345678912345678912
    assert price_wad(DECIMALS[0][1], 0) == 1234 * WAD


# ================================================================== fallback
def test_falls_back_to_the_secondary_when_the_primary_fails(oracle, governor, tkn, with_secondary):
    # Incident class: oracle outage (a failed primary feed) stopping the protocol.
    post_round(tkn.secondary, 101 * 10**8, now(), governor)
    tkn.primary.setReverting(True, {"from": governor})
    assert_price(oracle, tkn.token, 101 * WAD, status=FALLBACK)

    tkn.primary.setReverting(False, {"from": governor})
    _stale(tkn.primary, governor)
    assert_price(oracle, tkn.token, 101 * WAD, status=FALLBACK)


def test_both_invalid_reports_the_primarys_error(oracle, governor, tkn, with_secondary):
    _, (updated_at,) = _stale(tkn.primary, governor)
    tkn.secondary.setReverting(True, {"from": governor})
    assert_invalid(oracle, tkn.token, err("StalePrice", tkn.token, updated_at), STALE)

    tkn.primary.setReverting(True, {"from": governor})
    tkn.secondary.setReverting(False, {"from": governor})
    _negative(tkn.secondary, governor)
    assert_invalid(oracle, tkn.token, err("FeedReverted", tkn.token), REVERTED)


# ================================================================== deviation
@pytest.mark.parametrize("primary_is_lower", [True, False])
def test_deviation_threshold_is_exact(oracle, governor, tkn, with_secondary, primary_is_lower):
    """Relative to the lower price: exactly maxDeviation is not a deviation, one unit more is."""
    lo, hi_at, hi_beyond = 100 * 10**8, 102 * 10**8, 102 * 10**8 + 1
    p_feed, s_feed = (tkn.primary, tkn.secondary) if primary_is_lower else (tkn.secondary, tkn.primary)

    post_round(p_feed, lo, now(), governor)
    post_round(s_feed, 101 * 10**8, now(), governor)  # well within: Valid, the primary's price
    assert_price(oracle, tkn.token, oracle.readFeed(tkn.token, True)[0], status=VALID)

    post_round(s_feed, hi_at, now(), governor)
    primary_price = oracle.readFeed(tkn.token, True)[0]
    assert_price(oracle, tkn.token, primary_price, status=VALID)  # the primary, whichever side

    post_round(s_feed, hi_beyond, now(), governor)
    primary_price = oracle.readFeed(tkn.token, True)[0]
    assert_price(oracle, tkn.token, lo * 10**10, hi_beyond * 10**10, status=DEVIATING, price=primary_price)


def test_detach_secondary(oracle, governor, stranger, tkn, with_secondary):
    post_round(tkn.secondary, 110 * 10**8, now(), governor)
    assert oracle.priceStatus(tkn.token) == DEVIATING
    with reverts_views_unchanged(err("NotGovernor"), oracle_state(oracle, tkn.token)):
        oracle.detachSecondary(tkn.token, {"from": stranger})

    tx = oracle.detachSecondary(tkn.token, {"from": governor})
    assert event(tx, "SecondaryDetached") == plain((tkn.token, tkn.secondary))
    assert oracle.secondaryFeed(tkn.token)[0] == ZERO_ADDRESS
    assert_price(oracle, tkn.token, 100 * WAD)
    with reverts_views_unchanged(err("NoSecondary", tkn.token), oracle_state(oracle, tkn.token)):
        oracle.detachSecondary(tkn.token, {"from": governor})


# ================================================================== feed governance
def test_set_feed_validation(oracle, governor, stranger, tkn):
    asset, feed = tkn.token, tkn.secondary
    state = oracle_state(oracle, asset)
    refused = [
        ((asset, True, feed, HEARTBEAT, MIN_PRICE, MAX_PRICE), stranger, err("NotGovernor")),
        ((ZERO_ADDRESS, True, feed, HEARTBEAT, MIN_PRICE, MAX_PRICE), governor, err("ZeroAddress")),
        ((asset, True, ZERO_ADDRESS, HEARTBEAT, MIN_PRICE, MAX_PRICE), governor, err("ZeroAddress")),
        ((asset, True, feed, 59, MIN_PRICE, MAX_PRICE), governor, err("BadHeartbeat", 59)),
        ((asset, True, feed, 7 * 86400 + 1, MIN_PRICE, MAX_PRICE), governor, err("BadHeartbeat", 7 * 86400 + 1)),
        ((asset, True, feed, HEARTBEAT, 0, MAX_PRICE), governor, err("BadPriceBounds", 0, MAX_PRICE)),
        ((asset, True, feed, HEARTBEAT, MAX_PRICE, MAX_PRICE), governor, err("BadPriceBounds", MAX_PRICE, MAX_PRICE)),
        ((asset, True, feed, HEARTBEAT, MAX_PRICE + 1, MAX_PRICE), governor,
         err("BadPriceBounds", MAX_PRICE + 1, MAX_PRICE)),
        ((asset, True, feed, HEARTBEAT, MIN_PRICE, 2**128), governor, err("BadPriceBounds", MIN_PRICE, 2**128)),
        ((stranger, False, feed, HEARTBEAT, MIN_PRICE, MAX_PRICE), governor, err("NoFeed", stranger)),
    ]
    for args, caller, message in refused:
        with reverts_views_unchanged(message, state):
            oracle.setFeed(*args, {"from": caller})

    wide = MockAggregator.deploy(37, "TKN / USD (37)", 10**37, {"from": governor})
    with reverts_views_unchanged(err("BadFeedDecimals", 37), state):
        oracle.setFeed(asset, True, wide, HEARTBEAT, MIN_PRICE, MAX_PRICE, {"from": governor})

    # the boundaries themselves are accepted
    for heartbeat, lo, hi in ((60, 1, 2), (7 * 86400, MIN_PRICE, 2**128 - 1)):
        tx = oracle.setFeed(asset, False, feed, heartbeat, lo, hi, {"from": governor})
        assert event(tx, "FeedSet") == plain((asset, False, feed, heartbeat, lo, hi))
        assert plain(oracle.secondaryFeed(asset)) == plain((feed, 8, heartbeat, lo, hi))


def test_set_max_deviation_bounds(oracle, governor, stranger, tkn):
    state = oracle_state(oracle, tkn.token)
    for value, caller, message in (
        (10**16, stranger, err("NotGovernor")),
        (0, governor, err("BadMaxDeviation", 0)),
        (WAD // 2 + 1, governor, err("BadMaxDeviation", WAD // 2 + 1)),
    ):
        with reverts_views_unchanged(message, state):
            oracle.setMaxDeviation(value, {"from": caller})
    tx = oracle.setMaxDeviation(WAD // 2, {"from": governor})
    assert event(tx, "MaxDeviationSet") == (MAX_DEVIATION, WAD // 2)
    tx = oracle.setMaxDeviation(1, {"from": governor})
    assert event(tx, "MaxDeviationSet") == (WAD // 2, 1)
    assert oracle.maxDeviation() == 1


def test_set_volatility_params_bounds(oracle, governor, stranger, spec, tkn):
    vol = spec.volatility
    current = (vol["vol_ref"], vol["tau"], vol["max_rounds"])
    state = oracle_state(oracle, tkn.token)
    with reverts_views_unchanged(err("NotGovernor"), state):
        oracle.setVolatilityParams(*current, {"from": stranger})
    for bad in ((0, 86400, 16), (10 * WAD + 1, 86400, 16), (WAD, 59, 16), (WAD, 30 * 86400 + 1, 16),
                (WAD, 86400, 0), (WAD, 86400, 65)):
        with reverts_views_unchanged(err("BadVolatilityParams"), state):
            oracle.setVolatilityParams(*bad, {"from": governor})
    tx = oracle.setVolatilityParams(10 * WAD, 60, 64, {"from": governor})
    assert event(tx, "VolatilityParamsSet") == (current[0], 10 * WAD, current[1], 60, current[2], 64)
    oracle.setVolatilityParams(1, 30 * 86400, 1, {"from": governor})


def test_one_governor_the_configs(market, oracle, governor, stranger, tkn):
    """The oracle has no governor of its own (DESIGN.md 11): it obeys ``config.governor()``, so the
    config's two-step handover moves its rights, and nobody else may set it."""
    config = market.config
    assert oracle.governance() == config.address and oracle.governor() == governor
    assert not hasattr(oracle, "setGovernor")
    state = oracle_state(oracle, tkn.token)
    config.proposeGovernor(stranger, {"from": governor})
    with reverts_views_unchanged(err("NotGovernor"), state):  # proposed is not yet governor
        oracle.setMaxDeviation(10**16, {"from": stranger})
    config.acceptGovernor({"from": stranger})
    assert oracle.governor() == stranger
    with reverts_views_unchanged(err("NotGovernor"), oracle_state(oracle, tkn.token)):
        oracle.setMaxDeviation(10**16, {"from": governor})
    oracle.setMaxDeviation(10**16, {"from": stranger})
    assert oracle.maxDeviation() == 10**16


# ================================================================== poke
def test_poke_emits_only_when_the_status_changes(oracle, governor, keeper, tkn, with_secondary):
    asset = tkn.token

    def poke_status_change():
        tx = oracle.poke(asset, {"from": keeper})
        return event(tx, "PriceStatusChanged") if "PriceStatusChanged" in tx.events else None

    with reverts_views_unchanged(err("NoFeed", keeper), oracle_state(oracle, keeper)):
        oracle.poke(keeper, {"from": keeper})

    assert poke_status_change() is None  # Valid, as recorded
    _stale(tkn.primary, governor)
    assert poke_status_change() == plain((asset, VALID, FALLBACK))
    assert poke_status_change() is None
    assert oracle.lastStatus(asset) == FALLBACK
    tkn.secondary.setReverting(True, {"from": governor})
    assert poke_status_change() == plain((asset, FALLBACK, INVALID))
    tkn.secondary.setReverting(False, {"from": governor})
    post_round(tkn.primary, 100 * 10**8, now(), governor)
    post_round(tkn.secondary, 105 * 10**8, now(), governor)
    assert poke_status_change() == plain((asset, INVALID, DEVIATING))
    oracle.detachSecondary(asset, {"from": governor})
    assert poke_status_change() == plain((asset, DEVIATING, VALID))
    assert poke_status_change() is None


# ================================================================== the pool and a deviating feed
def test_pool_opens_risk_at_the_lower_price_and_calls_at_the_higher(
    pool, oracle, governor, keeper, weth, weth_feed, usdc, borrower, liquidity
):
    """A secondary WETH feed 5 % below the primary: borrow capacity uses the lower price,
    status and health factor the higher one (a position is called only if it qualifies at both)."""
    # Incident class: one faulty or manipulated price feed among two (primary/secondary disagreement) deciding a liquidation.
    collateral = 10 * 10**18
    low_feed = MockAggregator.deploy(8, "WETH / USD (2)", 2850 * 10**8, {"from": governor})
    oracle.setFeed(weth, False, low_feed, 3600, WAD, 10**24, {"from": governor})
    assert plain(oracle.priceRange(weth)) == (2850 * WAD, 3000 * WAD)
    assert oracle.priceStatus(weth) == DEVIATING

    weth.mint(borrower, collateral, {"from": borrower})
    weth.approve(pool, collateral, {"from": borrower})
    pool.depositCollateral(weth, collateral, borrower, {"from": borrower})

    # opening risk: marginCallHF · Σ value·bf at the low price ≥ callHF · debt at the high base price
    call_hf = 110 * 10**16
    capacity = borrow_capacity([Holding(collateral, 2850 * WAD, 18, borrow_factor=75 * 10**16)]) * call_hf // WAD
    required = lambda debt: div_up(debt_value(debt) * call_hf, WAD)
    max_debt = capacity * WAD // call_hf // 10**12
    assert required(max_debt) <= capacity < required(max_debt + 1)
    assert max_debt == 21_375 * 10**6  # at the primary price alone it would be 22,500

    books = lambda: (pool.normalizedDebtOf(borrower), pool.cash())
    with reverts_views_unchanged(err("InsufficientMargin", required(max_debt + 1), capacity), books):
        pool.borrow(max_debt + 1, borrower, {"from": borrower})
    pool.borrow(max_debt, borrower, {"from": borrower})

    def hf_at(price):
        liq = liquidation_value([Holding(collateral, price, 18, liquidation_factor=85 * 10**16)])
        return health_factor(liq, debt_value(pool.debtOf(borrower)))

    assert pool.healthFactor(borrower) == hf_at(3000 * WAD) != hf_at(2850 * WAD)
    assert pool.accountStatus(borrower) == HEALTHY

    # both feeds fall, still 5 % apart: healthy at the high price, in the band at the low one
    post_new_phase(weth_feed, 2800 * 10**8, now(), governor)  # σ stays σ_ref: the level stays 1.10
    post_round(low_feed, 2660 * 10**8, now(), governor)
    assert hf_at(2660 * WAD) < call_hf <= hf_at(2800 * WAD) == pool.healthFactor(borrower)
    assert pool.accountStatus(borrower) == HEALTHY
    with reverts_views_unchanged(err("NotInMarginCall", HEALTHY), lambda: pool.marginCallDeadline(borrower)):
        pool.issueMarginCall(borrower, {"from": keeper})

    # in the band at both prices: the call goes out, reporting the HF at the high price
    post_new_phase(weth_feed, 2700 * 10**8, now(), governor)
    post_round(low_feed, 2565 * 10**8, now(), governor)
    assert pool.accountStatus(borrower) == MARGIN_CALL
    tx = pool.issueMarginCall(borrower, {"from": keeper})
    assert tx.events["MarginCallIssued"]["healthFactor"] == hf_at(2700 * WAD)
