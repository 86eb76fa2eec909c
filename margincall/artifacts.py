"""Compiled artifacts (ABI and bytecode) of the protocol, read from the build output.

Brownie writes ``build/contracts/<Name>.json`` (DESIGN.md 9); Forge writes
``out/<File>.sol/<Name>.json``; Ape (``ape compile``) writes every contract type into one
manifest, ``.build/__local__.json``. All three are read: Brownie's first, then Forge's, then
Ape's, so a project built by any one of the frameworks alone works. The build folder is the
repository this package sits in, or ``$MARGINCALL_ROOT``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class ArtifactError(RuntimeError):
    """A contract that was not compiled (run ``make compile``)."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # 0x-prefixed creation code


def project_root() -> Path:
    return Path(os.environ.get("MARGINCALL_ROOT", PACKAGE_ROOT))


def _brownie(root: Path, name: str) -> Artifact | None:
    path = root / "build" / "contracts" / f"{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    code = data.get("bytecode") or ""
    return Artifact(name, data["abi"], code if code.startswith("0x") else "0x" + code)


def _forge(root: Path, name: str) -> Artifact | None:
    for path in sorted((root / "out").glob(f"*.sol/{name}.json")):
        data = json.loads(path.read_text())
        return Artifact(name, data["abi"], data["bytecode"]["object"])
    return None


@lru_cache(maxsize=None)
def _ape_manifest(root: Path) -> dict[str, Any]:
    path = root / ".build" / "__local__.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text()).get("contractTypes") or {}
    except ValueError:
        return {}


def _ape(root: Path, name: str) -> Artifact | None:
    contract_type = _ape_manifest(root).get(name)
    if not contract_type or "deploymentBytecode" not in contract_type:
        return None
    code = contract_type["deploymentBytecode"].get("bytecode") or ""
    return Artifact(name, contract_type["abi"], code if code.startswith("0x") else "0x" + code)


@lru_cache(maxsize=None)
def load(name: str) -> Artifact:
    """The artifact of contract ``name`` (e.g. ``"LendingPool"``)."""
    root = project_root()
    artifact = _brownie(root, name) or _forge(root, name) or _ape(root, name)
    if artifact is None:
        raise ArtifactError(
            f"no compiled {name} under {root}/build/contracts, {root}/out or {root}/.build: run `make compile`"
        )
    return artifact


@lru_cache(maxsize=None)
def all_abis() -> tuple[tuple[str, tuple], ...]:
    """(name, abi) of every compiled contract: the errors and events the harness can decode."""
    root = project_root()
    found: dict[str, list] = {name: ct["abi"] for name, ct in _ape_manifest(root).items() if "abi" in ct}
    for path in sorted((root / "out").glob("*.sol/*.json")):
        try:
            found.setdefault(path.stem, json.loads(path.read_text())["abi"])
        except (ValueError, KeyError):
            continue
    for path in sorted((root / "build" / "contracts").glob("**/*.json")):
        try:
            found[path.stem] = json.loads(path.read_text())["abi"]
        except (ValueError, KeyError):
            continue
    return tuple((name, tuple(abi)) for name, abi in sorted(found.items()))
