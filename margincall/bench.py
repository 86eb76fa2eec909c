"""``margincall bench throughput``: the fast path's sustained rate against the chain's raw ceiling.

In one run, on one chain (a private Anvil unless ``--rpc-url``):

1. set-up (timed, not part of the ratio): the demo market, 10,000,000 USDC supplied, ``n``
   borrower addresses (impersonated: Anvil signs for them), each given ETH, WETH and the pool's
   allowance through the bulk path;
2. **raw ceiling**: ``2n`` plain ETH transfers between those addresses through the same path
   (JSON-RPC batches, automine off, ``evm_mine`` per block, receipts per block);
3. **protocol**: ``depositCollateral`` + ``borrow`` for each of the ``n`` addresses (``2n``
   transactions), every receipt checked.

The two alternate in rounds of a few blocks (transfers, then protocol, then transfers...), so
that a machine shared with other work loads both alike; each rate is its transactions over
its total time.

The ratio protocol rate / ceiling is what DESIGN.md 12 asks to be at least 0.6. Everything is
written to a JSON report.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .bulk import Bulk, Encoder, Tx, addresses
from .chain import fund
from .deploy import Market, deploy_market
from .session import Chain
from .status import AccountStatus

ETH, USDC = 10**18, 10**6
DEPOSIT, DEBT = 1 * ETH, 1_100 * USDC  # per borrower: HF (3,000 x 0.85) / 1,100 = 2.3
GAS = {"transfer": 21_000, "mint": 90_000, "approve": 60_000, "depositCollateral": 220_000, "borrow": 450_000}


@dataclass
class Throughput:
    accounts: int
    transactions: int  # per measured phase
    per_block: int  # transactions per mined block
    raw_rounds_tps: list[float]  # each round of transfers (the spread shows the machine's load)
    raw_ceiling_tps: float  # all transfers / their total time
    protocol_tps: float
    ratio: float
    setup_seconds: float
    target_ratio: float = 0.6

    def as_json(self) -> dict:
        return asdict(self)


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


PER_BLOCK = 100  # [transfers per block] of the raw ceiling's tight loop (DESIGN.md 12: the bench's ceiling)

def transfers(senders: list[str], count: int) -> list[Tx]:
    """``count`` plain 1-wei ETH transfers around the ring of ``senders``: the raw ceiling's load."""
    n = len(senders)
    return [Tx(senders[i % n], senders[(i + 1) % n], "0x", GAS["transfer"], 1) for i in range(count)]


def raw_ceiling(
    bulk: Bulk, count: int, senders: int = 200, seed: str = "raw-ceiling", receipts: bool = True
) -> tuple[float, list[float]]:
    """The chain's raw ceiling through ``bulk`` (its blocks of ``per_block``): ``count`` transfers
    between ``senders`` fresh impersonated addresses, in rounds of four blocks. Returns the rate
    over their total time and each round's rate (the spread shows the machine's load).

    ``receipts`` False measures the way a mass set-up sends (``Bulk.run(..., receipts=False)``):
    blocks mined until the pool is empty, nothing read back; every transfer is then checked by
    its sender's nonce (outside the timed rounds)."""
    ring = addresses(senders, seed=seed)
    bulk.impersonate_all()
    bulk.set_balances(ring, 10 * ETH)
    before = bulk.request([("eth_getTransactionCount", [a, "latest"]) for a in ring])
    load, round_size = transfers(ring, count), bulk.per_block * 4
    seconds, rounds = 0.0, []
    for start in range(0, count, round_size):
        chunk = load[start : start + round_size]
        spent = _timed(lambda: bulk.run(chunk, receipts=receipts))
        seconds += spent
        rounds.append(len(chunk) / spent)
    after = bulk.request([("eth_getTransactionCount", [a, "latest"]) for a in ring])
    sent = [sum(1 for tx in load if tx.sender == a) for a in ring]
    if any(int(b, 16) + n != int(a, 16) for b, a, n in zip(before, after, sent)):
        raise RuntimeError("raw ceiling: not every transfer was mined")
    return count / seconds, rounds


def measure(
    chain: Chain, n: int = 1000, batch_size: int = 1000, per_block: int = PER_BLOCK, say: Callable[[str], object] = print
) -> Throughput:
    """Run the three phases on ``chain`` (its signer deploys; Anvil) and return the figures."""
    start = time.perf_counter()
    market = deploy_market(chain)
    supplier = chain.signer_for(None)
    fund(market.base.token, supplier, 10_000_000 * USDC, market.pool)
    market.pool.send.supply(10_000_000 * USDC, supplier, sender=supplier)
    borrowers = addresses(n)
    weth = market.collaterals["WETH"].token
    mint, approve = Encoder(weth, "mint"), Encoder(weth, "approve")
    deposit, borrow = Encoder(market.pool, "depositCollateral"), Encoder(market.pool, "borrow")
    with Bulk(chain, batch_size=batch_size, per_block=per_block) as bulk:
        bulk.impersonate_all()
        bulk.set_balances(borrowers, 10 * ETH)
        bulk.run(
            [Tx(a, weth.address, mint(a, DEPOSIT), GAS["mint"]) for a in borrowers]
            + [Tx(a, weth.address, approve(market.pool.address, DEPOSIT), GAS["approve"]) for a in borrowers]
        )
        setup = time.perf_counter() - start
        say(f"set-up: demo market and {n} borrowers funded in {setup:.1f} s")

        load = transfers(borrowers, 2 * n)
        protocol = [Tx(a, market.pool.address, deposit(weth.address, DEPOSIT, a), GAS["depositCollateral"]) for a in borrowers]
        protocol += [Tx(a, market.pool.address, borrow(DEBT, a), GAS["borrow"]) for a in borrowers]
        # the two kinds alternate, a few blocks each, so that both see the same machine load
        round_size = per_block * 4
        raw_time = protocol_time = 0.0
        raw_rounds: list[float] = []
        for start in range(0, 2 * n, round_size):
            raw_chunk, protocol_chunk = load[start : start + round_size], protocol[start : start + round_size]
            spent = _timed(lambda: bulk.run(raw_chunk))
            raw_time += spent
            raw_rounds.append(len(raw_chunk) / spent)
            protocol_time += _timed(lambda: bulk.run(protocol_chunk))
        raw_tps, protocol_tps = 2 * n / raw_time, 2 * n / protocol_time
        say(f"raw ceiling: {2 * n} ETH transfers at {raw_tps:,.0f} tx/s")
        say(f"protocol: {n} depositCollateral + {n} borrow at {protocol_tps:,.0f} tx/s")
    _check_positions(market, borrowers)
    return Throughput(n, 2 * n, per_block, raw_rounds, raw_tps, protocol_tps, protocol_tps / raw_tps, setup)


def _check_positions(market: Market, borrowers: list[str]) -> None:
    """Every borrower holds its position (read back through PoolLens, 500 at a time)."""
    for i in range(0, len(borrowers), 500):
        states, _ = market.lens.call.accounts(borrowers[i : i + 500])
        for account, s in zip(borrowers[i : i + 500], states):
            if s.debt < DEBT or AccountStatus(s.status) is not AccountStatus.Healthy:
                raise RuntimeError(f"bench: {account} has debt {s.debt}, status {s.status} after the protocol phase")


def write_report(result: Throughput, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_json(), indent=2) + "\n")
    return path
