// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title ReturnsFalseToken
/// @notice Test token that, while `failing`, answers `transfer` and `transferFrom` with
/// `false` and moves nothing instead of reverting (as ZRX and some early tokens do). A caller
/// that ignores the return value would book a transfer that never happened.
contract ReturnsFalseToken is MockERC20 {
    bool public failing;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    function setFailing(bool failing_) external {
        failing = failing_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}
