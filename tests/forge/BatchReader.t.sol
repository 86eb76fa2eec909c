// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {AccountRisk} from "../../contracts/libraries/AccountRisk.sol";
import {AccountReader} from "../../contracts/libraries/AccountReader.sol";
import {BatchReader} from "../../contracts/libraries/BatchReader.sol";
import {PoolSlots} from "../../contracts/libraries/PoolSlots.sol";
import {ILendingPool, AccountState, MarketSnapshot} from "../../interfaces/ILendingPool.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @dev Raw words at raw slots, read as the pool's `extSloads` answers them: any books at all.
contract FakeBooks {
    mapping(bytes32 => bytes32) internal word;

    function set(bytes32 slot, uint256 value) external {
        word[slot] = bytes32(value);
    }

    function extSloads(bytes32[] calldata slots) external view returns (bytes32[] memory words) {
        words = new bytes32[](slots.length);
        for (uint256 i; i < slots.length; ++i) {
            words[i] = word[slots[i]];
        }
    }
}

/// @dev `BatchReader.writeStates` (the lens's assembly) and the Solidity path
/// (`AccountReader.valueFromBatch` over `AccountRisk`), each over the books of `pool`.
contract BatchReaderHarness {
    uint256 internal constant STATE_BYTES = 14 * 32;

    function batch(ILendingPool pool, address[] calldata list, MarketSnapshot memory snap, uint256 baseScale)
        external
        view
        returns (AccountState[] memory)
    {
        bytes memory raw = new bytes(list.length * STATE_BYTES);
        uint256 first;
        assembly ("memory-safe") {
            first := add(raw, 0x20)
        }
        BatchReader.writeStates(first, STATE_BYTES, pool, list, snap, baseScale);
        return abi.decode(abi.encodePacked(uint256(0x20), list.length, raw), (AccountState[]));
    }

    /// @dev One account read slot by slot and valued by the Solidity path.
    function solidityPath(ILendingPool pool, address account, MarketSnapshot memory snap, uint256 baseScale)
        external
        view
        returns (AccountState memory s)
    {
        uint256 buf = PoolSlots.newBatch(8);
        PoolSlots.put(buf, 0, PoolSlots.entry(PoolSlots.META, account));
        PoolSlots.put(buf, 1, PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, account));
        PoolSlots.read(pool, buf, 2);
        uint256 inAuction;
        (s.callDeadline, s.liveAuctions, s.assetsIn, inAuction) = PoolSlots.decodeMeta(PoolSlots.get(buf, 0));
        if (s.liveAuctions != 0) s.debtInAuction = inAuction;
        s.debt = PoolSlots.get(buf, 1);
        uint256 k;
        for (uint256 j; j < 8; ++j) {
            if ((s.assetsIn >> j) & 1 != 0 && snap.asset[j] != address(0)) {
                PoolSlots.put(buf, k++, PoolSlots.balance(account, snap.asset[j]));
            }
        }
        PoolSlots.read(pool, buf, k);
        AccountRisk.Valuation memory v;
        AccountReader.valueFromBatch(s, buf, 0, snap, baseScale, v);
    }
}

/// @notice The lens's batch valuation (`BatchReader`, inline assembly) against the Solidity path
/// and the pool's own views: on the demo market with 18-, 8- and 6-decimal collaterals at random
/// positions and prices (stale ones included), and on made-up books and snapshots of any
/// magnitude, where a product that leaves 256 bits must give the Solidity path's exact result or
/// its same panic.
contract BatchReaderTest is DemoMarket {
    address internal supplier = makeAddr("supplier");
    BatchReaderHarness internal harness = new BatchReaderHarness();

    uint256 internal constant ACCOUNTS = 6;

    function setUp() public {
        _deployDemoMarket(HOLE);
        _listThirdCollateral();
        _supply(supplier, 100_000_000 * USDC);
    }

    // ================================================================ on the demo market
    /// @dev Account `i` holds a random mix of WETH (18 decimals), WBTC (8) and WXRP (6) and
    /// borrows a random share of its collateral value when the pool lets it.
    function _open(uint256 seed) internal returns (address[] memory list) {
        list = new address[](ACCOUNTS);
        for (uint256 i; i < ACCOUNTS; ++i) {
            address who = makeAddr(string.concat("account", vm.toString(i)));
            list[i] = who;
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (r & 1 != 0) _depositCollateral(who, m.weth, bound(r >> 8, 0, 500 * ETH));
            if (r & 2 != 0) _depositCollateral(who, m.wbtc, bound(r >> 80, 0, 20 * BTC));
            if (r & 4 != 0) _depositCollateral(who, m.wxrp, bound(r >> 160, 0, 5_000_000 * XRP));
            uint256 value = m.lens.accountState(who).collateralValue;
            uint256 amount = value / 1e12 * bound(r >> 240, 0, 70) / 100;
            if (amount < DUST) continue;
            vm.prank(who);
            (bool ok,) = address(m.pool).call(abi.encodeCall(ILendingPool.borrow, (amount, who)));
            ok; // over the opening limit: no debt, a state like any other
        }
    }

    function _move(MockAggregator feed, uint256 move) internal {
        feed.setPrice(_answer(feed) * int256(bound(move, 40, 160)) / 100);
    }

    function testFuzz_batchEqualsAccountStateAndThePoolViews(
        uint256 seed,
        uint256 wethMove,
        uint256 wbtcMove,
        uint256 wxrpMove,
        uint256 elapsed
    ) public {
        address[] memory list = _open(seed);
        _move(m.wethFeed, wethMove);
        _move(m.wbtcFeed, wbtcMove);
        _move(m.wxrpFeed, wxrpMove);
        // up to two hours: interest accrues, and past the collateral heartbeat prices go stale
        vm.warp(block.timestamp + bound(elapsed, 0, 2 hours));
        if (elapsed & 1 != 0) _refreshFeeds();
        (AccountState[] memory states,) = m.lens.accounts(list);
        assertEq(states.length, ACCOUNTS, "one state per account");
        for (uint256 i; i < ACCOUNTS; ++i) {
            address who = list[i];
            AccountState memory s = states[i];
            assertEq(keccak256(abi.encode(s)), keccak256(abi.encode(m.lens.accountState(who))), "accountState");
            assertEq(s.debt, m.pool.debtOf(who), "debt");
            assertEq(s.assetsIn, m.pool.assetsIn(who), "assets in");
            assertEq(s.callDeadline, m.pool.marginCallDeadline(who), "deadline");
            assertEq(s.liveAuctions, m.pool.liveAuctions(who), "live auctions");
            assertEq(s.debtInAuction, m.pool.debtInAuctionOf(who), "debt in auction");
            if (!s.priceOk) continue;
            assertEq(s.healthFactor, m.pool.healthFactor(who), "HF");
            assertEq(uint8(s.status), uint8(m.pool.accountStatus(who)), "status");
            assertEq(s.callLevel, m.lens.effectiveCallHF(who), "call level");
        }
    }

    // ================================================================ any magnitude
    /// @dev Half the runs span all 256 bits (mostly panics), half stay under 2¹²⁶: past the
    /// fast path's bound of 2¹²⁰, where the Solidity path mostly has an answer.
    function _hugeTop(uint256 seed) internal pure returns (uint256) {
        return seed % 2 == 0 ? type(uint256).max : 2 ** 126;
    }

    /// @dev A made-up snapshot: three listed collaterals of 18, 8 and 6 decimals (slots 0, 2, 5;
    /// the others unlisted), the rest random; with `huge` its values span all 256 bits.
    function _snapshot(uint256 seed, bool huge) internal pure returns (MarketSnapshot memory snap) {
        uint256 top = huge ? _hugeTop(seed) : 1e36;
        uint256 r = uint256(keccak256(abi.encode(seed, "market")));
        snap.borrowIndex = bound(r, RAY, huge ? top : 10 * RAY);
        r = uint256(keccak256(abi.encode(r)));
        snap.volRef = r % 2 == 0 ? bound(r, 0, 2e18) : bound(r, 0, top);
        snap.basePriced = r & 2 != 0 || !huge;
        snap.baseLow = bound(r >> 8, 0.5e18, huge ? top : 2e18);
        snap.baseHigh = snap.baseLow;
        snap.market.marginCallHF = bound(r >> 16, 1e18, 2e18);
        snap.market.maxCallHF = bound(r >> 24, snap.market.marginCallHF, huge ? top : 3e18);
        // a third of the slopes near 2²⁵⁶: the call level's own product leaves 256 bits
        snap.market.volSlope = r % 3 == 0 ? type(uint256).max - (r >> 200) : bound(r >> 32, 0, top);
        uint8[3] memory slots = [0, 2, 5];
        uint256[3] memory scales = [uint256(1e18), 1e8, 1e6];
        for (uint256 j; j < 3; ++j) {
            uint256 q = uint256(keccak256(abi.encode(seed, j)));
            uint256 slot = slots[j];
            snap.asset[slot] = address(uint160(0xA55E7 + j));
            snap.scale[slot] = scales[j];
            snap.priced[slot] = q & 1 != 0 || !huge;
            snap.high[slot] = bound(q >> 8, 1, huge ? top : 1e24); // up to $1,000,000 a token
            // a zero factor (never listed) makes the Solidity path divide by zero: the same panic
            snap.liquidationFactor[slot] = bound(q >> 72, huge ? 0 : 0.1e18, 1e18);
            snap.volatility[slot] = bound(q >> 136, 0, huge ? top : 5e18);
        }
    }

    /// @dev Account `i` of made-up books: a random meta word (deadline, lapse, live auctions, a
    /// bitmap over listed and unlisted slots, debt in auction), normalised debt and balances.
    function _books(FakeBooks books, MarketSnapshot memory snap, uint256 seed, bool huge)
        internal
        returns (address[] memory list)
    {
        list = new address[](4);
        uint256 top = huge ? _hugeTop(seed) : 1e30;
        for (uint256 i; i < list.length; ++i) {
            // the top 160 bits: no high bits for `PoolSlots`'s assembly to hash
            address who = address(uint160(uint256(keccak256(abi.encode(seed, "account", i))) >> 96));
            list[i] = who;
            uint256 r = uint256(keccak256(abi.encode(seed, "books", i)));
            uint256 meta = uint256(keccak256(abi.encode(r)));
            uint256 deadline = block.timestamp + (r & 3) * 1 hours;
            meta = (meta & ~uint256(type(uint80).max)) | deadline | ((deadline + (r >> 2 & 3) * 1 hours) << 40);
            books.set(PoolSlots.entry(PoolSlots.META, who), meta);
            books.set(PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, who), r % 5 == 0 ? 0 : bound(r >> 8, 0, top));
            for (uint256 slot; slot < 8; ++slot) {
                if (snap.asset[slot] == address(0)) continue;
                uint256 q = uint256(keccak256(abi.encode(r, slot)));
                // up to 10⁹ whole tokens: values under 2¹²⁰, the fast path's bound
                q = q % 4 == 0 ? 0 : bound(q >> 8, 0, huge ? top : 1e9 * snap.scale[slot]);
                books.set(PoolSlots.balance(who, snap.asset[slot]), q);
            }
        }
    }

    /// @dev Each account's normalised debt set for an HF between 0.8 and 2.5 (random books
    /// rarely land on the ladder's rungs, where the status and the deadline decide).
    function _debtsNearTheLadder(FakeBooks books, MarketSnapshot memory snap, address[] memory list, uint256 seed)
        internal
    {
        for (uint256 i; i < list.length; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "hf", i)));
            books.set(PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, list[i]), 0);
            uint256 lv;
            try harness.solidityPath(ILendingPool(address(books)), list[i], snap, 1e6) returns (AccountState memory s) {
                lv = s.liquidationValue;
            } catch {
                continue; // a panic without debt (the call level's slope): a case of its own
            }
            uint256 debtValue = Math.mulDiv(lv, 1e18, bound(r, 0.8e18, 2.5e18));
            uint256 normalizedDebt = Math.mulDiv(Math.mulDiv(debtValue, 1e6, snap.baseLow), RAY, snap.borrowIndex);
            books.set(PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, list[i]), normalizedDebt);
        }
    }

    function _sameAsTheSolidityPath(uint256 seed, bool huge, uint256 elapsed) internal {
        FakeBooks books = new FakeBooks();
        MarketSnapshot memory snap = _snapshot(seed, huge);
        address[] memory list = _books(books, snap, seed, huge);
        if (!huge) _debtsNearTheLadder(books, snap, list, seed);
        // whole hours land on deadlines and lapses (at the deadline the call is not yet past it)
        vm.warp(block.timestamp + (elapsed % 5) * 1 hours + (elapsed >> 8) % 2);
        ILendingPool pool = ILendingPool(address(books));
        AccountState[] memory expected = new AccountState[](list.length);
        bool reverts;
        for (uint256 i; i < list.length; ++i) {
            address[] memory one = new address[](1);
            one[0] = list[i];
            try harness.solidityPath(pool, list[i], snap, 1e6) returns (AccountState memory s) {
                expected[i] = s;
                AccountState[] memory alone = harness.batch(pool, one, snap, 1e6);
                assertEq(keccak256(abi.encode(alone[0])), keccak256(abi.encode(s)), "alone");
            } catch (bytes memory reason) {
                reverts = true;
                vm.expectRevert(reason); // the same panic
                harness.batch(pool, one, snap, 1e6);
            }
        }
        if (reverts) return;
        AccountState[] memory states = harness.batch(pool, list, snap, 1e6);
        for (uint256 i; i < list.length; ++i) {
            assertEq(keccak256(abi.encode(states[i])), keccak256(abi.encode(expected[i])), "in the batch");
        }
    }

    /// @dev In this protocol's ranges: the fast path every time, the Solidity path's states.
    function testFuzz_sameAsTheSolidityPath(uint256 seed, uint256 elapsed) public {
        _sameAsTheSolidityPath(seed, false, elapsed);
    }

    /// @dev Values over all 256 bits: products that leave them, sums that overflow, zero factors.
    function testFuzz_sameAsTheSolidityPathAtAnyMagnitude(uint256 seed, uint256 elapsed) public {
        _sameAsTheSolidityPath(seed, true, elapsed);
    }

    /// @dev One case of each kind the fast path hands over: a product of 2²⁵⁶ or more whose
    /// quotient fits (the index times the normalised debt) gives the exact quotient.
    function test_aProductOverTwoToThe256GivesTheExactQuotient() public {
        FakeBooks books = new FakeBooks();
        MarketSnapshot memory snap = _snapshot(1, false);
        snap.borrowIndex = 2 ** 200;
        address who = address(0xBEEF);
        books.set(PoolSlots.entry(PoolSlots.NORMALIZED_DEBT, who), 2 ** 70);
        address[] memory list = new address[](1);
        list[0] = who;
        AccountState memory s = harness.batch(ILendingPool(address(books)), list, snap, 1e6)[0];
        assertEq(s.debt, Math.mulDiv(2 ** 200, 2 ** 70, RAY, Math.Rounding.Ceil), "debt: the 512-bit quotient, up");
        assertEq(
            keccak256(abi.encode(s)),
            keccak256(abi.encode(harness.solidityPath(ILendingPool(address(books)), who, snap, 1e6))),
            "state"
        );
    }
}
