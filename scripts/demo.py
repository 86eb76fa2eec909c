"""The margin-call demo on a fresh local chain: `make demo` (brownie run scripts/demo.py --network anvil).

A thin Brownie entry point: the story is ``margincall.demo`` on Brownie's web3 (the cast are
the node's unlocked accounts). Without Brownie: ``margincall demo [--rpc-url URL]``.
"""

from brownie import accounts, web3

from margincall import demo
from margincall.session import Chain, Signer


def main():
    demo.run(Chain(web3, Signer(accounts[0].address)))
