// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {PoolSlots} from "../../contracts/libraries/PoolSlots.sol";
import {AccountState} from "../../interfaces/ILendingPool.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice Pins the pool's storage layout that `PoolSlots` (the lens's batch read) computes:
/// every slot it derives, read raw, equals the pool's public getter, for several accounts and
/// 18-, 8- and 6-decimal collaterals; and the batch (`PoolLens.accounts`, through
/// `pool.extSloads`) equals the per-account path (`accountState`, the pool's getters) to the wei.
contract PoolSlotsTest is DemoMarket {
    address internal supplier = makeAddr("supplier");

    function setUp() public {
        _deployDemoMarket(HOLE);
        _listThirdCollateral();
        _supply(supplier, 100_000_000 * USDC);
    }

    /// @dev Account `i` holds a different mix of WETH (18 decimals), WBTC (8) and WXRP (6);
    /// every second one borrows.
    function _open(uint256 n) internal returns (address[] memory list) {
        list = new address[](n);
        for (uint256 i; i < n; ++i) {
            address who = makeAddr(string.concat("account", vm.toString(i)));
            list[i] = who;
            if (i % 4 != 3) _depositCollateral(who, m.weth, (i + 1) * ETH / 3);
            if (i % 3 != 0 || i % 4 == 3) _depositCollateral(who, m.wbtc, (i + 1) * BTC / 70);
            if (i % 2 == 0) _depositCollateral(who, m.wxrp, (i + 1) * 997 * XRP);
            if (i % 2 == 1) _borrow(who, 1_000 * USDC + i * 100 * USDC);
        }
    }

    function _word(bytes32 slot) internal view returns (uint256) {
        return uint256(vm.load(address(m.pool), slot));
    }

    function test_slotsMatchTheGetters() public {
        address[] memory list = _open(9);
        vm.warp(block.timestamp + 1 days);
        MockERC20[3] memory assets = [m.weth, m.wbtc, m.wxrp];
        bytes32[] memory slots = new bytes32[](list.length * 5);
        for (uint256 i; i < list.length; ++i) {
            address who = list[i];
            assertEq(_word(PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, who)), m.pool.normalizedDebtOf(who), "debt");
            _checkMeta(who);
            assertGt(m.pool.assetsIn(who), 0, "holds collateral");
            assertEq(m.pool.normalizedDebtOf(who) != 0, i % 2 == 1, "debt");
            for (uint256 j; j < 3; ++j) {
                uint256 amount = m.pool.collateralOf(who, address(assets[j]));
                assertEq(_word(PoolSlots.balance(who, address(assets[j]))), amount, "balance");
                slots[5 * i + j] = PoolSlots.balance(who, address(assets[j]));
            }
            slots[5 * i + 3] = PoolSlots.entry(PoolSlots.META, who);
            slots[5 * i + 4] = PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, who);
        }
        // extSloads answers the raw words, in order
        bytes32[] memory words = m.pool.extSloads(slots);
        assertEq(words.length, slots.length, "one word per slot");
        for (uint256 k; k < slots.length; ++k) {
            assertEq(words[k], vm.load(address(m.pool), slots[k]), "raw word");
        }
    }

    function _checkMeta(address who) internal view {
        (uint256 deadline, uint256 live, uint256 held, uint256 inAuction) =
            PoolSlots.decodeMeta(_word(PoolSlots.entry(PoolSlots.META, who)));
        assertEq(deadline, m.pool.marginCallDeadline(who), "deadline");
        assertEq(live, m.pool.liveAuctions(who), "live auctions");
        assertEq(held, m.pool.assetsIn(who), "assets in");
        assertEq(inAuction, m.pool.debtInAuctionOf(who), "debt in auction");
    }

    /// @dev A live margin call: the meta word's deadline, and its lapse, as `marginCallDeadline`.
    function test_metaDeadlineAsTheGetter() public {
        address[] memory list = _open(2);
        address who = list[1];
        _issueCall(who);
        for (uint256 t; t < 3; ++t) {
            (uint256 deadline,,,) = PoolSlots.decodeMeta(_word(PoolSlots.entry(PoolSlots.META, who)));
            assertEq(deadline, m.pool.marginCallDeadline(who), "deadline");
            assertEq(keccak256(abi.encode(_batch(list)[1])), keccak256(abi.encode(m.lens.accountState(who))), "state");
            vm.warp(block.timestamp + 3 days);
        }
    }

    /// @dev Prices fall step by step until `who` is in the call band and a call is issued.
    function _issueCall(address who) internal {
        (int256 weth, int256 wbtc) = (_answer(m.wethFeed), _answer(m.wbtcFeed));
        bool called;
        for (int256 pct = 95; pct > 5 && !called; pct -= 5) {
            m.wethFeed.setPrice(weth * pct / 100);
            m.wbtcFeed.setPrice(wbtc * pct / 100);
            (called,) = address(m.pool).call(abi.encodeCall(m.pool.issueMarginCall, (who)));
        }
        assertTrue(called, "a margin call was issued");
        assertGt(m.pool.marginCallDeadline(who), 0, "live");
    }

    /// @dev A kicked account: live auctions and its debt in auction, raw and in the batch.
    function test_debtInAuctionSlot() public {
        address[] memory list = _open(4);
        address who = list[3];
        _issueCall(who);
        vm.warp(block.timestamp + GRACE_PERIOD + 1);
        _refreshFeeds();
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        // past the deadline it is sold once HF is under the base marginCallHF: lower still
        bool kicked;
        for (uint256 step; step < 10 && !kicked; ++step) {
            (kicked,) = address(m.liquidator).call(abi.encodeCall(m.liquidator.kick, (who, address(this))));
            m.wethFeed.setPrice(_answer(m.wethFeed) * 95 / 100);
            m.wbtcFeed.setPrice(_answer(m.wbtcFeed) * 95 / 100);
        }
        assertTrue(kicked, "kicked");
        assertGt(m.pool.liveAuctions(who), 0, "live auctions");
        assertGt(m.pool.debtInAuctionOf(who), 0, "debt in auction");
        _checkMeta(who);
        AccountState[] memory states = _batch(list);
        for (uint256 i; i < list.length; ++i) {
            assertEq(keccak256(abi.encode(states[i])), keccak256(abi.encode(m.lens.accountState(list[i]))), "state");
        }
        assertEq(states[3].debtInAuction, m.pool.debtInAuctionOf(who), "batch debt in auction");
    }

    function _batch(address[] memory list) internal view returns (AccountState[] memory states) {
        (states,) = m.lens.accounts(list);
    }

    function test_batchEqualsAccountState() public {
        address[] memory list = _open(24);
        vm.warp(block.timestamp + 7 days);
        _refreshFeeds();
        AccountState[] memory states = _batch(list);
        assertEq(states.length, list.length, "one state per account");
        for (uint256 i; i < list.length; ++i) {
            assertEq(keccak256(abi.encode(states[i])), keccak256(abi.encode(m.lens.accountState(list[i]))), "state");
        }
        assertEq(_batch(new address[](0)).length, 0, "empty list");
    }
}
