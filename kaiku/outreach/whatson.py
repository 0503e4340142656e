"""The printed "What's on": the coming weeks' offers near a distributor site or in an area (issue 22, item 3).

For holders without a smartphone: one or two A4 pages, in Finnish, Swedish or English,
optionally in large type, with how to get each ticket. What does not fit is counted at
the end with the address of the catalogue, so nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kaiku.network.models import Area, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.outreach.services import LANGUAGES, near_offers

WEEKS = 4
# Entries that fit on two A4 pages: (dated, ongoing) in normal and in large type.
FITS = {False: (36, 14), True: (16, 6)}


@dataclass
class Day:
    day: dt.date
    dates: list[Occurrence] = field(default_factory=list)


@dataclass
class WhatsOn:
    place: str
    start: dt.date
    end: dt.date
    days: list[Day]
    ongoing: list[Offer]
    more: int
    large: bool
    catalogue_url: str


def _area_offers(area: Area, today: dt.date) -> QuerySet[Offer]:
    return Offer.objects.public().current(today).filter(venue__area=area, sold_out=False).select_related("venue")


def build(offers: QuerySet[Offer], *, place: str, catalogue_path: str, large: bool, weeks: int = WEEKS) -> WhatsOn:
    now = timezone.now()
    start = timezone.localdate()
    end = start + dt.timedelta(weeks=weeks)
    dated_max, ongoing_max = FITS[large]
    dated_qs = Occurrence.objects.upcoming(now).filter(
        offer__in=offers, sold_out=False, starts_at__lt=now + dt.timedelta(weeks=weeks)
    )
    occurrences = list(dated_qs.select_related("offer__venue").order_by("starts_at", "pk")[:dated_max])
    undated = offers.exclude(kind=Offer.Kind.EVENT).filter(Q(starts_on__isnull=True) | Q(starts_on__lte=end))
    ongoing = list(undated.order_by("title_fi", "pk")[:ongoing_max])
    more = 0
    if len(occurrences) == dated_max:
        more += dated_qs.count() - dated_max
    if len(ongoing) == ongoing_max:
        more += undated.count() - ongoing_max
    days: list[Day] = []
    for occ in occurrences:
        day = timezone.localtime(occ.starts_at).date()
        if not days or days[-1].day != day:
            days.append(Day(day))
        days[-1].dates.append(occ)
    return WhatsOn(
        place=place,
        start=start,
        end=end,
        days=days,
        ongoing=ongoing,
        more=more,
        large=large,
        catalogue_url=f"{settings.SITE_ROOT.rstrip('/')}{catalogue_path}",
    )


def for_site(site: Site, *, large: bool) -> WhatsOn:
    area = site.area
    # The same "near" as near_offers: a county's site lists its own municipality.
    place = str(site.municipality) if area.kind == Area.Kind.COUNTY and site.municipality else area.name
    return build(
        near_offers(site),
        place=place,
        catalogue_path=reverse("offers:area_catalogue", kwargs={"area_slug": area.slug}),
        large=large,
    )


def for_area(area: Area, *, large: bool) -> WhatsOn:
    return build(
        _area_offers(area, timezone.localdate()),
        place=area.name,
        catalogue_path=reverse("offers:area_catalogue", kwargs={"area_slug": area.slug}),
        large=large,
    )


def pdf(make: Any, language: str) -> bytes:
    """Render in ``language`` (offer titles and labels alike); ``make`` builds the WhatsOn inside it."""
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    with translation.override(language if language in LANGUAGES else "fi"):
        html = render_to_string("outreach/print/whats_on.html", {"w": make()})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # type: ignore[no-any-return]
