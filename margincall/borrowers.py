"""The borrowers of a market, found from the pool's events, and their states through PoolLens.

Shared by the keeper and the watcher: ``discover`` scans only the blocks not seen yet, so a
long-running process reads each log once; ``states`` reads every known borrower in PoolLens
batches of 500 (one snapshot each; it never reverts on a bad price, ``priceOk`` says so).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak
from web3 import Web3

from .deploy import DeployError, Market

LENS_BATCH = 500  # PoolLens serves 500 accounts within the per-transaction gas cap


def _hex(value: Any) -> str:
    """A topic as 0x-prefixed lowercase hex (web3 7's HexBytes.hex() has no prefix)."""
    text = value.hex() if hasattr(value, "hex") else str(value)
    return text.lower() if text.startswith("0x") else "0x" + text.lower()


# topic0 → the topic index of the account each event names
_DISCOVERY = {
    "0x" + keccak(text="CollateralDeposited(address,address,address,uint256)").hex(): 2,  # onBehalfOf
    "0x" + keccak(text="Borrowed(address,address,uint256)").hex(): 1,  # account
}


class Borrowers:
    """Every account that ever deposited collateral or borrowed, in order of discovery."""

    def __init__(self, market: Market):
        self.market = market
        self.accounts: list[str] = []
        self._next_block = market.block

    def check_chain(self, who: str) -> None:
        """Raise ``DeployError`` when the chain under ``who`` (the keeper, the watcher) was
        restarted or reset: the pool has no code any more, or the chain's head went back
        behind blocks already scanned."""
        w3 = self.market.chain.w3
        pool = self.market.pool.address
        if len(w3.eth.get_code(pool)) == 0:
            raise DeployError(
                f"no LendingPool at {pool} on chain {self.market.chain_id} any more: the chain was restarted "
                f"or reset under the {who}; deploy again and restart it"
            )
        head = w3.eth.block_number
        if head + 1 < self._next_block:
            raise DeployError(
                f"chain {self.market.chain_id} went back from block {self._next_block - 1} to {head}: it was "
                f"restarted or reset under the {who}; restart it"
            )

    def discover(self) -> list[str]:
        """Borrowers named by the pool's events since the last scan (deployment block first)."""
        w3 = self.market.chain.w3
        latest = w3.eth.block_number
        if latest >= self._next_block:
            logs = w3.eth.get_logs(
                {
                    "address": self.market.pool.address,
                    "fromBlock": self._next_block,
                    "toBlock": latest,
                    "topics": [list(_DISCOVERY)],
                }
            )
            known = set(self.accounts)
            for entry in logs:
                topics = entry["topics"]
                index = _DISCOVERY[_hex(topics[0])]
                account = Web3.to_checksum_address("0x" + _hex(topics[index])[-40:])
                if account not in known:
                    known.add(account)
                    self.accounts.append(account)
            self._next_block = latest + 1
        return self.accounts

    def states(self) -> list[tuple[str, Any]]:
        """(account, AccountState) for every known borrower, read in PoolLens batches. An
        AccountState is a named tuple (``.status``, ``.healthFactor``, ``.priceOk``, ...)."""
        borrowers = self.discover()
        states = []
        for i in range(0, len(borrowers), LENS_BATCH):
            batch = borrowers[i : i + LENS_BATCH]
            answer, _snapshot = self.market.lens.call.accounts(batch)
            states += list(zip(batch, answer))
        return states
