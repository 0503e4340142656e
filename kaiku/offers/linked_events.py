"""Import offers from Linked Events, the open event API format used by Finnish cities.

Reads an API page (``{"meta": ..., "data": [...]}``), a list of events or one
event. A recurring or umbrella event becomes one offer whose sub-events are its
occurrences; a standalone event becomes an offer with one occurrence; a course
(``type_id: "Course"``) becomes a course offer with its first and last day.
Re-importing updates by the event's id (``Offer.external_id``), never duplicates.
Deleted events unpublish the offer; deleted or cancelled sub-events cancel the
occurrence. Everything is checked before anything is written, and the write is
one transaction: a malformed file imports nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from kaiku.audit import services as audit
from kaiku.network.models import Sector, Site
from kaiku.offers.models import ArtForm, Occurrence, Offer
from kaiku.offers.services import refresh_dates

LANGS = ("fi", "sv", "en")
EVENT_ID = re.compile(r"/event/([^/]+)/?$")

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
    info_url: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    occurrences: list[ParsedOccurrence] = field(default_factory=list)

    @property
    def sector(self) -> str:
        if self.kind == Offer.Kind.COURSE:
            return Sector.EDUCATION
        return SECTOR_FOR.get(self.art_form, Sector.CULTURE)  # type: ignore[call-overload]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unpublished: int = 0
    occurrences_created: int = 0
    occurrences_updated: int = 0
    occurrences_cancelled: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


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


def _texts(value: Any, *, html: bool = False) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for lang in LANGS:
        text = value.get(lang)
        if isinstance(text, str) and text.strip():
            out[lang] = strip_tags(text).strip() if html else text.strip()
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
            ident = keyword["@id"].rstrip("/").rsplit("/", 1)[-1]
        ids.append(ident)
        names.extend(t.lower() for t in _texts(keyword.get("name")).values())
    for words, art_form in KEYWORD_NAMES:
        if any(word in name for name in names for word in words):
            return art_form
    for ident in ids:
        if ident in KEYWORD_IDS:
            return KEYWORD_IDS[ident]
    return ""


def _place(event: dict[str, Any]) -> str:
    location = event.get("location")
    parts = []
    if isinstance(location, dict):
        parts += [_first(_texts(location.get("name"))), _first(_texts(location.get("street_address")))]
    parts.append(_first(_texts(event.get("location_extra_info"))))
    return ", ".join(p for p in parts if p)[:200]


def _image(event: dict[str, Any]) -> tuple[str, str]:
    for image in event.get("images") or []:
        if isinstance(image, dict) and isinstance(image.get("url"), str) and image["url"].startswith("http"):
            alt = image.get("alt_text") or image.get("name") or ""
            alt = _first(alt) if isinstance(alt, dict) else str(alt)
            return image["url"][:500], alt[:200]
    return "", ""


def _is_cancelled(event: dict[str, Any]) -> bool:
    return bool(event.get("deleted")) or event.get("event_status") == "EventCancelled"


def parse(events: list[dict[str, Any]]) -> list[ParsedOffer]:
    """Check every event and group them into offers; raise with every problem found."""
    problems: list[str] = []
    supers = {
        str(e.get("id")): e for e in events if e.get("super_event_type") in ("recurring", "umbrella") and e.get("id")
    }
    offers: dict[str, ParsedOffer] = {}
    occurrences: list[tuple[str, ParsedOccurrence]] = []
    seen: set[str] = set()
    for index, event in enumerate(events):
        ident = event.get("id")
        where = f"event {index + 1}" + (f" ({ident})" if ident else "")
        if not isinstance(ident, str) or not ident.strip():
            problems.append(f"{where}: no id")
            continue
        if ident in seen:
            problems.append(f"{where}: the id appears twice")
            continue
        seen.add(ident)
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
        parent = _event_id(event.get("super_event"))
        is_super = ident in supers
        is_course = event.get("type_id") == "Course"
        if not is_super and not is_course and starts is None and not deleted:
            problems.append(f"{where}: no start_time")
        image_url, image_alt = _image(event)
        info = _texts(event.get("info_url"))
        offer = ParsedOffer(
            external_id=ident,
            deleted=deleted,
            kind=Offer.Kind.COURSE if is_course else Offer.Kind.EVENT,
            titles=titles,
            descriptions=_texts(event.get("description"), html=True) or _texts(event.get("short_description")),
            art_form=_art_form(event.get("keywords")),
            image_url=image_url,
            image_alt=image_alt,
            info_url=_first(info)[:500] if _first(info).startswith("http") else "",
        )
        occurrence = (
            ParsedOccurrence(ident, starts, ends, _place(event), _is_cancelled(event)) if starts is not None else None
        )
        if parent and not is_super:
            # A sub-event: an occurrence of its super event's offer.
            if occurrence is not None:
                occurrences.append((parent, occurrence))
            continue
        if is_course:
            offer.starts_on = timezone.localdate(starts) if starts else None
            offer.ends_on = timezone.localdate(ends) if ends else offer.starts_on
        elif not is_super and occurrence is not None:
            offer.occurrences.append(occurrence)
        offers[ident] = offer
    for parent, occurrence in occurrences:
        if parent in offers:
            offers[parent].occurrences.append(occurrence)
        else:
            # The super event was imported earlier; attach to it by id when writing.
            offers.setdefault(parent, ParsedOffer(external_id=parent, deleted=False)).occurrences.append(occurrence)
    if problems:
        raise LinkedEventsError(problems)
    return list(offers.values())


# --- writing -------------------------------------------------------------------------


@transaction.atomic
def import_events(events: list[dict[str, Any]], venue: Site, actor: Any = None) -> ImportResult:
    if not venue.is_venue:
        raise LinkedEventsError([f"{venue} is not a venue"])
    parsed = parse(events)
    result = ImportResult()
    existing = {
        o.external_id: o for o in Offer.objects.filter(venue=venue, external_id__in=[p.external_id for p in parsed])
    }
    for item in parsed:
        offer = existing.get(item.external_id)
        if offer is None:
            if item.deleted:
                continue  # A deleted event that was never imported: nothing to do.
            if not item.titles:
                raise LinkedEventsError(
                    [f"event {item.external_id}: its super event is neither in the file nor imported"]
                )
            offer = Offer(venue=venue, external_id=item.external_id)
            result.created += 1
        else:
            result.updated += 1
        if item.titles and not item.deleted:
            _apply(offer, item)
        if item.deleted and offer.published:
            offer.published = False
            result.unpublished += 1
        offer.save()
        _occurrences(offer, item, result)
        refresh_dates(offer)
    audit.record(actor, "offers.linked_events_import", venue, changes=result.as_dict(), area=venue.area)
    return result


def _apply(offer: Offer, item: ParsedOffer) -> None:
    fallback = _first(item.titles)
    offer.kind = item.kind
    offer.sector = item.sector
    if item.art_form or not offer.art_form:
        offer.art_form = item.art_form
    offer.title_fi = item.titles.get("fi") or fallback
    offer.title_sv = item.titles.get("sv", "")
    offer.title_en = item.titles.get("en", "")
    offer.description_fi = item.descriptions.get("fi", "")
    offer.description_sv = item.descriptions.get("sv", "")
    offer.description_en = item.descriptions.get("en", "")
    offer.image_url, offer.image_alt = item.image_url, item.image_alt
    offer.info_url = item.info_url
    if item.kind == Offer.Kind.COURSE:
        offer.starts_on, offer.ends_on = item.starts_on, item.ends_on


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
