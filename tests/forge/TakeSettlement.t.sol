// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IInsuranceFund} from "../../interfaces/IInsuranceFund.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice A take that realises a loss settles its money inside the take, with no IOU between
/// the fund and the liquidator (docs/ARCHITECTURE.md, "Money in a take"): the waterfall may cover
/// the loss with the penalty this take books, the taker pays that part straight to the pool, and
/// when the take returns every book equals its token balance.
contract TakeSettlementTest is LiquidationBase {
    /// @dev A WETH-only account sold whole at half its price: the lot cannot pay its tab. The
    /// fund holds (almost) nothing but this take's penalty, so the cover is that penalty.
    function test_takeRealisingALoss_coversWithItsOwnPenalty_noDebtLeft() public {
        _open(10e18, 0, 20_000e6);
        _scalePrices(0.5e18); // WETH $1,500: HF 0.64, everything goes
        vm.prank(keeper);
        uint256 id = m.liquidator.kick(borrower, keeper)[0];
        AuctionRecord memory a = _auction(id);
        vm.warp(a.tic + 90); // one step down: the whole lot is worth less than the tab

        uint256 fundAssets = m.fund.totalAssets();
        uint256 reserves = m.pool.reserves();
        uint256 poolBalance = m.usdc.balanceOf(address(m.pool));
        uint256 fundBalance = m.usdc.balanceOf(address(m.fund));
        uint256 takerBalance = m.usdc.balanceOf(taker);
        (, uint256 price,,) = m.liquidator.getStatus(id);
        vm.recordLogs();
        vm.prank(taker);
        m.liquidator.take(id, a.lot, price, taker, "");

        uint256 owe = takerBalance - m.usdc.balanceOf(taker);
        uint256 penalty = owe - Math.min(owe - Math.mulDiv(owe, a.penalty, WAD + a.penalty), a.debtPart);
        uint256 covered = _covered(vm.getRecordedLogs());
        assertEq(_auction(id).account, address(0), "the auction ended");
        assertGt(penalty, 0, "the take paid a penalty");
        assertGt(a.debtPart, reserves + fundAssets + owe - penalty, "the loss exceeds reserves and the fund");
        assertEq(covered, fundAssets + penalty, "the fund covered all it had, this take's penalty included");
        // every book equals its tokens: nothing is owed to anyone when the take returns
        assertEq(m.fund.totalAssets(), 0, "the fund is empty");
        assertEq(m.usdc.balanceOf(address(m.fund)), m.fund.totalAssets(), "fund tokens == fund books");
        assertEq(m.usdc.balanceOf(address(m.fund)), fundBalance - fundAssets, "the fund sent what it held");
        assertEq(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "pool tokens == pool cash");
        assertEq(
            m.usdc.balanceOf(address(m.pool)) - poolBalance, owe + fundAssets, "the pool got the owe and the cover"
        );
    }

    function _covered(Vm.Log[] memory logs) internal view returns (uint256 covered) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(m.fund) && logs[i].topics[0] == IInsuranceFund.BadDebtCovered.selector) {
                covered += abi.decode(logs[i].data, (uint256));
            }
        }
    }
}
