// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ILendingPool, AccountStatus, AccountState, MarketSnapshot} from "../interfaces/ILendingPool.sol";

/// @title PoolLens
/// @notice Batched, read-only view of many accounts for keepers and UIs (DESIGN.md 9). Prices,
/// parameters and volatilities are read once per call (`pool.marketSnapshot`) and every account
/// is evaluated by the pool's own ladder at that snapshot, so the lens holds no risk logic of
/// its own. One bad price never reverts the batch: the account's `priceOk` says so.
/// @dev Serves 500 accounts within the 16,777,216 gas cap of one transaction (tests measure it).
contract PoolLens {
    uint256 internal constant WAD = 1e18;

    struct AccountData {
        address account;
        uint256 debt; // [base units] accruing debt
        uint256 debtInAuction; // [base units] debt held by live auctions of the account
        uint256 liveAuctions; // number of live auctions of the account
        uint256 collateralValue; // [wad USD] at the status prices
        uint256 healthFactor; // [wad], max uint without debt
        uint256 callLevel; // [wad] effective margin-call level
        AccountStatus status;
        uint256 callDeadline; // [unix seconds], 0 without a live call
        bool priceOk; // every price the account needs is valid (else HF and status are not meaningful)
        /// [wad USD] the price of the account's only collateral at which HF reaches 1, base
        /// price held; 0 for several collaterals or no debt
        uint256 liquidationPrice;
        /// [wad] the uniform fall of all its collateral prices at which HF reaches 1 (0 when HF ≤ 1)
        uint256 liquidationDrop;
    }

    ILendingPool public immutable pool;

    constructor(ILendingPool pool_) {
        pool = pool_;
    }

    /// @notice The state of every account in `list`, at one snapshot.
    function accounts(address[] calldata list) external view returns (AccountData[] memory out) {
        (AccountState[] memory states, MarketSnapshot memory snap) = pool.accountStates(list);
        out = new AccountData[](list.length);
        for (uint256 i; i < list.length; ++i) {
            out[i] = _account(list[i], states[i], snap);
        }
    }

    function _account(address account, AccountState memory s, MarketSnapshot memory snap)
        internal
        pure
        returns (AccountData memory d)
    {
        d.account = account;
        d.debt = s.debt;
        d.debtInAuction = s.debtInAuction;
        d.liveAuctions = s.liveAuctions;
        d.collateralValue = s.collateralValue;
        d.healthFactor = s.healthFactor;
        d.callLevel = s.callLevel;
        d.status = s.status;
        d.callDeadline = s.callDeadline;
        d.priceOk = s.priceOk;
        if (!s.priceOk || s.debt == 0 || s.liquidationValue == 0) return d;
        // liquidation value is linear in the collateral prices: HF = 1 at prices × debtValue/liqValue
        if (s.liquidationValue > s.debtValue) {
            d.liquidationDrop = WAD - Math.mulDiv(s.debtValue, WAD, s.liquidationValue, Math.Rounding.Ceil);
        }
        uint256 held = s.assetsIn;
        if (held != 0 && held & (held - 1) == 0) {
            uint256 slot = Math.log2(held);
            // rounded up: the warning errs on the early side
            d.liquidationPrice = Math.mulDiv(snap.high[slot], s.debtValue, s.liquidationValue, Math.Rounding.Ceil);
        }
    }
}
