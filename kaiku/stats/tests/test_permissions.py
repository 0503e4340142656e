import pytest

from kaiku.stats.tests.helpers import add_uses
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES

A, N = 302, 404  # anonymous goes to the sign-in page; out of scope is not found
EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**EVERYONE, "anonymous": A}
NATIONAL = {role: N for role in ROLES} | {"anonymous": A, "national_admin": 200}
AREA = {**NATIONAL, "coordinator": 200}
SITE = {**AREA, "distributor": 200}
VENUE = {**AREA, "venue_staff": 200, "venue_admin": 200}


def _facts(world):
    add_uses(world)


MATRIX = [
    Row("stats:index", "GET", SIGNED_IN),
    Row("stats:national", "GET", NATIONAL, setup=_facts),
    Row("stats:national_export", "GET", NATIONAL, setup=_facts),
    Row("stats:yearly", "GET", NATIONAL, setup=_facts),
    Row("stats:area", "GET", AREA, {"area_id": "area_a"}, setup=_facts),
    Row("stats:area", "GET", NATIONAL, {"area_id": "area_b"}),
    Row("stats:area_export", "GET", AREA, {"area_id": "area_a"}, setup=_facts),
    Row("stats:area_export", "GET", NATIONAL, {"area_id": "area_b"}),
    Row("stats:area_report", "GET", AREA, {"area_id": "area_a"}, setup=_facts),
    Row("stats:area_report", "GET", NATIONAL, {"area_id": "area_b"}),
    Row("stats:site", "GET", SITE, {"site_id": "distributor_a"}, setup=_facts),
    Row("stats:site", "GET", NATIONAL, {"site_id": "distributor_b"}),
    # A venue is not a distributor site, whoever asks.
    Row("stats:site", "GET", {**NATIONAL, "national_admin": N}, {"site_id": "venue_a"}),
    Row("stats:site_export", "GET", SITE, {"site_id": "distributor_a"}, setup=_facts),
    Row("stats:site_export", "GET", NATIONAL, {"site_id": "distributor_b"}),
    Row("stats:venue", "GET", VENUE, {"venue_id": "venue_a"}, setup=_facts),
    Row("stats:venue", "GET", NATIONAL, {"venue_id": "venue_b"}),
    Row("stats:venue_export", "GET", VENUE, {"venue_id": "venue_a"}, setup=_facts),
    Row("stats:venue_export", "GET", NATIONAL, {"venue_id": "venue_b"}),
    Row("stats:open_data", "GET", EVERYONE, setup=_facts),
    Row("stats:open_data_csv", "GET", EVERYONE, setup=_facts),
    Row("stats-open-data", "GET", EVERYONE, setup=_facts),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
