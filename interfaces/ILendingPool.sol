// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IMarketConfig, PauseAction, MarketParams} from "./IMarketConfig.sol";
import {IDutchAuctionLiquidator} from "./IDutchAuctionLiquidator.sol";
import {IInsuranceFund} from "./IInsuranceFund.sol";

/// @notice An account's place on the margin-call ladder (DESIGN.md 3).
enum AccountStatus {
    Healthy, // HF ≥ the effective margin-call level
    MarginCall, // 1 ≤ HF < the effective margin-call level, and not Liquidatable
    Liquidatable // HF < 1, or a live call past its deadline while HF < the base marginCallHF
}

/// @notice Everything the pool's risk checks read from outside, read once per transaction:
/// market parameters in force, σ_ref, and for the base asset and each collateral slot its
/// factors, volatility and both ends of its price range (DESIGN.md 6). Collateral arrays are by
/// slot; a zero `asset` is a slot not read. `ok` is false when any price read was invalid.
struct MarketSnapshot {
    bool ok;
    MarketParams market;
    uint256 borrowIndex; // [ray] as of the snapshot (interest accrued to now)
    uint256 volRef; // [wad] σ_ref
    bool basePriced;
    uint256 baseLow; // [wad]
    uint256 baseHigh; // [wad]
    address[8] asset;
    uint256[8] scale; // 10 ** decimals
    uint256[8] liquidationFactor; // [wad] in force now
    uint256[8] borrowFactor; // [wad]
    uint256[8] liquidationPenalty; // [wad]
    uint256[8] volatility; // [wad] annualised σ
    bool[8] priced;
    uint256[8] low; // [wad]
    uint256[8] high; // [wad]
    /// [token units] how far the asset's total collateral is above its supply cap (0 when under
    /// it): no account's opening capacity counts that much of its holding (DESIGN.md 3)
    uint256[8] overCap;
}

/// @notice An account as the pool sees it (`PoolLens.accountState`; a liquidator's
/// `AccountReader.writeRisk` leaves the debt in auction and the liquidation point 0). When `priceOk` is false (a price it needs is invalid) `healthFactor`,
/// `callLevel`, `status` and the liquidation point are not meaningful (0, 0, Healthy, 0).
struct AccountState {
    uint256 debt; // [base units]
    uint256 collateralValue; // [wad USD] at the status prices
    uint256 liquidationValue; // [wad USD] Σ value·liquidationFactor
    uint256 debtValue; // [wad USD]
    uint256 healthFactor; // [wad], max uint without debt
    uint256 callLevel; // [wad] the effective margin-call level callHF_eff
    AccountStatus status;
    uint256 callDeadline; // [unix seconds] of the live call, 0 when none
    bool priceOk;
    uint256 debtInAuction; // [base units] the account's debt held by live auctions
    uint256 liveAuctions; // number of live auctions of the account
    uint256 assetsIn; // bitmap of the collateral slots it holds
    /// [wad USD] the least price of its only collateral at which HF ≥ 1 (base price and debt
    /// held): one wei lower and it is Liquidatable; 0 with several collaterals or no debt
    uint256 liquidationPrice;
    /// [wad] the uniform fall of all its collateral prices at which HF reaches 1 (0 when HF ≤ 1)
    uint256 liquidationDrop;
}

/// @title ILendingPool
/// @notice One base asset supplied and borrowed, up to 8 collateral assets, cross-margined
/// accounts, and a margin call with a deadline between "healthy" and "liquidatable".
/// @dev Units: token amounts in each token's own decimals; prices WAD USD per whole token
/// (from the OracleAdapter); factors and health factors WAD. Rounding always favours the
/// protocol: debt and the borrow index round up; collateral value, HF and shares minted down.
/// Prices: borrow and collateral withdrawal value each asset at the end of its price range
/// worse for the borrower; status, health factor and margin calls at the end better for the
/// borrower (DESIGN.md 6). Within one transaction each price is read once.
/// Warning: collateral tokens must be plain ERC-20s: fee-on-transfer tokens are refused at
/// deposit (the received amount is checked); rebasing tokens and tokens with transfer hooks
/// are out of scope (SECURITY.md).
interface ILendingPool {
    // ================================================================ errors
    /// @dev `onBehalfOf` or `receiver` is the zero address; or a zero config, liquidator or fund at
    /// construction.
    error ZeroAddress();
    /// @dev An amount of 0 to supply, withdraw, deposit, withdraw as collateral, borrow or repay, or a
    /// full `withdraw` (`type(uint256).max`) whose shares are worth 0.
    error ZeroAmount();
    /// @dev `supply`, `withdraw`, `withdrawCollateral` or `borrow` while the guardian has paused
    /// its `action` (`IMarketConfig.setPaused`).
    error ActionPaused(PauseAction action);
    /// @dev `supply` of an amount worth less than one share.
    error ZeroShares();
    /// @dev `withdraw` would burn more supply shares than the caller's `available`.
    error InsufficientShares(uint256 available);
    /// @dev `withdraw` or `borrow` of more than the pool's free cash, `available` [base units].
    error InsufficientLiquidity(uint256 available);
    /// @dev `withdrawCollateral` of more than the caller's balance `available` [token units], or of
    /// everything when that balance is 0.
    error InsufficientCollateral(uint256 available);
    /// @dev `depositCollateral` or `withdrawCollateral` of an `asset` that is not listed.
    error NotListed(address asset);
    /// @dev `depositCollateral` of an `asset` frozen for delisting.
    error CollateralFrozen(address asset);
    /// @dev The token delivered less than the amount asked (fee on transfer): refused.
    error UnsupportedToken(address asset);
    /// @dev `depositCollateral` would take the asset's total collateral above its `cap` [token
    /// units] for an account that does not need the top-up (no debt, or Healthy at a valid price).
    error SupplyCapExceeded(address asset, uint256 cap);
    /// @dev A deposit on behalf of another account would add an asset it does not hold while
    /// that asset has no valid price (DESIGN.md 3: nobody else chooses what an account holds).
    error NoPriceForNewHolding(address asset);
    /// @dev `borrow`, or a partial `repay`, would leave `debt` under `dust` [base units].
    error DebtBelowDust(uint256 debt, uint256 dust);
    /// @dev `repay` for an account without debt.
    error NoDebt();
    /// @dev `borrow` or `withdrawCollateral` by an account with debt that is not Healthy before the
    /// change, or `clearMarginCall` of an account not Healthy; `status` is its status.
    error AccountNotHealthy(AccountStatus status);
    /// @dev Opening risk: `marginCallHF · Σ value_i·borrowFactor_i ≥ callHF_eff · debtValue` failed.
    error InsufficientMargin(uint256 required, uint256 capacity);
    /// @dev `issueMarginCall` of an account whose `status` is not MarginCall.
    error NotInMarginCall(AccountStatus status);
    /// @dev `issueMarginCall` of an account whose call is live, with this `deadline` [unix seconds].
    error MarginCallAlreadyLive(uint256 deadline);
    /// @dev `clearMarginCall` of an account with no live call.
    error NoLiveMarginCall();
    /// @dev `borrow` or `withdrawCollateral` by an account with `count` live auctions: it may only
    /// repay or top up.
    error LiveAuctions(uint256 count);
    /// @dev `supply` after losses took every supplier asset while shares remain: those shares are
    /// worth nothing, so the pool takes no new supply.
    error SupplyClosed();
    /// @dev At construction: the config names another pool (its precomputed pool address missed).
    error ConfigOfAnotherPool(address config);
    /// @dev A 128-bit book of the pool (cash, supplier assets, reserves, shares, normalised debt,
    /// debt in auction, the borrow index) would exceed 2^128 − 1: `value` is refused, never truncated.
    error BookOverflow(uint256 value);

    // ================================================================ events
    /// @notice `supply`: `caller` paid `amount` [base units] for `shares` minted to `onBehalfOf`.
    event Supplied(address indexed caller, address indexed onBehalfOf, uint256 amount, uint256 shares);
    /// @notice `withdraw`: `account` burnt `shares` and `receiver` got `amount` [base units].
    event Withdrawn(address indexed account, address indexed receiver, uint256 amount, uint256 shares);
    /// @notice `depositCollateral`: `caller` added `amount` [token units] of `asset` to `onBehalfOf`.
    event CollateralDeposited(
        address indexed caller, address indexed onBehalfOf, address indexed asset, uint256 amount
    );
    /// @notice `withdrawCollateral`: `amount` [token units] of `account`'s `asset` sent to `receiver`.
    event CollateralWithdrawn(address indexed account, address indexed receiver, address indexed asset, uint256 amount);
    /// @notice `borrow`: `account` took on debt and `receiver` got `amount` [base units].
    event Borrowed(address indexed account, address indexed receiver, uint256 amount);
    /// @notice `repay`: `payer` repaid `amount` [base units] of the debt of `onBehalfOf`.
    event Repaid(address indexed payer, address indexed onBehalfOf, uint256 amount);
    /// @notice Interest accrued up to now, on the first accruing action after time passed with debt
    /// (every action but depositCollateral, withdrawCollateral and the margin calls, which move no
    /// input of the rate and value debt at the index accrued in memory): the new `borrowIndex`
    /// [ray], `interest` [base units] of which `toReserves`, at `annualRate` [wad].
    event InterestAccrued(uint256 borrowIndex, uint256 interest, uint256 toReserves, uint256 annualRate);
    /// @notice `issueMarginCall`: `account`, at `healthFactor` [wad], must top up or repay before
    /// `deadline` [unix seconds].
    event MarginCallIssued(address indexed account, uint256 healthFactor, uint256 deadline);
    /// @notice The live call of `account` was cleared: by `clearMarginCall`, or by an action of or
    /// for it (top-up, repay, borrow, withdrawal, kick) that left it Healthy. A lapsed call goes silently.
    event MarginCallMet(address indexed account);
    /// @notice A loss of `amount` [base units] realised on `account` (an auction's unpaid debt with
    /// nothing left to charge back to, or a closed account's debt); `LossBooked` follows.
    event BadDebtRealized(address indexed account, uint256 amount);
    /// @notice The part of a realised loss that neither reserves nor the fund covered, `amount`
    /// [base units], taken off the supplier assets.
    event BadDebtSocialized(uint256 amount);
    /// @notice `routeReserves` moved `amount` [base units] of reserves to the insurance fund.
    event ReservesRouted(uint256 amount);
    /// @notice A kick (`seize`) moved `account`'s lots to the liquidator and `debtMoved` [base units]
    /// of its debt into `auctions` new auctions.
    event CollateralSeized(address indexed account, uint256 debtMoved, uint256 auctions);
    /// @notice An auction of `account` ended with `amount` [token units] of `asset` left over,
    /// returned to the account's collateral.
    event CollateralReturned(address indexed account, address indexed asset, uint256 amount);
    /// @notice An auction of `account` ended with `amount` [base units] of its debt part unpaid,
    /// charged back to the account (it still holds collateral or has another live auction).
    event DebtChargedBack(address indexed account, uint256 amount);
    /// @notice A kick closed `account`: its collateral went to the insurance fund and its `debt`
    /// [base units] is realised as bad debt.
    event AccountClosed(address indexed account, uint256 debt);
    /// @notice A realised loss and how the waterfall covered it (reserves, then fund, then suppliers).
    event LossBooked(uint256 amount, uint256 fromReserves, uint256 fromFund, uint256 socialized);

    // ================================================================ supply
    /// @notice Supplies `amount` base tokens (pulled from the caller) for `onBehalfOf`.
    /// @return shares minted, rounded down; reverts `ZeroShares` when that is 0.
    function supply(uint256 amount, address onBehalfOf) external returns (uint256 shares);

    /// @notice Withdraws `amount` base tokens of the caller's supply to `receiver`
    /// (`type(uint256).max`: everything). @return shares burned, rounded up.
    function withdraw(uint256 amount, address receiver) external returns (uint256 shares);

    // ================================================================ collateral
    /// @notice Adds collateral for `onBehalfOf`. Never paused. Own deposits and anyone's top-up
    /// of an asset the account already holds never read a required price; a deposit on behalf
    /// of another account that adds an asset it does not hold needs a valid price for that
    /// asset (`NoPriceForNewHolding`), so nobody can shield an account with one wei of an
    /// unpriced asset. Respects `supplyCap` except for accounts not Healthy, or with debt while a
    /// price is invalid; collateral over the cap never adds borrowing capacity (see `borrow`).
    function depositCollateral(address asset, uint256 amount, address onBehalfOf) external;

    /// @notice Withdraws the caller's collateral to `receiver` (`type(uint256).max`: all of it).
    /// With debt: the account must be Healthy and pass the opening-risk check afterwards.
    /// Without debt: no price is needed.
    function withdrawCollateral(address asset, uint256 amount, address receiver) external;

    // ================================================================ borrow
    /// @notice Borrows `amount` base tokens to `receiver` against the caller's collateral.
    /// Debt after it must be ≥ `dust` and pass the opening-risk check.
    /// Supply cap: while an asset's total collateral is above its `supplyCap` by an excess E,
    /// the opening-risk check of every account (borrow, and withdrawal with debt) counts only
    /// `max(0, holding − E)` of its holding of that asset, the part that fits under the cap
    /// beside everyone else's; so collateral deposited over a cap (a top-up of an account in the
    /// band) never adds borrowing capacity, and every holder's capacity from that asset shrinks
    /// by E while the excess lasts. Status and health factor count the whole holding.
    function borrow(uint256 amount, address receiver) external;

    /// @notice Repays debt of `onBehalfOf` from the caller (`type(uint256).max` or more than the
    /// debt: all of it). Never paused, never reverts on the oracle; reverts `DebtBelowDust` when
    /// it would leave debt in (0, dust). @return repaid amount pulled.
    function repay(uint256 amount, address onBehalfOf) external returns (uint256 repaid);

    // ================================================================ margin calls
    /// @notice Permissionless: calls an account in `MarginCall` with no live call, starting its
    /// grace period. The call is live until cleared or until `gracePeriod` after its deadline.
    function issueMarginCall(address account) external;

    /// @notice Permissionless: clears the live call of an account that is Healthy.
    function clearMarginCall(address account) external;

    /// @notice Brings interest up to date (anyone may call it).
    function accrueInterest() external;

    /// @notice Permissionless: moves reserves to the insurance fund, only from free cash.
    function routeReserves() external returns (uint256 routed);

    // ================================================================ liquidation hooks
    // Called by the liquidator only, while it holds the shared lock (DESIGN.md 7).

    /// @notice Accrues interest and returns a strict snapshot of the prices the account holds
    /// (the kick's price rule: the end better for the borrower). The liquidator values the
    /// account at it with the pool's own arithmetic (`AccountReader.writeRisk`).
    function prepareKick(address account) external returns (MarketSnapshot memory);
    /// @notice Moves `lots` (by slot; `assets`: the slots' assets, as in the kick's snapshot) of
    /// the account's collateral to the liquidator and `debtMoved` of its debt to the non-accruing
    /// debt in auction; clears the account's call if that leaves it Healthy at the block's prices
    /// (without debt: always), unless `keepCall` (a kick scaled down by `Hole`).
    function seize(
        address account,
        uint256[8] calldata lots,
        uint256 debtMoved,
        uint256 auctions,
        bool keepCall,
        address[8] calldata assets
    ) external;
    /// @notice `amount` of debt in auction repaid by a take (the tokens arrive in the same call).
    function auctionRepaid(address account, uint256 amount) external;
    /// @notice An auction of `account` ended: `leftover` collateral (already sent back to the
    /// pool) returns to the account, in `asset`'s collateral slot `slot` (kept by the auction); `unpaidDebt` is charged back to the account while it has
    /// collateral or another live auction, else realised as bad debt. When the account's last
    /// auction ends with debt and no collateral, that debt is realised too. Returns the part of
    /// the insurance fund's cover that is the penalty of the take in progress, which the take
    /// then sends to the pool instead of the fund (IInsuranceFund.cover).
    function auctionEnded(address account, address asset, uint256 slot, uint256 leftover, uint256 unpaidDebt)
        external
        returns (uint256 coverFromPenalty);
    /// @notice Closes an account with no live auction whose collateral is worth under `dust`:
    /// its collateral goes to the insurance fund and its debt is realised as bad debt.
    function closeAccount(address account) external;

    // ================================================================ views
    /// @notice The market's parameters, roles and collateral list.
    function config() external view returns (IMarketConfig);
    /// @notice The asset supplied and borrowed.
    function baseToken() external view returns (IERC20);
    /// @notice The only caller of the liquidation hooks (fixed at construction).
    function liquidator() external view returns (IDutchAuctionLiquidator);
    /// @notice The fund of the loss waterfall and the receiver of reserves (fixed at construction).
    function insuranceFund() external view returns (IInsuranceFund);
    /// @notice Interest kept for the protocol, not yet routed to the fund [base units].
    function reserves() external view returns (uint256);
    /// @notice Collateral of `asset` held by all accounts [token units].
    function totalCollateral(address asset) external view returns (uint256);
    /// @notice The account's debt with interest to now, rounded up [base units]; debt in auction apart.
    function debtOf(address account) external view returns (uint256);
    /// @notice The account's debt divided by the borrow index [base units · ray / index]:
    /// `debtOf = normalizedDebtOf · borrowIndex / RAY`, rounded up.
    function normalizedDebtOf(address account) external view returns (uint256);
    /// @notice The account's collateral of `asset` [token units].
    function collateralOf(address account, address asset) external view returns (uint256);
    /// @notice Live auctions of the account; while any is live it may only repay or top up.
    function liveAuctions(address account) external view returns (uint256);
    /// @notice The account's debt held by live auctions (non-accruing) [base units].
    function debtInAuctionOf(address account) external view returns (uint256);
    /// @notice Bitmap of the collateral slots (see `IMarketConfig.collateralSlots`) the account holds.
    function assetsIn(address account) external view returns (uint256);
    /// @notice The raw words of the pool's storage at `slots`, in order: one call for a batch
    /// reader (`PoolLens.accounts`, which computes the slots of the account books from the
    /// pool's storage layout, pinned by tests/forge/PoolSlots.t.sol).
    function extSloads(bytes32[] calldata slots) external view returns (bytes32[] memory);
    /// @notice `marginCallDeadline`, `liveAuctions`, `assetsIn` and `normalizedDebtOf` in one
    /// call (two storage slots): what `AccountReader` (the lens, the liquidators) reads per account.
    function accountMeta(address account)
        external
        view
        returns (uint256 callDeadline, uint256 liveAuctions, uint256 assetsIn, uint256 normalizedDebt);
    /// @notice WAD health factor at the status prices; `type(uint256).max` without debt.
    function healthFactor(address account) external view returns (uint256);
    /// @notice Healthy, MarginCall or Liquidatable at the status prices.
    function accountStatus(address account) external view returns (AccountStatus);
    /// @notice Deadline of the account's live call [unix seconds], 0 when none is live.
    /// A call is live from `issueMarginCall` until cleared or until `gracePeriod` after its
    /// deadline (it lapses); while live and after its deadline (block.timestamp > deadline) the
    /// account is Liquidatable whenever HF < the base marginCallHF.
    function marginCallDeadline(address account) external view returns (uint256);
    /// @notice Supply shares of `account`.
    function supplySharesOf(address account) external view returns (uint256);
    /// @notice What all supply shares are worth at book value [base units].
    function supplierAssets() external view returns (uint256);
    /// @notice All supply shares.
    function totalSupplyShares() external view returns (uint256);
    /// @notice The known loss no reserve or fund can absorb, which supplier exits are priced
    /// net of (DESIGN.md 5): max(0, pendingLoss − reserves − fund assets), at most the supplier
    /// assets [base units].
    function supplierHaircut() external view returns (uint256);
    /// @notice A snapshot of every listed slot (interest to now), for batched reads. Never
    /// reverts. `PoolLens` values every account of a batch at it; the derived views
    /// (`accountState`, `effectiveCallHF`, the liquidation point) live there (DESIGN.md 11).
    function marketSnapshot() external view returns (MarketSnapshot memory);
}
