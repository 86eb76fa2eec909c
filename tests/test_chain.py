"""The chain the suite runs on is the one Brownie started with our settings."""

from brownie import chain, web3


def test_block_gas_limit_is_60m():
    # a stray chain on 8545 (Brownie would attach to it silently) has another limit
    assert web3.eth.get_block("latest").gasLimit == 60_000_000


def test_transactions_respect_the_per_transaction_cap(market, governor):
    tx = market.pool.accrueInterest({"from": governor})
    assert tx.gas_limit <= 16_777_216
    assert chain.id == 31337
