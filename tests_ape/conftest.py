"""The Ape adapter: the same ``margincall`` package, driven from Ape's provider and accounts.

Ape compiles the project itself (``ape-config.yaml``: the solc-js shim, Shanghai, the same
optimizer settings as Brownie and Forge) and starts Anvil through ape-foundry. The harness core
needs only a web3 connection and a signer, so the adapter is three lines: a ``Chain`` over
Ape's web3, signing as Ape's first test account (an account the node has unlocked). Tests then
use Ape's own contract objects (``project.LendingPool.at(...)``) for the user's side.
"""

import pytest

from margincall.deploy import deploy_market
from margincall.session import Chain, Signer

BLOCK_GAS_LIMIT = 60_000_000  # ape-foundry's Anvil starts with 30M; the project runs at 60M


@pytest.fixture(scope="session")
def lab_chain(chain, accounts):
    """The harness core on Ape's chain (``chain`` is Ape's ChainManager)."""
    chain.provider.set_block_gas_limit(BLOCK_GAS_LIMIT)
    chain.mine()
    return Chain(chain.provider.web3, Signer(accounts[0].address))


@pytest.fixture(scope="session")
def market(lab_chain, project):
    """The demo market, deployed by ``margincall.deploy.deploy_market`` from the contract types
    Ape compiled (``.build/__local__.json``, one of the sources ``margincall.artifacts`` reads)."""
    project.load_contracts()  # compile now if `ape test` ran without `ape compile`
    return deploy_market(lab_chain)


@pytest.fixture(scope="session")
def governor(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def lender(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def keeper(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def taker(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def pool(market, project):
    return project.LendingPool.at(market.pool.address)


@pytest.fixture(scope="session")
def liquidator(market, project):
    return project.DutchAuctionLiquidator.at(market.liquidator.address)


@pytest.fixture(scope="session")
def usdc(market, project):
    return project.MockERC20.at(market.base.token.address)


@pytest.fixture(scope="session")
def weth(market, project):
    return project.MockERC20.at(market.collaterals["WETH"].token.address)
