"""Municipal population figures from Statistics Finland's PxWeb tables (the denominators).

The national admin downloads a table from StatFin's PxWeb (e.g. 11ra "Key figures on
population by region") as "Comma/Semicolon/Tab delimited with heading" and uploads it
with the year. The reader accepts that export as it comes (docs/reports.md):

* title lines before the header row are skipped; the header is the first row that
  names a population column;
* the area is the first column (or a column whose heading says "code"/"koodi"/"kod"):
  ``KU020 Akaa``, ``020 Akaa``, ``KU020``, ``020`` or a name in Finnish or Swedish;
  rows for the whole country, regions, sub-regions and wellbeing services counties
  (``SSS``, ``MK..``, ``SK..``, ``HV..``, ``KOKO MAA``) are skipped;
* columns are found by their heading in Finnish, Swedish or English, with or without
  the year (``2024 Väkiluku``, ``Population 2024``): the population (required), people
  aged 16 or over, and people at risk of poverty (both optional);
* ``..``, ``...`` and ``-`` (PxWeb's "not available") leave an optional figure empty.

An upload is all or nothing: every row is checked and every error is reported by row
before anything is written; a valid upload replaces that year's figures.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.reports.models import Population
from kaiku.reports.municipalities import code_for_name, official
from kaiku.web.errors import CodedError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_POPULATION = 10_000_000
MAX_ERRORS_SHOWN = 50

_NOT_AVAILABLE = {"", ".", "..", "...", "-", "–"}  # noqa: RUF001
_SKIPPED_AREA = re.compile(r"^(SSS|MK\d+|SK\d+|HV\d+|KOKO MAA|HELA LANDET|WHOLE COUNTRY)\b", re.IGNORECASE)
_AREA_CODE = re.compile(r"^(?:KU)?(\d{3})(?:\s+.*)?$", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


class PopulationError(CodedError):
    MESSAGES: dict[str, Any] = {
        "too_large": _("The file is larger than 2 MB. Choose only the municipalities and columns needed."),
        "encoding": _("The characters of this file could not be read. Save it as CSV (UTF-8) and try again."),
        "no_header": _(
            "No column of population was found. The file needs a column named “Väkiluku”, “Folkmängd” or "
            "“Population” (a CSV export of Statistics Finland's table 11ra, for example)."
        ),
        "year_not_in_file": _("The file has no population column for %(year)s."),
        "too_many_rows": _("The file has more than 5,000 rows."),
        "too_many_columns": _("The file has more than 200 columns."),
        "no_rows": _("The file has no municipalities."),
        "invalid_rows": _("Nothing was saved: the file has errors. Correct them and upload the file again."),
        "bad_year": _("Choose a year between 2000 and this year."),
    }

    def __init__(self, code: str, *, errors: list[RowError] | None = None, **params: Any) -> None:
        self.errors = errors or []
        super().__init__(code, **params)


ROW_MESSAGES: dict[str, Any] = {
    "unknown_municipality": _("“%(value)s” is not a Finnish municipality."),
    "duplicate": _("The municipality %(value)s is in the file twice."),
    "population_missing": _("The population is missing."),
    "not_a_number": _("“%(value)s” is not a whole number."),
    "too_big": _("%(value)s is larger than any municipality's population."),
    "more_than_population": _("%(value)s is larger than the population."),
}


@dataclass(frozen=True)
class RowError:
    row: int
    code: str
    value: str = ""

    @property
    def message(self) -> str:
        return str(ROW_MESSAGES[self.code]) % {"value": self.value}


@dataclass
class Parsed:
    figures: dict[str, dict[str, int | None]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Older PxWeb exports are in Windows-1252 (Latin-1 with a few extra characters).
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise PopulationError("encoding") from None


def _kind(heading: str) -> str | None:
    """Which figure a column heading names, if any (its year left out: "2016" is no age)."""
    h = _YEAR.sub("", heading).casefold()
    if any(word in h for word in ("%", "osuus", "share", "andel", "aste", "rate", "muutos", "change", "förändr")):
        return None
    if any(word in h for word in ("pienitulois", "risk of poverty", "low income", "low-income", "låginkomst")):
        return "at_risk_of_poverty"
    if "16" in h:
        return "aged_16_plus"
    if any(word in h for word in ("väkiluku", "population", "folkmängd", "väestö", "befolkning")):
        return "total"
    return None


def _is_code_heading(heading: str) -> bool:
    h = heading.casefold()
    return any(word in h for word in ("koodi", "code", "kod"))


def _header(rows: list[list[str]], year: int) -> tuple[int, dict[str, int]] | None:
    """The header row's index and the column of each figure for ``year``, or None."""
    for index, row in enumerate(rows[:50]):
        columns: dict[str, int] = {}
        other_years = False
        for i, cell in enumerate(row[1:], 1):
            kind = _kind(cell)
            if kind is None:
                continue
            years = {int(y) for y in _YEAR.findall(cell)}
            if years and year not in years:
                other_years = True
                continue
            columns.setdefault(kind, i)
        if "total" in columns:
            return index, columns
        if other_years:
            raise PopulationError("year_not_in_file", year=year)
    return None


def _number(text: str) -> int | None:
    value = re.sub(r"[\s\u00a0\u202f]", "", text)
    if value in _NOT_AVAILABLE:
        return None
    if not value.isdigit():
        raise ValueError(text)
    return int(value)


def _area_code(text: str) -> str | None:
    match = _AREA_CODE.match(text)
    if match:
        return match.group(1) if match.group(1) in official() else None
    return code_for_name(text)


def parse(data: bytes, year: int) -> Parsed:
    if len(data) > MAX_BYTES:
        raise PopulationError("too_large")
    text = _decode(data)
    found = None
    for delimiter in (";", "\t", ","):
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:  # a NUL character or a cell longer than the csv module's limit: not a table
            raise PopulationError("no_header") from None
        if len(rows) > MAX_ROWS:
            raise PopulationError("too_many_rows")
        found = _header(rows, year)
        if found is not None:
            break
    if found is None:
        raise PopulationError("no_header")
    header_index, columns = found
    header = rows[header_index]
    if len(header) > MAX_COLUMNS:
        raise PopulationError("too_many_columns")
    code_column = next((i for i, h in enumerate(header) if _is_code_heading(h)), 0)
    parsed = Parsed(columns=sorted(columns))
    for number, row in enumerate(rows[header_index + 1 :], header_index + 2):
        if not row or all(not cell.strip() for cell in row):
            continue
        area = row[code_column].strip() if len(row) > code_column else ""
        if _SKIPPED_AREA.match(area):
            continue
        code = _area_code(area)
        if code is None:
            parsed.errors.append(RowError(number, "unknown_municipality", area[:80]))
            continue
        if code in parsed.figures:
            parsed.errors.append(RowError(number, "duplicate", area[:80]))
            continue
        figures: dict[str, int | None] = {}
        ok = True
        for kind, i in columns.items():
            cell = row[i].strip() if len(row) > i else ""
            try:
                value = _number(cell)
            except ValueError:
                parsed.errors.append(RowError(number, "not_a_number", cell[:40]))
                ok = False
                continue
            if value is not None and value > MAX_POPULATION:
                parsed.errors.append(RowError(number, "too_big", str(value)))
                ok = False
                continue
            figures[kind] = value
        if not ok:
            continue
        total = figures.get("total")
        if total is None:
            parsed.errors.append(RowError(number, "population_missing"))
            continue
        for kind in ("aged_16_plus", "at_risk_of_poverty"):
            value = figures.get(kind)
            if value is not None and value > total:
                parsed.errors.append(RowError(number, "more_than_population", str(value)))
                ok = False
        if ok:
            parsed.figures[code] = figures
    return parsed


@dataclass
class Uploaded:
    year: int
    municipalities: int
    columns: list[str]


def upload_population(data: bytes, year: int, actor: Any) -> Uploaded:
    """Replace ``year``'s population figures with the file's, or raise PopulationError and change nothing."""
    if not 2000 <= year <= timezone.localdate().year:
        raise PopulationError("bad_year")
    parsed = parse(data, year)
    if parsed.errors:
        raise PopulationError("invalid_rows", errors=parsed.errors)
    if not parsed.figures:
        raise PopulationError("no_rows")
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        Population.objects.filter(year=year).delete()
        created = Population.objects.bulk_create(
            Population(
                municipality_code=code,
                year=year,
                total=f["total"] or 0,
                aged_16_plus=f.get("aged_16_plus"),
                at_risk_of_poverty=f.get("at_risk_of_poverty"),
                uploaded_by=user,
            )
            for code, f in sorted(parsed.figures.items())
        )
        audit.record(
            actor,
            "reports.population_uploaded",
            created[0],
            changes={"year": year, "municipalities": len(created), "columns": parsed.columns},
            label=f"population {year}",
        )
    return Uploaded(year, len(created), parsed.columns)
