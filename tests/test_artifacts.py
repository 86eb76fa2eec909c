"""Compiled artifacts are found wherever a framework wrote them: Brownie, Forge or Ape."""

import json

import pytest

from margincall import artifacts


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("MARGINCALL_ROOT", str(tmp_path))
    for cached in (artifacts.load, artifacts.all_abis, artifacts._ape_manifest):
        cached.cache_clear()
    yield tmp_path
    for cached in (artifacts.load, artifacts.all_abis, artifacts._ape_manifest):
        cached.cache_clear()


ABI = [{"type": "function", "name": "f", "inputs": [], "outputs": [], "stateMutability": "view"}]


def test_an_ape_only_build_is_read_from_its_manifest(root):
    (root / ".build").mkdir()
    manifest = {"contractTypes": {"Thing": {"abi": ABI, "deploymentBytecode": {"bytecode": "0x6001"}}}}
    (root / ".build" / "__local__.json").write_text(json.dumps(manifest))
    thing = artifacts.load("Thing")
    assert thing.abi == ABI and thing.bytecode == "0x6001"
    assert ("Thing", tuple(ABI)) in artifacts.all_abis()


def test_brownie_build_comes_first(root):
    (root / ".build").mkdir()
    (root / ".build" / "__local__.json").write_text(
        json.dumps({"contractTypes": {"Thing": {"abi": [], "deploymentBytecode": {"bytecode": "0xaa"}}}})
    )
    (root / "build" / "contracts").mkdir(parents=True)
    (root / "build" / "contracts" / "Thing.json").write_text(json.dumps({"abi": ABI, "bytecode": "6002"}))
    assert artifacts.load("Thing").bytecode == "0x6002"


def test_a_missing_contract_names_every_place_looked(root):
    with pytest.raises(artifacts.ArtifactError, match=r"no compiled Nothing under .*build/contracts.*out.*\.build"):
        artifacts.load("Nothing")
