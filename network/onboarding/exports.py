"""The business plan as a table, a CSV and an XLSX: the same rows and the same numbers as the page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from .forecast import ROWS, YearFigures


def plan_table(figures: list[YearFigures]) -> list[tuple[str, str, list]]:
    """[(key, label, [value of year 1, 2, 3])]; values are Decimal, int or None (no break-even)."""
    return [(key, label, [getattr(f, key) for f in figures]) for key, label in ROWS]


def _csv_value(value) -> str:
    if value is None:
        return "non atteint"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def plan_csv(figures: list[YearFigures]) -> str:
    """Semicolon-separated, decimal comma (what a French spreadsheet opens as numbers)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Poste", *[str(f.year) for f in figures]])
    for _key, label, values in plan_table(figures):
        writer.writerow([label, *[_csv_value(v) for v in values]])
    return "\ufeff" + out.getvalue()  # BOM: spreadsheets then read UTF-8


def plan_xlsx(figures: list[YearFigures], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Prévisionnel"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Poste", *[f.year for f in figures]])
    for _key, label, values in plan_table(figures):
        # Money goes in as Decimal (openpyxl stores the exact decimal text), shown with 2 places.
        sheet.append([label, *["non atteint" if v is None else v for v in values]])
        for cell in sheet[sheet.max_row][1:]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
