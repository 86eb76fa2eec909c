"""Deploy the demo market (or the market of PARAMS=path.yaml) and write deployments/<chain-id>.json.

    brownie run scripts/deploy.py --network anvil
"""

import os

from brownie import accounts, project

from margincall.deploy import deploy_market, write_deployment
from margincall.params import DEMO_PARAMS, load_params
from margincall.rpc import install_receipt_retry


def main():
    install_receipt_retry()
    spec = load_params(os.environ.get("PARAMS", DEMO_PARAMS))
    governor, guardian = accounts[0], accounts[1]
    market = deploy_market(project.get_loaded_projects()[0], governor, spec, guardian)
    path = write_deployment(market)
    print(f"LendingPool {market.pool.address} on chain {market.chain_id}, block {market.block}")
    print(f"deployment written to {path}")
    return market
