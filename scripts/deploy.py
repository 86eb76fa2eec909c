"""Deploy the demo market (or the market of PARAMS=path.yaml) and write deployments/<chain-id>.json.

    brownie run scripts/deploy.py --network anvil

A thin Brownie entry point: the deployment is ``margincall.deploy`` on Brownie's web3, sent
from Brownie's first account (the governor; the second is the guardian). Without Brownie:
``margincall deploy --rpc-url URL``.
"""

import os

from brownie import accounts, web3

from margincall.deploy import deploy_market, write_deployment
from margincall.params import DEMO_PARAMS, load_params
from margincall.session import Chain, Signer


def main():
    spec = load_params(os.environ.get("PARAMS", DEMO_PARAMS))
    governor, guardian = accounts[0], accounts[1]
    market = deploy_market(Chain(web3, Signer(governor.address)), spec, guardian.address)
    path = write_deployment(market)
    print(f"LendingPool {market.pool.address} on chain {market.chain_id}, block {market.block}")
    print(f"deployment written to {path}")
    return market
