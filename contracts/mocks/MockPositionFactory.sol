// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {MockERC20} from "./MockERC20.sol";

/// @title MockPositionAccount
/// @notice Test helper: an account that opens its own position in its constructor (mints its
/// mock collateral, deposits it, borrows as `msg.sender`) and then does nothing. Lets a test
/// create hundreds of distinct borrowers in a few transactions.
contract MockPositionAccount {
    constructor(ILendingPool pool, MockERC20[] memory assets, uint256[] memory amounts, uint256 debt) {
        for (uint256 i; i < assets.length; ++i) {
            if (amounts[i] == 0) continue;
            assets[i].mint(address(this), amounts[i]);
            IERC20(address(assets[i])).approve(address(pool), amounts[i]);
            pool.depositCollateral(address(assets[i]), amounts[i], address(this));
        }
        if (debt != 0) pool.borrow(debt, address(this));
    }
}

/// @title MockPositionFactory
/// @notice Creates `MockPositionAccount`s in batches and remembers them.
contract MockPositionFactory {
    address[] internal _accounts;

    event PositionsOpened(uint256 first, uint256 count);

    /// @notice Opens `howMany` identical positions: `amounts[i]` of `assets[i]` and `debt` base units.
    function open(
        ILendingPool pool,
        MockERC20[] calldata assets,
        uint256[] calldata amounts,
        uint256 debt,
        uint256 howMany
    ) external {
        emit PositionsOpened(_accounts.length, howMany);
        for (uint256 i; i < howMany; ++i) {
            _accounts.push(address(new MockPositionAccount(pool, assets, amounts, debt)));
        }
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function count() external view returns (uint256) {
        return _accounts.length;
    }
}
