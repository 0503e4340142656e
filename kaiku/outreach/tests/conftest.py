from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kaiku.offers.models import Occurrence, Offer
from kaiku.outreach.models import WorkerTip
from kaiku.testing.world import World


def offer_at(venue: Any, title: str = "Konsertti", **kwargs: Any) -> Offer:
    defaults = {
        "sector": "culture",
        "art_form": "music",
        "title_fi": title,
        "title_sv": f"{title} SV",
        "title_en": f"{title} EN",
    }
    defaults.update(kwargs)
    return Offer.objects.create(venue=venue, **defaults)


def date_of(offer: Offer, days: float = 3, **kwargs: Any) -> Occurrence:
    return Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(days=days), **kwargs)


def tips_world(world: World) -> None:
    """A tip at site A (world.extra['tip_a']) and one at site B (tip_b)."""
    offer_a = offer_at(world.venue_a)
    offer_b = offer_at(world.venue_b)
    today = timezone.localdate()
    world.extra["offer_a"] = offer_a
    world.extra["tip_a"] = WorkerTip.objects.create(
        site=world.distributor_a, card=world.card_a, offer=offer_a, delivery="print", given_on=today
    )
    world.extra["tip_b"] = WorkerTip.objects.create(
        site=world.distributor_b, card=world.card_b, offer=offer_b, delivery="print", given_on=today
    )
