"""cascade: liquidation sales through a shallow AMM drag the price the oracle follows.

A lab device, and the report says so: the oracle follows each collateral's MockAMM spot price,
lagged by ``LAG`` blocks and moved by the harness between blocks (never inside a transaction).
A first shock (an outside seller dumps collateral into every AMM until its price is ``--shock``
lower) makes some accounts Liquidatable; keepers kick them and sell the lots on the same AMMs
through their FlashTakers; those sales push the AMM price further down, the oracle follows a few
blocks later, and more accounts fall below HF 1. The run measures how far the price falls
beyond the first shock, and how many accounts the cascade liquidates beyond those the shock
alone made Liquidatable; sweeps over ``--buf``, ``--cut`` and ``--keeper-delay`` show how that
depends on the auction.

The simulation runs on the fast path (DESIGN.md 12 "Throughput"): the population is opened in
JSON-RPC batches, and each simulated block is one batched read of the market
(``reading.MarketReader``; the borrowers no transaction named since the last read are written by
the exact model of ``watchlist.Watchlist``, checked against PoolLens at the run's start and
end), then one batch holding the keeper's transactions for the block
(``bulk_keeper.BulkKeeper``: calls, kicks, redoes, flash takes) followed by the harness's oracle
posts, mined explicitly at the block's time (automine off). The oracle posts come last in the
block, so every transaction of a block sees the price of the block before: the price moves
between blocks. The oracle posts as a deviation-triggered feed does (Chainlink's): a feed's
answer only when it changes, or when half its heartbeat has passed since its last post
(``extra["oraclePosts"] = "every-step"`` posts every step instead). A step with nothing to send
mines no block: the market is read at its time
(``Bulk.read_at``) and the next block is mined at its own. At the end the run measures the chain's raw ceiling through the same path
(``bench.raw_ceiling``) and records its sustained rate against it (``Recorder.throughput``).
"""

from __future__ import annotations

import time
from decimal import Decimal

from ...bench import PER_BLOCK as BENCH_CEILING_BLOCK, raw_ceiling
from ...bulk import Bulk, Encoder, Tx
from ...chain import MAX_UINT
from ...status import AccountStatus
from ...units import WAD, from_units
from ..bulk_keeper import BulkKeeper, amm_quote
from ..engine import POPULATE_BLOCK_TXS, Lab, RunOptions, ScenarioError
from ..metrics import timed
from ..population import Leverage, draw_positions
from ..reading import MarketReader, Reading
from ._common import lend_and_insure

NAME = "cascade"
DESCRIPTION = "Auction sales through a shallow AMM that the (lagged) oracle follows: liquidations feed liquidations."
DEFAULT_ACCOUNTS = 1_000
BLOCK = 30  # [seconds] one simulated step (a block)
LAG = 5  # [blocks] the oracle posts the AMM price of LAG blocks ago (>= 1: posted before the block is mined)
HORIZON = 3600  # [seconds] watched after the shock at most
DEPTH_SHARE = Decimal("0.5")  # AMM base reserve, as a share of the population's collateral value in that asset
BLOCK_TXS = 100_000  # a simulated block is sent as one batch: the block gas limit alone splits it
# raw transfers of the ceiling measured at the end (bench.raw_ceiling), per block size and way:
# half the population, between these bounds. 1,200 transfers take 0.2–0.9 s at 10,000 accounts,
# so one burst of other work on the machine moved the ceiling 2,700–6,000 tx/s; 5,000 average
# over a window a few times longer
CEILING_TRANSFERS = (1_200, 5_000)
CEILING_BLOCK_SIZES = (BENCH_CEILING_BLOCK, 1_000)  # [transfers per block]: the bench's, and the set-up's (engine.POPULATE_BLOCK_TXS)
# the simulation's block gas limit over the chain's: ~450 keeper calls a block, where Anvil's
# per-block cost (~0.1–0.4 s at 10,000 accounts) and its receipts' (growing with the square of a
# block's size) balance; a 2,500-account run gives the same metrics at 1 and 3 but block numbers
SIM_GAS_FACTOR = 3
READS = ("model", "lens", "checked")
# extra["oraclePosts"]: "on-move" (the default) posts a collateral's lagged AMM price only when the
# answer changes, or when half the feed's heartbeat has passed since its last post (a
# deviation-triggered feed, as Chainlink's); "every-step" posts every step (a new round each,
# which the keeper pokes into σ, and no step is ever empty)
ORACLE_POSTS = ("on-move", "every-step")
# extra["emptySteps"]: a step with no transaction to send "read"s the market at its time without
# mining a block (eth_call's block overrides; the next block is mined at a later time), or "mine"s
# an empty block. Only "on-move" posts leave steps empty
EMPTY_STEPS = ("read", "mine")
ACCOUNT_ACTIONS = ("call", "clear", "kick")  # the keeper's intents whose subject is an account
AUCTION_ACTIONS = ("take", "redo", "settle")  # ... whose subject is an auction id (a poke's is a collateral)
GAS = {"mint": 100_000, "approve": 60_000, "swap": 200_000, "setPrice": 150_000}


def run(lab: Lab, options: RunOptions) -> None:
    rec, m = lab.recorder, lab.market
    n = options.accounts or DEFAULT_ACCOUNTS
    shock = Decimal(options.shock or "0.2")
    every = max(BLOCK, options.keeper_delay or BLOCK)  # keepers look this often
    with rec.phase("setup"):
        lend_and_insure(lab, supply=1_000_000_000, insurance=1_000_000)
        positions = draw_positions(
            options.seed, n, lab.collateral_terms(), m.base.decimals, dust=m.spec.market_tuple()[6],
            leverage=Leverage(alpha=8, beta=2),
        )  # fmt: skip
        start = {s: lab.price(s) for s in m.collaterals}
        amms = {}
        for symbol, usd in start.items():  # on a small chain first: every mined block costs more once the population is in
            held = sum(p.collateral.get(symbol, 0) for p in positions)
            value = Decimal(held) / Decimal(10) ** m.collaterals[symbol].decimals * usd
            depth = max(lab.base_units(100_000), lab.base_units(int(value * DEPTH_SHARE)))
            amms[symbol] = lab.deploy_amm(symbol, usd, depth)
        (keeper_signer,) = lab.actors(1)
        taker = lab.chain.deploy("FlashTaker", m.liquidator, m.base.token, sender=keeper_signer)
        status_reader = lab.chain.deploy("AuctionStatusReader", sender=lab.governor)
        rec.transactions += 2
        lab.populate(positions)
        rec.params.update(
            {"oracleFollowsAmm": True, "oracleLagBlocks": LAG, "blockSeconds": BLOCK, "keeperEvery": every,
             "ammDepthShare": str(DEPTH_SHARE)}
        )  # fmt: skip
    with Bulk(lab.chain, per_block=BLOCK_TXS) as bulk:
        with rec.phase("setup"):
            keeper = BulkKeeper(lab, bulk, keeper_signer.address, taker, amms, margin_bps=0)
            feeds = _Feeds(lab, amms)
            # extra["reads"] (the watchlist's tests): "lens" asks PoolLens about every account every
            # block; "checked" too, and checks the watchlist's model against it at every block
            reads = options.extra.get("reads", "model")
            if reads not in READS:
                raise ScenarioError(f"cascade: reads must be one of {', '.join(READS)}, got {reads!r}")
            posting, empty = options.extra.get("oraclePosts", ORACLE_POSTS[0]), options.extra.get("emptySteps", "read")
            if posting not in ORACLE_POSTS:
                raise ScenarioError(f"cascade: oraclePosts must be one of {', '.join(ORACLE_POSTS)}, got {posting!r}")
            if empty not in EMPTY_STEPS:
                raise ScenarioError(f"cascade: emptySteps must be one of {', '.join(EMPTY_STEPS)}, got {empty!r}")
            feeds.on_move = posting == "on-move"
            rec.params.update({"oraclePosts": posting, "emptySteps": empty})
            reader = MarketReader(lab, bulk, amms, status_reader, positions=None if reads == "lens" else positions)
            reading = reader.read([], full=True)  # every account, the watchlist's model checked against it
            lab.sample_reading(reading, _spots(lab, reading))
        with rec.phase("simulation"):
            # a simulated step is one batch that the block gas limit cuts into chain blocks; the
            # cuts are no part of the model (every transaction of a step was decided on the same
            # reading and lands at the step's time), but each chain block costs Anvil 1.7.1 a
            # rebuild of its state tries: fewer, fuller blocks (extra["simGasFactor"] to compare)
            gas_limit = bulk.block_gas_limit()
            factor = int(options.extra.get("simGasFactor", SIM_GAS_FACTOR))
            bulk.set_block_gas_limit(gas_limit * factor)
            rec.params["simulationBlockGasLimit"] = gas_limit * factor
            reading, shocked = _first_shock(lab, bulk, reader, feeds, reading, shock, full=reads == "checked")
            first = [a for a, st in reading.states if AccountStatus(st.status) == AccountStatus.Liquidatable]
            history = [shocked]
            lab.sample_reading(reading, _floats(shocked))
            elapsed = quiet = 0
            now = reading.timestamp
            split, blocks, mining, fetching = {}, bulk.blocks, bulk.mine_seconds, bulk.receipt_seconds  # where the simulation's time goes, recorded with the throughput
            unmined = 0  # steps read at their time without a block
            owners, seen = {}, len(rec.events)  # auction id → the account kicked (the keeper's auction actions touch it)
            while elapsed < HORIZON and quiet < 4:
                elapsed += BLOCK
                now += BLOCK
                with timed(split, "decide"):
                    intents = keeper.plan(reading) if elapsed % every < BLOCK else []
                    reader.touch(
                        i.subject if i.kind in ACCOUNT_ACTIONS else owners[i.subject]
                        for i in intents
                        if i.kind in ACCOUNT_ACTIONS or i.kind in AUCTION_ACTIONS
                    )
                    posts = feeds.posts(history[max(0, len(history) - LAG)], now)  # the AMM price of LAG blocks ago
                    txs = [i.tx for i in intents] + posts
                with timed(split, "sendMineReceipts"):
                    if txs:
                        receipts = _mine(lab, bulk, txs, now)
                    elif empty == "mine":
                        receipts = bulk.mine(now)
                    else:  # only time moves: read at the step's time, no block
                        receipts = []
                        bulk.read_at(now)
                        unmined += 1
                with timed(split, "record"):
                    _check_posts(bulk, posts, receipts[len(intents) :], receipts[: len(intents)])
                    opened = keeper.record(intents, receipts[: len(intents)], now - lab.start, reading)
                    owners.update((e["id"], e["account"]) for e in rec.events[seen:] if e["kind"] == "kick")
                    seen = len(rec.events)
                with timed(split, "read"):
                    reading = reader.read(sorted(set(reading.active) | set(opened)), full=reads == "checked")
                with timed(split, "sample"):
                    history.append(_spot_prices(lab, reading))
                    lab.sample_reading(reading, _floats(history[-1]))
                quiet = 0 if intents or reading.active else quiet + 1
            rec.throughput["simulationSplitSeconds"] = {k: round(v, 3) for k, v in split.items()}
            rec.throughput["simulationChainBlocks"] = bulk.blocks - blocks
            rec.throughput["simulationStepsUnmined"] = unmined
            # of sendMineReceipts: waiting for evm_mine, and for the blocks' receipts
            rec.throughput["simulationMineSeconds"] = round(bulk.mine_seconds - mining, 3)
            rec.throughput["simulationReceiptSeconds"] = round(bulk.receipt_seconds - fetching, 3)
            reader.read(sorted(reading.active), full=True)  # the model checked again, at the end
            bulk.mine_pending()  # the last step's block, if it was only read: the chain ends at its time
            bulk.set_block_gas_limit(gas_limit)
        with rec.phase("ceiling"):
            began = time.perf_counter()
            transfers = min(CEILING_TRANSFERS[1], max(CEILING_TRANSFERS[0], n // 2))
            # DESIGN.md 12's ceiling is "the raw ceiling that the bench measures in the same run":
            # the tight loop of `margincall bench throughput`, raw transfers in blocks of 100, each
            # block's receipts read, here on the run's own final state. The other ways the run
            # sends are measured beside it and recorded with their own ratio: blocks of 1,000
            # with receipts read, and the set-up's way, nothing read back (the fastest way Anvil
            # takes transfers: `rawCeilingBestWayTps`, `ratioBestWay`).
            modes, rounds_of = {}, {}
            for per_block in CEILING_BLOCK_SIZES:
                ways = [True] + ([False] if per_block == POPULATE_BLOCK_TXS else [])
                for read in ways:
                    tps, rounds = raw_ceiling(
                        Bulk(lab.chain, per_block=per_block), transfers, seed=f"raw-{per_block}-{read}", receipts=read
                    )
                    way = "receiptsRead" if read else "unread"
                    modes.setdefault(str(per_block), {})[way] = round(tps, 1)
                    rounds_of[f"{per_block} {way}"] = [round(r, 1) for r in rounds]
            bench_way = modes[str(BENCH_CEILING_BLOCK)]["receiptsRead"]
            rec.throughput["emptyBlockSeconds"] = round(_empty_block_seconds(bulk), 3)
            rec.throughput.update(
                {"rawCeilingTps": bench_way, "rawCeilingPerBlock": BENCH_CEILING_BLOCK, "rawCeilingModes": modes,
                 "rawCeilingBestWayTps": max(t for way in modes.values() for t in way.values()),
                 "rawCeilingRoundsTps": rounds_of, "rawCeilingTransfers": transfers,
                 "rawCeilingSeconds": round(time.perf_counter() - began, 3)}
            )  # fmt: skip
    rec.throughput.update(
        {"lensAccountReads": reader.lens_reads, "accountStatesRead": reader.reads * len(lab.accounts),
         "fastPathTransactions": lab.fast_path_sent + bulk.sent,
         "fastPathSeconds": round(lab.fast_path_seconds + bulk.seconds, 3)}
    )  # fmt: skip
    final = _floats(_spot_prices(lab, reading))
    shocked_f = _floats(shocked)
    liquidated = {e["account"] for e in rec.events if e["kind"] in ("kick", "close")}
    beyond = {s: float(1 - Decimal(str(final[s])) / Decimal(str(shocked_f[s]))) for s in amms}
    lab.expect(bool(first), f"a {shock * 100:.0f} % shock to make some accounts Liquidatable")
    rec.totals = lab.totals(
        liquidatableAtShock=len(first), accountsLiquidated=len(liquidated), priceAtShock=shocked_f, finalAmmPrice=final,
        fallBeyondShock=beyond, kicksHeldForRoom=keeper.held_for_room,
    )  # fmt: skip
    worst = max(beyond, key=beyond.get)
    rec.story = [
        f"{n} accounts; every collateral's AMM was dumped {shock * 100:.0f} % lower, which made {len(first)} accounts "
        f"Liquidatable at once. A keeper looking every {every} s kicked them and sold the lots on the same AMMs; the "
        f"oracle followed the AMM price {LAG} blocks ({LAG * BLOCK} s) late.",
        f"The cascade liquidated {len(liquidated)} accounts in all, and the {worst} price ended "
        f"{beyond[worst] * 100:.1f} % below the shocked price ({from_units(rec.totals['badDebt'], m.base.decimals):,.2f} "
        f"{m.base.symbol} of bad debt).",
    ]
    if keeper.held_for_room:
        waiting = sum(1 for _, st in reading.states if AccountStatus(st.status) == AccountStatus.Liquidatable)
        rec.story.append(
            f"The liquidator's cap on the tabs of live auctions (hole) held back {keeper.held_for_room} kicks over the "
            f"run; {waiting} accounts were still Liquidatable at the end, waiting for room."
        )


class _Feeds:
    """The harness's oracle posts: each collateral's feed at a chosen price, and the base feed
    re-posted so that nothing goes stale only because the lab moved time."""

    def __init__(self, lab: Lab, amms: dict):
        m = lab.market
        self.lab, self.governor = lab, lab.governor.address
        self.collaterals = {s: (m.collaterals[s].feed, m.collaterals[s].feed.call.decimals()) for s in amms}
        self.base_feed, self.base_answer = m.base.feed, m.base.feed.call.latestRoundData()[1]
        self.set_price = Encoder(m.base.feed, "setPrice")
        self.on_move = False  # post only a changed answer (and re-post at half the heartbeat)
        self.heartbeat = {s: m.spec.collaterals[s].feed.heartbeat for s in amms}
        self.heartbeat[m.base.symbol] = m.spec.base.feed.heartbeat
        self.base_symbol = m.base.symbol
        self.last: dict[str, tuple[int, int]] = {}  # symbol → (answer, time) of its last post

    def posts(self, prices: dict[str, Decimal], now: int) -> list[Tx]:
        """The posts of a step at time ``now``: each collateral's feed at ``prices``, then the base
        feed's unchanged answer (with ``on_move``, only the answers that changed and those whose
        last post is half a heartbeat old)."""
        txs = []
        for symbol, usd in prices.items():
            feed, decimals = self.collaterals[symbol]
            answer = int(usd.scaleb(decimals).to_integral_value(rounding="ROUND_DOWN"))
            if self._due(symbol, answer, now):
                txs.append(Tx(self.governor, feed.address, self.set_price(answer), GAS["setPrice"]))
        if self._due(self.base_symbol, self.base_answer, now):
            txs.append(Tx(self.governor, self.base_feed.address, self.set_price(self.base_answer), GAS["setPrice"]))
        return txs

    def _due(self, symbol: str, answer: int, now: int) -> bool:
        last = self.last.get(symbol)
        if self.on_move and last is not None and last[0] == answer and now - last[1] < self.heartbeat[symbol] // 2:
            return False
        self.last[symbol] = (answer, now)
        return True


def _mine(lab: Lab, bulk: Bulk, txs: list[Tx], timestamp: int | None) -> list[dict]:
    """Send ``txs`` as one batch and mine them (more blocks only when their gas limits overflow
    one), the first block at ``timestamp``; every transaction after the keeper's must succeed."""
    receipts = bulk.run(txs, timestamp=timestamp, check=False, ordered=True)
    lab.recorder.transactions += len(txs)
    return receipts


def _empty_block_seconds(bulk: Bulk, blocks: int = 5) -> float:
    """The node's cost of mining one empty block on the run's final state (the median of
    ``blocks``): what every simulated step pays whatever it sends (Anvil 1.7.1 rebuilds its
    state tries for every block)."""
    spent = []
    for _ in range(blocks):
        began = time.perf_counter()
        bulk.call("evm_mine", [])
        spent.append(time.perf_counter() - began)
    return sorted(spent)[len(spent) // 2]


def _check_posts(bulk: Bulk, txs: list[Tx], receipts: list[dict], keepers: list[dict] = ()) -> None:
    """The harness's own transactions (dumps, oracle posts) never fail, and come after the
    keeper's ``keepers`` receipts in their block (the oracle moves between blocks)."""
    for tx, receipt in zip(txs, receipts):
        if int(receipt["status"], 16) != 1:
            raise ScenarioError(f"cascade: a harness transaction to {tx.to} reverted: {bulk.why(tx, receipt)}")
    last = {}
    for r in keepers:
        last[r["blockNumber"]] = max(last.get(r["blockNumber"], -1), int(r["transactionIndex"], 16))
    if any(int(r["transactionIndex"], 16) < last.get(r["blockNumber"], -1) for r in receipts):
        raise ScenarioError("cascade: the node did not mine the batch in the order sent (Anvil needs --order fifo)")


def _first_shock(
    lab: Lab, bulk: Bulk, reader: MarketReader, feeds: _Feeds, reading: Reading, shock: Decimal, full: bool = False
):
    """An outside seller dumps collateral into every AMM until its spot is ``shock`` lower; the
    oracle sees the shocked price at once (posted after the dumps, in the same block). The spot
    after the dump is computed from the AMM's reserves (x·y = k with its fee) and checked
    against the chain after the block."""
    m, governor = lab.market, lab.governor.address
    txs, expected = [], {}
    for symbol, (x, y) in reading.reserves.items():
        asset, amm = m.collaterals[symbol], reader.amms[symbol]
        target = _spot(lab, symbol, x, y) * (1 - shock)
        sell = int(Decimal(x) * ((_spot(lab, symbol, x, y) / target).sqrt() - 1))  # (x + dx)² = x·y / target
        out = amm_quote(x, y, sell) if sell > 0 else 0
        expected[symbol] = _spot(lab, symbol, x + sell, y - out)
        if sell <= 0:
            continue
        token = asset.token
        txs += [
            Tx(governor, token.address, Encoder(token, "mint")(governor, sell), GAS["mint"]),
            Tx(governor, token.address, Encoder(token, "approve")(amm.address, MAX_UINT), GAS["approve"]),
            Tx(governor, amm.address, Encoder(amm, "swapExactIn")(token.address, sell, 0, governor), GAS["swap"]),
        ]
    posts = feeds.posts(expected, reading.timestamp)  # mined in the next block: at the latest's time or later
    _check_posts(bulk, txs + posts, _mine(lab, bulk, txs + posts, None))
    after = reader.read([], full=full)
    actual = _spot_prices(lab, after)
    if actual != expected:
        raise ScenarioError(f"cascade: the AMMs after the shock are at {actual}, x·y = k predicted {expected}")
    return after, expected


def _spot(lab: Lab, symbol: str, reserve_collateral: int, reserve_base: int) -> Decimal:
    """MockAMM.spotPrice in USD: whole base tokens per whole collateral token (the base at $1
    in the lab's markets), rounded down to the wad as the contract rounds it."""
    m = lab.market
    cd, bd = m.collaterals[symbol].decimals, m.base.decimals
    return Decimal(reserve_base * WAD * 10**cd // (reserve_collateral * 10**bd)) / WAD


def _spot_prices(lab: Lab, reading: Reading) -> dict[str, Decimal]:
    return {s: _spot(lab, s, x, y) for s, (x, y) in reading.reserves.items()}


def _spots(lab: Lab, reading: Reading) -> dict[str, float]:
    return _floats(_spot_prices(lab, reading))


def _floats(prices: dict[str, Decimal]) -> dict[str, float]:
    return {s: float(p) for s, p in prices.items()}
