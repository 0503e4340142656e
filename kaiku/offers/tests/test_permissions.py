"""The permission matrix for every offers URL: public pages answer everyone, venue pages only the venue."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from kaiku.offers.models import Reservation
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory, ReservableOfferFactory
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES, World

A, N = 302, 404
PUBLIC = dict.fromkeys(ROLES, 200)
HIDDEN = dict.fromkeys(ROLES, 404)
VENUE = {
    "anonymous": A,
    "national_admin": N,
    "coordinator": N,
    "distributor": N,
    "venue_staff": 200,
    "venue_admin": 200,
}
VENUE_POST = {**VENUE, "venue_staff": 302, "venue_admin": 302}
OTHER = {role: (A if role == "anonymous" else N) for role in ROLES}


@dataclass(frozen=True)
class AreaRow(Row):
    """The per-area catalogue is addressed by the area's slug, not a pk."""

    def url(self, world: World) -> str:
        return reverse(self.url_name, kwargs={"area_slug": world.area_a.slug})


def with_offers(world: World) -> None:
    start = timezone.now() + dt.timedelta(days=2)
    for venue, suffix, card in ((world.venue_a, "a", world.card_a), (world.venue_b, "b", world.card_b)):
        offer = ReservableOfferFactory(venue=venue, quota=5)
        occurrence = OccurrenceFactory(offer=offer, starts_at=start)
        world.extra[f"offer_{suffix}"] = offer
        world.extra[f"occ_{suffix}"] = occurrence
        world.extra[f"res_{suffix}"] = Reservation.objects.create(card=card, occurrence=occurrence)
    world.extra["hidden"] = OfferFactory(venue=world.venue_a, published=False)


OFFER = {"kind": "event", "title_fi": "Konsertti", "sector": "culture", "ticket_method": "box_office"}
DATE = {"starts_at": "2026-07-01T18:00"}
A_OFFER = {"venue_id": "venue_a", "pk": "offer_a"}
A_OCC = {"venue_id": "venue_a", "pk": "occ_a"}
B_OFFER = {"venue_id": "venue_b", "pk": "offer_b"}
B_OCC = {"venue_id": "venue_b", "pk": "occ_b"}
# Another venue's object through one's own venue: still 404.
CROSS_OFFER = {"venue_id": "venue_a", "pk": "offer_b"}
CROSS_OCC = {"venue_id": "venue_a", "pk": "occ_b"}

MATRIX = [
    Row("offers:catalogue", "GET", PUBLIC),
    AreaRow("offers:area_catalogue", "GET", PUBLIC, setup=with_offers),
    Row("offers:detail", "GET", PUBLIC, {"pk": "offer_a"}, setup=with_offers),
    Row("offers:detail", "GET", PUBLIC, {"pk": "offer_b"}, setup=with_offers),
    Row("offers:detail", "GET", HIDDEN, {"pk": "hidden"}, setup=with_offers),
    Row("offers:ical", "GET", PUBLIC, {"pk": "offer_a"}, setup=with_offers),
    Row("offers:ical", "GET", HIDDEN, {"pk": "hidden"}, setup=with_offers),
    Row("offers:venue_offers", "GET", VENUE, {"venue_id": "venue_a"}, setup=with_offers),
    Row("offers:venue_offers", "GET", OTHER, {"venue_id": "venue_b"}),
    Row("offers:offer_create", "GET", VENUE, {"venue_id": "venue_a"}),
    Row("offers:offer_create", "POST", VENUE_POST, {"venue_id": "venue_a"}, data=OFFER),
    Row("offers:offer_create", "POST", OTHER, {"venue_id": "venue_b"}, data=OFFER),
    Row("offers:offer_manage", "GET", VENUE, A_OFFER, setup=with_offers),
    Row("offers:offer_manage", "GET", OTHER, B_OFFER, setup=with_offers),
    Row("offers:offer_manage", "GET", OTHER, CROSS_OFFER, setup=with_offers),
    Row("offers:offer_edit", "GET", VENUE, A_OFFER, setup=with_offers),
    Row("offers:offer_edit", "POST", VENUE_POST, A_OFFER, data=OFFER, setup=with_offers),
    Row("offers:offer_edit", "POST", OTHER, CROSS_OFFER, data=OFFER, setup=with_offers),
    Row("offers:occurrence_create", "GET", VENUE, A_OFFER, setup=with_offers),
    Row("offers:occurrence_create", "POST", VENUE_POST, A_OFFER, data=DATE, setup=with_offers),
    Row("offers:occurrence_create", "POST", OTHER, CROSS_OFFER, data=DATE, setup=with_offers),
    Row("offers:occurrence_manage", "GET", VENUE, A_OCC, setup=with_offers),
    Row("offers:occurrence_manage", "GET", OTHER, B_OCC, setup=with_offers),
    Row("offers:occurrence_manage", "GET", OTHER, CROSS_OCC, setup=with_offers),
    Row("offers:occurrence_edit", "GET", VENUE, A_OCC, setup=with_offers),
    Row("offers:occurrence_edit", "POST", VENUE_POST, A_OCC, data=DATE, setup=with_offers),
    Row("offers:occurrence_edit", "POST", OTHER, CROSS_OCC, data=DATE, setup=with_offers),
    Row("offers:reserve", "POST", VENUE_POST, A_OCC, data={"number": "card_b"}, setup=with_offers),
    Row("offers:reserve", "POST", OTHER, CROSS_OCC, data={"number": "x"}, setup=with_offers),
    Row("offers:release_seats", "POST", VENUE_POST, A_OCC, data={"seats": 2}, setup=with_offers),
    Row("offers:release_seats", "POST", OTHER, CROSS_OCC, data={"seats": 2}, setup=with_offers),
    Row("offers:reservation_cancel", "POST", VENUE_POST, {"venue_id": "venue_a", "pk": "res_a"}, setup=with_offers),
    Row("offers:reservation_cancel", "POST", OTHER, {"venue_id": "venue_a", "pk": "res_b"}, setup=with_offers),
    Row("offers:reservation_cancel", "POST", OTHER, {"venue_id": "venue_b", "pk": "res_b"}, setup=with_offers),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    if row.data.get("number") == "card_b":
        # Reserving needs a real card number, known only once the world exists.
        row = Row(
            row.url_name, row.method, row.expect, row.kwargs, data={"number": world.card_b.number}, setup=row.setup
        )
    check(world, role, row)
