import pytest

from kaiku.testing.matrix import Row, check, matrix_params

A = 302
COORD = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 200,
    "distributor": 403,
    "venue_staff": 403,
    "venue_admin": 403,
}
OWN_AREA = {**COORD, "distributor": 404, "venue_staff": 404, "venue_admin": 404}
OTHER_AREA = {**OWN_AREA, "coordinator": 404}
NATIONAL = {**COORD, "coordinator": 403}

MATRIX = [
    Row("network:area_list", "GET", COORD),
    Row("network:area_detail", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("network:area_detail", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("network:settings", "GET", NATIONAL),
    Row("network:settings", "POST", NATIONAL),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
