// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {IncomeKind} from "../../interfaces/IInsuranceFund.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice Every MUST of ERC-4626 for the insurance fund (DESIGN.md 5), over fuzzed deposits,
/// withdrawal requests, income (penalties, reserve income) before and during the cooldown, losses
/// (covers), pending losses priced into exits, transfers out of a request and time around the
/// window: `max*` exact for the owner and 0 outside the window, `preview*` never more generous than
/// the action (the request-free ones while the owner's price has not risen since the request, the
/// owner-aware `preview*For` always exact), `convert*` rounding down and caller-free, rounding
/// directions, zero amounts and a third party's allowance.
/// @dev On the demo deployment; the pool and liquidator hooks are driven as the protocol drives
/// them (the liquidator takes the shared lock, then calls the fund), the pending loss and the
/// pool's reserves are set with `vm.mockCall`.
contract InsuranceFund4626Test is DemoMarket {
    uint256 internal constant OFFSET = 1e6; // 10 ** decimals offset: virtual shares
    uint256 internal constant MAX_DEPOSIT = 1e12 * USDC;

    address internal alice = makeAddr("alice"); // requests a withdrawal
    address internal bob = makeAddr("bob"); // holds without a request
    address internal carol = makeAddr("carol"); // a third party: spends an allowance, holds nothing
    address internal receiver = makeAddr("receiver");

    /// @dev One fuzzed history of the fund. Amounts are bounded in `_play`.
    struct Scenario {
        uint256 aliceDeposit; // [base units]
        uint256 bobDeposit;
        uint256 incomeBefore; // before the request
        uint256 requestBps; // of alice's balance [1/10,000]
        uint256 incomeDuring; // during the cooldown: the request must not earn it
        bool penaltyIncome; // else reserve income
        uint256 lateDeposit; // bob deposits after the request (its rounding stays in the fund)
        uint256 transferBps; // of alice's balance sent to bob after the request
        uint256 loss; // covered by the fund after the request
        uint256 pendingLoss; // known loss of live auctions, priced into exits
        uint256 reserves; // the pool's reserves, which absorb pending loss first
        uint256 elapsed; // [seconds] from the request
    }

    uint256 internal requestedAt;

    function setUp() public {
        _deployDemoMarket(HOLE);
        _pending(0, 0);
    }

    // ================================================================ the history
    function _play(Scenario memory s) internal {
        s.aliceDeposit = bound(s.aliceDeposit, 1, MAX_DEPOSIT);
        s.bobDeposit = bound(s.bobDeposit, 0, MAX_DEPOSIT);
        _depositInsurance(alice, s.aliceDeposit);
        if (s.bobDeposit != 0) _depositInsurance(bob, s.bobDeposit);
        _income(s.penaltyIncome, bound(s.incomeBefore, 0, m.fund.totalAssets()));

        uint256 requested = Math.mulDiv(m.fund.balanceOf(alice), bound(s.requestBps, 1, 10_000), 10_000);
        vm.prank(alice);
        m.fund.requestWithdraw(requested);
        requestedAt = block.timestamp;

        _income(s.penaltyIncome, bound(s.incomeDuring, 0, m.fund.totalAssets() / 2));
        s.lateDeposit = bound(s.lateDeposit, 0, MAX_DEPOSIT);
        if (s.lateDeposit != 0) _depositInsurance(bob, s.lateDeposit);
        uint256 sent = Math.mulDiv(m.fund.balanceOf(alice), bound(s.transferBps, 0, 10_000), 10_000);
        vm.prank(alice);
        m.fund.transfer(bob, sent);
        _cover(bound(s.loss, 0, m.fund.totalAssets()));
        _pending(bound(s.pendingLoss, 0, 2 * m.fund.totalAssets()), bound(s.reserves, 0, m.fund.totalAssets()));
        vm.warp(requestedAt + bound(s.elapsed, 0, COOLDOWN + WINDOW + 1 days));
    }

    /// @dev The same history, with the clock inside alice's window.
    function _playInWindow(Scenario memory s) internal {
        s.elapsed = bound(s.elapsed, COOLDOWN, COOLDOWN + WINDOW);
        _play(s);
    }

    /// @dev The same history, but nothing raises the share price after the request: no income
    /// and no deposit then (losses, pending losses and transfers still happen).
    function _playWithoutGainInWindow(Scenario memory s) internal {
        s.incomeDuring = 0;
        s.lateDeposit = 0;
        _playInWindow(s);
    }

    // ================================================================ protocol side
    /// @dev Income as the pool (reserves) or the liquidator (penalties) books it: tokens in, then
    /// the hook, under the shared lock.
    function _income(bool penalty, uint256 amount) internal {
        if (amount == 0) return;
        m.usdc.mint(address(m.fund), amount);
        _asLiquidatorUnderLock();
        m.fund.notifyIncome(penalty ? IncomeKind.Penalty : IncomeKind.Reserves, amount);
        _releaseLock();
    }

    /// @dev A realised loss covered by the fund (the tokens go to the pool).
    function _cover(uint256 amount) internal {
        if (amount == 0) return;
        _asLiquidatorUnderLock();
        m.fund.cover(amount);
        _releaseLock();
    }

    function _asLiquidatorUnderLock() internal {
        vm.prank(address(m.liquidator));
        m.pool.acquireLock();
        vm.prank(address(m.liquidator));
    }

    function _releaseLock() internal {
        vm.prank(address(m.liquidator));
        m.pool.releaseLock();
    }

    function _pending(uint256 pendingLoss, uint256 reserves) internal {
        vm.mockCall(
            address(m.liquidator),
            abi.encodeWithSelector(IDutchAuctionLiquidator.pendingLoss.selector),
            abi.encode(pendingLoss)
        );
        vm.mockCall(address(m.pool), abi.encodeWithSelector(ILendingPool.reserves.selector), abi.encode(reserves));
    }

    // ================================================================ reference
    /// @dev DESIGN.md 5: assets a redemption is priced on, less the fund's share of pending loss.
    function _exitAssets() internal view returns (uint256) {
        return m.fund.totalAssets() - m.fund.pendingLossShare();
    }

    function _inWindow() internal view returns (bool) {
        return block.timestamp >= requestedAt + COOLDOWN && block.timestamp <= requestedAt + COOLDOWN + WINDOW;
    }

    function _redeem(address caller, uint256 shares, address owner) internal returns (uint256 assets) {
        vm.prank(caller);
        return m.fund.redeem(shares, receiver, owner);
    }

    function _withdraw(address caller, uint256 assets, address owner) internal returns (uint256 shares) {
        vm.prank(caller);
        return m.fund.withdraw(assets, receiver, owner);
    }

    // ================================================================ the audit's three findings
    /// @notice redeem(0) and withdraw(0) for an owner without a request: 0, no revert (it was a
    /// division-by-zero panic while maxRedeem was 0).
    function test_zeroExit_withoutARequest_doesNotRevert() public {
        _depositInsurance(bob, 1_000 * USDC);
        assertEq(m.fund.maxRedeem(bob), 0);
        assertEq(_redeem(bob, 0, bob), 0);
        assertEq(_withdraw(bob, 0, bob), 0);
        assertEq(_redeem(carol, 0, alice), 0); // no shares, no request, no allowance
    }

    /// @notice Nothing moved since the request: a third of it redeems at exactly the preview (the
    /// request's value was floored, then floored again pro rata: 333,344,442 for a quote of
    /// 333,344,443), and withdrawing that much burns exactly the previewed shares.
    function test_partialExit_afterNothingMoved_isExactlyThePreview() public {
        _depositInsurance(bob, 9_000 * USDC);
        _depositInsurance(alice, 1_000 * USDC);
        _income(true, 333_333); // a share price that is not round
        uint256 shares = m.fund.balanceOf(alice);
        vm.prank(alice);
        m.fund.requestWithdraw(shares);
        vm.warp(block.timestamp + COOLDOWN);

        uint256 third = shares / 3;
        uint256 quote = m.fund.previewRedeem(third);
        assertEq(quote, 333_344_443);
        uint256 burnt = m.fund.previewWithdraw(quote);
        uint256 snapshot = vm.snapshotState();
        assertEq(_redeem(alice, third, alice), quote);
        vm.revertToState(snapshot);
        assertEq(_withdraw(alice, quote, alice), burnt);
    }

    // ================================================================ max*
    /// @notice maxRedeem is the request (at most the balance) inside the window, 0 outside it and
    /// for an owner without a request; maxWithdraw is those shares at the owner's price.
    function testFuzz_maxRedeemAndMaxWithdraw_exactForTheOwner(Scenario memory s) public {
        _play(s);
        (uint256 requested,,) = m.fund.requests(alice);
        uint256 expected = _inWindow() ? Math.min(requested, m.fund.balanceOf(alice)) : 0;
        assertEq(m.fund.maxRedeem(alice), expected, "maxRedeem");
        assertEq(m.fund.maxWithdraw(alice), m.fund.previewRedeemFor(alice, expected), "maxWithdraw");
        assertEq(m.fund.maxRedeem(bob), 0, "maxRedeem without a request");
        assertEq(m.fund.maxWithdraw(bob), 0, "maxWithdraw without a request");
        assertEq(m.fund.maxDeposit(carol), type(uint256).max, "maxDeposit");
        assertEq(m.fund.maxMint(carol), type(uint256).max, "maxMint");
    }

    /// @notice The window's edges, to the second.
    function test_maxRedeem_windowEdges() public {
        _depositInsurance(alice, 1_000 * USDC);
        uint256 shares = m.fund.balanceOf(alice);
        vm.prank(alice);
        m.fund.requestWithdraw(shares);
        uint256 opens = block.timestamp + COOLDOWN;
        vm.warp(opens - 1);
        assertEq(m.fund.maxRedeem(alice), 0);
        vm.warp(opens);
        assertEq(m.fund.maxRedeem(alice), shares);
        vm.warp(opens + WINDOW);
        assertEq(m.fund.maxRedeem(alice), shares);
        vm.warp(opens + WINDOW + 1);
        assertEq(m.fund.maxRedeem(alice), 0);
        assertEq(m.fund.maxWithdraw(alice), 0);
    }

    /// @notice redeem(maxRedeem) never reverts; one share more always does.
    function testFuzz_redeemMaxRedeem_worksAndOneMoreReverts(Scenario memory s) public {
        _play(s);
        uint256 most = m.fund.maxRedeem(alice);
        uint256 snapshot = vm.snapshotState();
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxRedeem.selector, alice, most + 1, most));
        _redeem(alice, most + 1, alice);
        vm.revertToState(snapshot);
        uint256 quote = m.fund.previewRedeemFor(alice, most);
        assertEq(_redeem(alice, most, alice), quote);
        assertEq(m.usdc.balanceOf(receiver), quote);
    }

    /// @notice withdraw(maxWithdraw) never reverts and burns at most maxRedeem; one wei more
    /// always reverts.
    function testFuzz_withdrawMaxWithdraw_worksAndOneMoreReverts(Scenario memory s) public {
        _play(s);
        uint256 most = m.fund.maxWithdraw(alice);
        uint256 mostShares = m.fund.maxRedeem(alice);
        uint256 snapshot = vm.snapshotState();
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, most + 1, most));
        _withdraw(alice, most + 1, alice);
        vm.revertToState(snapshot);
        uint256 before = m.fund.balanceOf(alice);
        uint256 burnt = _withdraw(alice, most, alice);
        assertLe(burnt, mostShares, "burnt more than maxRedeem");
        assertEq(before - m.fund.balanceOf(alice), burnt);
        assertEq(m.usdc.balanceOf(receiver), most);
    }

    // ================================================================ preview*
    /// @notice previewRedeemFor is exactly what redeem pays, and never more than the request-free
    /// previewRedeem.
    function testFuzz_previewRedeemFor_isExact(Scenario memory s, uint256 shares) public {
        _playInWindow(s);
        shares = bound(shares, 0, m.fund.maxRedeem(alice));
        uint256 quote = m.fund.previewRedeemFor(alice, shares);
        assertLe(quote, m.fund.previewRedeem(shares), "owner-aware quote above the request-free one");
        assertEq(_redeem(alice, shares, alice), quote, "returned");
        assertEq(m.usdc.balanceOf(receiver), quote, "received");
    }

    /// @notice previewWithdrawFor is exactly the shares withdraw burns, never fewer than the
    /// request-free previewWithdraw.
    function testFuzz_previewWithdrawFor_isExact(Scenario memory s, uint256 assets) public {
        _playInWindow(s);
        assets = bound(assets, 0, m.fund.maxWithdraw(alice));
        uint256 quote = m.fund.previewWithdrawFor(alice, assets);
        assertGe(quote, m.fund.previewWithdraw(assets), "owner-aware quote below the request-free one");
        uint256 before = m.fund.balanceOf(alice);
        assertEq(_withdraw(alice, assets, alice), quote, "returned");
        assertEq(before - m.fund.balanceOf(alice), quote, "burnt");
        assertEq(m.usdc.balanceOf(receiver), assets, "received");
    }

    /// @notice While nothing raised the share price since the request (losses and pending losses
    /// may have lowered it), previewRedeem is never more than redeem pays: the request's value is
    /// not rounded twice.
    function testFuzz_previewRedeem_neverMoreThanRedeem(Scenario memory s, uint256 shares) public {
        _playWithoutGainInWindow(s);
        shares = bound(shares, 0, m.fund.maxRedeem(alice));
        uint256 quote = m.fund.previewRedeem(shares);
        assertLe(quote, _redeem(alice, shares, alice));
    }

    /// @notice Likewise previewWithdraw never quotes fewer shares than withdraw burns.
    function testFuzz_previewWithdraw_neverFewerSharesThanWithdraw(Scenario memory s, uint256 assets) public {
        _playWithoutGainInWindow(s);
        assets = bound(assets, 0, m.fund.maxWithdraw(alice));
        uint256 quote = m.fund.previewWithdraw(assets);
        assertGe(quote, _withdraw(alice, assets, alice));
    }

    /// @notice Income during the cooldown is not the request's: the request-free previews quote
    /// it (the interface's Warning), the owner-aware ones and the exits do not.
    function test_incomeDuringTheCooldown_previewsQuoteItTheExitDoesNot() public {
        _depositInsurance(bob, 9_000 * USDC);
        _depositInsurance(alice, 1_000 * USDC);
        uint256 shares = m.fund.balanceOf(alice);
        vm.prank(alice);
        m.fund.requestWithdraw(shares);
        (, uint256 value,) = m.fund.requests(alice);
        _income(true, 1_000 * USDC); // +10 %
        vm.warp(block.timestamp + COOLDOWN);
        assertGt(m.fund.previewRedeem(shares), value + 99 * USDC);
        assertEq(m.fund.previewRedeemFor(alice, shares), value);
        assertLt(m.fund.previewWithdraw(value), m.fund.previewWithdrawFor(alice, value));
        assertEq(_redeem(alice, shares, alice), value);
    }

    /// @notice Deposits and mints give exactly their previews.
    function testFuzz_depositAndMint_matchTheirPreviews(Scenario memory s, uint256 assets, uint256 shares) public {
        _play(s);
        assets = bound(assets, 0, MAX_DEPOSIT);
        uint256 quoted = m.fund.previewDeposit(assets);
        _mintApprove(m.usdc, carol, address(m.fund), assets);
        vm.prank(carol);
        assertEq(m.fund.deposit(assets, carol), quoted);
        assertEq(m.fund.balanceOf(carol), quoted);

        shares = bound(shares, 0, MAX_DEPOSIT * OFFSET);
        uint256 cost = m.fund.previewMint(shares);
        _mintApprove(m.usdc, bob, address(m.fund), cost);
        uint256 before = m.usdc.balanceOf(bob);
        vm.prank(bob);
        assertEq(m.fund.mint(shares, bob), cost);
        assertEq(before - m.usdc.balanceOf(bob), cost);
    }

    // ================================================================ convert* and rounding
    /// @notice convertToShares and convertToAssets round down, ignore the pending loss (they are
    /// the fair price, not an exit quote) and do not depend on who asks.
    function testFuzz_convert_roundsDownAndIgnoresPendingLossAndCaller(Scenario memory s, uint256 amount) public {
        _play(s);
        amount = bound(amount, 0, MAX_DEPOSIT * OFFSET);
        uint256 assets = m.fund.totalAssets();
        uint256 supply = m.fund.totalSupply();
        uint256 toShares = m.fund.convertToShares(amount);
        uint256 toAssets = m.fund.convertToAssets(amount);
        assertEq(toShares, Math.mulDiv(amount, supply + OFFSET, assets + 1));
        assertEq(toAssets, Math.mulDiv(amount, assets + 1, supply + OFFSET));
        assertLe(m.fund.convertToAssets(toShares), amount, "assets -> shares -> assets gained");
        assertLe(m.fund.convertToShares(toAssets), amount, "shares -> assets -> shares gained");
        vm.prank(carol);
        assertEq(m.fund.convertToShares(amount), toShares);
        vm.prank(alice);
        assertEq(m.fund.convertToAssets(amount), toAssets);
    }

    /// @notice Previews round against the caller: deposits and redemptions down, mints and
    /// withdrawals up, at the exit price (value less the pending loss share) for exits.
    function testFuzz_previews_roundAgainstTheCaller(Scenario memory s, uint256 amount) public {
        _playInWindow(s);
        amount = bound(amount, 0, MAX_DEPOSIT);
        uint256 supply = m.fund.totalSupply() + OFFSET;
        uint256 exitAssets = _exitAssets() + 1;
        assertEq(m.fund.previewDeposit(amount), Math.mulDiv(amount, supply, m.fund.totalAssets() + 1));
        assertEq(m.fund.previewMint(amount), Math.mulDiv(amount, m.fund.totalAssets() + 1, supply, Math.Rounding.Ceil));
        assertEq(m.fund.previewRedeem(amount), Math.mulDiv(amount, exitAssets, supply));
        assertEq(m.fund.previewWithdraw(amount), Math.mulDiv(amount, supply, exitAssets, Math.Rounding.Ceil));
        // round trips never gain
        assertLe(m.fund.previewMint(m.fund.previewDeposit(amount)), amount, "deposit then mint back gained");
        assertGe(m.fund.previewRedeem(m.fund.previewWithdraw(amount)), amount, "withdraw quote pays short");
        assertLe(m.fund.previewWithdraw(m.fund.previewRedeem(amount)), amount, "redeem quote then withdraw gained");
        assertGe(
            m.fund.previewRedeemFor(alice, m.fund.previewWithdrawFor(alice, amount)), amount, "owner quote pays short"
        );
        assertLe(
            m.fund.previewWithdrawFor(alice, m.fund.previewRedeemFor(alice, amount)),
            amount,
            "owner redeem then withdraw gained"
        );
    }

    /// @notice Depositing, requesting everything and redeeming it never returns more than was
    /// deposited, whatever else happened (no income here: the request earns none anyway).
    function testFuzz_depositRequestRedeem_neverGains(Scenario memory s, uint256 assets) public {
        _play(s);
        assets = bound(assets, 0, MAX_DEPOSIT);
        _depositInsurance(carol, assets);
        uint256 shares = m.fund.balanceOf(carol);
        vm.prank(carol);
        m.fund.requestWithdraw(shares);
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(carol);
        uint256 got = m.fund.redeem(shares, carol, carol);
        assertLe(got, assets);
    }

    // ================================================================ zero amounts
    /// @notice redeem, withdraw, deposit and mint of 0 never revert, for any owner (with or
    /// without a request, inside or outside its window) and any caller (even one with no
    /// allowance), and every preview and conversion of 0 is 0.
    function testFuzz_zeroAmounts_neverRevert(Scenario memory s, uint256 ownerSeed, bool thirdParty) public {
        _play(s);
        address[3] memory owners = [alice, bob, carol];
        address owner = owners[ownerSeed % 3];
        address caller = thirdParty ? makeAddr("stranger") : owner;
        assertEq(_redeem(caller, 0, owner), 0, "redeem(0)");
        assertEq(_withdraw(caller, 0, owner), 0, "withdraw(0)");
        vm.prank(caller);
        assertEq(m.fund.deposit(0, owner), 0, "deposit(0)");
        vm.prank(caller);
        assertEq(m.fund.mint(0, owner), 0, "mint(0)");
        assertEq(m.fund.previewDeposit(0) + m.fund.previewMint(0) + m.fund.previewRedeem(0), 0);
        assertEq(m.fund.previewWithdraw(0) + m.fund.convertToShares(0) + m.fund.convertToAssets(0), 0);
        assertEq(m.fund.previewRedeemFor(owner, 0) + m.fund.previewWithdrawFor(owner, 0), 0);
    }

    // ================================================================ allowance
    /// @notice A third party redeems or withdraws for the owner only within its allowance, which
    /// falls by exactly the shares burnt (an infinite one stays); assets go to the receiver.
    function testFuzz_thirdPartyExit_spendsExactlyTheBurntShares(
        Scenario memory s,
        uint256 amount,
        uint256 allowance,
        bool byAssets
    ) public {
        _playInWindow(s);
        uint256 burnt;
        uint256 paid;
        if (byAssets) {
            paid = bound(amount, 0, m.fund.maxWithdraw(alice));
            burnt = m.fund.previewWithdrawFor(alice, paid);
        } else {
            burnt = bound(amount, 0, m.fund.maxRedeem(alice));
            paid = m.fund.previewRedeemFor(alice, burnt);
        }
        allowance = allowance % 4 == 0 ? type(uint256).max : bound(allowance, 0, 2 * burnt);
        vm.prank(alice);
        m.fund.approve(carol, allowance);
        if (allowance < burnt) {
            vm.expectRevert(
                abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, carol, allowance, burnt)
            );
        }
        uint256 returned = byAssets ? _withdraw(carol, paid, alice) : _redeem(carol, burnt, alice);
        if (allowance < burnt) return;
        assertEq(returned, byAssets ? burnt : paid);
        assertEq(m.usdc.balanceOf(receiver), paid);
        assertEq(m.fund.allowance(alice, carol), allowance == type(uint256).max ? allowance : allowance - burnt);
    }
}
