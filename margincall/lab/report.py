"""Plots and ``report.md`` of a scenario run, rendered from its ``metrics.json`` alone.

``render(run_dir)`` can be called again at any time (``margincall report DIR``): nothing here
talks to a chain. Every plot has labelled axes with units and a legend, and is sized to be read
at README width.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

from .metrics import read_metrics  # noqa: E402

FIGSIZE = (8.0, 4.2)
DPI = 110
KIND_STYLE = {  # event kind → (marker, colour, label)
    "kick": ("v", "tab:red", "kick"),
    "take": ("o", "tab:green", "take (clearing price)"),
    "liquidationCall": ("o", "tab:purple", "fixed-spread liquidation"),
    "close": ("x", "black", "account closed"),
}


def _time_axis(samples: list[dict[str, Any]]) -> tuple[float, str]:
    span = samples[-1]["t"] - samples[0]["t"] if samples else 0
    return (3600.0, "hours") if span > 3 * 3600 else (60.0, "minutes")


def _human(amount: int, decimals: int) -> float:
    return float(Decimal(int(amount)) / (Decimal(10) ** decimals))


def _save(fig: Any, path: Path) -> str:
    for ax in fig.axes:  # thousands separators, no offset or scientific notation
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.10g}"))
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path.name


def plot_prices(m: dict[str, Any], out: Path) -> str:
    samples = m["samples"]
    scale, unit = _time_axis(samples)
    t0 = samples[0]["t"]
    symbols = sorted({s for smp in samples for s in smp["prices"]})
    fig, axes = plt.subplots(len(symbols), 1, figsize=(FIGSIZE[0], 2.4 * len(symbols) + 0.6), sharex=True, squeeze=False)
    for ax, symbol in zip(axes[:, 0], symbols):
        ax.plot([(s["t"] - t0) / scale for s in samples], [s["prices"].get(symbol) for s in samples],
                drawstyle="steps-post", color="tab:blue", label=f"{symbol} oracle price")
        amm = [(s["t"], s["ammPrices"][symbol]) for s in samples if symbol in s.get("ammPrices", {})]
        if amm:
            ax.plot([(t - t0) / scale for t, _ in amm], [p for _, p in amm], drawstyle="steps-post",
                    color="tab:orange", ls="--", label=f"{symbol} AMM spot price")
        for kind, (marker, colour, label) in KIND_STYLE.items():
            pts = [e for e in m["events"] if e["kind"] == kind and e.get("asset") == symbol and e.get("price") is not None]
            if pts:
                ax.scatter([(e["t"] - t0) / scale for e in pts], [e["price"] for e in pts],
                           marker=marker, color=colour, s=22, label=label, zorder=3)
        ax.set_ylabel(f"{symbol} [USD]")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    axes[-1, 0].set_xlabel(f"time since start [{unit}]")
    axes[0, 0].set_title(f"{m['scenario']} ({m['mechanism']}): prices and liquidations")
    return _save(fig, out / "prices.png")


def plot_health(m: dict[str, Any], out: Path) -> str:
    samples = [s for s in m["samples"] if s["hfQuantiles"]]
    scale, unit = _time_axis(m["samples"])
    t0 = m["samples"][0]["t"]
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(FIGSIZE[0], 6.0), sharex=True)
    if samples:
        x = [(s["t"] - t0) / scale for s in samples]
        q = list(zip(*[s["hfQuantiles"] for s in samples]))
        ax.fill_between(x, q[0], q[-1], step="post", color="tab:blue", alpha=0.15, label="5th-95th percentile")
        ax.fill_between(x, q[1], q[-2], step="post", color="tab:blue", alpha=0.3, label="25th-75th percentile")
        ax.plot(x, q[len(q) // 2], drawstyle="steps-post", color="tab:blue", label="median")
        ax.plot(x, [s["hfMin"] for s in samples], drawstyle="steps-post", color="tab:red", lw=0.8, label="lowest")
    ax.axhline(1.0, color="black", ls="--", lw=0.8, label="HF 1 (liquidatable)")
    call = m["params"].get("marginCallHF")
    if call:
        ax.axhline(float(call), color="tab:orange", ls=":", lw=1, label=f"margin call {float(call):.2f}")
    for kind, colour, label in (("call", "tab:orange", "margin call issued"), ("topUp", "tab:green", "top-up")):
        times = sorted({(e["t"] - t0) / scale for e in m["events"] if e["kind"] == kind})
        for i, x_event in enumerate(times[:50]):  # a few markers tell the story; thousands would hide it
            ax.axvline(x_event, color=colour, lw=0.8, alpha=0.6, label=label if i == 0 else None)
    ax.set_ylabel("health factor (accounts with debt)")
    ax.set_title(f"{m['scenario']} ({m['mechanism']}): health factors and the ladder")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    xs = [(s["t"] - t0) / scale for s in m["samples"]]
    names = [("Healthy", "tab:green"), ("MarginCall", "tab:orange"), ("Liquidatable", "tab:red")]
    below = [0] * len(xs)
    for name, colour in names:
        top = [b + s["statuses"].get(name, 0) for b, s in zip(below, m["samples"])]
        ax2.fill_between(xs, below, top, step="post", color=colour, alpha=0.7, label=name)
        below = top
    ax2.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax2.set_ylabel("accounts")
    ax2.set_xlabel(f"time since start [{unit}]")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper right", fontsize=8)
    return _save(fig, out / "health.png")


def plot_fund(m: dict[str, Any], out: Path) -> str:
    samples = m["samples"]
    scale, unit = _time_axis(samples)
    t0, sym, dec = samples[0]["t"], m["base"]["symbol"], m["base"]["decimals"]
    x = [(s["t"] - t0) / scale for s in samples]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(x, [_human(s["fundAssets"], dec) for s in samples], drawstyle="steps-post", color="tab:blue",
            label="insurance fund assets")
    ax.plot(x, [_human(s["badDebt"], dec) for s in samples], drawstyle="steps-post", color="tab:red",
            label="bad debt realised (cumulative)")
    ax.plot(x, [_human(s["debtInAuction"], dec) for s in samples], drawstyle="steps-post", color="tab:gray", ls="--",
            label="debt in auction")
    ax.set_xlabel(f"time since start [{unit}]")
    ax.set_ylabel(f"[{sym}]")
    ax.set_title(f"{m['scenario']} ({m['mechanism']}): insurance fund and losses")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _save(fig, out / "fund.png")


def plot_clearing(m: dict[str, Any], out: Path) -> str | None:
    sales = [e for e in m["events"] if e["kind"] in ("take", "liquidationCall") and e.get("oracle")]
    if not sales:
        return None
    scale, unit = _time_axis(m["samples"])
    t0 = m["samples"][0]["t"]
    fig, ax = plt.subplots(figsize=FIGSIZE)
    for kind in ("take", "liquidationCall"):
        pts = [e for e in sales if e["kind"] == kind]
        if pts:
            marker, colour, label = KIND_STYLE[kind]
            ax.scatter([(e["t"] - t0) / scale for e in pts], [100.0 * e["price"] / e["oracle"] for e in pts],
                       marker=marker, color=colour, s=22, label=label)
    ax.axhline(100.0, color="black", ls="--", lw=0.8, label="oracle price")
    ax.set_xlabel(f"time since start [{unit}]")
    ax.set_ylabel("clearing price [% of oracle price]")
    ax.set_title(f"{m['scenario']} ({m['mechanism']}): what collateral sold for")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _save(fig, out / "clearing.png")


def plot_comparison(runs: list[dict[str, Any]], out: Path, name: str = "compare.png") -> str:
    """The same crash under several mechanisms: fund assets over time and the money side by side."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.0, 4.2))
    sym, dec = runs[0]["base"]["symbol"], runs[0]["base"]["decimals"]
    scale, unit = _time_axis(runs[0]["samples"])
    for i, m in enumerate(runs):
        t0, colour = m["samples"][0]["t"], f"C{i}"
        ax.plot([(s["t"] - t0) / scale for s in m["samples"]], [_human(s["fundAssets"], dec) for s in m["samples"]],
                color=colour, label=f"fund assets, {m['mechanism']}")
        ax.plot([(s["t"] - t0) / scale for s in m["samples"]], [_human(s["badDebt"], dec) for s in m["samples"]],
                color=colour, ls="--", label=f"bad debt, {m['mechanism']}")
    ax.set_xlabel(f"time since start [{unit}]")
    ax.set_ylabel(f"[{sym}]")
    ax.set_title("insurance fund and bad debt over time")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    keys = [("badDebt", "bad debt"), ("borrowerLoss", "borrower loss"), ("fundDrawdown", "fund drawdown")]
    width = 0.8 / len(runs)
    for i, m in enumerate(runs):
        ax2.bar([k + i * width for k in range(len(keys))], [_human(m["totals"].get(key, 0), dec) for key, _ in keys],
                width=width, label=m["mechanism"])
    ax2.set_xticks([k + width * (len(runs) - 1) / 2 for k in range(len(keys))], [label for _, label in keys])
    ax2.set_ylabel(f"[{sym}]")
    ax2.set_title("money lost, by mechanism")
    ax2.grid(alpha=0.3, axis="y")
    ax2.legend(fontsize=8)
    return _save(fig, out / name)


def _money(m: dict[str, Any], key: str) -> str:
    value = m["totals"].get(key)
    if value is None:
        return "—"
    return f"{_human(value, m['base']['decimals']):,.2f} {m['base']['symbol']}"


def summary_table(runs: list[dict[str, Any]]) -> str:
    rows = [
        ("liquidations (kicks or liquidation calls)", lambda m: str(m["totals"].get("liquidations", 0))),
        ("takes", lambda m: str(m["totals"].get("takes", 0))),
        ("bad debt", lambda m: _money(m, "badDebt")),
        ("borrower loss (collateral sold below oracle + penalties)", lambda m: _money(m, "borrowerLoss")),
        ("insurance fund drawdown", lambda m: _money(m, "fundDrawdown")),
        ("keeper profit", lambda m: _money(m, "keeperProfit")),
        ("transactions", lambda m: f"{m['transactions']:,}"),
        ("wall time set-up / simulation [s]", lambda m: f"{m['wall'].get('setup', 0):.1f} / {m['wall'].get('simulation', 0):.1f}"),
    ]
    if all("throughput" in m for m in runs):  # a run on the fast path measured the raw ceiling too
        rows.append(("sustained rate / raw ceiling [tx/s]", lambda m: (
            f"{m['throughput']['sustainedTps']:,.0f} / {m['throughput']['rawCeilingTps']:,.0f} "
            f"(ratio {m['throughput']['ratio']:.2f}, target {m['throughput']['targetRatio']})")))  # fmt: skip
        if all(m["throughput"].get("ratioBestWay") for m in runs):  # runs from before it was recorded have none
            rows.append(("fastest raw transfers (nothing read back) [tx/s]", lambda m: (
                f"{m['throughput']['rawCeilingBestWayTps']:,.0f} (ratio {m['throughput']['ratioBestWay']:.2f})")))  # fmt: skip
    head = "| | " + " | ".join(m["mechanism"] for m in runs) + " |\n|---|" + "---|" * len(runs) + "\n"
    return head + "".join(f"| {label} | " + " | ".join(f(m) for m in runs) + " |\n" for label, f in rows)


def render(run_dir: str | Path, compare_with: list[str | Path] = ()) -> Path:
    """Write the plots and ``report.md`` of the run in ``run_dir`` (and of the runs it is
    compared with, overlaid); returns the report's path."""
    out = Path(run_dir)
    m = read_metrics(out)
    others = [read_metrics(p) for p in compare_with]
    images = [plot_prices(m, out), plot_health(m, out), plot_fund(m, out)]
    clearing = plot_clearing(m, out)
    if clearing:
        images.append(clearing)
    if others:
        images.insert(0, plot_comparison([m, *others], out))
    runs = [m, *others]
    lines = [
        f"# Scenario `{m['scenario']}` (seed {m['seed']})",
        "",
        " ".join(m.get("story", [])),
        "",
        summary_table(runs),
        "",
        *(f"![{Path(i).stem}]({i})\n" for i in images),
    ]
    if m["params"].get("oracleFollowsAmm"):
        lines.append(
            "_Lab device: the oracle here follows the mock AMM's price, lagged by "
            f"{m['params'].get('oracleLagBlocks')} blocks, moved by the harness between blocks, never inside a "
            "transaction. Real oracles are not this direct._\n"
        )
    failed = {k: v for k, v in m.get("checks", {}).items() if v is not True}
    lines.append("Accounting identities after the run: " + ("all held." if not failed else f"FAILED: {failed}"))
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    return report


def render_comparison(out_dir: str | Path, runs: list[str | Path], story: list[str] = ()) -> Path:
    """One report over the same scenario under several mechanisms: the money side by side, the
    fund and bad debt overlaid, and each run's own plots below (from its own folder)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = [read_metrics(r) for r in runs]
    first = metrics[0]
    overlay = plot_comparison(metrics, out)
    lines = [
        f"# Scenario `{first['scenario']}` (seed {first['seed']}): {' vs '.join(m['mechanism'] for m in metrics)}",
        "",
        " ".join(story),
        "",
        summary_table(metrics),
        "",
        f"![compare]({overlay})",
        "",
    ]
    for m, folder in zip(metrics, runs):
        rel = Path(folder).resolve().relative_to(out.resolve())
        lines += [f"## Under the {m['mechanism']} mechanism", "", " ".join(m.get("story", [])), ""]
        lines += [f"![{m['mechanism']} {name}]({rel / name})\n" for name in ("prices.png", "health.png", "clearing.png")
                  if (Path(folder) / name).exists()]
    failed = {m["mechanism"]: {k: v for k, v in m["checks"].items() if v is not True} for m in metrics}
    held = all(not f for f in failed.values())
    lines.append("Accounting identities after each run: " + ("all held." if held else f"FAILED: {failed}"))
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    return report
