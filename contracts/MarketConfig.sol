// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {
    IMarketConfig,
    PauseAction,
    CollateralParams,
    CollateralInfo,
    HeldCollateral,
    MarketParams,
    LiquidationParams
} from "../interfaces/IMarketConfig.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IInterestRateModel} from "../interfaces/IInterestRateModel.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";
import {WadMath} from "./libraries/WadMath.sol";
import {Ramp, RampLib} from "./libraries/RampLib.sol";
import {PackedParams} from "./libraries/PackedParams.sol";

/// @title MarketConfig
/// @notice Roles, pauses, collateral listing and the bounded, ramped risk parameters of one
/// market (DESIGN.md 2, 7). See IMarketConfig.
contract MarketConfig is IMarketConfig {
    using WadMath for uint256;
    using RampLib for Ramp;
    using PackedParams for uint256;

    // ================================================================ constants
    uint256 internal constant WAD = 1e18;
    uint256 public constant MAX_COLLATERALS = 8;
    /// @dev Token decimals the valuation handles exactly (amount · price stays far from overflow).
    uint8 public constant MAX_TOKEN_DECIMALS = 36;
    uint256 internal constant MIN_GRACE_PERIOD = 1 hours;
    uint256 internal constant MAX_GRACE_PERIOD = 24 hours;
    uint256 internal constant MAX_RESERVE_FACTOR = 0.5e18;
    uint256 internal constant MAX_HF_LEVEL = 2e18;
    uint256 internal constant MAX_VOL_PARAM = 10e18;
    uint256 internal constant MIN_EXIT_MARGIN = 0.01e18;
    uint256 internal constant MAX_EXIT_MARGIN = 0.2e18;
    bytes32 internal constant RAMP_LIQUIDATION_FACTOR = "liquidationFactor";
    bytes32 internal constant RAMP_MARGIN_CALL_HF = "marginCallHF";
    bytes32 internal constant RAMP_GRACE_PERIOD = "gracePeriod";

    // ================================================================ immutables
    address public immutable baseToken;
    IOracleAdapter public immutable oracle;
    /// @notice The pool these parameters govern: deployed right after this config, at an
    /// address precomputed from the deployer's nonce; the pool checks at construction that it
    /// is the one named here.
    ILendingPool public immutable pool;

    // ================================================================ storage
    struct Collateral {
        bool listed;
        bool frozen;
        uint8 slot;
        uint8 decimals;
        uint64 borrowFactor; // [wad]
        uint64 liquidationPenalty; // [wad]
        Ramp liquidationFactor; // [wad]
        uint256 supplyCap; // [token units]
    }

    address public governor;
    address public pendingGovernor;
    address public guardian;
    IInterestRateModel public rateModel;

    /// @dev A collateral slot: its asset and, in the same word, the asset's supply cap when it
    /// fits 96 bits (`CAP_IN_RECORD` when it does not: the exact cap is then the record's), so a
    /// snapshot with caps reads one slot per held asset fewer (docs/ARCHITECTURE.md, "Parameters
    /// off the user path"). The record (`_collateral[asset].supplyCap`) stays the source of truth.
    struct SlotEntry {
        address asset;
        uint96 supplyCap; // [token units], or CAP_IN_RECORD
    }

    uint96 internal constant CAP_IN_RECORD = type(uint96).max;

    SlotEntry[MAX_COLLATERALS] internal _slots;
    mapping(address asset => Collateral) internal _collateral;
    MarketParams internal _market; // ramped fields hold their targets
    Ramp internal _marginCallHFRamp; // [wad]
    Ramp internal _gracePeriodRamp; // [seconds]
    LiquidationParams internal _liquidation;
    // the liquidator's per-take reads, rewritten by every setter that moves them
    uint256 public packedAuctionParams; // dust, cusp, buf
    uint256 public packedKeeperIncentives; // tip, chip
    // what marketParams(), accrualParams() and paused() read on every pool operation (PackedParams)
    uint256[3] internal _packedMarket;
    uint256 internal _packedAccrual; // rate model, reserve factor, paused flags
    // per asset: what the pool's user paths read of it, besides the supply cap (PackedParams)
    mapping(address asset => uint256) internal _packedCollateral;

    // ================================================================ constructor
    constructor(
        address baseToken_,
        IOracleAdapter oracle_,
        IInterestRateModel rateModel_,
        ILendingPool pool_,
        address governor_,
        address guardian_,
        MarketParams memory market_,
        LiquidationParams memory liquidation_
    ) {
        if (
            baseToken_ == address(0) || address(oracle_) == address(0) || address(rateModel_) == address(0)
                || address(pool_) == address(0) || governor_ == address(0) || guardian_ == address(0)
        ) revert ZeroAddress();
        if (IERC20Metadata(baseToken_).decimals() > MAX_TOKEN_DECIMALS) revert UnsupportedToken(baseToken_);
        if (!oracle_.hasFeed(baseToken_)) revert NoPriceFeed(baseToken_);
        baseToken = baseToken_;
        oracle = oracle_;
        pool = pool_;
        rateModel = rateModel_;
        governor = governor_;
        guardian = guardian_;
        emit GovernorSet(address(0), governor_);
        emit GuardianSet(address(0), guardian_);
        emit RateModelSet(address(0), address(rateModel_));

        MarketParams memory none;
        _market = market_;
        _marginCallHFRamp.moveTo(_toUint64(market_.marginCallHF), false);
        _gracePeriodRamp.moveTo(_toUint64(market_.gracePeriod), false);
        _liquidation = liquidation_;
        _checkRiskBounds();
        _packParams();
        emit MarketParamsSet(none, market_);
        emit LiquidationParamsSet(LiquidationParams(0, 0, 0, 0), liquidation_);
        // one governor: an oracle obeying another config (a missed precomputed address, a reused
        // oracle) would leave the market's prices to someone else's governor, or to none
        address governance = address(oracle_.governance());
        if (governance != address(this)) revert OracleOfAnotherGovernance(governance);
    }

    // ================================================================ modifiers
    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor();
        _;
    }

    // ================================================================ roles and pauses
    /// @inheritdoc IMarketConfig
    function proposeGovernor(address newGovernor) external onlyGovernor {
        if (newGovernor == address(0)) revert ZeroAddress();
        pendingGovernor = newGovernor;
        emit GovernorProposed(governor, newGovernor);
    }

    /// @inheritdoc IMarketConfig
    function acceptGovernor() external {
        if (msg.sender != pendingGovernor) revert NotPendingGovernor();
        emit GovernorSet(governor, msg.sender);
        governor = msg.sender;
        pendingGovernor = address(0);
    }

    /// @inheritdoc IMarketConfig
    function setGuardian(address newGuardian) external onlyGovernor {
        if (newGuardian == address(0)) revert ZeroAddress();
        emit GuardianSet(guardian, newGuardian);
        guardian = newGuardian;
    }

    /// @inheritdoc IMarketConfig
    function setPaused(PauseAction action, bool isPaused) external {
        bool allowed = msg.sender == governor || (isPaused && msg.sender == guardian);
        if (!allowed) revert NotGuardian();
        uint256 word = _packedAccrual;
        uint256 bit = 1 << (PackedParams.PAUSE_SHIFT + uint256(action));
        emit PauseSet(action, word & bit != 0, isPaused);
        _packedAccrual = isPaused ? word | bit : word & ~bit;
    }

    /// @inheritdoc IMarketConfig
    function setRateModel(IInterestRateModel newModel) external onlyGovernor {
        if (address(newModel) == address(0)) revert ZeroAddress();
        _accruePool(); // interest so far at the old curve
        emit RateModelSet(address(rateModel), address(newModel));
        rateModel = newModel;
        _packedAccrual = PackedParams.packAccrual(address(newModel), _market.reserveFactor, _packedAccrual.pauseBits());
    }

    // ================================================================ collateral listing
    /// @inheritdoc IMarketConfig
    function listCollateral(address asset, CollateralParams calldata params) external onlyGovernor {
        if (asset == address(0)) revert ZeroAddress();
        if (asset == baseToken) revert BaseNotCollateral();
        if (_collateral[asset].listed) revert AlreadyListed(asset);
        if (!oracle.hasFeed(asset)) revert NoPriceFeed(asset);
        oracle.poke(asset); // the volatility chain starts at listing: later rounds all count
        uint8 decimals = IERC20Metadata(asset).decimals();
        if (decimals > MAX_TOKEN_DECIMALS) revert UnsupportedToken(asset);
        uint256 slot = _freeSlot();

        _slots[slot].asset = asset;
        Collateral storage c = _collateral[asset];
        c.listed = true;
        c.slot = uint8(slot);
        c.decimals = decimals;
        _writeCollateralParams(asset, params, false);
        _checkRiskBounds();
        emit CollateralListed(asset, decimals, params);
    }

    /// @inheritdoc IMarketConfig
    function setCollateralParams(address asset, CollateralParams calldata params) external onlyGovernor {
        Collateral storage c = _listed(asset);
        if (c.frozen && params.borrowFactor != 0) revert CollateralFrozen(asset);
        CollateralParams memory old = _collateralParams(c);
        _writeCollateralParams(asset, params, true);
        _checkRiskBounds();
        emit CollateralParamsSet(asset, old, params);
    }

    /// @inheritdoc IMarketConfig
    /// @dev The governor then ramps the liquidationFactor down with `setCollateralParams`.
    function freezeCollateral(address asset) external onlyGovernor {
        Collateral storage c = _listed(asset);
        CollateralParams memory old = _collateralParams(c);
        c.frozen = true;
        c.borrowFactor = 0;
        _packCollateral(asset);
        emit CollateralFrozenSet(asset, true);
        emit CollateralParamsSet(asset, old, _collateralParams(c));
    }

    /// @inheritdoc IMarketConfig
    function unfreezeCollateral(address asset) external onlyGovernor {
        Collateral storage c = _listed(asset);
        if (!c.frozen) revert NotFrozen(asset);
        c.frozen = false;
        _packCollateral(asset);
        emit CollateralFrozenSet(asset, false);
    }

    /// @inheritdoc IMarketConfig
    /// @dev An asset with collateral outstanding is never removed: decided from the protocol's
    /// books (accounts' collateral, live auctions of the asset, collateral the insurance fund
    /// holds), never from token balances, so a token sent to a protocol contract cannot block it
    /// (DESIGN.md 5).
    function removeCollateral(address asset) external onlyGovernor {
        Collateral storage c = _listed(asset);
        if (!c.frozen) revert NotFrozen(asset);
        uint256 auctions = pool.liquidator().liveAuctionsOfAsset(asset);
        if (auctions != 0) revert LiveAuctionsOfAsset(asset, auctions);
        uint256 outstanding = pool.totalCollateral(asset) + pool.insuranceFund().heldCollateral(asset);
        if (outstanding != 0) revert CollateralOutstanding(asset, outstanding);
        delete _slots[c.slot];
        delete _collateral[asset];
        delete _packedCollateral[asset];
        emit CollateralRemoved(asset);
    }

    // ================================================================ risk parameters
    /// @inheritdoc IMarketConfig
    /// @dev `targetHF` and `exitMargin` apply at once: they size kicks only, they never decide
    /// whether an account is sold.
    function setMarketParams(MarketParams calldata params) external onlyGovernor {
        _accruePool(); // interest so far at the old reserve factor
        MarketParams memory old = marketParams();
        _market = params;
        _moveRamp(
            _marginCallHFRamp,
            RAMP_MARGIN_CALL_HF,
            address(0),
            params.marginCallHF,
            params.marginCallHF > old.marginCallHF
        );
        _moveRamp(
            _gracePeriodRamp, RAMP_GRACE_PERIOD, address(0), params.gracePeriod, params.gracePeriod < old.gracePeriod
        );
        _checkRiskBounds();
        _packParams();
        emit MarketParamsSet(old, params);
    }

    /// @inheritdoc IMarketConfig
    function setLiquidationParams(LiquidationParams calldata params) external onlyGovernor {
        LiquidationParams memory old = _liquidation;
        _liquidation = params;
        _checkRiskBounds();
        _packParams();
        emit LiquidationParamsSet(old, params);
    }

    /// @dev The joint hard bounds of DESIGN.md 2, checked by every setter on everything at once.
    /// A ramped parameter is checked at both ends of its ramp: the ramp is monotone, so the
    /// bounds then hold at every point in between.
    function _checkRiskBounds() internal view {
        MarketParams memory m = _market;
        (uint256 callLo, uint256 callHi) = _marginCallHFRamp.range();
        (uint256 graceLo, uint256 graceHi) = _gracePeriodRamp.range();
        if (!(m.fullLiquidationHF <= WAD && WAD < callLo && callHi <= m.targetHF && m.targetHF <= MAX_HF_LEVEL)) {
            revert BadHealthLadder();
        }
        if (callHi > m.maxCallHF || m.maxCallHF > MAX_HF_LEVEL) revert BadMaxCallHF();
        if (graceLo < MIN_GRACE_PERIOD || graceHi > MAX_GRACE_PERIOD) revert BadGracePeriod(m.gracePeriod);
        if (m.reserveFactor > MAX_RESERVE_FACTOR) revert BadReserveFactor(m.reserveFactor);
        if (m.dust == 0 || m.dust > type(uint128).max) revert BadDust(m.dust);
        if (m.volSlope > MAX_VOL_PARAM) revert BadVolatilityParams();
        if (m.exitMargin < MIN_EXIT_MARGIN || m.exitMargin > MAX_EXIT_MARGIN) revert BadExitMargin(m.exitMargin);

        uint256 minPenalty = type(uint256).max;
        uint256 maxPenalty = 0;
        bool any;
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            address asset = _slots[i].asset;
            if (asset == address(0)) continue;
            Collateral storage c = _collateral[asset];
            (uint256 lfLo, uint256 lfHi) = c.liquidationFactor.range();
            uint256 penalty = c.liquidationPenalty;
            // liquidationFactor · (1 + penalty) < 1: seizing all collateral can cover its tab
            if (lfLo == 0 || lfHi.wMulUp(WAD + penalty) >= WAD) revert PenaltyTooHigh(asset);
            // borrowFactor · marginCallHF ≤ liquidationFactor: a new position starts outside the band
            if (uint256(c.borrowFactor).wMulUp(callHi) > lfLo) revert BorrowFactorTooHigh(asset);
            minPenalty = Math.min(minPenalty, penalty);
            maxPenalty = Math.max(maxPenalty, penalty);
            any = true;
        }

        LiquidationParams memory l = _liquidation;
        if (l.buf < WAD || l.buf > 2 * WAD || l.cusp == 0 || l.cusp >= WAD) revert BadAuctionCurve();
        if (any) {
            // cusp · buf ≥ (1 + max p) / 2 and tip + chip · dust ≤ min p · dust / 2: a self-kick
            // followed by a self-take pays more penalty than it earns in incentives
            if (2 * l.cusp.wMulDown(l.buf) < WAD + maxPenalty) revert BadAuctionCurve();
            if (l.tip + l.chip.wMulUp(m.dust) > minPenalty.wMulDown(m.dust) / 2) revert KeeperIncentiveTooHigh();
        }
    }

    // ================================================================ views
    /// @inheritdoc IMarketConfig
    /// @dev From the packed words (three cold slots, not eleven), ramps at their current value.
    function marketParams() public view returns (MarketParams memory) {
        return PackedParams.unpackMarket(_packedMarket);
    }

    /// @inheritdoc IMarketConfig
    /// @dev Two of the three packed words.
    function ladderParams() external view returns (MarketParams memory) {
        return PackedParams.unpackLadder(_packedMarket[0], _packedMarket[1]);
    }

    /// @inheritdoc IMarketConfig
    function marketParamsTarget() external view returns (MarketParams memory) {
        return _market;
    }

    /// @inheritdoc IMarketConfig
    function accrualParams() external view returns (IInterestRateModel, uint256) {
        uint256 word = _packedAccrual;
        return (IInterestRateModel(word.rateModel()), word.reserveFactor());
    }

    /// @inheritdoc IMarketConfig
    function accrualWord() external view returns (uint256) {
        return _packedAccrual;
    }

    /// @inheritdoc IMarketConfig
    /// @dev A flag of the accrual word (`accrualWord`, which the pool reads).
    function paused(PauseAction action) external view returns (bool) {
        return (_packedAccrual.pauseBits() >> uint256(action)) & 1 != 0;
    }

    /// @inheritdoc IMarketConfig
    function liquidationParams() external view returns (LiquidationParams memory) {
        return _liquidation;
    }

    /// @inheritdoc IMarketConfig
    function collateralInfo(address asset) public view returns (CollateralInfo memory info) {
        Collateral storage c = _collateral[asset];
        info = CollateralInfo({
            listed: c.listed,
            frozen: c.frozen,
            slot: c.slot,
            decimals: c.decimals,
            borrowFactor: c.borrowFactor,
            liquidationFactor: c.liquidationFactor.current(),
            liquidationFactorTarget: c.liquidationFactor.to,
            liquidationFactorRampEnd: c.liquidationFactor.end,
            liquidationPenalty: c.liquidationPenalty,
            supplyCap: c.supplyCap
        });
    }

    /// @inheritdoc IMarketConfig
    function collateralSlots() external view returns (address[MAX_COLLATERALS] memory slots) {
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            slots[i] = _slots[i].asset;
        }
    }

    /// @inheritdoc IMarketConfig
    function packedCollateral(address asset, bool withSupplyCap)
        external
        view
        returns (uint256 word, uint256 supplyCap)
    {
        word = _packedCollateral[asset];
        if (withSupplyCap) supplyCap = _collateral[asset].supplyCap;
    }

    /// @inheritdoc IMarketConfig
    function packedCollaterals(uint256 slotMask, bool withSupplyCaps, bool withPenalties)
        external
        view
        returns (HeldCollateral[] memory)
    {
        return _packedCollaterals(slotMask, withSupplyCaps, withPenalties);
    }

    /// @inheritdoc IMarketConfig
    /// @dev Words, no struct: the pool decodes the fields it uses (PackedParams). Ramps are
    /// resolved here (`ladderAtNow`, `atNow`), so the pool carries no ramp code. The return is
    /// written in place, in its ABI layout, and handed out as it lies: the encoder would copy it
    /// word by word, and the cost of this call is on every user path that values an account.
    function riskWords(uint256 slotMask, bool withSupplyCaps, bool full)
        external
        view
        returns (uint256, uint256, uint256, uint256, uint256[] memory)
    {
        unchecked {
            slotMask &= (1 << MAX_COLLATERALS) - 1;
            uint256 count;
            for (uint256 bits = slotMask; bits != 0; bits &= bits - 1) {
                ++count;
            }
            // [accrual, ladder0, ladder1, kick, offset of `held` (5 words), held.length, held…]:
            // at most three words per slot (an account's held slots are all listed, an asset
            // someone holds is never removed; a free slot in the mask writes nothing)
            uint256[] memory out = new uint256[](6 + 3 * count);
            out[0] = _packedAccrual;
            out[1] = _packedMarket[0].ladderAtNow();
            out[2] = _packedMarket[1];
            if (full) out[3] = _packedMarket[2];
            out[4] = 0xa0;
            uint256 n = 6;
            for (uint256 i; slotMask != 0; ++i) {
                SlotEntry storage entry = _slots[i];
                address asset = slotMask & 1 != 0 ? entry.asset : address(0);
                slotMask >>= 1;
                if (asset == address(0)) continue;
                uint256 cap = withSupplyCaps ? entry.supplyCap : 0; // the slot just read: warm
                uint256 word = _packedCollateral[asset].atNow();
                if (full) word = word.withPenalty(_collateral[asset].liquidationPenalty);
                out[n] = uint160(asset) | (cap << 160);
                out[n + 1] = word;
                n += 2;
                if (cap == CAP_IN_RECORD) out[n++] = _collateral[asset].supplyCap;
            }
            out[5] = n - 6;
            assembly ("memory-safe") {
                return(add(out, 0x20), shl(5, n))
            }
        }
    }

    /// @inheritdoc IMarketConfig
    function collateralAssets() external view returns (address[] memory assets) {
        uint256 n;
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            if (_slots[i].asset != address(0)) ++n;
        }
        assets = new address[](n);
        n = 0;
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            address asset = _slots[i].asset;
            if (asset != address(0)) assets[n++] = asset;
        }
    }

    // ================================================================ internals
    function _packedCollaterals(uint256 slotMask, bool withSupplyCaps, bool withPenalties)
        internal
        view
        returns (HeldCollateral[] memory held)
    {
        // as many entries as the mask has slots (an account's held slots are all listed: an
        // asset someone holds is never removed); fewer when the mask names free slots
        uint256 n;
        for (uint256 bits = slotMask & (1 << MAX_COLLATERALS) - 1; bits != 0; bits &= bits - 1) {
            ++n;
        }
        held = new HeldCollateral[](n);
        n = 0;
        for (uint256 i; slotMask != 0 && i < MAX_COLLATERALS; ++i) {
            address asset = slotMask & 1 != 0 ? _slots[i].asset : address(0);
            slotMask >>= 1;
            if (asset == address(0)) continue;
            HeldCollateral memory h = held[n++];
            h.asset = asset;
            h.word = _packedCollateral[asset].atNow();
            if (withSupplyCaps) {
                uint256 cap = _slots[i].supplyCap; // the slot just read: warm
                h.supplyCap = cap == CAP_IN_RECORD ? _collateral[asset].supplyCap : cap;
            }
            if (withPenalties) h.liquidationPenalty = _collateral[asset].liquidationPenalty;
        }
        assembly ("memory-safe") {
            mstore(held, n) // only the slots found
        }
    }

    function _writeCollateralParams(address asset, CollateralParams memory p, bool rampLowering) internal {
        Collateral storage c = _collateral[asset];
        c.borrowFactor = _toUint64(p.borrowFactor);
        c.liquidationPenalty = _toUint64(p.liquidationPenalty);
        c.supplyCap = p.supplyCap;
        _slots[c.slot].supplyCap = p.supplyCap < CAP_IN_RECORD ? uint96(p.supplyCap) : CAP_IN_RECORD;
        bool lowering = p.liquidationFactor < c.liquidationFactor.current();
        _moveRamp(c.liquidationFactor, RAMP_LIQUIDATION_FACTOR, asset, p.liquidationFactor, rampLowering && lowering);
        _packCollateral(asset);
    }

    /// @dev Rewrites the asset's word from its unpacked record, after every change to it. Every
    /// field fits by its storage type (64-bit factors, 40-bit timestamps, 8-bit slot and decimals).
    function _packCollateral(address asset) internal {
        Collateral storage c = _collateral[asset];
        _packedCollateral[asset] =
            PackedParams.packCollateral(c.listed, c.frozen, c.slot, c.decimals, c.borrowFactor, c.liquidationFactor);
    }

    /// @dev A target equal to the ramp's own leaves it alone: a setter call that changes other
    /// parameters neither restarts a ramp in progress nor cuts it short.
    function _moveRamp(Ramp storage r, bytes32 name, address asset, uint256 target, bool ramped) internal {
        if (target == r.to) return;
        r.moveTo(_toUint64(target), ramped);
        if (ramped) emit RampStarted(name, asset, r.from, r.to, r.end);
    }

    /// @dev Run after `_checkRiskBounds`, which keeps dust under 2^128, cusp under 1 and buf
    /// at most 2 [wad]; tip and chip are checked here.
    function _packParams() internal {
        _packedMarket = PackedParams.packMarket(_market, _marginCallHFRamp, _gracePeriodRamp);
        _packedAccrual = PackedParams.packAccrual(address(rateModel), _market.reserveFactor, _packedAccrual.pauseBits());
        LiquidationParams memory l = _liquidation;
        if (l.tip > type(uint128).max) revert ParameterTooLarge(l.tip);
        if (l.chip > type(uint128).max) revert ParameterTooLarge(l.chip);
        packedAuctionParams = PackedParams.packAuction(_market.dust, l.cusp, l.buf);
        packedKeeperIncentives = PackedParams.packIncentive(l.tip, l.chip);
    }

    function _accruePool() internal {
        pool.accrueInterest();
    }

    function _listed(address asset) internal view returns (Collateral storage c) {
        c = _collateral[asset];
        if (!c.listed) revert NotListed(asset);
    }

    function _freeSlot() internal view returns (uint256) {
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            if (_slots[i].asset == address(0)) return i;
        }
        revert TooManyCollaterals();
    }

    function _collateralParams(Collateral storage c) internal view returns (CollateralParams memory) {
        return CollateralParams(c.borrowFactor, c.liquidationFactor.to, c.liquidationPenalty, c.supplyCap);
    }

    function _toUint64(uint256 x) internal pure returns (uint64) {
        if (x > type(uint64).max) revert ParameterTooLarge(x);
        return uint64(x);
    }
}
