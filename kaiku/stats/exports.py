"""CSV and XLSX of published tables, and the annual area report as PDF.

Exports take the same suppressed cells as the pages (``SafeTable``), so a file
never holds a value its page hides.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kaiku.stats.suppression import SafeTable, Shown

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_matrix(heading: Any, table: SafeTable) -> list[list[Any]]:
    """The table as rows of plain values: ints where shown, the suppression mark where hidden."""

    def cell(c: Shown) -> Any:
        return c.value if c.value is not None else c.text

    header = [str(heading), *(str(c) for c in table.columns)]
    if table.row_totals is not None:
        header.append(_("Total"))
    out: list[list[Any]] = [header]
    for i, row in enumerate(table.rows):
        line = [str(row), *(cell(c) for c in table.cells[i])]
        if table.row_totals is not None:
            line.append(cell(table.row_totals[i]))
        out.append(line)
    if table.col_totals is not None:
        line = [_("Total"), *(cell(c) for c in table.col_totals)]
        if table.row_totals is not None and table.total is not None:
            line.append(cell(table.total))
        out.append(line)
    return out


def csv_response(rows: Sequence[Sequence[Any]], filename: str, notes: Sequence[str] = ()) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    for note in notes:
        writer.writerow([note])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows: Sequence[Sequence[Any]], filename: str, title: str, notes: Sequence[str] = ()) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Kaiku"
    for row in rows:
        sheet.append(list(row))
    for c in sheet[1]:
        c.font = Font(bold=True)
    for note in notes:
        sheet.append([])
        sheet.append([note])
    sheet.column_dimensions["A"].width = 32
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def pdf_bytes(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()  # type: ignore[no-any-return]
