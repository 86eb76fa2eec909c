// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IDutchAuctionLiquidator} from "../interfaces/IDutchAuctionLiquidator.sol";
import {ILendingPool, AccountStatus, AccountState, MarketSnapshot} from "../interfaces/ILendingPool.sol";
import {IMarketConfig} from "../interfaces/IMarketConfig.sol";
import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";
import {IInsuranceFund, IncomeKind} from "../interfaces/IInsuranceFund.sol";
import {IPriceCurve} from "../interfaces/IPriceCurve.sol";
import {IAuctionTaker} from "../interfaces/IAuctionTaker.sol";
import {ISharedLock} from "../interfaces/ISharedLock.sol";
import {WadMath} from "./libraries/WadMath.sol";
import {PackedParams} from "./libraries/PackedParams.sol";
import {AccountRisk} from "./libraries/AccountRisk.sol";
import {AccountReader} from "./libraries/AccountReader.sol";

/// @title DutchAuctionLiquidator
/// @notice Kick, take, redo and settle Dutch auctions of Liquidatable accounts (DESIGN.md 3, 4).
/// See IDutchAuctionLiquidator.
contract DutchAuctionLiquidator is IDutchAuctionLiquidator {
    using SafeERC20 for IERC20;
    using WadMath for uint256;
    using PackedParams for uint256;
    using AccountRisk for AccountRisk.Valuation;

    // ================================================================ constants
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_COLLATERALS = 8;
    uint256 internal constant MIN_TAIL = 10 minutes;
    uint256 internal constant MAX_TAIL = 7 days;
    /// @dev An auction that has needed a redo for this many tails, with no valid price, may be
    /// settled: counted from its start, it is `SETTLE_TAILS + 1` tails old.
    uint256 internal constant SETTLE_TAILS = 3;

    // ================================================================ immutables
    ILendingPool public immutable pool;
    IMarketConfig public immutable config;
    IOracleAdapter public immutable oracle;
    IInsuranceFund public immutable fund;
    IERC20 public immutable baseToken;
    uint256 internal immutable BASE_SCALE; // 10 ** base decimals

    // ================================================================ storage
    /// @dev One auction as the code works with it (memory), and as `auctions(id)` returns it.
    struct Auction {
        address account; // zero when not running
        address asset;
        uint64 pos; // index in `active`
        uint64 tic; // [unix seconds] start or last redo
        uint64 lastIncentive; // [unix seconds] kick or last paid redo
        uint256 slot; // the asset's collateral slot
        uint256 scale; // 10 ** collateral decimals
        uint256 penalty; // [wad] liquidation penalty of the asset at kick
        uint256 lot; // [token units] collateral left to sell
        uint256 tab; // [base units] left to raise: debt part plus penalty
        uint256 debtPart; // [base units] debt left to repay
        uint256 top; // [wad] start price, base per whole collateral token
        uint256 est; // [base units] loss if the lot sold at the oracle price of the kick / redo
    }

    /// @dev The same auction as stored: 4 slots, packed with what the kick knows (DESIGN.md 11
    /// asks for at most 5, Maker's clip keeps 5). The asset is kept as its collateral slot, whose
    /// `_bySlot` entry names it (the entry a take that ends the auction writes anyway); the scale
    /// as its decimals; timestamps in 48 bits. Amounts and the start price fit 128 bits (SafeCast
    /// refuses anything larger: for `top`, a price ratio above 3.4e20).
    struct StoredAuction {
        address account; // slot 1
        uint48 tic;
        uint48 lastIncentive;
        uint128 lot; // slot 2
        uint128 tab;
        uint128 debtPart; // slot 3
        uint128 est;
        uint128 top; // slot 4
        uint64 penalty; // [wad]
        uint24 pos;
        uint8 decimals;
        uint8 slot;
    }

    /// @dev What every take, kick, redo and settle reads, in one slot (one cold read, not four).
    struct Settings {
        IPriceCurve curve;
        uint32 tail; // [seconds] age after which an auction needs a redo (≤ MAX_TAIL)
        uint8 breaker; // 0 running; 1 no kick; 2 no kick, no redo; 3 no kick, redo or take
        uint48 lastRestart; // [unix seconds] last lowering of the breaker from 2 or 3
    }

    /// @dev What a kick checks and every take writes, in one slot. `hole` is never 0, so the slot
    /// is never written from zero (nor refunded): the first kick pays no fresh slot for it.
    struct TabBook {
        uint128 hole; // [base units] cap on the total tab of live auctions
        uint128 totalTab; // [base units] Σ tab of live auctions
    }

    /// @dev The auction counters, in one slot a kick writes once however many auctions it opens.
    /// `nextId` starts at 1 (set by the constructor) and only grows, so the slot is never written
    /// from zero, the first kick included.
    struct AuctionBook {
        uint128 pendingLoss; // [base units] Σ est of live auctions + Σ unbackedChargeBacks (DESIGN.md 5)
        uint64 nextId; // auction ids are 1..nextId − 1
        uint64 active; // live auctions, at positions 0..active − 1 of `_activeIds`
    }

    Settings internal _settings;
    TabBook internal _tabs;
    AuctionBook internal _books;
    /// @dev The live auctions' ids by position, four 64-bit ids a slot (ids stay below `nextId`, a
    /// uint64), so a new position opens a fresh slot once in four (swap-and-pop; each record
    /// keeps its `pos`). Read and written through `_activeAt` / `_setActiveAt`.
    mapping(uint256 word => uint256 ids) internal _activeIds;
    mapping(uint256 id => StoredAuction) internal _auctions;
    /// [base units] debt parts charged back to the account while it held no collateral: a loss
    /// waiting for its last auction, kept in `pendingLoss` until then
    mapping(address account => uint256) public unbackedChargeBacks;

    /// @dev Per collateral slot, the asset its auctions sell and 1 + how many are live (0 before
    /// its first): the entry never returns to zero, so only a slot's first auction pays for a
    /// fresh storage slot. An asset with a live auction is never removed (removeCollateral reads
    /// `liveAuctionsOfAsset`), so the asset changes only while the slot's count is 0.
    struct SlotAuctions {
        address asset;
        uint96 livePlusOne;
    }

    SlotAuctions[MAX_COLLATERALS] internal _bySlot;

    // ================================================================ constructor
    constructor(ILendingPool pool_, IInsuranceFund fund_, IPriceCurve curve_, uint256 tail_, uint256 hole_) {
        if (address(pool_) == address(0) || address(fund_) == address(0) || address(curve_) == address(0)) {
            revert ZeroAddress();
        }
        // the pool was built naming this liquidator's precomputed address, and this fund
        if (address(pool_.liquidator()) != address(this) || pool_.insuranceFund() != fund_) {
            revert NotThePoolsLiquidator(address(pool_));
        }
        pool = pool_;
        config = pool_.config();
        oracle = config.oracle();
        fund = fund_;
        baseToken = IERC20(config.baseToken());
        BASE_SCALE = 10 ** IERC20Metadata(address(baseToken)).decimals();
        _settings.curve = curve_;
        _books.nextId = 1;
        _setTail(tail_);
        _setHole(hole_);
    }

    // ================================================================ modifiers
    /// @dev Every entry point takes the pool's shared lock (DESIGN.md 7).
    modifier locked() {
        ISharedLock(address(pool)).acquireLock();
        _;
        ISharedLock(address(pool)).releaseLock();
    }

    modifier onlyGovernor() {
        if (msg.sender != config.governor()) revert NotGovernor();
        _;
    }

    // ================================================================ governance
    /// @inheritdoc IDutchAuctionLiquidator
    function setCurve(IPriceCurve newCurve) external onlyGovernor {
        if (address(newCurve) == address(0)) revert ZeroAddress();
        emit CurveSet(address(_settings.curve), address(newCurve));
        _settings.curve = newCurve;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function setTail(uint256 newTail) external onlyGovernor {
        _setTail(newTail);
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function setHole(uint256 newHole) external onlyGovernor {
        _setHole(newHole);
    }

    /// @inheritdoc IDutchAuctionLiquidator
    /// @dev Lowering from 2 or 3 makes every live auction need a redo before a take, without a
    /// loop: an auction started before `lastRestart` needs one. Its age (for `settle`) runs from the
    /// later of its start and `lastRestart`. Lowering from 3 to 2 thus leaves takes waiting until
    /// redos reopen (level below 2).
    function setBreaker(uint256 level) external {
        if (level > 3) revert BadBreakerLevel(level);
        uint256 old = _settings.breaker;
        bool governor = msg.sender == config.governor();
        if (level > old ? !(governor || msg.sender == config.guardian()) : !governor) revert NotGuardian();
        if (level < old && old >= 2) _settings.lastRestart = SafeCast.toUint48(block.timestamp);
        _settings.breaker = uint8(level);
        emit BreakerSet(old, level);
    }

    function _setTail(uint256 newTail) internal {
        if (newTail < MIN_TAIL || newTail > MAX_TAIL) revert BadParam("tail");
        emit ParamSet("tail", _settings.tail, newTail);
        _settings.tail = uint32(newTail); // ≤ MAX_TAIL
    }

    function _setHole(uint256 newHole) internal {
        if (newHole == 0 || newHole > type(uint128).max) revert BadParam("hole");
        emit ParamSet("hole", _tabs.hole, newHole);
        _tabs.hole = uint128(newHole);
    }

    // ================================================================ kick
    /// @dev What one kick seizes, by collateral slot.
    struct Plan {
        uint256[MAX_COLLATERALS] lots; // [token units]
        uint256[MAX_COLLATERALS] tabs; // [base units]
        uint256[MAX_COLLATERALS] debtParts; // [base units]
        uint256 debtMoved; // [base units] Σ debtParts
        uint256 totalTab; // [base units] Σ tabs
        uint256 auctions; // assets with a lot
        bool scaled; // cut down to the room left under `hole`
        uint256 slots; // the account's highest held slot + 1: no lot at or past it
    }

    /// @inheritdoc IDutchAuctionLiquidator
    /// @dev How much is liquidated (DESIGN.md 3), at the prices better for the borrower: the
    /// same fraction f of every collateral; asset i's lot is f·amount_i, its tab the lot's oracle
    /// value in base, its debt part tab_i/(1+p_i). While HF ≥ fullLiquidationHF the debt moved
    /// leaves the account at T = max(targetHF, callHF_eff + exitMargin), out of the band with room:
    ///
    ///     D_r = (T·D − L) / (T − (1+p)·lf)        (1+p)·lf = L / Σ value_i/(1+p_i)
    ///
    /// at least `dust`, and everything when less than `dust` would remain. Below
    /// fullLiquidationHF all debt and all collateral go. The global `hole` scales a kick down.
    function kick(address account, address keeper) external locked returns (uint256[] memory ids) {
        if (_settings.breaker >= 1) revert BreakerOn(_settings.breaker);
        MarketSnapshot memory snap;
        {
            // `_prepareKick` answers the snapshot's memory address; read as the struct it is
            // (a struct-typed return would first allocate a zeroed one, ~3,400 bytes)
            function(address) internal returns (MarketSnapshot memory) prepare;
            function(address) internal returns (uint256) raw = _prepareKick;
            assembly ("memory-safe") {
                prepare := raw
            }
            snap = prepare(account);
        }
        uint256[MAX_COLLATERALS] memory amounts; // [token units] the balances valued, by slot
        AccountState memory st = _stateAt(account, snap, amounts); // and the σ pokes (DESIGN.md 11)
        if (st.status != AccountStatus.Liquidatable) revert NotLiquidatable(uint8(st.status));
        uint256 dust = snap.market.dust;

        if (st.liveAuctions == 0 && _toBase(st.collateralValue, snap) < dust && st.collateralValue < st.debtValue) {
            // nothing worth an auction and less than the debt: close the account, its debt is bad
            // debt (no incentive); collateral worth at least the debt is auctioned instead
            pool.closeAccount(account);
            emit AccountClosed(account);
            return ids;
        }
        if (st.assetsIn == 0) revert NothingToSeize(account);

        Plan memory plan = _plan(st, snap, amounts);
        TabBook memory tabs = _tabs;
        {
            uint256 room = tabs.hole > tabs.totalTab ? tabs.hole - tabs.totalTab : 0;
            if (plan.totalTab > room) plan = _scaleToRoom(plan, room, st.debt, dust);
        }

        // a kick cut down by `hole` keeps the account's call (DESIGN.md 4)
        pool.seize(account, plan.lots, plan.debtMoved, plan.auctions, plan.scaled, snap.asset);
        uint256 lotValue;
        (ids, lotValue) = _openAll(account, plan, snap);
        _tabs.totalTab = SafeCast.toUint128(tabs.totalTab + plan.totalTab);

        // keeper incentive: the fund's expense, never in the tab, never reverting the kick
        if (plan.totalTab >= dust && lotValue >= dust) {
            uint256 incentive = config.packedKeeperIncentives();
            uint256 paid =
                fund.payIncentive(keeper, incentive.tip() + plan.totalTab.mulDivDownFast(incentive.chip(), WAD));
            emit KickIncentive(account, keeper, paid);
        }
    }

    /// @dev Bytes of `MarketSnapshot`'s ABI encoding: 95 words, every field static (the layout
    /// read below is pinned by tests/forge/SnapshotLayout.t.sol).
    uint256 internal constant SNAPSHOT_BYTES = 95 * 32;

    /// @dev `pool.prepareKick(account)` without the ABI decoder's field-by-field copy (and its
    /// checks of an encoding the immutable pool writes itself): the encoding is every field in
    /// order with the market's parameters and the ten arrays inline, so the answer is copied once
    /// and a `MarketSnapshot`'s 17 memory words (values, and pointers for the nested fields) point
    /// into it. Returns the struct's memory address. A revert is passed on as it came; an answer
    /// too short reverts empty, as the decoder does.
    function _prepareKick(address account) internal returns (uint256 snap) {
        address target = address(pool);
        bytes4 selector = ILendingPool.prepareKick.selector;
        assembly ("memory-safe") {
            snap := mload(0x40)
            let data := add(snap, 0x220) // after the struct's 17 words
            mstore(data, selector)
            mstore(add(data, 4), account)
            if iszero(call(gas(), target, 0, data, 0x24, 0, 0)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
            if lt(returndatasize(), SNAPSHOT_BYTES) { revert(0, 0) }
            returndatacopy(data, 0, SNAPSHOT_BYTES)
            mstore(snap, mload(data)) // ok
            mstore(add(snap, 0x20), add(data, 0x20)) // market: words 1-9
            // borrowIndex, volRef, basePriced, baseLow, baseHigh: words 10-14
            for { let i := 0 } lt(i, 0xa0) { i := add(i, 0x20) } {
                mstore(add(add(snap, 0x40), i), mload(add(add(data, 0x140), i)))
            }
            // asset, scale, liquidationFactor, borrowFactor, liquidationPenalty, volatility,
            // priced, low, high, overCap: 8 words each from word 15
            for { let k := 0 } lt(k, 10) { k := add(k, 1) } {
                mstore(add(add(snap, 0xe0), shl(5, k)), add(add(data, 0x1e0), shl(8, k)))
            }
            mstore(0x40, add(data, SNAPSHOT_BYTES))
        }
    }

    /// @dev The account at the kick's snapshot, by the pool's own arithmetic: `AccountReader.
    /// writeRisk`, whose balance reads are kept in `amounts` (by slot) for the plan, so each is
    /// read once. The snapshot lists only the slots the account holds (`prepareKick` reads its
    /// `assetsIn`), the very slots the plan seizes from. The same loop writes volatility (DESIGN.md
    /// 11): a poke of every asset of the snapshot, in slot order, before any check of the kick,
    /// consumes the pending rounds its σ already folded in, so the kick's σ does not move (the
    /// pool's reads around it are views the poke does not touch). Its own frame: the kick's is full.
    function _stateAt(address account, MarketSnapshot memory snap, uint256[MAX_COLLATERALS] memory amounts)
        internal
        returns (AccountState memory st)
    {
        AccountRisk.Valuation memory v;
        uint256 normalizedDebt;
        (st.callDeadline, st.liveAuctions, st.assetsIn, normalizedDebt) = pool.accountMeta(account);
        v.startStatus(normalizedDebt, BASE_SCALE, snap);
        uint256 held = st.assetsIn;
        for (uint256 i; held != 0; ++i) {
            address asset = snap.asset[i];
            bool skip = held & 1 == 0 || asset == address(0);
            held >>= 1;
            if (skip) continue;
            oracle.poke(asset);
            amounts[i] = pool.collateralOf(account, asset);
            if (amounts[i] != 0) v.addStatusHolding(snap, i, amounts[i]);
        }
        AccountReader.writeValued(st, v, snap);
    }

    function _plan(AccountState memory st, MarketSnapshot memory snap, uint256[MAX_COLLATERALS] memory amounts)
        internal
        view
        returns (Plan memory plan)
    {
        uint256[MAX_COLLATERALS] memory values; // [wad USD] at the kick's prices
        uint256 harmonic; // Σ value_i / (1 + p_i) [wad USD]
        uint256 held; // assets with a balance
        // the loops of the plan stop past the last held slot (its balances are read by bit)
        plan.slots = Math.log2(st.assetsIn) + 1; // assetsIn ≠ 0: checked by the kick
        for (uint256 i; i < plan.slots; ++i) {
            if (amounts[i] == 0) continue;
            values[i] = amounts[i].mulDivDownFast(snap.high[i], snap.scale[i]);
            harmonic += values[i].mulDivDownFast(WAD, WAD + snap.liquidationPenalty[i]);
            ++held;
        }
        (bool full, uint256 f) = _fraction(st, snap, harmonic);
        _fill(plan, amounts, values, held, full, f, st, snap);
        // a partial plan whose rounding would leave less than dust of debt becomes the full one:
        // all debt and all collateral (DESIGN.md 3), never all debt against part of the lots
        if (!full && plan.debtMoved + snap.market.dust > st.debt) {
            (full, plan.debtMoved, plan.totalTab, plan.auctions) = (true, 0, 0, 0);
            _fill(plan, amounts, values, held, true, 0, st, snap);
        }
        // a full kick moves exactly the debt (its value-split rounds by a few wei either way)
        if (full) _fitDebtParts(plan, st.debt);
    }

    /// @dev Lots, tabs and debt parts of every held asset: all of it (`full`, debt split by
    /// collateral value, equally if every price collapsed to 0; a lot may be worth less than its
    /// tab) or the fraction `f` of it (tab = the lot's oracle value, debt part = tab/(1+p)). Adds
    /// them up in `debtMoved` and `totalTab` (zero before the call).
    function _fill(
        Plan memory plan,
        uint256[MAX_COLLATERALS] memory amounts,
        uint256[MAX_COLLATERALS] memory values,
        uint256 held,
        bool full,
        uint256 f,
        AccountState memory st,
        MarketSnapshot memory snap
    ) internal view {
        for (uint256 i; i < plan.slots; ++i) {
            if (amounts[i] == 0) continue;
            uint256 onePlusP = WAD + snap.liquidationPenalty[i];
            if (full) {
                plan.lots[i] = amounts[i];
                plan.debtParts[i] =
                    st.collateralValue == 0 ? st.debt / held : st.debt.mulDivUpFast(values[i], st.collateralValue);
                plan.tabs[i] = plan.debtParts[i].mulDivUpFast(onePlusP, WAD);
            } else {
                plan.lots[i] = Math.min(amounts[i].mulDivUpFast(f, WAD), amounts[i]);
                plan.tabs[i] = _lotValueUp(plan.lots[i], snap.high[i], snap.scale[i], snap.baseLow);
                plan.debtParts[i] = plan.tabs[i].mulDivUpFast(WAD, onePlusP);
            }
            plan.debtMoved += plan.debtParts[i];
            plan.totalTab += plan.tabs[i];
            plan.auctions += 1;
        }
    }

    /// @dev Whether the kick is full and, if not, the fraction f [wad] of every collateral that
    /// moves D_r = max(dust, (T·D − L)/(T − L/H)) of debt, H = Σ value_i/(1+p_i).
    function _fraction(AccountState memory st, MarketSnapshot memory snap, uint256 harmonic)
        internal
        view
        returns (bool full, uint256 f)
    {
        if (st.healthFactor < snap.market.fullLiquidationHF || harmonic == 0) return (true, 0);
        uint256 target = Math.max(snap.market.targetHF, st.callLevel + snap.market.exitMargin);
        // in wad USD: numerator rounded up, denominator down, so D_r rounds up
        uint256 numerator = st.debtValue.mulDivUpFast(target, WAD) - st.liquidationValue;
        uint256 denominator = target - st.liquidationValue.mulDivUpFast(WAD, harmonic);
        uint256 debtToMove = Math.max(_toBaseUp(numerator.mulDivUpFast(WAD, denominator), snap), snap.market.dust);
        if (debtToMove + snap.market.dust > st.debt) return (true, 0);
        f = _fromBase(debtToMove, snap).mulDivUpFast(WAD, harmonic);
        return (f >= WAD, f);
    }

    /// @dev Makes Σ debtParts exactly `debt`, for any number of assets. The value split rounds
    /// each part up, so it overshoots by less than one wei per asset; the overshoot is taken off
    /// the parts from the last held slot backwards, each at most down to 0 (one dust slot's part
    /// may be smaller than the overshoot). The equal split of worthless collateral rounds down:
    /// its remainder goes to the last held slot (slot 0 when none is held). `debtMoved` is the
    /// sum `_fill` made.
    function _fitDebtParts(Plan memory plan, uint256 debt) internal pure {
        uint256 sum = plan.debtMoved;
        uint256 last;
        for (uint256 i = plan.slots; i != 0;) {
            if (plan.lots[--i] != 0) {
                last = i;
                break;
            }
        }
        plan.debtMoved = debt;
        if (sum <= debt) {
            plan.debtParts[last] += debt - sum;
            return;
        }
        uint256 excess = sum - debt;
        for (uint256 i = last + 1; excess != 0;) {
            --i;
            uint256 cut = Math.min(excess, plan.debtParts[i]);
            plan.debtParts[i] -= cut;
            excess -= cut;
        }
    }

    /// @dev `hole` reached: every lot, tab and debt part scaled down by room/totalTab. The kick
    /// must still move at least `dust` and leave no debt or at least `dust`.
    function _scaleToRoom(Plan memory plan, uint256 room, uint256 debt, uint256 dust)
        internal
        pure
        returns (Plan memory)
    {
        uint256 wanted = plan.totalTab;
        plan.debtMoved = 0;
        plan.totalTab = 0;
        for (uint256 i; i < plan.slots; ++i) {
            if (plan.lots[i] == 0) continue;
            plan.lots[i] = plan.lots[i].mulDivDownFast(room, wanted);
            plan.tabs[i] = plan.tabs[i].mulDivDownFast(room, wanted);
            plan.debtParts[i] = plan.debtParts[i].mulDivDownFast(room, wanted);
            if (plan.lots[i] == 0 || plan.tabs[i] == 0) {
                (plan.lots[i], plan.tabs[i], plan.debtParts[i]) = (0, 0, 0);
                plan.auctions -= 1;
            }
            plan.debtMoved += plan.debtParts[i];
            plan.totalTab += plan.tabs[i];
        }
        uint256 left = debt - plan.debtMoved;
        if (plan.debtMoved < dust || (left != 0 && left < dust)) revert NoRoom(room);
        plan.scaled = true;
        return plan;
    }

    /// @dev Opens one auction per lot of the plan; the counters are written once. `lotValue`:
    /// the lots' oracle value [base units].
    function _openAll(address account, Plan memory plan, MarketSnapshot memory snap)
        internal
        returns (uint256[] memory ids, uint256 lotValue)
    {
        uint256 startFactor = config.packedAuctionParams().buf();
        ids = new uint256[](plan.auctions);
        uint256 n;
        AuctionBook memory books = _books;
        for (uint256 i; i < plan.slots; ++i) {
            if (plan.lots[i] == 0) continue;
            uint256 value = _lotValue(plan.lots[i], snap.high[i], snap.scale[i], snap.baseLow);
            lotValue += value;
            ids[n++] =
                _open(account, i, plan, snap, snap.high[i].mulDivDownFast(startFactor, snap.baseLow), value, books);
        }
        _writeBooks(books);
    }

    /// @dev Opens the auction of `slot`'s lot, started at `top` [wad base per whole token], the
    /// lot worth `value` at the oracle price (`_lotValue`, which its `est` is measured against).
    /// `books` is the kick's copy of the counters, written back once by the kick.
    function _open(
        address account,
        uint256 slot,
        Plan memory plan,
        MarketSnapshot memory snap,
        uint256 top,
        uint256 value,
        AuctionBook memory books
    ) internal returns (uint256 id) {
        id = books.nextId++;
        // `_estimate` of the lot, its value already computed
        uint256 est = plan.debtParts[slot] > value ? plan.debtParts[slot] - value : 0;
        {
            // the record's four words as `StoredAuction` lays them out (fields from the low bits
            // up), each written once: a struct assigned to storage reads and writes it per field.
            // Every narrowing checked, in the order of the fields (a failed one reverts them all).
            uint256 p;
            {
                StoredAuction storage stored = _auctions[id];
                assembly ("memory-safe") {
                    p := stored.slot
                }
            }
            uint256 w = SafeCast.toUint48(block.timestamp);
            w = uint256(uint160(account)) | (w << 160) | (w << 208); // tic, lastIncentive
            assembly ("memory-safe") {
                sstore(p, w)
            }
            w = SafeCast.toUint128(plan.lots[slot]);
            w |= uint256(SafeCast.toUint128(plan.tabs[slot])) << 128;
            assembly ("memory-safe") {
                sstore(add(p, 1), w)
            }
            w = SafeCast.toUint128(plan.debtParts[slot]);
            w |= uint256(SafeCast.toUint128(est)) << 128;
            assembly ("memory-safe") {
                sstore(add(p, 2), w)
            }
            w = SafeCast.toUint128(top);
            w |= uint256(SafeCast.toUint64(snap.liquidationPenalty[slot])) << 128;
            w |= uint256(SafeCast.toUint24(books.active)) << 192;
            w |= uint256(SafeCast.toUint8(Math.log10(snap.scale[slot]))) << 216;
            w |= slot << 224; // < MAX_COLLATERALS
            assembly ("memory-safe") {
                sstore(add(p, 3), w)
            }
        }
        _setActiveAt(books.active++, id);
        {
            // read and written as its one word (asset, then 1 + live auctions, from the low bits):
            // a struct assigned to storage writes the slot once per field
            SlotAuctions storage entry = _bySlot[slot];
            uint96 livePlusOne = (entry.livePlusOne == 0 ? 1 : entry.livePlusOne) + 1;
            uint256 word = uint256(uint160(snap.asset[slot])) | (uint256(livePlusOne) << 160);
            assembly ("memory-safe") {
                sstore(entry.slot, word)
            }
        }
        books.pendingLoss = SafeCast.toUint128(books.pendingLoss + est);
        emit Kick(id, account, snap.asset[slot], top, plan.lots[slot], plan.tabs[slot], plan.debtParts[slot], est);
    }

    // ================================================================ take
    /// @inheritdoc IDutchAuctionLiquidator
    /// @dev Buys up to `maxCollateral` at the curve's price if it is ≤ `maxPrice`:
    ///
    ///     slice = min(lot, maxCollateral), owe = slice · price
    ///     owe > tab                     → owe = tab, slice = owe / price
    ///     owe < tab, slice < lot and
    ///       tab − owe < dust            → owe = tab − dust (refused when tab ≤ dust), slice = owe / price
    ///
    /// so no tab remainder below `dust` is ever left (Maker's `chost` rule). Each owe splits pro
    /// rata: p/(1+p) to the insurance fund, the rest repays the auction's debt part. Order: all
    /// state, then collateral to `receiver`, then its callback, then `owe` from `msg.sender`.
    /// A loss this take realises is covered (LendingPool._bookLoss) before the owe arrives; the
    /// fund sends what it holds, and the part it covers from this take's own penalty
    /// (`coverFromPenalty`) goes from the taker straight to the pool: nothing is owed afterwards.
    function take(uint256 id, uint256 maxCollateral, uint256 maxPrice, address receiver, bytes calldata data)
        external
        locked
    {
        if (_settings.breaker >= 3) revert BreakerOn(_settings.breaker);
        Auction memory a = _load(id);
        if (a.account == address(0)) revert NotRunning(id);
        // the config's auction word read once: cusp here, dust in _slice
        (bool needsRedo, uint256 price) = _statusBeforeCusp(a);
        uint256 auction = config.packedAuctionParams();
        if (needsRedo || price < a.top.mulDivDownFast(auction.cusp(), WAD)) revert NeedsRedo(id);
        if (maxPrice < price) revert TooExpensive(price, maxPrice);
        if (
            receiver == address(0) || receiver == address(this) || receiver == address(pool)
                || receiver == address(fund) || receiver == address(config) || receiver == address(oracle)
        ) revert BadReceiver(receiver);

        (uint256 slice, uint256 owe) = _slice(a, maxCollateral, price, auction.dust());
        (uint256 toPool, uint256 toFund) = _book(id, a, slice, owe);

        IERC20(a.asset).safeTransfer(receiver, slice);
        if (data.length != 0) IAuctionTaker(receiver).onAuctionTake(msg.sender, slice, owe, data);
        baseToken.safeTransferFrom(msg.sender, address(pool), toPool);
        if (toFund != 0) baseToken.safeTransferFrom(msg.sender, address(fund), toFund);
        emit Take(id, maxPrice, price, owe, a.tab, a.lot, a.account);
    }

    /// @dev The slice bought and its owe, with the tab-only dust rule.
    function _slice(Auction memory a, uint256 maxCollateral, uint256 price, uint256 dust)
        internal
        view
        returns (uint256 slice, uint256 owe)
    {
        slice = Math.min(a.lot, maxCollateral);
        owe = _owe(slice, price, a.scale);
        if (owe > a.tab) {
            owe = a.tab;
            slice = _sliceFor(owe, price, a.scale);
        } else if (owe < a.tab && slice < a.lot) {
            if (a.tab - owe < dust) {
                if (a.tab <= dust) revert NoPartialPurchase(a.tab, dust);
                owe = a.tab - dust;
                slice = _sliceFor(owe, price, a.scale);
            }
        }
    }

    /// @dev Writes a take's state (tab, lot, debt part, Hole usage, the pool's and the fund's
    /// books, the end of the auction and any loss it realises) before any token moves, and says
    /// where the owe goes. The penalty share rounds down (fund income); the debt share takes the
    /// rest, and the take that clears the tab puts all of its owe towards the debt part (what a
    /// tab cannot repay is a shortfall). The penalty is booked before the end of the auction, so
    /// the waterfall may cover the loss with it; that part goes to the pool (`toPool`).
    function _book(uint256 id, Auction memory a, uint256 slice, uint256 owe)
        internal
        returns (uint256 toPool, uint256 toFund)
    {
        uint256 repaid = Math.min(owe == a.tab ? owe : owe - owe.mulDivDownFast(a.penalty, WAD + a.penalty), a.debtPart);
        toFund = owe - repaid; // the penalty share
        a.tab -= owe;
        a.lot -= slice;
        a.debtPart -= repaid;
        bool ends = a.lot == 0 || a.tab == 0;
        // one write of the tab book: an ending auction's remaining tab leaves it too (≤ totalTab)
        _tabs.totalTab -= uint128(ends ? owe + a.tab : owe);
        pool.auctionRepaid(a.account, repaid);
        if (toFund != 0) fund.notifyIncome(IncomeKind.Penalty, toFund);
        toPool = repaid;
        if (ends) {
            // the fund's books hold no tokens it lacks but this penalty: coverFromPenalty ≤ toFund
            uint256 coverFromPenalty = _end(id, a);
            toPool += coverFromPenalty;
            toFund -= coverFromPenalty;
        } else {
            // each only lowered from its stored 128 bits; lot and tab share the record's second
            // slot, written whole (not field by field, each a read and a write)
            StoredAuction storage stored = _auctions[id];
            uint256 lotAndTab = a.lot | (a.tab << 128);
            assembly ("memory-safe") {
                sstore(add(stored.slot, 1), lotAndTab)
            }
            stored.debtPart = uint128(a.debtPart);
        }
    }

    /// @dev Ends an auction: a paid tab returns the rest of the lot to the account; any debt part
    /// left unpaid goes to the pool's shortfall rule. The caller has taken its tab off `totalTab`.
    function _end(uint256 id, Auction memory a) internal returns (uint256 coverFromPenalty) {
        uint256 leftover = a.tab == 0 ? a.lot : 0;
        uint256 unpaid = a.debtPart;
        _remove(id, a.slot, a.est, a.pos);
        if (leftover != 0) IERC20(a.asset).safeTransfer(address(pool), leftover);
        coverFromPenalty = pool.auctionEnded(a.account, a.asset, a.slot, leftover, unpaid);
        _trackChargeBack(a.account, unpaid);
        emit AuctionEnded(id, leftover, unpaid);
    }

    /// @dev DESIGN.md 5: a debt part charged back to an account without collateral (a sibling
    /// auction still live) is a loss nothing answers for; it stays in `pendingLoss` until the
    /// account's last auction ends, when the pool books it (or returned collateral backs it).
    /// A repay meanwhile does not lower it: exits stay priced with the larger loss.
    function _trackChargeBack(address account, uint256 unpaid) internal {
        if (pool.liveAuctions(account) == 0) {
            // `pendingLoss` includes every account's unbacked charge-backs: at 0 (no live auction
            // expects a loss, none waits) this account has none, and its entry (a cold slot) is not read
            uint256 pending = _books.pendingLoss == 0 ? 0 : unbackedChargeBacks[account];
            if (pending != 0) {
                _books.pendingLoss -= uint128(pending); // part of pendingLoss
                unbackedChargeBacks[account] = 0;
            }
        } else if (unpaid != 0 && pool.assetsIn(account) == 0) {
            unbackedChargeBacks[account] += unpaid;
            _books.pendingLoss = SafeCast.toUint128(_books.pendingLoss + unpaid);
        }
    }

    // ================================================================ redo and settle
    /// @inheritdoc IDutchAuctionLiquidator
    /// @dev Restarts an auction older than `tail` or priced below `cusp·top` at a fresh oracle
    /// price (kick's rule: the end better for the borrower) and re-records its `est`. Pays `tip`
    /// at most once per `tail`, the kick counting as a payment, only for a tab and lot ≥ dust.
    function redo(uint256 id, address keeper) external locked {
        if (_settings.breaker >= 2) revert BreakerOn(_settings.breaker);
        Auction memory a = _load(id);
        if (a.account == address(0)) revert NotRunning(id);
        (bool needsRedo,) = _status(a);
        if (!needsRedo) revert CannotRedo(id);

        (, uint256 high) = oracle.priceRange(a.asset);
        (uint256 baseLow,) = oracle.priceRange(address(baseToken));
        uint256 auction = config.packedAuctionParams();
        uint256 est = _estimate(a.debtPart, a.lot, high, a.scale, baseLow);
        _books.pendingLoss = SafeCast.toUint128(_books.pendingLoss - a.est + est);
        a.top = high.mulDivDownFast(auction.buf(), baseLow);
        StoredAuction storage stored = _auctions[id];
        (stored.est, stored.top, stored.tic) =
        (SafeCast.toUint128(est), SafeCast.toUint128(a.top), SafeCast.toUint48(block.timestamp));

        uint256 paid;
        uint256 dust = auction.dust();
        if (
            block.timestamp >= a.lastIncentive + _settings.tail && a.tab >= dust
                && _lotValue(a.lot, high, a.scale, baseLow) >= dust
        ) {
            stored.lastIncentive = SafeCast.toUint48(block.timestamp);
            paid = fund.payIncentive(keeper, config.packedKeeperIncentives().tip());
        }
        emit Redo(id, a.top, a.tab, a.lot, est, keeper, paid);
    }

    /// @inheritdoc IDutchAuctionLiquidator
    /// @dev Allowed (breaker below 2) only for an auction that needs a redo (DESIGN.md 4): when
    /// it has needed one for 3 × tail (it is 4 tails old) and no valid price exists now, or when
    /// its lot is worth less than `dust` at a fresh valid oracle price (never at the kick: a small
    /// lot must first fail to sell). The lot goes to the insurance fund (outside its assets, for
    /// the governor to sell) and the auction ends short under the shortfall rule.
    function settle(uint256 id) external locked {
        if (_settings.breaker >= 2) revert BreakerOn(_settings.breaker);
        Auction memory a = _load(id);
        if (a.account == address(0)) revert NotRunning(id);
        (bool needsRedo,) = _status(a);
        if (!needsRedo) revert CannotSettle(id);
        (bool okAsset,, uint256 high) = oracle.tryPriceRange(a.asset);
        (bool okBase, uint256 baseLow,) = oracle.tryPriceRange(address(baseToken));
        bool stuck = !(okAsset && okBase) && _age(a) > (SETTLE_TAILS + 1) * _settings.tail;
        bool worthless =
            okAsset && okBase && _lotValue(a.lot, high, a.scale, baseLow) < config.packedAuctionParams().dust();
        if (!stuck && !worthless) revert CannotSettle(id);

        uint256 lot = a.lot;
        a.lot = 0;
        _tabs.totalTab -= uint128(a.tab); // a tab is part of totalTab
        _end(id, a);
        IERC20(a.asset).safeTransfer(address(fund), lot);
        fund.holdCollateral(a.asset, lot);
        emit Settle(id, lot, a.debtPart);
    }

    // ================================================================ views
    /// @inheritdoc IDutchAuctionLiquidator
    function curve() external view returns (IPriceCurve) {
        return _settings.curve;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function tail() external view returns (uint256) {
        return _settings.tail;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function breaker() external view returns (uint256) {
        return _settings.breaker;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function lastRestart() external view returns (uint256) {
        return _settings.lastRestart;
    }

    /// @notice The record of auction `id`, field by field (all zero once it has ended): the
    /// account, the asset, its index in `activeAuctions`, start or last redo [unix seconds], last
    /// incentive [unix seconds], 10 ** collateral decimals, penalty [wad], lot [token units], tab
    /// and debt part [base units], top [wad base per whole token], est [base units].
    function auctions(uint256 id)
        external
        view
        returns (
            address account,
            address asset,
            uint64 pos,
            uint64 tic,
            uint64 lastIncentive,
            uint256 scale,
            uint256 penalty,
            uint256 lot,
            uint256 tab,
            uint256 debtPart,
            uint256 top,
            uint256 est
        )
    {
        Auction memory a = _load(id);
        return
            (
                a.account,
                a.asset,
                a.pos,
                a.tic,
                a.lastIncentive,
                a.scale,
                a.penalty,
                a.lot,
                a.tab,
                a.debtPart,
                a.top,
                a.est
            );
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function getStatus(uint256 id) external view returns (bool needsRedo, uint256 price, uint256 lot, uint256 tab) {
        Auction memory a = _load(id);
        if (a.account == address(0)) return (false, 0, 0, 0);
        (needsRedo, price) = _status(a);
        return (needsRedo, price, a.lot, a.tab);
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function liveAuctionsOfAsset(address asset) external view returns (uint256 live) {
        // a relisted asset may name an old slot too, whose count is then 0
        for (uint256 i; i < MAX_COLLATERALS; ++i) {
            SlotAuctions memory entry = _bySlot[i];
            if (entry.asset == asset && entry.livePlusOne != 0) live += entry.livePlusOne - 1;
        }
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function activeAuctions() external view returns (uint256[] memory ids) {
        ids = new uint256[](_books.active);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = _activeAt(i);
        }
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function activeCount() external view returns (uint256) {
        return _books.active;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function hole() external view returns (uint256) {
        return _tabs.hole;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function totalTab() external view returns (uint256) {
        return _tabs.totalTab;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function pendingLoss() external view returns (uint256) {
        return _books.pendingLoss;
    }

    /// @inheritdoc IDutchAuctionLiquidator
    function kicks() external view returns (uint256) {
        return _books.nextId - 1;
    }

    // ================================================================ internals
    /// @dev Age from the later of the start and the last breaker lowering from 2 or 3.
    function _age(Auction memory a) internal view returns (uint256) {
        return block.timestamp - Math.max(a.tic, _settings.lastRestart);
    }

    /// @dev An auction started (or last redone) before the last lowering of the breaker from 2 or
    /// 3 was live during the stop: it needs a redo, so nothing resumes at a pre-stop price.
    function _status(Auction memory a) internal view returns (bool needsRedo, uint256 price) {
        (needsRedo, price) = _statusBeforeCusp(a);
        // the config is read only when the age did not decide already
        if (!needsRedo) needsRedo = price < a.top.mulDivDownFast(config.packedAuctionParams().cusp(), WAD);
    }

    /// @dev `_status` without the price floor (`cusp·top`), for a caller that holds the word.
    function _statusBeforeCusp(Auction memory a) internal view returns (bool needsRedo, uint256 price) {
        Settings memory settings = _settings;
        uint256 age = block.timestamp - Math.max(a.tic, settings.lastRestart); // `_age`, settings read once
        price = settings.curve.price(a.top, age);
        needsRedo = a.tic < settings.lastRestart || age > settings.tail;
    }

    /// @dev Takes auction `id` off the books: its `est` off `pendingLoss`, its position `pos`
    /// (from its record, as loaded) refilled by the last live auction (swap-and-pop), its record
    /// deleted.
    function _remove(uint256 id, uint256 slot, uint256 est, uint256 pos) internal {
        StoredAuction storage stored = _auctions[id];
        _bySlot[slot].livePlusOne -= 1;
        AuctionBook memory books = _books;
        books.pendingLoss -= uint128(est); // part of pendingLoss
        uint256 last = --books.active;
        if (pos != last) {
            uint256 moved = _activeAt(last);
            _setActiveAt(pos, moved);
            _auctions[moved].pos = uint24(pos);
        }
        // the id at `last` is left as it is (past `active`, never read): the next kick
        // overwrites a non-zero slot instead of paying for a fresh one
        _writeBooks(books);
        // the record's four words zeroed whole (`delete` clears a struct field by field)
        assembly ("memory-safe") {
            let p := stored.slot
            sstore(p, 0)
            sstore(add(p, 1), 0)
            sstore(add(p, 2), 0)
            sstore(add(p, 3), 0)
        }
    }

    /// @dev `_books = books` in one write of its slot (the struct's fields from the low bits up;
    /// each already within its width, kept by checked arithmetic on the narrow fields):
    /// assigning the struct reads and writes the slot once per field.
    function _writeBooks(AuctionBook memory books) internal {
        uint256 word = uint256(books.pendingLoss) | (uint256(books.nextId) << 128) | (uint256(books.active) << 192);
        assembly ("memory-safe") {
            sstore(_books.slot, word)
        }
    }

    /// @dev The id at position `pos` of the live list.
    function _activeAt(uint256 pos) internal view returns (uint256) {
        return (_activeIds[pos >> 2] >> ((pos & 3) << 6)) & type(uint64).max;
    }

    /// @dev Puts `id` (< 2^64) at position `pos` of the live list, leaving its slot's other ids.
    function _setActiveAt(uint256 pos, uint256 id) internal {
        uint256 shift = (pos & 3) << 6;
        uint256 word = _activeIds[pos >> 2];
        _activeIds[pos >> 2] = (word & ~(uint256(type(uint64).max) << shift)) | (id << shift);
    }

    /// @dev The stored record unpacked (a zero record when the auction is not running); the
    /// asset named by its slot's entry. Its four words are read whole and split by the layout of
    /// `StoredAuction` (fields from the low bits up, in declaration order; AuctionRecord.t.sol
    /// reads every field back): copying the struct to memory read one word per field.
    function _load(uint256 id) internal view returns (Auction memory a) {
        StoredAuction storage stored = _auctions[id];
        uint256 w0;
        uint256 w1;
        uint256 w2;
        uint256 w3;
        assembly ("memory-safe") {
            let p := stored.slot
            w0 := sload(p)
            w1 := sload(add(p, 1))
            w2 := sload(add(p, 2))
            w3 := sload(add(p, 3))
        }
        (a.account, a.tic, a.lastIncentive) = (address(uint160(w0)), uint48(w0 >> 160), uint48(w0 >> 208));
        (a.lot, a.tab, a.debtPart, a.est) = (uint128(w1), w1 >> 128, uint128(w2), w2 >> 128);
        (a.top, a.penalty, a.pos, a.slot) = (uint128(w3), uint64(w3 >> 128), uint24(w3 >> 192), uint8(w3 >> 224));
        if (a.account != address(0)) (a.asset, a.scale) = (_bySlot[a.slot].asset, 10 ** uint8(w3 >> 216));
    }

    /// @dev [base units] owed for `slice` at `price` (wad base per whole token), rounded up.
    function _owe(uint256 slice, uint256 price, uint256 scale) internal view returns (uint256) {
        return slice.mulDivUpFast(price, scale).mulDivUpFast(BASE_SCALE, WAD);
    }

    /// @dev [token units] bought by `owe` at `price`, rounded down.
    function _sliceFor(uint256 owe, uint256 price, uint256 scale) internal view returns (uint256) {
        return owe.mulDivDownFast(WAD, BASE_SCALE).mulDivDownFast(scale, price);
    }

    /// @dev Oracle value of a lot in base units, rounded down (and up for tabs).
    function _lotValue(uint256 lot, uint256 price, uint256 scale, uint256 basePrice) internal view returns (uint256) {
        return lot.mulDivDownFast(price, scale).mulDivDownFast(BASE_SCALE, basePrice);
    }

    function _lotValueUp(uint256 lot, uint256 price, uint256 scale, uint256 basePrice) internal view returns (uint256) {
        return lot.mulDivUpFast(price, scale).mulDivUpFast(BASE_SCALE, basePrice);
    }

    /// @dev est = max(0, debtPart − lot value at the oracle price), rounded up.
    function _estimate(uint256 debtPart, uint256 lot, uint256 price, uint256 scale, uint256 basePrice)
        internal
        view
        returns (uint256)
    {
        uint256 value = _lotValue(lot, price, scale, basePrice);
        return debtPart > value ? debtPart - value : 0;
    }

    function _toBase(uint256 valueWad, MarketSnapshot memory snap) internal view returns (uint256) {
        return valueWad.mulDivDownFast(BASE_SCALE, snap.baseLow);
    }

    function _toBaseUp(uint256 valueWad, MarketSnapshot memory snap) internal view returns (uint256) {
        return valueWad.mulDivUpFast(BASE_SCALE, snap.baseLow);
    }

    function _fromBase(uint256 amount, MarketSnapshot memory snap) internal view returns (uint256) {
        return amount.mulDivUpFast(snap.baseLow, BASE_SCALE);
    }
}
