import pytest

from kaiku.testing.matrix import Row, check, matrix_params

A, N = 302, 404  # anonymous goes to the sign-in page; out of scope is not found
OWN = {"anonymous": A, "national_admin": N, "coordinator": N, "distributor": 200, "venue_staff": N, "venue_admin": N}
OWN_POST = {**OWN, "distributor": 302}
OWN_FORM_POST = {**OWN, "distributor": 200}  # an empty form re-renders with errors
OTHER = {role: (A if role == "anonymous" else N) for role in OWN}
NATIONAL = {role: (A if role == "anonymous" else 403) for role in OWN} | {"national_admin": 200}
LEGACY = {"name": "Old", "pattern": "[A-Z]{2}[0-9]{6}", "example": "KA004711", "fold_case": "on"}


def _legacy_format(world):
    from kaiku.cards.models import LegacyFormat

    world.extra["legacy_format"] = LegacyFormat.objects.create(name="Old", pattern="[A-Z]{2}[0-9]{6}", example="KA1")


MATRIX = [
    Row("cards:import_registrations", "GET", OWN, {"site_id": "distributor_a"}),
    Row("cards:import_registrations", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("cards:site_cards", "GET", OWN, {"site_id": "distributor_a"}),
    Row("cards:site_cards", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("cards:register", "GET", OWN, {"site_id": "distributor_a"}),
    Row("cards:register", "POST", OWN_FORM_POST, {"site_id": "distributor_a"}),
    Row("cards:register", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("cards:community", "GET", OWN, {"site_id": "distributor_a"}),
    Row("cards:community", "POST", OWN_FORM_POST, {"site_id": "distributor_a"}),
    Row("cards:stock", "POST", OWN_POST, {"site_id": "distributor_a"}, data={"count": 2}),
    Row("cards:stock", "POST", OTHER, {"site_id": "distributor_b"}, data={"count": 2}),
    Row("cards:detail", "GET", OWN, {"pk": "card_a"}),
    Row("cards:detail", "GET", OTHER, {"pk": "card_b"}),
    Row("cards:renew", "POST", OWN_POST, {"pk": "card_a"}),
    Row("cards:renew", "POST", OTHER, {"pk": "card_b"}),
    Row("cards:correct", "GET", OWN, {"pk": "card_a"}),
    Row("cards:correct", "POST", OWN_FORM_POST, {"pk": "card_a"}),
    Row("cards:correct", "GET", OTHER, {"pk": "card_b"}),
    Row("cards:inactivate", "GET", OWN, {"pk": "card_a"}),
    Row("cards:inactivate", "POST", OWN_FORM_POST, {"pk": "card_a"}),
    Row("cards:inactivate", "POST", OTHER, {"pk": "card_b"}, data={"reason": "x"}),
    Row("cards:replace", "GET", OWN, {"pk": "card_a"}),
    Row("cards:replace", "POST", OTHER, {"pk": "card_b"}),
    Row("cards:reissue_code", "POST", OWN_POST, {"pk": "card_a"}),
    Row("cards:reissue_code", "POST", OTHER, {"pk": "card_b"}),
    Row("cards:legacy_formats", "GET", NATIONAL),
    Row("cards:legacy_formats", "POST", {**NATIONAL, "national_admin": 302}, data=LEGACY),
    Row("cards:legacy_format", "GET", NATIONAL, {"pk": "legacy_format"}, setup=_legacy_format),
    Row("cards:legacy_format", "POST", NATIONAL, {"pk": "legacy_format"}, setup=_legacy_format),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
