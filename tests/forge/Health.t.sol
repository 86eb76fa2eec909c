// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockAggregator} from "../../contracts/mocks/MockAggregator.sol";
import {ILendingPool, AccountState, AccountStatus} from "../../interfaces/ILendingPool.sol";
import {CollateralParams} from "../../interfaces/IMarketConfig.sol";
import {DemoMarket} from "./DemoMarket.sol";

/// @notice Health factor, effective call level, the ladder, the opening rule and PoolLens'
/// liquidation price and drop on the demo market (DemoMarket.sol), deployed in the order of
/// `margincall/deploy.py`; nothing here is liquidated. Each is checked against a reference
/// computed in this file from the oracle's and config's raw views:
///
///     value_i  = ⌊amount_i · price_i / 10^dec_i⌋              (status price: the high end)
///     liq      = Σ ⌊value_i · lf_i⌋,  debtValue = ⌈debt · basePrice_low⌉
///     HF       = ⌊liq / debtValue⌋
///     σ_acct   = ⌈Σ value_i·σ_i / Σ value_i⌉
///     callHF   = min(maxCallHF, marginCallHF + ⌈volSlope · max(0, σ_acct − σ_ref)⌉)
///     opening  : Σ ⌊⌊value_low_i · bf_i⌋ · marginCallHF⌋ ≥ ⌈⌈debt · basePrice_high⌉ · callHF⌉
///     lens     : liquidationPrice = ⌈⌈debtValue / lf⌉ · 10^dec / amount⌉ (one collateral: the least
///                price with HF ≥ 1), liquidationDrop = 1 − ⌈debtValue / liq⌉
contract HealthTest is DemoMarket {
    address internal supplier = makeAddr("supplier");
    address internal borrower = makeAddr("borrower");
    address internal keeper = makeAddr("keeper");

    function setUp() public {
        _deployDemoMarket(HOLE);
        _supply(supplier, 100_000_000 * USDC);
    }

    // ================================================================ reference
    struct Ref {
        uint256 collateralValue;
        uint256 liquidationValue;
        uint256 debtValue;
        uint256 borrowCapacity; // Σ ⌊value_low · bf⌋
        uint256 openingDebtValue;
        uint256 weight; // Σ value·σ
        uint256 healthFactor;
        uint256 callLevel;
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    function _ref(address who, uint256 debt) internal view returns (Ref memory r) {
        (uint256 baseLow, uint256 baseHigh) = m.oracle.priceRange(address(m.usdc));
        r.debtValue = _ceilDiv(debt * baseLow, 1e6);
        r.openingDebtValue = _ceilDiv(debt * baseHigh, 1e6);
        address[] memory assets = m.config.collateralAssets();
        for (uint256 i; i < assets.length; ++i) {
            uint256 amount = m.pool.collateralOf(who, assets[i]);
            if (amount == 0) continue;
            (uint256 low, uint256 high) = m.oracle.priceRange(assets[i]);
            uint256 scale = 10 ** MockERC20(assets[i]).decimals();
            uint256 value = amount * high / scale;
            r.collateralValue += value;
            r.liquidationValue += value * m.config.collateralInfo(assets[i]).liquidationFactor / WAD;
            r.borrowCapacity += (amount * low / scale) * m.config.collateralInfo(assets[i]).borrowFactor / WAD
                * m.config.marketParams().marginCallHF / WAD;
            r.weight += value * m.oracle.volatility(assets[i]);
        }
        r.healthFactor = r.debtValue == 0 ? type(uint256).max : r.liquidationValue * WAD / r.debtValue;
        uint256 base = m.config.marketParams().marginCallHF;
        r.callLevel = base;
        if (r.collateralValue != 0) {
            uint256 sigma = _ceilDiv(r.weight, r.collateralValue);
            if (sigma > VOL_REF) {
                uint256 level = base + _ceilDiv(VOL_SLOPE * (sigma - VOL_REF), WAD);
                r.callLevel = level < MAX_CALL_HF ? level : MAX_CALL_HF;
            }
        }
    }

    /// @dev The largest debt [base units] the opening rule allows `who` (no debt yet).
    function _maxDebt(address who) internal view returns (uint256 d) {
        Ref memory r = _ref(who, 0);
        uint256 capacity = r.borrowCapacity; // marginCallHF applied per asset
        (, uint256 baseHigh) = m.oracle.priceRange(address(m.usdc));
        d = capacity * WAD / r.callLevel * 1e6 / baseHigh + 2;
        while (d > 0 && _ceilDiv(_ceilDiv(d * baseHigh, 1e6) * r.callLevel, WAD) > capacity) --d;
    }

    function _status(Ref memory r, uint256 debt) internal pure returns (AccountStatus) {
        if (debt == 0) return AccountStatus.Healthy;
        if (r.healthFactor < WAD) return AccountStatus.Liquidatable;
        if (r.healthFactor < r.callLevel) return AccountStatus.MarginCall;
        return AccountStatus.Healthy;
    }

    function _assertMatches(address who) internal view returns (AccountState memory s, Ref memory r) {
        s = m.lens.accountState(who);
        r = _ref(who, m.pool.debtOf(who));
        assertTrue(s.priceOk, "priceOk");
        assertEq(s.collateralValue, r.collateralValue, "collateralValue");
        assertEq(s.liquidationValue, r.liquidationValue, "liquidationValue");
        assertEq(s.debtValue, r.debtValue, "debtValue");
        assertEq(s.healthFactor, r.healthFactor, "healthFactor");
        assertEq(s.callLevel, r.callLevel, "callLevel");
        assertEq(m.lens.effectiveCallHF(who), r.callLevel, "effectiveCallHF");
        assertEq(uint8(s.status), uint8(_status(r, s.debt)), "status (no call issued)");
    }

    // ================================================================ helpers
    /// @dev Two rounds now: down by `bps`, back to the same answer (volatility without a move).
    function _whipsaw(MockAggregator feed, uint256 bps) internal {
        int256 answer = _answer(feed);
        feed.setPrice(answer * int256(10_000 - bps) / 10_000);
        feed.setPrice(answer);
    }

    function _move(MockAggregator feed, uint256 bps, bool up, uint256 minAnswer, uint256 maxAnswer) internal {
        int256 answer = _answer(feed);
        uint256 p = up ? uint256(answer) * (10_000 + bps) / 10_000 : uint256(answer) * (10_000 - bps) / 10_000;
        if (p < minAnswer) p = minAnswer;
        if (p > maxAnswer) p = maxAnswer;
        feed.setPrice(int256(p));
    }

    /// @dev Random collateral for the borrower: up to 1,000 WETH and 50 WBTC (at least $2,000 in
    /// all), then volatility whipsaws of both, poked. Returns the opening limit, at least dust.
    function _collateralize(uint256 wethAmount, uint256 wbtcAmount, uint256 wethVol, uint256 wbtcVol)
        internal
        returns (uint256 max)
    {
        wethAmount = bound(wethAmount, 0, 1_000e18);
        wbtcAmount = bound(wbtcAmount, wethAmount < 1e18 ? 1e7 : 0, 50e8);
        _depositCollateral(borrower, m.weth, wethAmount);
        _depositCollateral(borrower, m.wbtc, wbtcAmount);
        _whipsaw(m.wethFeed, bound(wethVol, 0, 1_500));
        _whipsaw(m.wbtcFeed, bound(wbtcVol, 0, 1_500));
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        max = _maxDebt(borrower);
        vm.assume(max >= DUST);
    }

    /// @dev A random position (`_collateralize`) with a debt of `debtShare` of the opening limit
    /// (at least dust).
    function _open(uint256 wethAmount, uint256 wbtcAmount, uint256 debtShare, uint256 wethVol, uint256 wbtcVol)
        internal
        returns (uint256 debt)
    {
        debt = bound(debtShare, DUST, _collateralize(wethAmount, wbtcAmount, wethVol, wbtcVol));
        _borrow(borrower, debt);
    }

    // ================================================================ HF and the call level
    function testFuzz_healthFactorCallLevelAndStatusMatchTheReference(
        uint256 wethAmount,
        uint256 wbtcAmount,
        uint256 debtShare,
        uint256 wethVol,
        uint256 wbtcVol,
        uint256 wethMove,
        uint256 wbtcMove,
        uint256 usdcMove,
        uint8 directions
    ) public {
        _open(wethAmount, wbtcAmount, debtShare, wethVol, wbtcVol);
        _assertMatches(borrower);
        _move(m.wethFeed, bound(wethMove, 0, 6_000), directions & 1 != 0, 1e8, 1e14);
        _move(m.wbtcFeed, bound(wbtcMove, 0, 6_000), directions & 2 != 0, 100e8, 1e15);
        _move(m.usdcFeed, bound(usdcMove, 0, 400), directions & 4 != 0, 0.5e8, 2e8);
        _assertMatches(borrower);
        vm.warp(block.timestamp + bound(uint256(directions), 0, 50) * 1 hours / 10); // the view decays
        m.wethFeed.setPrice(_answer(m.wethFeed));
        m.wbtcFeed.setPrice(_answer(m.wbtcFeed));
        _assertMatches(borrower);
    }

    function testFuzz_aPokeNeverMakesAnAccountLiquidatable(
        uint256 wethAmount,
        uint256 wbtcAmount,
        uint256 debtShare,
        uint256 fall,
        uint256 spike,
        bool call
    ) public {
        _open(wethAmount, wbtcAmount, debtShare, 0, 0);
        _move(m.wethFeed, bound(fall, 0, 4_000), false, 1e8, 1e14);
        if (call && m.pool.accountStatus(borrower) == AccountStatus.MarginCall) {
            vm.prank(keeper);
            m.pool.issueMarginCall(borrower);
        }
        _whipsaw(m.wethFeed, bound(spike, 0, 3_000));
        _whipsaw(m.wbtcFeed, bound(spike, 0, 3_000));
        AccountState memory before = m.lens.accountState(borrower);
        vm.startPrank(keeper);
        m.oracle.poke(address(m.weth));
        m.oracle.poke(address(m.wbtc));
        vm.stopPrank();
        AccountState memory after_ = m.lens.accountState(borrower);
        assertEq(after_.healthFactor, before.healthFactor, "a poke moves no price");
        assertEq(
            after_.status == AccountStatus.Liquidatable, before.status == AccountStatus.Liquidatable, "liquidatable"
        );
        assertGe(after_.callLevel, before.callLevel, "whipsaw rounds only raise the level");
    }

    // ================================================================ opening risk
    function testFuzz_maxBorrowPassesOneMoreWeiFailsAndLandsHealthy(
        uint256 wethAmount,
        uint256 wbtcAmount,
        uint256 wethVol,
        uint256 wbtcVol
    ) public {
        uint256 max = _collateralize(wethAmount, wbtcAmount, wethVol, wbtcVol);
        vm.expectPartialRevert(ILendingPool.InsufficientMargin.selector);
        _borrow(borrower, max + 1);
        _borrow(borrower, max);
        (AccountState memory s,) = _assertMatches(borrower);
        assertEq(uint8(s.status), uint8(AccountStatus.Healthy), "a new position never starts in the band");
        assertGe(s.healthFactor, s.callLevel);
    }

    /// @dev The bounds allow borrowFactor · marginCallHF == liquidationFactor exactly. The opening
    /// check floors Σ value·bf once, then multiplies by marginCallHF; the health factor floors
    /// value·lf per asset. With two assets whose value·lf have fractional parts adding to ≥ 1 wei
    /// the two differ by one wei, and a borrow at the opening limit starts at HF = callHF − 1 wei:
    /// inside the band (MarginCall) straight after opening. DESIGN.md 3: "a new position never
    /// starts inside the band".
    function test_openingLimitNeverStartsInsideTheBandAtTheBorrowFactorBound() public {
        MockERC20 steth = new MockERC20("Second Ether", "STETH", 18);
        MockAggregator stethFeed = new MockAggregator(8, "STETH / USD", 1e8);
        vm.startPrank(governor);
        m.oracle.setFeed(address(steth), true, stethFeed, 1 hours, 1e18, 1_000_000e18);
        m.config.listCollateral(address(steth), CollateralParams(0.8e18, 0.88e18, 0.05e18, 1e30));
        m.config.setCollateralParams(address(m.weth), CollateralParams(0.8e18, 0.88e18, 0.05e18, 100_000e18));
        vm.stopPrank();
        assertEq(m.config.collateralInfo(address(m.weth)).liquidationFactor, 0.88e18, "raised at once");
        _priceAsNewPhase(m.wethFeed, 1e8); // $1: value = amount (σ stays σ_ref: level 1.10)
        // value·0.8 = 1e22 + 16 and 1e22 − 16: their sum is a whole 2e22, so the capacity is
        // ⌊2e22 · 1.1⌋ = 2.2e22, but ⌊(1e22 + 16)·1.1⌋ + ⌊(1e22 − 16)·1.1⌋ = 2.2e22 − 1
        _depositCollateral(borrower, m.weth, 1.25e22 + 20);
        _depositCollateral(borrower, steth, 1.25e22 - 20);
        // applying marginCallHF per asset, the capacity is the same 2.2e22 − 1: 20,000 USDC no
        // longer fits, and the largest borrow that does lands Healthy
        uint256 max = _maxDebt(borrower);
        assertLt(max, 20_000e6, "the borrow that would start in the band is refused");
        vm.expectPartialRevert(ILendingPool.InsufficientMargin.selector);
        _borrow(borrower, max + 1);
        _borrow(borrower, max);
        AccountState memory s = m.lens.accountState(borrower);
        assertEq(s.liquidationValue, 2.2e22 - 1);
        assertEq(s.callLevel, MARGIN_CALL_HF);
        assertGe(s.healthFactor, s.callLevel);
        assertEq(uint8(s.status), uint8(AccountStatus.Healthy), "a max borrow must land Healthy");
    }

    // ================================================================ PoolLens
    function testFuzz_lensLiquidationPriceAndDrop(
        uint256 wethAmount,
        uint256 wbtcAmount,
        uint256 debtShare,
        uint256 fall,
        bool single
    ) public {
        if (single) wbtcAmount = 0;
        wethAmount = bound(wethAmount, 1e18, 1_000e18);
        _open(wethAmount, single ? 0 : wbtcAmount, debtShare, 0, 0);
        _move(m.wethFeed, bound(fall, 0, 3_000), false, 1e8, 1e14);
        address[] memory list = new address[](1);
        list[0] = borrower;
        (AccountState[] memory states,) = m.lens.accounts(list);
        AccountState memory d = states[0];
        AccountState memory s = m.lens.accountState(borrower);
        assertEq(keccak256(abi.encode(d)), keccak256(abi.encode(s)), "the lens forwards the pool's state");
        uint256 drop = s.liquidationValue > s.debtValue ? WAD - _ceilDiv(s.debtValue * WAD, s.liquidationValue) : 0;
        assertEq(d.liquidationDrop, drop, "drop");
        bool one = m.pool.collateralOf(borrower, address(m.wbtc)) == 0;
        uint256 price = one
            ? _ceilDiv(
                _ceilDiv(s.debtValue * WAD, m.config.collateralInfo(address(m.weth)).liquidationFactor) * 1e18,
                m.pool.collateralOf(borrower, address(m.weth))
            )
            : 0;
        assertEq(d.liquidationPrice, price, "liquidation price");
        if (!one) return;
        // at the liquidation price rounded up to a feed unit HF ≥ 1, one feed unit lower HF < 1
        uint256 answer = _ceilDiv(price, 1e10);
        vm.assume(answer > 1e8 && answer <= 1e14);
        m.wethFeed.setPrice(int256(answer));
        assertGe(m.pool.healthFactor(borrower), WAD, "at the liquidation price");
        assertLt(m.pool.healthFactor(borrower) - WAD, WAD / 1e6, "and close to 1");
        m.wethFeed.setPrice(int256(answer - 1));
        assertLt(m.pool.healthFactor(borrower), WAD, "one feed unit below");
        assertEq(uint8(m.pool.accountStatus(borrower)), uint8(AccountStatus.Liquidatable));
    }

    /// @dev With a feed of 18 decimals the lens' price can be set exactly. It is rounded up so
    /// that "the warning errs on the early side" (PoolLens), i.e. at that price the account is
    /// not yet Liquidatable. Found by a search over the lens formula: 17.6254625 WBTC (its
    /// liquidationFactor at 0.85) at $10,952.819… owing 22,645.353527 USDC; at the lens'
    /// liquidation price HF = 1 − 1 wei: the account is already Liquidatable there.
    function test_atTheLensLiquidationPriceTheAccountIsNotYetLiquidatable() public {
        MockAggregator wbtc18 = new MockAggregator(18, "WBTC / USD (18)", 10_952_819_080_769_524_243_316);
        vm.startPrank(governor);
        m.oracle.setFeed(address(m.wbtc), true, wbtc18, 1 hours, 100e18, 10_000_000e18);
        m.config.setCollateralParams(address(m.wbtc), CollateralParams(0.7e18, 0.85e18, 0.07e18, 5_000e8));
        vm.stopPrank();
        _depositCollateral(borrower, m.wbtc, 1_762_546_250);
        _borrow(borrower, 22_645_353_527);
        address[] memory list = new address[](1);
        list[0] = borrower;
        (AccountState[] memory states,) = m.lens.accounts(list);
        uint256 price = states[0].liquidationPrice;
        // one wei above ⌈price·debtValue/liq⌉ = …463, which already gave HF = 1 − 1 wei
        assertEq(price, 1_511_540_045_244_536_553_464);
        wbtc18.setPrice(int256(price));
        assertGe(m.pool.healthFactor(borrower), WAD, "HF at the lens' liquidation price");
        wbtc18.setPrice(int256(price - 1));
        assertLt(m.pool.healthFactor(borrower), WAD, "one wei lower: Liquidatable");
    }
}
