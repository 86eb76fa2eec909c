"""The watcher (``margincall.watch``) and ``margincall watch``: every borrower's health, status,
liquidation price and call countdown, and alerts as JSON lines, on the WETH crash of
``tests/fixtures/harness.py`` (two borrowers in MarginCall, two Liquidatable, one Healthy)."""

import json

from brownie import web3
from typer.testing import CliRunner

from margincall import cli
from margincall.chain import set_price
from margincall.watch import Watcher
from tests.support.chain_time import advance


def alerts_of(alerts, kind):
    return {a["account"]: a for a in alerts if a["alert"] == kind}


def test_first_look_reports_every_account_not_healthy(market, crashed):
    rows, alerts = Watcher(market).poll()
    by_account = {r.account: r for r in rows}
    for status, accounts in crashed.items():
        for who in accounts:
            assert by_account[who].status == status
            assert by_account[who].health_factor == market.pool.healthFactor(who)
            assert by_account[who].liquidation_price == market.lens.accountState(who)["liquidationPrice"] > 0
    status = alerts_of(alerts, "status")
    assert sorted(status) == sorted(crashed["MarginCall"] + crashed["Liquidatable"])
    assert all(a["from"] is None for a in status.values())
    assert {a["to"] for a in status.values()} == {"MarginCall", "Liquidatable"}


def test_status_changes_and_deadlines_alert_once(market, keeper, crashed):
    watcher = Watcher(market, deadline_warning=3600)
    watcher.poll()
    assert watcher.poll()[1] == []  # nothing changed: nothing to say

    called = crashed["MarginCall"][0]
    deadline = market.pool.issueMarginCall(called, {"from": keeper}).events["MarginCallIssued"]["deadline"]
    rows, alerts = watcher.poll()
    assert alerts == []  # a call issued does not change the status; the deadline is 6 h away
    assert {r.account: r.deadline_in for r in rows}[called] > 5 * 3600

    advance(market, deadline - market.lens.accountState(called)["callDeadline"] + 5 * 3600 + 1)
    rows, alerts = watcher.poll()
    (warning,) = alerts_of(alerts, "deadline").values()
    assert warning["account"] == called and warning["deadline"] == deadline
    assert 0 <= warning["secondsLeft"] < 3600
    assert alerts_of(watcher.poll()[1], "deadline") == {}  # once per call

    advance(market, 3600)  # past the deadline, still under the base level: Liquidatable
    changed = alerts_of(watcher.poll()[1], "status")
    assert changed[called]["from"] == "MarginCall" and changed[called]["to"] == "Liquidatable"

    set_price(market, "WETH", "3000")  # the market recovers: everybody Healthy again
    changed = alerts_of(watcher.poll()[1], "status")
    assert all(a["to"] == "Healthy" for a in changed.values())
    assert called in changed and crashed["Healthy"][0] not in changed


def test_cli_watch_once_prints_the_table_and_alerts_as_json_lines(market, record, crashed):
    url = web3.provider.endpoint_uri
    result = CliRunner().invoke(cli.app, ["watch", "--once", "--rpc-url", url, "--deployment", str(record())])
    assert result.exit_code == 0, result.output + result.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(a["account"] for a in alerts) == sorted(crashed["MarginCall"] + crashed["Liquidatable"])
    for who in crashed["Healthy"] + crashed["MarginCall"]:
        assert who[:10] in result.stderr
    assert "Liquidatable" in result.stderr


def test_cli_watch_refuses_a_missing_deployment_file(tmp_path):
    result = CliRunner().invoke(cli.app, ["watch", "--once", "--deployment", str(tmp_path / "x.json")])
    assert result.exit_code == 1 and "deployment file not found" in result.stderr
