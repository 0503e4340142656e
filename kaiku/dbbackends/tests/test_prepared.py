"""``insert`` stores what ``save`` would store, on both databases."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kaiku.dbbackends.prepared import insert
from kaiku.network.models import Sector, Site
from kaiku.visits.models import Channel, Use

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_insert_stores_the_row_save_would_store(world):
    now = timezone.now()
    use = Use(
        card=world.card_a,
        venue=world.venue_a,
        outcome=Use.Outcome.ACCEPTED,
        adults=1,
        children=2,
        sector=Sector.CULTURE,
        channel=Channel.TYPED,
        scanned_at=now,
        used_on=timezone.localdate(now),
        idempotency_key="prepared-insert",
        forced=True,
    )
    insert(use)
    assert use.pk and use.received_at is not None and use._state.adding is False
    stored = Use.objects.get(pk=use.pk)
    assert _fields(stored) == _fields(use)
    site = Site(kind=Site.Kind.VENUE, name="Uusi", area=world.area_a, municipality=world.muni_a, sector=Sector.SPORTS)
    insert(site)
    assert Site.objects.get(pk=site.pk).name == "Uusi"
