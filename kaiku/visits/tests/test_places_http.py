"""Acceptance (issue 19): 50 parallel door requests over real HTTP against a quota of 10 people.

Parties of one to three people (the holder and up to two children) race for the same
date through the live server's threads. Never more than ten people are admitted,
every refusal carries its reason, and nothing answers 5xx. On PostgreSQL the
occurrence's row lock serialises the counts; on SQLite the IMMEDIATE transaction.
"""

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.urls import reverse

from kaiku.cards.tests.factories import CardFactory
from kaiku.door.services import create_device_token
from kaiku.network.tests.factories import AreaFactory, DistributorFactory, VenueFactory
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory
from kaiku.visits.models import Reason, Use
from kaiku.visits.services import taken_places

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

ATTEMPTS, QUOTA = 50, 10


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    """POST as a door device does: a connection the server's small listen queue resets is
    sent again with the same idempotency key (which is why resending is safe)."""
    for attempt in range(20):
        try:
            return _post_once(url, token, body)
        except (ConnectionResetError, ConnectionRefusedError, urllib.error.URLError):
            if attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _post_once(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Device {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_it_never_admits_more_people_than_the_quota_over_http(live_server):
    area = AreaFactory()
    site = DistributorFactory(area=area)
    venue = VenueFactory(area=area)
    occurrence = OccurrenceFactory(offer=OfferFactory(venue=venue, quota=QUOTA))
    cards = [CardFactory(site=site, children=2) for _ in range(ATTEMPTS)]
    _device, token = create_device_token(venue, "race", None)
    url = live_server.url + reverse("door-api:uses", args=[venue.pk])
    answers: list = [None] * ATTEMPTS
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(i: int) -> None:
        body = {"uses": [{"key": f"race-{i}", "text": cards[i].number, "children": i % 3, "occurrence": occurrence.pk}]}
        try:
            barrier.wait()
            answers[i] = _post(url, token, body)
        except Exception as exc:
            answers[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(a, tuple) for a in answers), [a for a in answers if not isinstance(a, tuple)]
    assert [status for status, _body in answers] == [200] * ATTEMPTS
    results = [body["results"][0] for _status, body in answers]
    admitted = [r for r in results if r["status"] == "accepted"]
    refused = [r for r in results if r["status"] == "refused"]
    assert len(admitted) + len(refused) == ATTEMPTS
    assert all(r["reason"] == Reason.QUOTA_FULL and r["reason_text"] for r in refused)
    people = sum(1 + use.children for use in Use.objects.accepted().filter(occurrence=occurrence))
    assert people <= QUOTA
    assert taken_places(occurrence) == people
    assert Use.objects.refused().filter(occurrence=occurrence, reason=Reason.QUOTA_FULL).count() == len(refused)
