"""The lab's fixed-spread baseline (contracts/lab/FixedSpreadLiquidator.sol, issue 11) on a
market deployed with it through ``deploy_market(..., liquidator="fixed-spread")``: the close
factor, the bonus going to the liquidator, bad debt through the waterfall, the refusals with
their exact errors, the deployment record, and the gas of a full liquidation.

Every test opens ``borrower`` with 10 WETH ($30,000) owing 20,000 USDC (HF 1.275) against
1,000,000 USDC supplied; the pool's books are checked after each (``fs_pool``).
"""

import json

import brownie
import pytest

from margincall.chain import set_price, sleep
from margincall.deploy import LIQUIDATORS, DeployError, load_deployment, write_deployment
from margincall.fixed_spread import plan_liquidation_call
from tests.fixtures.market import deploy_market
from tests.model.fixed_point import MAX_UINT, WAD
from tests.support.actions import fund
from tests.support.reverts import err
from tests.support.units import ETH, USDC

DEBT = 20_000 * USDC


@pytest.fixture
def position(fixed_spread_market, fs_pool, supplier, borrower, liquidator):
    m = fixed_spread_market
    usdc, weth = m.base.token, m.collaterals["WETH"].token
    fund(usdc, supplier, 1_000_000 * USDC, fs_pool)
    fs_pool.supply(1_000_000 * USDC, supplier, {"from": supplier})
    fund(weth, borrower, 10 * ETH, fs_pool)
    fs_pool.depositCollateral(weth, 10 * ETH, borrower, {"from": borrower})
    fs_pool.borrow(DEBT, borrower, {"from": borrower})
    fund(usdc, liquidator, 10**30, m.liquidator)
    return m


def seized_for(debt: int, weth_usd: int, penalty: int) -> int:
    """Reference: WETH [wei] bought by ``debt`` [USDC units] at ``weth_usd`` less the bonus."""
    return debt * 10**12 * (WAD + penalty) // WAD // weth_usd


def test_deployed_with_the_baseline(fixed_spread_market, tmp_path):
    m = fixed_spread_market
    assert m.liquidator_kind == "fixed-spread"
    assert m.pool.liquidator() == m.liquidator.address
    assert m.liquidator.pendingLoss() == 0
    record = m.record()
    assert record["contracts"]["FixedSpreadLiquidator"] == m.liquidator.address
    assert "DutchAuctionLiquidator" not in record["contracts"]
    loaded = load_deployment(m.core.chain, write_deployment(m.core, tmp_path))
    assert loaded.liquidator_kind == "fixed-spread"
    assert loaded.liquidator.address == m.liquidator.address
    assert json.loads((tmp_path / f"{m.chain_id}.json").read_text())["contracts"]["FixedSpreadLiquidator"]


def test_unknown_liquidator_kind_is_refused(project, governor, spec):
    with pytest.raises(DeployError, match="unknown liquidator 'english': choose one of dutch, fixed-spread"):
        deploy_market(project, governor, spec, liquidator="english")
    assert set(LIQUIDATORS) == {"dutch", "fixed-spread"}


def test_half_close_factor_bonus_to_the_liquidator(position, fs_pool, borrower, liquidator, stranger):
    m = position
    weth = m.collaterals["WETH"].token
    set_price(m, "WETH", "2300")  # HF 0.9775: above fullLiquidationHF, half the debt
    assert fs_pool.accountStatus(borrower) == 2
    assert m.liquidator.maxDebtToCover(borrower) == DEBT // 2
    fund_before = m.fund.totalAssets()
    preview = m.liquidator.previewLiquidationCall(borrower, weth, MAX_UINT)

    tx = m.liquidator.liquidationCall(borrower, weth, MAX_UINT, stranger, {"from": liquidator})

    covered, seized = tx.return_value
    # half the debt; the debt grows by a wei or so of interest per block (the preview ran a block earlier)
    assert abs(covered - DEBT // 2) <= 1 and abs(covered - preview[0]) <= 1
    assert seized == seized_for(covered, 2300, m.spec.collaterals["WETH"].params_tuple()[2])
    ev = tx.events["LiquidationCall"]
    assert (ev["account"], ev["asset"], ev["liquidator"], ev["receiver"]) == (
        borrower,
        weth,
        liquidator,
        stranger,
    )
    assert (ev["debtCovered"], ev["collateralSeized"]) == (covered, seized)
    assert weth.balanceOf(stranger) == seized
    assert 0 <= fs_pool.debtOf(borrower) - (DEBT - covered) <= 2
    assert m.fund.totalAssets() == fund_before  # the bonus is the liquidator's, not the fund's


def test_a_keeper_budget_survives_the_close_factor_rising_before_the_call_lands(position, fs_pool, borrower, stranger):
    """A keeper plans at HF 0.9775 (half the debt) with 15,000 USDC, more than half but less
    than all; the crash goes on (HF 0.935, all the debt) before its call is mined. The call it
    planned still covers what the keeper can pay instead of pulling the whole debt it lacks."""
    m = position
    usdc, weth = m.base.token, m.collaterals["WETH"].token
    budget = 15_000 * USDC
    fund(usdc, stranger, budget, m.liquidator)
    set_price(m, "WETH", "2300")
    plan = plan_liquidation_call(m, borrower, budget=budget)
    assert abs(plan.max_cover - DEBT // 2) <= 1
    set_price(m, "WETH", "2200")  # between the plan and the block: the close factor becomes 100 %
    assert m.liquidator.maxDebtToCover(borrower) >= DEBT

    tx = m.liquidator.liquidationCall(borrower, weth, plan.debt_to_cover, stranger, {"from": stranger})

    assert tx.return_value[0] == budget and usdc.balanceOf(stranger) == 0
    assert fs_pool.debtOf(borrower) >= DEBT - budget


def test_full_liquidation_gas(position, fs_pool, borrower, liquidator):
    """Below fullLiquidationHF all the debt goes. Gas of the whole transaction, beside Aave
    v3.6's full liquidation (352,245, DESIGN.md 11)."""
    m = position
    weth = m.collaterals["WETH"].token
    # steady state: reserves already non-zero, so the accrual inside the call never pays for a
    # fresh storage slot (which would make the figure depend on the seconds between blocks)
    sleep(m, 86400)
    fs_pool.accrueInterest({"from": liquidator})
    assert fs_pool.reserves() > 0
    set_price(m, "WETH", "2200")  # HF 0.935
    tx = m.liquidator.liquidationCall(borrower, weth, MAX_UINT, liquidator, {"from": liquidator})
    assert tx.return_value[0] >= DEBT  # with the interest of the blocks since the borrow
    assert fs_pool.debtOf(borrower) == 0
    print(f"\nliquidationCall (full, one collateral): {tx.gas_used:,} gas")
    assert tx.gas_used < 500_000


def test_bad_debt_reserves_then_fund_then_suppliers(position, fs_pool, borrower, liquidator, insurer):
    m = position
    weth, usdc = m.collaterals["WETH"].token, m.base.token
    fund(usdc, insurer, 500 * USDC, m.fund)
    m.fund.deposit(500 * USDC, insurer, {"from": insurer})
    sleep(m, 30 * 86400)  # feeds refreshed
    fs_pool.accrueInterest({"from": liquidator})
    reserves, fund_assets, supplier_assets = fs_pool.reserves(), m.fund.totalAssets(), fs_pool.supplierAssets()
    assert reserves > 0
    set_price(m, "WETH", "1900")  # 10 WETH buy 18,095.24 USDC of debt: the rest is lost

    tx = m.liquidator.liquidationCall(borrower, weth, MAX_UINT, liquidator, {"from": liquidator})

    covered, seized = tx.return_value
    assert seized == 10 * ETH
    assert covered == 18_095_238_096  # 19,000 / 1.05, rounded up
    booked = tx.events["LossBooked"]
    loss = booked["amount"]
    assert loss == tx.events["BadDebtRealized"]["amount"] > reserves + fund_assets
    assert (booked["fromReserves"], booked["fromFund"]) == (reserves, fund_assets)
    assert booked["socialized"] == loss - reserves - fund_assets == tx.events["BadDebtSocialized"]["amount"]
    assert fs_pool.debtOf(borrower) == 0 and fs_pool.assetsIn(borrower) == 0
    assert fs_pool.supplierAssets() == supplier_assets - booked["socialized"]
    assert fs_pool.realizedLosses() == fs_pool.coveredByReserves() + fs_pool.coveredByFund() + fs_pool.socializedLosses()


def test_refusals(position, fs_pool, borrower, liquidator):
    m = position
    weth, wbtc = m.collaterals["WETH"].token, m.collaterals["WBTC"].token
    with brownie.reverts(err("NotLiquidatable", 0)):
        m.liquidator.liquidationCall(borrower, weth, 1_000 * USDC, liquidator, {"from": liquidator})
    set_price(m, "WETH", "2200")
    with brownie.reverts(err("ZeroAmount")):
        m.liquidator.liquidationCall(borrower, weth, 0, liquidator, {"from": liquidator})
    with brownie.reverts(err("BadReceiver", fs_pool.address)):
        m.liquidator.liquidationCall(borrower, weth, 1_000 * USDC, fs_pool, {"from": liquidator})
    with brownie.reverts(err("NoCollateral", borrower.address, wbtc.address)):
        m.liquidator.liquidationCall(borrower, wbtc, 1_000 * USDC, liquidator, {"from": liquidator})
    # 19,500 of a 20,000 debt (plus a few wei of interest per block) would leave ~500 < dust
    with brownie.reverts(revert_pattern=r"MustNotLeaveDust: 5000000\d\d, 1000000000"):
        m.liquidator.liquidationCall(borrower, weth, 19_500 * USDC, liquidator, {"from": liquidator})
