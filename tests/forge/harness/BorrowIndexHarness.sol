// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WadMath} from "../../../contracts/libraries/WadMath.sol";

/// @title BorrowIndexHarness
/// @notice The borrow-index and debt arithmetic of `LendingPool`, reproduced formula for
/// formula from contracts/LendingPool.sol (nothing is imported from the pool, so these tests
/// pin the formulas, not the pool's storage):
///
///     _grownIndex:  index + mulDivUp(index, annualRate · elapsed, WAD · SECONDS_PER_YEAR)
///     borrow:       normalized      = mulDivUp(amount, RAY, index)
///     debt:         debt            = mulDivUp(normalized, index, RAY)
///     partial repay: normalizedRepaid = mulDivDown(amount, RAY, index)
///                    left            = mulDivUp(normalized − normalizedRepaid, index, RAY)
///
/// If the pool's formulas change, this harness must change with them.
library BorrowIndexHarness {
    using WadMath for uint256;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @dev LendingPool._grownIndex. index [ray], annualRate [wad], elapsed [seconds].
    function grownIndex(uint256 index, uint256 annualRate, uint256 elapsed) internal pure returns (uint256) {
        return index + index.mulDivUp(annualRate * elapsed, WAD * SECONDS_PER_YEAR);
    }

    /// @dev LendingPool.borrow: the normalised debt booked for `amount`, rounded up.
    function normalizedForBorrow(uint256 amount, uint256 index) internal pure returns (uint256) {
        return amount.mulDivUp(RAY, index);
    }

    /// @dev LendingPool._debtOf / debtOf: debt of a normalised amount, rounded up.
    function debtOf(uint256 normalized, uint256 index) internal pure returns (uint256) {
        return normalized.mulDivUp(index, RAY);
    }

    /// @dev LendingPool.repay (partial branch): the normalised debt removed, rounded down.
    function normalizedRepaid(uint256 amount, uint256 index) internal pure returns (uint256) {
        return amount.mulDivDown(RAY, index);
    }
}
