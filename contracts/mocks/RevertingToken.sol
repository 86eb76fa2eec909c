// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title RevertingToken
/// @notice Test token that, while `blocked`, reverts every `transfer` and `transferFrom` (as a
/// paused token or one that blacklists the pool does). Minting still works. Used to show that a
/// collateral whose transfers fail loses nothing: every call that moves it reverts as a whole.
contract RevertingToken is MockERC20 {
    bool public blocked;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        require(!blocked, "RevertingToken: transfers blocked");
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        require(!blocked, "RevertingToken: transfers blocked");
        return super.transferFrom(from, to, value);
    }
}
