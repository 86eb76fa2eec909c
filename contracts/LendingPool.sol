// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ILendingPool, AccountStatus, MarketSnapshot} from "../interfaces/ILendingPool.sol";
import {IMarketConfig, PauseAction} from "../interfaces/IMarketConfig.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IInsuranceFund, IncomeKind} from "../interfaces/IInsuranceFund.sol";
import {IDutchAuctionLiquidator} from "../interfaces/IDutchAuctionLiquidator.sol";
import {IInterestRateModel} from "../interfaces/IInterestRateModel.sol";
import {ISharedLock} from "../interfaces/ISharedLock.sol";
import {SharedReentrancyLock} from "./SharedReentrancyLock.sol";
import {WadMath} from "./libraries/WadMath.sol";
import {SharesMath} from "./libraries/SharesMath.sol";
import {AccountRisk} from "./libraries/AccountRisk.sol";
import {PackedParams} from "./libraries/PackedParams.sol";

/// @title LendingPool
/// @notice Supply, collateral, borrow, interest and the margin-call ladder of Margin Call Lab.
/// Parameters, roles and the collateral list live in `MarketConfig`; this contract keeps the
/// books.
/// @dev Every entry point runs in the same order: validate → accrue → convert (rounding named)
/// → write state → risk check → emit → token transfer last. See ILendingPool for the spec.
contract LendingPool is ILendingPool, SharedReentrancyLock {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using AccountRisk for AccountRisk.Valuation;
    using PackedParams for uint256;

    // ================================================================ constants
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;
    uint256 internal constant MAX_COLLATERALS = 8;

    // ================================================================ immutables
    IMarketConfig public immutable config;
    IERC20 public immutable baseToken;
    IOracleAdapter public immutable oracle;
    IDutchAuctionLiquidator public immutable liquidator;
    IInsuranceFund public immutable insuranceFund;
    uint256 internal immutable BASE_SCALE; // 10 ** base decimals

    // ================================================================ storage
    /// @dev What the pool keeps per account besides balances and debt, in one slot: the
    /// PoolLens reads it for every account of a batch, and a kick writes its debt in auction
    /// beside its live auctions (one slot already in use, not a fresh one per kicked account).
    struct AccountMeta {
        uint40 callDeadline; // [unix seconds] Liquidatable after it while HF < base marginCallHF
        uint40 callLapsesAt; // [unix seconds] deadline + gracePeriod: the call is dead from then on
        uint32 liveAuctions; // auctions of the account's collateral still running
        uint8 assetsIn; // bitmap over the config's collateral slots
        uint128 debtInAuction; // [base units] its share of debtInAuction
    }

    /// @dev The pool's global books in four words, grouped by what the operations read and write
    /// together (docs/ARCHITECTURE.md, "The pool's books"): an accrual reads every field but the
    /// shares and writes words 0 and 1; a borrow or a repay writes word 2 too; a supply or a
    /// withdrawal words 1 to 3. The shared lock's flag lives in word 0, which every accruing entry
    /// point writes anyway (the borrow index keeps that word non-zero). Every write of a 128-bit
    /// book goes through its setter (`_setCash`, …), which refuses a value over 2^128 − 1 by name
    /// (`BookOverflow`), never truncating it.
    struct Books {
        // word 0
        uint128 borrowIndex; // [ray] debt per unit of normalised debt
        uint40 lastAccrual; // [unix seconds]
        bool locked; // the shared reentrancy lock (SharedReentrancyLock)
        // word 1
        uint128 supplierAssets; // [base units] what all supply shares are worth
        uint128 reserves; // [base units] protocol's share of interest, not yet routed
        // word 2
        uint128 cash; // [base units] base tokens the pool holds by its books
        uint128 totalNormalizedDebt; // [base units · ray / index]
        // word 3
        uint128 totalSupplyShares;
        uint128 debtInAuction; // [base units] non-accruing debt held by live auctions
    }

    Books internal _books;

    // supply book
    mapping(address => uint256) public supplySharesOf;

    // debt book
    mapping(address => uint256) public normalizedDebtOf;

    // collateral
    mapping(address asset => uint256) public totalCollateral; // [token units]
    mapping(address account => mapping(address asset => uint256)) internal _balances; // [token units]

    // margin calls, live auctions, collateral held
    mapping(address account => AccountMeta) internal _meta;

    // liquidation and losses
    uint256 public realizedLosses; // [base units] every loss booked, ever
    uint256 public coveredByReserves; // [base units]
    uint256 public coveredByFund; // [base units]
    uint256 public socializedLosses; // [base units]

    // ================================================================ constructor
    /// @dev The liquidator and the fund are deployed after the pool, at addresses precomputed
    /// from the deployer's nonce (docs/ARCHITECTURE.md, deployment order); each checks at its own
    /// construction that the pool names it, so a missed prediction fails the deployment.
    constructor(IMarketConfig config_, IDutchAuctionLiquidator liquidator_, IInsuranceFund fund_) {
        if (address(config_) == address(0) || address(liquidator_) == address(0) || address(fund_) == address(0)) {
            revert ZeroAddress();
        }
        // the config accrues this pool before a parameter change: it must name this pool
        if (address(config_.pool()) != address(this)) revert ConfigOfAnotherPool(address(config_));
        config = config_;
        baseToken = IERC20(config_.baseToken());
        oracle = config_.oracle();
        liquidator = liquidator_;
        insuranceFund = fund_;
        emit ProtocolContractSet(address(liquidator_), false, true);
        emit ProtocolContractSet(address(fund_), false, true);
        BASE_SCALE = 10 ** IERC20Metadata(address(baseToken)).decimals();
        (_books.borrowIndex, _books.lastAccrual) = (uint128(RAY), uint40(block.timestamp));
    }

    // ================================================================ modifiers
    // Modifier bodies are copied into every function that uses them: each calls one function.
    /// @dev The liquidator's hooks: only the pool's liquidator, and only while the shared lock
    /// is held, i.e. inside a protocol entry point (DESIGN.md 7).
    modifier onlyLiquidatorHook() {
        _checkLiquidatorHook();
        _;
    }

    function _checkLiquidatorHook() internal view {
        if (msg.sender != address(liquidator)) revert NotProtocolContract(msg.sender);
        _requireLockHeld();
    }

    /// @inheritdoc ISharedLock
    function isProtocolContract(address target) public view override returns (bool) {
        return target == address(liquidator) || target == address(insuranceFund);
    }

    // ================================================================ supply
    /// @inheritdoc ILendingPool
    function supply(uint256 amount, address onBehalfOf) external nonReentrant returns (uint256 shares) {
        _accrueUnlessPaused(PauseAction.Supply);
        if (amount == 0) revert ZeroAmount();
        if (onBehalfOf == address(0)) revert ZeroAddress();
        (uint256 assets, uint256 totalShares) = (_books.supplierAssets, _books.totalSupplyShares);
        // losses took every supplier asset: the shares left are worth nothing, supply is closed
        if (assets == 0 && totalShares != 0) revert SupplyClosed();
        shares = SharesMath.toSharesDown(amount, assets, totalShares);
        if (shares == 0) revert ZeroShares();

        supplySharesOf[onBehalfOf] += shares;
        _setTotalSupplyShares(totalShares + shares);
        _setSupplierAssets(assets + amount);
        _setCash(_books.cash + amount);

        emit Supplied(msg.sender, onBehalfOf, amount, shares);
        baseToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc ILendingPool
    function withdraw(uint256 amount, address receiver) external nonReentrant returns (uint256 shares) {
        _accrueUnlessPaused(PauseAction.Withdraw);
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        uint256 owned = supplySharesOf[msg.sender];
        (uint256 assets, uint256 totalShares) = (_books.supplierAssets, _books.totalSupplyShares);
        // exits are priced net of the known loss no reserve or fund can absorb (DESIGN.md 5);
        // what an exit leaves behind stays on the books for the suppliers who bear the loss
        uint256 exitAssets = assets - _supplierHaircut();
        if (amount == type(uint256).max) {
            shares = owned;
            amount = SharesMath.toAssetsDown(shares, exitAssets, totalShares);
            if (amount == 0) revert ZeroAmount();
        } else {
            shares = SharesMath.toSharesUp(amount, exitAssets, totalShares);
        }
        if (shares > owned) revert InsufficientShares(owned);
        uint256 available = _books.cash;
        if (amount > available) revert InsufficientLiquidity(available);

        supplySharesOf[msg.sender] = owned - shares;
        _setTotalSupplyShares(totalShares - shares);
        _setSupplierAssets(assets - amount);
        _setCash(available - amount);

        emit Withdrawn(msg.sender, receiver, amount, shares);
        baseToken.safeTransfer(receiver, amount);
    }

    // ================================================================ collateral
    /// @inheritdoc ILendingPool
    function depositCollateral(address asset, uint256 amount, address onBehalfOf) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (onBehalfOf == address(0)) revert ZeroAddress();
        (uint256 c, uint256 supplyCap) = _listed(asset, true);
        if (c.frozen()) revert CollateralFrozen(asset);
        // no accrual: a deposit moves neither cash nor debt (no input of the rate); the status
        // below values the debt at the index accrued in memory (`_currentIndex`), not written

        uint256 newTotal = totalCollateral[asset] + amount;
        AccountMeta storage meta = _meta[onBehalfOf];
        uint8 assetsIn = meta.assetsIn;
        uint8 bit = uint8(1 << c.slot());
        if (assetsIn & bit == 0) {
            // nobody else chooses what an account holds: a new asset on behalf needs a price
            if (onBehalfOf != msg.sender) {
                (bool priced,,) = oracle.tryPriceRange(asset);
                if (!priced) revert NoPriceForNewHolding(asset);
            }
            meta.assetsIn = assetsIn | bit;
        }
        bool overCap = newTotal > supplyCap;
        bool called = meta.callDeadline != 0;
        // prices are read only when needed (debt, and the cap or a call asks), once, and never
        // required (a top-up always works): the debt's slot is read only when the cap or a
        // call asks, and the snapshot allocated (115 words of memory) only when prices are read
        if ((overCap || called) && normalizedDebtOf[onBehalfOf] != 0) {
            MarketSnapshot memory snap;
            _readStatus(snap, onBehalfOf, false);
            // over the cap only for accounts that need the top-up: not Healthy, or unpriceable
            if (overCap && snap.ok && _status(onBehalfOf, snap) == AccountStatus.Healthy) {
                revert SupplyCapExceeded(asset, supplyCap);
            }
            _addCollateral(onBehalfOf, asset, amount, newTotal);
            _clearCallWith(onBehalfOf, snap);
        } else {
            if (overCap) revert SupplyCapExceeded(asset, supplyCap);
            _addCollateral(onBehalfOf, asset, amount, newTotal);
            // without debt the account is Healthy without a price: a live call is met (as
            // `_clearCallWith` does without debt), a lapsed one tidied away silently
            if (called) {
                bool live = _isLive(meta);
                _dropCall(onBehalfOf);
                if (live) emit MarginCallMet(onBehalfOf);
            }
        }
        emit CollateralDeposited(msg.sender, onBehalfOf, asset, amount);
        _pullExact(IERC20(asset), amount);
    }

    /// @inheritdoc ILendingPool
    function withdrawCollateral(address asset, uint256 amount, address receiver) external nonReentrant {
        // no accrual: a withdrawal of collateral moves neither cash nor debt (no input of the
        // rate); with debt, the checks value it at the index accrued in memory, not written. The
        // pause is read from the one config call the path makes (with debt, the snapshot's).
        bool hasDebt = normalizedDebtOf[msg.sender] != 0;
        MarketSnapshot memory snap;
        uint256 accrualWord;
        uint256[] memory held;
        if (hasDebt) (accrualWord, held) = _readParams(snap, msg.sender, true, false);
        else accrualWord = config.accrualWord();
        _requireNotPausedIn(accrualWord, PauseAction.Withdraw);
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        (uint256 c,) = _listed(asset, false);
        uint256 balance = _balances[msg.sender][asset];
        if (amount == type(uint256).max) amount = balance;
        if (amount == 0 || amount > balance) revert InsufficientCollateral(balance);

        _requireNoLiveAuctions(msg.sender);
        if (hasDebt) {
            // the ladder is read before the change: only a Healthy account opens risk
            snap.borrowIndex = _currentIndex(accrualWord);
            _readPrices(snap, held, true, true, false);
            _requireHealthy(msg.sender, _valuation(msg.sender, snap), snap);
        }

        _balances[msg.sender][asset] = balance - amount;
        totalCollateral[asset] -= amount;
        if (balance == amount) _meta[msg.sender].assetsIn &= ~uint8(1 << c.slot());

        // without debt no price is needed (DESIGN.md 3); with debt, same snapshot, after the change
        if (hasDebt) _requireOpeningMargin(_valuation(msg.sender, snap), snap);
        _clearCallWith(msg.sender, snap);
        emit CollateralWithdrawn(msg.sender, receiver, asset, amount);
        IERC20(asset).safeTransfer(receiver, amount);
    }

    // ================================================================ borrow
    /// @inheritdoc ILendingPool
    function borrow(uint256 amount, address receiver) external nonReentrant {
        // one read of the config (`riskWords`): the pause and the accrual first, then the snapshot
        MarketSnapshot memory snap;
        (uint256 accrualWord, uint256[] memory held) = _readParams(snap, msg.sender, true, false);
        _accrueWith(_requireNotPausedIn(accrualWord, PauseAction.Borrow));
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        uint256 available = _books.cash;
        if (amount > available) revert InsufficientLiquidity(available);
        _requireNoLiveAuctions(msg.sender);
        snap.borrowIndex = _books.borrowIndex; // accrued above
        _readPrices(snap, held, true, true, false);
        // the collateral is valued once: for the status before the borrow and the margin after it
        AccountRisk.Valuation memory v = _valuation(msg.sender, snap);
        if (v.debt != 0) _requireHealthy(msg.sender, v, snap);

        // normalised debt rounds up: the borrower owes at least `amount`
        uint256 normalized = amount.mulDivUp(RAY, _books.borrowIndex);
        uint256 newNormalized = normalizedDebtOf[msg.sender] + normalized;
        normalizedDebtOf[msg.sender] = newNormalized;
        _setTotalNormalizedDebt(_books.totalNormalizedDebt + normalized);
        _setCash(available - amount);
        v.setDebt(newNormalized, BASE_SCALE, snap); // the debt at the accrued index, as `_debtOf`
        if (v.debt < snap.market.dust) revert DebtBelowDust(v.debt, snap.market.dust);

        _requireOpeningMargin(v, snap);
        _clearCallWith(msg.sender, snap);
        emit Borrowed(msg.sender, receiver, amount);
        baseToken.safeTransfer(receiver, amount);
    }

    /// @inheritdoc ILendingPool
    function repay(uint256 amount, address onBehalfOf) external nonReentrant returns (uint256 repaid) {
        if (amount == 0) revert ZeroAmount();
        if (onBehalfOf == address(0)) revert ZeroAddress();
        _accrue();
        uint256 normalized = normalizedDebtOf[onBehalfOf];
        if (normalized == 0) revert NoDebt();
        uint256 index = _books.borrowIndex;
        uint256 debt = normalized.mulDivUp(index, RAY); // `_debtOf`, from the values just read

        uint256 normalizedRepaid;
        if (amount >= debt) {
            (repaid, normalizedRepaid) = (debt, normalized);
        } else {
            // the debt removed rounds down: a partial repay never forgives a wei
            (repaid, normalizedRepaid) = (amount, amount.mulDivDown(RAY, index));
            uint256 left = (normalized - normalizedRepaid).mulDivUp(index, RAY);
            uint256 dust = config.packedAuctionParams().dust();
            if (left < dust) revert DebtBelowDust(left, dust);
        }
        normalizedDebtOf[onBehalfOf] = normalized - normalizedRepaid;
        _setTotalNormalizedDebt(_books.totalNormalizedDebt - normalizedRepaid);
        _setCash(_books.cash + repaid);

        if (_meta[onBehalfOf].callDeadline != 0) {
            MarketSnapshot memory snap;
            _readStatus(snap, onBehalfOf, false);
            _clearCallWith(onBehalfOf, snap);
        }
        emit Repaid(msg.sender, onBehalfOf, repaid);
        baseToken.safeTransferFrom(msg.sender, address(this), repaid);
    }

    // ================================================================ margin calls
    /// @inheritdoc ILendingPool
    function issueMarginCall(address account) external nonReentrant {
        // the margin calls change no book the rate reads: the debt is valued at the index
        // accrued in memory (the snapshot's, `_currentIndex`), the same one an accrual would write
        MarketSnapshot memory snap;
        _readStatus(snap, account, true);
        AccountRisk.Valuation memory v = _valuation(account, snap); // once: the status and the event
        AccountStatus status = _statusOf(account, v, snap);
        AccountMeta memory meta = _meta[account];
        if (_isLive(meta)) revert MarginCallAlreadyLive(meta.callDeadline);
        if (status != AccountStatus.MarginCall) revert NotInMarginCall(status);

        uint256 grace = snap.market.gracePeriod;
        uint256 deadline = block.timestamp + grace;
        (_meta[account].callDeadline, _meta[account].callLapsesAt) = (uint40(deadline), uint40(deadline + grace));
        emit MarginCallIssued(account, v.hf(), deadline);
    }

    /// @inheritdoc ILendingPool
    function clearMarginCall(address account) external nonReentrant {
        if (!_isLive(_meta[account])) revert NoLiveMarginCall();
        MarketSnapshot memory snap;
        if (normalizedDebtOf[account] != 0) _readStatus(snap, account, true);
        AccountStatus status = _status(account, snap); // Healthy without debt, no price read
        if (status != AccountStatus.Healthy) revert AccountNotHealthy(status);
        _dropCall(account);
        emit MarginCallMet(account);
    }

    /// @dev After an action of or for the account: clears its live call when it is Healthy at
    /// the snapshot's prices (an account without debt is Healthy without a price). Without a
    /// valid price the call simply stays (DESIGN.md 3). A lapsed call is tidied away silently.
    function _clearCallWith(address account, MarketSnapshot memory snap) internal {
        AccountMeta memory meta = _meta[account];
        if (meta.callDeadline == 0) return;
        if (!_isLive(meta)) {
            _dropCall(account);
            return;
        }
        bool hasDebt = normalizedDebtOf[account] != 0;
        if (hasDebt && (!snap.ok || _status(account, snap) != AccountStatus.Healthy)) return;
        _dropCall(account);
        emit MarginCallMet(account);
    }

    /// @dev Credits a deposit of collateral: the account's balance and the asset's total.
    function _addCollateral(address account, address asset, uint256 amount, uint256 newTotal) internal {
        _balances[account][asset] += amount;
        totalCollateral[asset] = newTotal;
    }

    function _dropCall(address account) internal {
        (_meta[account].callDeadline, _meta[account].callLapsesAt) = (0, 0);
    }

    function _isLive(AccountMeta memory meta) internal view returns (bool) {
        return meta.callDeadline != 0 && block.timestamp < meta.callLapsesAt;
    }

    // ================================================================ liquidation
    /// @inheritdoc ILendingPool
    function prepareKick(address account) external onlyLiquidatorHook returns (MarketSnapshot memory snap) {
        // one read of the config: the accrual's word with the snapshot's
        (uint256 accrualWord, uint256[] memory held) = _readParams(snap, account, true, true);
        _accrueWith(accrualWord);
        snap.borrowIndex = _books.borrowIndex; // accrued above
        _readPrices(snap, held, true, true, true);
    }

    /// @inheritdoc ILendingPool
    function seize(
        address account,
        uint256[MAX_COLLATERALS] calldata lots,
        uint256 debtMoved,
        uint256 auctions,
        bool keepCall,
        address[MAX_COLLATERALS] calldata assets
    ) external onlyLiquidatorHook {
        uint256 normalized = normalizedDebtOf[account];
        uint256 index = _books.borrowIndex;
        uint256 debt = normalized.mulDivUp(index, RAY);
        // the debt removed from the account rounds down; debt in auction gets `debtMoved` in full
        uint256 normalizedMoved = debtMoved >= debt ? normalized : debtMoved.mulDivDown(RAY, index);
        normalizedDebtOf[account] = normalized - normalizedMoved;
        _setTotalNormalizedDebt(_books.totalNormalizedDebt - normalizedMoved);
        _setDebtInAuction(_books.debtInAuction + debtMoved);
        AccountMeta storage meta = _meta[account];
        (meta.liveAuctions, meta.debtInAuction) =
        (meta.liveAuctions + SafeCast.toUint32(auctions), _toUint128(meta.debtInAuction + debtMoved));
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            if (lots[i] != 0) _moveCollateralOut(account, assets[i], i, lots[i], address(liquidator));
        }
        if (!keepCall && _meta[account].callDeadline != 0) {
            // Prices are read again (same block, so the kick's) only when the call's fate needs
            // them: a partial kick of a called account. A full kick leaves no debt: no price.
            // Taking the kick's snapshot as calldata instead costs ~700 bytes of decoder.
            MarketSnapshot memory snap;
            if (normalizedDebtOf[account] != 0) _readFull(snap, account, false);
            _clearCallWith(account, snap);
        }
        emit CollateralSeized(account, debtMoved, auctions);
    }

    /// @inheritdoc ILendingPool
    function auctionRepaid(address account, uint256 amount) external onlyLiquidatorHook {
        _setDebtInAuction(_books.debtInAuction - amount);
        _meta[account].debtInAuction -= uint128(amount); // amount ≤ the auction's debt part
        _setCash(_books.cash + amount);
    }

    /// @inheritdoc ILendingPool
    function auctionEnded(address account, address asset, uint256 slot, uint256 leftover, uint256 unpaidDebt)
        external
        onlyLiquidatorHook
        returns (uint256 coverFromPenalty)
    {
        AccountMeta storage meta = _meta[account];
        // interest accrues first only when this hook moves debt (a charge-back, a loss, the
        // write-off below): returning the rest of a lot changes no input of the rate
        if (unpaidDebt != 0 || (meta.liveAuctions == 1 && meta.assetsIn == 0 && leftover == 0)) _accrue();
        meta.liveAuctions -= 1;
        if (leftover != 0) {
            // back to the account, never to the wallet; exempt from the cap and a freeze
            _balances[account][asset] += leftover;
            totalCollateral[asset] += leftover;
            meta.assetsIn |= uint8(1 << slot); // the auction's record keeps the asset's slot
            emit CollateralReturned(account, asset, leftover);
        }
        bool hasCollateral = meta.assetsIn != 0;
        if (unpaidDebt != 0) {
            _setDebtInAuction(_books.debtInAuction - unpaidDebt);
            meta.debtInAuction -= uint128(unpaidDebt); // a debt part of this account
            if (hasCollateral || meta.liveAuctions != 0) {
                // shortfall charged back: the account still has something to answer with
                uint256 normalized = unpaidDebt.mulDivUp(RAY, _books.borrowIndex);
                normalizedDebtOf[account] += normalized;
                _setTotalNormalizedDebt(_books.totalNormalizedDebt + normalized);
                emit DebtChargedBack(account, unpaidDebt);
            } else {
                coverFromPenalty = _bookLoss(account, unpaidDebt);
            }
        }
        // the last auction ended, nothing is left to sell: what is still owed is bad debt
        if (meta.liveAuctions == 0 && !hasCollateral) coverFromPenalty += _writeOffDebt(account);
    }

    /// @inheritdoc ILendingPool
    function closeAccount(address account) external onlyLiquidatorHook {
        uint256 held = _meta[account].assetsIn;
        if (held != 0) {
            address[MAX_COLLATERALS] memory slots = config.collateralSlots();
            for (uint256 i; held != 0; ++i) {
                if (held & 1 != 0) {
                    uint256 amount = _balances[account][slots[i]];
                    _moveCollateralOut(account, slots[i], i, amount, address(insuranceFund));
                    insuranceFund.holdCollateral(slots[i], amount);
                }
                held >>= 1;
            }
        }
        emit AccountClosed(account, _debtOf(account));
        _writeOffDebt(account);
    }

    /// @inheritdoc ILendingPool
    function routeReserves() external nonReentrant returns (uint256 routed) {
        _accrue();
        routed = Math.min(_books.reserves, _books.cash);
        if (routed == 0) return 0;
        _setReserves(_books.reserves - routed);
        _setCash(_books.cash - routed);
        emit ReservesRouted(routed);
        baseToken.safeTransfer(address(insuranceFund), routed);
        insuranceFund.notifyIncome(IncomeKind.Reserves, routed);
    }

    function _moveCollateralOut(address account, address asset, uint256 slot, uint256 amount, address to) internal {
        uint256 balance = _balances[account][asset] - amount;
        _balances[account][asset] = balance;
        totalCollateral[asset] -= amount;
        if (balance == 0) _meta[account].assetsIn &= ~uint8(1 << slot);
        IERC20(asset).safeTransfer(to, amount);
    }

    function _writeOffDebt(address account) internal returns (uint256 coverFromPenalty) {
        uint256 normalized = normalizedDebtOf[account];
        if (normalized == 0) return 0;
        uint256 debt = normalized.mulDivUp(_books.borrowIndex, RAY);
        normalizedDebtOf[account] = 0;
        _setTotalNormalizedDebt(_books.totalNormalizedDebt - normalized);
        return _bookLoss(account, debt);
    }

    /// @dev The loss waterfall (DESIGN.md 5), its only place, booked once: unrouted reserves,
    /// then the insurance fund (`cover`, which sends the tokens it holds), then the suppliers,
    /// whose share value falls. `coverFromPenalty`: the part of the fund's cover that is the
    /// penalty of the take in progress, which that take sends here (see IInsuranceFund.cover).
    function _bookLoss(address account, uint256 amount) internal returns (uint256 coverFromPenalty) {
        uint256 fromReserves = Math.min(_books.reserves, amount);
        _setReserves(_books.reserves - fromReserves);
        uint256 fromFund;
        if (amount != fromReserves) (fromFund, coverFromPenalty) = insuranceFund.cover(amount - fromReserves);
        _setCash(_books.cash + fromFund);
        uint256 socialized = Math.min(amount - fromReserves - fromFund, _books.supplierAssets);
        _setSupplierAssets(_books.supplierAssets - socialized);
        realizedLosses += amount;
        coveredByReserves += fromReserves;
        coveredByFund += fromFund;
        socializedLosses += socialized;
        emit BadDebtRealized(account, amount);
        emit LossBooked(amount, fromReserves, fromFund, socialized);
        if (socialized != 0) emit BadDebtSocialized(socialized);
    }

    /// @dev max(0, pendingLoss − reserves − fund assets), at most the supplier assets.
    function _supplierHaircut() internal view returns (uint256) {
        uint256 pending = liquidator.pendingLoss();
        if (pending == 0) return 0; // the usual case: no call to the fund
        uint256 absorbed = _books.reserves + insuranceFund.totalAssets();
        return pending <= absorbed ? 0 : Math.min(pending - absorbed, _books.supplierAssets);
    }

    // ================================================================ interest
    /// @inheritdoc ILendingPool
    function accrueInterest() external nonReentrant {
        _accrue();
    }

    /// @dev For the pausable actions: refuses `action` while it is paused, then accrues. One
    /// read of the config's accrual word (PackedParams: rate model, reserve factor, paused flags)
    /// serves both, so the pause is checked first thing, where the accrual starts.
    function _accrueUnlessPaused(PauseAction action) internal {
        _accrueWith(_requireNotPaused(action));
    }

    /// @dev Refuses `action` while it is paused; returns the config's accrual word it read.
    function _requireNotPaused(PauseAction action) internal view returns (uint256 word) {
        word = config.accrualWord();
        if ((word.pauseBits() >> uint256(action)) & 1 != 0) revert ActionPaused(action);
    }

    /// @dev Refuses `action` while the accrual word `word` says it is paused; returns `word`.
    function _requireNotPausedIn(uint256 word, PauseAction action) internal pure returns (uint256) {
        if ((word.pauseBits() >> uint256(action)) & 1 != 0) revert ActionPaused(action);
        return word;
    }

    function _accrue() internal {
        _accrueWith(0);
    }

    /// @dev Grows the borrow index by `rate · Δt / year` (rounded up) and books the interest:
    /// `reserveFactor` of it to reserves (rounded down), the rest to suppliers. `accrualWord`:
    /// the config's word if already read, else 0 (read here only when interest accrues; the
    /// rate model's address keeps the word non-zero).
    function _accrueWith(uint256 accrualWord) internal {
        uint256 elapsed = block.timestamp - _books.lastAccrual;
        if (elapsed == 0) return;
        uint256 normalizedTotal = _books.totalNormalizedDebt;
        if (normalizedTotal == 0) {
            _books.lastAccrual = uint40(block.timestamp);
            return;
        }

        if (accrualWord == 0) accrualWord = config.accrualWord();
        uint256 reserveFactor = accrualWord.reserveFactor();
        uint256 rate = _rateWith(accrualWord);
        uint256 oldIndex = _books.borrowIndex;
        uint256 newIndex = _grownIndex(oldIndex, rate, elapsed);
        uint256 interest = normalizedTotal.mulDivUp(newIndex, RAY) - normalizedTotal.mulDivUp(oldIndex, RAY);
        uint256 toReserves = interest.wMulDown(reserveFactor);

        // word 0 written once (the calls above are views: nothing read the clock in between)
        (_books.borrowIndex, _books.lastAccrual) = (_toUint128(newIndex), uint40(block.timestamp));
        // word 1 written once, checked in the setters' order (`_setReserves`, `_setSupplierAssets`)
        (uint256 reserves_, uint256 supplierAssets_) =
            (_books.reserves + toReserves, _books.supplierAssets + interest - toReserves);
        (_books.reserves, _books.supplierAssets) = (_toUint128(reserves_), _toUint128(supplierAssets_));
        emit InterestAccrued(newIndex, interest, toReserves, rate);
    }

    function _grownIndex(uint256 index, uint256 annualRate, uint256 elapsed) internal pure returns (uint256) {
        return index + index.mulDivUp(annualRate * elapsed, WAD * SECONDS_PER_YEAR);
    }

    /// @dev The borrow index as `_accrue` would set it now, computed in memory (the paths that
    /// move neither cash nor debt value with it and write nothing). `accrualWord` as in
    /// `_accrueWith`: the config's word if already read, else 0.
    function _currentIndex(uint256 accrualWord) internal view returns (uint256) {
        uint256 index = _books.borrowIndex;
        uint256 elapsed = block.timestamp - _books.lastAccrual;
        if (elapsed == 0 || _books.totalNormalizedDebt == 0) return index;
        return _grownIndex(index, _rateWith(accrualWord), elapsed);
    }

    /// @dev The rate model's annual rate at the current utilisation [wad]; `accrualWord` as in
    /// `_accrueWith` (the word names the rate model).
    function _rateWith(uint256 accrualWord) internal view returns (uint256) {
        if (accrualWord == 0) accrualWord = config.accrualWord();
        return IInterestRateModel(accrualWord.rateModel()).borrowRate(utilization());
    }

    // ================================================================ health
    /// @dev Every snapshot is a `MarketSnapshot memory` the caller declares (one zeroed
    /// allocation, ~2,000 gas: a helper returning the struct would allocate a second) and one of
    /// these fills, reading only the slots the account holds. With `strict`, an invalid price
    /// reverts with the oracle's named error. The whole snapshot (supply caps and penalties too),
    /// for the liquidator's hooks and the views.
    function _readFull(MarketSnapshot memory snap, address account, bool strict) internal view {
        _readSnapshot(snap, _meta[account].assetsIn, strict, true, true);
    }

    /// @dev What the status ladder and HF read: the ladder's market parameters
    /// (`IMarketConfig.ladderParams`), no supply cap (`overCap` is left 0, so the snapshot's
    /// opening capacity is not meaningful) and no penalty.
    function _readStatus(MarketSnapshot memory snap, address account, bool strict) internal view {
        _readSnapshot(snap, _meta[account].assetsIn, strict, false, false);
    }

    /// @dev A snapshot in one go: the parameters of the slots in `slotMask`, the index accrued
    /// in memory (`_currentIndex`, with the accrual word that came with them), the prices.
    function _readSnapshot(MarketSnapshot memory snap, uint256 slotMask, bool strict, bool withCaps, bool full)
        internal
        view
    {
        (uint256 accrualWord, uint256[] memory held) = _readParamsOf(snap, slotMask, withCaps, full);
        snap.borrowIndex = _currentIndex(accrualWord);
        _readPrices(snap, held, strict, withCaps, full);
    }

    /// @dev The account's parameters (`_readParamsOf` over the slots it holds).
    function _readParams(MarketSnapshot memory snap, address account, bool withCaps, bool full)
        internal
        view
        returns (uint256 accrualWord, uint256[] memory held)
    {
        return _readParamsOf(snap, _meta[account].assetsIn, withCaps, full);
    }

    /// @dev The one call to the config a snapshot makes (`riskWords`): the accrual word
    /// (returned: the pause, the accrual, the index in memory), the market's parameters (decoded
    /// into the snapshot here) and the held slots' words (returned, for `_readPrices`), packed
    /// (PackedParams): no slot of an asset the mask does not hold is read.
    function _readParamsOf(MarketSnapshot memory snap, uint256 slotMask, bool withCaps, bool full)
        internal
        view
        returns (uint256 accrualWord, uint256[] memory held)
    {
        uint256 ladder0;
        uint256 ladder1;
        uint256 kick;
        (accrualWord, ladder0, ladder1, kick, held) = config.riskWords(slotMask, withCaps, full);
        PackedParams.writeLadder(snap.market, ladder0, ladder1);
        if (full) PackedParams.writeKickParams(snap.market, kick);
    }

    /// @dev The rest of the snapshot (the caller has set its index): the base's and each held
    /// slot's price range and σ, and the held slots' parameters from their words
    /// (`IMarketConfig.riskWords`: per slot, its slot's word, its collateral word, and the exact
    /// cap when the slot's does not fit).
    function _readPrices(MarketSnapshot memory snap, uint256[] memory held, bool strict, bool withCaps, bool full)
        internal
        view
    {
        (snap.basePriced, snap.baseLow, snap.baseHigh, snap.volRef) = oracle.baseState(address(baseToken), strict);
        snap.ok = snap.basePriced;
        for (uint256 k; k < held.length;) {
            address asset;
            uint256 i;
            {
                uint256 entry = held[k];
                uint256 word;
                unchecked {
                    word = held[k + 1]; // k < 24: at most three words per slot
                    k += 2;
                }
                asset = entry.slotAsset();
                i = word.slot();
                snap.asset[i] = asset;
                unchecked {
                    snap.scale[i] = 10 ** word.decimals(); // at most 36 decimals (the config's bound)
                }
                snap.liquidationFactor[i] = word.liquidationFactorNow();
                snap.borrowFactor[i] = word.borrowFactor();
                if (full) snap.liquidationPenalty[i] = word.penaltyNow();
                if (withCaps) {
                    uint256 supplyCap = entry.slotCap();
                    if (supplyCap == PackedParams.CAP_IN_RECORD) {
                        supplyCap = held[k];
                        unchecked {
                            ++k;
                        }
                    }
                    uint256 total = totalCollateral[asset];
                    if (total > supplyCap) snap.overCap[i] = total - supplyCap;
                }
            }
            // price range and σ (pending rounds folded in, not written) from one oracle call
            (snap.priced[i], snap.low[i], snap.high[i], snap.volatility[i]) = oracle.assetState(asset, strict);
            if (!snap.priced[i]) snap.ok = false;
        }
    }

    /// @dev The account's values at the snapshot prices (`AccountRisk`, shared with the lens).
    function _valuation(address account, MarketSnapshot memory snap)
        internal
        view
        returns (AccountRisk.Valuation memory v)
    {
        v.start(normalizedDebtOf[account], BASE_SCALE, snap);
        // the slots the account holds (a slot the snapshot did not read has no asset: skipped)
        uint256 held = _meta[account].assetsIn;
        for (uint256 i; held != 0; ++i) {
            address asset = snap.asset[i];
            bool skip = held & 1 == 0 || asset == address(0);
            held >>= 1;
            if (skip) continue;
            uint256 amount = _balances[account][asset];
            if (amount != 0) v.addHolding(snap, i, amount);
        }
    }

    /// @dev The ladder of DESIGN.md 3 (`AccountRisk.status`) with the account's live call.
    function _statusOf(address account, AccountRisk.Valuation memory v, MarketSnapshot memory snap)
        internal
        view
        returns (AccountStatus)
    {
        AccountMeta memory meta = _meta[account];
        return v.status(snap, _isLive(meta) && block.timestamp > meta.callDeadline);
    }

    function _status(address account, MarketSnapshot memory snap) internal view returns (AccountStatus) {
        return _statusOf(account, _valuation(account, snap), snap);
    }

    /// @dev An account with live auctions may only repay or add collateral (DESIGN.md 3).
    function _requireNoLiveAuctions(address account) internal view {
        uint256 live = _meta[account].liveAuctions;
        if (live != 0) revert LiveAuctions(live);
    }

    function _requireHealthy(address account, AccountRisk.Valuation memory v, MarketSnapshot memory snap)
        internal
        view
    {
        AccountStatus status = _statusOf(account, v, snap);
        if (status != AccountStatus.Healthy) revert AccountNotHealthy(status);
    }

    /// @dev Opening risk (DESIGN.md 3): `marginCallHF · Σ value_i·borrowFactor_i ≥ callHF_eff ·
    /// debtValue` at the prices worse for the borrower. With `borrowFactor · marginCallHF ≤
    /// liquidationFactor` this implies HF ≥ callHF_eff: a new position never starts in the band.
    function _requireOpeningMargin(AccountRisk.Valuation memory v, MarketSnapshot memory snap) internal pure {
        uint256 capacity = v.openingCapacity;
        uint256 required = v.openingDebtValue.wMulUp(v.callLevel(snap));
        if (required > capacity) revert InsufficientMargin(required, capacity);
    }

    // ================================================================ views
    /// @inheritdoc ILendingPool
    function debtOf(address account) external view returns (uint256) {
        return normalizedDebtOf[account].mulDivUp(_currentIndex(0), RAY);
    }

    /// @inheritdoc ILendingPool
    function collateralOf(address account, address asset) external view returns (uint256) {
        return _balances[account][asset];
    }

    /// @inheritdoc ILendingPool
    function healthFactor(address account) external view returns (uint256) {
        if (normalizedDebtOf[account] == 0) return type(uint256).max;
        MarketSnapshot memory snap;
        _readFull(snap, account, true);
        return _valuation(account, snap).hf();
    }

    /// @inheritdoc ILendingPool
    function marketSnapshot() external view returns (MarketSnapshot memory snap) {
        _readSnapshot(snap, type(uint256).max, false, true, true);
    }

    /// @inheritdoc ILendingPool
    function debtInAuctionOf(address account) external view returns (uint256) {
        return _meta[account].debtInAuction;
    }

    /// @inheritdoc ILendingPool
    function liveAuctions(address account) external view returns (uint256) {
        return _meta[account].liveAuctions;
    }

    /// @inheritdoc ILendingPool
    function assetsIn(address account) external view returns (uint256) {
        return _meta[account].assetsIn;
    }

    /// @inheritdoc ILendingPool
    function accountStatus(address account) external view returns (AccountStatus) {
        if (normalizedDebtOf[account] == 0) return AccountStatus.Healthy;
        MarketSnapshot memory snap;
        _readFull(snap, account, true);
        return _status(account, snap);
    }

    /// @inheritdoc ILendingPool
    function marginCallDeadline(address account) external view returns (uint256) {
        AccountMeta memory meta = _meta[account];
        return _isLive(meta) ? meta.callDeadline : 0;
    }

    /// @inheritdoc ILendingPool
    function accountMeta(address account)
        external
        view
        returns (uint256 callDeadline, uint256 liveAuctions_, uint256 assetsIn_, uint256 normalizedDebt)
    {
        AccountMeta memory meta = _meta[account];
        return (_isLive(meta) ? meta.callDeadline : 0, meta.liveAuctions, meta.assetsIn, normalizedDebtOf[account]);
    }

    /// @inheritdoc ILendingPool
    function extSloads(bytes32[] calldata slots) external view returns (bytes32[] memory) {
        // the answer written and returned directly: no copy of the slots, the least bytecode
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x20)
            mstore(add(p, 0x20), slots.length)
            for { let i := 0 } lt(i, slots.length) { i := add(i, 1) } {
                mstore(add(add(p, 0x40), shl(5, i)), sload(calldataload(add(slots.offset, shl(5, i)))))
            }
            return(p, add(0x40, shl(5, slots.length)))
        }
    }

    /// @inheritdoc ILendingPool
    function supplierHaircut() external view returns (uint256) {
        return _supplierHaircut();
    }

    /// @notice Base tokens the pool holds by its books [base units] (a token sent to it directly
    /// is not counted).
    function cash() external view returns (uint256) {
        return _books.cash;
    }

    /// @inheritdoc ILendingPool
    function supplierAssets() external view returns (uint256) {
        return _books.supplierAssets;
    }

    /// @inheritdoc ILendingPool
    function reserves() external view returns (uint256) {
        return _books.reserves;
    }

    /// @inheritdoc ILendingPool
    function totalSupplyShares() external view returns (uint256) {
        return _books.totalSupplyShares;
    }

    /// @notice Debt per unit of normalised debt [ray], as of the last accrual.
    function borrowIndex() external view returns (uint256) {
        return _books.borrowIndex;
    }

    /// @notice Σ normalizedDebtOf over accounts [base units · ray / index].
    function totalNormalizedDebt() external view returns (uint256) {
        return _books.totalNormalizedDebt;
    }

    /// @notice When interest was last accrued [unix seconds].
    function lastAccrual() external view returns (uint64) {
        return _books.lastAccrual;
    }

    /// @notice Non-accruing debt held by live auctions, summed over accounts [base units].
    function debtInAuction() external view returns (uint192) {
        return _books.debtInAuction;
    }

    /// @notice Debt that accrues interest, summed over accounts [base units], rounded up.
    function totalAccountDebt() public view returns (uint256) {
        return uint256(_books.totalNormalizedDebt).mulDivUp(_books.borrowIndex, RAY);
    }

    /// @notice (account debt + debt in auction) / (that + cash) [wad]: the rate model's input.
    function utilization() public view returns (uint256) {
        uint256 borrowed = totalAccountDebt() + _books.debtInAuction;
        if (borrowed == 0) return 0;
        return borrowed.wDivUp(borrowed + _books.cash);
    }

    /// @notice The annual borrow rate in force now [wad].
    function borrowRate() public view returns (uint256) {
        return _rateWith(0);
    }

    // ================================================================ internal helpers
    /// @dev Every write of a 128-bit book goes through its setter, which refuses a value over
    /// 2^128 − 1 by name (`BookOverflow`) instead of truncating it.
    function _toUint128(uint256 value) internal pure returns (uint128) {
        if (value > type(uint128).max) revert BookOverflow(value);
        return uint128(value);
    }

    function _setCash(uint256 value) internal {
        _books.cash = _toUint128(value);
    }

    function _setSupplierAssets(uint256 value) internal {
        _books.supplierAssets = _toUint128(value);
    }

    function _setReserves(uint256 value) internal {
        _books.reserves = _toUint128(value);
    }

    function _setTotalSupplyShares(uint256 value) internal {
        _books.totalSupplyShares = _toUint128(value);
    }

    function _setTotalNormalizedDebt(uint256 value) internal {
        _books.totalNormalizedDebt = _toUint128(value);
    }

    function _setDebtInAuction(uint256 value) internal {
        _books.debtInAuction = _toUint128(value);
    }

    /// @dev The shared lock's flag, in the books' word 0 (see `Books`).
    function _locked() internal view override returns (bool) {
        return _books.locked;
    }

    function _setLocked(bool held) internal override {
        _books.locked = held;
    }

    /// @dev Debt at the stored index (callers accrue first), rounded up.
    function _debtOf(address account) internal view returns (uint256) {
        return normalizedDebtOf[account].mulDivUp(_books.borrowIndex, RAY);
    }

    /// @dev The asset's packed word (PackedParams) and, when asked, its supply cap.
    function _listed(address asset, bool withSupplyCap) internal view returns (uint256 word, uint256 supplyCap) {
        (word, supplyCap) = config.packedCollateral(asset, withSupplyCap);
        if (!word.listed()) revert NotListed(asset);
    }

    /// @dev Pulls exactly `amount`: a token that delivers less (fee on transfer) is refused.
    function _pullExact(IERC20 token, uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        if (token.balanceOf(address(this)) - before != amount) revert UnsupportedToken(address(token));
    }
}
