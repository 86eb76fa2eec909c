// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GasBase} from "./GasBase.sol";
import {PoolLens} from "../../../contracts/PoolLens.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {MockPositionFactory} from "../../../contracts/mocks/MockPositionFactory.sol";
import {ILendingPool} from "../../../interfaces/ILendingPool.sol";

/// @notice Gas of one `PoolLens.accounts` call over 1, 100 and 500 accounts holding two
/// collaterals each (DESIGN.md 11: 500 within 8,000,000), each call its own transaction.
contract LensGas is GasBase {
    uint256 internal constant ACCOUNTS = 500;
    uint256 internal constant PER_TX = 25;

    function test_lens() public {
        MockPositionFactory factory = new MockPositionFactory();
        MockERC20[] memory assets = new MockERC20[](2);
        (assets[0], assets[1]) = (m.weth, m.wbtc);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (ETH, BTC / 100); // $3,600 of collateral
        for (uint256 i; i < ACCOUNTS; i += PER_TX) {
            factory.open(ILendingPool(address(m.pool)), assets, amounts, 1_500 * USDC, PER_TX);
        }
        address[] memory all = factory.accounts();
        _nextHour();
        _lens(all, 1, "PoolLens.accounts (1 x 2 collaterals)");
        _lens(all, 100, "PoolLens.accounts (100 x 2 collaterals)");
        _lens(all, ACCOUNTS, "PoolLens.accounts (500 x 2 collaterals)");
    }

    /// @dev A plain CALL (not a STATICCALL) so that isolation runs it as a transaction.
    function _lens(address[] memory all, uint256 n, string memory name) internal {
        address[] memory list = new address[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = all[i];
        }
        (bool ok,) = address(m.lens).call(abi.encodeCall(PoolLens.accounts, (list)));
        assertTrue(ok, name);
        _measure(name);
    }
}
