"""The partners app's permission matrix: every URL, every role."""

from types import SimpleNamespace

import pytest

from kaiku.network.models import Area
from kaiku.partners import services
from kaiku.partners.models import Invitation
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES
from kaiku.visits import services as visits
from kaiku.visits.models import Channel

A = 302
NATIONAL = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 403,
    "distributor": 403,
    "venue_staff": 403,
    "venue_admin": 403,
}
OWN_AREA = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 200,
    "distributor": 404,
    "venue_staff": 404,
    "venue_admin": 404,
}
OTHER_AREA = {**OWN_AREA, "coordinator": 404}
OWN_AREA_POST = {**OWN_AREA, "national_admin": 302, "coordinator": 302}
OTHER_AREA_POST = {**OWN_AREA_POST, "coordinator": 404}
EVERYONE = dict.fromkeys(ROLES, 200)
STAFF = {**EVERYONE, "anonymous": A}
API = dict.fromkeys(ROLES, 401)  # a session is not an API key
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
    services.publish_guideline("2026", "Commitments.", "", world.users["national_admin"])


def _invitation(name, site):
    def setup(world):
        world.extra[name] = services.invite(
            getattr(world, site), "x@example.org", Invitation.Kind.STAFF, None
        ).invitation

    return setup


def _token(world):
    world.extra["token"] = SimpleNamespace(pk=services.invite(world.venue_a, "new@example.org", "admin", None).token)


def _planning(world):
    world.extra["area_p"] = Area.objects.create(name="Suunnitteilla", slug="suunnitteilla")


def _grant(world):
    world.extra["grant_a"] = services.grant_agency(world.venue_a, world.agency_a, None)


def _key(world):
    world.extra["key_a"] = services.create_api_key(world.agency_a, "k", ["read"], None).key


def _use(world):
    world.extra["use_a"] = visits.record_use(
        visits.UseRequest(world.venue_a, world.card_a.number, Channel.TYPED, "u")
    ).use


def _names(world):
    world.extra["sites"] = SimpleNamespace(pk="sites")
    world.extra["xlsx"] = SimpleNamespace(pk="xlsx")


MATRIX = [
    Row("partners:home", "GET", STAFF),
    Row("partners:area_create", "GET", NATIONAL),
    Row("partners:area_create", "POST", NATIONAL),
    Row("partners:onboarding", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:onboarding", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:checklist", "POST", OWN_AREA_POST, {"pk": "area_a"}, {"item": "venues", "done": "on"}),
    Row("partners:checklist", "POST", OTHER_AREA_POST, {"pk": "area_b"}, {"item": "venues", "done": "on"}),
    Row("partners:area_status", "POST", OWN_AREA_POST, {"pk": "area_a"}, {"status": "ended"}),
    Row("partners:area_status", "POST", OTHER_AREA_POST, {"pk": "area_b"}, {"status": "ended"}),
    Row("partners:site_create", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:site_create", "POST", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:site_export", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:site_export", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:invitations", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:invitations", "POST", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:import_sites", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:import_sites", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:api_keys", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:api_keys", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:pilot_report", "GET", OWN_AREA, {"pk": "area_a"}),
    Row("partners:pilot_report", "GET", OTHER_AREA, {"pk": "area_b"}),
    Row("partners:area_page", "GET", EVERYONE, {"pk": "area_a"}),
    Row("partners:area_page", "GET", {**OTHER_AREA, "anonymous": 404}, {"pk": "area_p"}, setup=_planning),
    Row("partners:brochure", "GET", EVERYONE, {"pk": "area_l"}),
    Row("partners:site_offboard", "POST", OWN_AREA_POST, {"pk": "venue_a"}),
    Row("partners:site_offboard", "POST", OTHER_AREA_POST, {"pk": "venue_b"}),
    Row("partners:acknowledge", "GET", VENUE_ADMIN, {"pk": "venue_a"}, setup=_guideline),
    Row("partners:acknowledge", "POST", VENUE_ADMIN_POST, {"pk": "venue_a"}, {"acknowledge": "on"}, setup=_guideline),
    Row(
        "partners:acknowledge",
        "GET",
        {**VENUE_ADMIN, "venue_admin": 404, "distributor": 200},
        {"pk": "distributor_a"},
        setup=_guideline,
    ),
    Row(
        "partners:invitation_revoke",
        "POST",
        {**OWN_AREA_POST, "venue_admin": 302},
        {"pk": "inv_a"},
        setup=_invitation("inv_a", "venue_a"),
    ),
    Row("partners:invitation_revoke", "POST", OTHER_AREA_POST, {"pk": "inv_b"}, setup=_invitation("inv_b", "venue_b")),
    Row("partners:accept", "GET", EVERYONE, {"token": "token"}, setup=_token),
    Row("partners:accept", "POST", EVERYONE, {"token": "token"}, setup=_token),
    Row("partners:guidelines", "GET", NATIONAL),
    Row("partners:guidelines", "POST", NATIONAL),
    Row("partners:venue_staff", "GET", VENUE_ADMIN, {"pk": "venue_a"}),
    Row("partners:venue_staff", "POST", {**VENUE_ADMIN, "venue_admin": 404}, {"pk": "venue_b"}),
    Row("partners:agencies", "GET", VENUE_ADMIN, {"pk": "venue_a"}),
    Row("partners:agencies", "GET", {**VENUE_ADMIN, "venue_admin": 404}, {"pk": "venue_b"}),
    Row("partners:agency_withdraw", "POST", VENUE_ADMIN_POST, {"pk": "venue_a", "grant": "grant_a"}, setup=_grant),
    Row("partners:import_uses", "GET", {**OWN_AREA, "venue_staff": 200, "venue_admin": 200}, {"pk": "venue_a"}),
    Row("partners:import_uses", "GET", OTHER_AREA, {"pk": "venue_b"}),
    Row(
        "partners:import_registrations",
        "GET",
        {**OWN_AREA, "national_admin": 404, "coordinator": 404, "distributor": 200},
        {"pk": "distributor_a"},
    ),
    Row(
        "partners:import_registrations",
        "GET",
        {**OWN_AREA, "national_admin": 404, "coordinator": 404},
        {"pk": "distributor_b"},
    ),
    Row("partners:import_template", "GET", STAFF, {"kind": "sites", "fmt": "xlsx"}, setup=_names),
    Row("partners:api_key_revoke", "POST", OWN_AREA_POST, {"pk": "key_a"}, setup=_key),
    Row("partners-api:docs", "GET", EVERYONE),
    Row("partners-api:venues", "GET", API),
    Row("partners-api:check", "POST", API, {"venue_id": "venue_a"}, {"number": "x"}, content_type="application/json"),
    Row("partners-api:uses", "GET", API, {"venue_id": "venue_a"}),
    Row("partners-api:uses", "POST", API, {"venue_id": "venue_a"}, {}, content_type="application/json"),
    Row(
        "partners-api:void",
        "POST",
        API,
        {"venue_id": "venue_a", "use_id": "use_a"},
        {"reason": "x"},
        setup=_use,
        content_type="application/json",
    ),
    Row("partners-api:offers", "GET", API, {"venue_id": "venue_a"}),
    Row(
        "partners-api:not_found",
        "GET",
        dict.fromkeys(ROLES, 404),
        {"rest": "rest"},
        setup=lambda w: w.extra.update(rest=SimpleNamespace(pk="venues/x/")),
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
