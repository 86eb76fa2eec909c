"""The whole protocol under random sequences of actions, with the accounting identities of
DESIGN.md 5 asserted after every step (Hypothesis' own state machine against Anvil).

Actions (rules): supply, withdraw; deposit and withdraw collateral; borrow, repay; time passing
(with or without fresh feeds), price moves (crashes included) and volatility whipsaws; oracle
pokes; issue and clear margin calls; kick; take (partial, whole lot, all but a sliver) by a
keeper, and by the ``FlashTaker`` selling on a mock AMM with no capital; redo; settle;
insurance-fund deposit, requestWithdraw, redeem and withdraw; routeReserves; and a keeper round
(kick every Liquidatable account, call or clear the others, buy the live lots). Each rule either
bounds its inputs to what is valid or predicts, from public views read at the very second the
transaction is mined, which named custom errors may refuse it: any other revert (another error,
a panic, an empty revert) fails the test.

After every step, each term read from its own book through public views (none derived from the
others), at one block:

* pool identity: ``0 ≤ cash + totalAccountDebt + debtInAuction − (supplierAssets + reserves) ≤
  n wei``; the slack never falls and grows by at most ``SLACK_PER_TX`` wei per transaction
  (each rounds once, in the protocol's favour), and stays ≤ ``MAX_SLACK``;
* token balances equal the books (nobody donates here): the pool's base balance is its ``cash``
  and its collateral balances ``totalCollateral``; the liquidator holds no base token and exactly
  ``Σ lot`` of every collateral; the fund holds exactly ``assetsBook`` base tokens and its
  ``heldCollateral``;
* ``Σ supplySharesOf = totalSupplyShares`` and ``Σ fund shares = totalSupply`` (every holder);
* ``Σ normalizedDebtOf = totalNormalizedDebt``; in base units ``Σ ⌈nᵢ·I⌉ ≥ totalAccountDebt``
  (each account rounds up, in the protocol's favour) and exceeds it by less than 1 wei per account;
* over ``activeAuctions()``: ``pendingLoss = Σ est + Σ unbackedChargeBacks``, ``totalTab = Σ tab ≤ hole``,
  ``debtInAuction = Σ debtPart``; per account ``liveAuctions`` and ``debtInAuctionOf`` match its
  auctions, and ``Σ debtInAuctionOf = debtInAuction``;
* fund ledger: ``assetsBook = totalDeposited − totalWithdrawn + penaltyIncome + reserveIncome +
  lotSaleIncome − totalCovered − incentivesPaid = totalAssets()``;
* losses: ``realizedLosses = coveredByReserves + coveredByFund + socializedLosses``;
* no account ends with debt, no collateral and no live auction;
* the ladder (DESIGN.md 3), for every borrower with valid prices: Liquidatable ⇒ HF < 1, or a live
  call whose deadline has passed and HF < the base marginCallHF; the status is exactly the
  ladder of its own HF, call level and call; the call deadline the pool reports is the one a
  model fed only by ``MarginCallIssued``/``MarginCallMet`` events expects.

And per action: no poke makes an account Liquidatable (nor leaves one; HF unchanged), compared
with the state at the same second without the poke; kick, issue, clear, take, redo and settle
go through or are refused exactly as the state at that second says (and with that error); a
borrow leaves the account Healthy; a take's owe is the model's
(``tests.model.auction.take_amounts``).

Like ``test_ladder_stateful``, every example starts from one Anvil snapshot (taken after the
positions are opened) and reverts to it at its end; all views of one check are sent as one
JSON-RPC batch pinned to one block (one Brownie call costs ~3 ms, the batch ~5 ms for all).
Settings: 20 examples of at most 50 steps (Hypothesis draws ~25 on average), ~30–50 s on two
shared cores, most of it Brownie's ~50 ms per transaction. ``pytest -s`` prints what the run
reached: every transaction's outcome (ok or the error's name) and the liquidation events seen.
"""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import brownie
import pytest
from brownie import chain, history, web3
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from margincall.chain import refresh_feeds
from margincall.deploy import DEAD
from tests.model.auction import NoPartialPurchase, take_amounts
from tests.model.call_level import HEALTHY, LIQUIDATABLE, MARGIN_CALL, CallBook, ladder_status
from tests.model.fixed_point import MAX_UINT, RAY, WAD, mul_div_down, mul_div_up
from tests.support.actions import deposit_to_fund, supply
from tests.support.chain_time import mine_at, next_block_at
from tests.support.reads import AuctionView
from tests.support.units import DAY, HOUR, USDC, WBTC, WETH

STEP = 90  # [seconds] the demo curve's step

SLACK_PER_TX = 4  # [wei] see tests/forge/invariant/Handler.sol SLACK_PER_CALL
MAX_SLACK = 10_000  # [wei] tests.support.reads.check_pool_books' bound

ORACLE_ERRORS = {"StalePrice"}  # the only oracle refusal this machine can cause (prices stay in bounds)
MOVES = [-4_000, -2_500, -1_200, -600, -300, 300, 600, 1_200]  # [bps] one price move
START_MOVES = [-2_000, -1_500, -1_000, -600, 0, 500]  # [bps] the first move of each example
JUMPS = [STEP, 10 * STEP, 30 * 60, HOUR, 3 * HOUR, 6 * HOUR + 60, 9 * HOUR, 2 * DAY, 7 * DAY]
WAITS = [0, 5, 12, 25, 40, 52, 85]  # [curve steps] how long a taker waits (cusp ≈ 51, tail = 80)
FRACTIONS = [1, 10, 33, 50, 90, 100]  # [%]
# events counted in the run's summary (pytest -s): how far the machine got
REACH_EVENTS = {
    "AccountClosed", "AuctionEnded", "CollateralReturned", "DebtChargedBack", "LossBooked", "BadDebtCovered",
    "BadDebtSocialized", "IncentivePaid", "MarginCallMet", "Settle", "Redo",
}
TOP_UP = {"WETH": 10 * WETH, "WBTC": WBTC // 2}  # [token units] the largest collateral top-up


def error_name(message: str | None) -> str:
    """``"Name: a, b"`` → ``"Name"``; a panic or an empty revert gives its own text or ``""``."""
    return (message or "").split(":", 1)[0]


def _approve_all(token, spender, *owners):
    for owner in owners:
        token.approve(spender, MAX_UINT, {"from": owner})


def _seed_amm(project, market, symbol, amount, maker):
    """A mock AMM holding ``amount`` of ``symbol`` and base tokens at the oracle's price."""
    token, usdc = market.collaterals[symbol].token, market.base.token
    amm = project.MockAMM.deploy(token, usdc, {"from": maker})
    base = amount * market.oracle.getPrice(token) // 10 ** market.collaterals[symbol].decimals * USDC // WAD
    token.mint(maker, amount, {"from": maker})
    usdc.mint(maker, base, {"from": maker})
    _approve_all(token, amm, maker)
    _approve_all(usdc, amm, maker)  # also for later one-sided top-ups (flash_take)
    amm.addLiquidity(amount, base, {"from": maker})
    return amm


@pytest.fixture
def accounting_market(
    market, project, governor, supplier, supplier2, borrower, borrower2, crowd, keeper, insurer, insurer2,
    taker_owner, market_maker,
):
    """Two suppliers (1,500,000 USDC), two insurers (7,000 USDC, so that a crash's losses can
    reach the suppliers; ``insurer`` asked to withdraw half a cooldown ago: its window is open
    when the examples start), six positions (five just above the band, HF 1.15–1.18, one of them
    at the dust debt, and one at HF 1.59; WETH only, WBTC only and both), a keeper holding base
    tokens, and a FlashTaker with one AMM per collateral at the oracle's prices."""
    usdc = market.base.token
    pool, liq, fund = market.pool, market.liquidator, market.fund
    supply(market, supplier, 1_000_000 * USDC)
    supply(market, supplier2, 500_000 * USDC)
    deposit_to_fund(market, insurer, 5_000 * USDC)
    deposit_to_fund(market, insurer2, 2_000 * USDC)
    for who in (supplier, supplier2, insurer, insurer2):  # what the rules supply and deposit (approved)
        usdc.mint(who, 10**9 * USDC, {"from": who})
    fund.requestWithdraw(fund.balanceOf(insurer) // 2, {"from": insurer})
    mine_at(chain[-1].timestamp + fund.cooldown() + HOUR)
    refresh_feeds(market)

    borrowers = [borrower, borrower2, *crowd[:4]]
    for who in borrowers:
        holdings = [(usdc, 10**7 * USDC)] + [(a.token, 10**4 * 10**a.decimals) for a in market.collaterals.values()]
        for token, amount in holdings:
            token.mint(who, amount, {"from": who})
            token.approve(pool, MAX_UINT, {"from": who})
    weth, wbtc = market.collaterals["WETH"].token, market.collaterals["WBTC"].token
    positions = [
        ({weth: 10 * WETH}, 22_000),  # HF 1.16
        ({weth: 5 * WETH, wbtc: 3 * WBTC // 10}, 23_000),  # HF 1.18
        ({wbtc: WBTC // 2}, 20_900),  # HF 1.15
        ({weth: 10 * WETH}, 16_000),  # HF 1.59
        ({weth: 4 * WETH, wbtc: 4 * WBTC // 10}, 25_000),  # HF 1.18
        ({weth: 45 * WETH // 100}, 1_000),  # HF 1.15, the smallest debt: worth under dust after −26 %
    ]
    for who, (collateral, debt) in zip(borrowers, positions):
        for token, amount in collateral.items():
            pool.depositCollateral(token, amount, who, {"from": who})
        pool.borrow(debt * USDC, who, {"from": who})

    usdc.mint(keeper, 10**9 * USDC, {"from": keeper})
    _approve_all(usdc, liq, keeper)
    amms = {s: _seed_amm(project, market, s, amount, market_maker)
            for s, amount in (("WETH", 2_000 * WETH), ("WBTC", 100 * WBTC))}
    flash = project.FlashTaker.deploy(liq, usdc, {"from": taker_owner})
    return SimpleNamespace(market=market, borrowers=borrowers, amms=amms, flash=flash)


def test_accounting_identities_stateful(
    accounting_market, round_writer, governor, supplier, supplier2, keeper, insurer, insurer2, taker_owner,
    market_maker,
):
    env = accounting_market
    market, borrowers, amms, flash = env.market, env.borrowers, env.amms, env.flash
    pool, liq, fund, oracle, lens, config = (
        market.pool, market.liquidator, market.fund, market.oracle, market.lens, market.config
    )
    usdc = market.base.token
    collaterals = market.collaterals
    symbols = list(collaterals)
    by_address = {a.token.address: a for a in collaterals.values()}
    assets = dict(collaterals) | {market.base.symbol: market.base}
    feeds = [a.feed for a in assets.values()]
    suppliers, insurers = [supplier, supplier2], [insurer, insurer2]
    everyone = [*suppliers, *borrowers, keeper, *insurers, taker_owner, market_maker, governor]
    params = config.marketParams()
    base_hf, grace, dust = params["marginCallHF"], params["gracePeriod"], params["dust"]
    lp = config.liquidationParams()
    tail, hole, last_restart = liq.tail(), liq.hole(), liq.lastRestart()  # no rule moves the breaker
    feed_params = {s: oracle.primaryFeed(a.token) for s, a in assets.items()}
    bounds = {s: (f["minPrice"], f["maxPrice"]) for s, f in feed_params.items()}
    feed_scale = {s: 10 ** (18 - a.feed.decimals()) for s, a in assets.items()}
    borrow_factor = {a.token.address: config.collateralInfo(a.token)["borrowFactor"] for a in collaterals.values()}
    start_answers = {s: a.feed.latestRoundData()[1] for s, a in assets.items()}
    state_fields = [c["name"] for c in lens.accounts.abi["outputs"][0]["components"]]

    def rpc(method, params=()):
        answer = web3.provider.make_request(method, list(params))
        assert "error" not in answer, f"{method}{params}: {answer.get('error')}"
        return answer["result"]

    def batch(calls, block):
        """[(contract function, args)] → decoded outputs, every call at ``block``, one round trip."""
        tag = hex(block)
        answers = web3.provider.make_batch_request(
            [("eth_call", [{"to": fn._address, "data": fn.encode_input(*args)}, tag]) for fn, args in calls]
        )
        out = []
        for (fn, args), answer in zip(calls, answers):
            assert "error" not in answer, f"{fn._name}{tuple(args)} reverted at {block}: {answer['error']}"
            out.append(fn.decode_output(answer["result"]))
        return out

    def rows_at(block):
        (states,) = batch([(lens.accounts, (borrowers,))], block)
        return {str(who): dict(zip(state_fields, s)) for who, s in zip(borrowers, states[0])}

    outcomes = Counter()  # (function, error name or "ok"): what the run reached (shown with -s)

    class Accounting(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = rpc("evm_snapshot")
            self.calls = CallBook(grace)
            self.answers = dict(start_answers)
            self.dirty = True  # something happened since the last check
            self.active = []  # live auction ids at the last check
            self.slack = None  # the pool identity's slack at the last check
            self.txs_at_check = len(history)

        def teardown(self):
            assert web3.provider.make_request("evm_revert", [self.snapshot])["result"]
            # Brownie picks the next nonce from its history: drop the receipts reverted away
            history._revert(web3.eth.block_number)

        # ============================================================ plumbing
        def send(self, fn, *args, sender, allowed=()):
            """Sends a transaction; returns (tx, None) or (failed tx, error name). A revert
            whose error is not in ``allowed`` fails the test."""
            self.dirty = True
            try:
                tx = fn(*args, {"from": sender})
            except brownie.exceptions.VirtualMachineError as exc:
                name = error_name(exc.revert_msg)
                outcomes[fn._name, name] += 1
                assert name and name in allowed, (
                    f"{fn._name}{args} by {sender}: unexpected revert {exc.revert_msg!r} (allowed: {sorted(allowed)})"
                )
                return history[-1], name
            outcomes[fn._name, "ok"] += 1
            for name in REACH_EVENTS & set(tx.events.keys()):
                outcomes["(event)", name] += 1
            self.calls.track(tx)
            return tx, None

        def at_next_second(self, extra=()):
            """The chain as the next transaction will see it: an empty block is mined at the
            next second, read, and reverted away; the next block then gets that same timestamp.
            Returns the timestamp, the borrowers' rows, every asset's ``tryPriceRange`` by
            symbol and the outputs of the ``extra`` calls."""
            ts = web3.eth.get_block("latest")["timestamp"] + 1
            snap = rpc("evm_snapshot")
            rpc("evm_setNextBlockTimestamp", [ts])
            rpc("evm_mine")
            calls = [(lens.accounts, (borrowers,))] + [(oracle.tryPriceRange, (a.token,)) for a in assets.values()]
            out = batch(calls + list(extra), web3.eth.block_number)
            assert rpc("evm_revert", [snap])
            rpc("evm_setNextBlockTimestamp", [ts])
            rows = {str(who): dict(zip(state_fields, s)) for who, s in zip(borrowers, out[0][0])}
            prices = dict(zip(assets, out[1 : 1 + len(assets)]))
            return SimpleNamespace(ts=ts, rows=rows, prices=prices, extra=out[1 + len(assets) :])

        def priced(self, now, token_address):
            """A valid price for the collateral and the base asset (``now`` from at_next_second)."""
            return now.prices[by_address[token_address].symbol][0] and now.prices[market.base.symbol][0]

        def pick(self, rows, seed, wanted):
            """The first borrower from ``seed`` on (priced) whose row satisfies ``wanted``, else
            the seed's own (to see the refusal)."""
            for i in range(len(borrowers)):
                who = borrowers[(seed + i) % len(borrowers)]
                if rows[str(who)]["priceOk"] and wanted(who, rows[str(who)]):
                    return who
            return borrowers[seed % len(borrowers)]

        def auction(self, pick):
            return None if not self.active else AuctionView.read(liq, self.active[pick % len(self.active)])

        def restarted(self, pick):
            """The auction a keeper would bid on: redone first (by the redo rule, which checks
            the outcome) when it needs a redo at the next second."""
            a = self.auction(pick)
            needs_redo, _ = self.auction_status_at(a, web3.eth.get_block("latest")["timestamp"] + 1)
            if needs_redo:
                self.redo(pick)
                a = AuctionView.read(liq, a.id)
            return a

        def auction_status_at(self, a, ts):
            """(needsRedo, price) of auction ``a`` at time ``ts``, by the liquidator's rule."""
            age = ts - max(a.tic, last_restart)
            p = market.curve.price(a.top, age)
            return age > tail or p < a.top * lp["cusp"] // WAD, p

        # ============================================================ world
        @initialize(weth_bps=st.sampled_from(START_MOVES), wbtc_bps=st.sampled_from(START_MOVES),
                    keeper_first=st.sampled_from([True, True, False]))
        def start(self, weth_bps, wbtc_bps, keeper_first):
            """Each example starts elsewhere: healthy, in the band, Liquidatable, or (a keeper
            round first) with calls issued and auctions running."""
            for symbol, bps in zip(symbols, (weth_bps, wbtc_bps)):
                if bps:
                    self.move_price(symbol, bps)
            if keeper_first:
                self.keeper_round(takes=False)

        @rule(symbol=st.sampled_from(list(assets)), bps=st.sampled_from(MOVES))
        def move_price(self, symbol, bps):
            if symbol == market.base.symbol:
                bps //= 10  # the stablecoin moves a tenth as much
            p = self.answers[symbol] * (10_000 + bps) // 10_000
            low, high = bounds[symbol]
            p = min(max(p, -(-low // feed_scale[symbol])), high // feed_scale[symbol])
            self.send(assets[symbol].feed.setPrice, p, sender=governor)
            self.answers[symbol] = p

        @rule(symbol=st.sampled_from(symbols), bps=st.sampled_from([300, 1_500]))
        def whipsaw(self, symbol, bps):
            """Down and back up in one block: volatility jumps, prices end where they were."""
            self.send(round_writer.whipsaw, assets[symbol].feed, bps, sender=governor)

        @rule(seconds=st.sampled_from(JUMPS), fresh=st.sampled_from([True, True, True, False]))
        def time_jump(self, seconds, fresh):
            self.dirty = True
            next_block_at(web3.eth.get_block("latest")["timestamp"] + seconds)
            if fresh:
                self.send(round_writer.refresh, feeds, sender=governor)
            else:
                rpc("evm_mine")

        @rule(symbol=st.sampled_from(symbols))
        def poke(self, symbol):
            """A poke only consumes volatility rounds: at the same second, with and without it,
            every account's HF is the same and it is Liquidatable in both or in neither."""
            now = self.at_next_second()
            tx, _ = self.send(oracle.poke, assets[symbol].token, sender=keeper)
            assert tx.timestamp == now.ts
            after = rows_at(tx.block_number)
            for who in map(str, borrowers):
                b, a = now.rows[who], after[who]
                if not (b["priceOk"] and a["priceOk"]):
                    continue
                assert a["healthFactor"] == b["healthFactor"], f"poke moved {who}'s HF"
                assert (a["status"] == LIQUIDATABLE) == (b["status"] == LIQUIDATABLE), (
                    f"poke changed whether {who} is Liquidatable: {b} → {a}"
                )

        # ============================================================ suppliers
        @rule(who=st.sampled_from(suppliers), amount=st.sampled_from([1, 1_000, 50_000, 300_000]))
        def supply(self, who, amount):
            amount *= USDC
            closed = pool.supplierAssets() == 0 and pool.totalSupplyShares() != 0
            _, error = self.send(pool.supply, amount, who, sender=who, allowed={"SupplyClosed"} if closed else ())
            assert (error is not None) == closed

        @rule(who=st.sampled_from(suppliers), percent=st.sampled_from(FRACTIONS), everything=st.booleans())
        def withdraw(self, who, percent, everything):
            value, cash = lens.withdrawableOf(who), pool.cash()
            most = min(value, cash)
            if most == 0:
                return
            amount = MAX_UINT if everything else max(1, most * percent // 100)
            # everything: its value (plus interest not accrued yet, < 5 %) may exceed the cash
            short = everything and value * 105 // 100 >= cash
            self.send(pool.withdraw, amount, who, sender=who, allowed={"InsufficientLiquidity"} if short else ())

        # ============================================================ borrowers
        @rule(who=st.sampled_from(borrowers), symbol=st.sampled_from(symbols), percent=st.sampled_from(FRACTIONS))
        def deposit_collateral(self, who, symbol, percent):
            """Up to 10 WETH or 0.5 WBTC (~$30,000) at a time: never near a supply cap."""
            a = collaterals[symbol]
            amount = TOP_UP[symbol] * percent // 100
            self.send(pool.depositCollateral, a.token, amount, who, sender=who)

        @rule(who=st.sampled_from(borrowers), symbol=st.sampled_from(symbols), percent=st.sampled_from(FRACTIONS))
        def withdraw_collateral(self, who, symbol, percent):
            a = collaterals[symbol]
            balance = pool.collateralOf(who, a.token)
            if balance == 0:
                return
            amount = MAX_UINT if percent == 100 else max(1, balance * percent // 100)
            r = self.at_next_second().rows[str(who)]
            if r["liveAuctions"]:
                allowed = {"LiveAuctions"}
            elif r["debt"] == 0:
                allowed = set()  # no debt, no auction: no price, no check
            elif not r["priceOk"]:
                allowed = ORACLE_ERRORS
            else:  # the call level the withdrawal reads (pending rounds folded in) may differ from the row
                allowed = {"AccountNotHealthy", "InsufficientMargin"}
            self.send(pool.withdrawCollateral, a.token, amount, who, sender=who, allowed=allowed)

        @rule(who=st.sampled_from(borrowers), percent=st.integers(1, 100))
        def borrow(self, who, percent):
            """Sized up to the opening limit read from the chain (marginCallHF · Σ value_low · bf
            over the call level, at the base price's high end), at least up to dust."""
            now = self.at_next_second(
                [(pool.collateralOf, (who, a.token)) for a in collaterals.values()] + [(pool.cash, ())]
            )
            r = now.rows[str(who)]
            *held, cash = now.extra
            if r["priceOk"]:
                capacity = 0  # [wad USD]
                for (symbol, a), amount in zip(collaterals.items(), held):
                    low = now.prices[symbol][1]
                    capacity += amount * low // 10**a.decimals * borrow_factor[a.token.address] // WAD
                base_high = now.prices[market.base.symbol][2]
                room = capacity * base_hf // max(r["callLevel"], base_hf) * USDC // base_high - r["debt"]
            else:
                room = 10_000 * USDC
            amount = max(room * percent // 100, dust - r["debt"], 1)
            if amount > cash:
                allowed = {"InsufficientLiquidity"}
            elif r["liveAuctions"]:
                allowed = {"LiveAuctions"}
            elif not r["priceOk"]:
                allowed = ORACLE_ERRORS
            else:  # the call level the borrow reads (pending rounds folded in) can refuse it
                allowed = {"InsufficientMargin", "AccountNotHealthy"}
            tx, error = self.send(pool.borrow, amount, who, sender=who, allowed=allowed)
            if error is None:
                s = lens.accountState(who, block_identifier=tx.block_number)
                assert s["status"] == HEALTHY and s["healthFactor"] >= s["callLevel"], "a borrow opened in the band"

        @rule(who=st.sampled_from(borrowers), percent=st.sampled_from(FRACTIONS))
        def repay(self, who, percent):
            """Never refused: partial repays leave at least dust, a full one sends everything."""
            debt = pool.debtOf(who)
            if debt == 0:
                return
            amount = debt * percent // 100
            if percent == 100 or amount == 0 or debt - amount < dust + debt // 10**6:
                amount = MAX_UINT
            self.send(pool.repay, amount, who, sender=who)

        # ============================================================ margin calls
        @rule(seed=st.integers(0, 5))
        def issue_margin_call(self, seed, who=None):
            now = self.at_next_second()
            who = who or self.pick(
                now.rows, seed, lambda w, r: r["status"] == MARGIN_CALL and not self.calls.live(w, now.ts)
            )
            ts, r = now.ts, now.rows[str(who)]
            if not r["priceOk"]:
                allowed = ORACLE_ERRORS
            elif self.calls.live(who, ts):
                allowed = {"MarginCallAlreadyLive"}
            elif r["status"] != MARGIN_CALL:
                allowed = {"NotInMarginCall"}
            else:
                allowed = set()
            tx, error = self.send(pool.issueMarginCall, who, sender=keeper, allowed=allowed)
            assert (error is None) == (not allowed), f"issueMarginCall went through although {allowed}"
            if error is None:
                assert tx.events["MarginCallIssued"]["deadline"] == ts + grace

        @rule(seed=st.integers(0, 5))
        def clear_margin_call(self, seed, who=None):
            now = self.at_next_second()
            who = who or self.pick(now.rows, seed, lambda w, r: r["status"] == HEALTHY and self.calls.live(w, now.ts))
            ts, r = now.ts, now.rows[str(who)]
            if not self.calls.live(who, ts):
                allowed = {"NoLiveMarginCall"}
            elif r["debt"] and not r["priceOk"]:
                allowed = ORACLE_ERRORS
            elif r["status"] != HEALTHY:
                allowed = {"AccountNotHealthy"}
            else:
                allowed = set()
            tx, error = self.send(pool.clearMarginCall, who, sender=keeper, allowed=allowed)
            assert (error is None) == (not allowed), f"clearMarginCall went through although {allowed}"

        # ============================================================ liquidation
        @rule(seed=st.integers(0, 5))
        def kick(self, seed, who=None):
            """Refused exactly when the account is not Liquidatable at that second (a kick's own
            pokes cannot change that), or a price is invalid; a Liquidatable account only when it
            has live auctions and no collateral left, or (never here) no room under hole."""
            now = self.at_next_second()
            who = who or self.pick(now.rows, seed, lambda w, r: r["status"] == LIQUIDATABLE)
            r = now.rows[str(who)]
            if not r["priceOk"]:
                allowed = ORACLE_ERRORS
            elif r["status"] != LIQUIDATABLE:
                allowed = {"NotLiquidatable"}
            elif r["liveAuctions"] and r["assetsIn"] == 0:
                allowed = {"NothingToSeize"}
            elif hole - liq.totalTab() < 2 * r["debt"]:  # a tab is at most debt · (1 + p)
                allowed = {"NoRoom"}
            else:
                allowed = set()
            tx, error = self.send(liq.kick, who, keeper, sender=keeper, allowed=allowed)
            if allowed != {"NoRoom"}:
                assert (error is None) == (not allowed), f"kick of {who}: {error} although {allowed}: {r}"

        @rule(takes=st.booleans())
        def keeper_round(self, takes):
            """What a keeper does: kick every Liquidatable account, call every one in MarginCall
            without a live call, clear every Healthy one with a live call (each decided on the
            state at the block before, then checked by its rule) and, with ``takes``, buy every
            live lot once its price is under the oracle's (ten curve steps after its start)."""
            for id_ in list(self.active) if takes else []:
                if id_ in self.active:  # still live (the check after each take refreshes the list)
                    self.take(self.active.index(id_), 10, 100)
                    self.books()
            block = web3.eth.get_block("latest")
            for who in borrowers:
                r = rows_at(block["number"])[str(who)]  # the state the keeper sees
                if not r["priceOk"]:
                    continue
                if r["status"] == LIQUIDATABLE:
                    self.kick(0, who)
                elif r["status"] == MARGIN_CALL and not self.calls.live(who, block["timestamp"]):
                    self.issue_margin_call(0, who)
                elif r["status"] == HEALTHY and self.calls.live(who, block["timestamp"]):
                    self.clear_margin_call(0, who)

        @precondition(lambda self: self.active)
        @rule(pick=st.integers(0, 7), wait=st.sampled_from(WAITS), percent=st.sampled_from([5, 50, 99, 100, 101]))
        def take(self, pick, wait, percent):
            """The keeper waits ``wait`` curve steps from the auction's start (or takes now),
            then buys part of the lot (``percent``), all of it (100) or all but a sliver (99 %, or
            101: all but one unit) at exactly the price of that second. An auction that needs a
            redo is redone first (if it cannot be, the take must be refused)."""
            a = self.restarted(pick)
            ts = max(web3.eth.get_block("latest")["timestamp"] + 1, max(a.tic, last_restart) + wait * STEP)
            needs_redo, p = self.auction_status_at(a, ts)
            if percent == 100:
                max_collateral = a.lot
            elif percent == 101:
                max_collateral = max(a.lot - 1, 1)
            else:
                max_collateral = max(a.lot * percent // 100, 1)
            expected = None
            if needs_redo:
                allowed = {"NeedsRedo"}
            else:
                allowed = set()
                try:
                    expected = take_amounts(a.lot, a.tab, max_collateral, p, a.scale, USDC, dust)
                except NoPartialPurchase:
                    allowed = {"NoPartialPurchase"}
            next_block_at(ts)
            tx, error = self.send(liq.take, a.id, max_collateral, p, keeper, b"", sender=keeper, allowed=allowed)
            assert (error is None) == (not allowed), f"take of {a} at {p} went through although {allowed}"
            if error is None:
                e = tx.events["Take"][0]
                assert e["price"] == p and e["owe"] == expected[1], f"take {e} != model {expected}"

        @precondition(lambda self: self.active)
        @rule(
            pick=st.integers(0, 7), premium=st.sampled_from([9_000, 10_000, 11_000]), edge=st.sampled_from([97, 101])
        )
        def flash_take(self, pick, premium, edge):
            """The AMM is brought to ``premium`` of the oracle price (one-sided liquidity: a lab
            device), then the FlashTaker buys the whole lot with no capital once the auction asks
            ``edge`` % of the AMM's price: at 101 % fee and slippage make it Unprofitable."""
            a = self.restarted(pick)
            symbol = by_address[a.asset].symbol
            amm, token = amms[symbol], by_address[a.asset].token
            ok, _, high = oracle.tryPriceRange(token)
            ok_base, base_low, _ = oracle.tryPriceRange(usdc)
            if not (ok and ok_base):
                return  # nothing to bring the AMM to
            target = high * premium // 10_000 * WAD // base_low  # [wad] base per collateral
            want_base = amm.reserveCollateral() * target // a.scale * USDC // WAD
            if want_base > amm.reserveBase():
                usdc.mint(market_maker, want_base - amm.reserveBase(), {"from": market_maker})
                amm.addLiquidity(0, want_base - amm.reserveBase(), {"from": market_maker})
            else:
                want_collateral = amm.reserveBase() * WAD // USDC * a.scale // target
                if want_collateral > amm.reserveCollateral():
                    token.mint(market_maker, want_collateral - amm.reserveCollateral(), {"from": market_maker})
                    amm.addLiquidity(want_collateral - amm.reserveCollateral(), 0, {"from": market_maker})
            bid = target * edge // 100
            start = max(a.tic, last_restart)
            latest = web3.eth.get_block("latest")
            age = latest["timestamp"] + 1 - start
            ages = [age] + list(range((age // STEP + 1) * STEP, tail + STEP + 1, STEP))  # now, then each step
            prices = batch([(market.curve.price, (a.top, t)) for t in ages], latest["number"])
            ts = start + next((t for t, p in zip(ages, prices) if p <= bid), ages[-1])
            needs_redo, p = self.auction_status_at(a, ts)
            next_block_at(ts)
            allowed = {"NeedsRedo"} if needs_redo else {"Unprofitable"}
            self.send(flash.take, a.id, a.lot, p, amm, 0, sender=taker_owner, allowed=allowed)

        @precondition(lambda self: self.active)
        @rule(pick=st.integers(0, 7))
        def redo(self, pick):
            a = self.auction(pick)
            now = self.at_next_second()
            needs_redo, _ = self.auction_status_at(a, now.ts)
            rpc("evm_setNextBlockTimestamp", [now.ts])  # the curve view above mined nothing
            allowed = {"CannotRedo"} if not needs_redo else (set() if self.priced(now, a.asset) else ORACLE_ERRORS)
            tx, error = self.send(liq.redo, a.id, keeper, sender=keeper, allowed=allowed)
            assert (error is None) == (not allowed), f"redo of {a} went through although {allowed}"

        @precondition(lambda self: self.active)
        @rule(pick=st.integers(0, 7))
        def settle(self, pick):
            """Allowed only when the auction needs a redo and is stuck (needing one for 3 tails,
            no valid price) or worthless (the lot worth under dust at a fresh valid price);
            refused with CannotSettle otherwise (DESIGN.md 4)."""
            a = self.auction(pick)
            now = self.at_next_second()
            needs_redo, _ = self.auction_status_at(a, now.ts)
            priced = self.priced(now, a.asset)
            stuck = needs_redo and now.ts - max(a.tic, last_restart) > 4 * tail and not priced
            worthless = False
            if needs_redo and priced:
                high = now.prices[by_address[a.asset].symbol][2]
                base_low = now.prices[market.base.symbol][1]
                worthless = mul_div_down(mul_div_down(a.lot, high, a.scale), USDC, base_low) < dust
            allowed = set() if (stuck or worthless) else {"CannotSettle"}
            tx, error = self.send(liq.settle, a.id, sender=keeper, allowed=allowed)
            assert (error is None) == (not allowed), f"settle of {a} went through although {allowed}"

        # ============================================================ insurance fund
        @rule(who=st.sampled_from(insurers), amount=st.sampled_from([1, 500, 5_000]))
        def fund_deposit(self, who, amount):
            self.send(fund.deposit, amount * USDC, who, sender=who)

        @rule(who=st.sampled_from(insurers), percent=st.sampled_from(FRACTIONS))
        def fund_request_withdraw(self, who, percent):
            self.send(fund.requestWithdraw, fund.balanceOf(who) * percent // 100, sender=who)

        @rule(who=st.sampled_from(insurers), percent=st.sampled_from(FRACTIONS), by_assets=st.booleans())
        def fund_redeem(self, who, percent, by_assets):
            """Inside the window: redeem shares, or withdraw assets (ERC-4626 ``withdraw``)."""
            (most,) = self.at_next_second([(fund.maxWithdraw if by_assets else fund.maxRedeem, (who,))]).extra
            if most:
                exit_ = fund.withdraw if by_assets else fund.redeem
                self.send(exit_, max(1, most * percent // 100), who, who, sender=who)

        @rule()
        def route_reserves(self):
            self.send(pool.routeReserves, sender=keeper)

        # ============================================================ the identities
        @invariant()
        def books(self):
            outcomes["(steps)", "with live auctions" if self.active else "without"] += 1
            if not self.dirty:  # nothing happened since the last check
                return
            self.dirty = False
            txs = len(history) - self.txs_at_check
            self.txs_at_check = len(history)
            block = web3.eth.block_number
            now = web3.eth.get_block(block)["timestamp"]

            (active,) = batch([(liq.activeAuctions, ())], block)
            self.active = list(active)
            scalar_names = [
                (pool, "cash"), (pool, "totalAccountDebt"), (pool, "debtInAuction"), (pool, "supplierAssets"),
                (pool, "reserves"), (pool, "totalSupplyShares"), (pool, "totalNormalizedDebt"), (pool, "borrowIndex"),
                (pool, "realizedLosses"), (pool, "coveredByReserves"), (pool, "coveredByFund"),
                (pool, "socializedLosses"), (liq, "pendingLoss"), (liq, "totalTab"), (fund, "assetsBook"),
                (fund, "totalAssets"), (fund, "totalSupply"), (fund, "totalDeposited"), (fund, "totalWithdrawn"),
                (fund, "penaltyIncome"), (fund, "reserveIncome"), (fund, "lotSaleIncome"), (fund, "totalCovered"),
                (fund, "incentivesPaid"),
            ]
            calls = [(getattr(c, n), ()) for c, n in scalar_names]
            calls += [(usdc.balanceOf, (h,)) for h in (pool, liq, fund)]
            for a in collaterals.values():
                calls += [(a.token.balanceOf, (pool,)), (a.token.balanceOf, (liq,)), (a.token.balanceOf, (fund,)),
                          (pool.totalCollateral, (a.token,)), (fund.heldCollateral, (a.token,))]
            calls += [(pool.supplySharesOf, (w,)) for w in everyone]
            calls += [(fund.balanceOf, (w,)) for w in [*everyone, DEAD]]
            calls += [(pool.normalizedDebtOf, (w,)) for w in everyone]
            calls += [(pool.debtInAuctionOf, (w,)) for w in borrowers]
            calls += [(liq.unbackedChargeBacks, (w,)) for w in borrowers]
            calls += [(lens.accounts, (borrowers,))]
            calls += [(liq.auctions, (i,)) for i in self.active]
            out = iter(batch(calls, block))
            v = {n: next(out) for _, n in scalar_names}
            base_bal = {h: next(out) for h in ("pool", "liq", "fund")}
            coll = {s: [next(out) for _ in range(5)] for s in collaterals}
            shares = [next(out) for _ in everyone]
            fund_shares = [next(out) for _ in range(len(everyone) + 1)]
            normalized = [next(out) for _ in everyone]
            in_auction_of = dict(zip(map(str, borrowers), [next(out) for _ in borrowers]))
            unbacked = dict(zip(map(str, borrowers), [next(out) for _ in borrowers]))
            states = next(out)[0]
            rows = {str(who): dict(zip(state_fields, s)) for who, s in zip(borrowers, states)}
            records = [next(out) for _ in self.active]

            # pool identity, each term from its own book
            slack = v["cash"] + v["totalAccountDebt"] + v["debtInAuction"] - (v["supplierAssets"] + v["reserves"])
            assert 0 <= slack <= MAX_SLACK, f"pool books off by {slack} wei"
            if self.slack is not None:
                assert slack >= self.slack, f"pool slack fell {self.slack} → {slack}: value left the books"
                assert slack - self.slack <= SLACK_PER_TX * txs, f"slack grew {slack - self.slack} in {txs} txs"
            self.slack = slack

            # token balances equal the books (nobody donates in this machine)
            assert base_bal["pool"] == v["cash"], "pool: base balance != cash"
            assert base_bal["liq"] == 0, "liquidator holds base tokens"
            assert base_bal["fund"] == v["assetsBook"], "fund: base balance != assetsBook"
            for s, (in_pool, in_liq, in_fund, total, held) in coll.items():
                lots = sum(r["lot"] for r in records if r["asset"] == collaterals[s].token.address)
                assert in_pool == total, f"pool: {s} balance != totalCollateral"
                assert in_liq == lots, f"liquidator: {s} balance != Σ lot"
                assert in_fund == held, f"fund: {s} balance != heldCollateral"

            # shares and debts sum to their totals
            assert sum(shares) == v["totalSupplyShares"], "Σ supplySharesOf != totalSupplyShares"
            assert sum(fund_shares) == v["totalSupply"], "Σ fund shares != totalSupply"
            assert sum(normalized) == v["totalNormalizedDebt"], "Σ normalizedDebtOf != totalNormalizedDebt"
            debts = sum(mul_div_up(n, v["borrowIndex"], RAY) for n in normalized)
            assert v["totalAccountDebt"] <= debts <= v["totalAccountDebt"] + len(everyone), (
                f"Σ account debts {debts} vs totalAccountDebt {v['totalAccountDebt']}"
            )

            # the liquidator's books over live auctions
            charged = sum(unbacked.values())
            assert v["pendingLoss"] == sum(r["est"] for r in records) + charged, "pendingLoss != Σ est + charge-backs"
            assert v["totalTab"] == sum(r["tab"] for r in records), "totalTab != Σ tab"
            assert v["totalTab"] <= hole, "totalTab above hole"
            assert v["debtInAuction"] == sum(r["debtPart"] for r in records), "debtInAuction != Σ debtPart"
            for who in map(str, borrowers):
                own = [r for r in records if r["account"] == who]
                assert in_auction_of[who] == sum(r["debtPart"] for r in own), f"{who}: debtInAuctionOf != Σ debt parts"
                assert rows[who]["liveAuctions"] == len(own), f"{who}: liveAuctions != its live auctions"
                assert own or unbacked[who] == 0, f"{who}: a charge-back pending with no live auction"
            assert sum(in_auction_of.values()) == v["debtInAuction"], "Σ debtInAuctionOf != debtInAuction"

            # the fund's ledger
            ledger = (
                v["totalDeposited"] - v["totalWithdrawn"] + v["penaltyIncome"] + v["reserveIncome"]
                + v["lotSaleIncome"] - v["totalCovered"] - v["incentivesPaid"]
            )
            assert v["assetsBook"] == ledger, f"fund assets {v['assetsBook']} != ledger {ledger}"
            assert v["totalAssets"] == v["assetsBook"]

            # losses booked once, through the waterfall
            assert v["realizedLosses"] == v["coveredByReserves"] + v["coveredByFund"] + v["socializedLosses"], (
                "a realised loss was not covered by the waterfall"
            )

            # accounts: nothing stranded; the ladder
            for who, r in rows.items():
                stranded = r["debt"] > 0 and r["assetsIn"] == 0 and r["liveAuctions"] == 0
                assert not stranded, f"{who} ends with debt, no collateral and no live auction"
                live = self.calls.live(who, now)
                assert r["callDeadline"] == (self.calls[who] if live else 0), f"{who}: call deadline {r}"
                if not r["priceOk"]:
                    continue
                past_deadline = r["callDeadline"] != 0 and now > r["callDeadline"]
                if r["status"] == LIQUIDATABLE:
                    assert r["healthFactor"] < WAD or (past_deadline and r["healthFactor"] < base_hf), (
                        f"{who} Liquidatable at HF ≥ 1 without a call past its deadline: {r}"
                    )
                assert r["status"] == ladder_status(
                    r["healthFactor"], r["callLevel"], base_hf, r["debt"] > 0, past_deadline
                ), f"{who}: {r}"

    run_state_machine_as_test(
        Accounting,
        settings=settings(
            max_examples=20,
            stateful_step_count=50,
            deadline=None,
            database=None,  # as test_ladder_stateful: no replay of examples from older versions
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        ),
    )
    for (name, outcome), n in sorted(outcomes.items()):
        print(f"{name:40} {outcome:24} {n}")
