"""The portal's permission matrix: staff roles plus a signed-in holder of world.card_a."""

from types import SimpleNamespace

import pytest
from django.test import Client

from kaiku.portal.services import _new_device, feedback_token
from kaiku.portal.tests.conftest import make_group_visit, make_offer
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES, World
from kaiku.visits.services import UseRequest, record_use

HOLDER_ROLES = [*ROLES, "holder"]
STAFF = [r for r in ROLES if r != "anonymous"]
R, N, OK = 302, 404, 200

# Holder pages: the signed-in holder gets the page, everyone else goes to the portal's sign-in.
HOLDER_PAGE = {**{r: R for r in ROLES}, "holder": OK}
HOLDER_POST = {**{r: R for r in ROLES}, "holder": R}
HOLDER_OTHER = {**{r: R for r in ROLES}, "holder": N}
PUBLIC = {r: OK for r in HOLDER_ROLES}
SIGN_IN = {**PUBLIC, "holder": R}
# Staff group visit pages of the distributor's own site and of another site.
OWN = {
    "anonymous": R,
    "national_admin": N,
    "coordinator": N,
    "distributor": OK,
    "venue_staff": N,
    "venue_admin": N,
    "holder": R,
}
OWN_POST = {**OWN, "distributor": R}
OTHER = {r: (R if r in ("anonymous", "holder") else N) for r in HOLDER_ROLES}


def _use(world: World, card_name: str, venue_name: str, key: str) -> None:
    card = world.obj(card_name)
    result = record_use(
        UseRequest(venue=world.obj(venue_name), number=card.number, channel="typed", idempotency_key=key)
    )
    assert result.accepted, result.reason
    world.extra[f"use_{card_name}"] = result.use


def uses(world: World) -> None:
    _use(world, "card_a", "venue_a", "perm-a")
    _use(world, "card_b", "venue_b", "perm-b")


def feedback_tokens(world: World) -> None:
    uses(world)
    world.extra["token_a"] = SimpleNamespace(pk=feedback_token(world.extra["use_card_a"]))
    world.extra["token_bad"] = SimpleNamespace(pk="not-a-token")


def link_token(world: World) -> None:
    world.extra["link"] = SimpleNamespace(pk="unknown-token")


def groups(world: World) -> None:
    world.extra["group_a"] = make_group_visit(world)
    world.extra["group_b"] = make_group_visit(world, site=world.distributor_b)
    make_offer(world.venue_a)


def reservations(world: World) -> None:
    from kaiku.offers.services import reserve
    from kaiku.portal.tests.conftest import make_occurrence

    world.extra["date_a"] = make_occurrence(make_offer(world.venue_a, ticket_method="reservation"), days=3)
    world.extra["date_b"] = make_occurrence(make_offer(world.venue_b, ticket_method="reservation"), days=3)
    world.extra["reservation_a"] = reserve(world.card_a, world.extra["date_a"])
    world.extra["reservation_b"] = reserve(world.card_b, world.extra["date_b"])


MATRIX = [
    Row("portal:home", "GET", HOLDER_PAGE),
    Row("portal:sign_in", "GET", SIGN_IN),
    Row("portal:sign_in", "POST", SIGN_IN, data={"number": "KK-2222-2222", "code": "X"}),
    Row("portal:email_link", "GET", PUBLIC),
    Row("portal:email_link", "POST", PUBLIC, data={"email": "nobody@example.org"}),
    Row("portal:link_sign_in", "GET", PUBLIC, {"token": "link"}, setup=link_token),
    Row("portal:link_sign_in", "POST", PUBLIC, {"token": "link"}, setup=link_token),
    Row("portal:sign_out", "POST", PUBLIC),
    Row("portal:text_size", "POST", {r: R for r in HOLDER_ROLES}, data={"size": "125"}),
    Row("portal:card", "GET", HOLDER_PAGE),
    Row("portal:card_version", "GET", PUBLIC),
    Row("portal:uses", "GET", HOLDER_PAGE, setup=uses),
    Row("portal:feedback", "GET", HOLDER_PAGE, {"use_id": "use_card_a"}, setup=uses),
    Row("portal:feedback", "POST", HOLDER_PAGE, {"use_id": "use_card_a"}, setup=uses, data={"score": 4}),
    Row("portal:feedback", "GET", HOLDER_OTHER, {"use_id": "use_card_b"}, setup=uses),
    Row("portal:feedback", "POST", HOLDER_OTHER, {"use_id": "use_card_b"}, setup=uses, data={"score": 4}),
    Row("portal:feedback_private", "POST", HOLDER_POST, {"use_id": "use_card_a"}, setup=uses),
    Row("portal:feedback_private", "POST", HOLDER_OTHER, {"use_id": "use_card_b"}, setup=uses),
    Row("portal:feedback_by_link", "GET", PUBLIC, {"token": "token_a"}, setup=feedback_tokens),
    Row("portal:feedback_by_link", "GET", {r: N for r in HOLDER_ROLES}, {"token": "token_bad"}, setup=feedback_tokens),
    Row("portal:survey", "GET", HOLDER_POST),  # not due (no consent): back to the portal
    Row("portal:offers", "GET", HOLDER_PAGE, setup=groups),
    Row("portal:digest", "POST", HOLDER_POST, data={"digest": "on"}),
    Row("portal:reserve", "POST", HOLDER_POST, {"pk": "date_a"}, setup=reservations),
    Row("portal:reserve", "POST", HOLDER_OTHER, {"pk": "date_b"}, setup=reservations),
    Row("portal:cancel_reservation", "POST", HOLDER_POST, {"pk": "reservation_a"}, setup=reservations),
    Row("portal:cancel_reservation", "POST", HOLDER_OTHER, {"pk": "reservation_b"}, setup=reservations),
    Row("portal:groups", "GET", HOLDER_PAGE, setup=groups),
    Row("portal:join_group", "POST", HOLDER_POST, {"pk": "group_a"}, setup=groups),
    Row("portal:join_group", "POST", HOLDER_OTHER, {"pk": "group_b"}, setup=groups),
    Row("portal:leave_group", "POST", HOLDER_POST, {"pk": "group_a"}, setup=groups),
    Row("portal:leave_group", "POST", HOLDER_OTHER, {"pk": "group_b"}, setup=groups),
    Row("portal:my_data", "GET", HOLDER_PAGE),
    Row("portal:download_data", "GET", HOLDER_PAGE),
    Row("portal:withdraw_consent", "POST", HOLDER_POST, data={"consent": "survey"}),
    Row("portal:delete_email", "POST", HOLDER_POST),
    Row("portal:service_worker", "GET", PUBLIC),
    Row("portal:manifest", "GET", PUBLIC),
    Row("portal:icon", "GET", PUBLIC),
    Row("portal:staff_groups", "GET", OWN, {"site_id": "distributor_a"}),
    Row("portal:staff_groups", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("portal:staff_group_new", "GET", OWN, {"site_id": "distributor_a"}, setup=groups),
    Row("portal:staff_group_new", "POST", {**OWN, "distributor": OK}, {"site_id": "distributor_a"}),
    Row("portal:staff_group_new", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("portal:staff_group_new", "POST", OTHER, {"site_id": "distributor_b"}),
    Row("portal:staff_group", "GET", OWN, {"site_id": "distributor_a", "pk": "group_a"}, setup=groups),
    Row("portal:staff_group", "GET", OTHER, {"site_id": "distributor_b", "pk": "group_b"}, setup=groups),
    # Another site's visit through one's own site's URL is not found either.
    Row(
        "portal:staff_group",
        "GET",
        OTHER | {"distributor": N},
        {"site_id": "distributor_a", "pk": "group_b"},
        setup=groups,
    ),
    Row("portal:staff_group_cancel", "POST", OWN_POST, {"site_id": "distributor_a", "pk": "group_a"}, setup=groups),
    Row("portal:staff_group_cancel", "POST", OTHER, {"site_id": "distributor_b", "pk": "group_b"}, setup=groups),
]


def client_for(world: World):
    def make(role: str) -> Client:
        if role == "holder":
            _device, token = _new_device(world.card_a, "code")
            client = Client()
            client.cookies["kaiku_holder"] = token
            return client
        return world.client_for(role)

    return make


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX, roles=HOLDER_ROLES))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row, client_for(world))


def test_a_holder_sees_only_their_own_card(world):
    client = client_for(world)("holder")
    body = client.get("/portal/my-data/").content.decode()
    assert world.card_a.display_number in body
    assert world.card_b.display_number not in body
    data = client.get("/portal/my-data/download/").json()
    assert data["card"]["number"] == world.card_a.display_number
    card = client.get("/portal/card/").content.decode()
    assert world.card_a.display_number in card and world.card_b.display_number not in card


def test_staff_see_only_card_numbers_of_participants(world):
    from kaiku.portal.services import join_group_visit

    visit = make_group_visit(world)
    join_group_visit(world.card_a, visit)
    body = world.client_for("distributor").get(f"/portal/sites/{world.distributor_a.pk}/groups/{visit.pk}/").content
    assert world.card_a.display_number.encode() in body
    for marker in (b"1957", b"33999"):
        assert marker not in body
