// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {DemoMarket} from "../DemoMarket.sol";
import {MockAggregator} from "../../../contracts/mocks/MockAggregator.sol";

/// @notice The market every gas figure is measured on: the demo market (DemoMarket.sol) in use,
/// 10,000,000 USDC supplied, another borrower's debt accruing, an insured fund, an hour passed
/// and every feed refreshed by a round nobody has consumed yet (as on a live chain, where feeds
/// update on their own and keepers poke every round they see, DESIGN.md 11: the round before
/// is consumed, the new one is pending, and the user path folds it in without writing it).
/// @dev Run only by tools/gas.py (`make gas-snapshot`, `make gas-check`, `make bench`), which
/// sets GAS_SNAPSHOT=1 and `--isolate`: every top-level call of a test is its own transaction,
/// so each figure is a whole transaction (21,000 and calldata included) on cold storage, as
/// DESIGN.md 11 measures. Anywhere else (a plain `forge test`) these tests skip: figures taken
/// without isolation would be wrong. `_measure(name)` records the last call's gas.
abstract contract GasBase is DemoMarket {
    address internal supplier = makeAddr("supplier");
    address internal other = makeAddr("other"); // a borrower whose debt makes interest accrue
    address internal borrower = makeAddr("borrower");
    address internal keeper = makeAddr("keeper");
    address internal taker = makeAddr("taker");
    address internal insurer = makeAddr("insurer");

    uint256 internal constant BLOCK = 12; // [seconds] between two measured transactions

    function setUp() public virtual {
        vm.skip(!vm.envOr("GAS_SNAPSHOT", false));
        _deployDemoMarket(HOLE);
        _supply(supplier, 10_000_000 * USDC);
        _depositInsurance(insurer, 100_000 * USDC);
        _depositCollateral(other, m.weth, 100 * ETH);
        _depositCollateral(other, m.wbtc, 5 * BTC);
        _borrow(other, 200_000 * USDC);
        _mintApprove(m.usdc, taker, address(m.liquidator), 1e30);
        _mintApprove(m.usdc, borrower, address(m.pool), 1e30);
        _mintApprove(m.weth, borrower, address(m.pool), 1e30);
        _mintApprove(m.wbtc, borrower, address(m.pool), 1e30);
        _nextHour();
    }

    /// @dev The gas of the last call, recorded under `name` in snapshots/gas.json.
    function _measure(string memory name) internal returns (uint256 gasUsed) {
        gasUsed = vm.snapshotGasLastCall("gas", name);
        emit log_named_uint(name, gasUsed);
    }

    /// @dev One block later: interest accrues at the measured call.
    function _nextBlock() internal {
        vm.warp(block.timestamp + BLOCK);
    }

    /// @dev An hour later, every feed refreshed by a new round at the same answer, the rounds
    /// before it consumed by a keeper's pokes.
    function _nextHour() internal {
        _keeperPokes();
        vm.warp(block.timestamp + 1 hours);
        _refreshFeeds();
    }

    function _keeperPokes() internal {
        vm.startPrank(keeper);
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        vm.stopPrank();
    }

    /// @dev Both collateral prices at `factor` [wad] of the demo's, a new round each, consumed
    /// by a keeper's pokes (the market's prices moved and the keepers saw it).
    function _movePrices(uint256 factor) internal {
        _setAnswer(m.wethFeed, WETH_ANSWER, factor);
        _setAnswer(m.wbtcFeed, WBTC_ANSWER, factor);
        _keeperPokes();
    }

    function _setAnswer(MockAggregator feed, int256 demoAnswer, uint256 factor) internal {
        feed.setPrice(int256(Math.mulDiv(uint256(demoAnswer), factor, WAD)));
    }

    /// @dev The borrower's two-collateral position: 10 WETH + 0.5 BTC ($60,000), 30,000 USDC debt.
    function _openTwoCollaterals() internal {
        vm.startPrank(borrower);
        m.pool.depositCollateral(address(m.weth), 10 * ETH, borrower);
        m.pool.depositCollateral(address(m.wbtc), BTC / 2, borrower);
        m.pool.borrow(30_000 * USDC, borrower);
        vm.stopPrank();
    }

    /// @dev The borrower's one-collateral position: 10 WETH ($30,000), 20,000 USDC debt.
    function _openWethOnly() internal {
        vm.startPrank(borrower);
        m.pool.depositCollateral(address(m.weth), 10 * ETH, borrower);
        m.pool.borrow(20_000 * USDC, borrower);
        vm.stopPrank();
    }
}
