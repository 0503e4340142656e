"""Reading a register export: CSV or XLSX, with the migration import's larger limits.

The reading itself is the everyday imports' (``kaiku.web.uploads.read_bytes``: archive
checks, CSV decoding, rows, columns and cell length), given limits sized for a whole
register. Any problem raises ``ExportError`` with a stable ``code`` and a message that
names this import's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kaiku.web.errors import CodedError
from kaiku.web.uploads import Limits, SpreadsheetError, read_bytes

# The command reads the whole national register; the page takes one area's export.
COMMAND_MAX_BYTES = 300 * 1024 * 1024
PAGE_MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 30
MAX_CELL_CHARS = 320


def limits(max_bytes: int) -> Limits:
    """The reader's limits for a file of at most ``max_bytes``: an .xlsx may unpack to 8 times
    its size (XML packs 5 to 20 times), with a text per three cells at most."""
    return Limits(
        max_bytes=max_bytes,
        max_rows=MAX_ROWS,
        max_columns=MAX_COLUMNS,
        max_cell_chars=MAX_CELL_CHARS,
        max_unpacked=max(40 * 1024 * 1024, 8 * max_bytes),
        max_shared_strings=MAX_ROWS * MAX_COLUMNS // 3,
    )


class ExportError(CodedError):
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


@dataclass
class Export:
    header: list[str]
    rows: Sequence[tuple[int, Sequence[Any]]]  # (row number in the file, cell values)


def read_export(data: bytes, max_bytes: int = PAGE_MAX_BYTES) -> Export:
    try:
        table = read_bytes(data, limits(max_bytes))
    except SpreadsheetError as exc:
        if exc.code == "too_large":
            raise ExportError("too_large", mb=max_bytes // (1024 * 1024)) from None
        if exc.code in ("too_many_columns", "cell_too_long"):
            raise ExportError(exc.code, row=exc.params.get("row", "")) from None
        if exc.code in ("empty", "too_many_rows", "not_a_spreadsheet"):
            raise ExportError(exc.code) from None
        raise ExportError("unreadable", detail=exc.message) from None
    if not table.rows:
        raise ExportError("empty")
    return Export(table.header, table.rows)
