"""`route compare`'s table: each scenario's KPIs over the dates, averaged per day, with the
run-to-run noise measured over several seeds, and each difference to the first scenario
flagged where it is smaller than that noise. Written as text, CSV and a PNG chart.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass

NOISE_SIGMAS = 2.0  # a difference within this many seed-to-seed standard deviations is noise

# (key, label, unit, decimals, better): the KPIs of a scenario-day, in the table's order;
# `better` is +1 where more is better, -1 where less is, 0 where neither
KPIS: tuple[tuple[str, str, str, int, int], ...] = (
    ("vehicles", "vehicles used", "", 1, -1),
    ("km", "km driven", "km", 0, -1),
    ("hours", "driving hours", "h", 1, -1),
    ("day_cost_yuan", "day's full cost", "yuan", 0, -1),
    ("cost_yuan", "marginal cost (routes)", "yuan", 0, -1),
    ("cost_per_parcel", "full cost per parcel", "yuan", 3, -1),
    ("on_time_pct", "orders served on the day", "%", 1, 1),
    ("wait_days", "parcels' wait (calendar)", "days", 2, -1),
    ("unserved", "orders unserved", "", 1, -1),
    ("access_mean_m", "villagers' access, mean", "m", 0, -1),
    ("access_p95_m", "villagers' access, 95th pct", "m", 0, -1),
    ("within_2km_pct", "villages within 2 km", "%", 1, 1),
    ("within_5km_pct", "villages within 5 km", "%", 1, 1),
)


@dataclass(frozen=True)
class Summary:
    """One KPI of one scenario: the mean over seeds of its per-day mean over the dates, and
    the standard deviation over seeds (0 with one seed)."""

    mean: float
    noise: float


def summarise(rows: list[dict], scenarios: list[str]) -> dict[str, dict[str, Summary]]:
    """scenario -> KPI -> Summary, from one row per scenario, date and seed."""
    out: dict[str, dict[str, Summary]] = {}
    for name in scenarios:
        mine = [r for r in rows if r["scenario"] == name]
        seeds = sorted({r["seed"] for r in mine})
        out[name] = {}
        for key, *_ in KPIS:
            per_seed = [
                statistics.fmean(r[key] for r in mine if r["seed"] == s and r[key] is not None)
                for s in seeds
                if any(r["seed"] == s and r[key] is not None for r in mine)
            ]
            if not per_seed:
                continue
            noise = statistics.stdev(per_seed) if len(per_seed) > 1 else 0.0
            out[name][key] = Summary(statistics.fmean(per_seed), noise)
    return out


def unserved_reasons(rows: list[dict], name: str) -> str:
    """The scenario's unserved orders by reason, a day's mean over dates and seeds."""
    mine = [r for r in rows if r["scenario"] == name]
    totals: dict[str, float] = {}
    for r in mine:
        for reason, n in r["unserved_by_reason"].items():
            totals[reason] = totals.get(reason, 0.0) + n
    return "; ".join(f"{reason} {n / len(mine):.1f}" for reason, n in sorted(totals.items()))


def _fmt(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}"


def difference(base: Summary, other: Summary, decimals: int) -> str:
    """`other` against `base`: the change, and '(noise)' where it is within the seeds' noise."""
    d = other.mean - base.mean
    noise = NOISE_SIGMAS * math.hypot(base.noise, other.noise)
    pct = f" ({d / base.mean:+.1%})" if base.mean else ""
    noisy = d != 0 and abs(d) <= noise
    return f"{d:+,.{decimals}f}{pct}" + (" (noise)" if noisy else "")


def table_text(summary: dict[str, dict[str, Summary]], rows: list[dict], seeds: int) -> str:
    """Side by side: a column per scenario, then each one's difference to the first."""
    names = list(summary)
    base = names[0]
    head = ["KPI (per day)"] + names + [f"{n} - {base}" for n in names[1:]]
    lines = [head]
    for key, label, unit, decimals, _ in KPIS:
        if not all(key in summary[n] for n in names):
            continue
        cells = [f"{label}{f' ({unit})' if unit else ''}"]
        for n in names:
            s = summary[n][key]
            noise = f" ±{s.noise:,.{decimals}f}" if seeds > 1 else ""
            cells.append(_fmt(s.mean, decimals) + noise)
        cells += [difference(summary[base][key], summary[n][key], decimals) for n in names[1:]]
        lines.append(cells)
    widths = [max(len(row[k]) for row in lines) for k in range(len(head))]
    table = [
        "  ".join(cell.ljust(widths[k]) for k, cell in enumerate(row)).rstrip() for row in lines
    ]
    table.append("orders unserved a day, by reason:")
    table += [f"  {n}: {unserved_reasons(rows, n) or 'none'}" for n in names]
    return "\n".join(table)


def rows_csv(rows: list[dict]) -> str:
    """One line per scenario, date and seed: every KPI, and unserved orders by reason."""
    reasons = sorted({k for r in rows for k in r["unserved_by_reason"]})
    fields = ["scenario", "date", "seed", *(k for k, *_ in KPIS), "orders", "served", "parcels"]
    fields += [f"unserved: {x}" for x in reasons]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    for r in rows:
        flat = {**r, **{f"unserved: {x}": r["unserved_by_reason"].get(x, 0) for x in reasons}}
        w.writerow(["" if flat.get(f) is None else flat[f] for f in fields])
    return buf.getvalue()


CHART_KPIS = ("day_cost_yuan", "vehicles", "km", "unserved", "access_mean_m", "on_time_pct")


def chart_png(summary: dict[str, dict[str, Summary]], title: str) -> bytes:
    """A panel per KPI, a bar per scenario with its seed-to-seed noise as an error bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    keys = [k for k in CHART_KPIS if all(k in summary[n] for n in names)]
    labels = {k: (label, unit) for k, label, unit, *_ in KPIS}
    cols = 3
    fig, axes = plt.subplots(
        math.ceil(len(keys) / cols), cols, figsize=(4.2 * cols, 3.4 * math.ceil(len(keys) / cols))
    )
    flat = list(getattr(axes, "flat", [axes]))
    colours = [plt.get_cmap("tab10")(k % 10) for k in range(len(names))]
    for ax, key in zip(flat, keys, strict=False):
        means = [summary[n][key].mean for n in names]
        noise = [summary[n][key].noise for n in names]
        ax.bar(range(len(names)), means, yerr=noise, color=colours, capsize=4)
        ax.set_ylim(bottom=0, top=None if max(means) > 0 else 1)
        label, unit = labels[key]
        ax.set_title(f"{label}{f' ({unit})' if unit else ''}", fontsize=10)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for ax in flat[len(keys) :]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
