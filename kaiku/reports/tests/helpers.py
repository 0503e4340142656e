"""Test data for reports: cards and uses written straight into the register on chosen days.

Each is told to the statistics as the register's services tell them (a pending row,
``kaiku.pending.notes``), so that figures read from the statistics fold them on read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from kaiku.cards.models import Card, CardEvent
from kaiku.cards.tests.factories import CardFactory
from kaiku.pending import notes
from kaiku.visits.models import Channel, Use

_keys = itertools.count()


def registered(card: Card) -> Card:
    """The card's registration event on its ``registered_on`` day, told to the statistics."""
    assert card.registered_on is not None
    event = CardEvent.objects.create(
        card=card, kind=CardEvent.Kind.REGISTERED, details={"given_on": card.registered_on.isoformat()}
    )
    notes.card_event(event)
    return card


def resident_card(**kwargs: Any) -> Card:
    """A personal card (``CardFactory``) and its registration."""
    return registered(CardFactory(**kwargs))


def use(card, venue, day: dt.date, *, offer=None, children=0, community=0, voided=False, accepted=True, sector=None):
    at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo("Europe/Helsinki"))
    done = Use.objects.create(
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
    notes.uses_recorded([done])
    return done
