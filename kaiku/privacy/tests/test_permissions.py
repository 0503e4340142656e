"""The privacy app's permission matrix: staff roles plus a signed-in holder of world.card_a."""

import pytest

from kaiku.portal.tests.test_permissions import client_for
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES

HOLDER_ROLES = [*ROLES, "holder"]
PUBLIC = {r: 200 for r in HOLDER_ROLES}
# A card's erasure page: the distributor of the issuing site only; others cannot tell it exists.
OWN_CARD = {
    "anonymous": 302,
    "national_admin": 404,
    "coordinator": 404,
    "distributor": 200,
    "venue_staff": 404,
    "venue_admin": 404,
    "holder": 302,
}
HOLDER_PAGE = {**{r: 302 for r in ROLES}, "holder": 200}

MATRIX = [
    Row("privacy:notice", "GET", PUBLIC),
    Row("privacy:notice_pdf", "GET", PUBLIC),
    Row("privacy:accessibility", "GET", PUBLIC),
    Row("privacy:erased", "GET", PUBLIC),
    Row("privacy:erase_card", "GET", OWN_CARD, kwargs={"pk": "card_a"}),
    Row("privacy:erase_card", "GET", {**OWN_CARD, "distributor": 404}, kwargs={"pk": "card_b"}),
    Row("privacy:erase_card", "POST", {**OWN_CARD, "distributor": 200}, kwargs={"pk": "card_a"}),  # unconfirmed
    Row("privacy:erase_own", "GET", HOLDER_PAGE),
    Row("privacy:erase_own", "POST", HOLDER_PAGE),  # unconfirmed: the page again
    Row(
        "privacy:reads",
        "GET",
        {
            "anonymous": 302,
            "national_admin": 200,
            "coordinator": 403,
            "distributor": 403,
            "venue_staff": 403,
            "venue_admin": 403,
            "holder": 302,
        },
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX, roles=HOLDER_ROLES))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row, client_for(world))
