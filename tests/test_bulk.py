"""The fast bulk path (``margincall.bulk``) and ``margincall bench throughput``, on a private
Anvil started by the test (automine off inside ``Bulk``, back on after)."""

import json

import pytest
from typer.testing import CliRunner
from web3 import Web3

from margincall import cli
from margincall.anvil import LocalAnvil
from margincall.bench import measure
from margincall.bulk import Bulk, BulkError, Encoder, Tx, addresses
from margincall.chain import fund
from margincall.deploy import deploy_market
from margincall.session import Chain, Signer
from margincall.status import AccountStatus
from tests.support.units import ETH, USDC


@pytest.fixture(scope="module")
def core():
    with LocalAnvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        yield Chain(w3, Signer(w3.eth.accounts[0]))


@pytest.fixture(scope="module")
def market(core):
    market = deploy_market(core)
    fund(market.base.token, core.signer, 1_000_000 * USDC, market.pool)
    market.pool.send.supply(1_000_000 * USDC, core.signer, sender=core.signer)
    return market


def test_the_encoder_writes_what_web3_writes(market):
    who = addresses(1)[0]
    assert Encoder(market.pool, "borrow")(123, who) == market.pool.fn.borrow(123, who)._encode_transaction_data()
    weth = market.collaterals["WETH"].token.address
    assert (
        Encoder(market.pool, "depositCollateral")(weth, 5, who)
        == market.pool.fn.depositCollateral(weth, 5, who)._encode_transaction_data()
    )


def test_many_borrowers_open_positions_in_a_few_blocks(core, market):
    n = 120
    borrowers = addresses(n, seed="bulk-test")
    weth = market.collaterals["WETH"].token
    mint, approve = Encoder(weth, "mint"), Encoder(weth, "approve")
    deposit, borrow = Encoder(market.pool, "depositCollateral"), Encoder(market.pool, "borrow")
    start = core.block_number()
    with Bulk(core, batch_size=50, per_block=40) as bulk:
        assert core.rpc("anvil_getAutomine", []) is False
        bulk.impersonate_all()
        bulk.run([Tx(a, weth.address, mint(a, ETH), 90_000) for a in borrowers])
        bulk.run([Tx(a, weth.address, approve(market.pool.address, ETH), 60_000) for a in borrowers])
        txs = [Tx(a, market.pool.address, deposit(weth.address, ETH, a), 220_000) for a in borrowers]
        txs += [Tx(a, market.pool.address, borrow(1_100 * USDC, a), 450_000) for a in borrowers]
        receipts = bulk.run(txs)
    assert core.rpc("anvil_getAutomine", []) is True
    assert [r["from"].lower() for r in receipts] == [t.sender.lower() for t in txs]
    assert all(r["status"] == "0x1" for r in receipts)
    assert bulk.blocks == core.block_number() - start == (n // 40) * 2 + (2 * n) // 40  # 40 per block
    states, _ = market.lens.call.accounts(borrowers)
    assert all(s.debt >= 1_100 * USDC and AccountStatus(s.status) is AccountStatus.Healthy for s in states)


def test_a_reverted_transaction_of_a_batch_is_named(core, market):
    (nobody,) = addresses(1, seed="no-collateral")
    with Bulk(core) as bulk:
        bulk.impersonate_all()
        with pytest.raises(BulkError, match=f"from {nobody} to .* reverted: InsufficientMargin: "):
            bulk.run([Tx(nobody, market.pool.address, Encoder(market.pool, "borrow")(1_100 * USDC, nobody), 450_000)])


def test_local_keys_sign_with_local_nonces_and_a_block_time_can_be_chosen(core, market):
    keys = [core.add_key("0x" + f"{i + 1:064x}") for i in range(3)]
    for key in keys:
        core.transfer(key, ETH)
    token = market.base.token
    mint = Encoder(token, "mint")
    when = core.time() + 1_000
    with Bulk(core) as bulk:
        receipts = bulk.run([Tx(k.address, token.address, mint(k.address, 1), 90_000) for k in keys for _ in range(4)], when)
    assert len({r["blockNumber"] for r in receipts}) == 1
    assert core.w3.eth.get_block(int(receipts[0]["blockNumber"], 16)).timestamp == when
    assert [token.call.balanceOf(k.address) for k in keys] == [4, 4, 4]


def test_the_bench_reports_both_rates_and_their_ratio(core, tmp_path):
    result = measure(core, n=60, per_block=30, say=lambda line: None)
    assert result.transactions == 120 and result.raw_ceiling_tps > 0 and result.protocol_tps > 0
    assert result.ratio == pytest.approx(result.protocol_tps / result.raw_ceiling_tps)


def test_cli_bench_throughput_prints_the_ratio_and_writes_json(tmp_path):
    out = tmp_path / "throughput.json"
    result = CliRunner().invoke(cli.app, ["bench", "throughput", "--accounts", "40", "--per-block", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert f"ratio {report['ratio']:.2f} (target 0.6)" in result.stdout
    assert report["accounts"] == 40 and report["protocol_tps"] > 0


def test_cli_bench_gas_measures_each_action_and_the_lens(tmp_path):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli.app, ["bench", "gas", "--accounts", "25", "--out", str(out)])
    assert result.exit_code == 0, result.output
    gas = json.loads(out.read_text())["gas"]
    assert {"supply", "borrow", "kick (one asset)", "take (whole lot)", "PoolLens.accounts(25 × WETH+WBTC)"} <= set(gas)
    assert all(0 < g <= 16_777_216 for g in gas.values())


def test_bench_gas_is_the_same_on_two_fresh_chains_whatever_the_wall_clock(tmp_path):
    # block times are fixed by the bench (12 s apart), so a run that straddles a second of the
    # wall clock more or less than another measures the same: an accrual over 0 s writes less
    figures = []
    for run in range(2):
        out = tmp_path / f"bench{run}.json"
        result = CliRunner().invoke(cli.app, ["bench", "gas", "--accounts", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
        figures.append(json.loads(out.read_text())["gas"])
    assert figures[0] == figures[1]


def test_a_batch_is_cut_into_blocks_by_gas_limits_and_nothing_is_dropped(core):
    (a, b) = addresses(2, seed="gas-cut")
    with Bulk(core, per_block=1_000) as bulk:
        bulk.impersonate_all()
        bulk.set_balances([a, b], ETH)
        limit = bulk.block_gas_limit()
        bulk.set_block_gas_limit(3_000_000)  # two transactions of 1,000,001 gas fit a block, not three
        try:
            receipts = bulk.run([Tx(a if i % 2 else b, a, "0x", 1_000_001, 1) for i in range(5)])
        finally:
            bulk.set_block_gas_limit(limit)
            bulk.call("evm_mine", [])
    blocks = [int(r["blockNumber"], 16) for r in receipts]
    assert len(receipts) == 5 and all(r["status"] == "0x1" for r in receipts)
    assert blocks == sorted(blocks) and len(set(blocks)) == 3 and bulk.blocks == 3
    assert int(core.w3.eth.get_block("latest")["gasLimit"]) == limit


def test_an_ordered_batch_reaches_a_fifo_node_in_the_order_sent():
    senders = addresses(3, seed="ordered")
    with LocalAnvil(extra_args=("--order", "fifo")) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        chain = Chain(w3, Signer(w3.eth.accounts[0]))
        with Bulk(chain) as bulk:
            bulk.impersonate_all()
            bulk.set_balances(senders, ETH)
            txs = [Tx(senders[i % 3], senders[0], "0x", 21_000, 1) for i in range(30)]
            receipts = bulk.run(txs, ordered=True)
    assert [int(r["transactionIndex"], 16) for r in receipts] == list(range(30))
    assert [r["from"].lower() for r in receipts] == [t.sender.lower() for t in txs]


def test_batched_calls_answer_in_order_and_name_a_revert(core, market):
    pool = market.pool
    (nobody,) = addresses(1, seed="calls")
    with Bulk(core) as bulk:
        answers = bulk.eth_calls(
            [(pool.address, Encoder(pool, "debtOf")(nobody)), (pool.address, Encoder(pool, "issueMarginCall")(nobody))],
            sender=nobody,
        )
    assert int(answers[0], 16) == 0
    assert answers[1].name == "NotInMarginCall"


def test_the_raw_ceiling_loop_is_the_benchs_and_counts_its_rounds(core):
    from margincall.bench import raw_ceiling

    with Bulk(core, per_block=20) as bulk:
        tps, rounds = raw_ceiling(bulk, 200, senders=10, seed="ceiling-test")
    assert tps > 0 and len(rounds) == 3  # rounds of 4 blocks of 20: 80, 80, 40
    assert bulk.sent == 200 and bulk.blocks == 10


def test_the_raw_ceiling_measures_the_set_ups_way_too_nothing_read_back(core):
    from margincall.bench import raw_ceiling

    with Bulk(core, per_block=50) as bulk:
        tps, rounds = raw_ceiling(bulk, 200, senders=10, seed="ceiling-unread", receipts=False)
    # every transfer checked by its sender's nonce after the timed rounds (a missing one raises)
    assert tps > 0 and len(rounds) == 1 and bulk.sent == 200 and bulk.blocks >= 4
