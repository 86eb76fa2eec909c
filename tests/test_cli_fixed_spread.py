"""``margincall deploy --liquidator fixed-spread`` and ``margincall keeper`` on such a market
(issue 11's baseline driven from the shell).

WETH falls from $3,000 to $2,270.40 under three WETH borrowers of 10 WETH each: one ends at HF
0.953 (Liquidatable, the close factor's 50 %), one at 0.903 (below 0.95: 100 %), one in the
margin-call band. A keeper without base tokens sends nothing but the margin call; a keeper
holding USDC approves the baseline, liquidates both by the close factor from its own balance,
keeps the collateral and reports its profit in USDC; the books of DESIGN.md 5 hold after.

Chains are private Anvils on free ports (``LocalAnvil``), never the suite's own chain."""

import json
import re
from decimal import Decimal

import pytest
from web3 import Web3

from margincall.chain import fund, set_price
from margincall.deploy import load_deployment, read_record
from margincall.fixed_spread import MAX_UINT, plan_liquidation_call
from margincall.keeper import Keeper
from margincall.lab.books import check_books
from margincall.session import Chain, Signer
from tests.test_cli import node, run  # noqa: F401  (a private Anvil per module; the CLI through CliRunner)

ETH, USDC = 10**18, 10**6
WETH_AFTER = Decimal("2270.40")  # $3,000 − 24.32 %
PENALTY = Decimal("0.05")  # WETH's liquidation penalty: the liquidator's bonus


@pytest.fixture(scope="module")
def record(node, tmp_path_factory):
    out = tmp_path_factory.mktemp("deployments")
    result = run("deploy", "--rpc-url", node.url, "--unlocked", "0", "--out", out, "--liquidator", "fixed-spread")
    assert result.exit_code == 0, result.output
    assert re.search(r"; FixedSpreadLiquidator 0x[0-9a-fA-F]{40}\n", result.output), result.output
    return out / "31337.json"


@pytest.fixture(scope="module")
def chain(node):
    w3 = Web3(Web3.HTTPProvider(node.url))
    return Chain(w3, Signer(w3.eth.accounts[0]))


def test_the_record_names_the_liquidator_and_loading_rebuilds_it(chain, record):
    raw = read_record(record)
    assert raw["liquidator"] == "fixed-spread" and "FixedSpreadLiquidator" in raw["contracts"]
    market = load_deployment(chain, record)
    assert market.liquidator_kind == "fixed-spread"
    assert market.liquidator.address == raw["contracts"]["FixedSpreadLiquidator"] == market.pool.call.liquidator()
    # a record written before the kind was recorded: the liquidator contract it lists decides
    del raw["liquidator"]
    older = record.parent / "older.json"
    older.write_text(json.dumps(raw))
    assert load_deployment(chain, older).liquidator_kind == "fixed-spread"


def test_a_record_naming_an_unknown_liquidator_is_refused(record, tmp_path):
    raw = json.loads(record.read_text())
    (tmp_path / "a.json").write_text(json.dumps({**raw, "liquidator": "english"}))
    with pytest.raises(Exception, match=r"a.json: not a deployment record \(liquidator is 'english', not one of dutch, fixed-spread\)"):
        read_record(tmp_path / "a.json")
    raw["contracts"].pop("FixedSpreadLiquidator")
    (tmp_path / "b.json").write_text(json.dumps({**raw, "contracts": {**raw["contracts"], "DutchAuctionLiquidator": raw["contracts"]["PoolLens"]}}))
    with pytest.raises(Exception, match=r"missing contracts.FixedSpreadLiquidator, the liquidator it names"):
        read_record(tmp_path / "b.json")


@pytest.mark.parametrize("command", ["deploy", "up"])
def test_a_bad_liquidator_is_one_line(command, tmp_path):
    result = run(command, "--liquidator", "english", env={"MARGINCALL_STATE_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert result.output == "Error: --liquidator english: choose one of dutch, fixed-spread\n"


def test_keeper_once_liquidates_by_the_close_factor_after_a_price_drop(node, chain, record):
    market = load_deployment(chain, record)
    pool, base, weth = market.pool, market.base, market.collaterals["WETH"]
    supplier, half, whole, called, broke, keeper = chain.unlocked()[1:7]
    fund(base.token, supplier, 1_000_000 * USDC, pool)
    pool.send.supply(1_000_000 * USDC, supplier, sender=supplier)
    for who, debt in ((half, 20_250), (whole, 21_375), (called, 17_800)):
        fund(weth.token, who, 10 * ETH, pool)
        pool.send.depositCollateral(weth.token, 10 * ETH, who, sender=who)
        pool.send.borrow(debt * USDC, who, sender=who)
    set_price(market, "WETH", WETH_AFTER)
    hf = {who: Decimal(pool.call.healthFactor(who)) / ETH for who in (half, whole, called)}
    assert Decimal("0.95") < hf[half] < 1 and hf[whole] < Decimal("0.95") and 1 < hf[called] < Decimal("1.10")

    # the choice: the account's WETH, the close factor's maximum asked as "all allowed", or the budget
    plan = plan_liquidation_call(market, half)
    assert (plan.asset, plan.debt_to_cover, plan.price) == ("WETH", MAX_UINT, WETH_AFTER)
    assert plan.max_cover == market.liquidator.call.maxDebtToCover(half) == -(-pool.call.debtOf(half) // 2)
    assert plan_liquidation_call(market, whole).max_cover == pool.call.debtOf(whole)  # HF < 0.95: all
    assert plan_liquidation_call(market, half, budget=5_000 * USDC).debt_to_cover == 5_000 * USDC
    assert plan_liquidation_call(market, supplier) is None  # no collateral: nothing to buy

    # a keeper holding no USDC issues the call and sends no liquidation (no gas spent)
    actions = Keeper(market, broke).run_once()
    assert {(a.kind, a.subject, a.outcome, a.tx is None) for a in actions} == {
        ("call", called, "ok", False),
        ("liquidationCall", half, "NoBaseBalance", True),
        ("liquidationCall", whole, "NoBaseBalance", True),
    }
    assert pool.call.marginCallDeadline(called) > 0 and pool.call.debtOf(half) >= 20_250 * USDC

    # a keeper with 50,000 USDC of its own, through the CLI
    fund(base.token, keeper, 50_000 * USDC)  # not approved: the keeper approves the baseline itself
    debts = {who: pool.call.debtOf(who) for who in (half, whole)}
    result = run("keeper", "--once", "--json", "--rpc-url", node.url, "--deployment", record, "--unlocked", "6")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["kind"], r["subject"], r["outcome"]) for r in rows] == [
        ("approve", market.liquidator.address, "ok"),
        ("liquidationCall", half, "ok"),
        ("liquidationCall", whole, "ok"),
    ]
    covered, seized = {}, {}
    for row in rows[1:]:
        (event,) = chain.receipt(chain.w3.eth.get_transaction_receipt(row["tx"])).event("LiquidationCall")
        assert event["liquidator"] == event["receiver"] == keeper and event["asset"] == weth.token.address
        covered[row["subject"]], seized[row["subject"]] = event["debtCovered"], event["collateralSeized"]
        profit = Decimal(event["collateralSeized"]) / ETH * WETH_AFTER - Decimal(event["debtCovered"]) / USDC
        assert abs(profit - PENALTY * event["debtCovered"] / USDC) < Decimal("0.01")  # the bonus is the asset's penalty
        shown = re.match(r"profit ([\d,.]+) USDC at the oracle price: bought [\d.]+ WETH for [\d,.]+ USDC of the [\d,.]+ USDC debt", row["detail"])
        assert shown and abs(Decimal(shown.group(1).replace(",", "")) - profit) <= Decimal("0.000001"), row["detail"]
    # the close factor: half of the first debt (interest of a block at most beside), all of the second
    assert abs(covered[half] - debts[half] / 2) <= debts[half] // 10**6 and pool.call.debtOf(half) > 0
    assert covered[whole] >= debts[whole] and pool.call.debtOf(whole) == 0
    # paid from the keeper's balance, the collateral kept by the keeper
    assert base.token.call.balanceOf(keeper) == 50_000 * USDC - covered[half] - covered[whole]
    assert weth.token.call.balanceOf(keeper) == seized[half] + seized[whole]
    assert pool.call.collateralOf(whole, weth.token.address) == 10 * ETH - seized[whole]
    checks = check_books(market, [half, whole, called])
    assert all(v is True for v in checks.values()), checks
    # nothing left to do: the first account is back above HF 1 with its call still to come
    again = run("keeper", "--once", "--json", "--rpc-url", node.url, "--deployment", record, "--unlocked", "6")
    assert again.exit_code == 0 and [json.loads(l)["kind"] for l in again.stdout.splitlines()] == ["call"]
