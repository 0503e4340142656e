"""The whole REST API against its own served OpenAPI schema (schemathesis), in CI on both databases.

Every operation of the partner, door and open-data APIs, with schema-valid and schema-invalid
data, a partner key and a door device token: no 5xx, and every status, header and body as
documented. Bounded: a few examples per operation and mode, so it takes well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kaiku.door.services import create_device_token
from kaiku.partners import services

MAX_EXAMPLES = 6


@pytest.fixture
def api(world):
    # Like Django's test client: keep the test's connection (and its transaction) open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    services.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    key = services.create_api_key(world.agency_a, "fuzz", ["check", "record", "read"], None, rate_limit=100_000)
    _device, token = create_device_token(world.venue_a, "fuzz", world.users["venue_admin"])
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    yield schema, {"partner": f"Bearer {key.secret}", "door": f"Device {token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _auth(path: str, credentials: dict[str, str]) -> dict[str, str]:
    if path.startswith("/api/partners/"):
        return {"Authorization": credentials["partner"]}
    if path.startswith("/api/door/"):
        return {"Authorization": credentials["door"]}
    return {}


def test_every_operation_conforms_to_the_schema(world, api):
    schema, credentials = api
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {
        "/api/partners/venues/{venue_id}/uses/",
        "/api/door/venues/{venue_id}/uses/",
        "/api/door/venues/{venue_id}/uses/{use_id}/undo/",
        "/api/door/revocations/",
        "/api/stats/open-data/uses/",
    } <= paths
    # Mostly real venues: one the credentials may use, one they may not, one that does not exist.
    venue_ids = st.sampled_from([world.venue_a.pk, world.venue_b.pk, 10**9, 2**70])

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=operation.as_strategy(generation_mode=mode), venue_id=venue_ids)
            def run(case, venue_id):
                def negative(location: ParameterLocation) -> bool:
                    return case.meta is not None and case.meta.is_negative_at(location)

                if "venue_id" in (case.path_parameters or {}) and not negative(ParameterLocation.PATH):
                    case.path_parameters["venue_id"] = venue_id
                # Real credentials, unless the case is about a missing or malformed header.
                headers = {} if negative(ParameterLocation.HEADER) else _auth(case.operation.path, credentials)
                # Schema-valid data may still be refused on meaning (an offer of another venue, a sale
                # dated years ago, a venue these credentials may not use): a documented 400 or 404.
                case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

            try:
                run()
            except Unsatisfiable:
                # No parameter or body to make invalid (GET /api/door/keys/, say): nothing to send.
                assert mode is GenerationMode.NEGATIVE
