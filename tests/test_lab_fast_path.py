"""The lab's fast path (DESIGN.md 12 "Throughput"): the one-batch market read and the block-at-a-time
keeper agree with the contracts' own views, on a private Anvil."""

from decimal import Decimal

import pytest
from web3 import Web3

from margincall.anvil import LocalAnvil
from margincall.bulk import Bulk, BulkError, Encoder
from margincall.errors import HarnessError
from margincall.deploy import deploy_market
from margincall.lab.bulk_keeper import BulkKeeper, amm_quote
from margincall.lab.engine import Lab
from margincall.lab.metrics import Recorder
from margincall.lab.pool_slots import PoolSlotReader
from margincall.lab.population import draw_positions
from margincall.lab.reading import MarketReader
from margincall.session import Chain, Signer
from margincall.status import AccountStatus
from tests.support.units import USDC


@pytest.fixture(scope="module")
def lab():
    with LocalAnvil(extra_args=("--order", "fifo")) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        chain = Chain(w3, Signer(w3.eth.accounts[0]))
        market = deploy_market(chain)
        lab = Lab(market, Recorder("fast-path", 1, "dutch", "USDC", 6), seed=1)
        lab.supply(10_000_000 * USDC)
        lab.seed_fund(100_000 * USDC)
        terms = [t for t in lab.collateral_terms() if t.symbol == "WETH"]
        lab.populate(draw_positions(1, 12, terms, 6, dust=1_000 * USDC))
        yield lab


def test_the_batched_read_decodes_what_the_lens_and_getstatus_say(lab):
    m = lab.market
    amm = lab.deploy_amm("WETH", lab.price("WETH"), 1_000_000 * USDC)
    reader_contract = lab.chain.deploy("AuctionStatusReader", sender=lab.governor)
    lab.set_price("WETH", lab.price("WETH") * Decimal("0.75"))
    liquidatable = [a for a, st in lab.states() if AccountStatus(st.status) is AccountStatus.Liquidatable]
    assert liquidatable
    kicker = lab.actors(1)[0]
    ids = lab.kick(liquidatable[0], kicker)
    with Bulk(lab.chain) as bulk:
        reading = MarketReader(lab, bulk, {"WETH": amm}, reader_contract).read([])
    states, _ = m.lens.call.accounts(lab.accounts)
    assert [tuple(st) for _, st in reading.states] == [tuple(st) for st in states]
    assert reading.active == ids and set(reading.auctions) == set(ids)
    for auction_id in ids:
        assert reading.auctions[auction_id] == tuple(m.liquidator.call.getStatus(auction_id))
    assert reading.reserves["WETH"] == (amm.call.reserveCollateral(), amm.call.reserveBase())
    assert reading.room == m.liquidator.call.hole() - m.liquidator.call.totalTab()
    assert reading.debt_in_auction == m.pool.call.debtInAuction() > 0
    # the keeper's model of the AMM is MockAMM.quote
    x, y = reading.reserves["WETH"]
    for amount in (1, 10**15, 3 * 10**18, 10**21):
        assert amm_quote(x, y, amount) == amm.call.quote(m.collaterals["WETH"].token, amount)


def test_the_block_keeper_kicks_what_is_liquidatable_and_records_it(lab):
    m = lab.market
    (sender,) = lab.actors(1)
    taker = lab.chain.deploy("FlashTaker", m.liquidator, m.base.token, sender=sender)
    reader_contract = lab.chain.deploy("AuctionStatusReader", sender=lab.governor)
    with Bulk(lab.chain, per_block=10_000) as bulk:
        keeper = BulkKeeper(lab, bulk, sender.address, taker, {}, margin_bps=0)
        reading = MarketReader(lab, bulk, {}, reader_contract).read([])
        intents = keeper.plan(reading)
        due = {a for a, st in reading.states if AccountStatus(st.status) is AccountStatus.Liquidatable and st.assetsIn}
        assert {i.subject for i in intents if i.kind == "kick"} == due
        receipts = bulk.run([i.tx for i in intents], timestamp=reading.timestamp + 30, check=False)
        opened = keeper.record(intents, receipts, 30, reading)
        after = MarketReader(lab, bulk, {}, reader_contract).read(opened)
    assert opened and set(opened) <= set(after.active)
    # the keeper's own log decoder reads the recorded events as web3's generic one does
    kicks = [r for i, r in zip(intents, receipts) if i.kind == "kick"]
    assert kicks
    for raw in kicks:
        ours = keeper._receipt(raw, int(raw["blockNumber"], 16), int(raw["gasUsed"], 16)).events
        theirs = lab.chain.decode_logs([g for g in raw["logs"] if g["topics"] and g["topics"][0] in keeper.events])
        assert ours and ours == theirs
    kicked = {e["account"] for e in lab.recorder.events if e["kind"] == "kick"}
    assert due <= kicked
    assert not [a for a, st in after.states if AccountStatus(st.status) is AccountStatus.Liquidatable and st.assetsIn and a in due]


def test_the_array_encoder_writes_what_eth_abi_writes(lab):
    m = lab.market
    reader_contract = lab.chain.deploy("AuctionStatusReader", sender=lab.governor)
    lens, statuses = Encoder(m.lens, "accounts"), Encoder(reader_contract, "statuses")
    for accounts in ([], lab.accounts[:1], lab.accounts):
        assert lens.with_array(accounts) == lens(accounts)
    for ids in ([], [1], [3, 2**255, 7]):
        assert statuses.with_array(m.liquidator.address, ids) == statuses(m.liquidator.address, ids)
    with pytest.raises(HarnessError, match="one array of them"):
        Encoder(m.pool, "borrow").with_array(1, lab.accounts[0])


def test_the_pool_slots_read_each_accounts_books_as_the_getters_do(lab):
    m = lab.market
    tokens = [a.token.address for a in m.collaterals.values()]
    with Bulk(lab.chain) as bulk:
        books = PoolSlotReader(m.pool.address, tokens, bulk.eth_calls)
        read = books.decode(bulk.eth_calls(books.calls(lab.accounts)), lab.accounts)
    for account in lab.accounts:
        held = {t: m.pool.call.collateralOf(account, t) for t in tokens}
        assert read[account] == (m.pool.call.normalizedDebtOf(account), held)
    assert any(n for n, _ in read.values()) and any(amount for _, h in read.values() for amount in h.values())
    first = lab.accounts[0]
    normalized, held = read[first]
    with Bulk(lab.chain) as bulk:
        PoolSlotReader(m.pool.address, tokens, bulk.eth_calls).check(first, normalized, held)
        with pytest.raises(HarnessError, match="storage layout moved"):
            PoolSlotReader(m.pool.address, tokens, bulk.eth_calls).check(first, normalized + 1, held)


def test_a_read_at_a_later_time_without_a_block_is_the_read_after_an_empty_block(lab):
    amm = lab.deploy_amm("WETH", lab.price("WETH"), 1_000_000 * USDC)
    reader_contract = lab.chain.deploy("AuctionStatusReader", sender=lab.governor)
    with Bulk(lab.chain) as bulk:
        reader = MarketReader(lab, bulk, {"WETH": amm}, reader_contract, positions=None)
        later = reader.read([]).timestamp + 7 * 86_400  # a week of interest: every debt moves
        bulk.read_at(later)
        unmined = reader.read([], full=True)
        with pytest.raises(BulkError, match="before the latest block"):
            bulk.read_at(later - 7 * 86_400 - 1)
        bulk.mine(later)
        assert bulk.unmined is None
        mined = reader.read([], full=True)
    assert unmined.timestamp == mined.timestamp == later and unmined.block == mined.block
    assert unmined == mined
    assert any(st.debt > 0 for _, st in mined.states)


def test_the_harness_slot_numbers_are_the_contracts_slot_numbers():
    """pool_slots.py copies two constants of contracts/libraries/PoolSlots.sol (which
    tests/forge/PoolSlots.t.sol pins to the pool's layout): a layout change that moves them
    fails here, before any run has to catch it on a chain."""
    import re
    from pathlib import Path

    from margincall.lab import pool_slots

    source = (Path(__file__).resolve().parent.parent / "contracts/libraries/PoolSlots.sol").read_text()
    declared = dict(re.findall(r"uint256 internal constant (\w+) = (\d+);", source))
    assert int(declared["NORMALIZED_DEBT"]) == pool_slots.NORMALIZED_DEBT
    assert int(declared["BALANCES"]) == pool_slots.BALANCES
