"""50 parallel attempts against a quota of 10: exactly 10 succeed, on SQLite and PostgreSQL."""

import threading

import pytest
from django.db import connection

from kaiku.cards.tests.factories import CardFactory
from kaiku.network.tests.factories import AreaFactory, DistributorFactory, VenueFactory
from kaiku.offers.models import Reservation
from kaiku.offers.services import OfferError, reserve
from kaiku.offers.tests.factories import OccurrenceFactory, ReservableOfferFactory
from kaiku.visits.models import Channel, Reason, Use
from kaiku.visits.services import UseRequest, record_use

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS, QUOTA = 50, 10


def _setup():
    area = AreaFactory()
    site = DistributorFactory(area=area)
    venue = VenueFactory(area=area)
    occurrence = OccurrenceFactory(offer=ReservableOfferFactory(venue=venue, quota=QUOTA))
    cards = [CardFactory(site=site) for _ in range(ATTEMPTS)]
    return venue, occurrence, cards


def _run_parallel(work):
    results: list = [None] * ATTEMPTS
    barrier = threading.Barrier(ATTEMPTS)

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_it_never_oversells_the_quota_at_the_door():
    venue, occurrence, cards = _setup()

    def attempt(i):
        return record_use(
            UseRequest(
                venue=venue,
                number=cards[i].number,
                channel=Channel.SCAN,
                idempotency_key=f"p{i}",
                occurrence=occurrence,
            )
        ).reason

    reasons = _run_parallel(attempt)
    assert reasons.count("") == QUOTA, reasons
    assert reasons.count(Reason.QUOTA_FULL) == ATTEMPTS - QUOTA, reasons
    assert Use.objects.accepted().filter(occurrence=occurrence).count() == QUOTA


def test_it_never_oversells_the_quota_with_reservations():
    _venue, occurrence, cards = _setup()

    def attempt(i):
        try:
            reserve(cards[i], occurrence)
        except OfferError as exc:
            return exc.code
        return "ok"

    codes = _run_parallel(attempt)
    assert codes.count("ok") == QUOTA, codes
    assert codes.count(Reason.QUOTA_FULL) == ATTEMPTS - QUOTA, codes
    assert Reservation.objects.active().filter(occurrence=occurrence).count() == QUOTA


def test_it_never_oversells_with_uses_and_reservations_mixed():
    venue, occurrence, cards = _setup()

    def attempt(i):
        if i % 2:
            try:
                reserve(cards[i], occurrence)
            except OfferError as exc:
                return exc.code
            return "ok"
        reason = record_use(
            UseRequest(
                venue=venue,
                number=cards[i].number,
                channel=Channel.SCAN,
                idempotency_key=f"m{i}",
                occurrence=occurrence,
            )
        ).reason
        return reason or "ok"

    codes = _run_parallel(attempt)
    assert codes.count("ok") == QUOTA, codes
    assert codes.count(Reason.QUOTA_FULL) == ATTEMPTS - QUOTA, codes
