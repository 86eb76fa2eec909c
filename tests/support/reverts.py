"""Reverts and events as plain values: the exact revert string Brownie 1.22 gives a custom
error, ``brownie.reverts`` that also asserts nothing moved (the pool's whole state, or chosen
views), and Brownie's return values and events as plain Python values."""

from __future__ import annotations

from contextlib import contextmanager

import brownie
from brownie import web3


def _show(arg) -> str:
    """One argument as Brownie prints it: addresses (contracts, accounts, hex strings) in lower
    case, integers (``Wei``, enums) as decimal integers."""
    address = getattr(arg, "address", None)
    if address is not None:
        return str(address).lower()
    text = str(arg)
    if text.startswith("0x") and len(text) == 42:
        return text.lower()
    if isinstance(arg, int) and not isinstance(arg, bool):
        return str(int(arg))
    return text


def err(name: str, *args) -> str:
    """The revert message Brownie 1.22 gives custom error ``Name(a, b)``: ``"Name: a, b"``
    (``"Name: "`` without arguments)."""
    return f"{name}: " + ", ".join(_show(a) for a in args)


# ---------------------------------------------------------------- "a revert changes nothing"
POOL_SCALARS = (
    "cash",
    "supplierAssets",
    "reserves",
    "totalSupplyShares",
    "borrowIndex",
    "lastAccrual",
    "totalNormalizedDebt",
    "debtInAuction",
)


def _w3(contract):
    """A plain web3 contract for ``contract`` (Brownie object), for batched reads."""
    return web3.eth.contract(address=contract.address, abi=contract.abi)


def pool_state(market, accounts, tokens=(), collaterals: bool = True) -> dict:
    """Every balance and book a pool action could move, for the given accounts (one batched
    JSON-RPC round trip); ``collaterals=False`` leaves the market's collateral tokens out."""
    pool = _w3(market.pool).functions
    listed = [a.token for a in market.collaterals.values()] if collaterals else []
    all_tokens = [market.base.token, *listed, *tokens]
    held_tokens = [str(t) for t in all_tokens if t != market.base.token]
    holders = [market.pool.address, *(str(a) for a in accounts)]
    reads = [(name, getattr(pool, name)()) for name in POOL_SCALARS]
    for t in all_tokens:
        fns = _w3(t).functions
        reads += [(("balance", str(t), who), fns.balanceOf(who)) for who in holders]
    reads += [(("totalCollateral", t), pool.totalCollateral(t)) for t in held_tokens]
    for who in map(str, accounts):
        reads += [
            (("shares", who), pool.supplySharesOf(who)),
            (("normalizedDebt", who), pool.normalizedDebtOf(who)),
            (("assetsIn", who), pool.assetsIn(who)),
            (("callDeadline", who), pool.marginCallDeadline(who)),
            (("debtInAuction", who), pool.debtInAuctionOf(who)),
            (("liveAuctions", who), pool.liveAuctions(who)),
        ]
        reads += [(("collateral", t, who), pool.collateralOf(who, t)) for t in held_tokens]
    with web3.batch_requests() as batch:
        for _, fn in reads:
            batch.add(fn)
        values = batch.execute()
    return {key: value for (key, _), value in zip(reads, values)}


@contextmanager
def reverts_unchanged(market, message: str, *accounts, tokens=()):
    """``brownie.reverts(message)`` (exact text) that also asserts no balance or book of the
    pool moved (``pool_state`` for the given accounts and extra tokens)."""
    before = pool_state(market, accounts, tokens)
    with brownie.reverts(message):
        yield
    after = pool_state(market, accounts, tokens)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a reverted call changed state: {changed}"


@contextmanager
def reverts_views_unchanged(message: str, *views):
    """``brownie.reverts(message)`` (exact text); every ``view()`` must read the same afterwards
    (for contracts other than the pool: config, oracle, lock)."""
    before = [plain(v()) for v in views]
    with brownie.reverts(message):
        yield
    after = [plain(v()) for v in views]
    assert after == before, "state changed although the call reverted"


# ---------------------------------------------------------------- values and events
def plain(value):
    """Brownie values (ReturnValue, Wei, EthAddress, Contract, Account) as plain Python values:
    tuples of ints, bools and strings (addresses checksummed), so they compare with ``==``."""
    address = getattr(value, "address", None)
    if address is not None:
        return str(address)
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)


def event(tx, name: str, index: int = 0) -> tuple:
    """The values of ``tx``'s ``index``-th ``name`` event, as ``plain`` values."""
    return plain(list(tx.events[name][index].values()))


def events(tx, name: str) -> list[dict]:
    """Every ``name`` event of ``tx`` (none: an empty list), as dicts."""
    return [dict(e) for e in tx.events[name]] if name in tx.events else []
