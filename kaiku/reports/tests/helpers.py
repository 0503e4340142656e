"""Test data for reports: uses written straight into the register on chosen days."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from kaiku.visits.models import Channel, Use

_keys = itertools.count()


def use(card, venue, day: dt.date, *, offer=None, children=0, community=0, voided=False, accepted=True, sector=None):
    at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo("Europe/Helsinki"))
    return Use.objects.create(
        card=card,
        venue=venue,
        offer=offer,
        outcome=Use.Outcome.ACCEPTED if accepted else Use.Outcome.REFUSED,
        reason="" if accepted else "expired",
        children=children,
        community_clients=community,
        sector=sector or (offer.sector if offer else venue.sector or "culture"),
        channel=Channel.TYPED,
        scanned_at=at,
        used_on=day,
        idempotency_key=f"t{next(_keys)}",
        voided_at=at if voided else None,
    )
