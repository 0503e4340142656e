"""Reading and writing spreadsheets safely: XLSX (openpyxl) and CSV.

Uploads are read defensively: a size limit before parsing, a row limit while
parsing, formulas refused. Exports escape cells that a spreadsheet program would
run as a formula (CWE-1236).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetError(Exception):
    MESSAGES: dict[str, Any] = {
        "too_large": _("The file is larger than 10 MB. Split it into smaller files."),
        "not_a_spreadsheet": _("This file is not a spreadsheet. Upload an .xlsx or .csv file."),
        "empty": _("The file has no rows."),
        "too_many_rows": _("The file has more than 20,000 rows. Split it into smaller files."),
        "missing_columns": _("The first row must name the columns. Missing: %(columns)s."),
    }

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        template = self.MESSAGES[code]
        self.message = str(template) % params if params else str(template)
        super().__init__(self.message)


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cell values)


def read_upload(upload: UploadedFile) -> Table:
    if upload.size is not None and upload.size > MAX_BYTES:
        raise SpreadsheetError("too_large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SpreadsheetError("too_large")
    return read_bytes(data)


def read_bytes(data: bytes) -> Table:
    if not data.strip():
        raise SpreadsheetError("empty")
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    else:
        rows = _csv_rows(data)
    table: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    for number, values in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header = [str(v or "").strip() for v in values[:MAX_COLUMNS]]
            continue
        if len(table) >= MAX_ROWS:
            raise SpreadsheetError("too_many_rows")
        table.append((number, list(values[:MAX_COLUMNS])))
    if header is None:
        raise SpreadsheetError("empty")
    return Table(header, table)


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, Sequence[Any]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # Materialise inside the try: a broken archive may fail only while rows are read.
        # islice: a small compressed file can hold millions of rows; never read past the limit.
        rows = enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1)
        return [(i, list(row)) for i, row in itertools.islice(rows, MAX_ROWS + 2)]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as exc:
        raise SpreadsheetError("not_a_spreadsheet") from exc
    except Exception as exc:  # openpyxl raises many kinds for malformed XML
        raise SpreadsheetError("not_a_spreadsheet") from exc


def _csv_rows(data: bytes) -> Sequence[tuple[int, Sequence[Any]]]:
    if b"\x00" in data[:8192]:
        raise SpreadsheetError("not_a_spreadsheet")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in Finland saves "CSV" in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
        if "\n" not in sample.strip() and "," not in sample and ";" not in sample and "\t" not in sample:
            raise SpreadsheetError("not_a_spreadsheet") from None
    try:
        return list(itertools.islice(enumerate(csv.reader(io.StringIO(text), dialect), 1), MAX_ROWS + 2))
    except csv.Error as exc:
        raise SpreadsheetError("not_a_spreadsheet") from exc


def cell_text(value: Any) -> str:
    """A cell as text: integral floats lose their '.0', dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def looks_like_formula(value: Any) -> bool:
    """A text cell a spreadsheet would evaluate: '=…', '@…', or '+'/'-' not followed by a plain number."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or text[0] not in "=+-@":
        return False
    if text[0] in "+-":
        try:
            float(text)
        except ValueError:
            return True
        return False
    return True


def safe_cell(value: Any) -> Any:
    """Escape text that a spreadsheet program would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_bytes(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    """A workbook of (title, header, rows) sheets, every cell escaped."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append([safe_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for i, h in enumerate(header, 1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(12, len(str(h)) + 4)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell_text(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
