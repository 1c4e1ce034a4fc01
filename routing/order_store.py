"""Order files of a county: import a user's file by date, or write generated demo orders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from .county import County, order_rows, read_orders
from .demand import generate_orders
from .model import Order
from .tables import ORDER_COLUMNS, csv_text, write_atomic


def import_orders(file: Path, county: County) -> list[tuple[str, Path, int]]:
    """Check the whole file first; only then store one file per date (replacing any)."""
    orders = read_orders(file, county)
    by_day: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        by_day[o.date].append(o)
    out = []
    for day in sorted(by_day):
        path = county.orders_path(dt.date.fromisoformat(day))
        write_atomic(path, csv_text(order_rows(by_day[day]), ORDER_COLUMNS))
        out.append((day, path, len(by_day[day])))
    return out


def generate_to_file(
    county: County, day: dt.date, seed: int | None = None
) -> tuple[Path, list[Order]]:
    seed = int(county.meta.get("seed", 1)) if seed is None else seed
    orders = generate_orders(day, county.points, county.demand_rows(), county.meta["adcode"], seed)
    path = county.orders_path(day)
    write_atomic(path, csv_text(order_rows(orders), ORDER_COLUMNS))
    return path, orders
