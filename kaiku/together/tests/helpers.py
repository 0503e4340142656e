"""Objects for the group request and bulletin tests, on top of the ``world`` fixture."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory
from kaiku.offers.models import Occurrence, Offer
from kaiku.testing.world import World
from kaiku.together import services
from kaiku.together.models import GroupRequest


def community_card(world: World, site: Any = None) -> Card:
    site = site or world.distributor_a
    return CardFactory(
        site=site, kind=Card.Kind.COMMUNITY, municipality=site.municipality, children=0, community_label="Klubi"
    )


def concert(venue: Any, quota: int | None = 10, days: float = 3) -> Occurrence:
    offer = Offer.objects.create(
        venue=venue, sector="culture", art_form="music", title_fi="Konsertti", title_en="Concert", title_sv="Konsert"
    )
    return Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(days=days), quota=quota)


def group_request(
    world: World, *, under_16: int = 3, adults: int = 1, quota: int | None = 10, site: Any = None
) -> GroupRequest:
    site = site or world.distributor_a
    venue = world.venue_a if site == world.distributor_a else world.venue_b
    occurrence = concert(venue, quota=quota)
    return services.request_places(
        site,
        services.RequestDetails(
            card=community_card(world, site),
            occurrence=occurrence,
            under_16=under_16,
            adults=adults,
            accessibility=True,
            language="easy",
            needs="Pyörätuoli ja selkokieli",
        ),
        world.users["distributor"],
    )
