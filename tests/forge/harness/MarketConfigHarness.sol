// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketConfig} from "../../../contracts/MarketConfig.sol";
import {MarketParams, LiquidationParams} from "../../../interfaces/IMarketConfig.sol";
import {IOracleAdapter} from "../../../interfaces/IOracleAdapter.sol";
import {IInterestRateModel} from "../../../interfaces/IInterestRateModel.sol";
import {ILendingPool} from "../../../interfaces/ILendingPool.sol";
import {RampLib, Ramp} from "../../../contracts/libraries/RampLib.sol";

/// @notice A MarketConfig that also answers from its unpacked storage (the targets and the full
/// `Ramp` records), so a test can hold the packed getters against it.
contract MarketConfigHarness is MarketConfig {
    using RampLib for Ramp;

    constructor(
        address baseToken_,
        IOracleAdapter oracle_,
        IInterestRateModel rateModel_,
        ILendingPool pool_,
        address governor_,
        address guardian_,
        MarketParams memory market_,
        LiquidationParams memory liquidation_
    ) MarketConfig(baseToken_, oracle_, rateModel_, pool_, governor_, guardian_, market_, liquidation_) {}

    function marketParamsFromStorage() external view returns (MarketParams memory m) {
        m = _market;
        m.marginCallHF = _marginCallHFRamp.current();
        m.gracePeriod = _gracePeriodRamp.current();
    }

    function accrualParamsFromStorage() external view returns (IInterestRateModel, uint256) {
        return (rateModel, _market.reserveFactor);
    }
}
