"""kaiku.web.ratelimit: fixed windows counted in the database."""

import datetime as dt

import time_machine
from django.utils import timezone

from kaiku.web import ratelimit
from kaiku.web.models import RateCounter


def test_it_allows_the_limit_then_refuses_until_the_window_ends(db):
    results = [ratelimit.hit("t", "key-1", 3, 60)[0] for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.exceeded("t", "key-1", 3, 60)
    assert not ratelimit.exceeded("t", "key-2", 3, 60)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert ratelimit.hit("t", "key-1", 3, 60)[0]
        # Windows that ended are forgotten when a new one begins.
        assert RateCounter.objects.count() == 1


def test_it_keeps_no_identifier_in_the_clear(db):
    ratelimit.hit("addr", "203.0.113.66", 3, 60)
    assert "203.0.113.66" not in RateCounter.objects.get().key
