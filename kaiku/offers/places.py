"""Places left on an occurrence: the one definition (DESIGN §4.6).

It reads the rows of four apps (offers' reservations, visits' uses, portal's group visits,
together's group requests), so it lives beside them rather than in ``offers.models``, which
all four import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Case, F, Func, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaiku.offers.models import Occurrence, Reservation
from kaiku.portal.models import GroupVisit
from kaiku.together.models import GroupRequest
from kaiku.visits.models import Use


def _sum_of(qs: models.QuerySet[Any], amount: Any) -> Subquery:
    """SUM(amount) over ``qs`` as a scalar subquery (no GROUP BY, no default ordering)."""
    return Subquery(qs.order_by().values(n=Func(amount, function="SUM")), output_field=models.IntegerField())


def with_places(occurrences: QuerySet[Occurrence], now: dt.datetime | None = None) -> QuerySet[Occurrence]:
    """Annotate ``places_taken``, ``places_capacity`` and ``places_left`` (None: no cap).

    The one definition of "places left" (DESIGN §4.6) that every page, API and
    quota check uses (``offers.services.places_left``, ``visits.services.taken_places``):
    people of accepted, non-voided uses (holder, children, community clients), plus,
    until the occurrence starts, the people of active reservations and the places
    open group visits and accepted group requests (``together``) still hold. A sold-out, cancelled or excluded date has none left.
    """
    now = now or timezone.now()
    uses = _sum_of(
        Use.objects.filter(occurrence=OuterRef("pk"), outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True),
        F("adults") + F("children") + F("community_clients"),
    )
    held = _sum_of(
        Reservation.objects.filter(occurrence=OuterRef("pk"), status=Reservation.Status.ACTIVE),
        Value(1) + F("children") + F("community_clients"),
    )
    groups = _sum_of(GroupVisit.objects.filter(occurrence=OuterRef("pk"), cancelled_at__isnull=True), F("held_places"))
    requests = _sum_of(
        GroupRequest.objects.filter(occurrence=OuterRef("pk"), status=GroupRequest.Status.ACCEPTED),
        F("held_places"),
    )
    taken = Coalesce(uses, 0) + Case(
        # Reservations, group visits and accepted group requests stop holding places when the occurrence starts.
        When(starts_at__gt=now, then=Coalesce(held, 0) + Coalesce(groups, 0) + Coalesce(requests, 0)),
        default=Value(0),
    )
    capacity = Coalesce("quota", "offer__quota") + F("extra_seats")
    closed = Q(cancelled=True) | Q(sold_out=True) | Q(offer__sold_out=True) | Q(offer__excluded=True)
    return occurrences.annotate(
        places_taken=taken,
        places_capacity=capacity,
        places_left=Case(
            When(closed, then=Value(0)),
            When(places_capacity__isnull=True, then=Value(None)),
            When(places_capacity__lte=F("places_taken"), then=Value(0)),
            default=F("places_capacity") - F("places_taken"),
            output_field=models.IntegerField(null=True),
        ),
    )
