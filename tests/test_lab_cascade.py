"""The cascade's steps on the chain (DESIGN.md 12 "Throughput"): a step with nothing to send only
moves time, and is read at its time without mining a block; the run decides, samples and totals
exactly as one that mines an empty block for it."""

import pytest

from margincall.lab.engine import RunOptions, ScenarioError
from margincall.lab.metrics import read_metrics
from margincall.lab.scenarios import run_scenario


def _run(tmp_path, **extra):
    name = "-".join(f"{k}-{v}" for k, v in extra.items())
    return read_metrics(run_scenario("cascade", RunOptions(seed=3, accounts=60, out=tmp_path / name, extra=extra)))


def _without_blocks(value):
    """``value`` with every ``block`` field left out (the only thing an unmined step changes)."""
    if isinstance(value, dict):
        return {k: _without_blocks(v) for k, v in value.items() if k != "block"}
    if isinstance(value, list):
        return [_without_blocks(v) for v in value]
    return value


def test_a_step_that_only_moves_time_is_read_without_a_block(tmp_path):
    mined = _run(tmp_path, oraclePosts="on-move", emptySteps="mine")
    read = _run(tmp_path, oraclePosts="on-move", emptySteps="read")
    skipped = read["throughput"]["simulationStepsUnmined"]
    assert skipped > 0 and mined["throughput"]["simulationStepsUnmined"] == 0
    # one block fewer a skipped step (the last step's, if skipped, is mined after the end read)
    blocks = mined["throughput"]["simulationChainBlocks"] - read["throughput"]["simulationChainBlocks"]
    assert blocks in (skipped, skipped - 1)
    for key in ("events", "samples", "totals", "gas", "transactions", "checks", "story"):
        assert _without_blocks(read[key]) == _without_blocks(mined[key]), key
    assert read["params"] == {**mined["params"], "emptySteps": "read"}


def test_posting_every_step_leaves_no_step_empty(tmp_path):
    every = _run(tmp_path, oraclePosts="every-step")
    on_move = _run(tmp_path, oraclePosts="on-move")
    assert every["throughput"]["simulationStepsUnmined"] == 0
    posts = [e for e in every["events"] if e["kind"] == "poke"], [e for e in on_move["events"] if e["kind"] == "poke"]
    assert len(posts[1]) < len(posts[0])  # an unchanged answer is no new round: nothing to poke
    assert every["transactions"] > on_move["transactions"]


@pytest.mark.parametrize("extra, message", [({"oraclePosts": "hourly"}, "oraclePosts must be one of"),
                                            ({"emptySteps": "skip"}, "emptySteps must be one of")])  # fmt: skip
def test_unknown_step_options_are_named(tmp_path, extra, message):
    with pytest.raises(ScenarioError, match=message):
        run_scenario("cascade", RunOptions(seed=3, accounts=4, out=tmp_path / "bad", extra=extra))
