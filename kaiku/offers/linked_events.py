"""Import offers from Linked Events, the open event API format used by Finnish cities.

Reads an API page (``{"meta": ..., "data": [...]}``), a list of events or one
event. A recurring or umbrella event becomes one offer whose sub-events are its
occurrences; a standalone event becomes an offer with one occurrence; a course
(``type_id: "Course"``) becomes a course offer with its first and last day. A
sub-event whose super event is neither in the file nor imported before becomes an
offer of its own, with its dates.
Re-importing updates by the event's id (``Offer.external_id``), never duplicates.
Deleted events unpublish the offer; deleted or cancelled sub-events cancel the
occurrence.

Each event is checked and written on its own: a broken event is reported by its
number, id and name, and the others are imported (``ImportResult.problems``). Only a
file that is not Linked Events at all imports nothing.

The import owns the fields in ``OWNED``: it writes them on creation and updates one on
a re-import only while it still holds the value the last import wrote
(``Offer.imported``), so a value staff changed is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from kaiku.audit import services as audit
from kaiku.network.models import Sector, Site
from kaiku.offers.models import ArtForm, Occurrence, Offer
from kaiku.offers.services import refresh_dates

LANGS = ("fi", "sv", "en")
EVENT_ID = re.compile(r"/event/([^/?]+)/?(?:\?.*)?$")
# Fields an import writes and may update later (see the module's docstring).
OWNED = (
    "kind",
    "sector",
    "art_form",
    "title_fi",
    "title_sv",
    "title_en",
    "description_fi",
    "description_sv",
    "description_en",
    "image_url",
    "image_alt",
    "info_url",
    "info_url_sv",
    "info_url_en",
    "is_free",
    "price_fi",
    "price_sv",
    "price_en",
    "starts_on",
    "ends_on",
)
MAX_PRICE = 1000

# Keyword → art form. Names (any language, lower case) are matched first as
# substrings; the YSO ids are the ones Helsinki's Linked Events uses most.
KEYWORD_NAMES: list[tuple[tuple[str, ...], str]] = [
    (("sirkus", "cirkus", "circus"), ArtForm.CIRCUS),
    (("festivaal", "festival"), ArtForm.FESTIVAL),
    (("elokuv", "film", "cinema"), ArtForm.FILM),
    (("teatteri", "teater", "theatre", "theater", "näytelm"), ArtForm.THEATRE),
    (("tanssi", "dans", "dance", "baletti", "ballet"), ArtForm.DANCE),
    (("konsert", "musiikki", "musik", "music", "concert", "ooppera", "opera"), ArtForm.MUSIC),
    (("museo", "museum"), ArtForm.MUSEUM),
    (("näyttely", "utställning", "exhibition", "kuvataide", "bildkonst", "visual art"), ArtForm.VISUAL_ARTS),
    (("kirjallisuu", "litteratur", "literature", "lukupiiri", "runo", "poetry"), ArtForm.LITERATURE),
    (("tiede", "vetenskap", "science"), ArtForm.SCIENCE),
    (("liikunta", "urheilu", "idrott", "sport", "exercise"), ArtForm.SPORTS),
]
KEYWORD_IDS = {
    "yso:p1808": ArtForm.MUSIC,
    "yso:p11185": ArtForm.MUSIC,
    "yso:p1235": ArtForm.FILM,
    "yso:p1278": ArtForm.DANCE,
    "yso:p2625": ArtForm.THEATRE,
    "yso:p5121": ArtForm.VISUAL_ARTS,
    "yso:p916": ArtForm.SPORTS,
}
SECTOR_FOR = {ArtForm.SPORTS: Sector.SPORTS, ArtForm.SCIENCE: Sector.SCIENCE}


class LinkedEventsError(Exception):
    """The input is not valid Linked Events data; ``problems`` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class ParsedOccurrence:
    external_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    cancelled: bool


@dataclass
class ParsedOffer:
    external_id: str
    deleted: bool
    kind: str = Offer.Kind.EVENT
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    art_form: str = ""
    image_url: str = ""
    image_alt: str = ""
    info_urls: dict[str, str] = field(default_factory=dict)
    is_free: bool | None = None
    prices: dict[str, str] = field(default_factory=dict)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    occurrences: list[ParsedOccurrence] = field(default_factory=list)
    # A sub-event's super event, when that is not in the file: the occurrence joins the
    # super event's offer if it was imported before, else this becomes an offer of its own.
    parent: str = ""
    label: str = ""  # "event 3 (id, name)" for messages

    def sector(self, venue: Site) -> str:
        """A course is education; else the sector the keywords give, else the venue's own."""
        if self.kind == Offer.Kind.COURSE:
            return Sector.EDUCATION
        if self.art_form:
            return SECTOR_FOR.get(self.art_form, Sector.CULTURE)  # type: ignore[call-overload]
        return venue.sector or Sector.CULTURE


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unpublished: int = 0
    occurrences_created: int = 0
    occurrences_updated: int = 0
    occurrences_cancelled: int = 0
    skipped: int = 0
    # One line per event that was not imported, naming it (never aborts the others).
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


# --- reading -------------------------------------------------------------------------


def load(text: str | bytes) -> list[dict[str, Any]]:
    """The events of a file: an API page, a list of events or one event."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LinkedEventsError([f"not JSON: {exc}"]) from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        events = data["data"]
    elif isinstance(data, list):
        events = data
    elif isinstance(data, dict) and "id" in data:
        events = [data]
    else:
        raise LinkedEventsError(["expected a Linked Events API page ({'data': [...]}), a list of events or one event"])
    problems = [f"item {i + 1}: not an event object" for i, e in enumerate(events) if not isinstance(e, dict)]
    if problems:
        raise LinkedEventsError(problems)
    if not events:
        raise LinkedEventsError(["the file has no events"])
    return events


BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|ul|ol|table|blockquote)\s*>", re.IGNORECASE)
LINE_BREAK = re.compile(r"<br\s*/?>|</li\s*>|</tr\s*>", re.IGNORECASE)


def html_to_text(value: str) -> str:
    """Linked Events' HTML as plain text: paragraphs become blank lines, <br> a newline."""
    text = LINE_BREAK.sub("\n", BLOCK_END.sub("\n\n", value))
    text = html.unescape(strip_tags(text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _texts(value: Any, *, html: bool = False) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for lang in LANGS:
        text = value.get(lang)
        if isinstance(text, str) and text.strip():
            out[lang] = html_to_text(text) if html else text.strip()
    return out


def _first(texts: dict[str, str]) -> str:
    return next((texts[lang] for lang in LANGS if texts.get(lang)), "")


def _time(value: Any, label: str, problems: list[str], where: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        problems.append(f"{where}: {label} is not a date and time")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{where}: {label} {value!r} is not an ISO 8601 date and time")
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _event_id(ref: Any) -> str:
    if isinstance(ref, dict):
        ref = ref.get("@id") or ref.get("id") or ""
    if not isinstance(ref, str):
        return ""
    match = EVENT_ID.search(ref)
    return match.group(1) if match else ref


def _art_form(keywords: Any) -> str:
    if not isinstance(keywords, list):
        return ""
    names: list[str] = []
    ids: list[str] = []
    for keyword in keywords:
        if not isinstance(keyword, dict):
            continue
        ident = keyword.get("id") or ""
        if not ident and isinstance(keyword.get("@id"), str):
            ident = keyword["@id"].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        ids.append(ident)
        names.extend(t.lower() for t in _texts(keyword.get("name")).values())
    for words, art_form in KEYWORD_NAMES:
        if any(word in name for name in names for word in words):
            return art_form
    for ident in ids:
        if ident in KEYWORD_IDS:
            return KEYWORD_IDS[ident]
    return ""


def _place_key(location: Any) -> str:
    """A place's address without ``?format=json`` or the trailing slash, to match references."""
    if not isinstance(location, dict):
        return ""
    ref = location.get("@id") or location.get("id") or ""
    # http and https, with or without ?format=json, name the same place.
    return ref.split("?", 1)[0].rstrip("/").split("://", 1)[-1] if isinstance(ref, str) else ""


def places_in(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The places the file includes (``?include=location``), by their address."""
    places = {}
    for event in events:
        location = event.get("location") if isinstance(event, dict) else None
        if isinstance(location, dict) and isinstance(location.get("name"), dict) and _place_key(location):
            places[_place_key(location)] = location
    return places


def _place(event: dict[str, Any], places: dict[str, dict[str, Any]], venue_address: str) -> str:
    """The place's name and street address (a reference resolved from the file's places),
    with the event's extra location info; the venue's own address when nothing is said."""
    location = event.get("location")
    if isinstance(location, dict) and "name" not in location:
        location = places.get(_place_key(location))
    parts = []
    if isinstance(location, dict):
        parts += [_first(_texts(location.get("name"))), _first(_texts(location.get("street_address")))]
    extra = _first(_texts(event.get("location_extra_info")))
    if not any(parts) and not extra:
        parts.append(venue_address)
    parts.append(extra)
    return ", ".join(p for p in parts if p)[:200]


def _offers(event: dict[str, Any]) -> tuple[bool | None, dict[str, str], dict[str, str]]:
    """``is_free``, the price texts and the ticket pages of the event's ``offers``."""
    offers = [o for o in event.get("offers") or [] if isinstance(o, dict)]
    is_free: bool | None = None
    if offers:
        is_free = any(o.get("is_free") is True for o in offers)
    prices: dict[str, list[str]] = {}
    pages: dict[str, str] = {}
    for offer in offers:
        texts = _texts(offer.get("price"), html=True) or _texts(offer.get("description"), html=True)
        for lang, text in texts.items():
            prices.setdefault(lang, []).append(text)
        for lang, url in _texts(offer.get("info_url")).items():
            pages.setdefault(lang, url)
    return is_free, {k: "\n".join(v)[:MAX_PRICE] for k, v in prices.items()}, pages


def _urls(*sources: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for source in sources:
        for lang, url in source.items():
            if lang not in out and url.startswith(("http://", "https://")) and len(url) <= 500:
                out[lang] = url
    return out


def _image(event: dict[str, Any]) -> tuple[str, str]:
    for image in event.get("images") or []:
        if isinstance(image, dict) and isinstance(image.get("url"), str) and image["url"].startswith("http"):
            alt = image.get("alt_text") or image.get("name") or ""
            alt = _first(alt) if isinstance(alt, dict) else str(alt)
            return image["url"][:500], alt[:200]
    return "", ""


def _is_cancelled(event: dict[str, Any]) -> bool:
    return bool(event.get("deleted")) or event.get("event_status") == "EventCancelled"


def _label(index: int, event: dict[str, Any]) -> str:
    ident = event.get("id")
    name = _first(_texts(event.get("name")))
    details = ", ".join(str(p)[:80] for p in (ident, name) if p)
    return f"event {index + 1}" + (f" ({details})" if details else "")


def _parse_event(
    index: int, event: dict[str, Any], supers: set[str], places: dict[str, dict[str, Any]], venue_address: str
) -> tuple[ParsedOffer | None, list[str]]:
    """One event as an offer (or None for a sub-event of a super event in the file), and its problems."""
    problems: list[str] = []
    where = _label(index, event)
    ident = event["id"]
    deleted = bool(event.get("deleted"))
    titles = _texts(event.get("name"))
    if not titles and not deleted:
        problems.append(f"{where}: no name in Finnish, Swedish or English")
    if any(len(t) > 200 for t in titles.values()):
        problems.append(f"{where}: the name is longer than 200 characters")
    starts = _time(event.get("start_time"), "start_time", problems, where)
    ends = _time(event.get("end_time"), "end_time", problems, where)
    if starts and ends and ends < starts:
        problems.append(f"{where}: end_time is before start_time")
    is_super = ident in supers
    is_course = event.get("type_id") == "Course"
    if not is_super and not is_course and starts is None and not deleted:
        problems.append(f"{where}: no start_time")
    if problems:
        return None, problems
    image_url, image_alt = _image(event)
    is_free, prices, ticket_pages = _offers(event)
    offer = ParsedOffer(
        external_id=ident,
        deleted=deleted,
        kind=Offer.Kind.COURSE if is_course else Offer.Kind.EVENT,
        titles=titles,
        descriptions=_texts(event.get("description"), html=True) or _texts(event.get("short_description")),
        art_form=_art_form(event.get("keywords")),
        image_url=image_url,
        image_alt=image_alt,
        info_urls=_urls(_texts(event.get("info_url")), ticket_pages),
        is_free=is_free,
        prices=prices,
        label=where,
    )
    occurrence = (
        ParsedOccurrence(ident, starts, ends, _place(event, places, venue_address), _is_cancelled(event))
        if starts is not None
        else None
    )
    if is_course:
        offer.starts_on = timezone.localdate(starts) if starts else None
        offer.ends_on = timezone.localdate(ends) if ends else offer.starts_on
    elif not is_super and occurrence is not None:
        offer.occurrences.append(occurrence)
    parent = _event_id(event.get("super_event"))
    if parent and not is_super and not is_course:
        offer.parent = parent
    return offer, []


def parse(events: list[dict[str, Any]], venue_address: str = "") -> tuple[list[ParsedOffer], list[str], int]:
    """Every event checked on its own: the offers of the good ones, a line per problem and
    how many events were left out."""
    problems: list[str] = []
    bad = 0
    places = places_in(events)
    supers = {
        str(e.get("id")) for e in events if e.get("super_event_type") in ("recurring", "umbrella") and e.get("id")
    }
    offers: dict[str, ParsedOffer] = {}
    seen: set[str] = set()
    for index, event in enumerate(events):
        ident = event.get("id")
        if not isinstance(ident, str) or not ident.strip():
            problems.append(f"{_label(index, event)}: no id")
            bad += 1
            continue
        if ident in seen:
            problems.append(f"{_label(index, event)}: the id appears twice")
            bad += 1
            continue
        seen.add(ident)
        offer, event_problems = _parse_event(index, event, supers, places, venue_address)
        problems += event_problems
        bad += bool(event_problems)
        if offer is not None:
            offers[ident] = offer
    for ident, offer in list(offers.items()):
        if not offer.parent or offer.parent not in supers:
            continue
        del offers[ident]
        parent = offers.get(offer.parent)
        if parent is None:
            problems.append(f"{offer.label}: its super event {offer.parent} has problems (above)")
            bad += 1
        else:
            # A sub-event of a super event in the file: one of its offer's occurrences.
            parent.occurrences += offer.occurrences
    return list(offers.values()), problems, bad


# --- writing -------------------------------------------------------------------------


@transaction.atomic
def import_events(events: list[dict[str, Any]], venue: Site, actor: Any = None) -> ImportResult:
    """Import each event on its own; ``problems`` names each event that was not imported."""
    if not venue.is_venue:
        raise LinkedEventsError([f"{venue} is not a venue"])
    parsed, problems, bad = parse(events, venue.address)
    result = ImportResult(problems=problems, skipped=bad)
    ids = {p.external_id for p in parsed} | {p.parent for p in parsed if p.parent}
    existing = {o.external_id: o for o in Offer.objects.filter(venue=venue, external_id__in=ids)}
    for item in parsed:
        try:
            with transaction.atomic():
                _import_one(item, venue, existing, result)
        except (DatabaseError, ValueError, TypeError) as exc:
            result.problems.append(f"{item.label}: could not be saved ({type(exc).__name__})")
            result.skipped += 1
    audit.record(actor, "offers.linked_events_import", venue, changes=result.as_dict(), area=venue.area)
    return result


def _import_one(item: ParsedOffer, venue: Site, existing: dict[str, Offer], result: ImportResult) -> None:
    offer = existing.get(item.external_id)
    if offer is None and item.parent and item.parent in existing:
        # A sub-event of a super event imported before: one more occurrence of its offer.
        offer, item = (
            existing[item.parent],
            ParsedOffer(external_id=item.parent, deleted=False, occurrences=item.occurrences, label=item.label),
        )
        result.updated += 1
    elif offer is None:
        if item.deleted:
            return  # A deleted event that was never imported: nothing to do.
        offer = Offer(venue=venue, external_id=item.external_id)
        result.created += 1
    else:
        result.updated += 1
    if item.titles and not item.deleted:
        _apply(offer, item, venue)
    if item.deleted and offer.published:
        offer.published = False
        result.unpublished += 1
    offer.save()
    existing[offer.external_id] = offer
    _occurrences(offer, item, result)
    refresh_dates(offer)


def _values(item: ParsedOffer, venue: Site) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": item.kind,
        "sector": item.sector(venue),
        "art_form": item.art_form,
        "image_url": item.image_url,
        "image_alt": item.image_alt,
        "info_url": item.info_urls.get("fi", ""),
        "info_url_sv": item.info_urls.get("sv", ""),
        "info_url_en": item.info_urls.get("en", ""),
        "is_free": item.is_free,
    }
    for lang in LANGS:
        # A language the event lacks stays empty: the page falls back at display.
        values[f"title_{lang}"] = item.titles.get(lang, "")
        values[f"description_{lang}"] = item.descriptions.get(lang, "")
        values[f"price_{lang}"] = item.prices.get(lang, "")
    if item.kind == Offer.Kind.COURSE:
        values["starts_on"] = item.starts_on.isoformat() if item.starts_on else None
        values["ends_on"] = item.ends_on.isoformat() if item.ends_on else None
    return values


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _apply(offer: Offer, item: ParsedOffer, venue: Site) -> None:
    """Write each owned field, unless staff changed it since the last import wrote it."""
    new = offer.pk is None
    imported = dict(offer.imported or {})
    for name, value in _values(item, venue).items():
        current = _stored(getattr(offer, name))
        if not new and name in imported and current != imported[name]:
            continue  # Changed by staff: theirs now.
        if name in ("starts_on", "ends_on"):
            setattr(offer, name, dt.date.fromisoformat(value) if value else None)
        else:
            setattr(offer, name, value)
        imported[name] = value
    offer.imported = imported


def _occurrences(offer: Offer, item: ParsedOffer, result: ImportResult) -> None:
    known = {
        o.external_id: o for o in offer.occurrences.filter(external_id__in=[p.external_id for p in item.occurrences])
    }
    for parsed in item.occurrences:
        cancelled = parsed.cancelled or item.deleted
        occurrence = known.get(parsed.external_id)
        if occurrence is None:
            Occurrence.objects.create(
                offer=offer,
                external_id=parsed.external_id,
                starts_at=parsed.starts_at,
                ends_at=parsed.ends_at,
                place=parsed.place,
                cancelled=cancelled,
            )
            result.occurrences_created += 1
            continue
        if cancelled and not occurrence.cancelled:
            result.occurrences_cancelled += 1
        occurrence.starts_at, occurrence.ends_at, occurrence.place = parsed.starts_at, parsed.ends_at, parsed.place
        occurrence.cancelled = cancelled
        occurrence.save(update_fields=["starts_at", "ends_at", "place", "cancelled"])
        result.occurrences_updated += 1
