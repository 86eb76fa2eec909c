// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IInsuranceFund, IncomeKind} from "../interfaces/IInsuranceFund.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";
import {IMarketConfig} from "../interfaces/IMarketConfig.sol";
import {ISharedLock} from "../interfaces/ISharedLock.sol";
import {IDutchAuctionLiquidator} from "../interfaces/IDutchAuctionLiquidator.sol";

/// @title InsuranceFund
/// @notice First-loss capital of the market: an ERC-4626 vault of the base asset (DESIGN.md 5).
/// See IInsuranceFund.
/// @dev OpenZeppelin's ERC4626 with a decimals offset of 6 (virtual shares against the
/// first-depositor inflation attack; the deploy script also seeds dead shares). Its books are
/// its own ledger, never its token balance. Exits are owner-aware: a withdrawal request caps the
/// price of the requested shares at their exit price then, stored as a ratio so that a request
/// that gained nothing exits at exactly the request-free price. `previewRedeem`/`previewWithdraw`
/// quote the request-free price; `previewRedeemFor`/`previewWithdrawFor` the owner's exact one.
contract InsuranceFund is ERC4626, IInsuranceFund {
    using SafeERC20 for IERC20;

    // ================================================================ constants
    uint8 internal constant DECIMALS_OFFSET = 6;
    uint256 internal constant MIN_COOLDOWN = 1 hours;
    uint256 internal constant MAX_COOLDOWN = 30 days;
    uint256 internal constant MIN_WINDOW = 1 hours;
    uint256 internal constant MAX_WINDOW = 30 days;

    // ================================================================ immutables
    ILendingPool public immutable pool;
    IMarketConfig public immutable config;
    IDutchAuctionLiquidator internal immutable liquidator; // the pool's, fixed before this fund
    uint256 public immutable cooldown; // [seconds] from request to the window
    uint256 public immutable window; // [seconds] during which requested shares can exit

    // ================================================================ storage
    /// @dev The exit price at the request is kept as the ratio it was computed from (never as a
    /// rounded value), so an exit's value is floored once, whatever part of the request it takes.
    struct Request {
        uint192 shares; // [fund shares] requested, still loss-exposed
        uint64 requestedAt; // [unix seconds]
        uint256 priceAssets; // [base units] exit assets + 1 at the request ...
        uint256 priceShares; // [fund shares] ... over total supply + 10^offset: they earn nothing after it
    }

    /// @dev The ledger (DESIGN.md 5): assets = deposits − withdrawals + penalties + reserve income
    /// + lot-sale proceeds − covers − incentives, each term its own book [base units], two books
    /// a slot, paired so that each hook writes at most two slots and none from zero once the
    /// fund has a deposit: a take's penalty writes one slot, a keeper's incentive a slot beside
    /// the deposits (non-zero from the deposit that seeds the dead shares at deploy).
    struct Ledger {
        uint128 assetsBook; // slot 1: every hook
        uint128 penaltyIncome; // take
        uint128 totalDeposited; // slot 2
        uint128 incentivesPaid; // kick, redo
        uint128 totalWithdrawn; // slot 3
        uint128 totalCovered; // loss waterfall
        uint128 reserveIncome; // slot 4
        uint128 lotSaleIncome;
    }

    Ledger internal _ledger;
    mapping(address asset => uint256) public heldCollateral; // [token units] outside the assets
    mapping(address owner => Request) internal _requests;

    // ================================================================ constructor
    constructor(ILendingPool pool_, string memory name_, string memory symbol_, uint256 cooldown_, uint256 window_)
        ERC4626(IERC20(address(pool_.baseToken())))
        ERC20(name_, symbol_)
    {
        if (cooldown_ < MIN_COOLDOWN || cooldown_ > MAX_COOLDOWN || window_ < MIN_WINDOW || window_ > MAX_WINDOW) {
            revert InvalidSchedule();
        }
        // the pool was built naming this fund's precomputed address
        if (address(pool_.insuranceFund()) != address(this)) revert NotThePoolsFund(address(pool_));
        pool = pool_;
        config = pool_.config();
        liquidator = pool_.liquidator();
        cooldown = cooldown_;
        window = window_;
    }

    // ================================================================ modifiers
    modifier locked() {
        ISharedLock(address(pool)).acquireLock();
        _;
        ISharedLock(address(pool)).releaseLock();
    }

    /// @dev Hooks: only the pool or its liquidator, and only inside a protocol entry point.
    modifier onlyProtocol() {
        if (msg.sender != address(pool) && msg.sender != address(liquidator)) revert NotProtocol(msg.sender);
        if (!ISharedLock(address(pool)).lockHeld()) revert NotProtocol(msg.sender);
        _;
    }

    modifier onlyGovernor() {
        if (msg.sender != config.governor()) revert NotGovernor();
        _;
    }

    // ================================================================ deposits and exits
    function deposit(uint256 assets, address receiver) public override(ERC4626, IERC4626) locked returns (uint256) {
        return super.deposit(assets, receiver);
    }

    function mint(uint256 shares, address receiver) public override(ERC4626, IERC4626) locked returns (uint256) {
        return super.mint(shares, receiver);
    }

    /// @inheritdoc IERC4626
    /// @dev Requested shares inside their window, at the lower of the exit price now and at the
    /// request (`previewRedeemFor`).
    function redeem(uint256 shares, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        locked
        returns (uint256 assets)
    {
        uint256 maxShares = maxRedeem(owner);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = _exitValue(owner, shares);
        _requests[owner].shares -= uint192(shares); // shares ≤ maxRedeem ≤ the request
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IERC4626
    /// @dev Burns requested shares inside their window, rounded up at the lower of the exit price
    /// now and at the request (`previewWithdrawFor`).
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override(ERC4626, IERC4626)
        locked
        returns (uint256 shares)
    {
        uint256 maxAssets = maxWithdraw(owner);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        // maxAssets = ⌊maxRedeem·p⌋ at the owner's price p, so ⌈assets/p⌉ ≤ maxRedeem ≤ the request
        shares = _sharesToExit(owner, assets);
        _requests[owner].shares -= uint192(shares);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IInsuranceFund
    function requestWithdraw(uint256 shares) external locked {
        uint256 balance = balanceOf(msg.sender);
        if (shares > balance) revert InsufficientShares(balance);
        uint256 priceAssets = _exitAssets() + 1;
        uint256 priceShares = totalSupply() + 10 ** DECIMALS_OFFSET;
        _requests[msg.sender] =
            Request(SafeCast.toUint192(shares), SafeCast.toUint64(block.timestamp), priceAssets, priceShares);
        uint256 value = Math.mulDiv(shares, priceAssets, priceShares);
        emit WithdrawRequested(
            msg.sender, shares, value, block.timestamp + cooldown, block.timestamp + cooldown + window
        );
    }

    /// @inheritdoc IERC4626
    /// @dev Requested shares, and only inside their window (0 before and after it).
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        Request storage r = _requests[owner];
        uint256 shares = r.shares;
        uint256 opens = r.requestedAt + cooldown;
        if (shares == 0 || block.timestamp < opens || block.timestamp > opens + window) return 0;
        return Math.min(shares, balanceOf(owner));
    }

    /// @inheritdoc IERC4626
    /// @dev `maxRedeem`'s shares at the owner's exit price (`previewRedeemFor`).
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        return _exitValue(owner, maxRedeem(owner));
    }

    /// @inheritdoc IInsuranceFund
    function previewRedeem(uint256 shares) public view override(ERC4626, IInsuranceFund) returns (uint256) {
        return _convertAtExit(shares);
    }

    /// @inheritdoc IInsuranceFund
    function previewWithdraw(uint256 assets) public view override(ERC4626, IInsuranceFund) returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + 10 ** DECIMALS_OFFSET, _exitAssets() + 1, Math.Rounding.Ceil);
    }

    /// @inheritdoc IInsuranceFund
    function previewRedeemFor(address owner, uint256 shares) external view returns (uint256 assets) {
        return _exitValue(owner, shares);
    }

    /// @inheritdoc IInsuranceFund
    function previewWithdrawFor(address owner, uint256 assets) external view returns (uint256 shares) {
        return _sharesToExit(owner, assets);
    }

    /// @inheritdoc IInsuranceFund
    function requests(address owner) external view returns (uint256 shares, uint256 value, uint256 requestedAt) {
        Request storage r = _requests[owner];
        shares = r.shares;
        requestedAt = r.requestedAt;
        if (shares != 0) value = Math.mulDiv(shares, r.priceAssets, r.priceShares);
    }

    /// @notice The ledger's assets; collateral the fund holds is outside them until sold.
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        return _ledger.assetsBook;
    }

    /// @notice The ledger's assets [base units] (= `totalAssets`).
    function assetsBook() external view returns (uint256) {
        return _ledger.assetsBook;
    }

    /// @notice Σ deposits [base units].
    function totalDeposited() external view returns (uint256) {
        return _ledger.totalDeposited;
    }

    /// @notice Σ withdrawals and redemptions [base units].
    function totalWithdrawn() external view returns (uint256) {
        return _ledger.totalWithdrawn;
    }

    /// @notice Σ penalty shares of takes [base units].
    function penaltyIncome() external view returns (uint256) {
        return _ledger.penaltyIncome;
    }

    /// @notice Σ reserves routed from the pool [base units].
    function reserveIncome() external view returns (uint256) {
        return _ledger.reserveIncome;
    }

    /// @notice Σ proceeds of held collateral sold by the governor [base units].
    function lotSaleIncome() external view returns (uint256) {
        return _ledger.lotSaleIncome;
    }

    /// @notice Σ losses covered (BadDebtCovered) [base units].
    function totalCovered() external view returns (uint256) {
        return _ledger.totalCovered;
    }

    /// @notice Σ keeper incentives paid [base units].
    function incentivesPaid() external view returns (uint256) {
        return _ledger.incentivesPaid;
    }

    /// @inheritdoc IInsuranceFund
    function pendingLossShare() public view returns (uint256) {
        uint256 pending = liquidator.pendingLoss();
        uint256 reserves = pool.reserves();
        return pending <= reserves ? 0 : Math.min(pending - reserves, _ledger.assetsBook);
    }

    // ================================================================ protocol hooks
    /// @inheritdoc IInsuranceFund
    /// @dev The books hold no base tokens the fund lacks, except the penalty of the take in
    /// progress (booked before its owe is pulled): that is the only part of `covered` the fund
    /// cannot send now.
    function cover(uint256 amount) external onlyProtocol returns (uint256 covered, uint256 fromPenalty) {
        covered = Math.min(amount, _ledger.assetsBook);
        if (covered == 0) return (0, 0);
        _ledger.assetsBook -= uint128(covered); // ≤ assetsBook
        _ledger.totalCovered += uint128(covered);
        uint256 sendNow = Math.min(covered, IERC20(asset()).balanceOf(address(this)));
        fromPenalty = covered - sendNow;
        emit BadDebtCovered(covered);
        if (sendNow != 0) IERC20(asset()).safeTransfer(address(pool), sendNow);
    }

    /// @inheritdoc IInsuranceFund
    function payIncentive(address keeper, uint256 amount) external onlyProtocol returns (uint256 paid) {
        if (keeper == address(0)) return 0;
        paid = Math.min(amount, _ledger.assetsBook);
        if (paid == 0) return 0;
        _ledger.assetsBook -= uint128(paid); // ≤ assetsBook
        _ledger.incentivesPaid += uint128(paid);
        emit IncentivePaid(keeper, paid);
        IERC20(asset()).safeTransfer(keeper, paid);
    }

    /// @inheritdoc IInsuranceFund
    function notifyIncome(IncomeKind kind, uint256 amount) external onlyProtocol {
        _bookIncome(kind, amount);
    }

    /// @inheritdoc IInsuranceFund
    function holdCollateral(address collateral, uint256 amount) external onlyProtocol {
        heldCollateral[collateral] += amount;
        emit CollateralHeld(collateral, amount);
    }

    // ================================================================ governance
    /// @inheritdoc IInsuranceFund
    function releaseHeldCollateral(address collateral, uint256 amount, address to) external onlyGovernor locked {
        if (to == address(0)) revert ZeroAddress();
        uint256 held = heldCollateral[collateral];
        if (amount > held) revert NoHeldCollateral(collateral, held);
        heldCollateral[collateral] = held - amount;
        emit HeldCollateralReleased(collateral, to, amount);
        IERC20(collateral).safeTransfer(to, amount);
    }

    /// @inheritdoc IInsuranceFund
    function depositLotProceeds(uint256 amount) external onlyGovernor locked {
        _bookIncome(IncomeKind.LotSale, amount);
        IERC20(asset()).safeTransferFrom(msg.sender, address(this), amount);
    }

    // ================================================================ internals
    function _bookIncome(IncomeKind kind, uint256 amount) internal {
        uint128 income = SafeCast.toUint128(amount);
        _ledger.assetsBook += income;
        if (kind == IncomeKind.Penalty) _ledger.penaltyIncome += income;
        else if (kind == IncomeKind.Reserves) _ledger.reserveIncome += income;
        else _ledger.lotSaleIncome += income;
        emit IncomeReceived(kind, amount);
    }

    function _exitAssets() internal view returns (uint256) {
        return _ledger.assetsBook - pendingLossShare();
    }

    function _convertAtExit(uint256 shares) internal view returns (uint256) {
        return Math.mulDiv(shares, _exitAssets() + 1, totalSupply() + 10 ** DECIMALS_OFFSET);
    }

    /// @dev `shares` of `owner` valued at the lower of the exit price now and at the owner's request,
    /// rounded down once: ⌊shares·min(p_now, p_request)⌋.
    function _exitValue(address owner, uint256 shares) internal view returns (uint256 assets) {
        assets = _convertAtExit(shares);
        Request storage r = _requests[owner];
        if (r.shares != 0) assets = Math.min(assets, Math.mulDiv(shares, r.priceAssets, r.priceShares));
    }

    /// @dev Shares of `owner` that pay out `assets`, rounded up at the same price:
    /// ⌈assets / min(p_now, p_request)⌉, the fewest whose `_exitValue` reaches `assets`.
    function _sharesToExit(address owner, uint256 assets) internal view returns (uint256 shares) {
        shares = Math.mulDiv(assets, totalSupply() + 10 ** DECIMALS_OFFSET, _exitAssets() + 1, Math.Rounding.Ceil);
        Request storage r = _requests[owner];
        if (r.shares != 0) {
            shares = Math.max(shares, Math.mulDiv(assets, r.priceShares, r.priceAssets, Math.Rounding.Ceil));
        }
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        uint128 deposited = SafeCast.toUint128(assets);
        _ledger.assetsBook += deposited;
        _ledger.totalDeposited += deposited;
        super._deposit(caller, receiver, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        _ledger.assetsBook -= uint128(assets); // ≤ the exit assets ≤ assetsBook
        _ledger.totalWithdrawn += uint128(assets);
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev A request shrinks when its shares leave the owner; receiving shares never adds to it.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == address(0)) return;
        Request storage r = _requests[from];
        uint256 balance = balanceOf(from);
        if (r.shares > balance) r.shares = uint192(balance); // its price stays: the cap per share
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}
