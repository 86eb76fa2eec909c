// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {console} from "forge-std/console.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {MarketSetup} from "./Setup.sol";
import {Handler} from "./Handler.sol";
import {Books} from "./Books.sol";

/// @title MarketInvariantsTest
/// @notice The accounting identities of DESIGN.md 3–5, asserted after every handler call, each
/// term read from its own contract's book (none derived from the others), plus the promises
/// the ladder makes: nobody is kicked unless Liquidatable, a poke never makes anyone
/// Liquidatable, an auction's price only falls until a redo or a breaker restart, and an account
/// with no live auction can always repay and leave.
/// @dev Campaign: the demo market (Setup.sol: with a third, 6-decimal collateral and a secondary
/// feed per collateral) after a fall: one borrower kicked (a live auction), two in MarginCall with
/// calls about to pass their deadline, one empty borrower; two lenders, two insurers (one with a
/// withdrawal window open), a keeper with base tokens, a flash keeper with AMMs and a donor who
/// deposits on behalf of borrowers. Runs × depth from foundry.toml (64 × 32; `ci` pins the seed). Forge runs one campaign
/// per invariant function, all from the same seed: each replays the same call sequences and
/// checks its own invariant after every call, so wall time grows with the number of invariants.
contract MarketInvariantsTest is MarketSetup {
    Handler internal handler;

    function setUp() public {
        _seedCampaign();
        handler = new Handler(m, tools, secondaries, actors);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](30);
        selectors[0] = Handler.supply.selector;
        selectors[1] = Handler.withdraw.selector;
        selectors[2] = Handler.depositCollateral.selector;
        selectors[3] = Handler.withdrawCollateral.selector;
        selectors[4] = Handler.borrow.selector;
        selectors[5] = Handler.repay.selector;
        selectors[6] = Handler.warp.selector;
        selectors[7] = Handler.movePrice.selector;
        selectors[8] = Handler.poke.selector;
        selectors[9] = Handler.issueMarginCall.selector;
        selectors[10] = Handler.clearMarginCall.selector;
        selectors[11] = Handler.kick.selector;
        selectors[12] = Handler.take.selector;
        selectors[13] = Handler.flashTake.selector;
        selectors[14] = Handler.redo.selector;
        selectors[15] = Handler.settle.selector;
        selectors[16] = Handler.breaker.selector;
        selectors[17] = Handler.fundDeposit.selector;
        selectors[18] = Handler.fundRequestWithdraw.selector;
        selectors[19] = Handler.fundRedeem.selector;
        selectors[20] = Handler.routeReserves.selector;
        selectors[21] = Handler.sellHeldCollateral.selector;
        selectors[22] = Handler.exitFully.selector;
        selectors[23] = Handler.feedOutage.selector;
        selectors[24] = Handler.fundTransfer.selector;
        selectors[25] = Handler.depositOnBehalf.selector;
        selectors[26] = Handler.dustThenKick.selector;
        selectors[27] = Handler.warpToCallBoundary.selector;
        selectors[28] = Handler.disagree.selector;
        selectors[29] = Handler.rampLiquidationFactor.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ================================================================ token balances vs books
    /// @notice Each contract holds at least what its books say it holds: the pool its cash and
    /// every account's collateral, the liquidator every live lot, the fund its ledger's assets
    /// and the collateral it holds for sale.
    function invariant_tokenBalancesCoverBooks() public view {
        assertGe(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "pool: base < cash");
        assertGe(m.usdc.balanceOf(address(m.fund)), m.fund.assetsBook(), "fund: base < assetsBook");
        MockERC20[3] memory assets = [m.weth, m.wbtc, m.wxrp];
        for (uint256 i; i < 3; ++i) {
            address asset = address(assets[i]);
            assertGe(assets[i].balanceOf(address(m.pool)), m.pool.totalCollateral(asset), "pool: collateral < book");
            assertGe(
                assets[i].balanceOf(address(m.liquidator)),
                Books.sums(m.liquidator, asset, address(0)).lot,
                "liquidator: collateral < sum of lots"
            );
            assertGe(assets[i].balanceOf(address(m.fund)), m.fund.heldCollateral(asset), "fund: collateral < held");
        }
    }

    /// @notice Nobody donates in this campaign, so the balances equal the books exactly: no
    /// token is stranded outside every book (and none is counted twice).
    function invariant_tokenBalancesEqualBooks() public view {
        assertEq(m.usdc.balanceOf(address(m.pool)), m.pool.cash(), "pool: base != cash");
        assertEq(m.usdc.balanceOf(address(m.fund)), m.fund.assetsBook(), "fund: base != assetsBook");
        assertEq(m.usdc.balanceOf(address(m.liquidator)), 0, "liquidator holds base");
        MockERC20[3] memory assets = [m.weth, m.wbtc, m.wxrp];
        for (uint256 i; i < 3; ++i) {
            address asset = address(assets[i]);
            assertEq(assets[i].balanceOf(address(m.pool)), m.pool.totalCollateral(asset), "pool: collateral != book");
            assertEq(
                assets[i].balanceOf(address(m.liquidator)),
                Books.sums(m.liquidator, asset, address(0)).lot,
                "liquidator: collateral != sum of lots"
            );
            assertEq(assets[i].balanceOf(address(m.fund)), m.fund.heldCollateral(asset), "fund: collateral != held");
        }
    }

    // ================================================================ pool books
    /// @notice Σ supplySharesOf over every actor (nobody else is ever credited) == totalSupplyShares.
    function invariant_supplySharesSumToTotal() public view {
        address[] memory all = handler.everyone();
        uint256 sum;
        for (uint256 i; i < all.length; ++i) {
            sum += m.pool.supplySharesOf(all[i]);
        }
        assertEq(sum, m.pool.totalSupplyShares(), "sum of supply shares");
    }

    /// @notice Σ normalised debt == totalNormalizedDebt exactly; in base units at the stored index
    /// Σ ⌈nᵢ·I⌉ ≥ ⌈Σnᵢ·I⌉ = totalAccountDebt (each account rounds up, in the protocol's favour)
    /// and exceeds it by less than one wei per account.
    function invariant_accountDebtsSumToTotal() public view {
        address[] memory all = handler.everyone();
        uint256 index = m.pool.borrowIndex();
        uint256 normalizedSum;
        uint256 debtSum;
        for (uint256 i; i < all.length; ++i) {
            uint256 normalized = m.pool.normalizedDebtOf(all[i]);
            normalizedSum += normalized;
            debtSum += Math.mulDiv(normalized, index, RAY, Math.Rounding.Ceil);
        }
        assertEq(normalizedSum, m.pool.totalNormalizedDebt(), "sum of normalised debt");
        uint256 total = m.pool.totalAccountDebt();
        assertGe(debtSum, total, "accounts owe less than the total");
        assertLe(debtSum, total + all.length, "accounts owe more than the total plus rounding");
    }

    /// @notice DESIGN.md 5: 0 ≤ cash + accountDebt + debtInAuction − (supplierAssets + reserves)
    /// ≤ n wei, n = SLACK_PER_CALL × calls (each call rounds at most once on these books, always
    /// towards the pool: see Handler.SLACK_PER_CALL). The handler also checks, call by call, that
    /// the slack never falls (a fall is value leaving the books: a loss not booked) and never
    /// grows by more than SLACK_PER_CALL.
    function invariant_poolIdentity() public view {
        int256 slack = handler.slack();
        assertGe(slack, 0, "pool: claims exceed assets");
        assertLe(uint256(slack), handler.SLACK_PER_CALL() * handler.calls(), "pool: slack above rounding bound");
        assertEq(handler.slackDecreases(), 0, "pool: slack fell during a call");
        assertLe(handler.maxSlackStep(), handler.SLACK_PER_CALL(), "pool: one call rounded by more than the bound");
        assertEq(handler.borrowIndexFalls(), 0, "borrow index fell");
    }

    /// @notice Realised losses are booked once, through the waterfall, and nothing is forgiven:
    /// realizedLosses == coveredByReserves + coveredByFund + socializedLosses; and only when
    /// realised: no take, flash take or settle books a loss while the account still has
    /// collateral or a live auction (an auction that ends short beside a live sibling is charged
    /// back to the account, DESIGN.md 4).
    function invariant_lossesBookedOnce() public view {
        assertEq(
            m.pool.realizedLosses(),
            m.pool.coveredByReserves() + m.pool.coveredByFund() + m.pool.socializedLosses(),
            "losses: waterfall does not add up"
        );
        assertEq(handler.lossesBookedEarly(), 0, "a loss was booked while the account had a live auction or collateral");
    }

    // ================================================================ liquidator books
    /// @notice pendingLoss == Σ est + Σ unbackedChargeBacks (DESIGN.md 5), totalTab == Σ tab ≤
    /// hole over live auctions; per account, liveAuctions counts its live auctions, and Σ
    /// debtInAuctionOf == debtInAuction (nobody else has any); a charge-back is pending only while
    /// auctions live. The debt parts themselves: `invariant_debtPartsFitDebtInAuction`.
    function invariant_auctionBooks() public view {
        Books.Sums memory s = Books.sums(m.liquidator, address(0), address(0));
        uint256 charged;
        for (uint256 i; i < 4; ++i) {
            address borrower = actors.borrowers[i];
            uint256 pending = m.liquidator.unbackedChargeBacks(borrower);
            if (m.pool.liveAuctions(borrower) == 0) assertEq(pending, 0, "a charge-back pending with no auction");
            charged += pending;
        }
        assertEq(m.liquidator.pendingLoss(), s.est + charged, "pendingLoss != sum of est + unbacked charge-backs");
        assertEq(m.liquidator.totalTab(), s.tab, "totalTab != sum of tabs");
        assertLe(m.liquidator.totalTab(), m.liquidator.hole(), "totalTab above hole");
        uint256 sumOfAccounts;
        for (uint256 i; i < 4; ++i) {
            address borrower = actors.borrowers[i];
            Books.Sums memory own = Books.sums(m.liquidator, address(0), borrower);
            assertEq(m.pool.liveAuctions(borrower), own.ofAccount, "liveAuctions != live auctions of the account");
            sumOfAccounts += m.pool.debtInAuctionOf(borrower);
        }
        assertEq(sumOfAccounts, m.pool.debtInAuction(), "sum of debtInAuctionOf != debtInAuction");
    }

    /// @notice DESIGN.md 5: Σ debt parts of an account's live auctions == debtInAuctionOf(account),
    /// exactly, for every account, and Σ debt parts of all live auctions == debtInAuction: the
    /// rounded per-asset split of a full kick is fitted to the debt moved whatever the number of
    /// collaterals. (Audit finding 1: with three collaterals a dust deposit of the third just
    /// before a full kick made the split overshoot by a wei that no auction could ever repay;
    /// the handler's `dustThenKick` and `depositOnBehalf` play that attack. The handler also
    /// checks it after every call, `debtPartMisfits`.)
    function invariant_debtPartsFitDebtInAuction() public view {
        assertEq(handler.debtPartMisfits(), 0, "an account's debt parts stopped fitting its debt in auction");
        address[] memory all = handler.everyone();
        for (uint256 i; i < all.length; ++i) {
            Books.Sums memory own = Books.sums(m.liquidator, address(0), all[i]);
            assertEq(m.pool.debtInAuctionOf(all[i]), own.debtPartOfAccount, "debtInAuctionOf != its debt parts");
        }
        Books.Sums memory s = Books.sums(m.liquidator, address(0), address(0));
        assertEq(m.pool.debtInAuction(), s.debtPart, "debtInAuction != sum of debt parts");
    }

    // ================================================================ insurance fund
    /// @notice assetsBook == deposits − withdrawals + penalties + reserve income + lot-sale income
    /// − covers − incentives (exact: every term moves by the same integer as assetsBook). Fund
    /// assets cannot go negative (uint); this identity is what "never negative" means here.
    function invariant_fundLedger() public view {
        InsuranceLedger memory l = _ledger();
        assertEq(
            l.assets + l.withdrawn + l.covered + l.incentives,
            l.deposited + l.penalties + l.reserveIncome + l.lotSales,
            "fund ledger does not add up"
        );
    }

    /// @notice The fund's door books agree with what wallets saw: deposits, redemptions, keeper
    /// incentives and lot-sale proceeds; and Σ fund shares of every holder == totalSupply.
    function invariant_fundFlowsMatchWallets() public view {
        assertEq(m.fund.totalDeposited(), handler.fundDeposited(), "fund deposits != paid in");
        assertEq(m.fund.totalWithdrawn(), handler.fundRedeemed(), "fund withdrawals != paid out");
        assertEq(m.fund.incentivesPaid(), handler.incentivesReceived(), "incentives != received by keeper");
        assertEq(m.fund.lotSaleIncome(), handler.lotProceeds(), "lot-sale income != proceeds");
        address[] memory all = handler.everyone();
        uint256 shares = m.fund.balanceOf(DEAD);
        for (uint256 i; i < all.length; ++i) {
            shares += m.fund.balanceOf(all[i]);
        }
        assertEq(shares, m.fund.totalSupply(), "sum of fund shares");
    }

    // ================================================================ collateral
    /// @notice Nothing from nothing, per collateral asset: every token deposited is in the pool,
    /// in a live lot, back in a wallet, with a taker, held by the fund or released by it.
    function invariant_collateralConserved() public view {
        MockERC20[3] memory assets = [m.weth, m.wbtc, m.wxrp];
        for (uint256 i; i < 3; ++i) {
            address asset = address(assets[i]);
            uint256 accounted = m.pool.totalCollateral(asset) + Books.sums(m.liquidator, asset, address(0)).lot
                + handler.collateralOut(asset) + handler.collateralSold(asset) + m.fund.heldCollateral(asset)
                + handler.collateralReleased(asset);
            assertEq(handler.collateralIn(asset), accounted, "collateral created or destroyed");
        }
    }

    /// @notice No account ends with debt, no collateral and no live auction (that debt is bad
    /// debt and must have been realised).
    function invariant_noDebtWithoutBacking() public view {
        for (uint256 i; i < 4; ++i) {
            address borrower = actors.borrowers[i];
            if (m.pool.normalizedDebtOf(borrower) == 0 || m.pool.liveAuctions(borrower) != 0) continue;
            uint256 collateral = m.pool.collateralOf(borrower, address(m.weth))
                + m.pool.collateralOf(borrower, address(m.wbtc)) + m.pool.collateralOf(borrower, address(m.wxrp));
            assertGt(collateral, 0, "debt with no collateral and no live auction");
        }
    }

    // ================================================================ the ladder's promises
    /// @notice No kick of an account that was not Liquidatable just before it, by kick's price
    /// rule (ghost: `accountStatus` read right before each successful kick); and, recomputed from
    /// balances and prices, no account at HF ≥ 1 sold without a warning: a live call past its
    /// deadline while HF < the base marginCallHF (the product's promise, DESIGN.md 3).
    function invariant_kicksOnlyLiquidatable() public view {
        assertEq(handler.kicksOfNotLiquidatable(), 0, "kicked an account that was not Liquidatable");
    }

    /// @notice No poke ever made an account Liquidatable (volatility never decides a sale).
    function invariant_pokeNeverMakesLiquidatable() public view {
        assertEq(handler.pokesMadeLiquidatable(), 0, "a poke made an account Liquidatable");
    }

    /// @notice Guards hold: no kick, redo or take through the breaker; no redo of an auction that
    /// did not need one; no take of one that needed a redo; no call issued to an account not in
    /// MarginCall or already called; none cleared while not Healthy; no borrow or collateral
    /// withdrawal by an account with live auctions or, with debt, not Healthy; no incentive for
    /// closing an account, and a redo's tip at most once per `tail`; no take leaving a live tab
    /// under dust; no settle of an auction neither stuck nor worth under dust. And: no take above
    /// its `maxPrice` (nor paying more than its slice at that price); no kick incentive for a tab
    /// or a lot worth under dust; a kick whose tab exactly fills the room under `hole` is not cut
    /// down, so it clears the call of an account it leaves Healthy.
    function invariant_guardsHold() public view {
        assertEq(handler.guardsBypassed(), 0, "a guarded action went through");
        assertEq(handler.maxPriceIgnored(), 0, "a take went through above its maxPrice");
        assertEq(handler.worthlessIncentives(), 0, "a kick paid an incentive for a tab or lot under dust");
        assertEq(handler.exactFitsKeptCall(), 0, "a kick exactly filling the room was treated as cut down");
    }

    /// @notice The ladder of DESIGN.md 3, recomputed by the handler after every call for every
    /// borrower (balances, debt, both feeds, its own liquidation-factor schedule, the calls it
    /// issued) agrees with `accountStatus`: Liquidatable iff HF < 1 or, with a live call, now >
    /// deadline and HF < the base marginCallHF; MarginCall iff otherwise HF < callHF_eff. Calls
    /// get deadline = now + gracePeriod and are dead from deadline + gracePeriod on. The campaign
    /// lands on deadlines and lapses exactly (`warpToCallBoundary`) and makes feeds disagree
    /// (`disagree`): the status reads the price better for the borrower.
    /// The same campaign asserts what the ladder rests on (one campaign, not three: each
    /// invariant function replays the whole campaign):
    /// - the opening rule at the prices worse for the borrower: every borrow and collateral
    ///   withdrawal (with debt) meets marginCallHF · Σ value_low · borrowFactor ≥ callHF_eff ·
    ///   debt · baseHigh, recomputed by the handler from both feeds (DESIGN.md 3, 6); the handler
    ///   borrows between the worse-price and the better-price limits a third of the time;
    /// - liquidation factors follow their ramps (DESIGN.md 2): a lowering moves linearly over
    ///   7 days from the value in force, a raise applies at once; `collateralInfo` and everything
    ///   the pool values with it equal the handler's schedule after every call.
    function invariant_ladderMatchesDesign() public view {
        assertEq(handler.ladderMismatches(), 0, "accountStatus or a deadline differs from the ladder of DESIGN.md 3");
        assertEq(handler.lapsedCallsAlive(), 0, "a margin call was still live at or after its lapse");
        assertEq(handler.opensBeyondLimit(), 0, "a borrow or withdrawal broke the opening rule at the worse price");
        assertEq(handler.rampMismatches(), 0, "a liquidation factor is off its 7-day ramp");
    }

    /// @notice A kick that was not scaled down to the room under `hole` leaves the account with no
    /// debt or at HF ≥ T = max(targetHF, callHF_eff + exitMargin): out of the band with room (DESIGN.md 3).
    function invariant_kickLeavesBand() public view {
        assertEq(handler.kicksLeavingBand(), 0, "an unscaled partial kick left the account under T");
    }

    /// @notice Liquidations proceed: HF < 1 is always sellable, so a Liquidatable account with
    /// valid prices is refused a kick only for the breaker, `NoRoom` or live auctions with no
    /// collateral (DESIGN.md 3); and a take at the current price by a taker who can pay is refused
    /// only while the auction needs a redo, at breaker 3, or for a partial slice of a tab ≤ dust
    /// (and a flash take when the AMM does not cover its owe) (DESIGN.md 4).
    function invariant_liquidationsProceed() public view {
        assertEq(handler.kickRefusals(), 0, "a Liquidatable account was refused a kick for another reason");
        assertEq(handler.takeRefusals(), 0, "a take at the current price was refused for another reason");
    }

    /// @notice Borrow, repay and kicks never leave an account's debt in (0, dust) (DESIGN.md 2, 3).
    /// Charge-backs may: the unpaid debt part of a lot is charged back whatever its size while the
    /// account has another live auction or collateral, so this is checked on the actions, not on
    /// the state (ghost: debt read right after each successful borrow, repay and kick).
    function invariant_noDustLeftBehind() public view {
        assertEq(handler.dustLeftBehind(), 0, "borrow, repay or kick left debt in (0, dust)");
    }

    /// @notice No action ever panicked (arithmetic, division by zero, bounds) or reverted with no
    /// reason: every refusal the protocol makes is a named error.
    function invariant_noPanics() public view {
        assertEq(
            handler.unexplainedReverts(),
            0,
            string.concat("panic or empty revert in ", _trim(handler.lastUnexplained()))
        );
    }

    /// @notice A borrow or a collateral withdrawal never leaves an indebted account inside the
    /// band: the opening-risk rule implies HF ≥ callHF_eff (DESIGN.md 3).
    function invariant_noPositionOpensInBand() public view {
        assertEq(handler.opensInBand(), 0, "a borrow or withdrawal left the account not Healthy");
    }

    /// @notice Fund withdrawal requests: never above the owner's balance; receiving shares never
    /// grows one; a redemption pays at most the request-free quote and at most the requested
    /// shares' value at the request (they earn nothing from then on).
    function invariant_fundRequests() public view {
        for (uint256 i; i < 2; ++i) {
            (uint256 requested,,) = m.fund.requests(actors.insurers[i]);
            assertLe(requested, m.fund.balanceOf(actors.insurers[i]), "request above balance");
        }
        assertEq(handler.fundRequestsGrown(), 0, "receiving shares grew a request");
        assertEq(handler.fundExitsOverpaid(), 0, "a redemption paid more than its quote or request");
    }

    /// @notice Entering or leaving never dilutes the others: a supply or withdrawal leaves the
    /// pool's book value per supply share no lower, a fund deposit, redemption or withdrawal the
    /// fund's value per share no lower (the exit haircut for pending losses stays with those who
    /// stay; rounding is against the one who moves). Losses are the only thing that lowers them.
    function invariant_sharePricesNeverDiluted() public view {
        assertEq(handler.sharePriceDilutions(), 0, "an entry or exit lowered the others' share price");
    }

    /// @notice An auction's price never rises between redos and breaker restarts, and never
    /// exceeds its top.
    function invariant_auctionPriceNeverRises() public view {
        assertEq(handler.priceRises(), 0, "auction price rose");
    }

    // ================================================================ liveness
    /// @notice An account with no live auction can repay in full and withdraw all its collateral;
    /// repay and top-ups (under the cap) never revert; an account that qualifies can be called
    /// and a Healthy one cleared.
    function invariant_exitsAlwaysWork() public view {
        assertEq(handler.exitFailures(), 0, "repay-all + withdraw-all failed with no live auction");
        assertEq(handler.repayFailures(), 0, "a repay reverted");
        assertEq(handler.topUpFailures(), 0, "a collateral top-up under the cap reverted");
        assertEq(handler.callFailures(), 0, "issue/clear refused although the account qualified");
    }

    // ================================================================ summary
    /// @notice After each run: successes and failures per action, and the losses booked (shown
    /// with -vv), to see what a campaign reached.
    function afterInvariant() public view {
        bytes32[31] memory names = [
            bytes32("supply"),
            "withdraw",
            "depositCollateral",
            "withdrawCollateral",
            "borrow",
            "repay",
            "warp",
            "movePrice",
            "poke",
            "issueMarginCall",
            "clearMarginCall",
            "kick",
            "take",
            "flashTake",
            "redo",
            "settle",
            "breaker",
            "fundDeposit",
            "fundRequestWithdraw",
            "fundRedeem",
            "fundWithdraw",
            "routeReserves",
            "sellHeldCollateral",
            "exitFully",
            "feedOutage",
            "fundTransfer",
            "depositOnBehalf",
            "dustThenKick",
            "warpToCallBoundary",
            "disagree",
            "rampLiquidationFactor"
        ];
        for (uint256 i; i < names.length; ++i) {
            console.log(_trim(names[i]), handler.succeeded(names[i]), handler.failed(names[i]));
        }
        console.log("losses realised", m.pool.realizedLosses(), "socialised", m.pool.socializedLosses());
    }

    // ================================================================ helpers
    struct InsuranceLedger {
        uint256 assets;
        uint256 deposited;
        uint256 withdrawn;
        uint256 penalties;
        uint256 reserveIncome;
        uint256 lotSales;
        uint256 covered;
        uint256 incentives;
    }

    function _ledger() internal view returns (InsuranceLedger memory l) {
        l.assets = m.fund.assetsBook();
        l.deposited = m.fund.totalDeposited();
        l.withdrawn = m.fund.totalWithdrawn();
        l.penalties = m.fund.penaltyIncome();
        l.reserveIncome = m.fund.reserveIncome();
        l.lotSales = m.fund.lotSaleIncome();
        l.covered = m.fund.totalCovered();
        l.incentives = m.fund.incentivesPaid();
    }

    /// @dev A bytes32 action name as a string, without its trailing zero bytes.
    function _trim(bytes32 b) internal pure returns (string memory) {
        uint256 n;
        while (n < 32 && b[n] != 0) ++n;
        bytes memory out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[i] = b[i];
        }
        return string(out);
    }
}
