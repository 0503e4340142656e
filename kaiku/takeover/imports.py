"""The migration import: an existing register's cards, past uses and monthly counts.

Each kind of file is read whole, every row checked, and then written in one transaction:
all or nothing. A dry run is the same run rolled back at the end, so its summary and its
errors are exactly those of the real run. A re-run matches cards by number (updated when
the export changed them, else left alone) and uses by a key made from the row, so
nothing is ever duplicated.

The rules are the register's own: a card's details are checked by
``cards.services.eligibility_error``, and every past use is recorded by
``visits.services.record_uses`` (the batch form of ``record_use``, import channel), so
each rule and statistic follows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaiku.audit import services as audit
from kaiku.cards import imports as card_imports
from kaiku.cards import legacy, numbers
from kaiku.cards import services as cards
from kaiku.cards.models import Card, CardEvent, Gender, LifeSituation
from kaiku.network.models import Municipality, NationalSettings, Sector, Site
from kaiku.pending.models import PendingStat
from kaiku.takeover.models import MONTHLY_MAX, MobileOnlyCard, MonthlyCount, SiteMapping, TakeoverRun
from kaiku.takeover.reading import Export, ExportError
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, Reason, Use
from kaiku.web.imports import Column, header_positions, parse_date
from kaiku.web.uploads import cell_text, looks_like_formula

# Rows written per statement batch; also how often the progress bar moves.
BATCH = 2000
NUMBER_MAX = Card._meta.get_field("number").max_length or 40

Progress = Callable[[int], None]


def normalise_number(text: str) -> tuple[str, str | None]:
    """The card number as the register keeps it, and why it cannot be one.

    A Kaiku number (with its check character) or a number of a declared legacy format
    (``kaiku.cards.legacy.parse_any``), in its canonical form; anything else is refused
    with a message for the row. The reserved mobile-only values X and Z are no number:
    the caller asks ``numbers.mobile_only_kind`` first.
    """
    text = text.strip()
    if not text:
        return "", None
    try:
        return legacy.parse_any(text).canonical, None
    except numbers.InvalidCardNumber:
        return "", _("The number is neither a Kaiku card number nor of a declared legacy format.")


# The old register's identifier of a row: required where the number is X or Z (a
# mobile-only card has no number of its own), so that a re-run finds the card again.
OLD_ID_MAX = MobileOnlyCard._meta.get_field("old_id").max_length or 64


def old_id_error(old_id: str) -> tuple[str, str] | None:
    """(reason code, message) when a mobile-only row's old identifier cannot key its card."""
    if not old_id:
        return "old_id_missing", _("A card numbered X or Z needs its identifier in the old register in this column.")
    if len(old_id) > OLD_ID_MAX:
        return "old_id_too_long", _("The identifier is longer than %(n)s characters.") % {"n": OLD_ID_MAX}
    return None


# Both the cards and the uses name the old register's identifier of a mobile-only card.
OLD_ID = Column(
    "old_id",
    gettext_lazy("Identifier in the old register"),
    required=False,
    help=gettext_lazy("Required where the number is X or Z"),
)
CARD_COLUMNS = [
    Column("number", gettext_lazy("Card number"), help=gettext_lazy("As printed on the card")),
    Column("site", gettext_lazy("Distributor site"), help=gettext_lazy("The old register's name or identifier")),
    Column("registered_on", gettext_lazy("Registration date"), help=gettext_lazy("2019-05-31 or 31.5.2019")),
    Column("valid_until", gettext_lazy("Valid until")),
    Column("birth_year", gettext_lazy("Birth year"), required=False, help=gettext_lazy("Empty on a community card")),
    Column("postal_code", gettext_lazy("Postal code"), required=False),
    Column("municipality", gettext_lazy("Home municipality"), required=False, help=gettext_lazy("Code, e.g. 837")),
    Column("children", gettext_lazy("Children under 18"), required=False),
    Column("kind", gettext_lazy("Kind"), help=gettext_lazy("personal or community")),
    Column("status", gettext_lazy("Status"), help=gettext_lazy("active or inactive")),
    Column("gender", gettext_lazy("Gender"), required=False),
    Column("life_situation", gettext_lazy("Life situation"), required=False),
    Column("email", gettext_lazy("E-mail"), required=False),
    Column("email_consent", gettext_lazy("E-mail consent"), required=False, help=gettext_lazy("yes or no")),
    OLD_ID,
]
USE_COLUMNS = [
    Column("number", gettext_lazy("Card number")),
    Column("date", gettext_lazy("Date"), help=gettext_lazy("The day of the visit")),
    Column("venue", gettext_lazy("Venue"), help=gettext_lazy("The old register's name or identifier")),
    Column("children", gettext_lazy("Children"), required=False),
    Column(
        "community_clients",
        gettext_lazy("Community clients"),
        required=False,
        help=gettext_lazy("Clients under 16 on a community card"),
    ),
    Column("assistants", gettext_lazy("Assistants"), required=False),
    Column("sector", gettext_lazy("Sector"), required=False, help=gettext_lazy("Else the venue's sector")),
    OLD_ID,
]
MONTHLY_COLUMNS = [
    Column("venue", gettext_lazy("Venue")),
    Column("month", gettext_lazy("Month"), help=gettext_lazy("2019-05 or 5/2019")),
    Column("sector", gettext_lazy("Sector"), required=False, help=gettext_lazy("Else the venue's sector")),
    Column("adult_uses", gettext_lazy("Adult uses")),
    Column("child_uses", gettext_lazy("Child uses"), required=False),
]
COLUMNS = {
    TakeoverRun.Kind.CARDS: CARD_COLUMNS,
    TakeoverRun.Kind.USES: USE_COLUMNS,
    TakeoverRun.Kind.MONTHLY: MONTHLY_COLUMNS,
}
# A file with more errors than this stops listing them: the first ones show what is wrong.
MAX_ERRORS = 200


@dataclass
class RowError:
    row: int
    column: str
    message: str
    # A stable reason code where the rule has one (the mobile-only rows'), else empty.
    code: str = ""


@dataclass
class Summary:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    unmatched: list[str] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0
    # Seconds per step (reading the rows and checking them, writing, the statistics' fold).
    phases: dict[str, float] = field(default_factory=dict)

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = self.phases.get(phase, 0.0) + now - since
        return now

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.unmatched


class _Rollback(Exception):
    pass


class _Errors:
    def __init__(self, summary: Summary, columns: list[Column]) -> None:
        self.summary = summary
        self.labels = {c.code: c.label for c in columns}

    def add(self, row: int, code: str, message: Any, reason: str = "") -> None:
        self.summary.error_count += 1
        if len(self.summary.errors) < MAX_ERRORS:
            self.summary.errors.append(RowError(row, str(self.labels.get(code, code)), str(message), reason))


# --- Columns and cells -------------------------------------------------------------------


def map_header(header: Sequence[str], columns: list[Column]) -> dict[str, int]:
    found, missing = header_positions(header, columns)
    if missing:
        raise ExportError("missing_columns", columns=", ".join(missing))
    return found


def _choices(choices: Iterable[tuple[str, Any]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way to write a choice (its code, its label in each language) → the code."""
    out = {code.lower(): code for code, _label in choices}
    for lang in ("fi", "sv", "en"):
        with translation.override(lang):
            for code, label in choices:
                out[str(label).lower()] = code
    out.update(extra or {})
    return out


def parse_month(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value.replace(day=1) if not isinstance(value, dt.datetime) else value.date().replace(day=1)
    text = cell_text(value)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or None
    n = re.fullmatch(r"(\d{1,2})[/.](\d{4})", text) or None
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), 1)
        if n:
            return dt.date(int(n[2]), int(n[1]), 1)
    except ValueError:
        return None
    day = parse_date(value)
    return day.replace(day=1) if day else None


def parse_count(text: str, default: int = 0, most: int = 10_000_000) -> int | None:
    if text == "":
        return default
    if not text.isdigit() or len(text) > 9:
        return None
    value = int(text)
    return value if value <= most else None


YES = {"yes", "y", "1", "true", "kyllä", "k", "ja", "x"}
NO = {"no", "n", "0", "false", "ei", "e", "nej", ""}


def _rows(
    export: Export, columns: list[Column], errors: _Errors
) -> Iterable[tuple[int, dict[str, str], dict[str, Any]]]:
    """(row number, cell texts by column code, raw values) for rows without formulas."""
    positions = map_header(export.header, columns)
    for number, values in export.rows:
        raw = {code: (values[i] if i < len(values) else None) for code, i in positions.items()}
        bad = [code for code, v in raw.items() if looks_like_formula(v)]
        for code in bad:
            errors.add(number, code, _("Formulas are not accepted: type the value itself."))
        if bad:
            continue
        yield number, {code: cell_text(v) for code, v in raw.items()}, raw


# --- The site mapping --------------------------------------------------------------------


def site_key(text: str) -> str:
    return " ".join(text.lower().split())[:200]


def _match(kind: str, source: str) -> Site | None:
    """A Kaiku site for the export's text: its identifier (``#12`` or ``12``), else its exact name."""
    sites = Site.objects.filter(kind=kind, offboarded_at__isnull=True)
    ident = source.strip().lstrip("#")
    if ident.isdigit() and len(ident) < 10:
        found = sites.filter(pk=int(ident)).first()
        if found is not None:
            return found
    named = list(sites.filter(name__iexact=source.strip())[:2])
    return named[0] if len(named) == 1 else None


def resolve_sites(kind: str, sources: Iterable[str]) -> dict[str, Site | None]:
    """The saved mapping for each source name (key → site), matching and saving names seen first now.

    Saved outside the import's transaction: the mapping stays for the next run, dry or not.
    """
    wanted = {site_key(s): s.strip()[:200] for s in sources if s.strip()}
    saved = {m.key: m for m in SiteMapping.objects.filter(kind=kind, key__in=list(wanted)).select_related("site__area")}
    for key, source in wanted.items():
        if key not in saved:
            saved[key] = SiteMapping.objects.create(kind=kind, key=key, source=source, site=_match(kind, source))
    return {key: (m.site if m.site_id else None) for key, m in saved.items()}


def map_site(mapping: SiteMapping, site: Site | None, actor: Any) -> SiteMapping:
    if site is not None and site.kind != mapping.kind:
        raise ValueError("wrong kind")
    mapping.site = site
    mapping.save(update_fields=["site", "updated_at"])
    audit.record(actor, "takeover.mapped", mapping, changes={"site": site.pk if site else None})
    return mapping


def _column(export: Export, code: str, columns: list[Column]) -> set[str]:
    """Every text of one column (none when the file lacks the optional column)."""
    i = map_header(export.header, columns).get(code)
    return set() if i is None else {cell_text(values[i]) for _n, values in export.rows if i < len(values)}


def _unmatched(kind: str, export: Export, code: str, columns: list[Column]) -> tuple[dict[str, Site | None], list[str]]:
    sources = _column(export, code, columns)
    sites = resolve_sites(kind, sources)
    unmatched = sorted({s for s in sources if s and sites.get(site_key(s)) is None})
    return sites, unmatched


# --- Running -----------------------------------------------------------------------------


def _run(
    kind: str,
    export: Export,
    body: Callable[[Summary, _Errors], None],
    *,
    filename: str,
    actor: Any,
    commit: bool,
) -> Summary:
    summary = Summary(kind=kind, rows=len(export.rows))
    errors = _Errors(summary, COLUMNS[TakeoverRun.Kind(kind)])
    started = time.monotonic()
    try:
        with transaction.atomic():
            body(summary, errors)
            if summary.error_count or summary.unmatched or not commit:
                raise _Rollback
            run = TakeoverRun.objects.create(
                kind=kind,
                filename=filename[:200],
                rows=summary.rows,
                created=summary.created,
                updated=summary.updated,
                unchanged=summary.unchanged,
                by=actor if getattr(actor, "pk", None) else None,
            )
            audit.record(
                actor,
                f"takeover.import_{kind}",
                run,
                changes={"rows": summary.rows, "created": summary.created, "updated": summary.updated},
            )
            summary.committed = True
    except _Rollback:
        pass
    summary.seconds = time.monotonic() - started
    return summary


# PostgreSQL plans from table statistics, and autovacuum never sees the rows of the
# import's one transaction: the tables it grows are analysed every this many batches.
ANALYZE_EVERY = 20


def _analyze(batch: int, *models: Any) -> None:
    if connection.vendor == "postgresql" and batch % ANALYZE_EVERY == 1:
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Cards -------------------------------------------------------------------------------

KINDS = _choices(Card.Kind.choices, {"henkilökohtainen": "personal", "yhteisö": "community"})
STATUSES = {
    **_choices([(Card.Status.ACTIVE, Card.Status.ACTIVE.label), (Card.Status.INACTIVE, Card.Status.INACTIVE.label)]),
    "aktiivinen": Card.Status.ACTIVE,
    "voimassa": Card.Status.ACTIVE,
    "passiivinen": Card.Status.INACTIVE,
    "inactivated": Card.Status.INACTIVE,
}
# The fields a re-run compares and updates (the number identifies the card).
CARD_FIELDS = (
    "site_id",
    "kind",
    "status",
    "registered_on",
    "valid_until",
    "birth_year",
    "municipality_id",
    "postal_code",
    "children",
    "gender",
    "life_situation",
    "portal_consent",
    "email",
)
UPDATED_FIELDS = [n.removesuffix("_id") for n in CARD_FIELDS] + ["issued_on", "updated_at"]
# The spreadsheet import's columns of the card rules, and the e-mail the migration export adds.
CARD_ERROR_COLUMN = {
    **card_imports.CARD_ERROR_COLUMN,
    "email_without_consent": "email_consent",
    "consent_without_email": "email",
}


def _number_of(
    row: int, data: dict[str, str], errors: _Errors, taken_over: dict[str, str] | None = None
) -> tuple[str, str | None]:
    """The row's card number, and its old identifier when the number is X or Z (else None).

    In a cards file (``taken_over`` None) a mobile-only row has no number yet; in a uses
    file its number is that of the card taken over with the row's identifier.
    """
    text = data.get("number", "")
    if numbers.mobile_only_kind(text) is not None:
        old_id = data.get("old_id", "")
        number = "" if taken_over is None else taken_over.get(old_id, "")
        wrong = old_id_error(old_id)
        if wrong is None and taken_over is not None and not number:
            wrong = ("old_id_unknown", _("No mobile-only card has this identifier: import the cards first."))
        if wrong:
            errors.add(row, "old_id", wrong[1], wrong[0])
        return number, old_id
    number, message = normalise_number(text)
    if message:
        errors.add(row, "number", message)
    elif not number:
        errors.add(row, "number", _("The card number is missing."))
    elif len(number) > NUMBER_MAX:
        errors.add(row, "number", _("The card number is longer than %(n)s characters.") % {"n": NUMBER_MAX})
    return number, None


def _card_from_row(
    row: int,
    data: dict[str, str],
    raw: dict[str, Any],
    errors: _Errors,
    sites: dict[str, Site | None],
    municipalities: dict[str, Municipality],
    genders: dict[str, str],
    situations: dict[str, str],
    rules: NationalSettings,
) -> dict[str, Any] | None:
    """The card's fields from one row, or None after adding the row's errors."""
    before = errors.summary.error_count
    # X or Z: a mobile-only card of the old register, found again by the row's old identifier.
    mobile_kind = numbers.mobile_only_kind(data.get("number", ""))
    number, old_id = _number_of(row, data, errors)
    site = sites.get(site_key(data.get("site", "")))
    if site is None and not data.get("site"):
        errors.add(row, "site", _("The distributor site is missing."))
    registered_on = parse_date(raw.get("registered_on"))
    valid_until = parse_date(raw.get("valid_until"))
    today = timezone.localdate()
    if registered_on is None:
        errors.add(row, "registered_on", _("Write the date as 2019-05-31 or 31.5.2019."))
    elif registered_on > today:
        errors.add(row, "registered_on", _("The date is in the future."))
    if valid_until is None:
        errors.add(row, "valid_until", _("Write the date as 2019-05-31 or 31.5.2019."))
    elif registered_on is not None and valid_until < registered_on:
        errors.add(row, "valid_until", _("The card is valid until a day before it was registered."))
    kind = KINDS.get(data.get("kind", "").lower())
    if kind is None:
        errors.add(row, "kind", _("Write personal or community."))
    elif mobile_kind is not None and kind != mobile_kind:
        errors.add(row, "kind", _("X marks a personal card and Z a community card."), "mobile_only_kind")
    status = STATUSES.get(data.get("status", "").lower())
    if status is None:
        errors.add(row, "status", _("Write active or inactive."))
    consent_text = data.get("email_consent", "").lower()
    if consent_text not in YES | NO:
        errors.add(row, "email_consent", _("Write yes or no."))
    consent = consent_text in YES
    email = data.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add(row, "email", _("Check the e-mail address."))
    gender = genders.get(data.get("gender", "").lower()) if data.get("gender") else ""
    if gender is None:
        errors.add(row, "gender", _("Not one of the choices: %(choices)s.") % {"choices": ", ".join(Gender.values)})
    situation = situations.get(data.get("life_situation", "").lower()) if data.get("life_situation") else ""
    if situation is None:
        errors.add(
            row,
            "life_situation",
            _("Not one of the choices: %(choices)s.") % {"choices": ", ".join(LifeSituation.values)},
        )
    fields: dict[str, Any] = {
        "number": number,
        # The old identifier of a mobile-only card (X or Z), else empty.
        "old_id": old_id or "",
        "site": site,
        "kind": kind,
        "status": status,
        "registered_on": registered_on,
        "valid_until": valid_until,
        "gender": gender or "",
        "life_situation": situation or "",
        "portal_consent": consent,
        "email": email,
    }
    if kind == Card.Kind.COMMUNITY:
        if any(data.get(c) for c in ("birth_year", "postal_code", "children", "gender", "life_situation", "email")):
            errors.add(row, "kind", cards.CardError("community_has_no_holder").message)
        fields.update(
            birth_year=None,
            postal_code="",
            children=0,
            municipality=site.municipality if site else None,
            portal_consent=False,
        )
    elif kind == Card.Kind.PERSONAL:
        birth_year = parse_count(data.get("birth_year", ""), default=-1, most=9999)
        children = parse_count(data.get("children", ""), default=0, most=99)
        code = data.get("municipality", "")
        municipality = municipalities.get(code)
        if birth_year is None or birth_year < 0:
            errors.add(row, "birth_year", cards.CardError("birth_year_invalid").message)
        if children is None:
            errors.add(row, "children", cards.CardError("children_invalid").message)
        if municipality is None:
            errors.add(row, "municipality", _("No municipality has this code."))
        if errors.summary.error_count == before and site is not None and registered_on is not None:
            assert birth_year is not None and children is not None and municipality is not None
            details = cards.HolderDetails(
                birth_year=birth_year,
                municipality=municipality,
                postal_code=data.get("postal_code", ""),
                children=children,
                gender=gender or "",
                life_situation=situation or "",
                portal_consent=consent,
                email=email,
            )
            reason = cards.eligibility_error(details, site, on=registered_on, rules=rules)
            if reason:
                message = cards.CardError(reason, age=rules.min_holder_age).message
                errors.add(row, CARD_ERROR_COLUMN.get(reason, "number"), message)
            fields.update(
                birth_year=birth_year, postal_code=details.postal_code, children=children, municipality=municipality
            )
    if errors.summary.error_count != before or site is None:
        return None
    return fields


def _comparable(card: Card) -> dict[str, Any]:
    return {name: getattr(card, name) for name in CARD_FIELDS}


def _apply(card: Card, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in ("number", "old_id"):
            setattr(card, name, value)
    card.issued_on = card.registered_on


def import_cards(
    export: Export, *, filename: str = "", actor: Any = None, commit: bool = False, progress: Progress | None = None
) -> Summary:
    """Cards by number: new ones created as registered, changed ones updated, the rest left alone."""
    sites, unmatched = _unmatched(SiteMapping.Kind.DISTRIBUTOR, export, "site", CARD_COLUMNS)
    municipalities = {m.code: m for m in Municipality.objects.select_related("area")}
    genders, situations = _choices(Gender.choices), _choices(LifeSituation.choices)
    rules = NationalSettings.get()
    source = {"takeover": filename[:100]}

    def body(summary: Summary, errors: _Errors) -> None:
        summary.unmatched = unmatched
        lap = time.monotonic()
        parsed: list[dict[str, Any]] = []
        first_row: dict[tuple[str, str], int] = {}
        for row, data, raw in _rows(export, CARD_COLUMNS, errors):
            fields = _card_from_row(row, data, raw, errors, sites, municipalities, genders, situations, rules)
            if fields is None:
                continue
            code, key = ("old_id", fields["old_id"]) if fields["old_id"] else ("number", fields["number"])
            seen = first_row.setdefault((code, key), row)
            if seen != row:
                message = (
                    _("The same identifier as on row %(row)s.")
                    if code == "old_id"
                    else _("The same card number as on row %(row)s.")
                )
                errors.add(row, code, message % {"row": seen})
                continue
            parsed.append(fields)
        lap = summary.lap("check", lap)
        if errors.summary.error_count or unmatched:
            return
        actor_or_none = actor if getattr(actor, "pk", None) else None
        for batch, chunk in enumerate(_chunks(parsed), 1):
            _analyze(batch, Card, CardEvent, PendingStat)
            existing = {
                c.number: c for c in Card.objects.filter(number__in=[f["number"] for f in chunk if f["number"]])
            }
            mobile = {
                m.old_id: m.card
                for m in MobileOnlyCard.objects.filter(
                    old_id__in=[f["old_id"] for f in chunk if f["old_id"]]
                ).select_related("card")
            }
            new: list[Card] = []
            changed: list[tuple[Card, list[str]]] = []
            new_mobile: list[tuple[Card, str]] = []
            for fields in chunk:
                card = mobile.get(fields["old_id"]) if fields["old_id"] else existing.get(fields["number"])
                if fields["old_id"] and card is None:
                    # A mobile-only card taken over: a new Kaiku number, its old identifier kept.
                    card = Card(number="")
                    new_mobile.append((card, fields["old_id"]))
                if card is None or card.status == Card.Status.UNREGISTERED:
                    # New, or Kaiku's own pre-printed stock given out by the old register: registered now.
                    card = card or Card(number=fields["number"])
                    card.issued_by = actor_or_none
                    _apply(card, fields)
                    new.append(card)
                    continue
                before = _comparable(card)
                _apply(card, fields)
                names = [n for n, v in _comparable(card).items() if before[n] != v]
                if names:
                    changed.append((card, names))
                else:
                    summary.unchanged += 1
            _number_mobile_only([card for card, _old_id in new_mobile])
            _write_cards(new, changed, source, actor_or_none, mobile={id(card) for card, _old_id in new_mobile})
            MobileOnlyCard.objects.bulk_create([MobileOnlyCard(old_id=o, card=card) for card, o in new_mobile])
            summary.created += len(new)
            summary.updated += len(changed)
            if progress is not None:
                progress(len(chunk))
        lap = summary.lap("write", lap)
        statistics_current(summary.created)
        summary.lap("statistics", lap)

    return _run(TakeoverRun.Kind.CARDS, export, body, filename=filename, actor=actor, commit=commit)


def _number_mobile_only(cards_: list[Card]) -> None:
    """A new Kaiku number for each mobile-only card (the old register had none for it)."""
    while wanting := [card for card in cards_ if not card.number]:
        batch = {numbers.generate() for _card in wanting}
        batch -= set(Card.objects.filter(number__in=batch).values_list("number", flat=True))
        for card, number in zip(wanting, batch, strict=False):
            card.number = number


def _write_cards(
    new: list[Card], changed: list[tuple[Card, list[str]]], source: dict[str, str], actor: Any, mobile: set[int]
) -> None:
    """New cards with their registration (the statistics are told in ``PendingStat``); changed cards corrected.

    The history says where each card came from, and a mobile-only card (X or Z in the old
    register) that it is delivered digitally. A corrected card's event names the fields,
    never their values (holder details stay out of the history's details).
    """
    stock = [card for card in new if card.pk is not None]
    Card.objects.bulk_create([card for card in new if card.pk is None])
    if stock:
        Card.objects.bulk_update(stock, [*UPDATED_FIELDS, "issued_by"])
    events = CardEvent.objects.bulk_create(
        [
            CardEvent(
                card=card,
                kind=CardEvent.Kind.REGISTERED,
                actor=actor,
                details={
                    **source,
                    "given_on": card.registered_on.isoformat() if card.registered_on else "",
                    "valid_until": card.valid_until.isoformat() if card.valid_until else "",
                    **({"community": True} if card.is_community else {}),
                    **({"mobile_only": True, "delivered": "digital"} if id(card) in mobile else {}),
                },
            )
            for card in new
        ]
    )
    PendingStat.objects.bulk_create([PendingStat(kind=PendingStat.Kind.CARD_EVENT, ref=e.pk) for e in events])
    if changed:
        Card.objects.bulk_update([card for card, _names in changed], UPDATED_FIELDS)
        CardEvent.objects.bulk_create(
            [
                CardEvent(
                    card=card,
                    kind=CardEvent.Kind.CORRECTED,
                    actor=actor,
                    details={**source, "fields": [n.removesuffix("_id") for n in names]},
                )
                for card, names in changed
            ]
        )


# --- Statistics -------------------------------------------------------------------------

# A run that wrote at least this many registrations or uses has the statistics derived
# again from the whole register, set-based, instead of folded change by change.
REBUILD_FROM = 2000


def statistics_current(written: int) -> None:
    """The statistics counted now, in the import's transaction (through their public API),
    rather than by the first dashboard read after it: they are current when it ends.

    The register's writes left one ``PendingStat`` per registration and use; folding them
    costs a few statements each (minutes for a national register), a rebuild a few per batch.
    """
    from kaiku.stats import intake

    if written >= REBUILD_FROM:
        intake.rebuild()
    else:
        intake.current()


# --- Past uses ---------------------------------------------------------------------------

SECTORS = _choices(Sector.choices)
REASON_COLUMN = {
    Reason.TOO_MANY_CHILDREN: "children",
    Reason.COMMUNITY_GROUP_TOO_LARGE: "community_clients",
    Reason.COMMUNITY_CLIENTS_PERSONAL: "community_clients",
    Reason.BAD_COUNTS: "assistants",
    Reason.EXPIRED: "date",
    Reason.NOT_YET_VALID: "date",
    Reason.VENUE_CLOSED: "venue",
    Reason.WRONG_AREA: "venue",
}


def use_key(number: str, day: dt.date, venue_key: str, children: int, clients: int, assistants: int, n: int) -> str:
    """The idempotency key of a past use: the same row of the same export gives the same key.

    ``n`` counts identical rows (two visits of one card on one day at one venue).
    """
    text = f"{number}|{day.isoformat()}|{venue_key}|{children}|{clients}|{assistants}|{n}"
    return "takeover-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def import_uses(
    export: Export, *, filename: str = "", actor: Any = None, commit: bool = False, progress: Progress | None = None
) -> Summary:
    """Past uses, each through ``visits.services.record_uses`` (import channel, dated on its day)."""
    sites, unmatched = _unmatched(SiteMapping.Kind.VENUE, export, "venue", USE_COLUMNS)
    via = f"takeover {filename}".strip()[:120]
    # A mobile-only card's uses name it X or Z and its old identifier: its Kaiku number now.
    taken_over = dict(
        MobileOnlyCard.objects.filter(old_id__in=_column(export, "old_id", USE_COLUMNS)).values_list(
            "old_id", "card__number"
        )
    )

    def body(summary: Summary, errors: _Errors) -> None:
        summary.unmatched = unmatched
        lap = time.monotonic()
        requests: list[tuple[int, visits.UseRequest]] = []
        seen: dict[str, int] = {}
        today = timezone.localdate()
        for row, data, raw in _rows(export, USE_COLUMNS, errors):
            number, _old_id = _number_of(row, data, errors, taken_over)
            day = parse_date(raw.get("date"))
            if day is None:
                errors.add(row, "date", _("Write the date as 2019-05-31 or 31.5.2019."))
            elif day > today:
                errors.add(row, "date", _("The date is in the future."))
            venue_key = site_key(data.get("venue", ""))
            venue = sites.get(venue_key)
            if not venue_key:
                errors.add(row, "venue", _("The venue is missing."))
            counts = [parse_count(data.get(c, ""), most=99) for c in ("children", "community_clients", "assistants")]
            for code, value in zip(("children", "community_clients", "assistants"), counts, strict=True):
                if value is None:
                    errors.add(row, code, _("Write a whole number from 0 to 99."))
            sector = SECTORS.get(data.get("sector", "").lower()) if data.get("sector") else ""
            if sector is None:
                errors.add(row, "sector", _("Write culture, education, science or sports."))
            if venue is None or day is None or not number or None in counts or sector is None:
                continue
            children, clients, assistants = (int(c) for c in counts)  # type: ignore[arg-type]
            base = use_key(number, day, venue_key, children, clients, assistants, 0)
            seen[base] = seen.get(base, 0) + 1
            key = use_key(number, day, venue_key, children, clients, assistants, seen[base] - 1)
            requests.append(
                (
                    row,
                    visits.UseRequest(
                        venue=venue,
                        number=number,
                        channel=Channel.IMPORT,
                        idempotency_key=key,
                        recorded_by=actor,
                        recorded_via=via,
                        children=children,
                        community_clients=clients,
                        assistants=assistants,
                        sector=sector,
                        # Noon: the export has no time, and noon keeps the local date in any zone.
                        scanned_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0))),
                    ),
                )
            )
        lap = summary.lap("check", lap)
        if errors.summary.error_count or unmatched:
            return
        # A card inactivated since: its past uses are checked as of their day, as they were
        # recorded then. Active for the length of this transaction only, which nothing else sees.
        inactive: list[int] = []
        wanted = sorted({req.number for _row, req in requests})
        for chunk_numbers in _chunks(wanted):
            found = Card.objects.filter(number__in=chunk_numbers, status=Card.Status.INACTIVE)
            inactive += found.values_list("pk", flat=True)
        for ids in _chunks(inactive):
            Card.objects.filter(pk__in=ids).update(status=Card.Status.ACTIVE)
        for batch, chunk in enumerate(_chunks(requests), 1):
            _analyze(batch, Use, PendingStat)
            # A re-run: the uses recorded before (their keys are made from the row) are
            # known in one query and left alone; record_uses would answer each on its own.
            known = set(
                Use.objects.filter(
                    channel=Channel.IMPORT, idempotency_key__in=[req.idempotency_key for _row, req in chunk]
                ).values_list("venue_id", "idempotency_key")
            )
            fresh = [(row, req) for row, req in chunk if (req.venue.pk, req.idempotency_key) not in known]
            summary.unchanged += len(chunk) - len(fresh)
            results = visits.record_uses([req for _row, req in fresh])
            for (row, _req), result in zip(fresh, results, strict=True):
                if not result.accepted:
                    reason = Reason(result.reason)
                    errors.add(row, REASON_COLUMN.get(reason, "number"), reason.label)
                elif result.created:
                    summary.created += 1
                else:
                    summary.unchanged += 1
            if progress is not None:
                progress(len(chunk))
        for ids in _chunks(inactive):
            Card.objects.filter(pk__in=ids).update(status=Card.Status.INACTIVE)
        lap = summary.lap("write", lap)
        statistics_current(summary.created)
        summary.lap("statistics", lap)

    return _run(TakeoverRun.Kind.USES, export, body, filename=filename, actor=actor, commit=commit)


# --- Monthly counts ----------------------------------------------------------------------


def import_monthly(
    export: Export, *, filename: str = "", actor: Any = None, commit: bool = False, progress: Progress | None = None
) -> Summary:
    """Past uses counted per venue, sector and month; a re-run updates the month's counts."""
    sites, unmatched = _unmatched(SiteMapping.Kind.VENUE, export, "venue", MONTHLY_COLUMNS)

    def body(summary: Summary, errors: _Errors) -> None:
        summary.unmatched = unmatched
        rows: dict[tuple[int, str, dt.date], tuple[int, int, int]] = {}
        this_month = timezone.localdate().replace(day=1)
        for row, data, raw in _rows(export, MONTHLY_COLUMNS, errors):
            venue = sites.get(site_key(data.get("venue", "")))
            if not data.get("venue"):
                errors.add(row, "venue", _("The venue is missing."))
            month = parse_month(raw.get("month"))
            if month is None:
                errors.add(row, "month", _("Write the month as 2019-05 or 5/2019."))
            elif month >= this_month:
                errors.add(row, "month", _("Only months before this one are history."))
            sector = SECTORS.get(data.get("sector", "").lower()) if data.get("sector") else ""
            if sector is None:
                errors.add(row, "sector", _("Write culture, education, science or sports."))
            adults = parse_count(data.get("adult_uses", ""), default=-1, most=MONTHLY_MAX)
            children = parse_count(data.get("child_uses", ""), most=MONTHLY_MAX)
            too_many = _("Write a whole number from 0 to %(most)s.") % {"most": MONTHLY_MAX}
            if adults is None or adults < 0:
                errors.add(row, "adult_uses", too_many)
            if children is None:
                errors.add(row, "child_uses", too_many)
            if venue is None or month is None or sector is None or adults is None or adults < 0 or children is None:
                continue
            key = (venue.pk, sector or venue.sector or Sector.CULTURE, month)
            if key in rows:
                errors.add(
                    row, "month", _("The same venue, sector and month as on row %(row)s.") % {"row": rows[key][0]}
                )
                continue
            rows[key] = (row, adults, children)
        if errors.summary.error_count or unmatched:
            return
        existing = {
            (m.venue_id, m.sector, m.month): m for m in MonthlyCount.objects.filter(venue_id__in={k[0] for k in rows})
        }
        new, changed = [], []
        for (venue_id, sector, month), (_row, adults, children) in rows.items():
            current = existing.get((venue_id, sector, month))
            if current is None:
                new.append(
                    MonthlyCount(
                        venue_id=venue_id,
                        sector=sector,
                        month=month,
                        adult_uses=adults,
                        child_uses=children,
                        source=filename[:120],
                    )
                )
            elif (current.adult_uses, current.child_uses) != (adults, children):
                current.adult_uses, current.child_uses, current.source = adults, children, filename[:120]
                changed.append(current)
            else:
                summary.unchanged += 1
        MonthlyCount.objects.bulk_create(new, batch_size=BATCH)
        MonthlyCount.objects.bulk_update(changed, ["adult_uses", "child_uses", "source"], batch_size=BATCH)
        # The statistics count each month added or changed (``kaiku.stats.intake`` folds these).
        PendingStat.objects.bulk_create(
            [PendingStat(kind=PendingStat.Kind.MONTHLY, ref=m.pk) for m in [*new, *changed]], batch_size=BATCH
        )
        summary.created, summary.updated = len(new), len(changed)
        if progress is not None:
            progress(len(rows))
        statistics_current(len(new) + len(changed))

    return _run(TakeoverRun.Kind.MONTHLY, export, body, filename=filename, actor=actor, commit=commit)


IMPORTERS: dict[str, Callable[..., Summary]] = {
    TakeoverRun.Kind.CARDS: import_cards,
    TakeoverRun.Kind.USES: import_uses,
    TakeoverRun.Kind.MONTHLY: import_monthly,
}
