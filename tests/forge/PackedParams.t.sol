// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketParams, LiquidationParams} from "../../interfaces/IMarketConfig.sol";
import {PackedParams} from "../../contracts/libraries/PackedParams.sol";
import {LiquidationBase} from "./Liquidation.t.sol";

/// @notice The packed words the config hands to the liquidator and the pool (docs/ARCHITECTURE.md,
/// "Parameters off the user path") always say what the struct getters say: after every setter,
/// and at every point of a ramp.
contract PackedParamsTest is LiquidationBase {
    using PackedParams for uint256;

    function setUp() public override {
        super.setUp();
    }

    function _checkLiquidationWords() internal view {
        MarketParams memory market = m.config.marketParams();
        LiquidationParams memory l = m.config.liquidationParams();
        uint256 auction = m.config.packedAuctionParams();
        uint256 incentive = m.config.packedKeeperIncentives();
        assertEq(auction.dust(), market.dust, "dust");
        assertEq(auction.cusp(), l.cusp, "cusp");
        assertEq(auction.buf(), l.buf, "buf");
        assertEq(incentive.tip(), l.tip, "tip");
        assertEq(incentive.chip(), l.chip, "chip");
    }

    function test_liquidationWords_atDeployment() public view {
        _checkLiquidationWords();
    }

    /// @notice Any accepted setLiquidationParams moves the words with it; a refused one moves nothing.
    function testFuzz_liquidationWords_followSetLiquidationParams(uint256 buf, uint256 cusp, uint256 tip, uint256 chip)
        public
    {
        LiquidationParams memory l = LiquidationParams({
            buf: bound(buf, 1e18, 2e18),
            cusp: bound(cusp, 0.5e18, 1e18 - 1),
            tip: bound(tip, 0, 10 * USDC),
            chip: bound(chip, 0, 0.01e18)
        });
        vm.prank(governor);
        try m.config.setLiquidationParams(l) {
            assertEq(m.config.packedAuctionParams().buf(), l.buf, "buf set");
            assertEq(m.config.packedKeeperIncentives().tip(), l.tip, "tip set");
        } catch {}
        _checkLiquidationWords();
    }

    /// @notice setMarketParams moves dust in the auction word.
    function testFuzz_liquidationWords_followDust(uint256 dust) public {
        MarketParams memory params = m.config.marketParamsTarget();
        params.dust = bound(dust, 1, type(uint128).max);
        vm.prank(governor);
        try m.config.setMarketParams(params) {
            assertEq(m.config.packedAuctionParams().dust(), params.dust, "dust set");
        } catch {}
        _checkLiquidationWords();
    }

    /// @notice The words hold every value the bounds allow, at the edges of each field.
    function testFuzz_pack_roundTrips(uint128 dust, uint64 cusp, uint64 buf, uint128 tip, uint128 chip) public pure {
        uint256 auction = PackedParams.packAuction(dust, cusp, buf);
        assertEq(auction.dust(), dust);
        assertEq(auction.cusp(), cusp);
        assertEq(auction.buf(), buf);
        uint256 incentive = PackedParams.packIncentive(tip, chip);
        assertEq(incentive.tip(), tip);
        assertEq(incentive.chip(), chip);
    }
}
