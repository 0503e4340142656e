"""Spreadsheet imports: the all-or-nothing run every import shares.

Each import lives in the app whose rows it writes (``network.imports`` sites and venues,
``visits.imports`` uses recorded offline, ``cards.imports`` card registrations recorded
offline); each row goes through the same form or service as the web UI. The whole file
runs in one transaction and is rolled back if any row fails, so a file imports fully or
not at all; the errors name the row and the column in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaiku.audit import services as audit
from kaiku.network.models import Area, Site
from kaiku.web.models import Duplicates, ImportRecord
from kaiku.web.uploads import SpreadsheetError, Table, cell_text, looks_like_formula

# Offline records older than this are not accepted: they would change closed statistics.
OLDEST = dt.timedelta(days=366)


@dataclass(frozen=True)
class Column:
    code: str
    label: Any  # lazy, translated
    required: bool = True
    help: Any = ""


@dataclass
class RowError:
    row: int
    column: str
    message: str


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} errors")


@dataclass
class ImportResult:
    rows: int
    created: int
    skipped: int = 0
    details: dict[str, Any] = field(default_factory=dict)


class _Rollback(Exception):
    pass


def _labels(column: Column) -> set[str]:
    names = {column.code.lower(), column.code.replace("_", " ").lower()}
    for lang in ("fi", "sv", "en"):
        with translation.override(lang):
            names.add(str(column.label).strip().lower())
    return names


def header_positions(header: Sequence[str], columns: list[Column]) -> tuple[dict[str, int], list[str]]:
    """Each column's position in the first row (by code or label in any language), and the
    labels of the required columns not found."""
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for column in columns:
        names = _labels(column)
        for i, h in enumerate(lowered):
            if h in names:
                found[column.code] = i
                break
    missing = [str(c.label) for c in columns if c.required and c.code not in found]
    return found, missing


def map_header(table: Table, columns: list[Column]) -> dict[str, int]:
    found, missing = header_positions(table.header, columns)
    if missing:
        raise SpreadsheetError("missing_columns", columns=", ".join(missing))
    return found


def choice(value: str, choices: list[tuple[str, Any]]) -> str:
    """A choice code from its code or its label in any of the three languages."""
    text = value.strip().lower()
    for code, label in choices:
        if text == code.lower():
            return code
        for lang in ("fi", "sv", "en"):
            with translation.override(lang):
                if text == str(label).lower():
                    return code
    return value.strip()


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text) or None
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def whole_number(value: str, default: int = 0) -> int | None:
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return None


Handler = Callable[[int, dict[str, Any], "Context"], None]


@dataclass
class Context:
    errors: list[RowError]
    columns: dict[str, Column]
    created: int = 0
    skipped: int = 0
    held: int = 0  # uses dated before the import's window: waiting for the venue admin's review
    seen: Counter[str] = field(default_factory=Counter)

    def error(self, row: int, code: str, message: Any) -> None:
        column = self.columns.get(code)
        self.errors.append(RowError(row, str(column.label) if column else code, str(message)))


def run(
    kind: str,
    columns: list[Column],
    table: Table,
    handler: Handler,
    *,
    actor: Any,
    filename: str,
    area: Area | None,
    site: Site | None,
    duplicates: str = Duplicates.REPORT,
) -> ImportResult:
    positions = map_header(table, columns)
    if not table.rows:
        raise SpreadsheetError("empty")
    ctx = Context(errors=[], columns={c.code: c for c in columns})
    first_seen: dict[tuple[str, ...], int] = {}
    repeated = 0
    try:
        with transaction.atomic():
            for number, values in table.rows:
                raw = {code: (values[i] if i < len(values) else None) for code, i in positions.items()}
                bad = [code for code, v in raw.items() if looks_like_formula(v)]
                for code in bad:
                    ctx.error(number, code, _("Formulas are not accepted: type the value itself."))
                if bad:
                    continue
                # A repeated row is a typing slip as often as a second visit: never guess.
                fingerprint = tuple(cell_text(raw[code]).lower() for code in sorted(raw))
                first = first_seen.setdefault(fingerprint, number)
                if first != number:
                    repeated += 1
                    if duplicates == Duplicates.SKIP:
                        continue
                    if duplicates != Duplicates.SEPARATE:
                        message = (
                            _("The same as row %(row)s. Choose below whether repeated rows are separate uses.")
                            if kind == ImportRecord.Kind.USES
                            else _("The same as row %(row)s. Remove the repeated row.")
                        )
                        ctx.error(number, columns[0].code, message % {"row": first})
                        continue
                handler(number, raw, ctx)
            if ctx.errors:
                raise _Rollback
            record = ImportRecord.objects.create(
                kind=kind,
                area=area,
                site=site,
                filename=filename[:200],
                rows=len(table.rows),
                created=ctx.created,
                by=actor if getattr(actor, "pk", None) else None,
            )
            audit.record(
                actor,
                f"partners.import_{kind}",
                record,
                changes={
                    "rows": len(table.rows),
                    "created": ctx.created,
                    "skipped": ctx.skipped,
                    "repeated": repeated,
                    "duplicates": duplicates or "report",
                },
                area=area or (site.area if site else None),
            )
    except _Rollback:
        raise ImportFailed(ctx.errors) from None
    return ImportResult(
        rows=len(table.rows),
        created=ctx.created,
        skipped=ctx.skipped,
        details={"repeated": repeated, "held": ctx.held},
    )


def date_in_range(value: Any, row: int, ctx: Context) -> dt.date | None:
    day = parse_date(value)
    today = timezone.localdate()
    if day is None:
        ctx.error(row, "date", _("Write the date as 2026-05-31 or 31.5.2026."))
    elif day > today:
        ctx.error(row, "date", _("The date is in the future."))
    elif day < today - OLDEST:
        ctx.error(row, "date", _("The date is more than a year ago."))
    else:
        return day
    return None


def paper_record(row: int, raw: dict[str, Any], ctx: Context) -> tuple[dict[str, str], dt.date | None, str]:
    """A row of a paper form: its cells as text, its date (checked) and its card number (required)."""
    data = {code: cell_text(v) for code, v in raw.items()}
    day = date_in_range(raw.get("date"), row, ctx)
    number = data.get("card_number", "")
    if not number:
        ctx.error(row, "card_number", _("The card number is missing."))
    return data, day, number
