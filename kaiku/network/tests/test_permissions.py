from types import SimpleNamespace

import pytest

from kaiku.network import onboarding
from kaiku.network.models import Area, Invitation
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES

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
OWN_AREA_POST = {**OWN_AREA, "national_admin": 302, "coordinator": 302}
OTHER_AREA_POST = {**OWN_AREA_POST, "coordinator": 404}
EVERYONE = dict.fromkeys(ROLES, 200)
VENUE_ADMIN = {
    "anonymous": A,
    "national_admin": 404,
    "coordinator": 404,
    "distributor": 404,
    "venue_staff": 404,
    "venue_admin": 200,
}
VENUE_ADMIN_POST = {**VENUE_ADMIN, "venue_admin": 302}


def _guideline(world):
    onboarding.publish_guideline("2026", "Commitments.", "", world.users["national_admin"])


def _invitation(name, site):
    def setup(world):
        world.extra[name] = onboarding.invite(
            getattr(world, site), "x@example.org", Invitation.Kind.STAFF, None
        ).invitation

    return setup


def _token(world):
    world.extra["token"] = SimpleNamespace(pk=onboarding.invite(world.venue_a, "new@example.org", "admin", None).token)


def _planning(world):
    world.extra["area_p"] = Area.objects.create(name="Suunnitteilla", slug="suunnitteilla")


MATRIX = [
    Row("network:area_list", "GET", COORD),
    Row("network:area_detail", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("network:area_detail", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("network:settings", "GET", NATIONAL),
    Row("network:settings", "POST", NATIONAL),
]

# Area onboarding, at its /partners/ paths.
ONBOARDING_MATRIX = [
    Row("onboarding:area_create", "GET", NATIONAL),
    Row("onboarding:area_create", "POST", NATIONAL),
    Row("onboarding:onboarding", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:onboarding", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:checklist", "POST", OWN_AREA_POST, {"pk": "area_a"}, {"item": "venues", "done": "on"}),
    Row("onboarding:checklist", "POST", OTHER_AREA_POST, {"pk": "area_b"}, {"item": "venues", "done": "on"}),
    Row("onboarding:area_status", "POST", OWN_AREA_POST, {"pk": "area_a"}, {"status": "ended"}),
    Row("onboarding:area_status", "POST", OTHER_AREA_POST, {"pk": "area_b"}, {"status": "ended"}),
    Row("onboarding:site_create", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:site_create", "POST", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:site_export", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:site_export", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:invitations", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:invitations", "POST", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:import_sites", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:import_sites", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:pilot_report", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("onboarding:pilot_report", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("onboarding:area_page", "GET", EVERYONE, {"pk": "area_a"}),
    Row("onboarding:area_page", "GET", {**OTHER_AREA, "anonymous": 404}, {"pk": "area_p"}, setup=_planning),
    Row("onboarding:brochure", "GET", EVERYONE, {"pk": "area_l"}),
    Row("onboarding:site_offboard", "POST", OWN_AREA_POST, {"pk": "venue_a"}),
    Row("onboarding:site_offboard", "POST", OTHER_AREA_POST, {"pk": "venue_b"}),
    Row("onboarding:acknowledge", "GET", VENUE_ADMIN, {"pk": "venue_a"}, setup=_guideline),
    Row("onboarding:acknowledge", "POST", VENUE_ADMIN_POST, {"pk": "venue_a"}, {"acknowledge": "on"}, setup=_guideline),
    Row(
        "onboarding:acknowledge",
        "GET",
        {**VENUE_ADMIN, "venue_admin": 404, "distributor": 200},
        {"pk": "distributor_a"},
        setup=_guideline,
    ),
    Row(
        "onboarding:invitation_revoke",
        "POST",
        {**OWN_AREA_POST, "venue_admin": 302},
        {"pk": "inv_a"},
        setup=_invitation("inv_a", "venue_a"),
    ),
    Row(
        "onboarding:invitation_revoke", "POST", OTHER_AREA_POST, {"pk": "inv_b"}, setup=_invitation("inv_b", "venue_b")
    ),
    Row("onboarding:accept", "GET", EVERYONE, {"token": "token"}, setup=_token),
    Row("onboarding:accept", "POST", EVERYONE, {"token": "token"}, setup=_token),
    Row("onboarding:guidelines", "GET", NATIONAL),
    Row("onboarding:guidelines", "POST", NATIONAL),
    Row("onboarding:venue_staff", "GET", VENUE_ADMIN, {"pk": "venue_a"}),
    Row("onboarding:venue_staff", "POST", {**VENUE_ADMIN, "venue_admin": 404}, {"pk": "venue_b"}),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX + ONBOARDING_MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
