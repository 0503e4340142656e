import pytest

from kaiku.testing.matrix import Row, check, matrix_params

MATRIX = [
    Row(
        "audit:log",
        "GET",
        {
            "anonymous": 302,
            "national_admin": 200,
            "coordinator": 200,
            "distributor": 403,
            "venue_staff": 403,
            "venue_admin": 403,
        },
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
