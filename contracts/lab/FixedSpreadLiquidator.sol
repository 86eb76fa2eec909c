// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFixedSpreadLiquidator} from "../../interfaces/lab/IFixedSpreadLiquidator.sol";
import {ILendingPool, AccountStatus, AccountState, MarketSnapshot} from "../../interfaces/ILendingPool.sol";
import {IMarketConfig} from "../../interfaces/IMarketConfig.sol";
import {IInsuranceFund} from "../../interfaces/IInsuranceFund.sol";
import {ISharedLock} from "../../interfaces/ISharedLock.sol";
import {WadMath} from "../libraries/WadMath.sol";
import {AccountReader} from "../libraries/AccountReader.sol";
import {AccountRisk} from "../libraries/AccountRisk.sol";

/// @title FixedSpreadLiquidator
/// @notice LAB CODE, NOT A PRODUCTION OPTION: the Aave-style baseline against which the lab
/// replays a crash (DESIGN.md 12, issue 11). A market is deployed with it instead of the
/// `DutchAuctionLiquidator` (the pool is built naming it as its liquidator); it drives the same
/// pool hooks, under the same shared lock. See IFixedSpreadLiquidator for the rule.
/// @dev One call is a zero-length auction of one asset, through the Dutch liquidator's hooks:
/// `prepareKick` (accrue, strict snapshot at the kick's prices) → `seize` (the lot to this
/// contract, the covered debt to debt-in-auction) → `auctionRepaid` (that debt repaid, the cash
/// booked) → `auctionEnded` (no leftover, nothing unpaid; the pool writes off the debt of an
/// account left without collateral through the loss waterfall). Then the tokens: the collateral
/// to the receiver, the payment from the caller to the pool, in the same transaction.
contract FixedSpreadLiquidator is IFixedSpreadLiquidator {
    using SafeERC20 for IERC20;
    using WadMath for uint256;

    // ================================================================ constants
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_COLLATERALS = 8;
    /// [wad] share of the debt one call may cover while HF ≥ fullLiquidationHF (Aave's 50 %)
    uint256 public constant CLOSE_FACTOR = 0.5e18;

    // ================================================================ immutables
    ILendingPool public immutable pool;
    IMarketConfig public immutable config;
    IInsuranceFund public immutable fund;
    IERC20 public immutable baseToken;
    uint256 internal immutable BASE_SCALE; // 10 ** base decimals

    // ================================================================ constructor
    constructor(ILendingPool pool_, IInsuranceFund fund_) {
        if (address(pool_) == address(0) || address(fund_) == address(0)) revert ZeroAddress();
        // the pool was built naming this contract's precomputed address, and this fund
        if (address(pool_.liquidator()) != address(this) || pool_.insuranceFund() != fund_) {
            revert NotThePoolsLiquidator(address(pool_));
        }
        pool = pool_;
        config = pool_.config();
        fund = fund_;
        baseToken = IERC20(config.baseToken());
        BASE_SCALE = 10 ** IERC20Metadata(address(baseToken)).decimals();
    }

    // ================================================================ modifiers
    /// @dev Every entry point takes the pool's shared lock (DESIGN.md 7).
    modifier locked() {
        ISharedLock(address(pool)).acquireLock();
        _;
        ISharedLock(address(pool)).releaseLock();
    }

    // ================================================================ liquidation
    /// @inheritdoc IFixedSpreadLiquidator
    /// @dev Order: validate → accrue and snapshot (prepareKick) → quote → write state through
    /// the hooks → emit → collateral to `receiver` → payment from `msg.sender` to the pool. The
    /// pool books the payment as cash in `auctionRepaid`; the tokens arrive before the call ends,
    /// and nothing outside can run in between (the lock is held).
    function liquidationCall(address account, address asset, uint256 debtToCover, address receiver)
        external
        locked
        returns (uint256 debtCovered, uint256 collateralSeized)
    {
        if (
            receiver == address(0) || receiver == address(this) || receiver == address(pool)
                || receiver == address(fund) || receiver == address(config)
        ) revert BadReceiver(receiver);
        MarketSnapshot memory snap = pool.prepareKick(account);
        AccountState memory st; // the account at the kick's snapshot, by the pool's arithmetic
        AccountRisk.Valuation memory scratch;
        AccountReader.writeRisk(st, pool, account, snap, BASE_SCALE, scratch);
        uint256 slot;
        (slot, debtCovered, collateralSeized) = _quote(account, asset, debtToCover, st, snap);

        uint256[MAX_COLLATERALS] memory lots;
        lots[slot] = collateralSeized;
        pool.seize(account, lots, debtCovered, 1, false, snap.asset);
        pool.auctionRepaid(account, debtCovered);
        pool.auctionEnded(account, asset, slot, 0, 0);

        emit LiquidationCall(account, asset, debtCovered, collateralSeized, msg.sender, receiver);
        IERC20(asset).safeTransfer(receiver, collateralSeized);
        baseToken.safeTransferFrom(msg.sender, address(pool), debtCovered);
    }

    /// @dev The slot of `asset`, the debt covered and the collateral seized (see the interface
    /// for the formula). Rounding: the collateral bought rounds down; the debt covered when the
    /// asset runs out rounds up (the buyer pays the wei), never above the clamped request.
    function _quote(
        address account,
        address asset,
        uint256 debtToCover,
        AccountState memory st,
        MarketSnapshot memory snap
    ) internal view returns (uint256 slot, uint256 debtCovered, uint256 collateralSeized) {
        if (debtToCover == 0) revert ZeroAmount();
        if (st.status != AccountStatus.Liquidatable) revert NotLiquidatable(uint8(st.status));
        slot = _slotOf(asset, snap);
        uint256 held = slot == MAX_COLLATERALS ? 0 : pool.collateralOf(account, asset);
        if (held == 0) revert NoCollateral(account, asset);

        debtCovered = Math.min(debtToCover, _maxCover(st, snap));
        uint256 onePlusBonus = WAD + snap.liquidationPenalty[slot];
        uint256 price = snap.high[slot]; // [wad USD] per whole token, the end better for the borrower
        uint256 scale = snap.scale[slot];
        // debt [base] → USD at the base's lower price → plus the bonus → tokens at the higher price
        collateralSeized =
            debtCovered.mulDivDown(snap.baseLow, BASE_SCALE).wMulDown(onePlusBonus).mulDivDown(scale, price);
        if (collateralSeized >= held) {
            collateralSeized = held;
            uint256 heldCovers = held.mulDivUp(price, scale).wDivUp(onePlusBonus).mulDivUp(BASE_SCALE, snap.baseLow);
            debtCovered = Math.min(debtCovered, heldCovers);
        } else {
            uint256 debtLeft = st.debt - debtCovered;
            if (debtLeft != 0 && debtLeft < snap.market.dust) revert MustNotLeaveDust(debtLeft, snap.market.dust);
        }
        if (collateralSeized == 0) revert NothingSeized(debtCovered);
    }

    /// @dev The close factor: half the debt (rounded up), all of it below fullLiquidationHF or
    /// when half would leave less than `dust` (a position under 2 · dust goes whole, as Aave v3.3's).
    function _maxCover(AccountState memory st, MarketSnapshot memory snap) internal pure returns (uint256) {
        if (st.healthFactor < snap.market.fullLiquidationHF || st.debt < 2 * snap.market.dust) return st.debt;
        return st.debt.wMulUp(CLOSE_FACTOR);
    }

    /// @dev The collateral slot of `asset` in the snapshot, `MAX_COLLATERALS` when it is not there
    /// (prepareKick's snapshot holds only the slots the account holds).
    function _slotOf(address asset, MarketSnapshot memory snap) internal pure returns (uint256 slot) {
        if (asset == address(0)) return MAX_COLLATERALS;
        for (; slot < MAX_COLLATERALS; ++slot) {
            if (snap.asset[slot] == asset) return slot;
        }
    }

    // ================================================================ views
    /// @inheritdoc IFixedSpreadLiquidator
    function previewLiquidationCall(address account, address asset, uint256 debtToCover)
        external
        view
        returns (uint256 debtCovered, uint256 collateralSeized)
    {
        (AccountState memory st, MarketSnapshot memory snap) = _viewState(account);
        if (!st.priceOk) revert NoValidPrice(account);
        (, debtCovered, collateralSeized) = _quote(account, asset, debtToCover, st, snap);
    }

    /// @inheritdoc IFixedSpreadLiquidator
    function maxDebtToCover(address account) external view returns (uint256) {
        (AccountState memory st, MarketSnapshot memory snap) = _viewState(account);
        if (!st.priceOk || st.status != AccountStatus.Liquidatable) return 0;
        return _maxCover(st, snap);
    }

    /// @inheritdoc IFixedSpreadLiquidator
    function pendingLoss() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IFixedSpreadLiquidator
    function unbackedChargeBacks(address) external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IFixedSpreadLiquidator
    function liveAuctionsOfAsset(address) external pure returns (uint256) {
        return 0;
    }

    /// @dev The account and a snapshot of every listed slot, as the lens reports them (interest
    /// to now, the kick's price rule), for the previews.
    function _viewState(address account) internal view returns (AccountState memory st, MarketSnapshot memory snap) {
        snap = pool.marketSnapshot();
        AccountRisk.Valuation memory scratch;
        st = AccountReader.stateOf(pool, account, snap, BASE_SCALE, scratch);
    }
}
