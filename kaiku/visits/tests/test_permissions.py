import pytest
from django.utils import translation

from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import World
from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use

A, N = 302, 404
VENUE = {
    "anonymous": A,
    "national_admin": N,
    "coordinator": N,
    "distributor": N,
    "venue_staff": 200,
    "venue_admin": 200,
}
VENUE_POST = {**VENUE, "venue_staff": 302, "venue_admin": 302}
OTHER = {role: (A if role == "anonymous" else N) for role in VENUE}


def with_uses(world: World) -> None:
    for venue, key, card in ((world.venue_a, "use_a", world.card_a), (world.venue_b, "use_b", world.card_b)):
        world.extra[key] = record_use(
            UseRequest(venue=venue, number=card.number, channel=Channel.TYPED, idempotency_key=f"k-{key}")
        ).use


ADMIN = {**VENUE, "venue_staff": 403}
ADMIN_POST = {**ADMIN, "venue_admin": 302}


def with_held(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from kaiku.visits.services import hold_for_review

    for venue, key, card in ((world.venue_a, "held_a", world.card_a), (world.venue_b, "held_b", world.card_b)):
        world.extra[key] = hold_for_review(
            UseRequest(
                venue=venue,
                number=card.number,
                channel=Channel.OFFLINE,
                idempotency_key=f"h-{key}",
                scanned_at=timezone.now() - dt.timedelta(days=30),
                accepted_offline=True,
            ),
            "outside_window",
        )


MATRIX = [
    # The offline uses import: the venue's staff and its area's coordinators.
    Row("visits:import_uses", "GET", {**VENUE, "national_admin": 200, "coordinator": 200}, {"venue_id": "venue_a"}),
    Row("visits:import_uses", "GET", {**OTHER, "national_admin": 200}, {"venue_id": "venue_b"}),
    Row("visits:venue", "GET", VENUE, {"venue_id": "venue_a"}),
    Row("visits:venue", "POST", VENUE, {"venue_id": "venue_a"}, data={"step": "check", "number": "x"}),
    Row("visits:venue", "GET", OTHER, {"venue_id": "venue_b"}),
    Row("visits:void", "GET", VENUE, {"venue_id": "venue_a", "pk": "use_a"}, setup=with_uses),
    Row(
        "visits:void",
        "POST",
        VENUE_POST,
        {"venue_id": "venue_a", "pk": "use_a"},
        data={"reason": "mistake"},
        setup=with_uses,
    ),
    Row("visits:void", "GET", OTHER, {"venue_id": "venue_a", "pk": "use_b"}, setup=with_uses),
    Row("visits:void", "GET", OTHER, {"venue_id": "venue_b", "pk": "use_b"}, setup=with_uses),
    Row("visits:undo", "POST", VENUE_POST, {"venue_id": "venue_a", "pk": "use_a"}, setup=with_uses),
    Row("visits:undo", "POST", OTHER, {"venue_id": "venue_b", "pk": "use_b"}, setup=with_uses),
    Row("visits:review", "GET", ADMIN, {"venue_id": "venue_a"}, setup=with_held),
    Row("visits:review", "GET", OTHER, {"venue_id": "venue_b"}, setup=with_held),
    Row("visits:review_accept", "POST", ADMIN_POST, {"venue_id": "venue_a", "pk": "held_a"}, setup=with_held),
    # Another venue's entry through one's own venue: 404 for its admin (staff are refused first).
    Row(
        "visits:review_accept",
        "POST",
        {**OTHER, "venue_staff": 403},
        {"venue_id": "venue_a", "pk": "held_b"},
        setup=with_held,
    ),
    Row("visits:review_reject", "GET", ADMIN, {"venue_id": "venue_a", "pk": "held_a"}, setup=with_held),
    Row(
        "visits:review_reject",
        "POST",
        ADMIN_POST,
        {"venue_id": "venue_a", "pk": "held_a"},
        data={"reason": "clock wrong"},
        setup=with_held,
    ),
    Row("visits:review_reject", "GET", OTHER, {"venue_id": "venue_b", "pk": "held_b"}, setup=with_held),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)


def test_venue_check_never_shows_holder_details(world):
    client = world.client_for("venue_staff")
    response = client.post(f"/visits/venue/{world.venue_a.pk}/", {"step": "check", "number": world.card_a.number})
    assert response.status_code == 200
    body = response.content.decode()
    with translation.override("fi"):
        assert translation.gettext("Valid") in body
    for marker in ("1957", "33999"):
        assert marker not in body
