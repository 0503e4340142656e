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
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from kaiku.network.models import Area
from kaiku.offers.models import ACCESSIBILITY_FIELDS, Occurrence, Offer, Reservation
from kaiku.visits.models import Use


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
    """Annotate each occurrence with places taken (uses + holding reservations) and its capacity."""
    uses = (
        Use.objects.filter(occurrence=OuterRef("pk"), outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True)
        .order_by()
        .values("occurrence")
        .annotate(n=Count("pk"))
        .values("n")
    )
    held = (
        Reservation.objects.filter(occurrence=OuterRef("pk"), status=Reservation.Status.ACTIVE)
        .order_by()
        .values("occurrence")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return occurrences.annotate(
        taken=Coalesce(Subquery(uses, output_field=IntegerField()), 0)
        + Case(
            # Reservations stop holding a place when the occurrence starts.
            When(starts_at__gt=now, then=Coalesce(Subquery(held, output_field=IntegerField()), 0)),
            default=Value(0),
        ),
        capacity=Coalesce("quota", "offer__quota") + F("extra_seats"),
    )


def _open_occurrences(now: dt.datetime) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(offer=OuterRef("pk"), starts_at__gt=now, cancelled=False)


def search(criteria: Criteria, now: dt.datetime, area: Area | None = None) -> QuerySet[Offer]:
    today = timezone.localdate(now)
    qs = Offer.objects.public().current(today)
    if area is not None:
        qs = qs.filter(venue__area=area)
    elif criteria.area:
        qs = qs.filter(venue__area__slug=criteria.area)
    if criteria.municipality:
        qs = qs.filter(venue__municipality__code=criteria.municipality)
    if criteria.sector:
        qs = qs.filter(sector=criteria.sector)
    if criteria.art_form:
        qs = qs.filter(art_form=criteria.art_form)
    if criteria.family:
        qs = qs.filter(family_friendly=True)
    for name in criteria.access:
        if name in ACCESSIBILITY_FIELDS:
            qs = qs.filter(**{name: True})
    for term in criteria.q.split()[:5]:
        qs = qs.filter(
            Q(title_fi__icontains=term)
            | Q(title_sv__icontains=term)
            | Q(title_en__icontains=term)
            | Q(venue__name__icontains=term)
        )
    if criteria.date_from or criteria.date_to:
        qs = _in_dates(qs, criteria.date_from, criteria.date_to, now)
    if criteria.places:
        qs = qs.filter(sold_out=False)
        open_ones = with_taken(_open_occurrences(now).filter(sold_out=False), now).filter(
            Q(capacity__isnull=True) | Q(capacity__gt=F("taken"))
        )
        qs = qs.filter(~Q(kind=Offer.Kind.EVENT) | Exists(open_ones))
    return qs.annotate(
        last_minute=Case(When(last_minute_until__gt=now, then=Value(0)), default=Value(1)),
        sort_day=Greatest(Coalesce("starts_on", Value(today)), Value(today)),
    ).order_by("last_minute", "sort_day", "title_fi", "pk")


def _in_dates(qs: QuerySet[Offer], start: dt.date | None, end: dt.date | None, now: dt.datetime) -> QuerySet[Offer]:
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
