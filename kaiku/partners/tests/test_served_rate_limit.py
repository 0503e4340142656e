"""With two gunicorn workers, a partner key's per-minute limit holds across both."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from time_machine import escape_hatch

from kaiku.partners.models import ApiKeyScope
from kaiku.partners.services import create_api_key
from kaiku.testing.served import gunicorn

LIMIT = 30  # a lower limit than the default 120 keeps the test fast; the mechanism is the same


def _get(url: str, secret: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.django_db(transaction=True)
def test_two_workers_answer_at_most_the_limit_in_a_minute(world, tmp_path):
    new = create_api_key(world.agency_a, "load", [ApiKeyScope.READ], world.users["national_admin"], rate_limit=LIMIT)
    with gunicorn(tmp_path, workers=2) as served:
        # All requests inside one minute window of the real clock.
        if escape_hatch.time.time() % 60 > 45:
            time.sleep(61 - escape_hatch.time.time() % 60)
        url = f"{served.base}/api/partners/venues/"
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = Counter(pool.map(lambda _i: _get(url, new.secret), range(LIMIT * 3)))
    assert statuses[200] == LIMIT, statuses
    assert statuses[429] == LIMIT * 2, statuses
