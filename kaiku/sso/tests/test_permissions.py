import pytest

from kaiku.sso.models import IdentityProvider
from kaiku.sso.secretbox import seal
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import World

NATIONAL_ONLY = {
    "anonymous": 302,
    "national_admin": 200,
    "coordinator": 403,
    "distributor": 403,
    "venue_staff": 403,
    "venue_admin": 403,
}
EVERYONE = dict.fromkeys(NATIONAL_ONLY, 200)


def _provider(world: World) -> None:
    world.extra["idp"] = IdentityProvider.objects.create(
        name="Tampere",
        area=world.area_a,
        email_domains="tampere.test",
        issuer="https://login.tampere.test",
        client_id="kaiku",
        client_secret_sealed=seal("s3cret"),
    )


MATRIX = [
    Row("sso:signin", "GET", EVERYONE),
    # No provider for the domain: the form answers 400 with a message, for anyone.
    Row("sso:signin", "POST", dict.fromkeys(NATIONAL_ONLY, 400), data={"email": "someone@nowhere.test"}),
    # A callback without a flow started in this session is refused, for anyone.
    Row("sso:callback", "GET", dict.fromkeys(NATIONAL_ONLY, 403)),
    Row("sso:provider_list", "GET", NATIONAL_ONLY, setup=_provider),
    Row("sso:provider_create", "GET", NATIONAL_ONLY),
    Row("sso:provider_create", "POST", {**NATIONAL_ONLY, "national_admin": 400}, data={"name": ""}),
    Row("sso:provider_edit", "GET", NATIONAL_ONLY, kwargs={"pk": "idp"}, setup=_provider),
    Row(
        "sso:provider_edit",
        "POST",
        {**NATIONAL_ONLY, "national_admin": 400},
        kwargs={"pk": "idp"},
        data={"name": ""},
        setup=_provider,
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)


def test_a_missing_provider_is_404(world):
    assert world.client_for("national_admin").get("/sso/providers/999999/").status_code == 404
