// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice A lowered liquidation factor ramps over 7 days (DESIGN.md 2, as Euler's LTV ramp): the
/// factor in force, and every health factor valued with it, move linearly from the old value to
/// the new one, rounded towards the new one; a raise applies at once.
contract LiquidationFactorRampTest is LiquidationBase {
    uint256 internal constant RAMP = 7 days;

    function setUp() public override {
        super.setUp();
        _open(10 * ETH, 0, 20_000 * USDC);
    }

    /// @dev HF as DESIGN.md 3 values it: ⌊⌊10 WETH · 3,000⌋ · lf⌋ / debt value, rounded down.
    function _expectedHF(uint256 lf) internal view returns (uint256) {
        uint256 liquidationValue = Math.mulDiv(10 * 3_000e18, lf, WAD);
        uint256 debtValue = Math.mulDiv(m.pool.debtOf(borrower), WAD, USDC, Math.Rounding.Ceil);
        return Math.mulDiv(liquidationValue, WAD, debtValue);
    }

    function testFuzz_healthFactorFollowsTheRamp(uint256 target, uint256 elapsed) public {
        target = bound(target, 0.77e18, WETH_LF - 1); // borrow factor 0.70: 0.70 · 1.10 ≤ 0.77
        elapsed = bound(elapsed, 0, RAMP + 1 days);
        vm.prank(governor);
        m.config.setCollateralParams(address(m.weth), CollateralParams(0.7e18, target, WETH_PENALTY, WETH_CAP));
        vm.warp(block.timestamp + elapsed);
        _refreshFeeds();
        uint256 lf =
            elapsed >= RAMP ? target : WETH_LF - Math.mulDiv(WETH_LF - target, elapsed, RAMP, Math.Rounding.Ceil);
        assertEq(m.config.collateralInfo(address(m.weth)).liquidationFactor, lf, "factor in force");
        assertEq(m.pool.healthFactor(borrower), _expectedHF(lf), "HF valued at the factor in force");
    }

    /// @notice Half-way through the ramp the factor is half-way; raising it back applies at once.
    function test_halfWayThenRaisedBack() public {
        vm.prank(governor);
        m.config.setCollateralParams(address(m.weth), CollateralParams(0.7e18, 0.79e18, WETH_PENALTY, WETH_CAP));
        vm.warp(block.timestamp + RAMP / 2);
        _refreshFeeds();
        assertEq(m.config.collateralInfo(address(m.weth)).liquidationFactor, 0.82e18, "half-way");
        assertEq(m.pool.healthFactor(borrower), _expectedHF(0.82e18), "HF half-way");
        vm.prank(governor);
        m.config.setCollateralParams(address(m.weth), CollateralParams(0.7e18, WETH_LF, WETH_PENALTY, WETH_CAP));
        assertEq(m.config.collateralInfo(address(m.weth)).liquidationFactor, WETH_LF, "a raise applies at once");
    }
}
