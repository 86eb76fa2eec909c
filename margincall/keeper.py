"""A keeper for one market: margin calls, kicks, redoes, settles and flash takes (DESIGN.md 3, 4, 8).

One pass (``Keeper.run_once``):

1. check the deployment is still there (a chain restarted under the keeper has lost it:
   ``DeployError``, the keeper stops);
2. ``poke`` the oracle for every listed collateral whose primary feed has a round it has not
   consumed (``needsPoke``): volatility is written off the user path (DESIGN.md 11), by keepers
   and kicks; a borrow only reads it. These pokes are ``Keeper.pokes`` (kind "poke", subject the
   asset's symbol), kept apart from the actions on accounts and auctions that the pass returns
   (and from ``current_pass``);
3. discover borrowers from the pool's ``CollateralDeposited`` and ``Borrowed`` events since the
   deployment block (only new blocks on later passes);
4. read them through ``PoolLens.accounts`` in batches of at most 500, at one snapshot each;
   accounts whose ``priceOk`` is false are skipped (nothing can be done on a bad price);
5. ``issueMarginCall`` for every MarginCall account without a live call, ``clearMarginCall``
   for every Healthy account that still has one, ``kick`` every Liquidatable account (unless it
   has live auctions and no collateral left: nothing to seize); on a market deployed with the
   lab's fixed-spread baseline, ``liquidationCall`` instead (``margincall.fixed_spread`` chooses
   the asset and the debt to cover by the close factor; the keeper pays from its own base
   balance, approving the liquidator first, and keeps the collateral; its row shows the profit
   at the oracle price);
6. for each active auction (none under the fixed-spread baseline): ``settle`` when the liquidator would accept it (a stuck or worthless
   lot; checked by a call first), else ``redo`` when ``getStatus`` says it needs one; else, with
   a ``FlashTaker`` (owned by the keeper's account) and a ``MockAMM`` for the lot's asset, take
   the whole lot when the AMM's quote for it covers the owe by ``margin_bps``; else leave it.

Every transaction may lose a race (another keeper sent the same one first, or the state moved
between the read and the send). With ``simulate`` (the default) each one is first run as an
``eth_call`` (the gas estimate) and not sent when it would revert: the action records the
protocol's error with no transaction, and no gas is spent. A race lost between the simulation
and the block (or every race, with ``simulate=False``) is mined and reverts: a revert with one
of the protocol's named errors is recorded as the action's outcome, never raised.
``current_pass`` holds the actions of the pass under way, so that an interrupted pass can still
report what it already mined. Anything else (an unknown revert) is
raised. ``run`` retries a pass whose RPC failed, with backoff, and gives up with
``retry.RpcUnavailable`` after ``retries`` failures in a row.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

from .borrowers import Borrowers
from .chain import MAX_UINT
from .deploy import Market
from .errors import HarnessError, ProtocolError
from .fixed_spread import LiquidationPlan, plan_liquidation_call
from .retry import with_retries
from .session import Receipt, address_of
from .status import AccountStatus
from .units import fmt_units

log = logging.getLogger(__name__)

WAD = 10**18
OK = "ok"


@dataclass(frozen=True)
class Action:
    """One transaction the keeper sent and how it ended."""

    kind: str  # "poke" | "call" | "clear" | "kick" | "redo" | "settle" | "take"; fixed spread: "approve" | "liquidationCall"
    subject: str  # account address, or auction id
    tx: str | None  # transaction hash (a reverted transaction has one too)
    outcome: str  # "ok", or the protocol's error name when it lost a race ("NotLiquidatable")
    detail: str = ""  # the full revert message, or what the take earned

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Keeper:
    """Keeps one market from one account.

    ``market`` is a ``Market`` or a framework's view of one (``.core``); ``sender`` the account
    that sends (an address, a ``Signer``, or any object with ``.address`` the session can send
    from). ``taker`` is a deployed ``FlashTaker`` owned by ``sender``; ``amms`` maps a collateral
    symbol to the ``MockAMM`` the taker sells it on. Without them the keeper never takes.
    ``margin_bps``: a lot is taken when the AMM pays at least owe · (1 + margin_bps / 10⁴), and
    the take itself requires that profit on-chain (FlashTaker's ``minProfit``).
    """

    def __init__(
        self,
        market: Any,
        sender: Any,
        taker: Any = None,
        amms: dict[str, Any] | None = None,
        margin_bps: int = 100,
        clear_calls: bool = True,
        simulate: bool = True,
    ):
        self.market: Market = market.core
        chain = self.market.chain
        self.sender = chain.signer_for(sender)
        self.taker = chain.contract("FlashTaker", address_of(taker)) if taker is not None else None
        self.amms = {
            self.market.collaterals[s].token.address: chain.contract("MockAMM", address_of(amm))
            for s, amm in (amms or {}).items()
        }
        if margin_bps < 0:
            raise HarnessError(f"margin_bps {margin_bps}: must be 0 or more (basis points of profit over the owe)")
        self.margin_bps = margin_bps
        self.clear_calls = clear_calls
        self.simulate = simulate
        self.borrowers = Borrowers(self.market)
        self.current_pass: list[Action] = []  # actions of the pass under way (an interrupt reports them)
        self.pokes: list[Action] = []  # the oracle pokes of the last pass

    # ------------------------------------------------------------------ one pass
    def run_once(self) -> list[Action]:
        """Check the deployment, poke the oracle, discover, read, act on accounts, then on
        auctions. Returns the actions on accounts and auctions (the pokes: ``self.pokes``)."""
        self.current_pass = []
        self.check_deployment()
        self.pokes = self.poke_oracle()
        return self.act_on_accounts(self.read_accounts()) + self.act_on_auctions()

    def poke_oracle(self) -> list[Action]:
        """``poke`` every listed collateral whose primary feed has a round the oracle has not
        consumed, so the estimator keeps up with the feed: the ``volatility`` view folds in at
        most ``maxRoundsPerPoke`` pending rounds (DESIGN.md 3, 11)."""
        oracle = self.market.oracle
        return [
            self._send("poke", symbol, oracle.fn.poke(asset.token.address), in_pass=False)
            for symbol, asset in self.market.collaterals.items()
            if oracle.call.needsPoke(asset.token.address)
        ]

    def check_deployment(self) -> None:
        """Raise ``DeployError`` when the chain was restarted under the keeper (``Borrowers.check_chain``)."""
        self.borrowers.check_chain("keeper")

    def run(
        self,
        interval: float,
        stop_after: int | None = None,
        on_pass: Callable[[list[Action]], Any] | None = None,
        on_retry: Callable[[int, float, BaseException], Any] | None = None,
        retries: int = 5,
        backoff: float = 1.0,
    ) -> list[Action]:
        """Passes every ``interval`` seconds, forever or ``stop_after`` passes; ``on_pass`` sees
        each pass's actions. A pass whose RPC fails is retried after ``backoff`` seconds,
        doubling each time (``on_retry(attempt, delay, error)`` hears of each); after
        ``retries`` failures in a row ``RpcUnavailable`` is raised. A vanished deployment raises
        ``DeployError`` at once."""
        done: list[Action] = []
        passes = 0
        while stop_after is None or passes < stop_after:
            actions = with_retries(self.run_once, retries, backoff, on_retry)
            done += actions
            if on_pass is not None:
                on_pass(actions)
            passes += 1
            if stop_after is None or passes < stop_after:
                time.sleep(interval)
        return done

    # ------------------------------------------------------------------ accounts
    def read_accounts(self) -> list[tuple[str, Any]]:
        """(account, AccountState) for every borrower seen so far (``Borrowers.states``)."""
        return self.borrowers.states()

    def act_on_accounts(self, states: list[tuple[str, Any]]) -> list[Action]:
        pool, liq = self.market.pool, self.market.liquidator
        actions = []
        for account, s in states:
            if not s.priceOk:
                continue
            status, called = AccountStatus(s.status), s.callDeadline != 0
            if status is AccountStatus.MarginCall and not called:
                actions.append(self._send("call", account, pool.fn.issueMarginCall(account)))
            elif status is AccountStatus.Healthy and called and self.clear_calls:
                actions.append(self._send("clear", account, pool.fn.clearMarginCall(account)))
            elif status is AccountStatus.Liquidatable and self.market.liquidator_kind == "fixed-spread":
                if s.assetsIn != 0:
                    actions += self._liquidation_call(account, s)
            elif status is AccountStatus.Liquidatable and not (s.liveAuctions and s.assetsIn == 0):
                kick = liq.fn.kick(account, self.sender.address)
                actions.append(self._send("kick", account, kick, detail=self._kick_detail))
        return actions

    # ------------------------------------------------------------------ the fixed-spread baseline
    def _liquidation_call(self, account: str, state: Any) -> list[Action]:
        """``liquidationCall`` on a Liquidatable account of a fixed-spread market: the asset and
        the debt to cover as ``margincall.fixed_spread`` chooses them, paid from the keeper's own
        base balance (the liquidator approved for it first), the collateral to the keeper."""
        base, liq = self.market.base, self.market.liquidator
        balance = base.token.call.balanceOf(self.sender.address)
        plan = plan_liquidation_call(self.market, account, budget=balance)
        if plan is None:
            return []
        if plan.debt_to_cover == 0:
            action = Action(
                "liquidationCall", account, None, "NoBaseBalance",
                f"the keeper {self.sender.address} holds no {base.symbol} to pay the debt it would cover "
                f"({self._base(plan.max_cover)}); fund it (not sent)",
            )  # fmt: skip
            self.current_pass.append(action)
            return [action]
        actions = []
        need = min(plan.debt_to_cover, balance)
        if base.token.call.allowance(self.sender.address, liq.address) < need:
            approve = base.token.fn.approve(liq.address, MAX_UINT)
            actions.append(self._send("approve", liq.address, approve, detail=lambda r: f"{base.symbol} for the liquidator"))
        asset = self.market.collaterals[plan.asset]
        call = liq.fn.liquidationCall(account, asset.token.address, plan.debt_to_cover, self.sender.address)
        actions.append(
            self._send("liquidationCall", account, call, detail=lambda r: self._liquidation_detail(r, plan, state.debt))
        )
        return actions

    def _liquidation_detail(self, receipt: Receipt, plan: LiquidationPlan, debt: int) -> str:
        """What the call bought, for how much of the debt, and the keeper's profit at the oracle
        price (the collateral's value less the debt paid: the asset's penalty as a bonus)."""
        (e,) = receipt.event("LiquidationCall")
        asset, base = self.market.collaterals[plan.asset], self.market.base
        base_price = self.market.oracle.call.getPrice(base.token.address)
        value = e["collateralSeized"] * int(plan.price * WAD) * 10**base.decimals // (10**asset.decimals * base_price)
        return (
            f"profit {self._base(value - e['debtCovered'])} at the oracle price: bought "
            f"{fmt_units(e['collateralSeized'], asset.decimals, 4)} {plan.asset} for {self._base(e['debtCovered'])} "
            f"of the {self._base(debt)} debt"
        )

    # ------------------------------------------------------------------ auctions
    def act_on_auctions(self) -> list[Action]:
        liq = self.market.liquidator
        actions: list[Action] = []
        if self.market.liquidator_kind != "dutch":  # the fixed-spread baseline holds no auctions
            return actions
        for id_ in liq.call.activeAuctions():
            if self._can_settle(id_):
                actions.append(self._send("settle", str(id_), liq.fn.settle(id_)))
                continue
            needs_redo, price, lot, tab = liq.call.getStatus(id_)
            if needs_redo:
                actions.append(self._send("redo", str(id_), liq.fn.redo(id_, self.sender.address)))
            elif self.taker is not None:
                action = self._maybe_take(id_, price, lot, tab)
                if action is not None:
                    actions.append(action)
        return actions

    def _can_settle(self, id_: int) -> bool:
        """Whether the liquidator would accept ``settle(id)`` now (the same call, not sent)."""
        try:
            self.market.liquidator.call.settle(id_, sender=self.sender.address)
        except ProtocolError:
            return False
        return True

    def _maybe_take(self, id_: int, price: int, lot: int, tab: int) -> Action | None:
        """Take the whole lot through the FlashTaker when the AMM's quote for what the take
        buys covers the owe by the margin (the owe and slice as the liquidator computes them)."""
        auction = self.market.liquidator.call.auctions(id_)
        amm = self.amms.get(auction.asset)
        if amm is None or price == 0 or lot == 0:
            return None
        base_scale, scale = 10**self.market.base.decimals, auction.scale
        owe = -(-lot * price * base_scale // (scale * WAD))  # rounded up
        sold = lot
        if owe > tab:  # the tab is paid before the lot is gone: the slice shrinks
            owe = tab
            sold = tab * WAD * scale // (base_scale * price)
        proceeds = amm.call.quote(auction.asset, sold)
        min_profit = owe * self.margin_bps // 10_000
        if proceeds < owe + min_profit:
            return None
        return self._send(
            "take",
            str(id_),
            self.taker.fn.take(id_, lot, price, amm.address, min_profit),
            detail=lambda r: f"profit {self._base(r.event('FlashTaken')[0]['profit'])}, lot sold for "
            f"{self._base(r.event('FlashTaken')[0]['owe'])} owed",
        )

    def _base(self, amount: int) -> str:
        """An amount of the base token in whole tokens, exact, with its symbol (``960.535237 USDC``)."""
        base = self.market.base
        return f"{fmt_units(amount, base.decimals, base.decimals)} {base.symbol}"

    def _kick_detail(self, receipt: Receipt) -> str:
        """The kick's incentive and each auction's lot and tab."""
        paid = sum(e["paid"] for e in receipt.event("KickIncentive"))
        symbols = {a.token.address: (s, a.decimals) for s, a in self.market.collaterals.items()}
        parts = [f"incentive {self._base(paid)}"]
        for e in receipt.event("Kick"):
            symbol, decimals = symbols.get(e["asset"], ("?", 18))
            parts.append(f"auction {e['id']}: lot {fmt_units(e['lot'], decimals, 4)} {symbol}, tab {self._base(e['tab'])}")
        return "; ".join(parts)

    # ------------------------------------------------------------------ sending
    def _send(
        self, kind: str, subject: str, function: Any, detail: Callable[[Receipt], str] | None = None, in_pass: bool = True
    ) -> Action:
        """Send one transaction; a revert with a protocol error becomes the outcome. ``in_pass``:
        recorded in ``current_pass`` (the pass's actions on accounts and auctions; not the pokes)."""
        try:
            receipt = self.market.chain.send(function, sender=self.sender, broadcast_reverts=not self.simulate)
        except ProtocolError as exc:
            if exc.name in ("Revert", "UnknownError", "Panic"):
                raise
            log.info("%s %s lost a race: %s", kind, subject, exc.message)
            why = exc.message if exc.tx else f"{exc.message.rstrip(': ')} (simulated, not sent: no gas spent)"
            action = Action(kind, subject, exc.tx, exc.name, why)
        else:
            action = Action(kind, subject, receipt.tx, OK, detail(receipt) if detail else "")
        if in_pass:
            self.current_pass.append(action)
        return action

