// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGoverned} from "../../interfaces/IOracleAdapter.sol";

/// @title MockGovernance
/// @notice Stands in for the market's config where a test deploys an oracle alone: it names the
/// governor the oracle obeys. Tests only; a market's oracle reads its MarketConfig.
contract MockGovernance is IGoverned {
    address public governor;

    constructor(address governor_) {
        governor = governor_;
    }

    /// @notice Hands the role over at once (the real config does it in two steps).
    function setGovernor(address newGovernor) external {
        governor = newGovernor;
    }
}
