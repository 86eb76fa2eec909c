"""Chain time set by the test, never by the wall clock (the session's clock is frozen by
``tests/fixtures/chain_clock.py``). Views run at the latest block's timestamp, so ``mine_at(t)``
makes every following view read ``block.timestamp == t``; ``next_block_at(t)`` gives the next
transaction exactly ``t`` (Anvil's ``evm_setNextBlockTimestamp``; Brownie's
``chain.mine(timestamp=...)`` is refused by Anvil)."""

from __future__ import annotations

from brownie import chain, web3

from margincall.chain import refresh_feeds


def now() -> int:
    """Timestamp of the latest block: the ``block.timestamp`` every view call sees."""
    return int(web3.eth.get_block("latest").timestamp)


def latest_block() -> tuple[int, int]:
    """(number, timestamp) of the latest block: views pinned to it are evaluated at its time."""
    block = web3.eth.get_block("latest")
    return block["number"], block["timestamp"]


def next_block_at(timestamp: int) -> None:
    """The next block (transaction) gets exactly ``timestamp`` (≥ the latest block's). Anvil
    refuses an earlier one with an error answer, not an exception: raised here."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [int(timestamp)])
    if answer.get("error"):
        raise RuntimeError(f"evm_setNextBlockTimestamp({timestamp}): {answer['error']}")


def mine_at(timestamp: int) -> int:
    """Mine an empty block at exactly ``timestamp`` (may equal the latest block's): views then run
    at that time. Returns the block number."""
    next_block_at(timestamp)
    chain.mine()
    block = web3.eth.get_block("latest")
    assert block["timestamp"] == timestamp
    return block["number"]


def mine_at_least(seconds: int) -> int:
    """Advance time by ``seconds`` and mine a block; returns the new block's timestamp."""
    chain.sleep(int(seconds))
    chain.mine()
    return web3.eth.get_block("latest")["timestamp"]


def pin_time() -> None:
    """Mines a block (so a pending ``chain.sleep`` takes effect), then gives the next block
    the same timestamp: views read now (they run at the latest block's time) return exactly
    what the next transaction will see."""
    chain.mine()
    next_block_at(chain[-1].timestamp)


def advance(market, seconds: int, refresh: bool = True) -> None:
    """Let ``seconds`` pass; by default re-post every feed so that no price goes stale."""
    chain.sleep(int(seconds))
    chain.mine()
    if refresh:
        refresh_feeds(market)


def refresh_at(market, ts: int) -> None:
    """Re-post every feed's latest answer at exactly ``ts``."""
    sender = {"from": market.config.governor()}
    for asset in [market.base, *market.collaterals.values()]:
        next_block_at(ts)
        asset.feed.setPrice(asset.feed.latestRoundData()[1], sender)
