// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title HookToken
/// @notice Test token with a transfer hook (as ERC-777 or ERC-1363 tokens have): while a hook
/// is armed, every transfer between two holders first calls `hookTarget` with `hookData`,
/// bubbling up any revert. Used to re-enter the pool from inside its own token transfers.
contract HookToken is MockERC20 {
    address public hookTarget; // zero: no hook
    bytes public hookData;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Arms the hook (`target` zero disarms it).
    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = hookTarget;
        if (target != address(0) && from != address(0) && to != address(0)) {
            (bool ok, bytes memory ret) = target.call(hookData);
            if (!ok) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        super._update(from, to, value);
    }
}
