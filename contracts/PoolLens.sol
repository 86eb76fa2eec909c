// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {ILendingPool, AccountState, MarketSnapshot} from "../interfaces/ILendingPool.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {AccountRisk} from "./libraries/AccountRisk.sol";
import {AccountReader} from "./libraries/AccountReader.sol";
import {SharesMath} from "./libraries/SharesMath.sol";

/// @title PoolLens
/// @notice Read-only views of accounts for keepers and UIs (DESIGN.md 9): for each account its
/// debt, debt in auction, live auctions, collateral value, health factor, effective call level,
/// status, call deadline, a `priceOk` flag and its liquidation price (for several collaterals,
/// the uniform percentage fall that makes HF 1).
/// @dev The pool keeps only the reads its own checks need (DESIGN.md 11: derived reads live in
/// the lens, so `LendingPool` stays under 22,000 bytes). The lens takes one snapshot of every
/// listed slot per call (`pool.marketSnapshot()`: prices, parameters and volatilities read once)
/// and values each account from the pool's public reads with the pool's own arithmetic
/// (`AccountRisk`), so it agrees with the pool to the wei and holds no risk logic of its own.
/// One bad price never reverts the batch: that account's `priceOk` is false. Serves 500
/// accounts within the 16,777,216 gas cap of one transaction (`make bench`). Nothing calls it.
contract PoolLens {
    using AccountRisk for AccountRisk.Valuation;

    ILendingPool public immutable pool;
    IOracleAdapter internal immutable oracle;
    uint256 internal immutable BASE_SCALE; // 10 ** base decimals

    constructor(ILendingPool pool_) {
        pool = pool_;
        oracle = pool_.config().oracle();
        BASE_SCALE = 10 ** IERC20Metadata(address(pool_.baseToken())).decimals();
    }

    /// @notice The state of every account in `list` (same order), at one market snapshot.
    function accounts(address[] calldata list)
        external
        view
        returns (AccountState[] memory states, MarketSnapshot memory snap)
    {
        snap = pool.marketSnapshot();
        states = new AccountState[](list.length);
        AccountRisk.Valuation memory scratch; // one for the batch: memory grows with the list only
        for (uint256 i; i < list.length; ++i) {
            AccountReader.writeState(states[i], pool, list[i], snap, BASE_SCALE, scratch);
        }
    }

    /// @notice The account's state; never reverts on a price (see `AccountState.priceOk`).
    function accountState(address account) external view returns (AccountState memory) {
        AccountRisk.Valuation memory v;
        return AccountReader.stateOf(pool, account, pool.marketSnapshot(), BASE_SCALE, v);
    }

    /// @notice Value of an account's supply shares at book value [base units], rounded down.
    function supplyBalanceOf(address account) external view returns (uint256) {
        return SharesMath.toAssetsDown(pool.supplySharesOf(account), pool.supplierAssets(), pool.totalSupplyShares());
    }

    /// @notice What withdrawing all of an account's supply would pay now: book value less its
    /// share of the known loss no reserve or fund absorbs (`pool.supplierHaircut`; interest as
    /// of the last accrual), the price `pool.withdraw` applies.
    function withdrawableOf(address account) external view returns (uint256) {
        return SharesMath.toAssetsDown(
            pool.supplySharesOf(account), pool.supplierAssets() - pool.supplierHaircut(), pool.totalSupplyShares()
        );
    }

    /// @notice The account's effective margin-call level callHF_eff [wad] (DESIGN.md 3).
    /// Reverts with the oracle's named error when the base price or a price of a collateral
    /// the account holds is invalid, as the pool's own checks would.
    function effectiveCallHF(address account) external view returns (uint256) {
        MarketSnapshot memory snap = pool.marketSnapshot();
        if (!snap.basePriced) oracle.priceRange(address(pool.baseToken()));
        uint256 held = pool.assetsIn(account);
        for (uint256 i; held >> i != 0; ++i) {
            if ((held >> i) & 1 != 0 && !snap.priced[i]) oracle.priceRange(snap.asset[i]);
        }
        AccountRisk.Valuation memory v;
        AccountReader.valueInto(v, pool, account, held, snap, BASE_SCALE);
        return v.callLevel(snap);
    }
}
