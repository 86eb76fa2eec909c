"""``margincall`` on any chain with any signer: ``--rpc-url`` and ``--private-key-env``,
``--keystore`` or ``--unlocked``; a private Anvil when no URL is given (stopped on exit, Ctrl-C
and SIGTERM included); one ``Error:`` line and exit code 1 for every input a user can get wrong.

Chains here are private Anvils on free ports started by the tests (``LocalAnvil``), never the
suite's own chain."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from eth_account import Account
from typer.testing import CliRunner
from web3 import Web3

from margincall import cli
from margincall.anvil import DEV_KEYS, LocalAnvil
from margincall.params import DEMO_PARAMS

ROOT = Path(__file__).resolve().parent.parent
MARGINCALL = str(Path(sys.executable).parent / "margincall")


def run(*args, env=None):
    return CliRunner().invoke(cli.app, [str(a) for a in args], env=env)


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def node():
    """A chain started by hand, as a user would (here: by the test, on a free port)."""
    with LocalAnvil() as anvil:
        yield anvil


@pytest.fixture(scope="module")
def deployed(node, tmp_path_factory):
    """`margincall deploy --rpc-url URL --private-key-env KEY` on that chain: its record."""
    out = tmp_path_factory.mktemp("deployments")
    result = run("deploy", "--rpc-url", node.url, "--private-key-env", "DEPLOYER_KEY", "--out", out,
                 env={"DEPLOYER_KEY": DEV_KEYS[0]})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"deployment written to {out / '31337.json'}" in result.output
    return out / "31337.json"


def test_keeper_once_with_a_key_on_a_chain_started_by_hand(node, deployed):
    """The done-when of issue 9: deploy and keep a market through --rpc-url and a key."""
    env = {"KEEPER_KEY": DEV_KEYS[1]}
    result = run("keeper", "--once", "--rpc-url", node.url, "--private-key-env", "KEEPER_KEY",
                 "--deployment", deployed, env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Keeper pass on chain 31337: 0 action(s)" in result.output
    watched = run("watch", "--once", "--no-table", "--rpc-url", node.url, "--deployment", deployed)
    assert watched.exit_code == 0 and watched.stdout == ""


def test_a_keystore_signs_with_its_password_from_the_environment(node, deployed, tmp_path):
    keystore = tmp_path / "keeper.json"
    keystore.write_text(json.dumps(Account.encrypt(DEV_KEYS[1], "correct horse")))
    ok = run("keeper", "--once", "--json", "--rpc-url", node.url, "--keystore", keystore, "--password-env", "PW",
             "--deployment", deployed, env={"PW": "correct horse"})  # fmt: skip
    assert ok.exit_code == 0, ok.output
    wrong = run("keeper", "--once", "--rpc-url", node.url, "--keystore", keystore, "--password-env", "PW",
                "--deployment", deployed, env={"PW": "wrong"})  # fmt: skip
    assert wrong.exit_code == 1 and f"--keystore {keystore}: wrong password" in wrong.output
    prompted = CliRunner().invoke(
        cli.app,
        ["keeper", "--once", "--rpc-url", node.url, "--keystore", str(keystore), "--deployment", str(deployed)],
        input="correct horse\n",
    )
    assert prompted.exit_code == 0, prompted.output


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--rpc-url", "localhost:8545"], {}, "--rpc-url localhost:8545: not an http:// or https:// URL"),
        (["--rpc-url", "http://127.0.0.1:1"], {}, "--rpc-url http://127.0.0.1:1: no JSON-RPC node answers there (connection refused)"),
        (["--private-key-env", "NO_SUCH_VAR"], {}, "--private-key-env NO_SUCH_VAR: the environment variable NO_SUCH_VAR is not set"),
        (["--private-key-env", "BAD_KEY"], {"BAD_KEY": "0x1234"}, "the value of BAD_KEY is not a private key"),
        (["--private-key-env", "POOR_KEY"], {"POOR_KEY": "0x" + "42" * 32}, "has no ETH on chain 31337 to pay for gas"),
        (["--unlocked", "20"], {}, "--unlocked 20: the node has 20 unlocked accounts (0 to 19)"),
        (["--unlocked", "1", "--private-key-env", "K"], {"K": DEV_KEYS[0]}, "give one signer, not 2"),
    ],
    ids=["not-a-url", "unreachable", "unset-key", "malformed-key", "key-without-funds", "unlocked-range", "two-signers"],
)
def test_chain_and_signer_mistakes_are_one_line(node, deployed, args, env, message):
    args = [a if a != "URL" else node.url for a in args]
    if "--rpc-url" not in args:
        args = ["--rpc-url", node.url, *args]
    result = run("keeper", "--once", "--deployment", deployed, *args, env=env)
    assert result.exit_code == 1, result.output
    assert lines(result.output) == [f"Error: {lines(result.output)[0][7:]}"] and message in result.output


def test_a_deployment_of_another_chain_id_is_refused(node, deployed, tmp_path):
    record = json.loads(deployed.read_text())
    record["chainId"] = 1
    other = tmp_path / "1.json"
    other.write_text(json.dumps(record))
    result = run("watch", "--once", "--rpc-url", node.url, "--deployment", other)
    assert result.exit_code == 1
    assert lines(result.output) == [f"Error: {other} is a deployment on chain 1, but the connected chain is 31337"]


def test_a_chain_without_a_record_says_how_to_make_one(node, tmp_path, monkeypatch):
    monkeypatch.setenv("MARGINCALL_ROOT", str(tmp_path))  # an empty deployments/ folder
    result = run("keeper", "--once", "--rpc-url", node.url)
    assert result.exit_code == 1
    assert "no deployment record for chain 31337" in result.output and "margincall deploy --rpc-url" in result.output


def write_params(tmp_path, change):
    raw = yaml.safe_load(Path(DEMO_PARAMS).read_text())
    change(raw)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: r["market"].update(grace_period="six hours"), "market.grace_period: 'six hours' is not a number"),
        (
            lambda r: r["collaterals"]["WETH"].update(liquidation_penalty="-0.05"),
            "collaterals.WETH.liquidation_penalty: '-0.05' must not be negative",
        ),
        (lambda r: r["market"].update(dust="lots"), "market.dust: 'lots' is not a number"),
    ],
    ids=["not-a-number", "negative-penalty", "dust-not-a-number"],
)
def test_a_bad_parameter_file_is_named_by_its_field(tmp_path, change, message):
    result = run("deploy", "--params", write_params(tmp_path, change))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert lines(result.output) == [lines(result.output)[0]] and message in result.output


def test_a_refused_health_ladder_is_printed_with_its_values(node, tmp_path):
    params = write_params(tmp_path, lambda r: r["market"].update(target_hf="1.05"))
    result = run("deploy", "--rpc-url", node.url, "--unlocked", "3", "--params", params, "--out", tmp_path)
    assert result.exit_code == 1
    (line,) = lines(result.output)
    assert line.startswith("Error: the market refused its parameters: BadHealthLadder")
    assert "market.full_liquidation_hf = 0.95, market.margin_call_hf = 1.10, market.target_hf = 1.05" in line


# ================================================================ a private chain per command
def port_open(url):
    host, port = url.rsplit("/", 1)[-1].split(":")
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def private_url(stderr):
    (line,) = [l for l in stderr.splitlines() if "started a private Anvil at" in l]
    return line.split(" at ", 1)[1].split(" ", 1)[0]


def test_deploy_without_a_url_runs_on_its_own_chain_and_leaves_nothing(tmp_path):
    before = sorted((ROOT / "deployments").glob("*.json"))
    done = subprocess.run([MARGINCALL, "deploy"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    url = private_url(done.stderr)
    assert not url.endswith(":8545") and not port_open(url)
    assert "which stops now: no record written" in done.stdout
    assert sorted((ROOT / "deployments").glob("*.json")) == before and list(tmp_path.iterdir()) == []


def test_keeper_without_a_url_deploys_the_demo_market_on_its_own_chain():
    done = subprocess.run([MARGINCALL, "keeper", "--once", "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "deployed the demo market on it" in done.stderr and done.stdout == ""
    assert not port_open(private_url(done.stderr))


# Ctrl-C exits 130 as shells expect (issue 12; it exited 0 before)
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 128 + signal.SIGINT)])
def test_a_signal_stops_the_command_and_its_chain(sig, code):
    process = subprocess.Popen(
        [MARGINCALL, "watch", "--interval", "0.2", "--no-table"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    url = None
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen.append(line)
        if "started a private Anvil at" in line:
            url = private_url(line)
        if "deployed the demo market" in line:
            break
    assert url is not None and port_open(url), seen
    time.sleep(0.5)
    process.send_signal(sig)
    assert process.wait(timeout=60) == code
    assert not port_open(url)


# ================================================================ a node that goes away
def start_keeper(url, record, *extra):
    return subprocess.Popen(
        [MARGINCALL, "keeper", "--rpc-url", url, "--deployment", str(record), "--interval", "0.2", *extra],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "KEY": DEV_KEYS[1]},
    )  # fmt: skip


def read_until(stream, needle, timeout=60):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} not seen in {seen}")


def deploy_on(url, out):
    result = run("deploy", "--rpc-url", url, "--unlocked", "0", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "31337.json"


def test_a_node_that_stays_down_is_retried_then_given_up(tmp_path):
    with LocalAnvil() as anvil:
        record = deploy_on(anvil.url, tmp_path)
        keeper = start_keeper(anvil.url, record, "--retries", "2", "--private-key-env", "KEY")
        read_until(keeper.stderr, "keeper on chain 31337")
    seen = read_until(keeper.stderr, "giving up")
    assert keeper.wait(timeout=30) == 1
    retries = [line.strip() for line in seen if line.startswith("RPC failed")]
    dropped = r"\((connection refused|connection closed|connection reset)\)"  # the node may go mid-request
    assert len(retries) == 2
    assert re.fullmatch(rf"RPC failed {dropped}; retry 1/2 in 1 s", retries[0])
    assert re.fullmatch(rf"RPC failed {dropped}; retry 2/2 in 2 s", retries[1])
    assert re.fullmatch(rf"Error: the RPC did not answer for 3 attempts in a row {dropped}; giving up", seen[-1].strip())
    assert "Traceback" not in "".join(seen) + keeper.stderr.read()


def test_a_chain_restarted_under_a_running_keeper_stops_it(tmp_path):
    with LocalAnvil() as anvil:
        record = deploy_on(anvil.url, tmp_path)
        port = anvil.port
        keeper = start_keeper(anvil.url, record, "--private-key-env", "KEY")
        read_until(keeper.stderr, "keeper on chain 31337")
    read_until(keeper.stderr, "retry 1/5")
    with LocalAnvil(port=port):  # the same URL, a new chain without the market
        seen = read_until(keeper.stderr, "Error:")
        assert keeper.wait(timeout=30) == 1
    assert "chain was restarted or reset under the keeper" in seen[-1]


def test_anvil_and_ganache_are_found_by_one_helper(monkeypatch):
    from margincall.anvil import node_binary
    from margincall.errors import HarnessError
    from margincall.ganache import LocalGanache

    for name in ("anvil", "ganache"):
        assert node_binary(name) == str(ROOT / "node_modules" / ".bin" / name)
    assert LocalGanache(port=1).command()[0] == node_binary("ganache")
    assert LocalAnvil(port=1).command()[0] == node_binary("anvil")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(HarnessError, match=r"^no-such-node not found: run `make install` \(it installs node_modules/.bin/no-such-node\)$"):
        node_binary("no-such-node")
