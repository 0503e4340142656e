"""The permission matrix: (role, method, url) → expected status, for every URL.

Each app lists its URLs in ``tests/test_permissions.py`` as ``MATRIX = [Row(...)]``
and calls ``matrix_params(MATRIX)``; ``kaiku/web/tests/test_url_coverage.py``
fails when a URL of the project is missing from every app's matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import reverse

from kaiku.testing.world import ROLES, World

# Distinctive holder details of world.card_a that must never reach venue staff.
HOLDER_MARKERS = ("1957", "33999")
VENUE_ROLES = {"venue_staff", "venue_admin"}


@dataclass(frozen=True)
class Row:
    url_name: str
    method: str
    expect: dict[str, int]
    # URL kwargs: a world object's name (its pk is used) or a literal int.
    kwargs: dict[str, str | int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # Extra setup on the world before the request (e.g. create an offer in extra).
    setup: Callable[[World], None] | None = None
    # Extra roles beyond the staff ones (e.g. 'holder'), added by apps that define them.
    content_type: str = ""

    def url(self, world: World) -> str:
        kwargs = {k: (v if isinstance(v, int) else world.obj(v).pk) for k, v in self.kwargs.items()}
        return reverse(self.url_name, kwargs=kwargs)


def matrix_params(rows: Iterable[Row], roles: Iterable[str] = ROLES) -> list[Any]:
    params = []
    roles = list(roles)
    for row in rows:
        missing = set(roles) - set(row.expect)
        if missing:
            raise AssertionError(f"{row.url_name} {row.method}: no expectation for {sorted(missing)}")
        for role in row.expect:
            params.append(pytest.param(role, row, id=f"{row.url_name}-{row.method}-{role}"))
    return params


def check(world: World, role: str, row: Row, client_for: Callable[[str], Any] | None = None) -> None:
    if row.setup is not None:
        row.setup(world)
    client = (client_for or world.client_for)(role)
    url = row.url(world)
    if row.method == "GET":
        response = client.get(url)
    elif row.content_type:
        response = client.generic(row.method, url, data=row.data, content_type=row.content_type)
    else:
        response = getattr(client, row.method.lower())(url, data=row.data)
    expected = row.expect[role]
    assert response.status_code == expected, f"{role} {row.method} {url}: {response.status_code} != {expected}"
    if role in VENUE_ROLES and response.status_code == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert_no_holder_data(body, response.get("Content-Type", ""), f"{role} at {url}")


# Keys that only ever hold a holder's details (municipality or gender also name aggregates).
HOLDER_KEYS = {"birth_year", "postal_code", "life_situation"}


def _json_leaks(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [leak for k, v in value.items() for leak in _json_leaks(v, str(k))]
    if isinstance(value, list):
        return [leak for v in value for leak in _json_leaks(v, key)]
    if key in HOLDER_KEYS:
        return [key]
    id_like = key == "id" or key == "pk" or key.endswith(("_id", "_pk", "version", "count"))
    if not id_like and str(value) in HOLDER_MARKERS:
        return [f"{key}={value}"]
    return []


def assert_no_holder_data(body: bytes, content_type: str, where: str) -> None:
    """No holder detail of world.card_a in a response to venue staff."""
    if content_type.startswith("application/json"):
        import json

        leaks = _json_leaks(json.loads(body or b"null"))
        assert not leaks, f"holder data {leaks} leaked to {where}"
        return
    for marker in HOLDER_MARKERS:
        # As text of its own: the same digits inside an id, a URL or an attribute
        # value (an <option value> of an occurrence, say) are not a leak.
        pattern = rb"(?<![\w/.=\"-])" + re.escape(marker.encode()) + rb"(?![\w/\"-])"
        assert not re.search(pattern, body), f"holder data {marker!r} leaked to {where}"
