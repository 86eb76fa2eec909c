"""A session on one chain: a ``Web3``, the accounts it sends from, and the contracts it knows.

``Chain`` is the only way the harness sends a transaction or reads a contract. It

* signs with a local key (eth-account) or lets the node sign for one of its unlocked accounts;
* gives every transaction a gas limit within the per-transaction cap (EIP-7825);
* waits for the receipt and decodes every revert, on a call or on-chain, into
  ``ProtocolError(name, args)`` against the compiled ABIs;
* decodes a receipt's events by name;
* moves chain time on development nodes (Anvil, Ganache), through ``sleep`` and ``mine``,
  which a framework adapter may override to keep its own clock in step.

Contracts are ``Handle``: a deployed contract's name, address and web3 ``Contract``, read with
``handle.call.method(...)`` and written with ``handle.send.method(..., sender=...)``.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3._utils.events import get_event_data
from web3.contract.contract import ContractFunction
from web3.exceptions import TimeExhausted

from . import artifacts
from .errors import HarnessError, ProtocolError, decode_revert, revert_data, signature

TX_CAP = 16_777_216  # EIP-7825: no transaction may ask for more gas


@dataclass(frozen=True)
class Signer:
    """An account the session sends from: a local key, or (``key`` None) one the node unlocked."""

    address: str
    key: LocalAccount | None = field(default=None, repr=False)

    @classmethod
    def from_key(cls, private_key: str) -> Signer:
        account = Account.from_key(private_key)
        return cls(account.address, account)


@dataclass(frozen=True)
class Event:
    name: str
    address: str
    args: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.args[key]


@dataclass
class Receipt:
    """A mined transaction: its hash, block, gas and decoded events."""

    tx: str
    block: int
    gas_used: int
    status: int
    contract_address: str | None
    events: list[Event]
    raw: Any = field(repr=False, default=None)

    def event(self, name: str) -> list[Event]:
        """Every event ``name`` the transaction emitted, in log order."""
        return [e for e in self.events if e.name == name]

    @property
    def event_names(self) -> list[str]:
        return [e.name for e in self.events]


@lru_cache(maxsize=None)
def _event_abis() -> dict[bytes, list[dict]]:
    table: dict[bytes, list[dict]] = {}
    seen = set()
    for _name, abi in artifacts.all_abis():
        for element in abi:
            if element.get("type") != "event" or element.get("anonymous"):
                continue
            indexed = tuple(bool(p.get("indexed")) for p in element["inputs"])
            key = (signature(element), indexed)
            if key not in seen:
                seen.add(key)
                table.setdefault(keccak(text=signature(element)), []).append(element)
    return table


class Handle:
    """A deployed contract: ``call.method(args)`` reads, ``send.method(args, sender=...)`` writes,
    ``fn.method(args)`` is the bare web3 ``ContractFunction`` (for encoding, batches)."""

    deploy_receipt: Receipt | None = None  # set by ``Chain.deploy``

    def __init__(self, chain: Chain, name: str, address: str, abi: Iterable[dict] | None = None):
        self.chain = chain
        self.name = name
        self.address = Web3.to_checksum_address(address)
        self.abi = list(abi) if abi is not None else artifacts.load(name).abi
        self.contract = chain.w3.eth.contract(address=self.address, abi=self.abi)
        self.call = _Calls(self)
        self.send = _Sends(self)
        self.fn = self.contract.functions

    def __repr__(self) -> str:
        return f"<{self.name} {self.address}>"

    def __str__(self) -> str:
        return self.address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Handle) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)


class _Calls:
    def __init__(self, handle: Handle):
        self._handle = handle

    def __getattr__(self, method: str) -> Callable[..., Any]:
        handle = self._handle
        function = getattr(handle.contract.functions, method)

        def call(*args: Any, block: Any = "latest", sender: Any = None) -> Any:
            bound = function(*_plain(args))
            return _named_outputs(bound.abi, handle.chain.call(bound, block=block, sender=sender))

        return call


class _Sends:
    def __init__(self, handle: Handle):
        self._handle = handle

    def __getattr__(self, method: str) -> Callable[..., Receipt]:
        handle = self._handle
        function = getattr(handle.contract.functions, method)

        def send(*args: Any, sender: Any = None, value: int = 0, gas: int | None = None, **options: Any) -> Receipt:
            return handle.chain.send(function(*_plain(args)), sender=sender, value=value, gas=gas, **options)

        return send


@lru_cache(maxsize=None)
def _struct(name: str, fields: tuple[str, ...]) -> type:
    return namedtuple(name, fields)  # type: ignore[misc]


def _named(value: Any, param: dict) -> Any:
    """A struct (ABI tuple) as a named tuple (``state.healthFactor``), recursively; arrays of
    structs as lists of them."""
    kind = param["type"]
    if not kind.startswith("tuple"):
        return value
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_named(v, inner) for v in value]
    components = param["components"]
    name = param.get("internalType", "").replace("struct ", "").split(".")[-1].split("[")[0]
    struct = _struct(name if name.isidentifier() else "Struct", tuple(c["name"] for c in components))
    return struct(*(_named(v, c) for v, c in zip(value, components)))


def _named_outputs(abi: dict, result: Any) -> Any:
    outputs = abi.get("outputs", [])
    if len(outputs) == 1:
        return _named(result, outputs[0])
    values = [_named(v, o) for v, o in zip(result, outputs)]
    names = tuple(o.get("name") or "" for o in outputs)
    if all(names) and len(set(names)) == len(names):  # a public getter's named fields
        return _struct(abi["name"], names)(*values)
    return tuple(values)


def _plain(args: Iterable[Any]) -> list[Any]:
    """Arguments as web3 wants them: handles and accounts by address."""
    out = []
    for a in args:
        if isinstance(a, (list, tuple)):
            out.append(type(a)(_plain(a)) if isinstance(a, list) else tuple(_plain(a)))
        elif isinstance(a, (Handle, Signer)) or (hasattr(a, "address") and isinstance(a.address, str)):
            out.append(a.address)
        else:
            out.append(a)
    return out


def address_of(who: Any) -> str:
    """The checksum address of an address string, a ``Signer``, a ``Handle`` or any object
    with an ``address`` (a framework's account or contract)."""
    address = getattr(who, "address", who)
    if not isinstance(address, str) or not Web3.is_address(address):
        raise HarnessError(f"{who!r} is not an address")
    return Web3.to_checksum_address(address)


class Chain:
    """One chain, one default signer, any number of other senders (local keys or unlocked)."""

    def __init__(self, w3: Web3, signer: Signer | None = None, *, receipt_timeout: float = 120.0):
        self.w3 = w3
        self.signer = signer
        self.receipt_timeout = receipt_timeout
        self._keys: dict[str, Signer] = {}
        if signer is not None and signer.key is not None:
            self._keys[signer.address] = signer

    # ------------------------------------------------------------------ identity
    @cached_property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def unlocked(self) -> list[str]:
        """The node's unlocked accounts (a dev node's; a public RPC has none)."""
        return [Web3.to_checksum_address(a) for a in self.w3.eth.accounts]

    def add_key(self, private_key: str) -> Signer:
        """Make a local key a sender of this session."""
        signer = Signer.from_key(private_key)
        self._keys[signer.address] = signer
        return signer

    def local_key(self, address: str) -> Signer | None:
        """The session's ``Signer`` with a local key for ``address``, if it holds one."""
        return self._keys.get(address)

    def signer_for(self, who: Any = None) -> Signer:
        """The ``Signer`` for ``who`` (default: the session's): its local key if the session holds
        one, else the node signs (the account must be unlocked there)."""
        if who is None:
            if self.signer is None:
                raise HarnessError("no signer: give this session a key or an unlocked account")
            return self.signer
        if isinstance(who, Signer):
            return who
        address = address_of(who)
        return self._keys.get(address) or Signer(address)

    def actors(self, n: int, funding: int = 10**18) -> list[Signer]:
        """``n`` senders, the session's signer first: the node's other unlocked accounts, then
        (on a chain without enough of them) fresh local keys, each sent ``funding`` wei of gas
        money by the signer."""
        first = self.signer_for(None)
        others = [Signer(a) for a in self.unlocked() if a != first.address][: n - 1]
        while len(others) < n - 1:
            signer = self.add_key(Account.create().key.hex())
            self.transfer(signer, funding)
            others.append(signer)
        return [first, *others]

    # ------------------------------------------------------------------ contracts
    def contract(self, name: str, address: str) -> Handle:
        """The deployed contract ``name`` (its compiled ABI) at ``address``."""
        return Handle(self, name, address)

    def deploy(self, name: str, *args: Any, sender: Any = None) -> Handle:
        """Deploy contract ``name`` from its compiled artifact; returns its handle."""
        artifact = artifacts.load(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*_plain(args)).data_in_transaction
        receipt = self.transact({"data": data}, sender=sender)
        handle = Handle(self, name, receipt.contract_address, artifact.abi)
        handle.deploy_receipt = receipt
        return handle

    # ------------------------------------------------------------------ reads
    def call(self, function: ContractFunction, block: Any = "latest", sender: Any = None) -> Any:
        """Read ``function``; a revert raises ``ProtocolError``."""
        params = {"from": address_of(sender)} if sender is not None else {}
        try:
            return function.call(params, block_identifier=block)
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise decode_revert(data) from None

    # ------------------------------------------------------------------ writes
    def send(
        self,
        function: ContractFunction,
        *,
        sender: Any = None,
        value: int = 0,
        gas: int | None = None,
        broadcast_reverts: bool = False,
    ) -> Receipt:
        """Send ``function`` as a transaction and wait for its receipt.

        The gas limit is the estimate plus a margin, capped at ``TX_CAP``. A transaction whose
        estimate reverts raises ``ProtocolError`` without being sent, unless
        ``broadcast_reverts``: then it is sent anyway with the cap as its limit (as a keeper
        racing another keeper does), and the on-chain revert raises ``ProtocolError`` with the
        transaction's hash."""
        tx = {"to": function.address, "data": function._encode_transaction_data(), "value": value}
        return self.transact(tx, sender=sender, gas=gas, broadcast_reverts=broadcast_reverts)

    def transact(
        self, tx: dict[str, Any], *, sender: Any = None, gas: int | None = None, broadcast_reverts: bool = False
    ) -> Receipt:
        """Send a raw transaction dict (``to``, ``data``, ``value``); see ``send``."""
        signer = self.signer_for(sender)
        tx = {"value": 0, **tx, "from": signer.address}
        known_revert: ProtocolError | None = None
        if gas is None:
            try:
                gas = min(TX_CAP, self.w3.eth.estimate_gas(tx) * 6 // 5 + 20_000)
            except Exception as exc:
                data = revert_data(exc)
                if data is None:
                    raise
                known_revert = decode_revert(data)
                if not broadcast_reverts:
                    raise known_revert from None
                gas = TX_CAP
        tx["gas"] = gas
        tx["gasPrice"] = self.gas_price()
        if signer.key is not None:
            tx["nonce"] = self.w3.eth.get_transaction_count(signer.address, "pending")
            tx["chainId"] = self.chain_id
            raw = signer.key.sign_transaction(tx).raw_transaction
            tx_hash = self.w3.eth.send_raw_transaction(raw)
        else:
            tx_hash = self.w3.eth.send_transaction(tx)
        receipt = self.wait(tx_hash)
        if receipt.status == 0:
            error = known_revert or self._replay(tx, receipt.block)
            error.tx = receipt.tx
            raise error
        return receipt

    def gas_price(self) -> int:
        return int(self.w3.eth.gas_price)

    def wait(self, tx_hash: Any) -> Receipt:
        """The receipt of ``tx_hash``, events decoded."""
        try:
            raw = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout, poll_latency=0.02)
        except TimeExhausted:
            raise HarnessError(
                f"transaction {Web3.to_hex(tx_hash)} not mined after {self.receipt_timeout:.0f} s "
                "(is the node mining? automine off?)"
            ) from None
        return self.receipt(raw)

    def receipt(self, raw: Any) -> Receipt:
        """A ``Receipt`` from a web3 receipt (or its JSON-RPC dict)."""
        get = raw.get if hasattr(raw, "get") else lambda k, d=None: getattr(raw, k, d)
        logs = get("logs") or []
        return Receipt(
            tx=tx_hash if isinstance(tx_hash := get("transactionHash"), str) else Web3.to_hex(tx_hash),
            block=int(get("blockNumber"), 16) if isinstance(get("blockNumber"), str) else int(get("blockNumber")),
            gas_used=int(get("gasUsed"), 16) if isinstance(get("gasUsed"), str) else int(get("gasUsed")),
            status=int(get("status"), 16) if isinstance(get("status"), str) else int(get("status")),
            contract_address=get("contractAddress"),
            events=self.decode_logs(logs),
            raw=raw,
        )

    def decode_logs(self, logs: Iterable[Any]) -> list[Event]:
        events = []
        for log in logs:
            topics = log["topics"]
            if not topics:
                continue
            topic0 = bytes(Web3.to_bytes(hexstr=topics[0]) if isinstance(topics[0], str) else topics[0])
            for abi in _event_abis().get(topic0, []):
                try:
                    decoded = get_event_data(self.w3.codec, abi, _log_dict(log))
                except Exception:  # same signature, another indexed layout: try the next
                    continue
                events.append(Event(decoded["event"], decoded["address"], dict(decoded["args"])))
                break
        return events

    def _replay(self, tx: dict[str, Any], block: int) -> ProtocolError:
        """Why a mined transaction reverted: the same call on the state before its block."""
        call = {k: tx[k] for k in ("from", "to", "data", "value", "gas") if k in tx}
        try:
            self.w3.eth.call(call, block_identifier=max(block - 1, 0))
        except Exception as exc:
            data = revert_data(exc)
            if data is not None:
                return decode_revert(data)
        return ProtocolError("Revert", ())

    def transfer(self, to: Any, wei: int, sender: Any = None) -> Receipt:
        """Send ``wei`` of the chain's coin."""
        return self.transact({"to": address_of(to), "value": int(wei)}, sender=sender, gas=21_000)

    def balance(self, who: Any) -> int:
        return int(self.w3.eth.get_balance(address_of(who)))

    # ------------------------------------------------------------------ time (dev nodes)
    def time(self) -> int:
        """The latest block's timestamp."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def sleep(self, seconds: int) -> None:
        """Move the node's clock ``seconds`` ahead (effective from the next block)."""
        self.rpc("evm_increaseTime", [int(seconds)])

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.rpc("evm_mine", [])

    def snapshot(self) -> str:
        return self.rpc("evm_snapshot", [])

    def revert(self, snapshot_id: str) -> None:
        self.rpc("evm_revert", [snapshot_id])

    def rpc(self, method: str, params: list[Any]) -> Any:
        """A raw JSON-RPC request; an error answer raises ``HarnessError``."""
        response = self.w3.provider.make_request(method, params)
        if "error" in response:
            raise HarnessError(f"{method}: {response['error'].get('message', response['error'])}")
        return response.get("result")


def _log_dict(log: Any) -> dict[str, Any]:
    """A log in the form web3's decoder expects (bytes topics and data)."""
    topics = [bytes(Web3.to_bytes(hexstr=t)) if isinstance(t, str) else bytes(t) for t in log["topics"]]
    data = log["data"]
    data = bytes(Web3.to_bytes(hexstr=data)) if isinstance(data, str) else bytes(data)
    return {
        "address": Web3.to_checksum_address(log["address"]),
        "topics": topics,
        "data": data,
        "logIndex": log.get("logIndex", 0) if hasattr(log, "get") else 0,
        "transactionIndex": log.get("transactionIndex", 0) if hasattr(log, "get") else 0,
        "transactionHash": log.get("transactionHash", b"") if hasattr(log, "get") else b"",
        "blockHash": log.get("blockHash", b"") if hasattr(log, "get") else b"",
        "blockNumber": log.get("blockNumber", 0) if hasattr(log, "get") else 0,
    }
