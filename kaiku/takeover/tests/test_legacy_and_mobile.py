"""Issue 24's acceptance through the migration import: cards of two declared legacy formats
imported and then used at the desk, the door and the partner API; X and Z answered as
mobile-only values everywhere, never with another card."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from rest_framework.test import APIClient

from kaiku.cards.models import Card
from kaiku.cards.tests.factories import declare_legacy_formats
from kaiku.door import services as door
from kaiku.partners import services as partners
from kaiku.takeover import imports
from kaiku.takeover.models import MobileOnlyCard
from kaiku.takeover.reading import read_export
from kaiku.takeover.tests.exports import CARD_HEADER, USE_HEADER, card_row, csv_bytes
from kaiku.visits.models import Channel, Reason, Use

pytestmark = pytest.mark.django_db

# As the old register printed them, and as Kaiku stores them (two declared formats).
LETTERS_PRINTED, LETTERS = "KA 004711", "KA004711"
SERIAL_PRINTED, SERIAL = "2019-00042", "201900042"


@pytest.fixture
def taken_over(world):
    declare_legacy_formats()
    rows = [
        card_row(LETTERS_PRINTED, registered_on="2026-01-10", valid_until="2027-01-10", children="1"),
        card_row(SERIAL_PRINTED, registered_on="2026-02-01", valid_until="2027-02-01"),
        card_row("X", registered_on="2026-03-01", valid_until="2027-03-01", old_id="old-77"),
    ]
    summary = imports.import_cards(read_export(csv_bytes([*CARD_HEADER, "old_id"], rows)), commit=True)
    assert (summary.committed, summary.created) == (True, 3)
    uses = [
        [LETTERS_PRINTED, "2026-03-02", "Tampereen Teatteri", "1", "", "", ""],
        ["ka-004711", "2026-04-02", "Tampereen Teatteri", "0", "", "", ""],
        [SERIAL, "2026-05-02", "Tampereen Teatteri", "0", "", "", ""],
    ]
    assert imports.import_uses(read_export(csv_bytes(USE_HEADER, uses)), commit=True).created == 3
    return MobileOnlyCard.objects.get(old_id="old-77").card


def test_imported_legacy_cards_keep_their_numbers_and_past_uses(world, taken_over):
    assert Card.objects.filter(number__in=[LETTERS, SERIAL]).count() == 2
    imported = Use.objects.filter(channel=Channel.IMPORT)
    assert sorted(u.card.number for u in imported) == [SERIAL, LETTERS, LETTERS]


def test_imported_legacy_cards_are_used_at_the_desk_the_door_and_the_partner_api(world, taken_over):
    desk = world.client_for("venue_staff")
    url = reverse("visits:venue", args=[world.venue_a.pk])
    assert desk.post(url, {"step": "check", "number": "ka 004-711"}).context["check"].valid
    _token, plain = door.create_device_token(world.venue_a, "Door", world.users["venue_admin"])
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    verdict = device.post(f"/api/door/venues/{world.venue_a.pk}/check/", {"text": SERIAL_PRINTED}, format="json")
    assert verdict.json()["valid"] and verdict.json()["number"] == SERIAL
    partners.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    key = partners.create_api_key(world.agency_a, "Sales", ["check", "record"], world.users["coordinator"])
    uses = reverse("partners-api:uses", kwargs={"venue_id": world.venue_a.pk})
    sale = {"number": SERIAL_PRINTED, "idempotency_key": "sale-1"}
    recorded = Client().post(uses, sale, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    assert recorded.status_code == 201 and Use.objects.get(idempotency_key="sale-1").card.number == SERIAL


@pytest.mark.parametrize("typed", ["X", "z", " x "])
def test_x_and_z_are_answered_mobile_only_never_with_the_mobile_only_card_taken_over(world, taken_over, typed):
    hidden = taken_over.number  # the X card's new Kaiku number: typing X must never lead to it
    desk = world.client_for("venue_staff").post(
        reverse("visits:venue", args=[world.venue_a.pk]), {"step": "check", "number": typed}
    )
    assert (desk.context["check"].valid, desk.context["check"].reason) == (False, "mobile_only")
    page = desk.content.decode()
    with translation.override("fi"):  # the staff member's language: ask for the card on the phone
        assert escape(str(Reason.MOBILE_ONLY.label)) in page and "puhelim" in str(Reason.MOBILE_ONLY.label)
    assert hidden not in page

    _token, plain = door.create_device_token(world.venue_a, "Door", world.users["venue_admin"])
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    at_door = device.post(f"/api/door/venues/{world.venue_a.pk}/check/", {"text": typed}, format="json").json()
    assert (at_door["valid"], at_door["reason"], at_door["number"]) == (False, "mobile_only", "")
    assert hidden not in str(at_door)

    partners.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    key = partners.create_api_key(world.agency_a, "Sales", ["check"], world.users["coordinator"])
    check = reverse("partners-api:check", kwargs={"venue_id": world.venue_a.pk})
    api = Client().post(
        check, {"number": typed}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key.secret}"
    )
    assert (api.json()["valid"], api.json()["reason"]) == (False, "mobile_only") and hidden not in api.content.decode()
    assert not Use.objects.filter(card=taken_over).exists()
