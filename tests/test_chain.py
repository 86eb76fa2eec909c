"""The chain the suite runs on is the one Brownie started with our settings."""

import time

from brownie import chain, web3


def test_block_gas_limit_is_60m():
    # a stray chain on 8545 (Brownie would attach to it silently) has another limit
    assert web3.eth.get_block("latest").gasLimit == 60_000_000


def test_transactions_respect_the_per_transaction_cap(market, governor):
    tx = market.pool.accrueInterest({"from": governor})
    assert tx.gas_limit <= 16_777_216
    assert chain.id == 31337


def test_chain_time_moves_only_when_the_test_moves_it(market, governor):
    """The session's frozen clock (tests/fixtures/chain_clock.py): wall-clock seconds between
    transactions add nothing; sleeps add up until the next block; an exact timestamp is kept."""
    pool = market.pool
    start = chain[-1].timestamp
    first = pool.accrueInterest({"from": governor})
    time.sleep(1.2)  # a slow machine
    second = pool.accrueInterest({"from": governor})
    assert first.timestamp == second.timestamp == start

    chain.sleep(100)
    chain.sleep(20)
    assert pool.accrueInterest({"from": governor}).timestamp == start + 120
    assert pool.accrueInterest({"from": governor}).timestamp == start + 120

    web3.provider.make_request("evm_setNextBlockTimestamp", [start + 500])
    chain.sleep(7)  # counts from the timestamp already set for the next block
    chain.mine()
    assert chain[-1].timestamp == start + 507

    chain.snapshot()
    chain.sleep(1_000)
    chain.revert()  # the sleep goes with the reverted state
    chain.mine()
    assert chain[-1].timestamp == start + 507
