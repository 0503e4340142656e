"""The valid-card set: what it holds, its false-positive rate, its signature, the API."""

import datetime as dt
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client

from kaiku.cards import numbers
from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.door import keys, validset


def _numbers(count, seed=1):
    rng = random.Random(seed)
    out = set()
    while len(out) < count:
        body = "".join(rng.choice(numbers.ALPHABET) for _ in range(7))
        out.add(body + numbers.check_character(body))
    return sorted(out)


@pytest.mark.parametrize("values", [[], [0], [1, 2, 3], [5, 70000, 70001, 10**9], list(range(0, 10**5, 97))])
def test_it_rice_codes_gaps_both_ways(values):
    assert validset.rice_decode(validset.rice_encode(values, 16), len(values), 16) == values


@pytest.mark.django_db
def test_it_holds_its_numbers_and_rarely_others():
    members = _numbers(3000)
    day = dt.date(2026, 6, 15)
    blob = validset.build(members, day)
    assert all(validset.contains(blob, n) for n in members[:300])
    others = [n for n in _numbers(20000, seed=2) if n not in set(members)]
    false = sum(validset.contains(blob, n) for n in others[:2000])
    assert false <= 2  # 2**-16 per number: about 0.03 expected
    # About P + 1.6 bits per card, no plain number inside.
    assert len(blob) < 3000 * 18 / 8 + 200
    assert not any(n.encode() in blob for n in members)


@pytest.mark.django_db
def test_it_is_signed_by_the_card_key():
    blob = validset.build(_numbers(10), dt.date(2026, 6, 15))
    public = Ed25519PublicKey.from_public_bytes(keys.current().public_raw)
    public.verify(blob[-64:], blob[:-64])  # raises if not
    head = validset.HEADER.unpack_from(blob)
    assert head[0] == b"KKVS" and head[2] == keys.current().key_id and head[4] == 10


@pytest.mark.django_db
def test_it_holds_the_cards_valid_in_the_venues_area(world, settings):
    settings.DOOR_VALID_SET_MIN_AGE = 0
    found = validset.for_venue(world.venue_a)
    assert validset.contains(found.blob, world.card_a.number)
    assert not validset.contains(found.blob, world.card_l.number)  # a local-only area's card
    stock = Card.objects.filter(status=Card.Status.UNREGISTERED).first()
    if stock is not None:
        assert not validset.contains(found.blob, stock.number)
    cards.inactivate_card(world.card_a, "lost", None)
    again = validset.for_venue(world.venue_a)
    assert not validset.contains(again.blob, world.card_a.number)
    assert again.etag != found.etag


@pytest.mark.django_db
def test_it_answers_304_for_an_unchanged_set(world, settings):
    client = Client()
    client.force_login(world.users["venue_staff"])
    url = f"/api/door/venues/{world.venue_a.pk}/valid-cards/"
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/octet-stream"
    assert first["Cache-Control"] == "no-store"
    assert world.card_a.number.encode() not in first.content
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_it_reuses_a_cached_set_until_a_card_changes(world, _clock, django_assert_max_num_queries, settings):
    settings.DOOR_VALID_SET_MIN_AGE = 0
    first = validset.for_venue(world.venue_a)
    _clock.shift(dt.timedelta(seconds=5))
    with django_assert_max_num_queries(2):  # the signing key, "changed since?"; no rebuild
        assert validset.for_venue(world.venue_a) == first
    cards.inactivate_card(world.card_a, "lost", None)
    assert not validset.contains(validset.for_venue(world.venue_a).blob, world.card_a.number)


@pytest.mark.django_db
def test_it_keeps_numbers_that_fall_on_the_same_value(monkeypatch):
    # A collision must not shrink the count: the device derives the modulus from it.
    monkeypatch.setattr(
        validset, "element", lambda key, number, modulus: 42 if number < "5" else hash(number) % modulus
    )
    members = _numbers(50)
    blob = validset.build(members, dt.date(2026, 6, 15))
    assert validset.HEADER.unpack_from(blob)[4] == 50
    assert all(validset.contains(blob, n) for n in members)


@pytest.mark.django_db
def test_a_busy_register_rebuilds_the_set_at_most_every_min_age(world, _clock, settings):
    settings.DOOR_VALID_SET_MIN_AGE = 30
    first = validset.for_venue(world.venue_a)
    cards.inactivate_card(world.card_a, "lost", None)
    assert validset.for_venue(world.venue_a) == first  # changed, but built moments ago
    _clock.shift(dt.timedelta(seconds=31))
    assert not validset.contains(validset.for_venue(world.venue_a).blob, world.card_a.number)
