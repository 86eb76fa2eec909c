"""The fast path for bulk work (DESIGN.md 12 "Throughput"): many transactions per simulated block.

``Bulk`` sends transactions in JSON-RPC batches (one HTTP POST carries up to ``batch_size``
requests) with automine off, mines each simulated block explicitly (``evm_mine``, optionally at
a chosen timestamp) and fetches receipts a block at a time (``eth_getBlockReceipts``). Senders
are either

* accounts the node signs for: its unlocked accounts, or any address on Anvil after
  ``impersonate_all()`` (``anvil_autoImpersonateAccount``): nothing is signed in Python, which
  is what makes 10,000 borrowers cheap; or
* local keys (``Chain.add_key``): signed with eth-account (pure Python here: slower).

Nonces are kept locally for both (one batched ``eth_getTransactionCount`` per new sender): a
node serves the requests of a batch concurrently, so it cannot number them itself.

Calldata is encoded once per function with eth-abi (``Encoder``), not through web3's contract
machinery, and gas limits are given by the caller (no estimate per transaction): a block holds
as many transactions as their limits fit in the block gas limit, and ``run`` mines until every
transaction sent has a receipt.

A block that would only move time need not be mined: ``read_at`` makes the reads that follow
(``eth_calls``, ``eth_call``, ``latest_block``) see the latest state at the next block number and
a chosen time (``eth_call``'s block overrides), until the next block is mined.

This path is for a lab chain (Anvil): it switches automine off while it runs and back on after.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import requests
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3 import Web3

from .errors import HarnessError, ProtocolError, decode_revert, revert_data, signature
from .retry import one_line
from .session import TX_CAP, Chain, Handle


class BulkError(HarnessError):
    """A batch the node refused, or a transaction of a batch that reverted."""


@dataclass(frozen=True)
class Tx:
    """One transaction of a batch: ``data`` is 0x-hex calldata, ``gas`` its limit."""

    sender: str
    to: str
    data: str = "0x"
    gas: int = 21_000
    value: int = 0


class Encoder:
    """Calldata of one contract function, encoded with eth-abi: ``Encoder(pool, "borrow")(amount, to)``."""

    def __init__(self, handle: Handle, method: str):
        abi = next(
            (e for e in handle.abi if e.get("type") == "function" and e.get("name") == method), None
        )  # first overload: the protocol has none
        if abi is None:
            raise HarnessError(f"{handle.name} has no function {method}")
        self.types = [_canonical(p) for p in abi["inputs"]]
        self.selector = keccak(text=signature(abi))[:4]
        self.to = handle.address

    def __call__(self, *args: Any) -> str:
        return "0x" + (self.selector + abi_encode(self.types, list(args))).hex()

    def with_array(self, *args: Any) -> str:
        """The same calldata as ``self(*args)`` for a function whose arguments are one-word values
        (addresses, uints) and last a dynamic array of them, written word by word: eth-abi's
        generic encoder spends ~10 µs an element, which a read of 10,000 accounts a block pays."""
        *head, items = args
        static = ("address", "uint256")
        *head_types, last = self.types
        shaped = last.endswith("[]") and last[:-2] in static and all(t in static for t in head_types)
        if len(args) != len(self.types) or not shaped:
            raise HarnessError(f"Encoder.with_array: needs one-word arguments then one array of them, not {self.types}")
        words = [_word(v) for v in head] + [f"{32 * (len(head) + 1):064x}", f"{len(items):064x}"]
        return "0x" + self.selector.hex() + "".join(words) + "".join(_word(v) for v in items)


def _word(value: Any) -> str:
    """One ABI word, hex: an address (0x-hex string) left-padded, or a uint."""
    if isinstance(value, str):
        return value[2:].lower().rjust(64, "0")
    if not 0 <= value < 2**256:
        raise HarnessError(f"{value} does not fit a uint256")
    return f"{value:064x}"


def _canonical(param: dict) -> str:
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


class Bulk:
    """Batches of transactions on one chain, mined block by block. Use as a context manager:
    automine is off inside, back on after."""

    def __init__(self, chain: Chain, batch_size: int = 1000, per_block: int = 100, gas_price: int = 0):
        provider = chain.w3.provider
        url = getattr(provider, "endpoint_uri", None)
        if not url or not str(url).startswith("http"):
            raise HarnessError("the bulk path needs an http(s) JSON-RPC endpoint")
        self.chain = chain
        self.url = str(url)
        self.batch_size = batch_size
        self.per_block = per_block
        self.gas_price = gas_price  # Anvil runs with base fee 0: gas costs nothing here
        self.http = requests.Session()
        self._ids = itertools.count(1)
        self._nonces: dict[str, int] = {}
        self.sent = 0
        self.blocks = 0
        self.seconds = 0.0  # [s] wall time spent sending, mining and fetching receipts (``run``)
        self.mine_seconds = 0.0  # [s] of it waiting for ``evm_mine`` (the node executing and sealing blocks)
        self.receipt_seconds = 0.0  # [s] of it waiting for ``eth_getBlockReceipts``
        self._block_gas: int | None = None
        # a block not mined: reads see the chain's state at this block number and time
        # (``eth_call``'s block overrides) until the next block is mined (``read_at``)
        self.unmined: dict[str, str] | None = None

    # ------------------------------------------------------------------ JSON-RPC
    def request(self, calls: Sequence[tuple[str, list]], tolerate: bool = False) -> list[Any]:
        """Answers to ``calls`` (method, params), sent as JSON-RPC batches of ``batch_size``;
        an error answer raises ``BulkError``, or with ``tolerate`` takes the error's place in
        the answers (a ``ProtocolError`` when it carries revert data, else a ``BulkError``)."""
        answers: list[Any] = []
        for start in range(0, len(calls), self.batch_size):
            chunk = calls[start : start + self.batch_size]
            body = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p} for m, p in chunk]
            response = self.http.post(self.url, data=json.dumps(body), headers={"Content-Type": "application/json"})
            response.raise_for_status()
            replies = response.json()
            if isinstance(replies, dict):  # the node answered the whole batch with one error
                raise BulkError(f"batch refused: {replies.get('error', replies)}")
            by_id = {r["id"]: r for r in replies}
            for call, sent in zip(chunk, body):
                reply = by_id[sent["id"]]
                if "error" in reply:
                    if not tolerate:
                        raise BulkError(f"{call[0]}: {reply['error'].get('message', reply['error'])}")
                    answers.append(_error_of(call[0], reply["error"]))
                    continue
                answers.append(reply.get("result"))
        return answers

    def call(self, method: str, params: list) -> Any:
        return self.request([(method, params)])[0]

    def eth_calls(self, calls: Sequence[tuple[str, str]], sender: str | None = None) -> list[Any]:
        """``eth_call`` of each (to, calldata) on the latest block (or the unmined one of
        ``read_at``), in JSON-RPC batches: the 0x-hex answers in order, a revert as its
        ``ProtocolError`` in its place."""
        return self.request([self.eth_call(to, data, sender) for to, data in calls], True)

    def eth_call(self, to: str, data: str, sender: str | None = None) -> tuple[str, list]:
        """The JSON-RPC request of one ``eth_call`` on the latest block, or on the block
        ``read_at`` stands for (the latest state at that block's number and time)."""
        call = {"to": to, "data": data, **({"from": sender} if sender else {})}
        return ("eth_call", [call, "latest"] if self.unmined is None else [call, "latest", None, self.unmined])

    def latest_block(self, header: dict) -> dict:
        """``header`` (the node's answer for the latest block), with the number and time of the
        block ``read_at`` stands for when one is pending."""
        if self.unmined is None:
            return header
        return {**header, "number": self.unmined["number"], "timestamp": self.unmined["time"]}

    def read_at(self, timestamp: int) -> None:
        """A block that moves only time: instead of mining it, reads see the latest state at the
        next block number and ``timestamp`` until the next block is mined (at a later time).
        On a state no transaction changed, ``eth_call`` answers there what it would answer on
        an empty block mined at ``timestamp``."""
        header = self.call("eth_getBlockByNumber", ["latest", False])
        if timestamp < int(header["timestamp"], 16):
            raise BulkError(f"read_at: time {timestamp} is before the latest block's")
        number = int(header["number"], 16) + 1 if self.unmined is None else int(self.unmined["number"], 16)
        self.unmined = {"number": hex(number), "time": hex(timestamp)}

    # ------------------------------------------------------------------ node modes
    def __enter__(self) -> Bulk:
        self.call("evm_setAutomine", [False])
        return self

    def __exit__(self, *exc: Any) -> None:
        self.call("evm_setAutomine", [True])

    def impersonate_all(self) -> None:
        """Anvil signs for any address from now on (lab chains only)."""
        self.call("anvil_autoImpersonateAccount", [True])

    def set_balances(self, accounts: Iterable[str], wei: int) -> None:
        self.request([("anvil_setBalance", [a, hex(wei)]) for a in accounts])

    # ------------------------------------------------------------------ sending and mining
    def send(self, txs: Sequence[Tx], ordered: bool = False) -> list[str]:
        """Put ``txs`` in the node's pool (not mined); returns their hashes in order.

        The requests of one batch are served concurrently, so transactions of different senders
        reach the pool in any order; with ``ordered`` each run of one sender's transactions is
        its own request, sent after the one before (a node mining first-come first-served, as
        Anvil with ``--order fifo``, then mines them in the order of ``txs``)."""
        if ordered:
            hashes: list[str] = []
            first = 0
            for i in range(1, len(txs) + 1):
                if i == len(txs) or txs[i].sender != txs[first].sender:
                    hashes += self.send(txs[first:i])
                    first = i
            return hashes
        calls = []
        self._load_nonces(tx.sender for tx in txs)
        for tx in txs:
            if tx.gas > TX_CAP:
                raise BulkError(f"a transaction asks for {tx.gas} gas, more than the {TX_CAP} cap")
            nonce = self._next_nonce(tx.sender)
            signer = self.chain.local_key(tx.sender)
            if signer is None:  # the node signs; the nonce is ours (a batch is served concurrently)
                fields = {"to": tx.to, "data": tx.data, "value": hex(tx.value), "gas": hex(tx.gas), "nonce": hex(nonce)}
                calls.append(("eth_sendTransaction", [{"from": tx.sender, **fields, "gasPrice": hex(self.gas_price)}]))
            else:
                raw = signer.key.sign_transaction(
                    {"to": tx.to, "data": tx.data, "value": tx.value, "gas": tx.gas, "gasPrice": self.gas_price,
                     "nonce": nonce, "chainId": self.chain.chain_id}
                ).raw_transaction  # fmt: skip
                calls.append(("eth_sendRawTransaction", ["0x" + raw.hex().removeprefix("0x")]))
        hashes = self.request(calls)
        self.sent += len(hashes)
        return hashes

    def _next_nonce(self, sender: str) -> int:
        if sender not in self._nonces:
            self._load_nonces([sender])
        nonce = self._nonces[sender]
        self._nonces[sender] = nonce + 1
        return nonce

    def _load_nonces(self, senders: Iterable[str]) -> None:
        """Each new sender's next nonce, asked once (in batches); counted locally after."""
        new = sorted({s for s in senders if s not in self._nonces})
        counts = self.request([("eth_getTransactionCount", [s, "pending"]) for s in new])
        self._nonces.update({s: int(c, 16) for s, c in zip(new, counts)})

    def mine(self, timestamp: int | None = None) -> list[dict]:
        """Mine one block (at ``timestamp`` if given) and return its receipts."""
        began = time.perf_counter()
        self.call("evm_mine", [timestamp] if timestamp is not None else [])
        self.blocks += 1
        self.unmined = None
        mined = time.perf_counter()
        self.mine_seconds += mined - began
        receipts = self.call("eth_getBlockReceipts", ["latest"]) or []
        self.receipt_seconds += time.perf_counter() - mined
        return receipts

    def mine_unread(self, timestamp: int | None = None) -> None:
        """Mine until the node's pool is empty, the first block at ``timestamp``, without reading
        receipts (the caller checks the state instead: see ``run(..., receipts=False)``)."""
        for _ in range(1_000):
            self.call("evm_mine", [timestamp] if timestamp is not None else [])
            self.blocks += 1
            self.unmined = None
            timestamp = None
            status = self.call("txpool_status", [])
            if int(status["pending"], 16) == 0:
                if int(status["queued"], 16):
                    raise BulkError(f"{int(status['queued'], 16)} transactions wait in the pool behind a nonce gap")
                return
        raise BulkError("the pool never emptied after 1,000 blocks")

    def mine_pending(self) -> None:
        """Mine the block ``read_at`` stood for, if any (empty, at its time): the chain then ends
        where a run mining every block would end it."""
        if self.unmined is not None:
            self.call("evm_mine", [int(self.unmined["time"], 16)])
            self.blocks += 1
            self.unmined = None

    def block_gas_limit(self) -> int:
        if self._block_gas is None:
            self._block_gas = int(self.call("eth_getBlockByNumber", ["latest", False])["gasLimit"], 16)
        return self._block_gas

    def set_block_gas_limit(self, gas: int) -> None:
        """A new block gas limit from the next block on (Anvil's ``evm_setBlockGasLimit``)."""
        self.call("evm_setBlockGasLimit", [hex(gas)])
        self._block_gas = gas

    def run(
        self, txs: Sequence[Tx], timestamp: int | None = None, check: bool = True, ordered: bool = False,
        receipts: bool = True,
    ) -> list[dict]:  # fmt: skip
        """Send ``txs`` and mine them in order, block by block: at most ``per_block`` in a block,
        and no more than their gas limits fit in the block gas limit (the first block at
        ``timestamp``). Returns the receipts in the order of ``txs``; with ``check`` a reverted
        one raises ``BulkError`` naming its error; ``ordered`` as in ``send``. With ``receipts``
        False nothing is read back (and nothing checked): the blocks are mined until the pool is
        empty and the caller checks the state it meant to reach (mass set-up in large blocks).

        Blocks are kept small on purpose: Anvil 1.7 answers a block's receipts in a time that
        grows with the square of its transaction count (2,000 transfers in one block: ~4 s of
        receipts; in blocks of 100: ~0.15 s). And the batch is cut by gas limits here rather than
        left to the node: Anvil 1.7.1 was seen dropping from its pool the transactions of a batch
        that did not fit the block (never mined, no receipt) instead of keeping them for the next."""
        began = time.perf_counter()
        answers: list[dict] = []
        for block in self._blocks(txs):
            hashes = self.send(block, ordered)
            if receipts:
                answers += self._mine_all(hashes, timestamp)
            else:
                self.mine_unread(timestamp)
            timestamp = None
        self.seconds += time.perf_counter() - began
        if check:
            for tx, receipt in zip(txs, answers):
                if int(receipt["status"], 16) != 1:
                    raise BulkError(f"a transaction from {tx.sender} to {tx.to} reverted: {self.why(tx, receipt)}")
        return answers

    def _blocks(self, txs: Sequence[Tx]) -> list[Sequence[Tx]]:
        """``txs`` cut, in order, into blocks of at most ``per_block`` whose gas limits add up to
        at most the block gas limit."""
        block_gas = self.block_gas_limit()
        blocks: list[Sequence[Tx]] = []
        first = gas = 0
        for i, tx in enumerate(txs):
            if i > first and (i - first >= self.per_block or gas + tx.gas > block_gas):
                blocks.append(txs[first:i])
                first, gas = i, 0
            gas += tx.gas
        if first < len(txs):
            blocks.append(txs[first:])
        return blocks

    def _mine_all(self, hashes: list[str], timestamp: int | None) -> list[dict]:
        """Mine until each of ``hashes`` has a receipt (more than one block when their gas
        limits do not fit one); the receipts in the order of ``hashes``."""
        wanted = set(hashes)
        found: dict[str, dict] = {}
        idle = 0
        while len(found) < len(wanted):
            fresh = [r for r in self.mine(timestamp) if r["transactionHash"] in wanted]
            timestamp = None
            idle = 0 if fresh else idle + 1
            if idle > 2:
                raise BulkError(f"{len(wanted) - len(found)} transactions were never mined (gas limits too high?)")
            found.update((r["transactionHash"], r) for r in fresh)
        return [found[h] for h in hashes]

    def why(self, tx: Tx, receipt: dict) -> str:
        """The named error of a reverted bulk transaction (replayed before its block)."""
        try:
            error = self.revert_error(tx, receipt)
        except Exception as exc:  # the replay itself failed (a dead RPC)
            return one_line(exc)
        return error.message if error is not None else "out of gas, or the state changed within its block"

    def revert_error(self, tx: Tx, receipt: dict) -> ProtocolError | None:
        """The ``ProtocolError`` of a reverted bulk transaction, replayed on the state before its
        block; None when the replay succeeds (it ran out of gas, or an earlier transaction of
        the same block changed what it saw)."""
        block = int(receipt["blockNumber"], 16)
        call = {"from": tx.sender, "to": tx.to, "data": tx.data, "gas": tx.gas, "value": tx.value}
        try:
            self.chain.w3.eth.call(call, block_identifier=block - 1)
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            return decode_revert(data)
        return None


def _error_of(method: str, error: dict) -> Exception:
    """A JSON-RPC error answer as the exception it stands for: a revert's named error, else a
    ``BulkError`` with the node's message."""
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return decode_revert(data)
    return BulkError(f"{method}: {error.get('message', error)}")


def addresses(n: int, seed: str = "margincall") -> list[str]:
    """``n`` distinct, deterministic addresses nobody holds a key for (impersonated on Anvil)."""
    return [Web3.to_checksum_address(keccak(text=f"{seed}:{i}")[-20:]) for i in range(n)]
