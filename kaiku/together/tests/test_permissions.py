"""The permission matrix of group requests, bulletins and the partner view."""

import pytest

from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import World
from kaiku.together import services
from kaiku.together.tests.helpers import group_request

R, N, OK, F, BAD = 302, 404, 200, 403, 400


def requests(world: World) -> None:
    world.extra["request_a"] = group_request(world)
    world.extra["request_b"] = group_request(world, site=world.distributor_b)


def bulletins(world: World) -> None:
    details = services.BulletinDetails(area=world.area_a, audience="all", title="Tiedote", body="Koulutus")
    world.extra["bulletin_a"] = services.post_bulletin(details, None, national=True, area_ids=set())
    details = services.BulletinDetails(area=world.area_b, audience="all", title="Tiedote B", body="Muuta")
    world.extra["bulletin_b"] = services.post_bulletin(details, None, national=True, area_ids=set())


def only(role: str, status: int, other: int = N) -> dict[str, int]:
    roles = ["national_admin", "coordinator", "distributor", "venue_staff", "venue_admin"]
    return {"anonymous": R, **{r: (status if r == role else other) for r in roles}}


VENUE_OK = {**only("venue_staff", OK), "venue_admin": OK}
VENUE_POST = {**only("venue_staff", R), "venue_admin": R}
NOBODY = only("", OK)
COORDINATORS = {
    "anonymous": R,
    "national_admin": OK,
    "coordinator": OK,
    "distributor": F,
    "venue_staff": F,
    "venue_admin": F,
}
PARTNERS_POST = {
    "anonymous": R,
    "national_admin": N,
    "coordinator": N,
    "distributor": R,
    "venue_staff": R,
    "venue_admin": R,
}

MATRIX = [
    Row("together:site_requests", "GET", only("distributor", OK), {"site_id": "distributor_a"}),
    Row("together:site_requests", "GET", NOBODY, {"site_id": "distributor_b"}),
    Row("together:site_request_new", "GET", only("distributor", OK), {"site_id": "distributor_a"}),
    # An empty form: shown again with its errors, nothing written.
    Row("together:site_request_new", "POST", only("distributor", OK), {"site_id": "distributor_a"}),
    Row("together:site_request_new", "GET", NOBODY, {"site_id": "distributor_b"}),
    Row(
        "together:site_request",
        "GET",
        only("distributor", OK),
        {"site_id": "distributor_a", "pk": "request_a"},
        setup=requests,
    ),
    Row("together:site_request", "GET", NOBODY, {"site_id": "distributor_b", "pk": "request_b"}, setup=requests),
    Row("together:site_request", "GET", NOBODY, {"site_id": "distributor_a", "pk": "request_b"}, setup=requests),
    Row(
        "together:site_request",
        "POST",
        only("distributor", R),
        {"site_id": "distributor_a", "pk": "request_a"},
        data={"action": "withdraw"},
        setup=requests,
    ),
    Row("together:venue_requests", "GET", VENUE_OK, {"venue_id": "venue_a"}, setup=requests),
    Row("together:venue_requests", "GET", NOBODY, {"venue_id": "venue_b"}, setup=requests),
    Row("together:venue_request", "GET", VENUE_OK, {"venue_id": "venue_a", "pk": "request_a"}, setup=requests),
    Row("together:venue_request", "GET", NOBODY, {"venue_id": "venue_b", "pk": "request_b"}, setup=requests),
    Row("together:venue_request", "GET", NOBODY, {"venue_id": "venue_a", "pk": "request_b"}, setup=requests),
    Row(
        "together:venue_request",
        "POST",
        VENUE_POST,
        {"venue_id": "venue_a", "pk": "request_a"},
        data={"action": "accept"},
        setup=requests,
    ),
    Row(
        "together:venue_request",
        "POST",
        {**only("venue_staff", BAD), "venue_admin": BAD},
        {"venue_id": "venue_a", "pk": "request_a"},
        data={"action": "nonsense"},
        setup=requests,
    ),
    Row("together:area_partners", "GET", COORDINATORS, {"area_id": "area_a"}),
    Row("together:area_partners", "GET", {**COORDINATORS, "coordinator": N}, {"area_id": "area_b"}),
    Row("together:bulletins", "GET", COORDINATORS, setup=bulletins),
    Row("together:bulletins", "POST", COORDINATORS),
    Row("together:bulletin_read", "POST", PARTNERS_POST, {"pk": "bulletin_a"}, setup=bulletins),
    Row("together:bulletin_read", "POST", only("", OK), {"pk": "bulletin_b"}, setup=bulletins),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
