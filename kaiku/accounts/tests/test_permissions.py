"""The accounts app's rows of the permission matrix (sign-in, its second step, passwords, locks).

World users are signed in as having passed the second factor (conftest), so the
second step's own pages send them on; ``test_second_factor.py`` covers a session
that passed only the password.
"""

import pytest

from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import World

STAFF = ["national_admin", "coordinator", "distributor", "venue_staff", "venue_admin"]


def staff(status: int, anonymous: int = 302) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(STAFF, status)}


def national_only(status: int) -> dict[str, int]:
    return {"anonymous": 302, **dict.fromkeys(STAFF, 403), "national_admin": status}


def _target(world: World) -> None:
    world.extra["target"] = world.users["distributor"]


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


TWO_FACTOR_MATRIX = [
    Row("accounts:second_factor_manage", "GET", staff(200)),
    # Already verified (or not needing it): sent on to where they were going.
    Row("accounts:second_factor", "GET", staff(302)),
    Row("accounts:second_factor", "POST", staff(302), data={"code": "123456"}),
    Row("accounts:second_factor_setup", "GET", staff(200)),
    Row("accounts:second_factor_setup", "POST", staff(200), data={"code": "000000"}),
    Row("accounts:recovery_codes", "GET", staff(200)),
    # No factor to renew codes for: back to the sign-in security page with a message.
    Row("accounts:recovery_codes", "POST", staff(302)),
    Row("accounts:passkey_register_options", "POST", staff(200)),
    Row("accounts:passkey_register", "POST", staff(400), data={}),
    Row("accounts:passkey_auth_options", "POST", staff(400)),
    Row("accounts:passkey_auth", "POST", staff(400), data={}),
    Row("accounts:second_factor_users", "GET", national_only(200)),
    Row("accounts:second_factor_reset", "GET", national_only(200), kwargs={"user_id": "target"}, setup=_target),
    Row("accounts:second_factor_reset", "POST", national_only(302), kwargs={"user_id": "target"}, setup=_target),
    Row("accounts:second_factor_reset", "GET", national_only(404), kwargs={"user_id": 999999}),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(TWO_FACTOR_MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_password_and_lock_matrix(world, role, row):
    check(world, role, row)
