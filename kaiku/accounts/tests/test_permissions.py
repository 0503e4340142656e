import pytest

from kaiku.testing.matrix import Row, check, matrix_params

SIGNED_IN = {
    "anonymous": 302,
    "national_admin": 200,
    "coordinator": 200,
    "distributor": 200,
    "venue_staff": 200,
    "venue_admin": 200,
}
NATIONAL = {**dict.fromkeys(SIGNED_IN, 403), "anonymous": 302, "national_admin": 200}
NATIONAL_POST = {**NATIONAL, "national_admin": 302}

MATRIX = [
    Row("accounts:password", "GET", SIGNED_IN),
    # A wrong current password: the form again, nothing changed.
    Row("accounts:password", "POST", SIGNED_IN, data={"old_password": "wrong", "new_password1": "x"}),
    Row("accounts:locks", "GET", NATIONAL),
    Row("accounts:locks", "POST", NATIONAL_POST, data={"kind": "account", "value": "nobody@example.fi"}),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
