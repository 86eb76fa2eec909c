"""Parameter files that break a bound of DESIGN.md 2 are refused in Python, before any
transaction, one line per broken bound naming the parameter as written in the file, its value,
the bound and, for a joint bound, the other parameters it ties (issue 12). What the chain still
refuses is decoded with the asset's symbol and the file's values."""

import copy
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from margincall import cli
from margincall.anvil import LocalAnvil
from margincall.bounds import check_bounds
from margincall.deploy import DeployError, deploy_market
from margincall.params import DEMO_PARAMS, ParamsError, load_params, parse_params
from margincall.session import Chain, Signer

RAW = yaml.safe_load(Path(DEMO_PARAMS).read_text())
THREE = Path(DEMO_PARAMS).parent / "three-collaterals.yaml"


def changed(edit):
    raw = copy.deepcopy(RAW)
    edit(raw)
    return raw


def messages(edit):
    return [str(v) for v in check_bounds(parse_params(changed(edit)))]


def test_the_shipped_parameter_files_break_no_bound():
    assert check_bounds(load_params()) == []
    assert check_bounds(load_params(THREE)) == []


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda r: r["collaterals"]["WETH"].update(liquidation_factor="1.5"),
            [
                "PenaltyTooHigh: collaterals.WETH.liquidation_factor = 1.5 is too high: liquidation_factor × "
                "(1 + liquidation_penalty) = 1.575 must be below 1 (seizing all collateral must cover its tab); "
                "the file has collaterals.WETH.liquidation_factor = 1.5, collaterals.WETH.liquidation_penalty = 0.05"
            ],
        ),
        (
            lambda r: r["market"].update(margin_call_hf="0.90"),
            [
                "BadHealthLadder: market.margin_call_hf = 0.90 must be above 1 (full_liquidation_hf <= 1 < "
                "margin_call_hf <= target_hf <= 2); the file has market.full_liquidation_hf = 0.95, "
                "market.margin_call_hf = 0.90, market.target_hf = 1.25"
            ],
        ),
        (
            lambda r: r["collaterals"]["WBTC"].update(borrow_factor="0.75"),
            [
                "BorrowFactorTooHigh: collaterals.WBTC.borrow_factor = 0.75 is too high: borrow_factor × "
                "market.margin_call_hf = 0.825 must be at most collaterals.WBTC.liquidation_factor; the file has "
                "collaterals.WBTC.borrow_factor = 0.75, market.margin_call_hf = 1.10, "
                "collaterals.WBTC.liquidation_factor = 0.80"
            ],
        ),
        (
            lambda r: r["liquidation"].update(tip="30"),
            [
                "KeeperIncentiveTooHigh: liquidation.tip = 30 is too high: tip + chip × market.dust = 31 USDC "
                "must be at most the smallest penalty × dust / 2 = 25 USDC (a self-kick then a self-take must "
                "lose money); the file has liquidation.tip = 30, liquidation.chip = 0.001, market.dust = 1000, "
                "collaterals.WETH.liquidation_penalty = 0.05"
            ],
        ),
        (
            lambda r: r["liquidation"].update(cusp="0.40"),
            [
                "BadAuctionCurve: liquidation.cusp = 0.40 is too low: cusp × buf = 0.44 must be at least "
                "(1 + the largest penalty) / 2 = 0.535 (a self-kick then a self-take must lose money); the file "
                "has liquidation.cusp = 0.40, liquidation.buf = 1.10, collaterals.WBTC.liquidation_penalty = 0.07"
            ],
        ),
        (lambda r: r["market"].update(grace_period=600), ["BadGracePeriod: market.grace_period = 600 is outside [3,600 s, 86,400 s]"]),
        (lambda r: r["market"].update(reserve_factor="0.6"), ["BadReserveFactor: market.reserve_factor = 0.6 must be at most 0.5"]),
        (lambda r: r["oracle"].update(max_deviation="0"), ["BadMaxDeviation: oracle.max_deviation = 0 is outside [0.000000000000000001, 0.5]"]),
        (
            lambda r: r["collaterals"]["WETH"]["feed"].update(price="0.5"),
            [
                "PriceOutOfBounds: collaterals.WETH.feed.price = 0.5 is outside [collaterals.WETH.feed.min_price, "
                "collaterals.WETH.feed.max_price]: the oracle would refuse it; the file has "
                "collaterals.WETH.feed.min_price = 1, collaterals.WETH.feed.max_price = 1000000"
            ],
        ),
        (lambda r: r["insurance_fund"].update(window=60), ["InvalidSchedule: insurance_fund.window = 60 is outside [3,600 s, 2,592,000 s]"]),
        (lambda r: r["interest"].update(kink="1"), ["BadRateCurve: interest.kink = 1 must be above 0 and below 1"]),
        (lambda r: r["market"].update(exit_margin="0.005"), ["BadExitMargin: market.exit_margin = 0.005 is outside [0.01, 0.2]"]),
        (lambda r: r["market"].update(exit_margin="0.25"), ["BadExitMargin: market.exit_margin = 0.25 is outside [0.01, 0.2]"]),
    ],
    ids=[
        "lf-1.5", "call-0.90", "bf-joint", "incentive", "cusp", "grace", "reserve", "deviation", "price", "window", "kink",
        "exit-low", "exit-high",
    ],
)
def test_each_broken_bound_is_one_message_naming_the_parameter(edit, expected):
    assert messages(edit) == expected


@pytest.mark.parametrize("value", ["0.01", "0.05", "0.2"])
def test_exit_margin_within_its_bounds_is_accepted(value):
    assert messages(lambda r: r["market"].update(exit_margin=value)) == []


def test_a_file_without_exit_margin_is_refused_by_name():
    raw = changed(lambda r: r["market"].pop("exit_margin"))
    with pytest.raises(ParamsError, match="^market: missing 'exit_margin'$"):
        parse_params(raw)


def test_a_hole_beyond_128_bits_is_refused_by_name():
    # the liquidator keeps `hole` in 128 bits beside `totalTab` and refuses a larger cap on-chain:
    # 10^33 base tokens of 6 decimals is 10^39 > 2^128 base units, 3·10^32 is 3·10^38 < 2^128
    (message,) = messages(lambda r: r["liquidation"].update(hole=str(10**33)))
    assert message.startswith(f"BadParam: liquidation.hole = {10**33} is outside [")
    assert messages(lambda r: r["liquidation"].update(hole=str(3 * 10**32))) == []


def test_every_broken_bound_is_reported_not_only_the_first():
    def edit(r):
        r["market"].update(target_hf="1.05", reserve_factor="0.9")
        r["collaterals"]["WBTC"].update(liquidation_penalty="0.5")

    got = messages(edit)
    # a penalty of 0.5 breaks its own bound and the auction's joint bound with the largest penalty
    assert [m.split(":")[0] for m in got] == ["BadHealthLadder", "BadReserveFactor", "PenaltyTooHigh", "BadAuctionCurve"]
    assert got[0].startswith("BadHealthLadder: market.target_hf = 1.05 must be at least market.margin_call_hf")


def test_load_params_refuses_a_file_that_breaks_a_bound(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(changed(lambda r: r["market"].update(margin_call_hf="0.90", reserve_factor="0.9"))))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    text = str(info.value)
    assert text.startswith(f"the market refused its parameters (2 bounds broken; nothing deployed ({path})):")
    assert "market.margin_call_hf = 0.90 must be above 1" in text and "market.reserve_factor = 0.9" in text


def test_the_cli_refuses_a_wrong_file_before_it_starts_or_reaches_any_chain(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(changed(lambda r: r["collaterals"]["WETH"].update(liquidation_factor="1.5"))))
    result = CliRunner().invoke(cli.app, ["deploy", "--params", str(path), "--rpc-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1, result.output
    (line,) = [l for l in result.output.splitlines() if l.strip()]
    assert line.startswith("Error: ") and "PenaltyTooHigh: collaterals.WETH.liquidation_factor = 1.5" in line
    assert "no JSON-RPC node" not in line  # refused before the (absent) node was asked anything


def test_nothing_is_deployed_for_a_wrong_spec_and_the_chain_decodes_what_it_still_refuses():
    with LocalAnvil() as node:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(node.url))
        chain = Chain(w3, Signer(w3.eth.accounts[0]))
        bad = parse_params(changed(lambda r: r["collaterals"]["WBTC"].update(liquidation_factor="1.5")))
        nonce = w3.eth.get_transaction_count(w3.eth.accounts[0])
        with pytest.raises(DeployError, match=r"^the market refused its parameters: PenaltyTooHigh: collaterals.WBTC"):
            deploy_market(chain, bad)
        assert w3.eth.get_transaction_count(w3.eth.accounts[0]) == nonce  # no transaction sent
        # past the Python check, the chain refuses it too: named with the asset's symbol and values
        with pytest.raises(DeployError) as info:
            deploy_market(chain, bad, check=False)
        text = str(info.value)
        assert text.startswith("the market refused its parameters: PenaltyTooHigh: WBTC (0x")
        assert "the file has collaterals.WBTC.liquidation_factor = 1.5, collaterals.WBTC.liquidation_penalty = 0.07" in text


def test_the_chain_refuses_an_exit_margin_out_of_bounds_by_name_with_the_file_value():
    with LocalAnvil() as node:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(node.url))
        chain = Chain(w3, Signer(w3.eth.accounts[0]))
        bad = parse_params(changed(lambda r: r["market"].update(exit_margin="0.25")))
        with pytest.raises(DeployError) as info:
            deploy_market(chain, bad, check=False)
        assert str(info.value) == (
            "the market refused its parameters: BadExitMargin: 250000000000000000 "
            "(needs 0.01 <= exit_margin <= 0.2; the file has market.exit_margin = 0.25)"
        )
