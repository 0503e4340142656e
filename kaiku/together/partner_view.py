"""The coordinator's partner view: every venue and distributor site of an area at a glance.

Read straight from the register with one grouped query per table (uses, card events,
roles, training reminders, guideline acknowledgements, group requests), not from the
statistics tables: it shows activity, not published figures, to the area's coordinators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from kaiku.accounts.models import RoleAssignment
from kaiku.cards.models import CardEvent
from kaiku.network.models import Acknowledgement, Area, GuidelineVersion, Site, TrainingReminder
from kaiku.together.models import GroupRequest
from kaiku.visits.models import Use

QUIET_DAYS = 90
# Card events that count as the site registering: a new card, a renewal, a replacement.
REGISTRATIONS = [CardEvent.Kind.REGISTERED, CardEvent.Kind.RENEWED, CardEvent.Kind.REPLACEMENT]


@dataclass
class PartnerRow:
    site: Site
    last_activity: dt.datetime | None
    this_year: int
    staff: int
    reminded_this_year: bool
    guideline_acknowledged: bool
    open_requests: int
    quiet: bool


def partner_rows(area: Area, now: dt.datetime | None = None) -> list[PartnerRow]:
    """Venues and distributor sites of ``area`` (still in the network), venues first, by name."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year_start = timezone.make_aware(dt.datetime(today.year, 1, 1))
    quiet_since = now - dt.timedelta(days=QUIET_DAYS)
    sites = list(
        Site.objects.active()
        .filter(area=area, kind__in=[Site.Kind.VENUE, Site.Kind.DISTRIBUTOR])
        .order_by("-kind", "name", "pk")
    )
    ids = [site.pk for site in sites]
    this_year = Count("pk", filter=Q(received_at__gte=year_start))
    uses = {
        row["venue_id"]: (row["last"], row["n"])
        for row in Use.objects.accepted()
        .filter(venue_id__in=ids)
        .order_by()
        .values("venue_id")
        .annotate(last=Max("received_at"), n=this_year)
    }
    registrations = {
        row["card__site_id"]: (row["last"], row["n"])
        for row in CardEvent.objects.filter(card__site_id__in=ids, kind__in=REGISTRATIONS)
        .order_by()
        .values("card__site_id")
        .annotate(last=Max("at"), n=Count("pk", filter=Q(at__gte=year_start)))
    }
    staff = dict(
        RoleAssignment.objects.filter(site_id__in=ids)
        .order_by()
        .values("site_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("site_id", "n")
    )
    reminded = set(TrainingReminder.objects.filter(site_id__in=ids, year=today.year).values_list("site_id", flat=True))
    current = GuidelineVersion.objects.current()
    acknowledged = (
        set(Acknowledgement.objects.filter(site_id__in=ids, version=current).values_list("site_id", flat=True))
        if current is not None
        else set()
    )
    open_requests: dict[int, int] = {}
    for field in ("venue_id", "site_id"):
        for pk, n in (
            GroupRequest.objects.open().filter(**{f"{field}__in": ids}).order_by().values(field).annotate(n=Count("pk"))
        ).values_list(field, "n"):
            open_requests[pk] = open_requests.get(pk, 0) + n
    rows = []
    for site in sites:
        last, count = (uses if site.is_venue else registrations).get(site.pk, (None, 0))
        # A partner that joined within the quiet period has had no chance to go quiet yet.
        quiet = (last is None or last < quiet_since) and site.created_at < quiet_since
        rows.append(
            PartnerRow(
                site=site,
                last_activity=last,
                this_year=count,
                staff=staff.get(site.pk, 0),
                reminded_this_year=site.pk in reminded,
                guideline_acknowledged=site.pk in acknowledged,
                open_requests=open_requests.get(site.pk, 0),
                quiet=quiet,
            )
        )
    return rows
