// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {BorrowIndexHarness as Idx} from "./harness/BorrowIndexHarness.sol";

/// @notice The borrow index and debt rounding of LendingPool (DESIGN.md 2: debt and the index
/// round up). The formulas are reproduced in harness/BorrowIndexHarness.sol from
/// contracts/LendingPool.sol — the same formulas as `_grownIndex`, `borrow`, `_debtOf` and
/// the partial branch of `repay` — so these tests do not depend on the pool's state:
///     grown = index + mulDivUp(index, rate · dt, 1e18 · 365 days)
///     normalized = mulDivUp(amount, 1e27, index);  debt = mulDivUp(normalized, index, 1e27)
///     normalizedRepaid = mulDivDown(r, 1e27, index)
/// @dev Bounds: index in [1e27, 1e36] (up to 10^9-fold growth), rate ≤ 10e18 (the rate model's
/// 1,000 % APR cap), one step ≤ 10 years, amounts ≤ 1e30.
contract BorrowIndexTest is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant YEAR = 365 days;
    uint256 internal constant MAX_INDEX = 1e36;
    uint256 internal constant MAX_RATE = 10e18;
    uint256 internal constant MAX_DT = 10 * YEAR;
    uint256 internal constant MAX_AMOUNT = 1e30;

    function _bounded(uint256 index, uint256 rate, uint256 dt) internal pure returns (uint256, uint256, uint256) {
        return (bound(index, RAY, MAX_INDEX), bound(rate, 0, MAX_RATE), bound(dt, 0, MAX_DT));
    }

    // ================================================================ index growth
    function testFuzz_grownIndex_neverDecreases(uint256 index, uint256 rate, uint256 dt, uint256 normalizedTotal)
        public
        pure
    {
        (index, rate, dt) = _bounded(index, rate, dt);
        uint256 grown = Idx.grownIndex(index, rate, dt);
        assertGe(grown, index, "index decreased");
        if (rate != 0 && dt != 0) assertGt(grown, index, "positive rate and time, index unchanged");
        // so the pool's booked interest, debt(total, new) − debt(total, old), never underflows
        normalizedTotal = bound(normalizedTotal, 0, MAX_AMOUNT);
        assertGe(Idx.debtOf(normalizedTotal, grown), Idx.debtOf(normalizedTotal, index), "interest negative");
    }

    /// @dev grown − index ≥ index · rate · dt / (1e18 · year) exactly, and exceeds it by less
    /// than one wei (rounded up, once).
    function testFuzz_grownIndex_atLeastSimpleInterest(uint256 index, uint256 rate, uint256 dt) public pure {
        (index, rate, dt) = _bounded(index, rate, dt);
        uint256 growth = Idx.grownIndex(index, rate, dt) - index;
        uint256 exactNumerator = index * rate * dt; // growth = exactNumerator / (WAD · YEAR)
        assertGe(growth * WAD * YEAR, exactNumerator, "below simple interest");
        if (growth > 0) assertLt((growth - 1) * WAD * YEAR, exactNumerator, "a wei or more above simple interest");
        else assertEq(exactNumerator, 0, "no growth for positive interest");
    }

    function test_grownIndex_demoValues() public pure {
        // 4 % APR for a year on RAY: exactly 1.04 RAY
        assertEq(Idx.grownIndex(RAY, 0.04e18, YEAR), 1.04e27);
        // 79 % APR for one second: RAY · 0.79 / 31,536,000 = 25,050,735,667,174,023,338.4… → up
        assertEq(Idx.grownIndex(RAY, 0.79e18, 1), RAY + 25_050_735_667_174_023_339);
        assertEq(Idx.grownIndex(RAY, 0, 1000 days), RAY);
        assertEq(Idx.grownIndex(RAY, 0.79e18, 0), RAY);
    }

    /// @dev n accruals of dt each (what a busy pool does) ≥ one accrual of n · dt (a quiet
    /// pool): compounding and per-step rounding up both only add.
    function testFuzz_compounding_atLeastOneLongStep(uint256 index, uint256 rate, uint256 dt, uint256 n) public pure {
        index = bound(index, RAY, MAX_INDEX);
        rate = bound(rate, 0, MAX_RATE);
        dt = bound(dt, 1, 30 days);
        n = bound(n, 1, 32); // ≤ (1 + 10 · 30/365)^32 ≈ 2e8-fold: no overflow
        uint256 compounded = index;
        for (uint256 i; i < n; ++i) {
            compounded = Idx.grownIndex(compounded, rate, dt);
        }
        assertGe(compounded, Idx.grownIndex(index, rate, n * dt), "compounding below one long step");
    }

    /// @dev Any sequence of accruals at changing rates (utilisation moves) never lowers the index.
    function testFuzz_index_monotoneOverVaryingRates(uint256 seed, uint256 steps) public pure {
        steps = bound(steps, 1, 24);
        uint256 index = RAY;
        for (uint256 i; i < steps; ++i) {
            uint256 rate = uint256(keccak256(abi.encode(seed, i, "rate"))) % (MAX_RATE + 1);
            uint256 dt = uint256(keccak256(abi.encode(seed, i, "dt"))) % 30 days;
            uint256 next = Idx.grownIndex(index, rate, dt);
            assertGe(next, index, "index decreased");
            index = next;
        }
    }

    // ================================================================ borrow
    /// @dev Right after a borrow the debt is at least the amount borrowed, and above it by less
    /// than one index unit plus one wei: < amount + index / 1e27 + 1.
    function testFuzz_borrow_debtAtLeastAmount(uint256 amount, uint256 index) public pure {
        amount = bound(amount, 1, MAX_AMOUNT);
        index = bound(index, RAY, MAX_INDEX);
        uint256 normalized = Idx.normalizedForBorrow(amount, index);
        uint256 debt = Idx.debtOf(normalized, index);
        assertGe(debt, amount, "borrower owes less than borrowed");
        assertLt((debt - amount) * RAY, index + RAY, "overcharged by more than rounding");
    }

    function testFuzz_borrow_debtNeverFallsAsTimePasses(uint256 amount, uint256 index, uint256 rate, uint256 dt)
        public
        pure
    {
        amount = bound(amount, 1, MAX_AMOUNT);
        (index, rate, dt) = _bounded(index, rate, dt);
        uint256 normalized = Idx.normalizedForBorrow(amount, index);
        uint256 later = Idx.debtOf(normalized, Idx.grownIndex(index, rate, dt));
        assertGe(later, Idx.debtOf(normalized, index), "debt fell");
        assertGe(later, amount, "debt below the amount borrowed");
    }

    // ================================================================ repay
    /// @dev A partial repay of r removes mulDivDown(r, 1e27, index) of normalised debt: the debt
    /// left is ≥ debt − r (nothing forgiven) and above it by less than one index unit plus one.
    function testFuzz_partialRepay_neverForgivesDebt(uint256 amount, uint256 index, uint256 rate, uint256 dt, uint256 r)
        public
        pure
    {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        amount = bound(amount, 2, MAX_AMOUNT);
        (index, rate, dt) = _bounded(index, rate, dt);
        uint256 normalized = Idx.normalizedForBorrow(amount, index);
        uint256 indexNow = Idx.grownIndex(index, rate, dt); // ≤ 101 · MAX_INDEX
        uint256 debt = Idx.debtOf(normalized, indexNow);

        r = bound(r, 1, debt - 1); // partial: the pool repays everything when r ≥ debt
        uint256 normalizedRepaid = Idx.normalizedRepaid(r, indexNow);
        assertLt(normalizedRepaid, normalized, "a partial repay cleared the whole normalised debt");
        uint256 left = Idx.debtOf(normalized - normalizedRepaid, indexNow);
        assertGe(left, debt - r, "repay forgave debt");
        assertLt((left - (debt - r)) * RAY, indexNow + RAY, "repay kept more than rounding");
    }

    /// @dev Two partial repays in a row forgive nothing either (no rounding gain accumulates).
    function testFuzz_twoPartialRepays_neverForgiveDebt(uint256 amount, uint256 index, uint256 r1, uint256 r2)
        public
        pure
    {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        amount = bound(amount, 3, MAX_AMOUNT);
        index = bound(index, RAY, MAX_INDEX);
        uint256 normalized = Idx.normalizedForBorrow(amount, index);
        uint256 debt = Idx.debtOf(normalized, index);

        r1 = bound(r1, 1, debt - 2);
        normalized -= Idx.normalizedRepaid(r1, index);
        uint256 mid = Idx.debtOf(normalized, index);
        assertGe(mid, debt - r1, "first repay forgave debt"); // so mid ≥ 2: r2 can be partial
        r2 = bound(r2, 1, mid - 1);
        normalized -= Idx.normalizedRepaid(r2, index);
        // r2 may exceed debt − r1 (the first repay's rounding kept up to a wei more owed)
        uint256 owedAtLeast = r1 + r2 >= debt ? 0 : debt - r1 - r2;
        assertGe(Idx.debtOf(normalized, index), owedAtLeast, "two repays forgave debt");
    }

    // ================================================================ aggregate rounding
    /// @dev The pool books total debt from the summed normalised debt: each account's debt
    /// rounds up separately, so Σ debts ≥ total debt, and by at most one wei per account.
    function testFuzz_accountDebts_coverTotalDebt(uint256 n1, uint256 n2, uint256 n3, uint256 index) public pure {
        // Incident class: rounding-direction extraction (round trips that round in the user's favour).
        n1 = bound(n1, 0, MAX_AMOUNT);
        n2 = bound(n2, 0, MAX_AMOUNT);
        n3 = bound(n3, 0, MAX_AMOUNT);
        index = bound(index, RAY, MAX_INDEX);
        uint256 sum = Idx.debtOf(n1, index) + Idx.debtOf(n2, index) + Idx.debtOf(n3, index);
        uint256 total = Idx.debtOf(n1 + n2 + n3, index);
        assertGe(sum, total, "accounts owe less than the total");
        assertLe(sum, total + 3, "more than one wei per account");
    }
}
