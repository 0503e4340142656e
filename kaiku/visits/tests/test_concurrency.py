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
    # Both requests get past the rule checks before either inserts: the unique
    # constraint, not a look-up, must make the second one return the first's use.
    real = services.after_use_recorded
    calls = []
    monkeypatch.setattr(services, "after_use_recorded", lambda use: (calls.append(use.pk), real(use)))
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
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
    assert len(calls) == 1, "the statistics were updated for the losing attempt too"
