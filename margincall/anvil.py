"""A private Anvil for one command or one test: a free port, mainnet-like limits, stopped on exit.

``LocalAnvil`` never attaches to a chain that is already running: it asks the OS for a free
port, starts ``node_modules/.bin/anvil`` there (60M block gas, Shanghai, base fee 0, the EIP-7825
per-transaction cap when this Anvil can enforce it, 20 accounts), waits until it answers and
stops it (terminate, then kill) when the ``with`` block ends, however it ends. A SIGTERM to the
process is turned into ``SystemExit`` while it runs, so the chain stops then too.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from web3 import Web3

from .artifacts import project_root
from .errors import HarnessError

BLOCK_GAS_LIMIT = 60_000_000
ACCOUNTS = 20
BALANCE_ETH = 100_000
# Anvil's default mnemonic: its account i has this well-known key (dev chains only)
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
)


def node_binary(name: str) -> str:
    """The project's own ``node_modules/.bin/<name>`` (``anvil``, ``ganache``), else one on PATH."""
    local = project_root() / "node_modules" / ".bin" / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise HarnessError(f"{name} not found: run `make install` (it installs node_modules/.bin/{name})")
    return found


@lru_cache(maxsize=None)
def _supports(binary: str, flag: str) -> bool:
    try:
        return flag in subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalAnvil:
    """``with LocalAnvil() as anvil: anvil.url`` — a fresh chain for the block's duration."""

    def __init__(self, port: int | None = None, extra_args: tuple[str, ...] = (), log: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.log = log
        self.process: subprocess.Popen | None = None
        self._previous_sigterm: Any = None

    def command(self) -> list[str]:
        binary = node_binary("anvil")
        cmd = [
            binary,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--gas-limit", str(BLOCK_GAS_LIMIT),
            "--hardfork", "shanghai",
            "--base-fee", "0",
            "--accounts", str(ACCOUNTS),
            "--balance", str(BALANCE_ETH),
        ]  # fmt: skip
        if _supports(binary, "--enable-tx-gas-limit"):
            cmd.append("--enable-tx-gas-limit")
        return cmd + list(self.extra_args)

    def start(self) -> LocalAnvil:
        out = open(self.log, "w") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 5}))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"anvil exited at start (code {self.process.returncode}): {' '.join(self.command())}")
            try:
                w3.eth.chain_id
                return self
            except Exception:  # not listening yet
                time.sleep(0.05)
        self.stop()
        raise HarnessError(f"anvil did not answer on {self.url} within 30 s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> LocalAnvil:
        self._previous_sigterm = _sigterm_as_exit()
        try:
            return self.start()
        except BaseException:
            self._restore()
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            self.stop()
        finally:
            self._restore()

    def _restore(self) -> None:
        if self._previous_sigterm is not None:
            try:
                signal.signal(signal.SIGTERM, self._previous_sigterm)
            except ValueError:  # not the main thread
                pass
            self._previous_sigterm = None


def _sigterm_as_exit() -> Any:
    """SIGTERM raises ``SystemExit(143)`` (so ``with`` blocks unwind and stop the chain);
    returns the previous handler, or None when not on the main thread."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:
        return None
