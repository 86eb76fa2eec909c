// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FeeOnTransferToken} from "../../contracts/mocks/FeeOnTransferToken.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {PoolSlots} from "../../contracts/libraries/PoolSlots.sol";
import {Vm} from "forge-std/Vm.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice depositCollateral with a token that charges a fee on transfer (DESIGN.md 7: such
/// tokens are rejected where they can be detected): a token that delivers less than the amount
/// is refused, at listing or at the deposit, and nothing is credited. And a deposit for an
/// account without debt that carries a call (what a kick moving all the debt into auction and
/// keeping the call leaves) ends it as `_clearCallWith` does without debt, without reading a price.
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

    /// @dev A live call is met (`MarginCallMet`), a lapsed one tidied away silently, on the path
    /// of a deposit without debt (no price read, no snapshot allocated): with every feed down.
    function test_depositWithoutDebt_endsALiveCallAndTidiesALapsedOne() public {
        _depositCollateral(borrower, m.weth, ETH);
        _mintApprove(m.weth, borrower, address(m.pool), 2 * ETH);
        m.wethFeed.setReverting(true); // no price can be read: none is needed without debt

        _setCall(block.timestamp + 1 days, block.timestamp + 2 days); // live
        (uint256 deadline,,,) = m.pool.accountMeta(borrower);
        assertGt(deadline, 0, "live before");
        vm.expectEmit(address(m.pool));
        emit ILendingPool.MarginCallMet(borrower);
        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), ETH, borrower);
        assertEq(_callWord(), 0, "live call dropped");

        _setCall(block.timestamp - 2 days, block.timestamp - 1 days); // lapsed
        vm.recordLogs();
        vm.prank(borrower);
        m.pool.depositCollateral(address(m.weth), ETH, borrower);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != ILendingPool.MarginCallMet.selector, "a lapsed call ends silently");
        }
        assertEq(_callWord(), 0, "lapsed call dropped");
        assertEq(m.pool.collateralOf(borrower, address(m.weth)), 3 * ETH, "every deposit credited");
    }

    function _metaSlot() private view returns (bytes32) {
        return PoolSlots.entry(PoolSlots.META, borrower);
    }

    /// @dev callDeadline (bits 0-39) and callLapsesAt (40-79) of the account's word.
    function _callWord() private view returns (uint256) {
        return uint256(vm.load(address(m.pool), _metaSlot())) & ((1 << 80) - 1);
    }

    function _setCall(uint256 deadline, uint256 lapsesAt) private {
        uint256 word = uint256(vm.load(address(m.pool), _metaSlot())) & ~uint256((1 << 80) - 1);
        vm.store(address(m.pool), _metaSlot(), bytes32(word | deadline | (lapsesAt << 40)));
    }
}
