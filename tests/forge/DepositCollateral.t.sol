// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice depositCollateral with a token that charges a fee on transfer (DESIGN.md 7: such
/// tokens are rejected where they can be detected): a token that delivers less than the amount
/// is refused, at listing or at the deposit, and nothing is credited.
contract DepositCollateralTest is DemoMarket {
    address internal borrower = makeAddr("borrower");

    function setUp() public {
        _deployDemoMarket(HOLE);
    }

    function testFuzz_feeOnTransferCollateralIsRefused(uint256 feeBps, uint256 amount) public {
        feeBps = bound(feeBps, 1, 10_000);
        amount = bound(amount, 1e18, 1e27); // every transfer pays at least one wei of fee
        FeeOnTransferToken token = new FeeOnTransferToken("Fee", "FEE", 18, feeBps);
        MockAggregator feed = new MockAggregator(FEED_DECIMALS, "FEE / USD", 10e8);
        vm.startPrank(governor);
        m.oracle.setFeed(address(token), true, feed, COLLATERAL_HEARTBEAT, 0.01e18, 1_000_000e18);
        try m.config.listCollateral(address(token), CollateralParams(0.7e18, 0.8e18, 0.05e18, 1e30)) {}
        catch {
            vm.stopPrank();
            return; // refused at listing
        }
        vm.stopPrank();
        token.mint(borrower, amount);
        vm.startPrank(borrower);
        token.approve(address(m.pool), amount);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.UnsupportedToken.selector, address(token)));
        m.pool.depositCollateral(address(token), amount, borrower);
        vm.stopPrank();
        assertEq(m.pool.collateralOf(borrower, address(token)), 0, "nothing credited");
        assertEq(token.balanceOf(borrower), amount, "nothing moved");
    }
}
