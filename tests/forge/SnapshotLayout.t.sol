// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";
import {MarketSnapshot} from "../../interfaces/ILendingPool.sol";

/// @notice Pins the ABI layout of `MarketSnapshot` that `DutchAuctionLiquidator._prepareKick`
/// reads in place (its `SNAPSHOT_BYTES` and word offsets): `ok` in word 0, the 9 words of
/// `market` in 1-9, `borrowIndex`, `volRef`, `basePriced`, `baseLow`, `baseHigh` in 10-14, then
/// the ten arrays of 8 from word 15 on, in declaration order. A field added, removed or moved
/// fails here before a kick could misread the pool's answer.
contract SnapshotLayoutTest is Test {
    uint256 internal constant SNAPSHOT_WORDS = 95; // DutchAuctionLiquidator.SNAPSHOT_BYTES / 32

    function test_snapshotEncodingIsTheLayoutTheKickReads() public pure {
        MarketSnapshot memory s;
        s.ok = true;
        s.market.marginCallHF = 101;
        s.market.exitMargin = 109;
        s.borrowIndex = 110;
        s.volRef = 111;
        s.basePriced = true;
        s.baseLow = 113;
        s.baseHigh = 114;
        for (uint256 i; i < 8; ++i) {
            s.asset[i] = address(uint160(1000 + i));
            s.scale[i] = 1100 + i;
            s.liquidationFactor[i] = 1200 + i;
            s.borrowFactor[i] = 1300 + i;
            s.liquidationPenalty[i] = 1400 + i;
            s.volatility[i] = 1500 + i;
            s.priced[i] = true;
            s.low[i] = 1700 + i;
            s.high[i] = 1800 + i;
            s.overCap[i] = 1900 + i;
        }
        bytes memory encoded = abi.encode(s);
        assertEq(encoded.length, SNAPSHOT_WORDS * 32, "words");
        assertEq(_word(encoded, 0), 1, "ok");
        assertEq(_word(encoded, 1), 101, "market's first field");
        assertEq(_word(encoded, 9), 109, "market's last field");
        assertEq(_word(encoded, 10), 110, "borrowIndex");
        assertEq(_word(encoded, 11), 111, "volRef");
        assertEq(_word(encoded, 12), 1, "basePriced");
        assertEq(_word(encoded, 13), 113, "baseLow");
        assertEq(_word(encoded, 14), 114, "baseHigh");
        uint256[10] memory base = [uint256(1000), 1100, 1200, 1300, 1400, 1500, 0, 1700, 1800, 1900];
        for (uint256 k; k < 10; ++k) {
            for (uint256 i; i < 8; ++i) {
                // array k, entry i, at word 15 + 8k + i (`priced` holds booleans)
                assertEq(_word(encoded, 15 + 8 * k + i), k == 6 ? 1 : base[k] + i, "array entry");
            }
        }
    }

    function _word(bytes memory data, uint256 index) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), shl(5, index)))
        }
    }
}
