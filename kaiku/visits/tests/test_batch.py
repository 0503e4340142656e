"""record_uses: a batch gives exactly what record_use gives one by one, in a few queries."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.cards.numbers import check_character
from kaiku.cards.tests.factories import CardFactory
from kaiku.network.models import Sector
from kaiku.offers.models import Occurrence, Offer, Reservation
from kaiku.stats import intake, slices
from kaiku.stats.models import CardYear, SliceRollup, UseFact
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseError, UseRequest, record_use, record_uses


class Rollback(Exception):
    pass


def _occurrence(venue, *, kind=Offer.Kind.EVENT, quota=None, starts_in=dt.timedelta(hours=2)):
    offer = Offer.objects.create(venue=venue, kind=kind, sector=Sector.CULTURE, title_fi="Tapahtuma", quota=quota)
    return Occurrence.objects.create(offer=offer, starts_at=timezone.now() + starts_in)


def _scene(w):
    """Cards and occurrences for every rule the batch must get right."""
    valid = [w.card_a, w.card_b, *CardFactory.create_batch(6, site=w.distributor_a, municipality=w.muni_a)]
    scene = {
        "valid": valid,
        "inactive": CardFactory(site=w.distributor_a, municipality=w.muni_a, status=Card.Status.INACTIVE),
        "expired": CardFactory(
            site=w.distributor_a, municipality=w.muni_a, valid_until=timezone.localdate() - dt.timedelta(days=1)
        ),
        "local": w.card_l,
        "community": CardFactory(site=w.distributor_a, municipality=w.muni_a, kind=Card.Kind.COMMUNITY, children=0),
        "open": _occurrence(w.venue_a),
        "quota": _occurrence(w.venue_a, quota=3),
        "tight": _occurrence(w.venue_a, quota=1),
        "course": _occurrence(w.venue_a, kind=Offer.Kind.COURSE),
        "elsewhere": _occurrence(w.venue_b),
    }
    # A reservation holds one of the quota's places for a card; another quota place is
    # already taken by a use recorded before the batch.
    Reservation.objects.create(card=valid[5], occurrence=scene["quota"])
    for i, card in enumerate(valid[:3]):
        record_use(UseRequest(venue=w.venue_a, number=card.number, channel=Channel.SCAN, idempotency_key=f"pre-{i}"))
    record_use(
        UseRequest(
            venue=w.venue_a,
            number=valid[4].number,
            channel=Channel.SCAN,
            idempotency_key="pre-quota",
            occurrence=scene["quota"],
        )
    )
    return scene


def _typo(number: str) -> str:
    return number[:-1] + ("2" if number[-1] != "2" else "3")


def _random_batch(w, scene, rng: random.Random, size: int) -> list[UseRequest]:
    keys = itertools.count()
    requests: list[UseRequest] = []
    now = timezone.now()

    def make(number, **kwargs):
        kwargs.setdefault("venue", w.venue_a)
        kwargs.setdefault("channel", Channel.OFFLINE if kwargs.get("accepted_offline") else Channel.SCAN)
        kwargs.setdefault("idempotency_key", f"k-{next(keys)}")
        return UseRequest(number=number, **kwargs)

    valid = scene["valid"]
    occurrences = [scene["open"], scene["quota"], scene["tight"]]
    kinds = [
        lambda: make(rng.choice(valid).number),
        lambda: make(rng.choice(valid).number, occurrence=rng.choice(occurrences)),
        lambda: make(rng.choice(valid).number, occurrence=rng.choice(occurrences), accepted_offline=True),
        lambda: make(rng.choice(valid).number, occurrence=scene["quota"], override_reason="Second show"),
        lambda: make(scene["inactive"].number, accepted_offline=rng.random() < 0.5),
        lambda: make(scene["expired"].number),
        lambda: make(scene["local"].number, accepted_offline=rng.random() < 0.5),
        lambda: make("2222222" + check_character("2222222"), accepted_offline=True),
        lambda: make(_typo(rng.choice(valid).number), accepted_offline=rng.random() < 0.5),
        lambda: make("KK-0000"),
        lambda: make(rng.choice(valid).number, children=rng.choice([1, 2, 3, 5])),
        lambda: make(rng.choice(valid).number, children=1, occurrence=scene["course"]),
        lambda: make(scene["community"].number, community_clients=rng.choice([3, 50])),
        lambda: make(rng.choice(valid).number, occurrence=scene["elsewhere"]),
        lambda: make(rng.choice(valid).number, venue=w.venue_b, sector=Sector.SPORTS),
        lambda: make(rng.choice(valid).number, scanned_at=now - dt.timedelta(days=2), accepted_offline=True),
        lambda: make(rng.choice(valid).number, idempotency_key=f"pre-{rng.randrange(3)}"),
        lambda: make(rng.choice(valid).number, idempotency_key=f"k-{rng.randrange(max(len(requests), 1))}"),
    ]
    for _ in range(size):
        requests.append(rng.choice(kinds)())
    return requests


def _outcomes(results, pre_existing: set[int]):
    return [
        (
            r.created,
            r.use.idempotency_key,
            r.use.venue_id,
            r.use.pk if r.use.pk in pre_existing else None,
            r.use.outcome,
            r.use.reason,
            r.use.forced,
            r.use.late,
            r.use.card_id,
            r.use.typed_number,
            r.use.occurrence_id,
            r.use.offer_id,
            r.use.sector,
            r.use.channel,
            r.use.children,
            r.use.community_clients,
            r.use.override_reason,
        )
        for r in results
    ]


def _tables():
    intake.fold()  # the statistics of what each path noted as pending
    slices.fold()  # and the slices of the facts it made

    def rows(model, exclude=("id", "use_id")):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
        return sorted((tuple(str(v) for v in row) for row in model.objects.values_list(*fields)), key=repr)

    return {
        "uses": Use.objects.count(),
        "facts": rows(UseFact),
        "rollup": rows(SliceRollup),
        "card_years": rows(CardYear),
        "full": sorted(Occurrence.objects.values_list("pk", "full_hint")),
        "reservations": sorted(Reservation.objects.values_list("pk", "status")),
    }


def _run(fn, requests, pre_existing):
    """Run fn on the requests, capture what it did, and roll it all back."""
    captured = {}
    try:
        with transaction.atomic():
            captured["results"] = _outcomes(fn(requests), pre_existing)
            captured.update(_tables())
            raise Rollback
    except Rollback:
        pass
    return captured


def _sequential(requests):
    return [record_use(req) for req in requests]


@pytest.mark.parametrize("seed", range(5))
def test_a_random_batch_matches_record_use_one_by_one(world, seed):
    scene = _scene(world)
    pre_existing = set(Use.objects.values_list("pk", flat=True))
    requests = _random_batch(world, scene, random.Random(seed), size=60)
    expected = _run(_sequential, requests, pre_existing)
    got = _run(record_uses, requests, pre_existing)
    assert got["results"] == expected["results"]
    for table in ("uses", "facts", "rollup", "card_years", "full", "reservations"):
        assert got[table] == expected[table], table
    # The batch exercised the rules, not only accepted uses.
    reasons = {row[5] for row in expected["results"]}
    assert len(reasons) >= 5


def test_every_rule_in_one_batch(world):
    """A fixed batch that touches each rule at least once, including a quota filling up,
    a reservation turned into a use, the same card twice and a key repeated in the batch."""
    scene = _scene(world)
    valid = scene["valid"]
    pre_existing = set(Use.objects.values_list("pk", flat=True))

    def req(number, key, **kwargs):
        kwargs.setdefault("channel", Channel.SCAN)
        return UseRequest(venue=world.venue_a, number=number, idempotency_key=key, **kwargs)

    requests = [
        req(valid[5].number, "a", occurrence=scene["quota"]),  # holds a reservation
        req(valid[6].number, "b", occurrence=scene["quota"]),
        req(valid[7].number, "c", occurrence=scene["quota"]),  # full: refused
        req(valid[7].number, "d", occurrence=scene["quota"], accepted_offline=True, channel=Channel.OFFLINE),
        req(valid[6].number, "e", occurrence=scene["tight"]),
        req(valid[6].number, "f", occurrence=scene["tight"], override_reason="Came back"),  # full
        req(valid[0].number, "a", occurrence=scene["open"]),  # key repeated in the batch
        req(valid[0].number, "pre-0"),  # key recorded before
        req(scene["inactive"].number, "g", accepted_offline=True, channel=Channel.OFFLINE),
        req(scene["expired"].number, "h"),
        req(valid[1].number, "i", children=5),
        req(valid[1].number, "j", children=1, occurrence=scene["course"]),
        req("2222222" + check_character("2222222"), "k"),
        req(_typo(valid[2].number), "l"),
        req(valid[3].number, "m", occurrence=scene["open"]),
        req(valid[3].number, "n", occurrence=scene["open"]),  # the same card twice
    ]
    expected = _run(_sequential, requests, pre_existing)
    got = _run(record_uses, requests, pre_existing)
    assert got == expected
    reasons = [row[5] for row in expected["results"]]
    assert reasons[:3] == ["", "", "quota_full"] and reasons[3] == "quota_full" and expected["results"][3][6] is True
    assert expected["results"][6][0] is False and expected["results"][7][3] is not None
    assert {"already_used", "inactivated", "expired", "too_many_children", "unknown_number"} <= set(reasons)
    assert any(status == Reservation.Status.USED for _pk, status in expected["reservations"])


def test_a_batch_of_100_takes_a_constant_number_of_queries(world):
    scene = _scene(world)
    cards = CardFactory.create_batch(100, site=world.distributor_a, municipality=world.muni_a)
    requests = [
        UseRequest(
            venue=world.venue_a,
            number=card.number,
            channel=Channel.OFFLINE,
            idempotency_key=f"q-{i}",
            occurrence=scene["open"] if i % 2 else None,
            accepted_offline=True,
        )
        for i, card in enumerate(cards)
    ]
    with CaptureQueriesContext(connection) as queries:
        results = record_uses(requests)
    assert all(r.created and r.accepted for r in results)
    assert len({r.use.pk for r in results}) == 100 and all(r.use.pk for r in results)
    # Look-ups, locks and counts (places in people, reservations, group visits), a few
    # bulk inserts (SQLite splits them by its parameter limit), one summary update:
    # about 20, never one per use.
    assert len(queries) <= 24, [q["sql"][:80] for q in queries]
    intake.fold()
    assert UseFact.objects.filter(use_id__in=[r.use.pk for r in results]).count() == 100


def test_an_empty_key_records_nothing(world):
    good = UseRequest(venue=world.venue_a, number=world.card_a.number, channel=Channel.SCAN, idempotency_key="x")
    bad = UseRequest(venue=world.venue_a, number=world.card_a.number, channel=Channel.SCAN, idempotency_key=" ")
    with pytest.raises(UseError):
        record_uses([good, bad])
    assert not Use.objects.exists()
    assert record_uses([]) == []


def test_a_key_recorded_before_is_decided_by_the_unique_key_alone(world):
    """No look-up of keys first: the batch's insert breaks the unique constraint, its
    writes roll back, and each use is answered one by one, a resent key with its first use."""
    first = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel=Channel.SCAN, idempotency_key="race")
    )
    batch = [
        UseRequest(venue=world.venue_a, number=world.card_b.number, channel=Channel.SCAN, idempotency_key="new"),
        UseRequest(venue=world.venue_a, number=world.card_b.number, channel=Channel.SCAN, idempotency_key="race"),
        UseRequest(venue=world.venue_a, number=world.card_b.number, channel=Channel.SCAN, idempotency_key="new"),
    ]
    with CaptureQueriesContext(connection) as queries:
        results = record_uses(batch)
    assert not any('idempotency_key" IN' in q["sql"] for q in queries.captured_queries)
    assert results[0].created and results[0].accepted
    assert not results[1].created and results[1].use.pk == first.use.pk
    assert not results[2].created and results[2].use.pk == results[0].use.pk
    intake.fold()
    assert Use.objects.count() == 2 and UseFact.objects.count() == 2
    again = record_uses(batch)
    intake.fold()
    assert [r.use.pk for r in again] == [r.use.pk for r in results] and not any(r.created for r in again)
    assert Use.objects.count() == 2 and UseFact.objects.count() == 2
