"""The state file of ``margincall up``: how other commands find the bench chain without
``--rpc-url``, and how a live deployment record is kept from being overwritten.

``up`` writes ``.margincall/up.json`` (``{"rpcUrl", "chainId", "pid", "deployment"}``) under the
project root (or ``$MARGINCALL_STATE_DIR``) once its chain answers, and removes it on exit. A
file left by a process that no longer runs (killed with SIGKILL) is ignored and removed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from web3 import Web3

from .artifacts import project_root


def state_path() -> Path:
    folder = os.environ.get("MARGINCALL_STATE_DIR")
    return (Path(folder) if folder else project_root() / ".margincall") / "up.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    return True


def read_state() -> dict[str, Any] | None:
    """The running bench (``up``'s state), or None when none runs."""
    path = state_path()
    try:
        state = json.loads(path.read_text())
        pid = int(state["pid"])
        str(state["rpcUrl"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(pid):
        path.unlink(missing_ok=True)  # left by a bench killed without a chance to clean up
        return None
    return state


def write_state(state: dict[str, Any]) -> Path:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**state, "pid": os.getpid()}, indent=2) + "\n")
    return path


def remove_state() -> None:
    path = state_path()
    try:
        if int(json.loads(path.read_text())["pid"]) == os.getpid():
            path.unlink()
    except (OSError, ValueError, KeyError, TypeError):
        pass


def live_record(path: Path, w3: Web3 | None = None) -> str | None:
    """Where the deployment recorded in ``path`` still runs (a description), or None when the
    file is absent, unreadable, or its chain is gone: on the chain at the record's ``rpcUrl``, or
    on ``w3`` when that chain has the record's chain id."""
    try:
        record = json.loads(path.read_text())
        pool = Web3.to_checksum_address(record["contracts"]["LendingPool"])
        chain_id = int(record["chainId"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    candidates: list[tuple[str, Web3]] = []
    if isinstance(record.get("rpcUrl"), str):
        url = record["rpcUrl"]
        candidates.append((url, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))))
    if w3 is not None:
        candidates.append(("the connected chain", w3))
    for where, node in candidates:
        try:
            if int(node.eth.chain_id) == chain_id and len(node.eth.get_code(pool)) > 0:
                return f"LendingPool {pool} on {where} (chain {chain_id})"
        except Exception:  # the node is gone: not live there
            continue
    return None


def keep_aside(path: Path) -> Path:
    """Move a record out of the way (``<name>.replaced-<unix time>.json``) and return where."""
    aside = path.with_name(f"{path.stem}.replaced-{int(time.time())}{path.suffix}")
    path.rename(aside)
    return aside
