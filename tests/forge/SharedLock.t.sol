// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrantTaker} from "../../contracts/mocks/ReentrantTaker.sol";
import {ISharedLock} from "../../interfaces/ISharedLock.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The one reentrancy lock of pool, liquidator and fund (DESIGN.md 7), seen from the
/// place an attacker controls: the take callback. From `onAuctionTake`, every entry point of the
/// three (repay included, which needs no price and is never paused) is refused `Reentrancy()`.
contract SharedLockTest is LiquidationBase {
    ReentrantTaker internal attacker;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        _depositInsurance(makeAddr("insurer"), 10_000 * USDC);
        _open(10 * ETH, 0, 22_000 * USDC);
        m.wethFeed.setPrice(2_500e8); // HF 0.966: a partial kick, the account keeps debt
        vm.prank(keeper);
        id = m.liquidator.kick(borrower, keeper)[0];
        attacker = new ReentrantTaker(m.pool, m.liquidator, m.fund);
        m.usdc.mint(address(attacker), 1_000_000 * USDC);
        m.weth.mint(address(attacker), 1 * ETH);
        m.weth.approve(address(m.pool), type(uint256).max);
    }

    function _reenter(ReentrantTaker.Target target) internal {
        (, uint256 price,,) = m.liquidator.getStatus(id);
        vm.expectRevert(ISharedLock.Reentrancy.selector);
        attacker.takeAndReenter(id, 1e15, price, target, borrower, address(m.weth));
    }

    /// @notice Repay from inside a take: refused (the account has debt, so without the lock it
    /// would go through).
    function test_repayFromATakeCallbackIsRefused() public {
        assertGt(m.pool.debtOf(borrower), DUST + 1, "repay(1) would otherwise work");
        _reenter(ReentrantTaker.Target.PoolRepay);
    }

    /// @notice Every entry point the attacker can reach from the callback is refused.
    function testFuzz_noEntryPointFromATakeCallback(uint8 target) public {
        _reenter(ReentrantTaker.Target(bound(target, 1, uint8(type(ReentrantTaker.Target).max))));
    }

    /// @notice Control: the same take with a callback that does nothing goes through.
    function test_aCallbackThatDoesNotReenterTakes() public {
        (, uint256 price,,) = m.liquidator.getStatus(id);
        attacker.takeAndReenter(id, 1e15, price, ReentrantTaker.Target.None, borrower, address(m.weth));
        assertEq(m.weth.balanceOf(address(attacker)), 1 * ETH + 1e15, "bought");
    }
}
