"""The printed "What's on": the coming weeks' offers near a distributor site or in an area (issue 22, item 3).

For holders without a smartphone: one or two A4 pages, in Finnish, Swedish or English,
optionally in large type, with how to get each ticket. What does not fit is counted at
the end with the address of the catalogue, so nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kaiku.network.models import Area, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.outreach.services import LANGUAGES, near_offers

WEEKS = 4
MAX_PAGES = 2
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


def build(
    offers: QuerySet[Offer], *, place: str, catalogue_path: str, large: bool, share: float = 1.0, weeks: int = WEEKS
) -> WhatsOn:
    """``share`` (0 to 1) of the entries that usually fit: less when long texts made more pages."""
    now = timezone.now()
    start = timezone.localdate()
    end = start + dt.timedelta(weeks=weeks)
    dated_max, ongoing_max = (max(int(n * share), 1) for n in FITS[large])
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


def for_site(site: Site, *, large: bool, share: float = 1.0) -> WhatsOn:
    area = site.area
    # The same "near" as near_offers: a county's site lists its own municipality.
    place = str(site.municipality) if area.kind == Area.Kind.COUNTY and site.municipality else area.name
    return build(
        near_offers(site),
        place=place,
        catalogue_path=reverse("offers:area_catalogue", kwargs={"area_slug": area.slug}),
        large=large,
        share=share,
    )


def for_area(area: Area, *, large: bool, share: float = 1.0) -> WhatsOn:
    return build(
        _area_offers(area, timezone.localdate()),
        place=area.name,
        catalogue_path=reverse("offers:area_catalogue", kwargs={"area_slug": area.slug}),
        large=large,
        share=share,
    )


def pdf(make: Callable[[float], WhatsOn], language: str) -> bytes:
    """Render in ``language`` (offer titles and labels alike) on at most two pages.

    ``make(share)`` builds the list; when long titles or ticket instructions make it run
    past two pages, it is built again with fewer entries (the rest are counted at the end).
    """
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    share = 1.0
    with translation.override(language if language in LANGUAGES else "fi"):
        for _attempt in range(6):
            html = render_to_string("outreach/print/whats_on.html", {"w": make(share)})
            document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
            if len(document.pages) <= MAX_PAGES:
                break
            share *= 0.7
    return document.write_pdf()  # type: ignore[no-any-return]
