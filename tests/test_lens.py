"""PoolLens (DESIGN.md 9): one snapshot per call, the pool's own ladder per account, a
``priceOk`` flag instead of a reverted batch, liquidation price and drop, and 500 accounts
within the 16,777,216 gas cap of one transaction."""

import time

import pytest
from brownie import web3

from tests.model.call_level import HEALTHY, LIQUIDATABLE, MARGIN_CALL
from tests.model.fixed_point import MAX_UINT, WAD, div_up
from tests.support.actions import open_position
from tests.support.chain_time import latest_block, mine_at_least
from tests.support.units import HOUR, USDC, WBTC, WETH

TX_GAS_CAP = 16_777_216


# ------------------------------------------------------------------ helpers
def lens_states(lens, accounts, **kw):
    """The AccountStates of one ``lens.accounts`` call (its second value is the snapshot)."""
    return lens.accounts(accounts, **kw)[0]


def lens_rows(lens, accounts, block):
    """{account: AccountState} from one ``lens.accounts`` call (rows come in the list's order)."""
    states, snap = lens.accounts(accounts, block_identifier=block)
    assert len(states) == len(accounts)
    return dict(zip(accounts, states))


def check_rows(market, accounts, block, held_by=None):
    """Every lens row equals the lens' single-account ``accountState`` at the same block, field
    by field, and agrees with the pool's own ``healthFactor`` and ``accountStatus`` (priced rows),
    and the liquidation price and drop equal their formulas recomputed here:
    price = ⌈high · debtValue / liquidationValue⌉ for a single collateral, drop = 1 −
    ⌈debtValue / liquidationValue⌉ while HF > 1. ``held_by`` {account: [tokens]} skips reading
    the balances when the caller knows them. Returns the rows."""
    pool, oracle = market.pool, market.oracle
    rows = lens_rows(market.lens, accounts, block)
    assets = [a.token for a in market.collaterals.values()]
    highs = {a: oracle.tryPriceRange(a, block_identifier=block)[2] for a in assets}
    for account in accounts:
        row = rows[account]
        assert row == market.lens.accountState(account, block_identifier=block), account
        if row["priceOk"]:
            assert row["healthFactor"] == pool.healthFactor(account, block_identifier=block), account
            assert row["status"] == pool.accountStatus(account, block_identifier=block), account
        assert row["debtInAuction"] == 0 and row["liveAuctions"] == 0  # nothing kicked here
        drop = price = 0
        if row["priceOk"] and row["debt"] and row["liquidationValue"]:
            if row["liquidationValue"] > row["debtValue"]:
                drop = WAD - div_up(row["debtValue"] * WAD, row["liquidationValue"])
            if held_by is None:
                held = [a for a in assets if pool.collateralOf(account, a, block_identifier=block)]
            else:
                held = held_by[account]
            if len(held) == 1:
                price = div_up(highs[held[0]] * row["debtValue"], row["liquidationValue"])
        assert row["liquidationDrop"] == drop, account
        assert row["liquidationPrice"] == price, account
    return rows


def open_many(factory, market, amounts: dict, debt: int, count: int, sender, batch: int = 20):
    """``count`` contract accounts, each holding ``amounts`` {symbol: units} and owing ``debt``."""
    tokens = [market.collaterals[s].token for s in amounts]
    units = list(amounts.values())
    first = factory.count()
    while count > 0:
        n = min(batch, count)
        # straight through web3: 25 heavy transactions, no need for Brownie's receipt handling
        tx_hash = web3.eth.send_transaction(
            {"from": sender.address, "to": factory.address, "gas": TX_GAS_CAP,
             "data": factory.open.encode_input(market.pool, tokens, units, debt, n)}
        )
        assert web3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
        count -= n
    return list(factory.accounts())[first:]


# ------------------------------------------------------------------ one batch = the pool's view
@pytest.fixture
def mixed_accounts(market, pool, position_factory, weth_feed, wbtc_feed, supplier, keeper, liquidity, governor):
    """Five accounts (contract accounts from the factory, plus the supplier): WETH only, in
    MarginCall and called; WETH + WBTC, Healthy; WBTC only, Liquidatable; collateral without
    debt; nothing at all."""
    weth_only = open_many(position_factory, market, {"WETH": 10 * WETH}, 15_000 * USDC, 1, keeper)[0]
    both = open_many(position_factory, market, {"WETH": 5 * WETH, "WBTC": WBTC // 2}, 20_000 * USDC, 1, keeper)[0]
    wbtc_only = open_many(position_factory, market, {"WBTC": WBTC}, 38_000 * USDC, 1, keeper)[0]
    no_debt = open_many(position_factory, market, {"WETH": WETH}, 0, 1, keeper)[0]
    weth_feed.setPrice(1_900 * 10**8, {"from": governor})  # weth_only: HF 1.077, MarginCall
    pool.issueMarginCall(weth_only, {"from": keeper})
    wbtc_feed.setPrice(40_000 * 10**8, {"from": governor})  # wbtc_only: HF 0.84
    return [weth_only, both, wbtc_only, no_debt, supplier.address]


def test_lens_rows_equal_the_pool_state(market, mixed_accounts):
    block, _ = latest_block()
    rows = check_rows(market, mixed_accounts, block)
    weth_only, both, wbtc_only, no_debt, empty = mixed_accounts
    assert rows[weth_only]["status"] == MARGIN_CALL and rows[weth_only]["callDeadline"] > 0
    assert rows[weth_only]["liquidationPrice"] > 0
    assert rows[wbtc_only]["status"] == LIQUIDATABLE and rows[wbtc_only]["liquidationDrop"] == 0
    assert rows[both]["liquidationPrice"] == 0 and rows[both]["liquidationDrop"] > 0
    assert rows[no_debt]["healthFactor"] == MAX_UINT and rows[no_debt]["debt"] == 0
    assert rows[empty]["collateralValue"] == 0 and rows[empty]["priceOk"]


@pytest.mark.parametrize("fault", ["stale", "reverting"])
def test_a_bad_wbtc_price_flags_only_its_holders(
    market, mixed_accounts, usdc_feed, weth_feed, wbtc_feed, governor, fault
):
    if fault == "stale":
        mine_at_least(HOUR + 60)
        for feed in (usdc_feed, weth_feed):  # WBTC's feed is left stale
            feed.setPrice(feed.latestRoundData()[1], {"from": governor})
    else:
        wbtc_feed.setReverting(True, {"from": governor})
    block, _ = latest_block()
    rows = check_rows(market, mixed_accounts, block)  # the batch does not revert
    weth_only, both, wbtc_only, no_debt, empty = mixed_accounts
    for who in (both, wbtc_only):
        assert not rows[who]["priceOk"]
        assert (rows[who]["healthFactor"], rows[who]["status"], rows[who]["liquidationPrice"]) == (0, HEALTHY, 0)
    for who in (weth_only, no_debt, empty):
        assert rows[who]["priceOk"]
    assert rows[weth_only]["status"] == MARGIN_CALL


def test_a_bad_base_price_flags_every_account_without_reverting(market, mixed_accounts, usdc_feed, governor):
    usdc_feed.setReverting(True, {"from": governor})
    block, _ = latest_block()
    rows = check_rows(market, mixed_accounts, block)
    assert not any(r["priceOk"] for r in rows.values())


# ------------------------------------------------------------------ liquidation price and drop
def hf_with(market, account):
    return market.lens.accountState(account)["healthFactor"]


@pytest.mark.parametrize("symbol, amount, debt", [("WETH", 7 * WETH + 123_456_789, 13_333_333_333),
                                                  ("WBTC", WBTC // 3, 12_345_678_901)])
def test_liquidation_price_single_collateral(market, pool, borrower, liquidity, zero_rate, governor,
                                             symbol, amount, debt):
    """liquidationPrice = ⌈price · debtValue / liquidationValue⌉ (wad). The feed has 8 decimals:
    at the liquidation price rounded up to a feed unit HF ≥ 1; one feed unit lower HF < 1."""
    asset = market.collaterals[symbol]
    open_position(market, borrower, {symbol: amount}, debt)
    block, _ = latest_block()
    row = check_rows(market, [borrower], block)[borrower]
    s = market.lens.accountState(borrower)
    assert row["liquidationPrice"] == div_up(market.oracle.getPrice(asset.token) * s["debtValue"],
                                             s["liquidationValue"])
    answer = div_up(row["liquidationPrice"], 10**10)  # feed units, rounded up
    asset.feed.setPrice(answer, {"from": governor})
    hf = hf_with(market, borrower)
    assert WAD <= hf < WAD + WAD // 10**6
    assert pool.accountStatus(borrower) == MARGIN_CALL
    # the lens at the new price: the liquidation price stays (it depends on debt and amount only)
    assert abs(lens_states(market.lens, [borrower])[0]["liquidationPrice"] - row["liquidationPrice"]) <= 1
    asset.feed.setPrice(answer - 1, {"from": governor})
    assert hf_with(market, borrower) < WAD
    assert pool.accountStatus(borrower) == LIQUIDATABLE


def test_liquidation_drop_two_collaterals(market, pool, weth, wbtc, weth_feed, wbtc_feed, borrower, liquidity,
                                          zero_rate, governor):
    """liquidationDrop = 1 − ⌈debtValue / liquidationValue⌉: all collateral prices × (1 − drop)
    bring HF to 1 (within the feeds' 8-decimal resolution)."""
    open_position(market, borrower, {"WETH": 6 * WETH + 987_654_321, "WBTC": WBTC // 7}, 17_777_000_000)
    block, _ = latest_block()
    row = check_rows(market, [borrower], block)[borrower]
    drop = row["liquidationDrop"]
    assert 0 < drop < WAD and row["liquidationPrice"] == 0
    for feed in (weth_feed, wbtc_feed):
        p = feed.latestRoundData()[1]
        feed.setPrice(div_up(p * (WAD - drop), WAD), {"from": governor})
    hf = hf_with(market, borrower)
    assert WAD <= hf < WAD + WAD // 10**6
    for feed in (weth_feed, wbtc_feed):
        feed.setPrice(feed.latestRoundData()[1] * 999_999 // 1_000_000, {"from": governor})
    assert hf_with(market, borrower) < WAD
    assert pool.accountStatus(borrower) == LIQUIDATABLE


def test_call_deadline(market, pool, weth, weth_feed, usdc_feed, wbtc_feed, borrower, borrower2, keeper, liquidity,
                       governor):
    open_position(market, borrower, {"WETH": 10 * WETH}, 15_000 * USDC)
    open_position(market, borrower2, {"WETH": 10 * WETH}, 15_000 * USDC)
    assert [r["callDeadline"] for r in lens_states(market.lens, [borrower, borrower2])] == [0, 0]
    weth_feed.setPrice(1_900 * 10**8, {"from": governor})
    d1 = pool.issueMarginCall(borrower, {"from": keeper}).events["MarginCallIssued"]["deadline"]
    d2 = pool.issueMarginCall(borrower2, {"from": keeper}).events["MarginCallIssued"]["deadline"]
    grace = market.config.marketParams()["gracePeriod"]
    assert d1 <= d2 and d1 >= latest_block()[1] + grace - 5
    assert [r["callDeadline"] for r in lens_states(market.lens, [borrower, borrower2])] == [d1, d2]
    assert pool.marginCallDeadline(borrower) == d1
    # borrower2 tops up: the call is met and the lens shows no deadline
    weth.mint(borrower2, 5 * WETH, {"from": borrower2})
    weth.approve(pool, 5 * WETH, {"from": borrower2})
    pool.depositCollateral(weth, 5 * WETH, borrower2, {"from": borrower2})
    assert [r["callDeadline"] for r in lens_states(market.lens, [borrower, borrower2])] == [d1, 0]
    # borrower's call lapses gracePeriod after its deadline (Liquidatable in between)
    mine_at_least(d1 + grace - latest_block()[1] - 60)
    for feed in (usdc_feed, weth_feed, wbtc_feed):
        feed.setPrice(feed.latestRoundData()[1], {"from": governor})
    row = lens_states(market.lens, [borrower])[0]
    assert row["callDeadline"] == d1 and row["status"] == LIQUIDATABLE
    mine_at_least(120)
    row = lens_states(market.lens, [borrower])[0]
    assert row["callDeadline"] == 0 and row["status"] == MARGIN_CALL  # a new call is needed


# ------------------------------------------------------------------ 500 accounts in one call
def send(sender, contract, fn: str, *args) -> dict:
    """A transaction straight through web3 (see ``open_many``); returns the receipt."""
    data = getattr(contract, fn).encode_input(*args)
    tx_hash = web3.eth.send_transaction({"from": sender.address, "to": contract.address, "data": data,
                                         "gas": TX_GAS_CAP})
    return web3.eth.wait_for_transaction_receipt(tx_hash)


def test_500_accounts_in_one_call_within_the_gas_cap(
    market, pool, usdc, position_factory, project, supplier, governor, keeper
):
    t_start = time.time()
    caller = project.MockLensCaller.deploy({"from": keeper})
    usdc.mint(supplier, 10_000_000 * USDC, {"from": supplier})
    usdc.approve(pool, 10_000_000 * USDC, {"from": supplier})
    pool.supply(10_000_000 * USDC, supplier, {"from": supplier})
    # half hold both collaterals (the most storage per account), half only WETH (the
    # liquidation-price branch); 20 of those are in MarginCall with a live call
    both = open_many(position_factory, market, {"WETH": 2 * WETH, "WBTC": WBTC // 10}, 5_000 * USDC, 250, keeper)
    weth_only = open_many(position_factory, market, {"WETH": 3 * WETH}, 5_000 * USDC, 250, keeper)
    accounts = both + weth_only
    assert len(set(accounts)) == 500
    send(governor, market.collaterals["WETH"].feed, "setPrice", 2_000 * 10**8)  # weth_only: HF 1.02
    for account in weth_only[:20]:
        assert send(keeper, pool, "issueMarginCall", account)["status"] == 1
    setup_seconds = time.time() - t_start

    # the rows are right: in order, one per account, and (every 10th, to keep the test short)
    # equal to the pool's own state at the same block
    block, _ = latest_block()
    rows, snap = market.lens.accounts(accounts, block_identifier=block)
    assert len(rows) == 500 and snap["ok"]
    assert [r["collateralValue"] for r in rows] == [4_000 * WAD + 6_000 * WAD] * 250 + [6_000 * WAD] * 250
    assert [r["status"] for r in rows] == [HEALTHY] * 250 + [MARGIN_CALL] * 250
    assert sum(r["callDeadline"] != 0 for r in rows) == 20 and all(r["priceOk"] for r in rows)
    weth, wbtc = market.collaterals["WETH"].token, market.collaterals["WBTC"].token
    held_by = {a: [weth, wbtc] for a in both} | {a: [weth] for a in weth_only}
    check_rows(market, accounts[::10] + weth_only[:20], block, held_by)

    # gas: the eth_call's estimate, and a real transaction at the per-transaction cap
    lens = market.lens
    estimate = {n: web3.eth.estimate_gas({"to": lens.address, "data": lens.accounts.encode_input(accounts[:n])})
                for n in (0, 1, 100, 500)}
    receipt = send(keeper, caller, "read", lens, accounts)
    print(
        f"\n[lens 500] setup {setup_seconds:.1f} s, total {time.time() - t_start:.1f} s; "
        f"eth_estimateGas lens.accounts(n): " + ", ".join(f"n={n}: {g:,}" for n, g in estimate.items())
        + f"; tx through MockLensCaller with gas {TX_GAS_CAP:,}: status {receipt['status']}, "
        f"gasUsed {receipt['gasUsed']:,}"
    )
    assert estimate[500] < TX_GAS_CAP, (
        f"PoolLens.accounts(500 accounts) needs {estimate[500]:,} gas, over the {TX_GAS_CAP:,} cap "
        f"(≈{(estimate[500] - estimate[0]) // 500:,} gas per account)"
    )
    assert receipt["status"] == 1 and caller.lastCount() == 500
