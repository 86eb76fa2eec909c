"""The harness core (``margincall``) on its own: web3.py only, on a private Anvil started by the
test on a free port (never the suite's chain). No Brownie object is involved."""

import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from margincall.anvil import LocalAnvil
from margincall.deploy import DeployError, deploy_market, load_deployment, write_deployment
from margincall.errors import ProtocolError
from margincall.keeper import Keeper
from margincall.session import TX_CAP, Chain, Signer
from margincall.status import AccountStatus
from margincall.watch import Watcher
from tests.support.units import ETH, USDC, ZERO_ADDRESS

ROOT = Path(__file__).resolve().parent.parent


def test_no_module_of_the_package_imports_brownie_or_ape():
    """Every module of margincall/ imports in a fresh interpreter where Brownie and Ape cannot."""
    modules = sorted(
        "margincall." + ".".join(p.relative_to(ROOT / "margincall").with_suffix("").parts)
        for p in (ROOT / "margincall").rglob("*.py")
        if p.name != "__init__.py"
    )
    code = (
        "import sys, importlib\n"
        "for blocked in ('brownie', 'ape'): sys.modules[blocked] = None\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(len([m for m in sys.modules if m.split('.')[0] in ('brownie', 'ape') and sys.modules[m]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
    assert len(modules) >= 15


@pytest.fixture(scope="module")
def anvil():
    with LocalAnvil() as node:
        yield node


@pytest.fixture(scope="module")
def core(anvil):
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    return Chain(w3, Signer(w3.eth.accounts[0]))


@pytest.fixture(scope="module")
def core_market(core):
    return deploy_market(core)


def test_a_private_anvil_has_mainnet_like_limits_on_a_free_port(anvil, core):
    assert anvil.port != 8545
    block = core.w3.eth.get_block("latest")
    assert block.gasLimit == 60_000_000 and block.baseFeePerGas == 0
    # EIP-7825's per-transaction cap: asked of Anvil when it has the flag (Anvil 1.7 enforces it
    # under Osaka rules only, measured), and never exceeded by the session, even for a revert
    assert "--enable-tx-gas-limit" in anvil.command()
    receipt = core.transfer(core.unlocked()[1], 1)
    with pytest.raises(ProtocolError) as reverted:
        Chain(core.w3, Signer(core.unlocked()[2])).deploy("LendingPool", ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS)  # refused: zero links
    for tx in (receipt.tx, *( [reverted.value.tx] if reverted.value.tx else [])):
        assert core.w3.eth.get_transaction(tx).gas <= TX_CAP


def test_deploy_market_returns_typed_handles_and_a_record(core_market, tmp_path, core):
    m = core_market
    assert m.pool.name == "LendingPool" and m.pool.call.config() == m.config.address
    assert m.chain_id == core.chain_id == 31337
    assert set(m.collaterals) == {"WETH", "WBTC"} and m.collaterals["WBTC"].decimals == 8
    path = write_deployment(m, tmp_path)
    again = load_deployment(core, path)
    assert again.record() == m.record()


def test_a_revert_is_decoded_by_name_and_arguments(core_market, core):
    stranger = core.unlocked()[5]
    assert AccountStatus(core_market.pool.call.accountStatus(stranger)) is AccountStatus.Healthy
    with pytest.raises(ProtocolError) as info:
        core_market.pool.send.issueMarginCall(stranger, sender=stranger)
    assert info.value.name == "NotInMarginCall" and info.value.args_ == (AccountStatus.Healthy,), info.value
    assert info.value.message == "NotInMarginCall: 0"
    assert info.value.tx is None  # refused by the estimate: never sent
    with pytest.raises(ProtocolError) as mined:
        core_market.pool.send.issueMarginCall(stranger, sender=stranger, broadcast_reverts=True)
    assert mined.value.name == info.value.name and mined.value.tx.startswith("0x")


def test_a_local_key_signs(core_market, core):
    key = core.add_key("0x" + "11" * 32)
    core.transfer(key, ETH)
    receipt = core_market.base.token.send.mint(key.address, 5 * USDC, sender=key)
    assert receipt.status == 1 and receipt.event("Transfer")[0]["value"] == 5 * USDC
    assert core_market.base.token.call.balanceOf(key.address) == 5 * USDC


def test_a_refused_parameter_names_the_rule_and_the_values(core):
    from margincall.params import DEMO_PARAMS, parse_params
    import yaml

    raw = yaml.safe_load(Path(DEMO_PARAMS).read_text())
    raw["market"]["target_hf"] = "1.05"  # below the call level 1.10
    with pytest.raises(DeployError) as info:
        deploy_market(core, parse_params(raw))
    message = str(info.value)
    assert "BadHealthLadder" in message and "market.target_hf = 1.05" in message and "margin_call_hf = 1.10" in message


def test_a_config_off_its_precomputed_address_is_refused_in_one_line(core, monkeypatch):
    """Another transaction of the signer between the oracle and the config moves the config off
    the address the oracle reads its governor from: the config refuses that oracle on-chain and
    the deployment says why (simulated by precomputing one nonce too far)."""
    import margincall.deploy as deploy

    real = deploy.get_create_address
    monkeypatch.setattr(deploy, "get_create_address", lambda sender, nonce: real(sender, nonce + 1))
    with pytest.raises(DeployError) as info:
        deploy_market(core)
    message = str(info.value)
    assert "OracleOfAnotherGovernance" in message and "another transaction of the signer" in message, message


def test_a_restarted_chain_stops_the_keeper_and_the_watcher(tmp_path):
    with LocalAnvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        chain = Chain(w3, Signer(w3.eth.accounts[0]))
        market = deploy_market(chain)
        keeper, watcher = Keeper(market, chain.signer), Watcher(market)
        assert keeper.run_once() == [] and watcher.poll() == ([], [])
        port = node.port
    with LocalAnvil(port=port):  # the same URL, a fresh chain: the deployment is gone
        with pytest.raises(DeployError, match="chain was restarted"):
            keeper.run_once()
        with pytest.raises(DeployError, match="chain was restarted"):
            watcher.poll()
