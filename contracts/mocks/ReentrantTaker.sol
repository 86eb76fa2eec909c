// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IAuctionTaker} from "../../interfaces/IAuctionTaker.sol";
import {IDutchAuctionLiquidator} from "../../interfaces/IDutchAuctionLiquidator.sol";
import {ILendingPool} from "../../interfaces/ILendingPool.sol";
import {IInsuranceFund} from "../../interfaces/IInsuranceFund.sol";

/// @title ReentrantTaker
/// @notice A malicious take receiver (tests only): from its `onAuctionTake` callback it calls back
/// into the pool, the liquidator or the insurance fund, and lets that call's revert bubble up,
/// so a test sees exactly which error the shared lock (DESIGN.md 7) answers with.
/// `Target.None` does nothing and pays: the control case.
contract ReentrantTaker is IAuctionTaker {
    enum Target {
        None,
        PoolSupply,
        PoolRepay,
        PoolDepositCollateral,
        PoolWithdraw,
        PoolAccrueInterest,
        LiquidatorTake,
        LiquidatorKick,
        LiquidatorRedo,
        LiquidatorSettle,
        FundDeposit,
        FundRequestWithdraw,
        FundRedeem
    }

    ILendingPool public immutable pool;
    IDutchAuctionLiquidator public immutable liquidator;
    IInsuranceFund public immutable fund;
    IERC20 public immutable base;

    constructor(ILendingPool pool_, IDutchAuctionLiquidator liquidator_, IInsuranceFund fund_) {
        pool = pool_;
        liquidator = liquidator_;
        fund = fund_;
        base = IERC20(address(pool_.baseToken()));
        base.approve(address(liquidator_), type(uint256).max);
        base.approve(address(pool_), type(uint256).max);
        base.approve(address(fund_), type(uint256).max);
    }

    /// @notice Takes from auction `id` with this contract as receiver and payer; the callback
    /// then calls `target` (with `account` and `asset` where needed).
    function takeAndReenter(
        uint256 id,
        uint256 maxCollateral,
        uint256 maxPrice,
        Target target,
        address account,
        address asset
    ) external {
        liquidator.take(id, maxCollateral, maxPrice, address(this), abi.encode(target, id, account, asset));
    }

    /// @inheritdoc IAuctionTaker
    function onAuctionTake(address, uint256 collateral, uint256, bytes calldata data) external {
        (Target target, uint256 id, address account, address asset) =
            abi.decode(data, (Target, uint256, address, address));
        if (target == Target.PoolSupply) pool.supply(1, address(this));
        else if (target == Target.PoolRepay) pool.repay(1, account);
        else if (target == Target.PoolDepositCollateral) pool.depositCollateral(asset, collateral, account);
        else if (target == Target.PoolWithdraw) pool.withdraw(1, address(this));
        else if (target == Target.PoolAccrueInterest) pool.accrueInterest();
        else if (target == Target.LiquidatorTake) liquidator.take(id, 1, type(uint256).max, address(this), "");
        else if (target == Target.LiquidatorKick) liquidator.kick(account, address(this));
        else if (target == Target.LiquidatorRedo) liquidator.redo(id, address(this));
        else if (target == Target.LiquidatorSettle) liquidator.settle(id);
        else if (target == Target.FundDeposit) fund.deposit(1, address(this));
        else if (target == Target.FundRequestWithdraw) fund.requestWithdraw(0);
        else if (target == Target.FundRedeem) fund.redeem(0, address(this), address(this));
    }
}
