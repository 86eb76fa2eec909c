// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {SharesMath} from "../../contracts/libraries/SharesMath.sol";

/// @notice Supply-share conversions (virtual shares 1e6, virtual asset 1): rounding bounds,
/// round trips that never pay out more than went in, share price that no supply or withdrawal
/// can lower, and the precise cost of a first-depositor inflation attack.
/// @dev State is `(totalAssets, totalShares)` as the pool books it; bounds keep every product
/// far from overflow: assets ≤ 1e30 (10^12 whole 18-decimal tokens), shares ≤ 1e42.
contract SharesMathTest is Test {
    uint256 internal constant V = SharesMath.VIRTUAL_SHARES; // 1e6
    uint256 internal constant MAX_ASSETS = 1e30;
    uint256 internal constant MAX_SHARES = 1e42;
    uint256 internal constant MAX_DONATION = 1e30;

    function _state(uint256 totalAssets, uint256 totalShares) internal pure returns (uint256, uint256) {
        return (bound(totalAssets, 0, MAX_ASSETS), bound(totalShares, 0, MAX_SHARES));
    }

    // ================================================================ rounding
    function testFuzz_toShares_upIsDownOrDownPlusOne(uint256 assets, uint256 totalAssets, uint256 totalShares)
        public
        pure
    {
        assets = bound(assets, 0, MAX_ASSETS);
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        uint256 down = SharesMath.toSharesDown(assets, totalAssets, totalShares);
        uint256 up = SharesMath.toSharesUp(assets, totalAssets, totalShares);
        assertLe(down, up, "down > up");
        assertLe(up, down + 1, "up > down + 1");
        // exact: down ≤ assets · (S + V) / (A + 1) < down + 1
        assertLe(down * (totalAssets + 1), assets * (totalShares + V), "down above exact");
        assertGt((down + 1) * (totalAssets + 1), assets * (totalShares + V), "down a share or more below exact");
        assertGe(up * (totalAssets + 1), assets * (totalShares + V), "up below exact");
    }

    function testFuzz_toAssets_upIsDownOrDownPlusOne(uint256 shares, uint256 totalAssets, uint256 totalShares)
        public
        pure
    {
        shares = bound(shares, 0, MAX_SHARES);
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        uint256 down = SharesMath.toAssetsDown(shares, totalAssets, totalShares);
        uint256 up = SharesMath.toAssetsUp(shares, totalAssets, totalShares);
        assertLe(down, up, "down > up");
        assertLe(up, down + 1, "up > down + 1");
    }

    // ================================================================ supply → withdraw
    /// @dev Supply `a` (shares minted rounded down), then redeem those shares from the state the
    /// supply left (assets rounded down): never more than `a` comes back.
    function testFuzz_supplyThenRedeem_neverReturnsMore(uint256 a, uint256 totalAssets, uint256 totalShares)
        public
        pure
    {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        a = bound(a, 0, MAX_ASSETS);
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        uint256 shares = SharesMath.toSharesDown(a, totalAssets, totalShares);
        uint256 back = SharesMath.toAssetsDown(shares, totalAssets + a, totalShares + shares);
        assertLe(back, a, "round trip through a supply paid out more than supplied");
        // and at an unchanged state too
        assertLe(SharesMath.toAssetsDown(shares, totalAssets, totalShares), a, "same-state round trip gained");
    }

    /// @dev Withdrawing `a` assets burns `toSharesUp(a)`, which are worth at least `a` (valued
    /// rounded down at the same state), and never more shares than exist when `a` is
    /// withdrawable at all.
    function testFuzz_withdraw_burnsSharesWorthAtLeastAmount(uint256 a, uint256 totalAssets, uint256 totalShares)
        public
        pure
    {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        uint256 withdrawable = SharesMath.toAssetsDown(totalShares, totalAssets, totalShares);
        a = bound(a, 0, withdrawable);
        uint256 burned = SharesMath.toSharesUp(a, totalAssets, totalShares);
        assertLe(burned, totalShares, "burns more shares than exist");
        assertGe(SharesMath.toAssetsDown(burned, totalAssets, totalShares), a, "burned shares worth less than paid out");
    }

    // ================================================================ share price
    /// @dev Price = (A + 1) / (S + V). Compared by cross-multiplication: after ≥ before.
    function _priceNotLower(uint256 a0, uint256 s0, uint256 a1, uint256 s1) internal pure returns (bool) {
        return (a1 + 1) * (s0 + V) >= (a0 + 1) * (s1 + V);
    }

    function testFuzz_supply_neverLowersSharePrice(uint256 a, uint256 totalAssets, uint256 totalShares) public pure {
        a = bound(a, 0, MAX_ASSETS);
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        uint256 minted = SharesMath.toSharesDown(a, totalAssets, totalShares);
        assertTrue(
            _priceNotLower(totalAssets, totalShares, totalAssets + a, totalShares + minted), "supply diluted holders"
        );
    }

    function testFuzz_withdraw_neverLowersSharePrice(uint256 a, uint256 totalAssets, uint256 totalShares) public pure {
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        a = bound(a, 0, SharesMath.toAssetsDown(totalShares, totalAssets, totalShares));
        uint256 burned = SharesMath.toSharesUp(a, totalAssets, totalShares);
        assertTrue(
            _priceNotLower(totalAssets, totalShares, totalAssets - a, totalShares - burned),
            "withdrawal diluted holders"
        );
    }

    /// @dev However the shares are split between two holders, their claims (rounded down) never
    /// exceed the assets: the virtual shares keep a sliver back.
    function testFuzz_holders_neverClaimMoreThanTotalAssets(uint256 split, uint256 totalAssets, uint256 totalShares)
        public
        pure
    {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        (totalAssets, totalShares) = _state(totalAssets, totalShares);
        split = bound(split, 0, totalShares);
        uint256 claims = SharesMath.toAssetsDown(split, totalAssets, totalShares)
            + SharesMath.toAssetsDown(totalShares - split, totalAssets, totalShares);
        assertLe(claims, totalAssets, "holders can claim more than the pool holds");
    }

    // ================================================================ first-depositor inflation
    // Attack: into an empty pool the attacker supplies 1 wei (minting 1e6 shares), then raises
    // totalAssets by a donation d ≤ 1e30 wei (in the pool only interest can do that: it never
    // reads its token balance, so a plain transfer does not count; modelled here as if it did).
    // A victim then supplies x. With p = (d + 2) / 2e6, the share price the victim pays:
    //
    //   (1) victim's loss  x − redeemable(victim)  <  p + 1  =  (d + 2) / 2e6 + 1
    //       (shares round down by < 1 share, worth < p; redeeming rounds down by < 1 wei);
    //   (2) hence loss ≤ x / 1e6 + 1 whenever the victim supplies at least half the donation
    //       (x ≥ (d + 2) / 2); for smaller deposits "x / 1e6 + 1" is NOT a bound (see below),
    //       (1) is the bound: the attacker must donate ~2e6 times what the victim loses;
    //   (3) the attacker never profits: redeemable(attacker) ≤ 1 + d; in fact half the
    //       donation goes to the virtual shares, and the attacker's own loss is at least
    //       (1e6 − 1) · (victim's loss − 1): the attacker wins back up to about half of what
    //       the victim loses (d = 1e24, x = 5e17 mints the victim no share at all), so the
    //       grief costs 1e6 − 1 to 1, not 1e6 to 1.

    struct Attack {
        uint256 attackerShares;
        uint256 victimShares;
        uint256 totalAssets;
        uint256 totalShares;
        uint256 victimValue;
        uint256 attackerValue;
    }

    function _attack(uint256 donation, uint256 x) internal pure returns (Attack memory t) {
        t.attackerShares = SharesMath.toSharesDown(1, 0, 0);
        t.totalAssets = 1 + donation;
        t.totalShares = t.attackerShares;
        t.victimShares = SharesMath.toSharesDown(x, t.totalAssets, t.totalShares);
        t.totalAssets += x;
        t.totalShares += t.victimShares;
        t.victimValue = SharesMath.toAssetsDown(t.victimShares, t.totalAssets, t.totalShares);
        t.attackerValue = SharesMath.toAssetsDown(t.attackerShares, t.totalAssets, t.totalShares);
    }

    function test_inflation_firstWeiMintsVirtualShareCount() public pure {
        // Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
        assertEq(SharesMath.toSharesDown(1, 0, 0), V, "1 wei into an empty pool");
    }

    /// @dev Statement (1).
    function testFuzz_inflation_victimLossBelowDonationOver2e6PlusOne(uint256 donation, uint256 x) public pure {
        // Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
        donation = bound(donation, 0, MAX_DONATION);
        x = bound(x, 1, MAX_ASSETS);
        Attack memory t = _attack(donation, x);
        assertLe(t.victimValue, x, "victim gained");
        uint256 loss = x - t.victimValue;
        assertLt(loss * 2 * V, donation + 2 + 2 * V, "victim lost (d + 2) / 2e6 + 1 or more");
    }

    /// @dev Statement (2).
    function testFuzz_inflation_lossAtMostMillionthWhenDepositCoversHalfTheDonation(uint256 donation, uint256 x)
        public
        pure
    {
        donation = bound(donation, 0, MAX_DONATION);
        x = bound(x, (donation + 2 + 1) / 2, 2 * MAX_ASSETS);
        Attack memory t = _attack(donation, x);
        assertLe(x - t.victimValue, x / V + 1, "victim lost more than x / 1e6 + 1");
    }

    /// @dev Why (2) needs its condition: a 1e30-wei donation against a 1e24-wei deposit costs
    /// the victim ~5e23 wei, far above x / 1e6 + 1 = 1e18 + 1 (but below (d + 2) / 2e6 + 1).
    /// @dev The case that showed statement (3) needs 1e6 − 1: the victim is minted no share, and
    /// half of its deposit goes to the attacker.
    function test_inflation_griefRatioWhenVictimGetsNoShare() public pure {
        Attack memory t = _attack(1e24, 5e17);
        assertEq(t.victimShares, 0, "victim gets no share");
        uint256 attackerLoss = 1 + 1e24 - t.attackerValue;
        assertLt(attackerLoss, V * (5e17 - 1), "1e6 : 1 would hold");
        assertGe(attackerLoss, (V - 1) * (5e17 - 1), "(1e6 - 1) : 1 broken");
    }

    function test_inflation_millionthBoundFailsForSmallDeposits() public pure {
        uint256 donation = 1e30;
        uint256 x = 1e24;
        Attack memory t = _attack(donation, x);
        uint256 loss = x - t.victimValue;
        assertEq(t.victimShares, 1, "victim gets one share");
        assertGt(loss, x / V + 1, "the naive bound would hold");
        assertLt(loss * 2 * V, donation + 2 + 2 * V, "bound (1) broken");
        // and the attacker paid for it: about half the donation went to the virtual shares
        assertLt(t.attackerValue, donation / 2 + 1e24, "attacker kept more than half");
    }

    /// @dev Statement (3).
    function testFuzz_inflation_attackerNeverProfits(uint256 donation, uint256 x) public pure {
        // Incident class: first-depositor share inflation (donation attacks on empty markets of Compound forks, e.g. Hundred Finance 2023; ERC-4626 vaults).
        donation = bound(donation, 0, MAX_DONATION);
        x = bound(x, 1, MAX_ASSETS);
        Attack memory t = _attack(donation, x);
        assertLe(t.attackerValue, 1 + donation, "attacker redeems more than it put in");
        uint256 attackerLoss = 1 + donation - t.attackerValue;
        uint256 victimLoss = x - t.victimValue;
        if (victimLoss > 1) assertGe(attackerLoss, (V - 1) * (victimLoss - 1), "grief is cheaper than (1e6 - 1) : 1");
    }
}
