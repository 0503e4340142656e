"""Reading uploaded spreadsheets without letting a file hurt the server: XLSX and CSV.

Every limit is checked before the expensive step it protects: the upload's size before
it is read, an .xlsx archive's central directory (the unpacked size of each part, how
tightly it is packed, how many shared strings it holds) before openpyxl parses
anything, then rows, columns and cell length while the rows are read. openpyxl reads
in read-only mode and parses XML through ``defusedxml`` (installed, so openpyxl uses
it). A CSV's encoding is detected or refused, and its delimiter is decided from the
header row. Any problem raises ``SpreadsheetError`` with a stable ``code``.

Writing lives in ``kaiku.web.spreadsheets``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kaiku.web.errors import CodedError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40
# The most one cell of Excel holds.
MAX_CELL_CHARS = 32_767
# An .xlsx is a zip archive: its parts together may unpack to at most this much ...
MAX_UNPACKED = 40 * 1024 * 1024
# ... no part larger than this may be packed more tightly than this (XML packs about
# 5 to 20 times; a zip bomb thousands of times) ...
RATIO_CHECKED_FROM = 1024 * 1024
MAX_RATIO = 100
# ... and it may hold at most this many shared strings (each one is kept in memory).
MAX_SHARED_STRINGS = 200_000
MAX_PARTS = 500


@dataclass(frozen=True)
class Limits:
    """What one read may cost. The everyday imports use the module's limits (``default_limits``);
    the migration import (``kaiku.takeover.reading``) reads a whole register with larger ones."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_unpacked: int
    max_shared_strings: int

    @property
    def max_physical_rows(self) -> int:
        # Rows read at most, blank ones included: a sheet can claim a row a million rows down.
        return 5 * self.max_rows


def default_limits() -> Limits:
    """The module's limits, read when called (a test may lower one)."""
    return Limits(MAX_BYTES, MAX_ROWS, MAX_COLUMNS, MAX_CELL_CHARS, MAX_UNPACKED, MAX_SHARED_STRINGS)


class SpreadsheetError(CodedError):
    MESSAGES: dict[str, Any] = {
        "too_large": _("The file is larger than 10 MB. Split it into smaller files."),
        "not_a_spreadsheet": _("This file is not a spreadsheet. Upload an .xlsx or .csv file."),
        "unpacks_too_large": _(
            "This .xlsx file unpacks to more than 40 MB or is packed suspiciously tightly. "
            "Remove extra sheets and formatting, or save it as CSV UTF-8, and upload it again."
        ),
        "too_many_strings": _("This .xlsx file holds more than 200,000 different texts. Split it into smaller files."),
        "encoding": _(
            "The characters of this CSV file could not be read. In Excel, choose Save As and the file type "
            "“CSV UTF-8 (comma delimited)”, and upload the new file."
        ),
        "empty": _("The file has no rows."),
        "too_many_rows": _("The file has more than 20,000 rows. Split it into smaller files."),
        "too_many_columns": _("Row %(row)s has more than 40 columns. Remove the extra columns."),
        "cell_too_long": _(
            "Row %(row)s, column %(column)s holds more than 32,767 characters, more than a cell of Excel can. "
            "Shorten the text."
        ),
        "missing_columns": _("The first row must name the columns. Missing: %(columns)s."),
    }


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


def read_bytes(data: bytes, limits: Limits | None = None) -> Table:
    """The header and the non-blank rows; ``SpreadsheetError`` when a limit is passed."""
    limits = limits or default_limits()
    if len(data) > limits.max_bytes:
        raise SpreadsheetError("too_large")
    if not data.strip():
        raise SpreadsheetError("empty")
    rows = _xlsx_rows(data, limits) if data[:4] == b"PK\x03\x04" else _csv_rows(data, limits)
    table: list[tuple[int, list[Any]]] = []
    header: list[str] | None = None
    for number, values in rows:
        values = list(values)
        if any(v not in (None, "") for v in values[limits.max_columns :]):
            raise SpreadsheetError("too_many_columns", row=number)
        values = values[: limits.max_columns]
        while values and values[-1] is None:  # openpyxl pads rows to the columns asked for
            values.pop()
        for i, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise SpreadsheetError("cell_too_long", row=number, column=_column_name(i))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header = [str(v or "").strip() for v in values]
            continue
        if len(table) >= limits.max_rows:
            raise SpreadsheetError("too_many_rows")
        table.append((number, values))
    if header is None:
        raise SpreadsheetError("empty")
    return Table(header, table)


def _column_name(index: int) -> str:
    """The spreadsheet's name of a 0-based column: A, B, ..., AN."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _numbered(rows: Iterable[Sequence[Any]], limits: Limits) -> Iterable[tuple[int, Sequence[Any]]]:
    for number, row in enumerate(rows, 1):
        if number > limits.max_physical_rows:
            raise SpreadsheetError("too_many_rows")
        yield number, row


# --- XLSX ---------------------------------------------------------------------------------

_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


def check_archive(data: bytes, limits: Limits | None = None) -> None:
    """Refuse an .xlsx that would cost too much to parse, from its central directory only.

    The sizes come from the archive's directory, which a hostile file can fake; Python's
    ``zipfile`` never unpacks a part past its declared size (and fails on the CRC), so
    openpyxl cannot be fed more than was checked here.
    """
    limits = limits or default_limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError("not_a_spreadsheet") from exc
    if len(parts) > MAX_PARTS:
        raise SpreadsheetError("not_a_spreadsheet")
    if sum(p.file_size for p in parts) > limits.max_unpacked:
        raise SpreadsheetError("unpacks_too_large")
    for part in parts:
        if part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise SpreadsheetError("unpacks_too_large")
    for part in parts:
        if part.filename.lower().endswith("sharedstrings.xml"):
            _count_shared_strings(archive, part, limits.max_shared_strings)


def _count_shared_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo, most: int) -> None:
    count = 0
    tail = b""
    try:
        with archive.open(part) as source:
            while chunk := source.read(1024 * 1024):
                block = tail + chunk
                # Count only matches that start in this chunk; the tail carries a split tag over.
                count += len(_SHARED_STRING.findall(block)) - len(_SHARED_STRING.findall(tail))
                if count > most:
                    raise SpreadsheetError("too_many_strings")
                tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise SpreadsheetError("not_a_spreadsheet") from exc


def _xlsx_rows(data: bytes, limits: Limits) -> Iterable[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    check_archive(data, limits)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        # The sheet's own <dimension> may be wrong; never let it cut rows off silently.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        # Materialise inside the try: a broken archive may fail only while rows are read.
        # One column past the limit: a value there is refused, not silently dropped.
        return list(_numbered(sheet.iter_rows(values_only=True, max_col=limits.max_columns + 1), limits))
    except SpreadsheetError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for malformed XML and archives
        raise SpreadsheetError("not_a_spreadsheet") from exc


# --- CSV ----------------------------------------------------------------------------------

# Windows-1252 punctuation that never sits between two letters in real text: seen there,
# the file is in another code page (Excel's "MS-DOS CSV" writes ä as byte 0x84, which
# Windows-1252 reads as a low quotation mark).
_DOS_MARKS = bytes([0x82, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8B, 0x91, 0x93, 0x94, 0x95, 0x98, 0x99, 0x9B])
_MISREAD = re.compile(rf"[^\W\d_][{re.escape(_DOS_MARKS.decode('cp1252'))}][^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252/Latin-1."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif b"\x00" in data[:8192]:
        # UTF-16 without a BOM, or a binary file: neither can be read as text.
        head = data[:8192]
        raise SpreadsheetError("encoding" if head.count(b"\x00") * 3 >= len(head) else "not_a_spreadsheet")
    else:
        encodings = ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252" and _MISREAD.search(text):
            break
        if _CONTROL.search(text):
            raise SpreadsheetError("not_a_spreadsheet")
        return text
    raise SpreadsheetError("encoding")


def header_delimiter(text: str) -> str:
    """The delimiter the header row uses most, outside quotes: ';', ',' or a tab."""
    line = ""
    for line in text.splitlines():
        if line.strip():
            break
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for char in line[: 64 * 1024]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes, limits: Limits) -> Iterable[tuple[int, Sequence[Any]]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=header_delimiter(text))
    rows = []
    try:
        for number, row in _numbered(reader, limits):
            rows.append((number, row))
    except csv.Error as exc:
        # The csv module refuses a field over 128 kB (field_size_limit), far over the cell limit.
        raise SpreadsheetError("cell_too_long", row=reader.line_num, column=_("unknown")) from exc
    return rows


# --- Cell values ------------------------------------------------------------------------


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
