"""Reverts decoded by name, and the one-line errors of the harness.

Plain web3.py raises ``ContractCustomError`` with the raw revert data; the harness decodes it
against every compiled ABI (``artifacts.all_abis``) into ``ProtocolError(name, args)``, so a
keeper can tell ``NotLiquidatable`` from ``MarginCallAlreadyLive`` and a user reads a name,
not a hex string.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak

from . import artifacts


class HarnessError(RuntimeError):
    """A problem the user can fix, said in one line (the CLI prints it as ``Error: ...``)."""


class ProtocolError(Exception):
    """A transaction or call that reverted with a named error of the protocol.

    ``name`` is the error's name (``"NotLiquidatable"``; ``"Error"`` for a require string,
    ``"Panic"`` for a panic code, ``"Revert"`` when there was no data); ``args`` its decoded
    arguments; ``tx`` the hash when a transaction was mined (reverted on-chain)."""

    def __init__(self, name: str, args: tuple = (), tx: str | None = None, data: str = ""):
        self.name, self.args_, self.tx, self.data = name, tuple(args), tx, data
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``"Name: arg1, arg2"`` (Brownie's form, which tests and keepers compare against)."""
        return f"{self.name}: " + ", ".join(_show(a) for a in self.args_)

    def __repr__(self) -> str:
        return f"ProtocolError({self.name!r}, {self.args_!r}, tx={self.tx!r})"


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _type(param: dict) -> str:
    """The canonical ABI type of a parameter (tuples spelled out)."""
    kind = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def signature(element: dict) -> str:
    return f"{element['name']}({','.join(_type(p) for p in element.get('inputs', []))})"


@lru_cache(maxsize=None)
def _errors() -> dict[bytes, tuple[str, tuple[str, ...]]]:
    table = {
        keccak(text="Error(string)")[:4]: ("Error", ("string",)),
        keccak(text="Panic(uint256)")[:4]: ("Panic", ("uint256",)),
    }
    for _name, abi in artifacts.all_abis():
        for element in abi:
            if element.get("type") == "error":
                types = tuple(_type(p) for p in element.get("inputs", []))
                table.setdefault(keccak(text=signature(element))[:4], (element["name"], types))
    return table


def decode_revert(data: str | bytes | None, tx: str | None = None) -> ProtocolError:
    """The named error of revert ``data`` (``Revert`` for none, ``UnknownError`` for a selector
    no compiled ABI declares)."""
    if isinstance(data, str):
        data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
    if not data:
        return ProtocolError("Revert", (), tx)
    known = _errors().get(data[:4])
    if known is None:
        return ProtocolError("UnknownError", ("0x" + data.hex(),), tx, "0x" + data.hex())
    name, types = known
    try:
        values = abi_decode(list(types), data[4:]) if types else ()
    except Exception:  # malformed data behind a known selector: keep the raw bytes
        values = ("0x" + data[4:].hex(),)
    return ProtocolError(name, tuple(values), tx, "0x" + data.hex())


def revert_data(exc: BaseException) -> str | None:
    """The revert data a web3 exception carries (a custom error's, a require's), or None when
    the exception is not a revert (a dead RPC, a bad argument)."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return data
    response = getattr(exc, "rpc_response", None)
    if isinstance(response, dict):
        error = response.get("error") or {}
        data = error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return data
        if "revert" in str(error.get("message", "")).lower():
            return "0x"
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, dict):
            inner = arg.get("data")
            if isinstance(inner, str) and inner.startswith("0x"):
                return inner
            if "revert" in str(arg.get("message", "")).lower():
                return "0x"
    return None
