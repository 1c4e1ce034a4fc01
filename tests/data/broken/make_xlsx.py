"""The broken order workbooks of tests/test_xlsx.py: `python tests/data/broken/make_xlsx.py`.

Each holds the two orders of tests/data/orders_ok.csv, as a spreadsheet holds them (numbers,
a date, times of day, yes/no), broken in one way. The files are committed; this script only
re-makes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
OK = HERE.parent / "orders_ok.csv"
SHEET = "订单"
LAST_ROW = 1_048_576  # a spreadsheet's last row


def typed(name: str, text: str):
    """A CSV cell as a spreadsheet holds it."""
    if name in ("parcels", "priority"):
        return int(text)
    if name in ("kg", "litres"):
        return float(text)
    if name == "date":
        return dt.date.fromisoformat(text)
    if name in ("earliest", "latest"):
        h, m = text.split(":")
        return dt.time(int(h), int(m))
    if name == "cold_chain":
        return text == "true"
    return text


def order_rows() -> tuple[list[str], list[list]]:
    rows = list(csv.reader(OK.open(encoding="utf-8")))
    header = rows[0]
    return header, [[typed(n, v) for n, v in zip(header, r, strict=True)] for r in rows[1:]]


def workbook(header: list[str], rows: list[list], notes: bool = True) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(header)
    for r in rows:
        ws.append(r)
    if notes:
        wb.create_sheet("说明").append(["订单表: 每行一个订单"])
    return wb


def save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    header, rows = order_rows()
    files: dict[str, bytes] = {}

    k = header.index("kg")  # no kg column
    files["orders_missing_column.xlsx"] = save(
        workbook(header[:k] + header[k + 1 :], [r[:k] + r[k + 1 :] for r in rows])
    )

    text = [list(r) for r in rows]  # a weight typed as text, twice
    text[0][k] = "12kg"
    text[1][k] = "heavy"
    files["orders_text_weight.xlsx"] = save(workbook(header, text))

    wb = Workbook()  # the first sheet has nothing in it; the orders are on the second
    wb.active.title = SHEET
    data = wb.create_sheet("数据")
    data.append(header)
    for r in rows:
        data.append(r)
    files["orders_empty_sheet.xlsx"] = save(wb)

    good = save(workbook(header, rows))
    files["orders_not_a_workbook.xlsx"] = good[: len(good) // 2]  # cut off: a corrupt zip

    wb = workbook(header, rows, notes=False)  # a row below the last a spreadsheet has
    wb.active.cell(LAST_ROW, 1, "o3")
    with zipfile.ZipFile(io.BytesIO(save(wb))) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(
        rb"(r=\"A?)" + str(LAST_ROW).encode() + rb"\"",
        rb"\g<1>" + str(LAST_ROW + 1).encode() + b'"',
        parts[sheet],
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    files["orders_too_many_rows.xlsx"] = out.getvalue()

    for name, blob in files.items():
        (HERE / name).write_bytes(blob)
        print(f"{name}: {len(blob):,} bytes")


if __name__ == "__main__":
    main()
