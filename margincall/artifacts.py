"""Compiled artifacts (ABI and bytecode) of the protocol, read from the build output.

Brownie writes ``build/contracts/<Name>.json`` (DESIGN.md 9); Forge writes
``out/<File>.sol/<Name>.json``. Both are read: Brownie's first, Forge's when Brownie's is
missing. The build folder is the repository this package sits in, or ``$MARGINCALL_ROOT``.
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
def load(name: str) -> Artifact:
    """The artifact of contract ``name`` (e.g. ``"LendingPool"``)."""
    root = project_root()
    artifact = _brownie(root, name) or _forge(root, name)
    if artifact is None:
        raise ArtifactError(f"no compiled {name} under {root}/build/contracts or {root}/out: run `make compile`")
    return artifact


@lru_cache(maxsize=None)
def all_abis() -> tuple[tuple[str, tuple], ...]:
    """(name, abi) of every compiled contract: the errors and events the harness can decode."""
    root = project_root()
    found: dict[str, list] = {}
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
