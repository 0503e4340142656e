from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory
from kaiku.offers.models import Occurrence, Offer
from kaiku.portal.holder import COOKIE
from kaiku.portal.models import GroupVisit, HolderDevice
from kaiku.portal.services import _new_device
from kaiku.testing.world import World

CODE = "ABCD2345"


def holder_client(card: Card) -> Client:
    """A client whose browser holds a signed-in portal device for ``card``."""
    _device, token = _new_device(card, HolderDevice.Method.CODE)
    client = Client()
    client.cookies[COOKIE] = token
    return client


def with_code(card: Card, code: str = CODE) -> Card:
    from django.contrib.auth.hashers import make_password

    card.activation_code_hash = make_password(code)
    card.save(update_fields=["activation_code_hash"])
    return card


def make_offer(venue: Any, **kwargs: Any) -> Offer:
    defaults = {
        "sector": "culture",
        "art_form": "music",
        "title_fi": "Konsertti",
        "title_en": "Concert",
        "title_sv": "Konsert",
    }
    defaults.update(kwargs)
    return Offer.objects.create(venue=venue, **defaults)


def make_occurrence(offer: Offer, days: float = 2, **kwargs: Any) -> Occurrence:
    return Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(days=days), **kwargs)


def community_card(world: World) -> Card:
    return CardFactory(
        site=world.distributor_a,
        kind=Card.Kind.COMMUNITY,
        municipality=world.muni_a,
        children=0,
        community_label="Klubi",
    )


def make_group_visit(world: World, *, site: Any = None, max_size: int = 5) -> GroupVisit:
    site = site or world.distributor_a
    venue = world.venue_a if site == world.distributor_a else world.venue_b
    offer = make_offer(venue, title_fi="Ryhmäkonsertti", title_en="Group concert", title_sv="Gruppkonsert")
    card = CardFactory(site=site, kind=Card.Kind.COMMUNITY, municipality=site.municipality, children=0)
    return GroupVisit.objects.create(
        site=site,
        offer=offer,
        meets_at=timezone.now() + dt.timedelta(days=3),
        meeting_place="Pääovi",
        max_size=max_size,
        community_card=card,
    )


@pytest.fixture
def holder(world: World) -> Client:
    return holder_client(world.card_a)
