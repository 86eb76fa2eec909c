"""The lab's scenarios at a small size, each on its own private Anvil (DESIGN.md 12).

Each run asserts its own mechanics as it goes (a ``ScenarioError`` when the chain disagrees) and
the runner checks the accounting identities of DESIGN.md 5 afterwards; here we check what the
run wrote, that the same seed gives the same metrics, and the command line's error paths.
Model outcomes (which mechanism loses less) are reported by the lab, never asserted.
"""

import json

import pytest
from typer.testing import CliRunner

from margincall.cli import app
from margincall.lab.engine import RunOptions, ScenarioError
from margincall.lab.metrics import read_metrics
from margincall.lab.report import render
from margincall.lab.scenarios import SCENARIOS, run_scenario


def run(name, tmp_path, **options):
    return run_scenario(name, RunOptions(out=tmp_path / name, **options))


def steady(metrics):
    """A run's metrics without what depends on the machine (wall time)."""
    return {k: v for k, v in metrics.items() if k not in ("wall",)}


def test_every_scenario_has_a_one_line_description():
    for name, module in SCENARIOS.items():
        assert module.NAME == name
        assert module.DESCRIPTION and "\n" not in module.DESCRIPTION


def test_margin_call_met_is_reproducible_from_its_seed(tmp_path):
    first = read_metrics(run("margin-call-met", tmp_path / "a", seed=3))
    second = read_metrics(run("margin-call-met", tmp_path / "b", seed=3))
    assert steady(first) == steady(second)
    kinds = [e["kind"] for e in first["events"]]
    assert kinds.index("call") < kinds.index("topUp")
    assert first["totals"]["liquidations"] == 0 and first["totals"]["badDebt"] == 0
    assert all(v is True for v in first["checks"].values())


def test_missed_call_kicks_to_the_target_and_the_lot_is_taken(tmp_path):
    folder = run("missed-call", tmp_path)
    m = read_metrics(folder)
    kick = next(e for e in m["events"] if e["kind"] == "kick")
    take = next(e for e in m["events"] if e["kind"] == "take")
    assert float(m["totals"]["healthFactorAfterKick"]) >= 1.25
    assert take["bought"] == kick["lot"] and take["price"] <= take["oracle"]
    assert m["totals"]["badDebt"] == 0
    assert m["gas"]["kick"]["count"] == 1 and m["gas"]["take"]["count"] == 1
    # the report renders with its plots, and again from metrics.json alone
    for png in ("prices.png", "health.png", "fund.png", "clearing.png"):
        assert (folder / png).stat().st_size > 10_000
        (folder / png).unlink()
    report = render(folder)
    assert "![clearing](clearing.png)" in report.read_text()
    assert (folder / "clearing.png").exists()


def test_stale_oracle_never_blocks_repay_and_the_backlog_clears(tmp_path):
    m = read_metrics(run("stale-oracle", tmp_path))
    refused = {(e["action"], e["error"]) for e in m["events"] if e["kind"] == "refused"}
    assert {a for a, _ in refused} == {"borrow", "withdrawCollateral", "issueMarginCall", "kick"}
    assert {e for _, e in refused} == {"StalePrice"}
    assert any(e["kind"] == "repay" for e in m["events"]) and any(e["kind"] == "topUp" for e in m["events"])
    after = [e["kind"] for e in m["events"] if e["t"] > max(x["t"] for x in m["events"] if x["kind"] == "refused")]
    assert "call" in after and "kick" in after


def test_insurance_exhausted_socialises_what_the_fund_cannot_cover(tmp_path):
    m = read_metrics(run("insurance-exhausted", tmp_path, accounts=3))
    t = m["totals"]
    assert t["socialized"] > 0 and t["coveredByFund"] > 0
    assert t["badDebt"] == t["coveredByReserves"] + t["coveredByFund"] + t["socialized"]
    assert t["supplierValueAfter"] < t["supplierValueBefore"]
    assert m["totals"]["liquidations"] == 3


def test_bad_options_are_named():
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        run_scenario("nope", RunOptions())
    with pytest.raises(ScenarioError, match="--liquidator must be dutch or fixed-spread"):
        RunOptions(liquidator="aave")
    with pytest.raises(ScenarioError, match="--seed must be a whole number"):
        RunOptions(seed=-1)


def test_cli_lists_scenarios_and_refuses_bad_input(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["scenario", "--list"])
    assert listed.exit_code == 0
    assert all(name in listed.output for name in SCENARIOS)
    unknown = runner.invoke(app, ["scenario", "nope"])
    assert unknown.exit_code == 1 and "unknown scenario 'nope'" in unknown.output
    bad_seed = runner.invoke(app, ["scenario", "missed-call", "--seed", "minus-one"])
    assert bad_seed.exit_code == 2 and "--seed" in bad_seed.output
    missing = runner.invoke(app, ["report", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "cannot read the run's metrics" in missing.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.json").write_text(json.dumps({"scenario": "x"}))
    broken = runner.invoke(app, ["report", str(tmp_path / "bad")])
    assert broken.exit_code == 1 and "not a scenario's metrics" in broken.output


def test_flash_crash_two_keepers_race_and_the_loser_records_by_name(tmp_path):
    m = read_metrics(run("flash-crash", tmp_path, accounts=8, seed=11))
    lost = {e["error"] for e in m["events"] if e["kind"] == "refused"}
    assert lost and lost <= {"NotLiquidatable", "MarginCallAlreadyLive", "NoLiveMarginCall", "NotRunning", "NeedsRedo"}
    assert m["totals"]["kicks"] > 0 and m["totals"]["takes"] > 0
    # every lot sold went through a FlashTaker at or under the oracle price
    assert all(e["price"] <= e["oracle"] for e in m["events"] if e["kind"] == "take")


def test_sweep_runs_a_2x2_grid_on_a_process_pool(tmp_path):
    from margincall.lab.sweep import load_grid, run_sweep

    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text("scenario: missed-call\nseed: 5\ngrid:\n  buf: ['1.05', '1.20']\n  cut: ['0.98', '0.99']\n")
    rows = run_sweep(load_grid(grid_file), tmp_path / "sweep", workers=2)
    assert [(r["buf"], r["cut"]) for r in rows] == [("1.05", "0.98"), ("1.05", "0.99"), ("1.20", "0.98"), ("1.20", "0.99")]
    assert all(r["liquidations"] == 1 for r in rows)
    assert len({r["borrowerLoss"] for r in rows}) > 1  # the auction's shape moves what the borrower loses
    assert (tmp_path / "sweep" / "sweep.csv").read_text().count("\n") == 5
    assert (tmp_path / "sweep" / "heatmap-badDebt.png").exists() and (tmp_path / "sweep" / "heatmap-borrowerLoss.png").exists()


def test_sweep_on_a_local_ray_instance_where_ray_installs(tmp_path):
    pytest.importorskip("ray")
    from margincall.lab.sweep import load_grid, run_sweep

    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text("scenario: missed-call\ngrid:\n  buf: ['1.05', '1.20']\n  cut: ['0.98', '0.99']\n")
    assert len(run_sweep(load_grid(grid_file), tmp_path / "sweep", ray_address="local")) == 4


@pytest.mark.parametrize(
    "text, message",
    [
        ("grid: {}", "needs a `grid:` mapping"),
        ("scenario: nope\ngrid: {buf: ['1.1']}", "is not one of"),
        ("scenario: cascade\ngrid: {tip: [1]}", "grid.tip: not a sweepable option"),
        ("scenario: cascade\ngrid: {buf: []}", "non-empty list"),
        ("scenario: cascade\nseed: -3\ngrid: {buf: ['1.1']}", "seed: must be a whole number >= 0"),
        ("scenario: [unclosed", "not valid YAML"),
    ],
)
def test_bad_grid_files_are_named(tmp_path, text, message):
    grid = tmp_path / "grid.yaml"
    grid.write_text(text)
    result = CliRunner().invoke(app, ["sweep", "--grid", str(grid), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and message in result.output


def test_cascade_falls_beyond_the_first_shock(tmp_path):
    m = read_metrics(run("cascade", tmp_path, accounts=60, seed=3))
    t = m["totals"]
    assert m["params"]["oracleFollowsAmm"] is True
    assert t["accountsLiquidated"] > t["liquidatableAtShock"]  # the cascade liquidates beyond the shock alone
    assert max(t["fallBeyondShock"].values()) > 0  # and the price ends below the shocked price
    assert "Lab device" in (tmp_path / "cascade" / "report.md").read_text()
    # the fast path's figures, against the raw ceiling measured in the same run (DESIGN.md 12)
    tp = m["throughput"]
    assert {"setup", "simulation", "ceiling", "report"} <= set(m["wall"])
    # the ceiling is the bench's way (blocks of 100, receipts read); the fastest way is recorded beside it
    assert tp["rawCeilingModes"] == {"100": {"receiptsRead": tp["rawCeilingTps"]}, "1000": tp["rawCeilingModes"]["1000"]}
    assert set(tp["rawCeilingModes"]["1000"]) == {"receiptsRead", "unread"} and tp["rawCeilingPerBlock"] == 100
    assert tp["rawCeilingBestWayTps"] == max(t for way in tp["rawCeilingModes"].values() for t in way.values())
    assert 0 < tp["fastPathTransactions"] <= m["transactions"]
    sustained = m["transactions"] / (m["wall"]["setup"] + m["wall"]["simulation"])
    assert tp["sustainedTps"] == pytest.approx(sustained, rel=0.01)
    assert tp["ratio"] == pytest.approx(tp["sustainedTps"] / tp["rawCeilingTps"], rel=0.01)
    assert tp["ratioBestWay"] == pytest.approx(tp["sustainedTps"] / tp["rawCeilingBestWayTps"], rel=0.01)
    assert "| sustained rate / raw ceiling [tx/s] |" in (tmp_path / "cascade" / "report.md").read_text()
