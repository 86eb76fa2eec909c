"""The oracle adapter's volatility estimator (DESIGN.md 3) against an independent integer
reference of the same formulas (``tests.model.volatility.VolModel``):

    r      = |p_n − p_{n−1}| · 1e18 / p_{n−1}             (down, clamped at 10e18)
    r2Year = ceil(r · r · YEAR / 1e18)
    σ²    ← ceil((τ·σ² + r2Year) / (τ + Δt))              (first chain: σ² = ceil(σ_ref²/1e18))
    view   = sqrt(σ_ref² ± (σ² − σ_ref²)·τ/(τ + t))        (towards the higher variance, √ up)

Rounds are written with exact timestamps (``MockRoundWriter``) so that every Δt is known.
"""

import brownie
import pytest
from brownie import chain

from tests.model.fixed_point import WAD, div_up
from tests.model.interest import YEAR
from tests.model.volatility import VolModel, r2_year, start_variance, vol_view
from tests.support.chain_time import latest_block, mine_at_least
from tests.support.reverts import err, events
from tests.support.units import DAY, HOUR

WETH_3000 = 3000 * 10**8  # feed answer (8 decimals)


# ------------------------------------------------------------------ helpers
@pytest.fixture
def oracle(project, market, governor, weth, weth_feed, wbtc, wbtc_feed):
    """An adapter with the market's parameters and its WETH and WBTC feeds, on which nothing
    is listed: its estimator has no chain yet, so the first poke starts it. (The market's own
    oracle starts a chain at each listing, DESIGN.md 11; the pool's tests below use it.)"""
    live = market.oracle
    feeds = []
    for asset, feed in ((weth, weth_feed), (wbtc, wbtc_feed)):
        f = live.primaryFeed(asset)
        feeds.append((asset, feed, f["heartbeat"], f["minPrice"], f["maxPrice"]))
    params = (live.maxDeviation(), live.volRef(), live.volTau(), live.maxRoundsPerPoke())
    return project.OracleAdapter.deploy(market.config, *params, feeds, {"from": governor})


@pytest.fixture
def vol_ref(oracle):
    return oracle.volRef()


@pytest.fixture
def tau(oracle):
    return oracle.volTau()


@pytest.fixture
def model(vol_ref, tau):
    return VolModel(vol_ref=vol_ref, tau=tau)


def start_chain(oracle, asset, feed, model, sender):
    """First poke: the chain starts at the latest round without a sample."""
    tx = oracle.poke(asset, {"from": sender})
    round_id, answer, _, updated_at, _ = feed.latestRoundData()
    assert [dict(e) for e in events(tx, "VolatilityChainRestarted")] == [
        {"asset": asset.address, "roundId": round_id}
    ]
    assert not events(tx, "VolatilitySampled")
    model.restart(round_id, answer, updated_at)
    return tx


def write_rounds(writer, feed, answers, times, sender):
    """Posts complete rounds latest+1, latest+2, ... at the given times; returns their ids."""
    first = feed.latestRound() + 1
    writer.writeRounds(feed, first, answers, times, {"from": sender})
    return list(range(first, first + len(answers)))


def poke_and_check(oracle, asset, model, pending, sender):
    """Pokes once and checks the rounds sampled (ids and variances) against the model, which
    consumes the same rounds from ``pending`` [(id, answer, time)] up to the cap."""
    cap = oracle.maxRoundsPerPoke()
    tx = oracle.poke(asset, {"from": sender})
    expected = []
    for round_id, answer, t in pending[:cap]:
        expected.append((round_id, model.sample(round_id, answer, t)))
    del pending[:cap]
    got = [(e["roundId"], e["variance"]) for e in events(tx, "VolatilitySampled")]
    assert got == expected
    assert not events(tx, "VolatilityChainRestarted")
    assert all(e["asset"] == asset.address for e in events(tx, "VolatilitySampled"))
    state = oracle.volState(asset)
    assert state["variance"] == model.variance
    assert state["round"] == model.round_id
    assert state["updatedAt"] == model.updated_at
    assert state["answer"] == model.answer
    return tx


def assert_view(oracle, asset, model):
    block, now = latest_block()
    got = oracle.volatility(asset, block_identifier=block)
    assert got == model.view(now)
    return got


# ------------------------------------------------------------------ the estimator
def test_before_any_round_the_estimate_is_vol_ref(oracle, weth, weth_feed, model, vol_ref, governor):
    assert oracle.volState(weth)["round"] == 0
    assert oracle.volatility(weth) == vol_ref
    start_chain(oracle, weth, weth_feed, model, governor)
    assert oracle.volState(weth)["variance"] == start_variance(vol_ref) == div_up(vol_ref * vol_ref, WAD)
    assert_view(oracle, weth, model)
    assert oracle.volatility(weth) == vol_ref  # σ² = σ_ref² exactly: √ gives σ_ref back


def test_one_percent_move_per_hour(oracle, weth, weth_feed, round_writer, model, governor):
    """24 hourly 1 % moves: exact against the reference; ≈ 83 % after one day (τ = 1 day, the
    estimate starts at σ_ref = 60 %), ≈ 93 % (the stationary r²·YEAR/Δt = 93.6 %) after 4 days."""
    start_chain(oracle, weth, weth_feed, model, governor)
    t0 = model.updated_at
    mine_at_least(4 * DAY + 60)
    answers, times, p = [], [], WETH_3000
    for k in range(1, 4 * 24 + 1):
        p = p * 101 // 100 if k % 2 else p * 99 // 100  # ±1 % alternating: the price stays put
        answers.append(p)
        times.append(t0 + k * HOUR)

    ids = write_rounds(round_writer, weth_feed, answers[:24], times[:24], governor)
    pending = list(zip(ids, answers[:24], times[:24]))
    poke_and_check(oracle, weth, model, pending, governor)  # 16 rounds (the cap)
    poke_and_check(oracle, weth, model, pending, governor)  # 8 more: one day consumed
    assert model.round_id == ids[-1] and not pending
    one_day = vol_view(model.variance, model.vol_ref, model.tau, 0)
    assert 0.82 * WAD < one_day < 0.84 * WAD

    ids = write_rounds(round_writer, weth_feed, answers[24:], times[24:], governor)
    pending = list(zip(ids, answers[24:], times[24:]))
    while pending:
        poke_and_check(oracle, weth, model, pending, governor)
    assert model.round_id == ids[-1]
    steady = vol_view(model.variance, model.vol_ref, model.tau, 0)
    assert 0.92 * WAD < steady < 0.94 * WAD
    assert_view(oracle, weth, model)


def test_single_ten_percent_drop_reads_about_200_percent(oracle, weth, weth_feed, round_writer, model, governor):
    start_chain(oracle, weth, weth_feed, model, governor)
    t = model.updated_at + HOUR
    mine_at_least(HOUR + 10)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 9 // 10], [t], governor)
    poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 9 // 10, t)], governor)
    # σ² = ceil((τ·0.36 + 0.01·YEAR) / (τ + 1 h)) ≈ 3.85 → σ ≈ 196 %
    assert model.variance == div_up(model.tau * start_variance(model.vol_ref) + 10**16 * YEAR, model.tau + HOUR)
    at_round = vol_view(model.variance, model.vol_ref, model.tau, 0)
    assert 1.9 * WAD < at_round < 2.05 * WAD
    assert_view(oracle, weth, model)


def test_rounds_in_the_same_second_add_r2_year_over_tau(oracle, weth, weth_feed, round_writer, model, governor):
    start_chain(oracle, weth, weth_feed, model, governor)
    t = model.updated_at  # Δt = 0 for both rounds
    answers = [WETH_3000 * 98 // 100, WETH_3000]
    ids = write_rounds(round_writer, weth_feed, answers, [t, t], governor)
    before = model.variance
    poke_and_check(oracle, weth, model, list(zip(ids, answers, [t, t])), governor)
    step1 = div_up(r2_year(answers[0], WETH_3000), model.tau)
    step2 = div_up(r2_year(answers[1], answers[0]), model.tau)
    assert model.variance == before + step1 + step2


def test_each_round_is_consumed_once(oracle, weth, weth_feed, round_writer, model, governor, stranger):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    start_chain(oracle, weth, weth_feed, model, governor)
    t = model.updated_at
    mine_at_least(2 * HOUR)
    answers = [WETH_3000 * 95 // 100, WETH_3000]
    ids = write_rounds(round_writer, weth_feed, answers, [t + HOUR, t + 2 * HOUR], governor)
    poke_and_check(oracle, weth, model, list(zip(ids, answers, [t + HOUR, t + 2 * HOUR])), governor)
    state = oracle.volState(weth)
    for _ in range(3):  # repeated pokes, by anyone: nothing more is sampled, nothing changes
        tx = oracle.poke(weth, {"from": stranger})
        assert not events(tx, "VolatilitySampled")
        assert not events(tx, "VolatilityChainRestarted")
        assert oracle.volState(weth) == state
    # one new round: exactly one sample
    now = mine_at_least(60)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 101 // 100], [now], governor)
    tx = poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 101 // 100, now)], governor)
    assert len(events(tx, "VolatilitySampled")) == 1


def test_a_big_gap_divides_the_variance(oracle, weth, weth_feed, round_writer, model, vol_ref, governor):
    """No Δt floor: a −10 % round 30 days after the previous one is a 30-day return, not a
    one-hour one. The estimate falls below σ_ref instead of jumping to ~200 %."""
    start_chain(oracle, weth, weth_feed, model, governor)
    t = model.updated_at + 30 * DAY
    mine_at_least(30 * DAY + 60)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 9 // 10], [t], governor)
    poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 9 // 10, t)], governor)
    assert model.variance < start_variance(vol_ref)
    assert assert_view(oracle, weth, model) < vol_ref


def test_a_late_poke_reads_the_same_as_prompt_pokes(
    oracle, weth, wbtc, weth_feed, wbtc_feed, round_writer, model, governor
):
    """Rounds posted hourly and consumed in one late poke give exactly the state that a poke
    after every round gives: the time between pokes adds nothing. WBTC's feed replays WETH's
    rounds (same answers, same times) with prompt pokes; WETH is poked once, a week late."""
    t0 = latest_block()[1]
    for feed in (weth_feed, wbtc_feed):
        feed.setRound(2, WETH_3000, t0, 2, {"from": governor})
    start_chain(oracle, weth, weth_feed, model, governor)
    oracle.poke(wbtc, {"from": governor})
    answers = [WETH_3000 * 97 // 100, WETH_3000 * 99 // 100, WETH_3000 * 96 // 100]
    times = [t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR]
    mine_at_least(3 * HOUR + 60)
    for answer, t in zip(answers, times):  # prompt
        write_rounds(round_writer, wbtc_feed, [answer], [t], governor)
        oracle.poke(wbtc, {"from": governor})
    ids = write_rounds(round_writer, weth_feed, answers, times, governor)
    mine_at_least(7 * DAY)
    poke_and_check(oracle, weth, model, list(zip(ids, answers, times)), governor)  # late
    late, prompt = oracle.volState(weth), oracle.volState(wbtc)
    assert late["round"] == prompt["round"] and late["answer"] == prompt["answer"]
    assert late["updatedAt"] == prompt["updatedAt"] and late["variance"] == prompt["variance"]


def test_feed_switch_restarts_the_chain_without_a_sample(
    oracle, weth, weth_feed, round_writer, model, new_feed, governor
):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    start_chain(oracle, weth, weth_feed, model, governor)
    t = model.updated_at
    mine_at_least(HOUR)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 9 // 10], [t + 60], governor)
    poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 9 // 10, t + 60)], governor)
    learnt = model.variance

    # the new primary reports a very different price: switching must not read as a return
    feed2 = new_feed(1500 * 10**8, "WETH / USD v2")
    oracle.setFeed(weth, True, feed2, 3600, 10**18, 10**24, {"from": governor})
    tx = oracle.poke(weth, {"from": governor})
    assert not events(tx, "VolatilitySampled")
    assert [dict(e) for e in events(tx, "VolatilityChainRestarted")] == [{"asset": weth.address, "roundId": 1}]
    state = oracle.volState(weth)
    assert state["feed"] == feed2
    assert state["round"] == 1 and state["answer"] == 1500 * 10**8
    assert state["variance"] == learnt  # a restart keeps what was learnt
    # rounds on the old feed are ignored; the new feed's rounds are sampled against its own
    weth_feed.setPrice(WETH_3000 // 2, {"from": governor})
    _, _, _, t2, _ = feed2.latestRoundData()
    model.restart(1, 1500 * 10**8, t2)
    now = mine_at_least(60)
    ids = write_rounds(round_writer, feed2, [1515 * 10**8], [now], governor)
    poke_and_check(oracle, weth, model, [(ids[0], 1515 * 10**8, now)], governor)


@pytest.mark.parametrize("kind", ["phase_jump", "incomplete", "out_of_bounds", "from_before_previous"])
def test_an_unreadable_round_restarts_the_chain(oracle, weth, weth_feed, round_writer, model, governor, kind):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    start_chain(oracle, weth, weth_feed, model, governor)
    t0 = model.updated_at
    now = mine_at_least(2 * HOUR)
    first = weth_feed.latestRound() + 1
    # one good round first: it is sampled before the bad one is met
    write_rounds(round_writer, weth_feed, [WETH_3000 * 98 // 100], [t0 + HOUR], governor)
    if kind == "phase_jump":  # a phase change: round ids jump far ahead, the next id does not exist
        latest = first + 1000
        weth_feed.setRound(latest, WETH_3000 // 2, now, latest, {"from": governor})
    else:
        bad = {
            "incomplete": (WETH_3000 // 2, t0 + HOUR + 1, first),  # answeredInRound < roundId
            "out_of_bounds": (10**17, t0 + HOUR + 1, first + 1),  # $0.001 < minPrice $1
            "from_before_previous": (WETH_3000 // 2, t0 + 1, first + 1),  # time goes backwards
        }[kind]
        weth_feed.setRound(first + 1, bad[0], bad[1], bad[2], {"from": governor})
        latest = first + 2
        weth_feed.setRound(latest, WETH_3000 // 2, now, latest, {"from": governor})
    tx = oracle.poke(weth, {"from": governor})
    model.sample(first, WETH_3000 * 98 // 100, t0 + HOUR)
    assert [(e["roundId"], e["variance"]) for e in events(tx, "VolatilitySampled")] == model.samples
    restarts = [dict(e) for e in events(tx, "VolatilityChainRestarted")]
    assert restarts == [{"asset": weth.address, "roundId": latest}]
    state = oracle.volState(weth)
    # restarted at the latest round, no return fabricated across the bad one (a −50 % move)
    assert (state["round"], state["answer"], state["updatedAt"]) == (latest, WETH_3000 // 2, now)
    assert state["variance"] == model.variance


def test_the_per_poke_cap_leaves_later_rounds_for_the_next_poke(
    oracle, weth, weth_feed, round_writer, model, governor
):
    cap = oracle.maxRoundsPerPoke()
    assert cap == 16
    start_chain(oracle, weth, weth_feed, model, governor)
    t0 = model.updated_at
    mine_at_least(21 * 60)
    answers = [WETH_3000 + (k % 3) * 10**9 for k in range(1, 21)]
    times = [t0 + 60 * k for k in range(1, 21)]
    ids = write_rounds(round_writer, weth_feed, answers, times, governor)
    pending = list(zip(ids, answers, times))
    tx = poke_and_check(oracle, weth, model, pending, governor)
    assert len(events(tx, "VolatilitySampled")) == 16
    assert oracle.volState(weth)["round"] == ids[15]
    tx = poke_and_check(oracle, weth, model, pending, governor)
    assert len(events(tx, "VolatilitySampled")) == 4
    assert oracle.volState(weth)["round"] == ids[-1]


def test_a_reverting_feed_consumes_nothing_and_poke_does_not_revert(
    oracle, weth, weth_feed, round_writer, model, governor, stranger
):
    start_chain(oracle, weth, weth_feed, model, governor)
    t0 = model.updated_at
    mine_at_least(HOUR)
    answers = [WETH_3000 * 97 // 100, WETH_3000]
    times = [t0 + 60, t0 + 120]
    ids = write_rounds(round_writer, weth_feed, answers, times, governor)
    state = oracle.volState(weth)
    weth_feed.setReverting(True, {"from": governor})
    tx = oracle.poke(weth, {"from": stranger})
    assert tx.status == 1
    assert not events(tx, "VolatilitySampled")
    assert not events(tx, "VolatilityChainRestarted")
    assert [dict(e) for e in events(tx, "PriceStatusChanged")] == [
        {"asset": weth.address, "oldStatus": 0, "newStatus": 3}
    ]
    assert oracle.volState(weth) == state
    weth_feed.setReverting(False, {"from": governor})
    tx = poke_and_check(oracle, weth, model, list(zip(ids, answers, times)), governor)
    assert len(events(tx, "VolatilitySampled")) == 2


def test_the_view_decays_toward_vol_ref(oracle, weth, weth_feed, round_writer, model, vol_ref, governor):
    start_chain(oracle, weth, weth_feed, model, governor)
    t0 = model.updated_at
    mine_at_least(HOUR)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 85 // 100], [t0 + HOUR], governor)
    poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 85 // 100, t0 + HOUR)], governor)
    readings = [assert_view(oracle, weth, model)]
    for gap in (HOUR, 6 * HOUR, DAY, 10 * DAY, 1000 * DAY):
        mine_at_least(gap)
        readings.append(assert_view(oracle, weth, model))
    assert all(a > b for a, b in zip(readings, readings[1:]))
    assert readings[-1] > vol_ref and readings[-1] - vol_ref < 0.01 * WAD

    # a calm spell (a flat round after a long gap) puts σ below σ_ref: it rises back toward it
    now = mine_at_least(60)
    ids = write_rounds(round_writer, weth_feed, [WETH_3000 * 85 // 100], [now], governor)
    poke_and_check(oracle, weth, model, [(ids[0], WETH_3000 * 85 // 100, now)], governor)
    assert model.variance < start_variance(vol_ref)
    readings = [assert_view(oracle, weth, model)]
    for gap in (HOUR, DAY, 30 * DAY):
        mine_at_least(gap)
        readings.append(assert_view(oracle, weth, model))
    assert all(a < b for a, b in zip(readings, readings[1:]))
    assert readings[-1] <= vol_ref


# ------------------------------------------------------------------ the pool reads, never writes
@pytest.fixture
def pending_round(market, weth, weth_feed, round_writer, governor):
    """The market's WETH chain (started at listing) consumed up to now, then one round posted
    and not consumed. Returns its id."""
    market.oracle.poke(weth, {"from": governor})
    now = mine_at_least(60)
    return write_rounds(round_writer, weth_feed, [WETH_3000 * 99 // 100], [now], governor)[0]


def test_borrow_reads_pending_rounds_without_writing_them(market, pool, weth, borrower, weth_position, pending_round):
    """v3.3 (DESIGN.md 11): a borrow reads σ with the pending round folded in, and leaves the
    round for a keeper's poke or a kick to write. (v3.2: the borrow consumed it.)"""
    oracle = market.oracle
    state = oracle.volState(weth)
    tx = pool.borrow(1_000 * 10**6, borrower, {"from": borrower})
    assert not events(tx, "VolatilitySampled") and not events(tx, "VolatilityChainRestarted")
    assert oracle.volState(weth) == state and state["round"] == pending_round - 1


def test_withdraw_collateral_with_debt_reads_pending_rounds_without_writing_them(
    market, pool, weth, borrower, weth_position, pending_round
):
    """As the borrow: the withdrawal reads the folded σ and writes nothing. (v3.2: consumed.)"""
    oracle = market.oracle
    state = oracle.volState(weth)
    tx = pool.withdrawCollateral(weth, 10**18, borrower, {"from": borrower})
    assert not events(tx, "VolatilitySampled") and not events(tx, "VolatilityChainRestarted")
    assert oracle.volState(weth) == state and state["round"] == pending_round - 1


def test_the_opening_check_reads_the_pending_rounds(market, pool, weth, weth_feed, round_writer, borrower, weth_position, governor):
    """A borrow that fits at σ_ref is refused once a whipsaw (±10 % rounds, price back where it
    was) is posted and not consumed: the view folds it in, so the call level the opening check
    uses is raised. A poke in the same block then writes exactly what the borrow read."""
    oracle = market.oracle
    oracle.poke(weth, {"from": governor})
    assert oracle.volatility(weth) <= oracle.volRef()
    # 10 WETH at $3,000: 1.10 · 30,000 · 0.75 = 24,750 of margin; a debt of 20,000 needs 22,000
    # at the base level 1.10, and 26,000 at the clamp 1.30 the whipsaw's σ reaches
    chain.snapshot()
    pool.borrow(5_000 * 10**6, borrower, {"from": borrower})
    chain.revert()
    now = mine_at_least(60)
    answers = [WETH_3000 * 9 // 10, WETH_3000, WETH_3000 * 9 // 10, WETH_3000]
    write_rounds(round_writer, weth_feed, answers, [now] * 4, governor)
    state = oracle.volState(weth)
    with brownie.reverts(revert_pattern="InsufficientMargin: .*"):
        pool.borrow(5_000 * 10**6, borrower, {"from": borrower})
    assert oracle.volState(weth) == state  # read, not written
    folded = oracle.volatility(weth)
    assert folded > oracle.volRef()
    oracle.poke(weth, {"from": governor})
    assert oracle.volatility(weth) == folded


def test_the_kick_writes_the_pending_rounds_it_read(market, weth, weth_feed, borrower, keeper, weth_position, governor):
    """The kick writes volatility (DESIGN.md 11): it pokes every asset of its snapshot after
    reading it (the σ it used for T, pending round folded in), and leaves nothing pending."""
    oracle = market.oracle
    oracle.poke(weth, {"from": governor})
    weth_feed.setPrice(1_700 * 10**8, {"from": governor})  # HF 0.96: Liquidatable, the crash round pending
    assert oracle.needsPoke(weth) and oracle.volatility(weth) > oracle.volRef()  # read before written
    tx = market.liquidator.kick(borrower, keeper, {"from": keeper})
    assert [e["roundId"] for e in events(tx, "VolatilitySampled")] == [weth_feed.latestRound()]
    assert not oracle.needsPoke(weth) and oracle.volState(weth)["round"] == weth_feed.latestRound()


def test_issue_margin_call_repay_and_top_up_do_not_poke(
    pool, market, weth, weth_feed, usdc, borrower, keeper, weth_position, governor
):
    oracle = market.oracle
    oracle.poke(weth, {"from": governor})
    weth_feed.setPrice(1_900 * 10**8, {"from": governor})  # HF 1.077: MarginCall, round pending
    state = oracle.volState(weth)
    assert pool.accountStatus(borrower) == 1
    txs = [pool.issueMarginCall(borrower, {"from": keeper})]
    usdc.mint(borrower, 10**9, {"from": borrower})
    txs.append(pool.repay(10**9, borrower, {"from": borrower}))
    weth.mint(borrower, 10**17, {"from": borrower})
    weth.approve(pool, 10**17, {"from": borrower})
    txs.append(pool.depositCollateral(weth, 10**17, borrower, {"from": borrower}))
    for tx in txs:
        assert not events(tx, "VolatilitySampled")
        assert not events(tx, "VolatilityChainRestarted")
    assert oracle.volState(weth) == state


# ------------------------------------------------------------------ governance
def test_set_volatility_params(oracle, governor):
    old = (oracle.volRef(), oracle.volTau(), oracle.maxRoundsPerPoke())
    tx = oracle.setVolatilityParams(8 * 10**17, 2 * DAY, 32, {"from": governor})
    assert dict(tx.events["VolatilityParamsSet"]) == {
        "oldVolRef": old[0],
        "newVolRef": 8 * 10**17,
        "oldTau": old[1],
        "newTau": 2 * DAY,
        "oldMaxRounds": old[2],
        "newMaxRounds": 32,
    }
    assert (oracle.volRef(), oracle.volTau(), oracle.maxRoundsPerPoke()) == (8 * 10**17, 2 * DAY, 32)
    # the edges of every bound are accepted
    oracle.setVolatilityParams(10 * WAD, 60, 1, {"from": governor})
    oracle.setVolatilityParams(1, 30 * DAY, 64, {"from": governor})


def test_set_volatility_params_bounds(oracle, governor):
    """σ_ref in (0, 1,000 %], τ in [1 min, 30 days], rounds per poke in [1, 64]; one wei past
    any end is refused."""
    for vol_ref_, tau_, rounds_ in [
        (0, DAY, 16),
        (10 * WAD + 1, DAY, 16),
        (6 * 10**17, 59, 16),
        (6 * 10**17, 30 * DAY + 1, 16),
        (6 * 10**17, DAY, 0),
        (6 * 10**17, DAY, 65),
    ]:
        with brownie.reverts(err("BadVolatilityParams")):
            oracle.setVolatilityParams(vol_ref_, tau_, rounds_, {"from": governor})


def test_set_volatility_params_is_governor_only(oracle, stranger):
    with brownie.reverts(err("NotGovernor")):
        oracle.setVolatilityParams(6 * 10**17, DAY, 16, {"from": stranger})
