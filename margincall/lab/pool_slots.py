"""An account's books read raw from the pool's storage, many accounts in one ``eth_call``.

``LendingPool.extSloads(bytes32[])`` answers the words at any storage slots; with the slots of
``normalizedDebtOf[account]`` and ``_balances[account][asset]`` (the layout of
``contracts/libraries/PoolSlots.sol``, which tests/forge/PoolSlots.t.sol pins) one call reads the
holdings of a thousand accounts where the pool's getters take one call per account and asset.
``PoolSlotReader.check`` compares the two ways on one account before a run trusts the slots.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from eth_utils import keccak

from ..errors import HarnessError

NORMALIZED_DEBT = 5  # PoolSlots.NORMALIZED_DEBT: mapping(address => uint256) normalizedDebtOf
BALANCES = 7  # PoolSlots.BALANCES: mapping(address => mapping(address => uint256)) _balances
SLOTS_PER_CALL = 3_000  # ~2,100 gas a cold slot: ~6.3M gas a call, inside any node's eth_call gas
_SELECTOR = keccak(text="extSloads(bytes32[])")[:4].hex()


def _entry(base: bytes, key: str) -> bytes:
    """The slot of ``mapping[key]`` for the mapping at slot ``base`` (32 bytes)."""
    return keccak(bytes.fromhex(key[2:].lower().rjust(64, "0")) + base)


class PoolSlotReader:
    """Each account's normalized debt and its amount of every token of ``tokens``, read through
    ``pool.extSloads``. ``eth_calls`` is ``Bulk.eth_calls`` (the answers of (to, calldata) pairs)."""

    def __init__(self, pool: str, tokens: Sequence[str], eth_calls: Callable[[list[tuple[str, str]]], list[Any]]):
        self.pool, self.tokens, self.eth_calls = pool, list(tokens), eth_calls
        self._slots: dict[str, list[str]] = {}  # account → its slots, hex (a touched account comes back)

    def slots(self, account: str) -> list[str]:
        """``normalizedDebtOf[account]`` then ``_balances[account][token]`` for each token, hex."""
        found = self._slots.get(account)
        if found is None:
            debt = _entry(NORMALIZED_DEBT.to_bytes(32, "big"), account)
            inner = _entry(BALANCES.to_bytes(32, "big"), account)
            found = [debt.hex()] + [_entry(inner, token).hex() for token in self.tokens]
            self._slots[account] = found
        return found

    def calls(self, accounts: Sequence[str]) -> list[tuple[str, str]]:
        """The ``extSloads`` calls reading ``accounts``' books, ``SLOTS_PER_CALL`` slots a call."""
        words = [w for a in accounts for w in self.slots(a)]
        calls = []
        for start in range(0, len(words), SLOTS_PER_CALL):
            chunk = words[start : start + SLOTS_PER_CALL]
            head = f"{32:064x}{len(chunk):064x}"
            calls.append((self.pool, "0x" + _SELECTOR + head + "".join(w.rjust(64, "0") for w in chunk)))
        return calls

    def decode(self, answers: Sequence[Any], accounts: Sequence[str]) -> dict[str, tuple[int, dict[str, int]]]:
        """account → (normalized debt, token → amount) from the answers of ``calls(accounts)``."""
        words: list[int] = []
        for answer in answers:
            if isinstance(answer, Exception):
                raise HarnessError(f"the pool's storage read (extSloads) failed: {answer}")
            data = bytes.fromhex(answer[2:])
            count = int.from_bytes(data[32:64], "big")
            words += [int.from_bytes(data[i : i + 32], "big") for i in range(64, 64 + 32 * count, 32)]
        width = 1 + len(self.tokens)
        if len(words) != width * len(accounts):
            raise HarnessError(f"extSloads answered {len(words)} words for {width * len(accounts)} slots")
        return {
            a: (words[k * width], dict(zip(self.tokens, words[k * width + 1 : (k + 1) * width])))
            for k, a in enumerate(accounts)
        }

    def check(self, account: str, normalized: int, held: dict[str, int]) -> None:
        """The slots read ``account``'s books as the pool's getters answer them (``normalized``,
        ``held``: token → amount); a difference means the pool's storage layout moved."""
        read = self.decode(self.eth_calls(self.calls([account])), [account])[account]
        if read != (normalized, {t: held[t] for t in self.tokens}):
            raise HarnessError(
                f"the pool's storage layout moved: the slots of {account} read {read}, its getters "
                f"{(normalized, held)} (margincall/lab/pool_slots.py follows contracts/libraries/PoolSlots.sol)"
            )
