"""Spreadsheet imports: sites and venues, uses recorded offline, card registrations recorded offline.

Every row goes through the same form or service as the web UI. The whole file runs in
one transaction and is rolled back if any row fails, so a file imports fully or not at
all; the errors name the row and the column in the user's language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaiku.audit import services as audit
from kaiku.cards import services as cards
from kaiku.cards.forms import HolderDetailsForm
from kaiku.cards.models import CardEvent, Gender, LifeSituation
from kaiku.network.models import Area, Municipality, NationalSettings, Sector, Site
from kaiku.offers.models import Offer
from kaiku.partners import services
from kaiku.partners.forms import SiteForm
from kaiku.partners.models import Duplicates, ImportRecord
from kaiku.partners.spreadsheets import SpreadsheetError, Table, cell_text, looks_like_formula
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, HeldUse, Reason

# Offline records older than this are not accepted: they would change closed statistics.
OLDEST = dt.timedelta(days=366)


@dataclass(frozen=True)
class Column:
    code: str
    label: Any  # lazy, translated
    required: bool = True
    help: Any = ""


SITE_COLUMNS = [
    Column("kind", gettext_lazy("Kind"), help=gettext_lazy("distributor, venue or agency")),
    Column("name", gettext_lazy("Name")),
    Column("organisation", gettext_lazy("Organisation"), required=False),
    Column(
        "municipality", gettext_lazy("Municipality code"), required=False, help=gettext_lazy("Three digits, e.g. 837")
    ),
    Column(
        "sector", gettext_lazy("Sector"), required=False, help=gettext_lazy("culture, education, science or sports")
    ),
    Column("address", gettext_lazy("Visiting address"), required=False),
    Column("website", gettext_lazy("Website"), required=False),
    Column("contact_name", gettext_lazy("Contact person"), required=False),
    Column("contact_email", gettext_lazy("Contact e-mail"), required=False),
]
USE_COLUMNS = [
    Column("date", gettext_lazy("Date"), help=gettext_lazy("The day of the visit, e.g. 2026-05-31 or 31.5.2026")),
    Column("card_number", gettext_lazy("Card number")),
    Column("event", gettext_lazy("Event"), required=False, help=gettext_lazy("The offer's title, if it is in Kaiku")),
    Column("adults", gettext_lazy("Adults"), required=False, help=gettext_lazy("Always 1: one row per card")),
    Column(
        "children",
        gettext_lazy("Children"),
        required=False,
        help=gettext_lazy("With a community card: clients under 16"),
    ),
    Column("assistants", gettext_lazy("Assistants"), required=False),
]
REGISTRATION_COLUMNS = [
    Column("date", gettext_lazy("Date"), help=gettext_lazy("The day the card was given")),
    Column("card_number", gettext_lazy("Card number"), help=gettext_lazy("The number printed on the card")),
    Column("birth_year", gettext_lazy("Birth year")),
    Column("postal_code", gettext_lazy("Postal code")),
    Column("municipality", gettext_lazy("Municipality code"), help=gettext_lazy("Three digits, e.g. 837")),
    Column("children", gettext_lazy("Children"), required=False),
    Column("gender", gettext_lazy("Gender"), required=False),
    Column("life_situation", gettext_lazy("Life situation"), required=False),
]
COLUMNS = {
    ImportRecord.Kind.SITES: SITE_COLUMNS,
    ImportRecord.Kind.USES: USE_COLUMNS,
    ImportRecord.Kind.REGISTRATIONS: REGISTRATION_COLUMNS,
}


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


def _map_header(table: Table, columns: list[Column]) -> dict[str, int]:
    header = [h.strip().lower() for h in table.header]
    found: dict[str, int] = {}
    for column in columns:
        names = _labels(column)
        for i, h in enumerate(header):
            if h in names:
                found[column.code] = i
                break
    missing = [str(c.label) for c in columns if c.required and c.code not in found]
    if missing:
        raise SpreadsheetError("missing_columns", columns=", ".join(missing))
    return found


def _choice(value: str, choices: list[tuple[str, Any]]) -> str:
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


def _int(value: str, default: int = 0) -> int | None:
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return None


Handler = Callable[[int, dict[str, Any], "_Context"], None]


@dataclass
class _Context:
    errors: list[RowError]
    columns: dict[str, Column]
    created: int = 0
    skipped: int = 0
    held: int = 0  # uses dated before the import's window: waiting for the venue admin's review
    seen: Counter[str] = field(default_factory=Counter)

    def error(self, row: int, code: str, message: Any) -> None:
        column = self.columns.get(code)
        self.errors.append(RowError(row, str(column.label) if column else code, str(message)))


def _run(
    kind: str,
    table: Table,
    handler: Handler,
    *,
    actor: Any,
    filename: str,
    area: Area | None,
    site: Site | None,
    duplicates: str = Duplicates.REPORT,
) -> ImportResult:
    columns = COLUMNS[ImportRecord.Kind(kind)]
    positions = _map_header(table, columns)
    if not table.rows:
        raise SpreadsheetError("empty")
    ctx = _Context(errors=[], columns={c.code: c for c in columns})
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


# --- Sites and venues ------------------------------------------------------------------


def import_sites(area: Area, table: Table, actor: Any, filename: str = "") -> ImportResult:
    def handle(row: int, raw: dict[str, Any], ctx: _Context) -> None:
        data = {code: cell_text(v) for code, v in raw.items()}
        data["kind"] = _choice(data.get("kind", ""), Site.Kind.choices)
        data["sector"] = _choice(data.get("sector", ""), Sector.choices)
        form = SiteForm(data=data, area=area)
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    ctx.error(row, name if name != "__all__" else "name", message)
            return
        services.create_site(form.save(commit=False), actor)
        ctx.created += 1

    return _run(ImportRecord.Kind.SITES, table, handle, actor=actor, filename=filename, area=area, site=None)


# --- Uses recorded offline ------------------------------------------------------------

REASON_COLUMN = {
    Reason.TOO_MANY_CHILDREN: "children",
    Reason.CHILDREN_NOT_ALLOWED_COURSE: "children",
    Reason.COMMUNITY_GROUP_TOO_LARGE: "children",
    Reason.COMMUNITY_CLIENTS_PERSONAL: "children",
    Reason.BAD_COUNTS: "assistants",
    Reason.ALREADY_USED: "event",
    Reason.QUOTA_FULL: "event",
    Reason.SOLD_OUT: "event",
    Reason.EXCLUDED: "event",
    Reason.OFFER_ELSEWHERE: "event",
    Reason.VENUE_CLOSED: "date",
}


def _offer_by_title(venue: Site, title: str) -> Offer | None:
    return (
        Offer.objects.filter(venue=venue)
        .filter(Q(title_fi__iexact=title) | Q(title_sv__iexact=title) | Q(title_en__iexact=title))
        .order_by("-starts_on", "-pk")
        .first()
    )


def _date_in_range(value: Any, row: int, ctx: _Context) -> dt.date | None:
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


def import_uses(
    venue: Site, table: Table, actor: Any, filename: str = "", duplicates: str = Duplicates.REPORT
) -> ImportResult:
    """Uses from the paper form. Each row is a ``record_use`` with its original date (flagged late).

    Rows that repeat an earlier row are refused unless ``duplicates`` says to record or skip them.
    """
    offers: dict[str, Offer | None] = {}
    kinds: dict[str, bool] = {}  # card number → is a community card; a file repeats numbers

    def handle(row: int, raw: dict[str, Any], ctx: _Context) -> None:
        data = {code: cell_text(v) for code, v in raw.items()}
        day = _date_in_range(raw.get("date"), row, ctx)
        number = data.get("card_number", "")
        if not number:
            ctx.error(row, "card_number", _("The card number is missing."))
        adults, children, assistants = (
            _int(data.get("adults", ""), 1),
            _int(data.get("children", "")),
            _int(data.get("assistants", "")),
        )
        if adults != 1:
            ctx.error(row, "adults", _("One card admits one adult: write each card on its own row."))
        if children is None or children < 0:
            ctx.error(row, "children", _("Write the number of children as a whole number."))
        if assistants is None or assistants < 0:
            ctx.error(row, "assistants", _("Write the number of assistants as a whole number."))
        event = data.get("event", "")
        offer = None
        if event:
            if event.lower() not in offers:
                offers[event.lower()] = _offer_by_title(venue, event)
            offer = offers[event.lower()]
        if (
            day is None
            or not number
            or adults != 1
            or children is None
            or children < 0
            or assistants is None
            or assistants < 0
        ):
            return
        if number not in kinds:
            card, _reason, _normalised = visits.find_card(number)
            kinds[number] = card is not None and card.is_community
        community = kinds[number]
        fingerprint = f"{day}|{number.upper()}|{event.lower()}|{children}|{assistants}"
        ctx.seen[fingerprint] += 1
        key = "import-" + hashlib.sha256(f"{fingerprint}|{ctx.seen[fingerprint]}".encode()).hexdigest()[:40]
        # Noon on the day: the paper form has no time, and noon keeps the local date in any zone.
        # The device-time rule of every channel (visits.services.judge_device_time) clamps
        # today's noon to now and holds a day older than IMPORT_WINDOW for review.
        scanned_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
        use = {
            "number": number,
            "idempotency_key": key,
            "children": 0 if community else children,
            "community_clients": children if community else 0,
            "assistants": assistants,
            "offer": offer,
            "scanned_at": scanned_at,
        }
        via = f"{filename} {event}".strip()[:120]
        result = visits.submit_use(
            visits.use_request(venue, use, channel=Channel.IMPORT, recorded_by=actor, recorded_via=via)
        )
        if isinstance(result, HeldUse):
            ctx.held += 1
        elif not result.accepted:
            ctx.error(row, REASON_COLUMN.get(Reason(result.reason), "card_number"), Reason(result.reason).label)
        elif result.created:
            ctx.created += 1
        else:
            ctx.skipped += 1

    return _run(
        ImportRecord.Kind.USES,
        table,
        handle,
        actor=actor,
        filename=filename,
        area=None,
        site=venue,
        duplicates=duplicates,
    )


# --- Card registrations recorded offline ----------------------------------------------

LOST_ZERO = gettext_lazy(
    "%(value)s is too short: the code has %(digits)s digits. If it begins with 0, format the column as text "
    "in Excel, type the code in full and upload the file again."
)

CARD_ERROR_COLUMN = {
    "too_young": "birth_year",
    "birth_year_invalid": "birth_year",
    "municipality_not_in_network": "municipality",
    "municipality_outside_local_area": "municipality",
    "postal_code_invalid": "postal_code",
    "children_invalid": "children",
}


def import_registrations(site: Site, table: Table, actor: Any, filename: str = "") -> ImportResult:
    """Cards given out on paper: registered with ``register_card``, dated on the day they were given."""

    def handle(row: int, raw: dict[str, Any], ctx: _Context) -> None:
        data = {code: cell_text(v) for code, v in raw.items()}
        day = _date_in_range(raw.get("date"), row, ctx)
        number = data.get("card_number", "")
        if not number:
            ctx.error(row, "card_number", _("The card number is missing."))
        # Excel drops a leading zero from a number: 03310 arrives as 3310, 091 as 91. Never
        # pad it back silently; the person who typed it says what they meant.
        code = data.get("municipality", "")
        municipality = None
        if code.isdigit() and len(code) < 3:
            ctx.error(row, "municipality", LOST_ZERO % {"value": code, "digits": 3})
        else:
            municipality = Municipality.objects.filter(code=code).first()
            if municipality is None:
                ctx.error(row, "municipality", _("No municipality has this code."))
        postal_code = data.get("postal_code", "")
        short_postal_code = postal_code.isdigit() and len(postal_code) < 5
        if short_postal_code:
            ctx.error(row, "postal_code", LOST_ZERO % {"value": postal_code, "digits": 5})
        form = HolderDetailsForm(
            data={
                "birth_year": data.get("birth_year", ""),
                "municipality": municipality.pk if municipality else "",
                "postal_code": postal_code,
                "children": data.get("children") or "0",
                "gender": _choice(data.get("gender", ""), Gender.choices),
                "life_situation": _choice(data.get("life_situation", ""), LifeSituation.choices),
            },
            site=site,
        )
        if not form.is_valid():
            for name, messages in form.errors.items():
                if (name == "municipality" and municipality is None) or (name == "postal_code" and short_postal_code):
                    continue
                for message in messages:
                    ctx.error(row, name if name in ctx.columns else "card_number", message)
            return
        if day is None or not number or municipality is None:
            return
        details = form.details()
        reason = cards.eligibility_error(details, site, on=day)
        if reason:
            ctx.error(
                row,
                CARD_ERROR_COLUMN.get(reason, "card_number"),
                cards.CardError(reason, age=NationalSettings.get().min_holder_age).message,
            )
            return
        try:
            # Given on paper earlier: the year of validity and the statistics run from that day.
            issued = cards.register_card(site, details, actor, number=number, on=day)
        except cards.CardError as exc:
            ctx.error(row, CARD_ERROR_COLUMN.get(exc.code, "card_number"), exc.message)
            return
        event = CardEvent.objects.get(card=issued.card, kind=CardEvent.Kind.REGISTERED)
        event.details = {**event.details, "import": filename[:100]}
        event.save(update_fields=["details"])
        ctx.created += 1

    return _run(ImportRecord.Kind.REGISTRATIONS, table, handle, actor=actor, filename=filename, area=None, site=site)
