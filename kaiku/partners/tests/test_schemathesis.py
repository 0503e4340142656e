"""The partner API against its own OpenAPI schema: no 5xx, every response as documented.

Bounded: a few examples per operation, so the suite stays fast.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kaiku.partners import services

MAX_EXAMPLES = 8


@pytest.fixture
def api(world):
    # Like Django's test client: keep the test's connection (and its transaction) open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    services.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    key = services.create_api_key(world.agency_a, "fuzz", ["check", "record", "read"], None, rate_limit=100_000)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    yield schema.include(path_regex="^/api/partners/"), key.secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_the_schema(world, api):
    schema, secret = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/partners/venues/",
        "/api/partners/venues/{venue_id}/check/",
        "/api/partners/venues/{venue_id}/uses/",
        "/api/partners/venues/{venue_id}/uses/{use_id}/void/",
        "/api/partners/venues/{venue_id}/offers/",
    }
    headers = {"Authorization": f"Bearer {secret}"}
    venue_ids = st.sampled_from([world.venue_a.pk, world.venue_b.pk, 10**9])

    for operation in operations:

        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(), venue_id=venue_ids)
        def run(case, venue_id):
            if "venue_id" in (case.path_parameters or {}):
                # Mostly real venues: one the key may use, one it may not, one that does not exist.
                case.path_parameters["venue_id"] = venue_id
            case.headers = {**(case.headers or {}), **headers}
            # Schema-valid data may still be refused on meaning (an offer of another venue, a sale
            # dated years ago): a documented 400, so "positive data acceptance" does not apply.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        run()
