// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleAdapter} from "../../../contracts/OracleAdapter.sol";
import {IGoverned, InitialFeed} from "../../../interfaces/IOracleAdapter.sol";

/// @notice Exposes the estimator's one-round update (`_sample`) on a packed `VolState`, to reach
/// magnitudes no feed of a test can produce in reasonable time (the variance's saturation).
contract OracleAdapterHarness is OracleAdapter {
    constructor(IGoverned governance_) OracleAdapter(governance_, 0.02e18, 0.6e18, 1 days, 16, new InitialFeed[](0)) {}

    /// @dev The variance after a round with answer `p` at `t`, from a state whose last round had
    /// answer `previous` at `previousAt` and variance `variance` (≤ 2^96 − 1, what storage holds).
    function sample(uint96 variance, uint256 previous, uint40 previousAt, uint256 p, uint256 t, uint256 tau)
        external
        pure
        returns (uint256)
    {
        VolState memory v = VolState(1, 1, previousAt, variance, previous);
        _sample(v, p, t, tau);
        return v.variance;
    }
}
