"""The scenario engine: one market on one chain, the run's actors, its clock and its recorder.

A ``Lab`` is what every scenario drives. It

* keeps chain time explicit: on Anvil the block-timestamp interval is 0, so time moves only when
  the lab moves it (``advance``), and the same seed gives the same blocks, timestamps, interest
  and so the same metrics on any machine;
* moves mock feeds between blocks, never inside a transaction (a lab device, DESIGN.md 8);
* opens positions for funded actors, reads every account through ``PoolLens`` in batches, and
  samples what the report plots;
* checks the accounting identities of DESIGN.md 5 at the end (``margincall.lab.books``).

Scenarios are in ``margincall.lab.scenarios``; ``run_scenario`` starts the chain, deploys, runs
one, and writes ``metrics.json``, the plots and ``report.md``.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..borrowers import LENS_BATCH
from ..chain import MAX_UINT
from ..deploy import Market
from ..errors import HarnessError, ProtocolError, decode_revert, revert_data
from ..params import MarketSpec, load_params, parse_params
from ..session import Chain, Receipt, Signer, address_of
from ..status import AccountStatus
from ..units import WAD, from_units, scaled
from .metrics import Recorder
from .population import CollateralTerms, Position

GENESIS_TIMESTAMP = 1_700_000_000  # every lab chain starts here: absolute times repeat too
# transactions per set-up block (its gas limit raised for set-up only): one of the cascade's
# ceiling block sizes, so that its raw ceiling is measured in blocks as large as the set-up's
POPULATE_BLOCK_TXS = 1_000


class ScenarioError(HarnessError):
    """A scenario that cannot run as asked (unknown name, bad option, a broken expectation)."""


@dataclass
class RunOptions:
    """What the user chose for one run (CLI flags); ``None`` means the scenario's default."""

    seed: int = 7
    accounts: int | None = None
    liquidator: str | None = None  # "dutch" | "fixed-spread"; None: the scenario's own choice
    out: Path | None = None
    buf: str | None = None  # auction start over the oracle price, e.g. "1.10"
    cut: str | None = None  # stair-step decay per step, e.g. "0.99"
    grace_period: int | None = None  # [seconds]
    shock: str | None = None  # fraction of the first fall, e.g. "0.4"
    keeper_delay: int | None = None  # [seconds] before a keeper acts on what it sees
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ScenarioError(f"--seed must be a whole number >= 0, got {self.seed!r}")
        if self.accounts is not None and self.accounts < 1:
            raise ScenarioError(f"--accounts must be at least 1, got {self.accounts}")
        if self.liquidator not in (None, "dutch", "fixed-spread"):
            raise ScenarioError(f"--liquidator must be dutch or fixed-spread, got {self.liquidator!r}")
        for name in ("grace_period", "keeper_delay"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ScenarioError(f"--{name.replace('_', '-')} must be >= 0 seconds, got {value}")

    def market_spec(self, base: MarketSpec | None = None) -> MarketSpec:
        """The demo market (or ``base``) with this run's auction and grace overrides, checked by
        the same parser as a parameter file."""
        raw = copy.deepcopy((base or load_params()).raw)
        if self.buf is not None:
            raw["liquidation"]["buf"] = str(self.buf)
        if self.cut is not None:
            raw["liquidation"]["curve"]["cut"] = str(self.cut)
        if self.grace_period is not None:
            raw["market"]["grace_period"] = int(self.grace_period)
        return parse_params(raw)


class Lab:
    """One run's market, actors, clock and recorder."""

    def __init__(self, market: Market, recorder: Recorder, seed: int):
        self.market = market
        self.chain: Chain = market.chain
        self.recorder = recorder
        self.rng = random.Random(seed)
        self.governor = self.chain.signer_for(None)
        self.accounts: list[str] = []  # every borrower of the run, in the order opened
        self._actors: list[Signer] = []
        self._used = 1  # actor 0 is the governor
        self.start = self.chain.time()
        self.progress: Any = None  # a rich Progress for long set-ups, or None
        self._lots: dict[int, int] = {}  # auction id → lot left [token units], from Kick/Take events
        self._assets: dict[int, str] = {}  # auction id → collateral symbol, from Kick events
        self.fast_path_sent = 0  # transactions sent through margincall.bulk by the lab itself (populate)
        self.fast_path_seconds = 0.0  # [s] the time they took (send, mine, receipts)

    # ------------------------------------------------------------------ clock
    @property
    def t(self) -> int:
        """Seconds since the run started (the latest block's timestamp)."""
        return self.chain.time() - self.start

    def advance(self, seconds: int, refresh_feeds: bool = True) -> None:
        """Mine one block ``seconds`` later; by default re-post every feed's answer so nothing
        goes stale only because the lab moved time."""
        if seconds < 0:
            raise ScenarioError(f"time cannot go back ({seconds} s)")
        target = self.chain.time() + int(seconds)
        try:
            self.chain.rpc("evm_setNextBlockTimestamp", [target])
        except HarnessError:
            self.chain.sleep(int(seconds))  # a node without exact timestamps (Ganache)
        self.chain.mine()
        if refresh_feeds:
            self.refresh_feeds()

    def refresh_feeds(self, skip: tuple[str, ...] = ()) -> None:
        m = self.market
        for asset in [m.base, *m.collaterals.values()]:
            if asset.symbol in skip:
                continue
            asset.feed.send.setPrice(asset.feed.call.latestRoundData()[1], sender=self.governor)

    # ------------------------------------------------------------------ prices
    def price(self, symbol: str) -> Decimal:
        """The primary feed's latest answer, in USD."""
        feed = self.market.asset(symbol).feed
        return from_units(feed.call.latestRoundData()[1], feed.call.decimals())

    def set_price(self, symbol: str, usd: object) -> None:
        """A new round on ``symbol``'s primary feed (rounded down to the feed's decimals)."""
        feed = self.market.asset(symbol).feed
        decimals = feed.call.decimals()
        answer = int(Decimal(str(usd)).scaleb(decimals).to_integral_value(rounding="ROUND_DOWN"))
        feed.send.setPrice(answer, sender=self.governor)

    def oracle_price(self, symbol: str) -> Decimal | None:
        """The oracle's price, or None while it has no valid one."""
        try:
            return from_units(self.market.oracle.call.getPrice(self.market.asset(symbol).token), 18)
        except ProtocolError:
            return None

    def collateral_terms(self) -> list[CollateralTerms]:
        """Each collateral's price, decimals and borrow factor now (for ``draw_positions``)."""
        spec = self.market.spec
        return [
            CollateralTerms(s, self.price(s), a.decimals, from_units(spec.collaterals[s].borrow_factor, 18))
            for s, a in self.market.collaterals.items()
        ]

    # ------------------------------------------------------------------ actors
    def actors(self, n: int) -> list[Signer]:
        """``n`` fresh senders (unlocked dev accounts first, then funded local keys)."""
        need = self._used + n
        if len(self._actors) < need:
            self._actors = self.chain.actors(need)
        chosen = self._actors[self._used : need]
        self._used = need
        return chosen

    def mint(self, token: Any, who: Any, amount: int, spender: Any = None) -> None:
        token.send.mint(address_of(who), amount, sender=who)
        if spender is not None:
            token.send.approve(address_of(spender), MAX_UINT, sender=who)
        self.recorder.transactions += 2 if spender is not None else 1

    def supply(self, amount: int) -> Signer:
        """A lender supplies ``amount`` base units."""
        (lender,) = self.actors(1)
        self.mint(self.market.base.token, lender, amount, self.market.pool)
        self.send(self.market.pool.send.supply, amount, lender.address, sender=lender)
        return lender

    def seed_fund(self, amount: int) -> Signer:
        """An insurer deposits ``amount`` base units into the insurance fund."""
        (insurer,) = self.actors(1)
        self.mint(self.market.base.token, insurer, amount, self.market.fund)
        self.send(self.market.fund.send.deposit, amount, insurer.address, sender=insurer)
        return insurer

    def open_position(self, who: Signer, collateral: dict[str, int], debt: int) -> None:
        """``who`` deposits ``collateral`` (token units by symbol) and borrows ``debt``."""
        pool = self.market.pool
        for symbol, amount in collateral.items():
            if amount == 0:
                continue
            token = self.market.collaterals[symbol].token
            self.mint(token, who, amount, pool)
            self.send(pool.send.depositCollateral, token, amount, who.address, sender=who)
        if debt:
            self.send(pool.send.borrow, debt, who.address, sender=who)
        self.accounts.append(who.address)

    def open_positions(self, positions: list[Position], progress: Callable[[int], Any] | None = None) -> list[Signer]:
        """One actor per drawn position, each opened in turn."""
        actors = self.actors(len(positions))
        for i, (who, p) in enumerate(zip(actors, positions)):
            self.open_position(who, p.collateral, p.debt)
            if progress is not None:
                progress(i + 1)
        return actors

    def populate(self, positions: list[Position], tag: str = "borrower") -> list[str]:
        """Open every drawn position through the fast path (``margincall.bulk``): impersonated
        addresses (nobody holds their keys: these borrowers never act again), JSON-RPC batches,
        blocks mined explicitly at the lab's frozen time. Returns the accounts, in order."""
        from ..bulk import Bulk, Encoder, Tx, addresses

        accounts = addresses(len(positions), seed=f"{tag}:{self.recorder.seed}")
        # gas limits with room: a borrow folds each held collateral's pending rounds into σ (gas is free here)
        gas = {"mint": 90_000, "approve": 60_000, "depositCollateral": 300_000, "borrow": 300_000 + 250_000 * len(self.market.collaterals)}
        pool = self.market.pool
        deposit, borrow = Encoder(pool, "depositCollateral"), Encoder(pool, "borrow")
        setup, opening, borrows = [], [], []
        tokens = {s: a.token for s, a in self.market.collaterals.items()}
        mint = {s: Encoder(t, "mint") for s, t in tokens.items()}  # one encoder per function, not per transaction
        approve = {s: Encoder(t, "approve")(pool.address, MAX_UINT) for s, t in tokens.items()}
        for account, p in zip(accounts, positions):
            for symbol, amount in p.collateral.items():
                token = tokens[symbol]
                setup.append(Tx(account, token.address, mint[symbol](account, amount), gas["mint"]))
                setup.append(Tx(account, token.address, approve[symbol], gas["approve"]))
                opening.append(Tx(account, pool.address, deposit(token.address, amount, account), gas["depositCollateral"]))
            borrows.append(Tx(account, pool.address, borrow(p.debt, account), gas["borrow"]))
            opening.append(borrows[-1])
        now, txs = self.chain.time(), setup + opening
        task = self.progress.add_task(f"opening {len(positions)} positions", total=len(txs)) if self.progress else None
        with Bulk(self.chain, per_block=POPULATE_BLOCK_TXS) as bulk:
            bulk.impersonate_all()
            bulk.set_balances(accounts, 10**18)
            # set-up blocks at the frozen start time hold 10 times the gas of a simulated block:
            # Anvil 1.7.1 pays a cost per block that grows with the chain's state (it rebuilds
            # the state tries), and nothing is simulated here. Receipts are not read (their cost
            # grows with the square of a block's size): every position is checked on the pool after.
            limit = bulk.block_gas_limit()
            bulk.set_block_gas_limit(limit * 10)
            try:
                for start in range(0, len(txs), POPULATE_BLOCK_TXS):
                    bulk.run(txs[start : start + POPULATE_BLOCK_TXS], timestamp=now, receipts=False)
                    if task is not None:
                        self.progress.update(task, completed=min(len(txs), start + POPULATE_BLOCK_TXS))
            finally:
                bulk.set_block_gas_limit(limit)
                bulk.call("evm_mine", [now])  # an empty block: the latest block shows the limit again
            self.recorder.transactions += bulk.sent
        self.fast_path_sent += bulk.sent
        self.fast_path_seconds += bulk.seconds
        self._check_opened(accounts, positions, borrows)
        self.accounts += accounts
        return accounts

    def _check_opened(self, accounts: list[str], positions: list[Position], borrows: list[Any]) -> None:
        """Every account of a populate holds its drawn debt (a deposit or borrow that failed
        leaves it without); the first that does not is replayed for its error."""
        for (account, st), p, borrow in zip(self.states(accounts), positions, borrows):
            if st.debt < p.debt:
                try:
                    self.chain.w3.eth.call({"from": borrow.sender, "to": borrow.to, "data": borrow.data, "gas": borrow.gas})
                    why = "its borrow succeeds now (out of gas at set-up?)"
                except Exception as exc:
                    data = revert_data(exc)
                    why = decode_revert(data).message if data else str(exc)
                raise ScenarioError(f"populate: {account} holds debt {st.debt}, not its drawn {p.debt}: {why}")

    def send(self, method: Callable[..., Receipt], *args: Any, sender: Any, kind: str | None = None) -> Receipt:
        """Send one transaction; ``kind`` also records its gas."""
        receipt = method(*args, sender=sender)
        self.recorder.transactions += 1
        if kind is not None:
            self.recorder.gas[kind].append(receipt.gas_used)
        return receipt

    # ------------------------------------------------------------------ reads
    def states(self, accounts: list[str] | None = None) -> list[tuple[str, Any]]:
        """(account, AccountState) of ``accounts`` (default: every borrower of the run), in
        PoolLens batches: one call per 500 accounts, never one per account. The answer is
        decoded word by word (``reading.decode_states``): web3's generic result formatting costs
        about 3 ms per account, which a 10,000-account run would pay on every step."""
        from ..bulk import Encoder
        from .reading import decode_states

        accounts = self.accounts if accounts is None else accounts
        lens = self.market.lens
        encode = Encoder(lens, "accounts")
        out = []
        for i in range(0, len(accounts), LENS_BATCH):
            batch = accounts[i : i + LENS_BATCH]
            answer = self.chain.rpc("eth_call", [{"to": lens.address, "data": encode(batch)}, "latest"])
            out += decode_states(lens, answer, batch)
        return out

    def auction_statuses(self, ids: list[int] | None = None) -> dict[int, tuple[bool, int, int, int]]:
        """``getStatus`` (needsRedo, price, lot, tab) of every live auction (or ``ids``), in one
        JSON-RPC batch rather than one request per auction."""
        liq = self.market.liquidator
        ids = list(liq.call.activeAuctions()) if ids is None else ids
        if not ids:
            return {}
        with self.chain.w3.batch_requests() as batch:
            for auction_id in ids:
                batch.add(liq.fn.getStatus(auction_id))
            answers = batch.execute()
        return {i: tuple(a) for i, a in zip(ids, answers)}

    def sample(self, amm_prices: dict[str, float] | None = None) -> list[tuple[str, Any]]:
        """Record one sample of the market (and ``amm_prices`` beside the oracle's, where a
        scenario has AMMs); returns the states it read."""
        states = self.states()
        m = self.market
        prices = {s: float(p) for s in m.collaterals if (p := self.oracle_price(s)) is not None}
        self._record_sample(
            states, self.t, self.chain.block_number(), prices, m.fund.call.totalAssets(), m.pool.call.debtInAuction(),
            self.bad_debt(), amm_prices,
        )  # fmt: skip
        return states

    def sample_reading(self, reading: Any, amm_prices: dict[str, float] | None = None) -> None:
        """Record one sample from a ``reading.Reading`` (the fast path's one batch per block)."""
        prices = {s: float(p) for s, p in reading.oracle.items() if p is not None}
        self._record_sample(
            reading.states, reading.timestamp - self.start, reading.block, prices, reading.fund_assets,
            reading.debt_in_auction, reading.bad_debt, amm_prices,
        )  # fmt: skip

    def _record_sample(
        self, states: list[tuple[str, Any]], t: int, block: int, prices: dict[str, float], fund_assets: int,
        debt_in_auction: int, bad_debt: int, amm_prices: dict[str, float] | None,
    ) -> None:  # fmt: skip
        counts = [0] * len(AccountStatus)
        hfs = []
        for _, st in states:
            if st.debt == 0 and st.debtInAuction == 0:
                continue
            counts[st.status] += 1
            if st.debt > 0:
                hfs.append(st.healthFactor / WAD)
        statuses = {s: counts[s] for s in AccountStatus}
        self.recorder.sample(
            t=t, block=block, prices=prices, health_factors=hfs, statuses=statuses, fund_assets=fund_assets,
            debt_in_auction=debt_in_auction, bad_debt=bad_debt, amm_prices=amm_prices,
        )  # fmt: skip

    def bad_debt(self) -> int:
        """Every loss the pool booked since its deployment [base units]."""
        return self.market.pool.call.realizedLosses()

    def usd(self, amount: int) -> Decimal:
        return from_units(amount, self.market.base.decimals)

    def base_units(self, human: object) -> int:
        return scaled(human, self.market.base.decimals, "amount")

    def state(self, account: Any) -> Any:
        """The pool's ``AccountState`` of one account (one snapshot; never reverts on a price)."""
        return self.market.lens.call.accountState(address_of(account))

    def expect(self, condition: bool, what: str) -> None:
        """A mechanic the scenario exists to show: the chain must agree, or the run stops."""
        if not condition:
            raise ScenarioError(f"{self.recorder.scenario}: expected {what}, the chain disagrees (t = {self.t} s)")

    # ------------------------------------------------------------------ liquidation side
    def try_send(self, kind: str, method: Callable[..., Receipt], *args: Any, sender: Any) -> Receipt | None:
        """Send, recording a refusal by its error name (an ``refused`` event) instead of raising."""
        try:
            return self.send(method, *args, sender=sender)
        except ProtocolError as exc:
            self.recorder.event("refused", t=self.t, block=self.chain.block_number(), action=kind, error=exc.name)
            return None

    def kick(self, account: str, keeper: Signer) -> list[int]:
        """Kick ``account`` from ``keeper``; records every auction it opens; returns their ids
        (empty when the kick closed the account instead, or was refused)."""
        receipt = self.try_send("kick", self.market.liquidator.send.kick, account, keeper.address, sender=keeper)
        if receipt is None:
            return []
        return self._record_kick(account, receipt)

    def _record_kick(
        self, account: str, receipt: Receipt, t: int | None = None, prices: dict[str, Decimal | None] | None = None
    ) -> list[int]:
        """Record each auction a kick opened; ``t`` and ``prices`` (oracle, by symbol) when the
        caller knows them (the fast path), else read from the chain."""
        t = self.t if t is None else t
        ids = []
        incentive = sum(e["paid"] for e in receipt.event("KickIncentive"))
        gas: int | None = receipt.gas_used
        for e in receipt.event("Kick"):
            symbol = self.symbol_of(e["asset"])
            self._lots[e["id"]] = e["lot"]
            self._assets[e["id"]] = symbol
            ids.append(e["id"])
            price = prices.get(symbol) if prices is not None else self.oracle_price(symbol)
            self.recorder.event(
                "kick", t=t, block=receipt.block, gas=gas, account=account, asset=symbol, id=e["id"],
                price=float(price or 0), lot=e["lot"], tab=e["tab"], debtPart=e["debtPart"], incentive=incentive,
            )  # fmt: skip
            gas, incentive = None, 0  # gas and incentive counted once per transaction
        for e in receipt.event("AccountClosed"):
            self.recorder.event("close", t=t, block=receipt.block, account=e["account"])
        return ids

    def keeper(self, sender: Signer, amms: dict[str, Any] | None = None, margin_bps: int = 50) -> Any:
        """A ``margincall.keeper.Keeper`` sending from ``sender``; with ``amms`` (symbol → MockAMM)
        it also gets its own ``FlashTaker`` and takes lots it can resell at a profit."""
        from ..keeper import Keeper  # the keeper's own module: scenarios use the real keeper

        taker = None
        if amms:
            taker = self.chain.deploy("FlashTaker", self.market.liquidator, self.market.base.token, sender=sender)
            self.recorder.transactions += 1
        return Keeper(self.market, sender, taker=taker, amms=amms, margin_bps=margin_bps)

    def deploy_amm(self, symbol: str, usd: object, depth: int) -> Any:
        """A ``MockAMM`` for ``symbol``/base holding ``depth`` base units and the collateral worth
        as much at ``usd`` per token (so its spot price is ``usd``, in base tokens of $1)."""
        asset, base = self.market.collaterals[symbol], self.market.base
        amm = self.chain.deploy("MockAMM", asset.token, base.token, sender=self.governor)
        amount = int(Decimal(depth) / Decimal(10) ** base.decimals / Decimal(str(usd)) * Decimal(10) ** asset.decimals)
        self.mint(asset.token, self.governor, amount, amm)
        self.mint(base.token, self.governor, depth, amm)
        self.send(amm.send.addLiquidity, amount, depth, sender=self.governor)
        return amm

    def keeper_pass(self, keeper: Any) -> list[Any]:
        """One pass of a ``Keeper`` (calls, clears, kicks, redoes, settles, flash takes); every
        action is recorded, lost races by error name."""
        if not hasattr(keeper, "run_once"):
            keeper = self.keeper(keeper)
        return self.record_actions(keeper.run_once())

    def competing_pass(self, keepers: list[Any]) -> list[Any]:
        """Keepers that saw the same block race: each acts on the same reading of the accounts
        (so the later ones lose the races the first won, and say so by error name), then each
        works the auctions as it finds them."""
        states = keepers[0].read_accounts()
        actions = []
        for k in keepers:
            actions += self.record_actions(k.act_on_accounts(states))
        for k in keepers:
            actions += self.record_actions(k.act_on_auctions())
        return actions

    def record_actions(self, actions: list[Any]) -> list[Any]:
        kinds = {"call": "call", "clear": "clear", "redo": "redo", "settle": "settle"}
        for action in actions:
            block, gas, raw = self.chain.block_number(), None, None
            if action.tx:
                raw = self.chain.w3.eth.get_transaction_receipt(action.tx)
                block, gas = int(raw["blockNumber"]), int(raw["gasUsed"])
            self.recorder.transactions += 1
            if not action.ok:
                self.recorder.event("refused", t=self.t, block=block, action=action.kind, error=action.outcome, gas=gas)
            elif action.kind == "kick":
                self._record_kick(action.subject, self.chain.receipt(raw))
            elif action.kind == "take":
                self._record_take(self.chain.receipt(raw))
            else:
                self.recorder.event(kinds[action.kind], t=self.t, block=block, gas=gas, subject=action.subject)
        return actions

    def take(self, auction_id: int, taker: Signer, max_price: int | None = None) -> bool:
        """Buy the whole lot of ``auction_id`` at its current price from ``taker`` (who holds
        enough base tokens and approved the liquidator); records the sale beside the oracle
        price and what the borrower lost on it. False when refused."""
        liq = self.market.liquidator
        needs_redo, price, lot, _tab = liq.call.getStatus(auction_id)
        if needs_redo or lot == 0:
            return False
        asset = liq.call.auctions(auction_id).asset
        symbol = self.symbol_of(asset)
        oracle = self.oracle_price(symbol)
        receipt = self.try_send(
            "take", liq.send.take, auction_id, lot, max_price if max_price is not None else price, taker.address, b"",
            sender=taker,
        )
        if receipt is None:
            return False
        self._record_take(receipt, oracle)
        return True

    def _record_take(
        self, receipt: Receipt, oracle: Decimal | None = None, t: int | None = None, base_usd: Decimal | None = None
    ) -> None:
        """Record each ``Take`` of ``receipt``: the slice bought (the lot before, from the kick,
        less the lot after), its price beside the oracle price, and what the borrower lost on
        it (the slice's oracle value less the debt it repaid; the penalty is part of that).
        ``t``, ``oracle`` and ``base_usd`` when the caller knows them, else read from the chain."""
        t = self.t if t is None else t
        for sale in receipt.event("Take"):
            auction_id = sale["id"]
            symbol = self._assets[auction_id]
            usd = oracle if oracle is not None else self.oracle_price(symbol)
            bought = self._lots.get(auction_id, sale["lot"]) - sale["lot"]
            self._lots[auction_id] = sale["lot"]
            penalty = self.market.spec.collaterals[symbol].liquidation_penalty
            repaid = sale["owe"] * WAD // (WAD + penalty)
            self.recorder.event(
                "take", t=t, block=receipt.block, gas=receipt.gas_used, id=auction_id, asset=symbol,
                account=sale["account"], price=float(Decimal(sale["price"]) / WAD), oracle=float(usd or 0),
                bought=bought, owe=sale["owe"], repaid=repaid,
                borrowerLoss=self._value_in_base(symbol, bought, usd, base_usd) - repaid,
            )  # fmt: skip

    def liquidation_call(self, account: str, liquidator: Signer) -> bool:
        """Under the fixed-spread baseline: ``liquidationCall`` on ``account``'s most valuable
        collateral, as much debt as the close factor allows (``margincall.fixed_spread``, the
        keeper's choice), paid by ``liquidator`` (who holds base tokens and approved the
        baseline); records it like a sale. False when refused."""
        from ..fixed_spread import plan_liquidation_call

        plan = plan_liquidation_call(self.market, account)
        if plan is None:
            return False
        symbol = plan.asset
        token = self.market.collaterals[symbol].token
        receipt = self.try_send(
            "liquidationCall", self.market.liquidator.send.liquidationCall, account, token, plan.debt_to_cover,
            liquidator.address, sender=liquidator,
        )  # fmt: skip
        if receipt is None:
            return False
        for e in receipt.event("LiquidationCall"):
            value = self._value_in_base(symbol, e["collateralSeized"], plan.price)
            bought = Decimal(e["collateralSeized"]) / Decimal(10) ** self.market.collaterals[symbol].decimals
            self.recorder.event(
                "liquidationCall", t=self.t, block=receipt.block, gas=receipt.gas_used, account=account, asset=symbol,
                price=float(self.usd(e["debtCovered"]) / bought) if bought else 0.0, oracle=float(plan.price),
                bought=e["collateralSeized"], repaid=e["debtCovered"], borrowerLoss=value - e["debtCovered"],
                bonus=value - e["debtCovered"],
            )  # fmt: skip
        return True

    def _value_in_base(self, symbol: str, amount: int, usd: Decimal | None, base_usd: Decimal | None = None) -> int:
        """``amount`` of ``symbol`` at ``usd`` per token, in base units (rounded down); the base
        token at ``base_usd`` (read from the oracle when not given)."""
        if usd is None:
            return 0
        decimals = self.market.collaterals[symbol].decimals
        base_usd = base_usd or self.oracle_price(self.market.base.symbol) or Decimal(1)
        value = Decimal(amount) / Decimal(10) ** decimals * usd / base_usd
        return int(value.scaleb(self.market.base.decimals).to_integral_value(rounding="ROUND_DOWN"))

    def symbol_of(self, token_address: str) -> str:
        for symbol, asset in self.market.collaterals.items():
            if asset.token.address.lower() == str(token_address).lower():
                return symbol
        raise ScenarioError(f"{token_address} is not a collateral of this market")

    def taker(self, budget: int) -> Signer:
        """A taker holding ``budget`` base units, the liquidator approved."""
        (who,) = self.actors(1)
        self.mint(self.market.base.token, who, budget, self.market.liquidator)
        return who

    def wait_for_price(self, auction_id: int, at_most: Decimal, step: int, limit: int) -> bool:
        """Advance ``step`` seconds at a time (at most ``limit`` seconds) until the auction's
        price is at or below ``at_most`` (USD per token); False if it never gets there."""
        waited = 0
        while waited <= limit:
            needs_redo, price, lot, _ = self.market.liquidator.call.getStatus(auction_id)
            if lot == 0 or needs_redo:
                return False
            if Decimal(price) / WAD <= at_most:
                return True
            self.advance(step)
            waited += step
        return False

    def totals(self, **extra: Any) -> dict[str, Any]:
        """The money of the run, from the recorded events and the chain's books."""
        fund = self.market.fund.call
        events = self.recorder.events
        totals = {
            "liquidations": len({(e["block"], e.get("account")) for e in events if e["kind"] in ("kick", "liquidationCall")}),
            "kicks": sum(1 for e in events if e["kind"] == "kick"),
            "takes": sum(1 for e in events if e["kind"] in ("take", "liquidationCall")),
            "badDebt": self.market.pool.call.realizedLosses(),
            "socialized": self.market.pool.call.socializedLosses(),
            "borrowerLoss": sum(e.get("borrowerLoss", 0) for e in events if e["kind"] in ("take", "liquidationCall")),
            "fundDrawdown": fund.totalCovered() + fund.incentivesPaid(),
            "keeperProfit": sum(e.get("incentive", 0) for e in events if e["kind"] == "kick")
            + sum(e.get("bonus", 0) for e in events if e["kind"] == "liquidationCall"),
            "refused": {},
        }
        for e in events:
            if e["kind"] == "refused":
                key = f"{e['action']}:{e['error']}"
                totals["refused"][key] = totals["refused"].get(key, 0) + 1
        totals.update(extra)
        return totals
