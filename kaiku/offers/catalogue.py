"""The public catalogue's search, kept apart from the view so the benchmark can time it.

Searches filter on offer columns (dates, flags, venue) that are indexed, and
touch occurrences only through EXISTS for the filters that need them (exact date
range for events, places left). Last-minute offers come first, then the soonest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kaiku.network.models import Area, Site
from kaiku.offers.models import ACCESSIBILITY_FIELDS, Occurrence, Offer, public_venues
from kaiku.offers.places import with_places


@dataclass
class Criteria:
    q: str = ""
    area: str = ""
    municipality: str = ""
    sector: str = ""
    art_form: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    family: bool = False
    places: bool = False
    access: list[str] = field(default_factory=list)

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> Criteria:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__ and v not in (None, "")})


def with_taken(occurrences: QuerySet[Occurrence], now: dt.datetime) -> QuerySet[Occurrence]:
    """Each occurrence with ``taken``, ``capacity`` and ``left`` (``offers.places.with_places``)."""
    return with_places(occurrences, now).annotate(
        taken=F("places_taken"), capacity=F("places_capacity"), left=F("places_left")
    )


def search(criteria: Criteria, now: dt.datetime, area: Area | None = None) -> QuerySet[Offer]:
    """The matching offers, unordered (``ordered`` sorts them; counting needs no sort)."""
    today = timezone.localdate(now)
    venues = public_venues()
    if area is not None:
        venues = venues.filter(area=area)
    elif criteria.area:
        venues = venues.filter(area__slug=criteria.area)
    if criteria.municipality:
        venues = venues.filter(municipality__code=criteria.municipality)
    qs: QuerySet[Offer] = Offer.objects.public(venues).current(today)
    if criteria.sector:
        qs = qs.filter(sector=criteria.sector)
    if criteria.art_form:
        qs = qs.filter(art_form=criteria.art_form)
    if criteria.family:
        qs = qs.filter(family_friendly=True)
    for name in criteria.access:
        if name in ACCESSIBILITY_FIELDS:
            qs = qs.filter(**{name: True})
    for term in criteria.q.lower().split()[:5]:
        # search_text is lower case already: a plain LIKE, no LOWER() per row. (SQLite's
        # LIKE folds only ASCII; lowering both sides makes ä, ö and å match too.)
        qs = qs.filter(
            Q(search_text__contains=term) | Q(venue_id__in=Site.objects.filter(name__icontains=term).values("pk"))
        )
    if criteria.date_from or criteria.date_to:
        qs = _in_dates(qs, criteria.date_from, criteria.date_to)
    if criteria.places:
        qs = qs.filter(sold_out=False).filter(~Q(kind=Offer.Kind.EVENT) | Exists(_open_occurrences(now)))
    return qs


def ordered(qs: QuerySet[Offer], now: dt.datetime) -> QuerySet[Offer]:
    """Last-minute seats first, then what is on soonest (already running counts as today)."""
    today = timezone.localdate(now)
    return qs.annotate(
        last_minute=Case(When(last_minute_until__gt=now, then=Value(0)), default=Value(1)),
        sort_day=Greatest(Coalesce("starts_on", Value(today)), Value(today)),
    ).order_by("last_minute", "sort_day", "search_text", "pk")


def _open_occurrences(now: dt.datetime) -> QuerySet[Occurrence]:
    """Upcoming occurrences of the outer offer with a Kaikukortti place free.

    The counts (``with_places``) run only for occurrences that have been full
    (``full_hint``; the OR short-circuits), and each is an index probe on the occurrence.
    """
    return with_places(
        Occurrence.objects.filter(offer=OuterRef("pk"), starts_at__gt=now, cancelled=False, sold_out=False), now
    ).filter(Q(full_hint=False) | Q(places_left__isnull=True) | Q(places_left__gt=0))


def _in_dates(qs: QuerySet[Offer], start: dt.date | None, end: dt.date | None) -> QuerySet[Offer]:
    """Offers on at least one day in the range: the first/last day columns narrow it,
    and for events an occurrence must fall inside the range."""
    if end:
        qs = qs.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=end))
    if start:
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
    in_range = Occurrence.objects.filter(offer=OuterRef("pk"), cancelled=False)
    tz = timezone.get_current_timezone()
    if start:
        in_range = in_range.filter(starts_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        in_range = in_range.filter(
            starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs.filter(~Q(kind=Offer.Kind.EVENT) | Exists(in_range))


def for_listing(qs: QuerySet[Offer], now: dt.datetime) -> QuerySet[Offer]:
    """What a result list shows: venue and place names, and each offer's next occurrences."""
    return qs.select_related("venue__municipality", "venue__area").prefetch_related(
        Prefetch("occurrences", queryset=Occurrence.objects.upcoming(now).order_by("starts_at"), to_attr="upcoming")
    )
