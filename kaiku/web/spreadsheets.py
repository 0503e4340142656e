"""The one writer of every CSV and XLSX file Kaiku produces.

A cell that a spreadsheet program would run as a formula (one starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return; CWE-1236) never becomes one: in CSV it is
prefixed with an apostrophe, in XLSX it is stored as text with Excel's own "quote
prefix" (shown as typed, never evaluated, not even after editing). Numbers are stored as
numbers and dates as dates; sheet titles are made safe and unique. CSV is UTF-8 with a
byte order mark so that Excel shows ä and ö; the semicolon variant opens in columns in
Excel set to Finnish (where the comma is the decimal separator).

Reading uploads lives in ``kaiku.web.uploads``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# ?format= values of the downloads: the comma CSV, the semicolon CSV for Finnish Excel, XLSX.
CSV_DELIMITERS = {"csv": ",", "csv-semicolon": ";"}
FORMATS = (*CSV_DELIMITERS, "xlsx")

# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped, never a 500.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_TITLE = 31


@dataclass
class Sheet:
    title: str
    rows: Sequence[Sequence[Any]]  # the first row is the header
    notes: Sequence[str] = field(default_factory=list)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_text(value: Any, delimiter: str = ",") -> str:
    """One CSV cell: numbers and dates written plainly, formula-like text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # Excel set to Finnish reads "1,5" in a semicolon CSV, "1.5" in a comma CSV.
        return str(value).replace(".", ",") if delimiter == ";" else str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _ILLEGAL.sub("", str(value))
    return "'" + text if is_formula_like(text) else text


def csv_bytes(rows: Sequence[Sequence[Any]], notes: Sequence[str] = (), delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_text(v, delimiter) for v in row])
    for note in notes:
        writer.writerow([csv_text(note, delimiter)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_titles(titles: Sequence[str]) -> list[str]:
    """Titles Excel accepts: no ``[ ] : * ? / \\``, no apostrophe at either end, 1 to 31 characters, unique."""
    out: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = _TITLE_FORBIDDEN.sub(" ", str(title)).strip().strip("'").strip()[:MAX_TITLE].strip() or "Sheet"
        if base.lower() == "history":  # reserved by Excel
            base = "History 1"
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[: MAX_TITLE - len(suffix)].rstrip() + suffix
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # openpyxl stores dates too
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, bool | int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]  # and Decimal
    text = _ILLEGAL.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=text)
    if is_formula_like(text):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cell.quotePrefix = True
    return cell


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, spec in zip(sheet_titles([s.title for s in sheets]), sheets, strict=True):
        sheet = workbook.create_sheet(title)
        rows = list(spec.rows)
        if rows:
            widths = [max(12, min(60, len(str(h)) + 4)) for h in rows[0]]
            for i, width in enumerate(widths):
                sheet.column_dimensions[_column_letter(i)].width = width
        for i, row in enumerate(rows):
            cells = [_xlsx_cell(sheet, v) for v in row]
            if i == 0:
                for cell in cells:
                    cell.font = bold
            sheet.append(cells)
        for note in spec.notes:
            sheet.append([])
            sheet.append([_xlsx_cell(sheet, note)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _download(body: bytes, content_type: str, filename: str, public: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if not public:
        response["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    rows: Sequence[Sequence[Any]],
    filename: str,
    notes: Sequence[str] = (),
    delimiter: str = ",",
    public: bool = False,
) -> HttpResponse:
    """``filename`` without the extension. Not public: never stored by a browser or proxy."""
    return _download(csv_bytes(rows, notes, delimiter), CSV_TYPE, f"{filename}.csv", public)


def xlsx_response(sheets: Sequence[Sheet], filename: str, public: bool = False) -> HttpResponse:
    return _download(xlsx_bytes(sheets), XLSX_TYPE, f"{filename}.xlsx", public)


def table_response(
    fmt: str, rows: Sequence[Sequence[Any]], filename: str, title: str, notes: Sequence[str] = ()
) -> HttpResponse:
    """One table as ``fmt`` (one of ``FORMATS``)."""
    if fmt == "xlsx":
        return xlsx_response([Sheet(title, rows, notes)], filename)
    return csv_response(rows, filename, notes, delimiter=CSV_DELIMITERS[fmt])
