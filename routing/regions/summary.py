"""The region summary: a line per county (vehicles, km, cost, unserved, or its error), the
totals, and an overview map of every county's routes."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import TYPE_CHECKING

from .county_run import FAILED

if TYPE_CHECKING:
    from .run import RegionRun

COLUMNS = (
    "adcode",
    "county",
    "folder",
    "status",
    "orders",
    "served",
    "unserved",
    "deferred",
    "vehicles",
    "fleet",
    "km",
    "hours",
    "cost_yuan",
    "standing_yuan",
    "engine",
    "seconds",
    "worker",
    "error",
)
SUMMED = ("orders", "served", "unserved", "deferred", "vehicles", "fleet", "km", "hours")


def totals(rows: tuple[dict, ...]) -> dict:
    """The region's figures: counts by status, and the sums over the counties with a plan."""
    ok = [r for r in rows if r["status"] != FAILED]
    out: dict = {
        "counties": len(rows),
        "planned": sum(r["status"] == "planned" for r in rows),
        "unchanged": sum(r["status"] == "unchanged" for r in rows),
        "failed": sum(r["status"] == FAILED for r in rows),
    }
    for k in SUMMED:
        out[k] = round(sum(r[k] for r in ok), 3)
    out["cost_yuan"] = round(sum(r["cost_yuan"] for r in ok), 2)
    standing = [r["standing_yuan"] for r in ok if r.get("standing_yuan") is not None]
    out["standing_yuan"] = round(sum(standing), 2) if len(standing) == len(ok) else None
    return out


def _pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def summary_text(run: RegionRun) -> str:
    """The table a planner reads: a line per county, the totals, then the failures."""
    head = (
        f"{'county':22} {'status':9} {'orders':>7} {'unserved':>8} {'vehicles':>9} "
        f"{'km':>8} {'cost ¥':>11} {'s':>6}"
    )
    lines = [
        f"{run.region.name} ({run.region.adcode}) {run.date}: {len(run.rows)} counties, "
        f"{run.wall_s:.0f} s",
        head,
        "-" * len(head),
    ]
    for r in run.rows:
        name = _pad(f"{r['county']} {r['folder']}", 22)
        if r["status"] == FAILED:
            lines.append(f"{name} {'FAILED':9} {r['error'].splitlines()[0][:60]}")
            continue
        lines.append(
            f"{name} {r['status']:9} {r['orders']:7,} {r['unserved']:8,} "
            f"{r['vehicles']:4} / {r['fleet']:<3} {r['km']:8,.0f} {r['cost_yuan']:11,.2f} "
            f"{r['seconds']:6.0f}"
        )
    t = totals(run.rows)
    lines.append("-" * len(head))
    lines.append(
        f"{'total':22} {'':9} {t['orders']:7,.0f} {t['unserved']:8,.0f} "
        f"{t['vehicles']:4.0f} / {t['fleet']:<3.0f} {t['km']:8,.0f} {t['cost_yuan']:11,.2f}"
    )
    lines.append(
        f"{t['planned']} planned, {t['unchanged']} unchanged (inputs as before), "
        f"{t['failed']} failed"
    )
    for r in run.rows:
        if r["status"] == FAILED:
            lines.append(f"FAILED {r['county']} ({r['adcode']}): {r['error']}")
    return "\n".join(lines)


def summary_csv(rows: tuple[dict, ...]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in COLUMNS])
    return buf.getvalue()


def region_doc(run: RegionRun) -> dict:
    """region.json: what scripts read."""
    return {
        "region": {"adcode": run.region.adcode, "name": run.region.name, "slug": run.region.slug},
        "date": run.date,
        "wall_s": round(run.wall_s, 1),
        "totals": totals(run.rows),
        "counties": list(run.rows),
    }


def routes_geojson(overviews: dict[str, dict]) -> str:
    """Every county's boundary and routes in one FeatureCollection (WGS-84)."""
    features = [f for doc in overviews.values() for f in doc["features"]]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def overview_png(run: RegionRun, overviews: dict[str, dict]) -> bytes:
    """The region on one page: county boundaries, every route in its colour, and the failed
    counties named in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from shapely.geometry import shape

    fig, ax = plt.subplots(figsize=(10, 10))
    for doc in overviews.values():
        for f in doc["features"]:
            g, props = f["geometry"], f["properties"]
            if props["kind"] == "boundary":
                polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
                for poly in polys:
                    xs, ys = zip(*poly[0], strict=True)
                    ax.plot(xs, ys, color="#555555", linewidth=0.8)
                at = shape(g).representative_point()
                ax.text(
                    at.x,
                    at.y,
                    props["county"],
                    fontsize=7,
                    ha="center",
                    zorder=3,
                    bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0, "pad": 1},
                )
            else:
                xs, ys = zip(*g["coordinates"], strict=True)
                ax.plot(xs, ys, color=props["colour"], linewidth=0.5)
    t = totals(run.rows)
    failed = [f"{r['county']} ({r['adcode']})" for r in run.rows if r["status"] == FAILED]
    ax.set_title(
        f"{run.region.slug} {run.date}: {t['counties'] - t['failed']} counties planned, "
        f"{t['vehicles']:.0f} vehicles, {t['km']:,.0f} km, {t['cost_yuan']:,.0f} yuan",
        fontsize=10,
    )
    if failed:
        ax.text(
            0.01,
            0.01,
            f"failed: {len(failed)} (see summary.txt)",
            transform=ax.transAxes,
            color="red",
            fontsize=9,
        )
    ax.set_aspect(1.2)  # degrees of longitude are shorter than degrees of latitude at 34°N
    ax.set_xlabel("longitude (WGS-84)")
    ax.set_ylabel("latitude")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
