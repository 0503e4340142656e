"""Reading a register export: CSV or XLSX, bounded in size and rows.

The whole register arrives at once, so the limits are larger than those of the everyday
imports (``kaiku.web.uploads``), whose archive checks, CSV decoding and cell
helpers are reused. Any problem raises ``SpreadsheetError`` with a stable ``code``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kaiku.web.uploads import check_archive, decode_csv, header_delimiter

# The command reads the whole national register; the page takes one area's export.
COMMAND_MAX_BYTES = 300 * 1024 * 1024
PAGE_MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 30
MAX_CELL_CHARS = 320


class ExportError(Exception):
    MESSAGES: dict[str, Any] = {
        "too_large": _("The file is larger than %(mb)s MB. Split it into smaller files."),
        "not_a_spreadsheet": _("This file is not a spreadsheet. Upload an .xlsx or .csv file."),
        "empty": _("The file has no rows."),
        "too_many_rows": _("The file has more than 1,000,000 rows. Split it into smaller files."),
        "too_many_columns": _("Row %(row)s has more than 30 columns. Remove the extra columns."),
        "cell_too_long": _("Row %(row)s holds a value longer than 320 characters."),
        "missing_columns": _("The first row must name the columns. Missing: %(columns)s."),
        "unreadable": _("The file could not be read: %(detail)s"),
    }

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        template = self.MESSAGES[code]
        self.message = str(template) % params if params else str(template)
        super().__init__(self.message)


@dataclass
class Export:
    header: list[str]
    rows: list[tuple[int, Sequence[Any]]]  # (row number in the file, cell values)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    check_archive(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    yield from enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1)


def _csv_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=header_delimiter(first_line))
    yield from enumerate(reader, start=1)


def read_export(data: bytes, max_bytes: int = PAGE_MAX_BYTES) -> Export:
    from kaiku.web.uploads import SpreadsheetError

    if len(data) > max_bytes:
        raise ExportError("too_large", mb=max_bytes // (1024 * 1024))
    if not data.strip():
        raise ExportError("empty")
    header: list[str] | None = None
    rows: list[tuple[int, Sequence[Any]]] = []
    try:
        source = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
        for number, values in source:
            if len(values) > MAX_COLUMNS and any(v not in (None, "") for v in values[MAX_COLUMNS:]):
                raise ExportError("too_many_columns", row=number)
            values = values[:MAX_COLUMNS]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in values):
                raise ExportError("cell_too_long", row=number)
            if header is None:
                header = [str(v or "").strip() for v in values]
                continue
            if len(rows) >= MAX_ROWS:
                raise ExportError("too_many_rows")
            rows.append((number, values))
    except SpreadsheetError as exc:
        raise ExportError("unreadable", detail=exc.message) from None
    except (csv.Error, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:  # a broken archive or CSV
        raise ExportError("not_a_spreadsheet") from exc
    if header is None or not rows:
        raise ExportError("empty")
    return Export(header, rows)
