"""``use_request``: the one way a channel's input becomes a ``UseRequest``."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.network.models import Sector
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits.models import Channel
from kaiku.visits.services import VenueOffers, use_request

pytestmark = pytest.mark.django_db


def _occurrence(venue):
    offer = Offer.objects.create(venue=venue, kind=Offer.Kind.EVENT, sector=Sector.SCIENCE, title_fi="Näyttely")
    return Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(hours=2))


def test_it_reads_a_channels_fields_by_name(world):
    at = timezone.now()
    req = use_request(
        world.venue_a,
        {
            "number": "KK-7F3K-92QD",
            "idempotency_key": "k1",
            "children": 2,
            "assistants": 1,
            "sector": Sector.SPORTS,
            "scanned_at": at,
            "override_reason": "again",
            "offline": True,
            "step": "record",  # anything else a form carries is left out
        },
        channel=Channel.OFFLINE,
        recorded_via="door device Ovi",
    )
    assert (req.venue, req.number, req.idempotency_key, req.channel) == (
        world.venue_a,
        "KK-7F3K-92QD",
        "k1",
        Channel.OFFLINE,
    )
    assert (req.children, req.community_clients, req.assistants, req.sector) == (2, 0, 1, Sector.SPORTS)
    assert req.scanned_at == at and req.override_reason == "again" and req.accepted_offline
    assert req.recorded_via == "door device Ovi" and req.recorded_by is None and req.offer is None


def test_ids_name_only_this_venues_offers_and_a_date_brings_its_offer(world):
    mine, theirs = _occurrence(world.venue_a), _occurrence(world.venue_b)
    req = use_request(world.venue_a, {"number": "x", "idempotency_key": "k", "occurrence": mine.pk}, channel="typed")
    assert req.occurrence == mine and req.offer == mine.offer
    req = use_request(world.venue_a, {"number": "x", "idempotency_key": "k", "offer": mine.offer.pk}, channel="typed")
    assert req.offer == mine.offer and req.occurrence is None
    for data in ({"occurrence": theirs.pk}, {"offer": theirs.offer.pk}, {"occurrence": 10**9}, {"offer": 10**30}):
        req = use_request(world.venue_a, {"number": "x", "idempotency_key": "k", **data}, channel="typed")
        assert req.occurrence is None and req.offer is None
    # Instances (a desk form's choices, an import's offer by title) are taken as given.
    req = use_request(world.venue_a, {"number": "x", "idempotency_key": "k", "offer": mine.offer}, channel="import")
    assert req.offer == mine.offer


def test_a_batch_reads_its_offers_once(world, django_assert_num_queries):
    mine = _occurrence(world.venue_a)
    known = VenueOffers.load(world.venue_a, {mine.offer.pk, None}, {mine.pk, None})
    with django_assert_num_queries(0):
        for _ in range(3):
            req = use_request(
                world.venue_a,
                {"number": "x", "idempotency_key": "k", "occurrence": mine.pk},
                channel="offline",
                offers=known,
            )
            assert req.occurrence == mine
