"""The demo (``make demo``) as a test: it deploys its own market and checks every claim of its
story against the chain before telling it (``margincall.demo.Story.expect``), so a change that
breaks the story fails here, not in front of a newcomer. ``make test`` also runs it on Ganache."""

import pytest

from brownie import project

from margincall import demo
from tests.fixtures.market import brownie_view, core_chain


@pytest.fixture(autouse=True)
def own_chain_state(module_isolation):
    """The demo moves time and deploys its own market: its module is reverted afterwards."""


def test_the_demo_story_holds_on_chain(governor):
    market = brownie_view(project.get_loaded_projects()[0], demo.run(core_chain(governor)))
    pool = market.pool
    # the end of the story, read back: Carol called but not Liquidatable, Bob's auction sold
    assert market.liquidator.activeCount() == 0
    assert market.fund.penaltyIncome() > 0
    assert pool.realizedLosses() == 0


def test_a_story_the_chain_contradicts_stops_the_demo(market, borrower):
    story = demo.Story(market, {"Dave": borrower})
    with pytest.raises(demo.DemoError, match="Dave: status Healthy, expected Liquidatable"):
        story.expect("Dave", "Liquidatable")
    with pytest.raises(demo.DemoError, match="a live margin call|no live margin call"):
        story.expect("Dave", "Healthy", called=True)


def test_the_liquidation_reconciles_to_zero_or_the_demo_stops():
    from decimal import Decimal

    start = {"Bob": Decimal("100"), "Keeper": Decimal("0"), "Fund": Decimal("0")}
    demo._reconcile(start, {"Bob": Decimal("90"), "Keeper": Decimal("4"), "Fund": Decimal("6")})  # sums to 0
    with pytest.raises(demo.DemoError, match="the parties' changes sum to 1 USDC, not 0"):
        demo._reconcile(start, {"Bob": Decimal("91"), "Keeper": Decimal("4"), "Fund": Decimal("6")})
