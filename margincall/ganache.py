"""A private Ganache for one command: the demo's second client, on a free port, stopped on exit.

``LocalGanache`` is ``LocalAnvil`` with Ganache 7's command line (``node_modules/.bin/ganache``,
started directly: an ``npx`` wrapper would leave the node child running when stopped). Settings
as brownie-config's ``ganache-cli`` network: Shanghai, 60M block gas, 20 accounts.

    python -m margincall.ganache margincall demo --rpc-url {url}

runs the command with ``{url}`` replaced by the chain's URL and exits with its code; the chain
stops when the command ends. ``make test-ganache`` runs the demo this way, so no fixed port (and
no ``brownie run`` with an absolute script path) is involved.
"""

from __future__ import annotations

import subprocess
import sys

from .anvil import ACCOUNTS, BALANCE_ETH, BLOCK_GAS_LIMIT, LocalAnvil, node_binary
from .errors import HarnessError


class LocalGanache(LocalAnvil):
    """``with LocalGanache() as node: node.url`` — a fresh Ganache chain for the block's duration."""

    def command(self) -> list[str]:
        return [
            node_binary("ganache"),
            "--server.host", "127.0.0.1",
            "--server.port", str(self.port),
            "--miner.blockGasLimit", str(BLOCK_GAS_LIMIT),
            "--hardfork", "shanghai",
            "--wallet.totalAccounts", str(ACCOUNTS),
            "--wallet.defaultBalance", str(BALANCE_ETH),
            "--logging.quiet",
        ] + list(self.extra_args)  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m margincall.ganache COMMAND ... {url} ...", file=sys.stderr)
        return 2
    try:
        with LocalGanache() as node:
            print(f"started a private Ganache at {node.url}; it stops when the command ends", file=sys.stderr)
            return subprocess.run([a.replace("{url}", node.url) for a in argv]).returncode
    except HarnessError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
