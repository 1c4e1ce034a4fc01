"""Unit conversions fixed once at the input boundary.

Inside the library: time in integer seconds since local midnight of the plan date, distance in
metres, weight in kg, volume in litres, money in yuan. The solver's integer scales live in
`routing.problem` and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_hhmm(text: str) -> int:
    """'07:30' -> 27000 seconds. '24:00' is allowed as end of day; nothing later is."""
    m = _HHMM.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a time of day HH:MM")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"'{text}' is not a time of day between 00:00 and 24:00")
    return hours * 3600 + minutes * 60


def parse_hhmmss(text: str) -> int:
    """'07:30:15' or '07:30' -> seconds since midnight (the clock times route files carry)."""
    if text.count(":") != 2:
        return parse_hhmm(text)
    hhmm, _, sec = text.strip().rpartition(":")
    if not re.fullmatch(r"\d{2}", sec) or int(sec) > 59:
        raise ValueError(f"'{text}' is not a time of day HH:MM:SS")
    return parse_hhmm(hhmm) + int(sec)


def format_hhmm(seconds: float) -> str:
    """27000 -> '07:30' (rounded down to the minute)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}"


def format_hhmmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:02d}:{(s % 3600) // 60:02d}:{s % 60:02d}"


def parse_date(text: str) -> dt.date:
    """Strict ISO date 'YYYY-MM-DD'."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(f"'{text}' is not a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a valid calendar date") from exc


MAX_RANGE_DAYS = 366


def parse_date_range(text: str) -> list[dt.date]:
    """'2026-10-05..2026-10-11' -> its days, both ends included; one date is a range of one
    day. An empty range (the end before the start) or one longer than a year is refused."""
    first, sep, last = text.strip().partition("..")
    start = parse_date(first)
    end = parse_date(last) if sep else start
    if end < start:
        raise ValueError(f"'{text}' is an empty date range: {end} is before {start}")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise ValueError(f"'{text}' is {days} days long: at most {MAX_RANGE_DAYS}")
    return [start + dt.timedelta(days=k) for k in range(days)]


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "y"):
        return True
    if t in ("0", "false", "no", "n", ""):
        return False
    raise ValueError(f"'{text}' is not a yes/no value (use true or false)")
