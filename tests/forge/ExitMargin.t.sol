// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MarketConfig} from "../../contracts/MarketConfig.sol";
import {AccountState, AccountStatus} from "../../interfaces/ILendingPool.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {IMarketConfig, MarketParams, LiquidationParams} from "../../interfaces/IMarketConfig.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The exit margin (DESIGN.md 2, 3, v3.3): a partial kick leaves the account at
/// T = max(targetHF, callHF_eff + exitMargin), so it leaves the band with room and a second of
/// interest does not call it again; `exitMargin` is a governance parameter in [0.01, 0.20].
/// The position: 10 WETH, 20,000 USDC of debt (HF 1.275 at $3,000), then WETH at $2,560 in one
/// round (HF 1.088), called, the deadline missed.
contract ExitMarginTest is LiquidationBase {
    uint256 internal constant DEBT = 20_000 * USDC;
    uint256 internal constant DIP = 2_560e8; // [feed units] WETH after the fall
    /// [wad] how far above T a partial kick may leave the account: the lot and tab round up
    uint256 internal constant ROUNDING_ROOM = 1e12;

    function setUp() public override {
        super.setUp();
        _open(10 * ETH, 0, DEBT);
    }

    // ================================================================ helpers
    function _setMarket(MarketParams memory params) internal {
        vm.prank(governor);
        m.config.setMarketParams(params);
    }

    /// @dev WETH to $2,560 in one round, the call issued, its deadline missed (fresh feeds at the
    /// same prices, the pending rounds consumed): the account is Liquidatable at HF ≈ 1.088.
    function _missTheCall() internal {
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
        m.wethFeed.setPrice(int256(DIP));
        m.oracle.poke(address(m.weth));
        vm.prank(keeper);
        m.pool.issueMarginCall(borrower);
        vm.warp(block.timestamp + GRACE_PERIOD + 1);
        _refreshFeeds();
        m.oracle.poke(address(m.weth));
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Liquidatable), "deadline missed");
    }

    /// @dev Kicks and checks what DESIGN.md 3 promises of a partial kick: HF in [T, T + rounding),
    /// Healthy, the call cleared; and one second of interest later still Healthy, not callable.
    /// Returns T.
    function _kickAndCheckRoom() internal returns (uint256 target) {
        AccountState memory before = m.lens.accountState(borrower);
        MarketParams memory params = m.config.marketParams();
        target = Math.max(params.targetHF, before.callLevel + params.exitMargin);
        vm.prank(keeper);
        m.liquidator.kick(borrower, keeper);

        AccountState memory afterKick = m.lens.accountState(borrower);
        assertGt(afterKick.debt, 0, "a partial kick, not a full one");
        assertGe(afterKick.healthFactor, target, "HF below T after a partial kick");
        assertLt(afterKick.healthFactor, target + ROUNDING_ROOM, "a partial kick took more than T needs");
        assertEq(uint8(afterKick.status), uint8(AccountStatus.Healthy), "left in the band");
        assertEq(m.pool.marginCallDeadline(borrower), 0, "the kick did not clear the call");

        vm.warp(block.timestamp + 1);
        m.pool.accrueInterest();
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Healthy), "re-called after one second");
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(ILendingPool.NotInMarginCall.selector, uint8(AccountStatus.Healthy)));
        m.pool.issueMarginCall(borrower);
    }

    // ================================================================ the kick target
    /// @notice callHF_eff + exitMargin below targetHF: no volatility term (volSlope 0), call
    /// level 1.10, so T = targetHF 1.25.
    function test_kick_targetIsTargetHF_whenExitMarginFitsUnder() public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.volSlope = 0;
        _setMarket(params);
        _missTheCall();
        assertEq(m.lens.accountState(borrower).callLevel, MARGIN_CALL_HF, "call level");
        assertEq(_kickAndCheckRoom(), TARGET_HF, "T is not targetHF");
    }

    /// @notice callHF_eff + exitMargin above targetHF: the −14.7 % round clamps the call level at
    /// maxCallHF 1.30, so T = 1.30 + 0.05 = 1.35, above the level the account was called at.
    function test_kick_targetIsCallLevelPlusExitMargin_whenAboveTargetHF() public {
        _missTheCall();
        assertEq(m.lens.accountState(borrower).callLevel, MAX_CALL_HF, "call level not clamped");
        assertEq(_kickAndCheckRoom(), MAX_CALL_HF + EXIT_MARGIN, "T is not callHF_eff + exitMargin");
    }

    /// @notice A larger exit margin, set by governance, applies to the next kick at once.
    function test_kick_followsGovernedExitMargin() public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.exitMargin = 0.2e18;
        _setMarket(params);
        _missTheCall();
        assertEq(_kickAndCheckRoom(), MAX_CALL_HF + 0.2e18, "T ignores the governed exit margin");
    }

    // ================================================================ bounds
    /// @notice Both ends of [0.01, 0.20] are accepted, one wei outside refused by name with the
    /// value, by the setter and by the constructor; a refused setter changes nothing.
    function test_exitMargin_bounds() public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.exitMargin = 0.01e18;
        _setMarket(params);
        assertEq(m.config.marketParams().exitMargin, 0.01e18, "lower bound refused");
        params.exitMargin = 0.2e18;
        _setMarket(params);
        assertEq(m.config.marketParams().exitMargin, 0.2e18, "upper bound refused");

        uint256[3] memory outside = [uint256(0), 0.01e18 - 1, 0.2e18 + 1];
        for (uint256 i; i < outside.length; ++i) {
            params.exitMargin = outside[i];
            vm.prank(governor);
            vm.expectRevert(abi.encodeWithSelector(IMarketConfig.BadExitMargin.selector, outside[i]));
            m.config.setMarketParams(params);
        }
        assertEq(m.config.marketParams().exitMargin, 0.2e18, "a refused setter moved the exit margin");

        params.exitMargin = 0.2e18 + 1;
        LiquidationParams memory liquidation = m.config.liquidationParams();
        vm.expectRevert(abi.encodeWithSelector(IMarketConfig.BadExitMargin.selector, 0.2e18 + 1));
        new MarketConfig(address(m.usdc), m.oracle, m.rateModel, m.pool, governor, guardian, params, liquidation);
    }

    /// @notice Any value in range is accepted and read back; any value outside is refused.
    function testFuzz_exitMargin_bounds(uint256 exitMargin) public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.exitMargin = exitMargin;
        bool inRange = exitMargin >= 0.01e18 && exitMargin <= 0.2e18;
        if (!inRange) vm.expectRevert(abi.encodeWithSelector(IMarketConfig.BadExitMargin.selector, exitMargin));
        vm.prank(governor);
        m.config.setMarketParams(params);
        assertEq(m.config.marketParams().exitMargin, inRange ? exitMargin : EXIT_MARGIN, "exit margin");
    }
}
