"""No query string gives a 500: every GET page of the permission matrices, fed hostile values.

Each GET row of every app's MATRIX is requested by a role that gets the page (200), with
query parameters drawn by hypothesis from the names the project's views and filter forms
read, and values that have broken them before: years 0, -5, 9999, 10000, dates in year 1
or 1000, huge page numbers, NUL characters. Only 200, 302, 400 and 404 are acceptable.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import kaiku
from kaiku.testing.matrix import Row
from kaiku.testing.world import World

# Every query parameter a GET view or a GET filter form of the project reads.
NAMES = [
    "year",
    "start",
    "end",
    "page",
    "q",
    "area",
    "municipality",
    "sector",
    "art_form",
    "card_kind",
    "channel",
    "format",
    "table",
    "lang",
    "language",
    "count",
    "since",
    "on",
    "next",
    "kind",
    "status",
    "venue",
    "date",
    "month",
]
HOSTILE = [
    "",
    "0",
    "-5",
    "9999",
    "10000",
    "99999999999999999999999",
    "1e400",
    "nan",
    "0001-01-01",
    "1000-01-01",
    "9999-12-31",
    "2026-02-30",
    "\x00",
    "é" * 300,
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(-(10**12), 10**12).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=20),
)
QUERIES = st.dictionaries(st.sampled_from(NAMES), VALUES, min_size=1, max_size=4)
ACCEPTABLE = {200, 302, 400, 404}


def _rows() -> list[Any]:
    params = []
    for module in pkgutil.iter_modules(kaiku.__path__):
        try:
            tests = importlib.import_module(f"kaiku.{module.name}.tests.test_permissions")
        except ModuleNotFoundError:
            continue
        seen = set()
        for attr in sorted(dir(tests)):
            if not attr.endswith("MATRIX"):
                continue
            for row in getattr(tests, attr):
                roles = [role for role, status in row.expect.items() if status == 200]
                if row.method != "GET" or not roles or row.url_name in seen:
                    continue
                seen.add(row.url_name)
                # A staff role if one gets the page (the filters are theirs), else whoever does.
                role = next((r for r in roles if r not in ("anonymous", "holder")), roles[0])
                params.append(pytest.param(module.name, role, row, id=f"{row.url_name}-{role}"))
    return params


def _client(world: World, app: str, role: str) -> Any:
    if role == "holder":
        from kaiku.portal.tests.test_permissions import client_for

        return client_for(world)(role)
    return world.client_for(role)


@pytest.mark.parametrize(("app", "role", "row"), _rows())
def test_it_never_answers_500_to_a_query_string(world, app: str, role: str, row: Row):
    if row.setup is not None:
        row.setup(world)
    client = _client(world, app, role)
    url = row.url(world)

    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(query=QUERIES)
    @example(query={"year": "0"})
    @example(query={"year": "-5", "page": "-1"})
    @example(query={"year": "10000", "page": "99999999999999999999"})
    @example(query={"start": "1000-01-01"})
    @example(query={"start": "0001-01-01", "end": "9999-12-31"})
    @example(query={"end": "0001-01-01"})
    def run(query: dict[str, str]) -> None:
        response = client.get(url, query)
        assert response.status_code in ACCEPTABLE, f"{role} GET {url} {query!r}: {response.status_code}"
        if response.streaming:
            b"".join(response.streaming_content)

    run()
