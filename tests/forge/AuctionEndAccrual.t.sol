// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "forge-std/Vm.sol";

import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice `LendingPool.auctionEnded` accrues interest first only when it moves debt (a
/// charge-back, a loss, the write-off of an account's last auction): an auction that ends with
/// its tab paid and the rest of the lot returned changes no input of the rate, so the index and
/// its clock stay where they were until the next operation accrues them.
contract AuctionEndAccrualTest is LiquidationBase {
    address internal other = makeAddr("other");

    function setUp() public override {
        super.setUp();
        _depositCollateral(other, m.weth, 100e18);
        _borrow(other, 100_000e6); // debt that accrues while the auctions run
    }

    function test_anEndReturningTheRestOfTheLot_doesNotAccrue() public {
        _open(10e18, 0, 20_000e6);
        _scalePrices(0.73e18); // HF 0.93: all of it, the lot worth more than the tab
        vm.prank(keeper);
        uint256 id = m.liquidator.kick(borrower, keeper)[0];
        vm.warp(_auction(id).tic + 90);
        uint256 clock = m.pool.lastAccrual();
        uint256 index = m.pool.borrowIndex();

        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.prank(taker);
        m.liquidator.take(id, lot, price, taker, "");
        assertEq(_auction(id).account, address(0), "the auction ended");
        assertGt(m.pool.collateralOf(borrower, address(m.weth)), 0, "the rest of the lot returned");
        assertEq(m.pool.lastAccrual(), clock, "no accrual");
        assertEq(m.pool.borrowIndex(), index, "index unchanged");
    }

    function test_anEndChargingBackItsDebtPart_accruesFirst() public {
        _open(10e18, 0, 20_000e6);
        _scalePrices(0.76e18); // HF 0.97: a partial kick, the account keeps collateral
        vm.prank(keeper);
        uint256 id = m.liquidator.kick(borrower, keeper)[0];
        vm.warp(_auction(id).tic + 20 * 90); // 0.99^20 of top: the whole lot pays less than the tab
        uint256 index = m.pool.borrowIndex();

        (, uint256 price, uint256 lot,) = m.liquidator.getStatus(id);
        vm.recordLogs();
        vm.prank(taker);
        m.liquidator.take(id, lot, price, taker, "");
        assertGt(_unpaid(vm.getRecordedLogs()), 0, "the auction ended short: its debt part charged back");
        assertGt(m.pool.collateralOf(borrower, address(m.weth)), 0, "the account still has collateral");
        assertEq(m.pool.lastAccrual(), block.timestamp, "accrued before the charge-back");
        assertGt(m.pool.borrowIndex(), index, "at the index of now");
    }

    function _unpaid(Vm.Log[] memory logs) internal view returns (uint256 unpaid) {
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(m.liquidator)
                    && logs[i].topics[0] == IDutchAuctionLiquidator.AuctionEnded.selector
            ) (, unpaid) = abi.decode(logs[i].data, (uint256, uint256));
        }
    }
}
