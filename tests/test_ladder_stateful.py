"""The margin-call ladder under random sequences (DESIGN.md 3): price moves both ways,
volatility whipsaws, pokes, time jumps with and without fresh feeds, top-ups, repays, borrows
sized from on-chain views, margin calls issued and cleared.

After every step, for every borrower whose prices are valid, with calls tracked in a model fed
only by the pool's events:

- Liquidatable ⇒ HF < 1, or a call issued at least gracePeriod ago (deadline passed), neither
  lapsed nor cleared, and HF < the base marginCallHF;
- more exactly, the status is the ladder of (HF, callHF_eff, base level, the model's call), and
  the call deadline the pool reports is the model's;
- a poke never turns an account Liquidatable (statuses read before and after each poke; a
  deadline passing or interest accruing during the poke's own block is the only excuse);
- a borrow that goes through leaves the account Healthy; repay and top-up never revert.

Hypothesis' own state machine runs it (Brownie's wrapper is broken in 1.22). Every example
starts from the same chain snapshot, taken after the positions are opened, and reverts to it at
its end. The snapshot is Anvil's own (``evm_snapshot``/``evm_revert``, which also restore the
chain's clock): Brownie's ``chain.revert()`` costs ~0.3 s of bookkeeping per example and would
also replace the snapshot its ``fn_isolation`` took for this test.
"""

import brownie
import pytest
from brownie import chain, history, web3
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.model.call_level import HEALTHY, LIQUIDATABLE, MARGIN_CALL, CallBook, ladder_status
from tests.model.fixed_point import WAD
from tests.support.units import HOUR, USDC, WBTC, WETH

INTEREST_TOLERANCE = 10**12  # [wad] HF lost to interest within one block at any rate (≪ 1e-6)
MOVES = [-1_500, -800, -400, -150, 150, 400, 800]  # [bps] one price move
START_MOVES = [-1_000, -700, -400, -200, 0, 300]  # [bps] the first move of each example
JUMPS = [60, 1_800, HOUR, 3 * HOUR, 6 * HOUR + 60, 8 * HOUR]  # [seconds] the grace period is 6 h
ALLOWED_BORROW_ERRORS = (
    "InsufficientMargin",
    "AccountNotHealthy",
    "StalePrice",
    "DebtBelowDust",
    "InsufficientLiquidity",
)


def _open(pool, who, collateral, debt):
    for token, amount in collateral.items():
        pool.depositCollateral(token, amount, who, {"from": who})
    pool.borrow(debt, who, {"from": who})


@pytest.fixture
def ladder_market(market, pool, usdc, weth, wbtc, liquidity, borrower, borrower2, borrower3):
    """Three positions near the band: WETH only (HF 1.16), WETH + WBTC (HF 1.18), WBTC only
    (HF 1.15). Each borrower holds spare tokens for top-ups and repays, all approved."""
    for who in (borrower, borrower2, borrower3):
        for token, amount in ((usdc, 10**7 * USDC), (weth, 10**4 * WETH), (wbtc, 10**3 * WBTC)):
            token.mint(who, amount, {"from": who})
            token.approve(pool, 2**256 - 1, {"from": who})
    _open(pool, borrower, {weth: 10 * WETH}, 22_000 * USDC)
    _open(pool, borrower2, {weth: 5 * WETH, wbtc: 3 * WBTC // 10}, 23_000 * USDC)
    _open(pool, borrower3, {wbtc: WBTC // 2}, 20_900 * USDC)
    return market


def test_margin_call_ladder_stateful(ladder_market, round_writer, borrower, borrower2, borrower3, keeper, governor):
    # Incident class: forcing liquidations by manipulating a risk input derived on-chain from oracle history (the volatility estimate).
    market = ladder_market
    pool, oracle, lens, config = market.pool, market.oracle, market.lens, market.config
    borrowers = [borrower, borrower2, borrower3]
    symbols = list(market.collaterals) + [market.base.symbol]
    assets = {s: a for s, a in market.collaterals.items()} | {market.base.symbol: market.base}
    feeds = [a.feed for a in assets.values()]
    params = config.marketParams()
    base_hf, grace, dust = params["marginCallHF"], params["gracePeriod"], params["dust"]
    bounds = {s: (oracle.primaryFeed(a.token)["minPrice"], oracle.primaryFeed(a.token)["maxPrice"])
              for s, a in assets.items()}
    borrow_factor = {a.token: config.collateralInfo(a.token)["borrowFactor"] for a in market.collaterals.values()}
    decimals = {s: a.feed.decimals() for s, a in assets.items()}
    start_answers = {s: a.feed.latestRoundData()[1] for s, a in assets.items()}

    class Ladder(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = web3.provider.make_request("evm_snapshot", [])["result"]
            self.calls = CallBook(grace)
            self.answers = dict(start_answers)  # every feed's latest answer (only the rules move them)
            self.checked = False  # the ladder invariant already holds for the chain as it is

        def teardown(self):
            assert web3.provider.make_request("evm_revert", [self.snapshot])["result"]
            # Brownie picks the next nonce from its history: drop the receipts reverted away
            history._revert(web3.eth.block_number)

        # -------------------------------------------------------------- model
        def rows(self, block=None):
            """(block, timestamp, {account: lens row}) at ``block`` (default: latest)."""
            header = web3.eth.get_block("latest" if block is None else block)
            states, _ = lens.accounts(borrowers, block_identifier=header["number"])
            return header["number"], header["timestamp"], dict(zip(borrowers, states))

        def dry_run(self, fn, *args, sender):
            """The transaction as an eth_call at the latest block: (block, now, rows, error)."""
            block, now, rows = self.rows()
            try:
                fn.call(*args, {"from": sender}, block_identifier=block)
                error = None
            except brownie.exceptions.VirtualMachineError as exc:
                error = exc.revert_msg or ""
            return block, now, rows, error

        def send(self, fn, *args, sender):
            """A transaction; returns (tx, None) or (failed tx, revert message)."""
            self.checked = False
            try:
                tx = fn(*args, {"from": sender})
            except brownie.exceptions.VirtualMachineError as exc:
                tx = history[-1]
                assert tx.status == 0
                return tx, exc.revert_msg or ""
            self.calls.track(tx)
            return tx, None

        def check_refusal(self, fn_name, who, error, now, rows):
            """A refused margin-call action: the reason must match the state at that block."""
            row = rows[who]
            if fn_name == "issue":
                if error.startswith("NotInMarginCall"):
                    assert error == f"NotInMarginCall: {row['status']}" and row["status"] != MARGIN_CALL
                elif error.startswith("MarginCallAlreadyLive"):
                    assert self.calls.live(who, now) and error == f"MarginCallAlreadyLive: {self.calls[who]}"
                else:
                    assert not row["priceOk"], error
            else:
                if error == "NoLiveMarginCall: ":
                    assert not self.calls.live(who, now)
                elif error.startswith("AccountNotHealthy"):
                    assert self.calls.live(who, now) and error == f"AccountNotHealthy: {row['status']}"
                else:
                    assert not row["priceOk"], error

        # -------------------------------------------------------------- rules
        @initialize(weth_bps=st.sampled_from(START_MOVES), wbtc_bps=st.sampled_from(START_MOVES),
                    spike=st.sampled_from([0, 300, 1_000]))
        def start(self, weth_bps, wbtc_bps, spike):
            """Each example starts somewhere else on the ladder: a first move of both collateral
            prices and, maybe, a whipsaw of both (rounds left for a poke or a borrow)."""
            for symbol, bps in zip(market.collaterals, (weth_bps, wbtc_bps)):
                if bps:
                    self.move_price(symbol, bps)
                if spike:
                    self.whipsaw(symbol, spike)

        @rule(symbol=st.sampled_from(symbols), bps=st.sampled_from(MOVES))
        def move_price(self, symbol, bps):
            if symbol == market.base.symbol:
                bps //= 5  # the stablecoin moves ±3 % at most
            scale = 10 ** (18 - decimals[symbol])
            p = self.answers[symbol] * (10_000 + bps) // 10_000
            p = min(max(p, bounds[symbol][0] // scale), bounds[symbol][1] // scale)
            self.send(assets[symbol].feed.setPrice, p, sender=governor)
            self.answers[symbol] = p

        @rule(symbol=st.sampled_from(list(market.collaterals)), bps=st.sampled_from([100, 300, 600, 1_500]))
        def whipsaw(self, symbol, bps):
            """Down and back up in one block: prices end where they were, volatility jumps."""
            self.send(round_writer.whipsaw, assets[symbol].feed, bps, sender=governor)

        @rule(symbol=st.sampled_from(list(market.collaterals)))
        def poke(self, symbol):
            _, now0, before = self.rows()
            tx, error = self.send(oracle.poke, assets[symbol].token, sender=keeper)
            assert error is None, f"poke reverted: {error}"
            _, now1, after = self.rows(tx.block_number)
            for account in borrowers:
                b, a = before[account], after[account]
                if not (b["priceOk"] and a["priceOk"]):
                    continue
                if a["status"] == LIQUIDATABLE and b["status"] != LIQUIDATABLE:
                    d = self.calls.get(account)
                    by_deadline = d is not None and now0 <= d < now1 and a["healthFactor"] < base_hf
                    by_interest = a["healthFactor"] < WAD <= b["healthFactor"] < a["healthFactor"] + INTEREST_TOLERANCE
                    assert by_deadline or by_interest, f"poke made {account} Liquidatable: {dict(b)} → {dict(a)}"
                # a poke moves only the call level: HF is the same up to interest
                assert 0 <= b["healthFactor"] - a["healthFactor"] <= INTEREST_TOLERANCE

        @rule(seconds=st.sampled_from(JUMPS), fresh=st.sampled_from([True, True, True, False]))
        def time_jump(self, seconds, fresh):
            chain.sleep(seconds)
            self.checked = False
            if fresh:
                self.send(round_writer.refresh, feeds, sender=governor)
            else:
                chain.mine()

        @rule()
        def keeper_round(self):
            """What a keeper does: call every account in MarginCall without a live call, clear
            every Healthy one with a live call (each decided on the lens, then sent)."""
            _, now, rows = self.rows()
            for who in borrowers:
                r = rows[who]
                if not r["priceOk"]:
                    continue
                if r["status"] == MARGIN_CALL and not self.calls.live(who, now):
                    self.issue_call(who)
                elif r["status"] == HEALTHY and self.calls.live(who, now):
                    self.clear_call(who)

        @rule(who=st.sampled_from(borrowers), symbol=st.sampled_from(list(market.collaterals)),
              fraction=st.integers(1, 20))
        def top_up(self, who, symbol, fraction):
            token = assets[symbol].token
            amount = max(pool.collateralOf(who, token), 10 ** assets[symbol].decimals) * fraction // 100
            tx, error = self.send(pool.depositCollateral, token, amount, who, sender=who)
            assert error is None, f"top-up reverted: {error}"

        @rule(who=st.sampled_from(borrowers), fraction=st.integers(1, 40))
        def repay(self, who, fraction):
            debt = pool.debtOf(who)
            if debt == 0:
                return
            amount = debt * fraction // 100
            if amount == 0 or debt - amount < dust + debt // 10**6:  # would leave dust: repay all
                amount = 2**256 - 1
            tx, error = self.send(pool.repay, amount, who, sender=who)
            assert error is None, f"repay reverted: {error}"

        @rule(who=st.sampled_from(borrowers), fraction=st.integers(1, 100))
        def borrow(self, who, fraction):
            """Up to the opening limit read from the chain: marginCallHF · Σ value_low · bf over
            the effective call level, at the base price's high end."""
            try:
                level = lens.effectiveCallHF(who)
                base_high = oracle.priceRange(market.base.token)[1]
                capacity = 0
                for a in market.collaterals.values():
                    amount = pool.collateralOf(who, a.token)
                    if amount:
                        low = oracle.priceRange(a.token)[0]
                        capacity += amount * low // 10**a.decimals * borrow_factor[a.token] // WAD
            except brownie.exceptions.VirtualMachineError:
                return  # no valid price: nothing to size the borrow from
            amount = (capacity * base_hf // level * USDC // base_high - pool.debtOf(who)) * fraction // 100
            if amount <= 0:
                return
            block, now, rows, error = self.dry_run(pool.borrow, amount, who, sender=who)
            if error is not None:  # the level the borrow reads (pending rounds folded in) can refuse it
                assert error.startswith(ALLOWED_BORROW_ERRORS), error
                return
            tx, error = self.send(pool.borrow, amount, who, sender=who)
            if error is None:
                s = lens.accountState(who, block_identifier=tx.block_number)
                assert s["status"] == HEALTHY and s["healthFactor"] >= s["callLevel"]
            else:  # the next block's time (a level decaying, interest) can still refuse it
                assert error.startswith(ALLOWED_BORROW_ERRORS), error

        @rule(who=st.sampled_from(borrowers))
        def issue_call(self, who):
            block, now, rows, error = self.dry_run(pool.issueMarginCall, who, sender=keeper)
            if error is not None:
                self.check_refusal("issue", who, error, now, rows)
                return
            assert rows[who]["status"] == MARGIN_CALL and not self.calls.live(who, now)
            tx, error = self.send(pool.issueMarginCall, who, sender=keeper)
            _, now, rows = self.rows(tx.block_number)
            if error is None:
                assert rows[who]["status"] == MARGIN_CALL and rows[who]["callDeadline"] == now + grace
                assert tx.events["MarginCallIssued"]["deadline"] == now + grace
                assert tx.events["MarginCallIssued"]["healthFactor"] == rows[who]["healthFactor"]
            else:
                self.check_refusal("issue", who, error, now, rows)

        @rule(who=st.sampled_from(borrowers))
        def clear_call(self, who):
            block, now, rows, error = self.dry_run(pool.clearMarginCall, who, sender=keeper)
            if error is not None:
                self.check_refusal("clear", who, error, now, rows)
                return
            assert rows[who]["status"] == HEALTHY and self.calls.live(who, now)
            tx, error = self.send(pool.clearMarginCall, who, sender=keeper)
            _, now, rows = self.rows(tx.block_number)
            if error is None:
                assert "MarginCallMet" in tx.events and rows[who]["callDeadline"] == 0
            else:
                self.check_refusal("clear", who, error, now, rows)

        # -------------------------------------------------------------- invariants
        @invariant()
        def ladder(self):
            if self.checked:  # nothing happened since the last check (a refused dry run, a skip)
                return
            self.checked = True
            _, now, rows = self.rows()
            for account, r in rows.items():
                live = self.calls.live(account, now)
                assert r["callDeadline"] == (self.calls[account] if live else 0)
                if not r["priceOk"]:
                    continue
                past_deadline = live and now > self.calls[account]
                if r["status"] == LIQUIDATABLE:
                    assert r["healthFactor"] < WAD or (past_deadline and r["healthFactor"] < base_hf)
                assert r["status"] == ladder_status(
                    r["healthFactor"], r["callLevel"], base_hf, r["debt"] > 0, past_deadline
                ), dict(r)

    run_state_machine_as_test(
        Ladder,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            # no example database: replaying examples saved by earlier versions of this file
            # skews the mix of rules (and the run time) more than it helps
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
