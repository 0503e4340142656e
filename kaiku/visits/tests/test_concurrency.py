"""Two requests with the same idempotency key at the same moment: one row, one answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kaiku.visits import services
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseRequest, record_use


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_recorded_once(world, monkeypatch):
    real = services._existing
    barrier = threading.Barrier(2, timeout=10)
    local = threading.local()

    def both_pass_the_first_lookup(venue, key):
        found = real(venue, key)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()  # both requests have looked and found nothing
        return found

    monkeypatch.setattr(services, "_existing", both_pass_the_first_lookup)
    results, errors = [], []

    def send():
        try:
            results.append(
                record_use(
                    UseRequest(
                        venue=world.venue_a, number=world.card_a.number, channel=Channel.SCAN, idempotency_key="twice"
                    )
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(results) == 2
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].use.pk == results[1].use.pk
    assert Use.objects.filter(idempotency_key="twice").count() == 1
