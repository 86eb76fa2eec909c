// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleAdapter} from "../../contracts/OracleAdapter.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {IOracleAdapter, IGoverned, InitialFeed} from "../../interfaces/IOracleAdapter.sol";
import {DemoMarket} from "./DemoMarket.sol";
import {MarketConfig} from "../../contracts/MarketConfig.sol";
import {IMarketConfig, MarketParams, LiquidationParams} from "../../interfaces/IMarketConfig.sol";

/// @notice One governor for the whole market, the oracle included (DESIGN.md 11): the oracle
/// obeys `config.governor()`, so the config's two-step handover moves the oracle's rights too,
/// and nobody else (the guardian, a proposed governor before accepting, the old governor after)
/// may set a feed or a parameter of the oracle.
contract OneGovernorTest is DemoMarket {
    address internal successor = makeAddr("successor");
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        _deployDemoMarket(HOLE);
    }

    /// @dev Tries every governor-only setter of the oracle as `who`; returns how many went through.
    function _oracleSettersAs(address who) internal returns (uint256 accepted) {
        MockAggregator feed = new MockAggregator(8, "WETH / USD", 3_000e8);
        bytes[4] memory calls = [
            abi.encodeCall(OracleAdapter.setMaxDeviation, (0.03e18)),
            abi.encodeCall(OracleAdapter.setVolatilityParams, (VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE)),
            abi.encodeCall(
                OracleAdapter.setFeed,
                (address(m.weth), false, feed, COLLATERAL_HEARTBEAT, WETH_MIN_PRICE, WETH_MAX_PRICE)
            ),
            abi.encodeCall(OracleAdapter.detachSecondary, (address(m.weth)))
        ];
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(who);
            (bool ok, bytes memory err) = address(m.oracle).call(calls[i]);
            if (ok) ++accepted;
            else assertEq(bytes4(err), IOracleAdapter.NotGovernor.selector, "refused with NotGovernor");
        }
    }

    function test_oracleReadsTheConfigsGovernor() public view {
        assertEq(address(m.oracle.governance()), address(m.config), "governance is the config");
        assertEq(m.oracle.governor(), m.config.governor(), "the config's governor");
        assertEq(m.oracle.governor(), governor, "the deployer governs");
    }

    function test_onlyTheGovernorSetsTheOracle() public {
        assertEq(_oracleSettersAs(stranger), 0, "a stranger set the oracle");
        assertEq(_oracleSettersAs(guardian), 0, "the guardian set the oracle");
        assertEq(_oracleSettersAs(governor), 4, "the governor was refused");
    }

    function test_handoverMovesTheOracleInTwoSteps() public {
        vm.prank(governor);
        m.config.proposeGovernor(successor);
        // proposed, not accepted: the old governor still governs the oracle, the successor not
        assertEq(_oracleSettersAs(successor), 0, "a proposed governor set the oracle");
        assertEq(_oracleSettersAs(governor), 4, "the governor lost the oracle before the handover");

        vm.prank(successor);
        m.config.acceptGovernor();
        assertEq(m.oracle.governor(), successor, "the oracle follows the handover");
        assertEq(_oracleSettersAs(governor), 0, "the old governor still sets the oracle");
        assertEq(_oracleSettersAs(successor), 4, "the new governor was refused");
    }

    function test_constructor_refusesNoGovernanceAndBadInitialFeeds() public {
        vm.expectRevert(IOracleAdapter.ZeroAddress.selector);
        new OracleAdapter(
            IGoverned(address(0)), MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE, new InitialFeed[](0)
        );

        InitialFeed[] memory feeds = new InitialFeed[](1);
        feeds[0] = InitialFeed(address(m.weth), m.wethFeed, 10, WETH_MIN_PRICE, WETH_MAX_PRICE); // 10 s heartbeat
        vm.expectRevert(abi.encodeWithSelector(IOracleAdapter.BadHeartbeat.selector, 10));
        new OracleAdapter(IGoverned(address(m.config)), MAX_DEVIATION, VOL_REF, VOL_TAU, MAX_ROUNDS_PER_POKE, feeds);
    }

    /// @notice A config is refused on an oracle it does not govern (the precomputed address
    /// missed, or another market's oracle reused): else the oracle keeps another governor, or
    /// none, and the market's own governor could not set a feed in a crash.
    function test_configRefusesAnOracleItDoesNotGovern() public {
        MarketParams memory market = m.config.marketParamsTarget();
        LiquidationParams memory liquidation = m.config.liquidationParams();
        vm.expectRevert(abi.encodeWithSelector(IMarketConfig.OracleOfAnotherGovernance.selector, address(m.config)));
        new MarketConfig(address(m.usdc), m.oracle, m.rateModel, m.pool, governor, guardian, market, liquidation);
    }
}
