"""Prepared queries give what the ORM gives, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaiku.accounts.backends import AccountBackend
from kaiku.accounts.models import Role
from kaiku.accounts.tests.factories import user_with_role
from kaiku.cards.models import Card
from kaiku.dbbackends.prepared import Prepared, insert
from kaiku.network.models import Sector, Site
from kaiku.visits.models import Channel, Use

pytestmark = pytest.mark.django_db

BY_NUMBER = Prepared(lambda number: Card.objects.select_related("site__area").filter(number=number), str)
BY_SITE = Prepared(lambda site_id: Card.objects.filter(site_id=site_id).order_by("pk"), int)
DATES = Prepared(
    lambda number: Card.objects.filter(number=number).values_list("valid_until", "kind", "site__area__local_only"), str
)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_prepared_lookup_gives_the_orm_objects_with_their_related_objects(world):
    card = world.card_a
    expected = Card.objects.select_related("site__area").get(number=card.number)
    for _ in range(2):  # compiled on the first run, reused on the second
        found = BY_NUMBER.first(card.number)
        assert found is not None
        assert _fields(found) == _fields(expected)
        assert isinstance(found.valid_until, dt.date) and found.valid_until == expected.valid_until
        assert _fields(found.site) == _fields(expected.site) and _fields(found.site.area) == _fields(expected.site.area)
        assert found._state.adding is False and found._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        assert BY_NUMBER.first(card.number).site.area.name == expected.site.area.name
    assert len(queries) == 1


def test_it_gives_every_row_in_order_nothing_when_nothing_matches_and_plain_tuples_for_values(world):
    assert [c.pk for c in BY_SITE.all(world.distributor_a.pk)] == list(
        Card.objects.filter(site=world.distributor_a).order_by("pk").values_list("pk", flat=True)
    )
    assert BY_NUMBER.first("KK-NOTA-CARD") is None and BY_SITE.all(-1) == []
    local = world.card_l
    assert DATES.values(local.number) == [(local.valid_until, local.kind, True)]
    with pytest.raises(TypeError):
        DATES.all(local.number)
    with pytest.raises(TypeError):
        BY_NUMBER.first()


def test_a_parameter_the_orm_would_change_is_refused_when_compiled(world):
    contains = Prepared(lambda text: Card.objects.filter(number__contains=text), str)
    with pytest.raises(ValueError, match="exactly once"):
        contains.first("7F3K")
    twice = Prepared(lambda text: Card.objects.filter(number=text) | Card.objects.filter(postal_code=text), str)
    with pytest.raises(ValueError, match="exactly once"):
        twice.first("33100")


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


def test_sessions_load_with_the_prepared_query_and_expire_as_before(world):
    user = user_with_role(Role.VENUE_STAFF, site=world.venue_a)
    client = Client()
    client.force_login(user)
    url = reverse("visits:venue", args=[world.venue_a.pk])
    assert client.get(url).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_backend_loads_active_users_by_id_only(world):
    user = user_with_role(Role.VENUE_STAFF, site=world.venue_a)
    backend = AccountBackend()
    assert backend.get_user(str(user.pk)) == user
    assert backend.get_user("not a number") is None and backend.get_user(None) is None
    assert backend.get_user(user.pk + 10_000) is None
    user.is_active = False
    user.save()
    assert backend.get_user(user.pk) is None


def test_the_database_reuses_a_repeated_statement(world):
    """PostgreSQL keeps a server-side prepared statement; SQLite's cursor keeps the "?" form."""
    if connection.vendor == "postgresql":
        for _ in range(3):
            BY_NUMBER.first(world.card_a.number)
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('"cards_card"."number" = $1' in statement for statement in prepared), prepared
    else:
        from kaiku.dbbackends.sqlite.base import _qmark

        _qmark.cache_clear()
        for _ in range(3):
            BY_NUMBER.first(world.card_a.number)
        info = _qmark.cache_info()
        assert info.misses == 1 and info.hits == 2
