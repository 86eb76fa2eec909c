"""black-thursday: the ETH crash of 12-13 March 2020 on 200+ leveraged accounts, keepers slowed
by congestion and some absent, under the Dutch auction and under the fixed-spread baseline.

The price path goes through the reported waypoints of ``margincall/lab/data/black-thursday-2020.json``
(about −35 % in 30 minutes from 10:00 UTC, then a second leg overnight to the reported low),
rescaled to each collateral's starting price: every collateral follows ETH's relative moves (a
stylised, fully correlated crash; the data file says which figures are reported and which are
approximate). Keepers' transactions land after the reported average confirmation time of the day
(44 minutes, ``--keeper-delay`` to change it); half of the keepers are absent.
"""

from __future__ import annotations

import random
from decimal import Decimal

from ...units import from_units
from ..congestion import CongestedKeepers
from ..engine import Lab, RunOptions
from ..paths import black_thursday
from ..population import Leverage, draw_positions
from ._common import lend_and_insure

NAME = "black-thursday"
DESCRIPTION = "The 2020 ETH crash on 200+ accounts, congested and absent keepers, Dutch auction vs fixed spread."
DEFAULT_ACCOUNTS = 200
MECHANISMS = ("dutch", "fixed-spread")
COMPARISON = [
    "The same accounts, price path and keeper behaviour, replayed once under the protocol's Dutch auction and once "
    "under the fixed-spread baseline (a lab contract: liquidation at the oracle price less the asset's penalty, close "
    "factor 50 %). Model outcomes depend on the stylised assumptions; they are reported, not asserted."
]
STEP = 300  # [seconds] one simulated step: prices move, keepers look, due transactions land
TAIL = 4 * 3600  # [seconds] the run goes on this long after the path's last waypoint
KEEPERS = 4
ABSENT = 0.5  # share of keepers that never show up
CAPACITY = 30  # transactions each keeper gets into the chain per step


def run(lab: Lab, options: RunOptions) -> None:
    rec, base = lab.recorder, lab.market.base
    replay = black_thursday()
    n = options.accounts or DEFAULT_ACCOUNTS
    delay = replay.confirmation_delay if options.keeper_delay is None else options.keeper_delay
    rng = random.Random(options.seed)
    present = [True] + [rng.random() >= ABSENT for _ in range(KEEPERS - 1)]  # at least one shows up
    with rec.phase("setup"):
        lend_and_insure(lab, supply=50_000_000, insurance=250_000)
        paths = {s: replay.path.rescaled(lab.price(s)) for s in lab.market.collaterals}
        positions = draw_positions(
            options.seed, n, lab.collateral_terms(), base.decimals, dust=lab.market.spec.market_tuple()[6],
            leverage=Leverage(alpha=6, beta=2),
        )  # fmt: skip
        lab.populate(positions)
        signers = lab.actors(KEEPERS)
        spender = lab.market.liquidator
        for keeper in signers:  # keepers are also the takers: they hold capital
            lab.mint(base.token, keeper, lab.base_units(20_000_000), spender)
        keepers = CongestedKeepers(lab, signers, present, delay, CAPACITY, rec.mechanism)
        rec.params.update(
            {"keepers": KEEPERS, "keepersPresent": sum(present), "keeperDelay": delay, "capacityPerStep": CAPACITY,
             "step": STEP, "pathFrom": "margincall/lab/data/black-thursday-2020.json"}
        )  # fmt: skip
        lab.sample()
    with rec.phase("simulation"):
        end = replay.path.duration + TAIL
        task = lab.progress.add_task(f"replaying ({rec.mechanism})", total=end) if lab.progress else None
        t = 0
        while t < end:
            lab.advance(STEP, refresh_feeds=False)
            t += STEP
            for symbol, path in paths.items():
                lab.set_price(symbol, path.price_at(t))
            lab.refresh_feeds(skip=tuple(paths))  # the base feed keeps posting
            keepers.land()
            keepers.observe(lab.sample())
            if task is not None:
                lab.progress.update(task, completed=t)
    t = rec.totals = lab.totals(
        keepersPresent=sum(present), keeperDelay=delay, queuedAtEnd=len(keepers.queue),
        meanWait=int(sum(keepers.waits) / len(keepers.waits)) if keepers.waits else 0,
    )  # fmt: skip
    low = min(p.price_at(s) / p.prices[0] for p in paths.values() for s in p.times)

    def usd(x: int) -> str:
        return f"{from_units(x, base.decimals):,.0f} {base.symbol}"

    rec.story = [
        f"{n} accounts drawn from the leverage distribution (seed {options.seed}) rode the Black Thursday path, down "
        f"{(1 - low) * 100:.0f} % at its low. {sum(present)} of {KEEPERS} keepers showed up; each transaction landed "
        f"{delay // 60} minutes after its keeper decided, at most {CAPACITY} per keeper every {STEP // 60} minutes.",
        f"Under the {rec.mechanism} mechanism: {t['liquidations']} liquidations, {t['takes']} sales, bad debt "
        f"{usd(t['badDebt'])}, borrowers lost {usd(t['borrowerLoss'])} beyond the oracle value of what was sold, the "
        f"insurance fund paid out {usd(t['fundDrawdown'])}; {len(keepers.queue)} keeper transactions were still "
        "queued at the end.",
    ]
