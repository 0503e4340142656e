"""The partners app's permission matrix: every URL, every role."""

from types import SimpleNamespace

import pytest

from kaiku.partners import services
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES
from kaiku.visits import services as visits
from kaiku.visits.models import Channel

A = 302
NATIONAL = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 403,
    "distributor": 403,
    "venue_staff": 403,
    "venue_admin": 403,
}
OWN_AREA = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 200,
    "distributor": 404,
    "venue_staff": 404,
    "venue_admin": 404,
}
OTHER_AREA = {**OWN_AREA, "coordinator": 404}
OWN_AREA_POST = {**OWN_AREA, "national_admin": 302, "coordinator": 302}
OTHER_AREA_POST = {**OWN_AREA_POST, "coordinator": 404}
EVERYONE = dict.fromkeys(ROLES, 200)
STAFF = {**EVERYONE, "anonymous": A}
API = dict.fromkeys(ROLES, 401)  # a session is not an API key
VENUE_ADMIN = {
    "anonymous": A,
    "national_admin": 404,
    "coordinator": 404,
    "distributor": 404,
    "venue_staff": 404,
    "venue_admin": 200,
}
VENUE_ADMIN_POST = {**VENUE_ADMIN, "venue_admin": 302}


def _grant(world):
    world.extra["grant_a"] = services.grant_agency(world.venue_a, world.agency_a, None)


def _key(world):
    world.extra["key_a"] = services.create_api_key(world.agency_a, "k", ["read"], None).key


def _use(world):
    world.extra["use_a"] = visits.record_use(
        visits.UseRequest(world.venue_a, world.card_a.number, Channel.TYPED, "u")
    ).use


MATRIX = [
    Row("partners:home", "GET", STAFF),
    Row("partners:api_keys", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:api_keys", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:agencies", "GET", VENUE_ADMIN, {"pk": "venue_a"}),
    Row("partners:agencies", "GET", {**VENUE_ADMIN, "venue_admin": 404}, {"pk": "venue_b"}),
    Row("partners:agency_withdraw", "POST", VENUE_ADMIN_POST, {"pk": "venue_a", "grant": "grant_a"}, setup=_grant),
    Row("partners:api_key_revoke", "POST", OWN_AREA_POST, {"pk": "key_a"}, setup=_key),
    Row("partners-api:docs", "GET", EVERYONE),
    Row("partners-api:venues", "GET", API),
    Row("partners-api:check", "POST", API, {"venue_id": "venue_a"}, {"number": "x"}, content_type="application/json"),
    Row("partners-api:uses", "GET", API, {"venue_id": "venue_a"}),
    Row("partners-api:uses", "POST", API, {"venue_id": "venue_a"}, {}, content_type="application/json"),
    Row(
        "partners-api:void",
        "POST",
        API,
        {"venue_id": "venue_a", "use_id": "use_a"},
        {"reason": "x"},
        setup=_use,
        content_type="application/json",
    ),
    Row("partners-api:offers", "GET", API, {"venue_id": "venue_a"}),
    Row(
        "partners-api:not_found",
        "GET",
        dict.fromkeys(ROLES, 404),
        {"rest": "rest"},
        setup=lambda w: w.extra.update(rest=SimpleNamespace(pk="venues/x/")),
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
