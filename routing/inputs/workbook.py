"""Tables in Excel workbooks (.xlsx): one sheet read into the rows `read_table` gives a CSV.

Each cell becomes the text a CSV file would hold for it (a number as written, a date as
YYYY-MM-DD, a time of day as HH:MM), and the columns' own parsers (tables.py) read it, so a
workbook is checked exactly as a CSV file is. Rows are numbered as the spreadsheet shows them
(the header is row 1), and every fault names the workbook and the sheet: its file label is
"orders.xlsx, sheet 订单", so a message reads "orders.xlsx, sheet 订单, row 7, field 'kg': ...".
Nothing raises on a bad file: not a workbook, an unknown sheet, an empty sheet and a sheet too
large are faults like a CSV file's.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import Faults
from .tables import MAX_TABLE_BYTES, Column, read_records, shown

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")  # what openpyxl reads; .xls (Excel 97-2003) it cannot
MAX_SHEET_ROWS = 1_048_576  # a spreadsheet's last row: a row beyond it was not saved by one
MAX_SHEET_CHARS = MAX_TABLE_BYTES  # the cells' text of a sheet: as much as a CSV table may hold
MAX_UNPACKED_BYTES = 10 * MAX_TABLE_BYTES  # a sheet's XML is several times its CSV; a zip bomb
EXCEL_EPOCH = dt.date(1899, 12, 30)  # a time of day with a date format: on this day, or 24:00


def is_workbook(path: Path) -> bool:
    """Whether a file is read as a workbook (by its extension)."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def sheet_label(path: Path | str, sheet: str) -> str:
    """The file label of a sheet's faults."""
    return f"{path}, sheet {sheet}"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    h, m, sec = s // 3600, (s % 3600) // 60, s % 60
    return f"{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")


def cell_text(v: Any) -> str:
    """A cell's value as a CSV file would hold it, for the column's parser to read.

    Times are rounded to the second (a spreadsheet stores them as fractions of a day: 08:30 may
    come back as 08:29:59.999999); a date with a time of day keeps it, so a date column says
    what is wrong with it."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        clock = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
        if v.date() == EXCEL_EPOCH:
            return _clock(clock)
        if v.date() == EXCEL_EPOCH + dt.timedelta(days=1) and not clock:
            return "24:00"
        if not clock:
            return v.date().isoformat()
        return f"{v.date().isoformat()} {_clock(clock)}"
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return _clock(v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6)
    if isinstance(v, dt.timedelta):
        return _clock(v.total_seconds())
    return str(v)


def _open(path: Path, name: str, faults: Faults):
    """The workbook (read-only, formulas' saved values), or None with a fault."""
    import openpyxl  # only commands that read a workbook pay for it

    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            faults.add(name, f"is {size:,} bytes: too large for a table of this kind")
            return None
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            faults.add(
                name,
                f"unpacks to {unpacked:,} bytes (at most {MAX_UNPACKED_BYTES:,}): too large "
                "for a table of this kind",
            )
            return None
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        faults.add(name, "file not found")
    except IsADirectoryError:
        faults.add(name, "is a folder, not a workbook")
    except OSError as exc:
        faults.add(name, f"cannot read the file ({exc.strerror})")
    except Exception as exc:  # zipfile, XML and openpyxl's own errors: not a workbook
        faults.add(
            name,
            f"not a readable Excel workbook (.xlsx) ({type(exc).__name__}: {exc}); a file "
            "saved as .xls (Excel 97-2003) or renamed from another format? Save it as .xlsx "
            "or CSV UTF-8",
        )
    return None


def _lines(ws, name: str, faults: Faults) -> Iterator[tuple[int, list[str]]]:
    """A sheet's rows as cell texts, numbered as the spreadsheet shows them; a sheet longer or
    larger than a table may be is a fault that ends them."""
    ws.reset_dimensions()  # read every row there is, whatever the file says its size is
    chars = 0
    for k, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        if k > MAX_SHEET_ROWS:
            faults.add(
                name,
                f"has rows beyond row {MAX_SHEET_ROWS:,}, the last a spreadsheet has; reading "
                "stopped here",
                row=k,
            )
            return
        cells = [cell_text(v) for v in values]
        chars += sum(len(c) for c in cells)
        if chars > MAX_SHEET_CHARS:
            faults.add(
                name,
                f"the sheet's cells hold more than {MAX_SHEET_CHARS:,} characters, the most a "
                "table of this kind may (as a CSV file); reading stopped here",
                row=k,
            )
            return
        yield k, cells


def read_sheet(
    path: Path,
    columns: tuple[Column, ...],
    faults: Faults,
    sheet: str | None = None,
    label: str | None = None,
    unknown: Callable[[str], str | None] | None = None,
) -> tuple[str, list[dict]]:
    """One sheet of a workbook (the first, or the one named `sheet`) parsed as `read_table`
    parses a CSV file: the same row dicts, the same faults, each naming the sheet. Returns the
    file label of its faults (for checks across rows) and the rows."""
    name = label or str(path)
    wb = _open(Path(path), name, faults)
    if wb is None:
        return name, []
    try:
        titles = list(wb.sheetnames)
        if not titles:
            faults.add(name, "has no sheets")
            return name, []
        if sheet is None:
            sheet = titles[0]
        elif sheet not in titles:
            faults.add(
                name,
                f"has no sheet {shown(sheet)}; its sheets: {', '.join(shown(t) for t in titles)}",
            )
            return name, []
        where = sheet_label(name, sheet)
        start = faults.count
        try:
            rows = read_records(
                _lines(wb[sheet], where, faults), columns, where, faults, unknown, ragged=True
            )
        except Exception as exc:  # a damaged sheet inside a readable workbook
            faults.add(
                where,
                f"not readable ({type(exc).__name__}: {exc}); reading stopped here",
            )
            return where, []
        if rows is None:
            if not faults.count - start:
                others = [shown(t) for t in titles if t != sheet]
                hint = f" (the workbook's other sheets: {', '.join(others)})" if others else ""
                faults.add(where, f"the sheet is empty: it needs a header row{hint}", row=1)
            return where, []
        return where, rows
    finally:
        wb.close()
