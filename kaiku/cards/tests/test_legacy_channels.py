"""Legacy numbers of two declared formats wherever a card number is taken (issue 24, item 1).

The desk, the door's API (check, offline batch, the valid-card set and the config the
device runs the patterns from), the partner API, the spreadsheet import of uses and the
portal's sign-in. The camera reading a Code 39 and a QR code in Chromium is in
``kaiku/door/tests/test_browser_legacy.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kaiku.cards import numbers
from kaiku.cards.models import Card, LegacyFormat
from kaiku.cards.tests.factories import CardFactory, declare_legacy_formats
from kaiku.door import codes, validset
from kaiku.door import services as door
from kaiku.partners import services as partners
from kaiku.portal.models import SignInAttempt
from kaiku.visits.imports import import_uses
from kaiku.visits.models import Channel, Use
from kaiku.web.imports import ImportFailed
from kaiku.web.uploads import read_bytes

pytestmark = pytest.mark.django_db

# The same two cards, as printed by the old register and as stored.
LETTERS_PRINTED, LETTERS = "KA 004711", "KA004711"
SERIAL_PRINTED, SERIAL = "2019-00042", "201900042"


@pytest.fixture
def legacy_cards(world):
    declare_legacy_formats()
    letters = CardFactory(number=LETTERS, site=world.distributor_a, municipality=world.muni_a, children=1)
    serial = CardFactory(number=SERIAL, site=world.distributor_a, municipality=world.muni_a, children=0)
    return letters, serial


def test_the_desk_checks_and_records_typed_legacy_numbers(world, legacy_cards):
    client = world.client_for("venue_staff")
    url = reverse("visits:venue", args=[world.venue_a.pk])
    for card, typed in zip(legacy_cards, ["ka-004711", SERIAL_PRINTED], strict=True):
        checked = client.post(url, {"step": "check", "number": typed})
        assert checked.context["check"].valid
        assert checked.context["record_form"].initial["number"] == card.number
        assert "1957" not in checked.content.decode()
    data = {"step": "record", "number": LETTERS, "idempotency_key": "k-1", "children": 1}
    client.post(url, {**data, "community_clients": 0, "assistants": 0, "sector": "culture"})
    assert Use.objects.get(outcome=Use.Outcome.ACCEPTED).card == legacy_cards[0]


def test_the_desk_page_carries_the_declared_formats_for_its_typing_check(world, legacy_cards):
    page = world.client_for("venue_staff").get(reverse("visits:venue", args=[world.venue_a.pk]))
    body = page.content.decode()
    assert "data-legacy-formats=" in body and "[A-Z]{2}[0-9]{6}" in body


def test_an_unknown_legacy_number_gives_no_hint_at_the_desk(world, legacy_cards):
    client = world.client_for("venue_staff")
    url = reverse("visits:venue", args=[world.venue_a.pk])
    response = client.post(url, {"step": "check", "number": "KA004712"})
    check = response.context["check"]
    assert (check.valid, check.reason) == (False, "unknown_number")
    assert LETTERS not in response.content.decode()
    mobile = client.post(url, {"step": "check", "number": "X"}).context["check"]
    assert (mobile.valid, mobile.reason) == (False, "mobile_only")


@pytest.fixture
def device(world):
    _token, plain = door.create_device_token(world.venue_a, "Box office phone", world.users["venue_admin"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    return client


def test_the_door_checks_legacy_numbers_and_records_them_offline(world, legacy_cards, device):
    check_url = f"/api/door/venues/{world.venue_a.pk}/check/"
    for card, text in zip(legacy_cards, [LETTERS_PRINTED, SERIAL_PRINTED], strict=True):
        verdict = device.post(check_url, {"text": text}, format="json").json()
        assert verdict["valid"] and verdict["number"] == card.number
    unknown = device.post(check_url, {"text": "2019-00043"}, format="json").json()
    assert (unknown["valid"], unknown["reason"], unknown["number"]) == (False, "unknown_number", "")
    z = device.post(check_url, {"text": "z"}, format="json").json()
    assert (z["valid"], z["reason"]) == (False, "mobile_only") and z["reason_text"]

    batch = {
        "uses": [
            {"key": "u-1", "text": "ka004711", "offline": True, "scanned_at": "2026-06-15T09:30:00+03:00"},
            {"key": "u-2", "text": SERIAL_PRINTED, "offline": True, "read_with": "camera"},
            {"key": "u-3", "text": "KA999999", "offline": True},
        ]
    }
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    first = device.post(url, batch, format="json").json()["results"]
    assert [r["status"] for r in first] == ["accepted", "accepted", "refused"]
    assert first[2]["reason"] == "unknown_number"
    again = device.post(url, batch, format="json").json()["results"]
    assert [r["use"] for r in again] == [r["use"] for r in first]
    used = Use.objects.filter(outcome=Use.Outcome.ACCEPTED).order_by("pk")
    assert [u.card for u in used] == list(legacy_cards)


def test_the_door_config_carries_the_active_formats_for_offline_checks(world, legacy_cards, device):
    config = device.get(f"/api/door/venues/{world.venue_a.pk}/config/").json()
    assert [f["pattern"] for f in config["legacy_formats"]] == ["[A-Z]{2}[0-9]{6}", "20[0-9]{2}[0-9]{5}"]
    assert config["legacy_formats"][0] == {
        "id": LegacyFormat.objects.get(name="Letters and digits").pk,
        "pattern": "[A-Z]{2}[0-9]{6}",
        "fold_case": True,
        "ignore_spaces": True,
        "ignore_dashes": True,
    }
    assert "mobile_only" in config["reasons"]


def test_the_offline_valid_card_set_includes_legacy_cards(world, legacy_cards):
    found = validset.for_venue(world.venue_a)
    assert validset.contains(found.blob, LETTERS) and validset.contains(found.blob, SERIAL)
    assert validset.contains(found.blob, world.card_a.number)
    assert not validset.contains(found.blob, "KA004712")


def test_a_legacy_cards_qr_code_holds_its_plain_number(world, legacy_cards):
    assert codes.card_code(legacy_cards[0]) == LETTERS
    assert codes.card_code(world.card_a).startswith("KK:")


@pytest.fixture
def agency(world):
    partners.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    key = partners.create_api_key(world.agency_a, "Sales", ["check", "record", "read"], world.users["coordinator"])
    return {"HTTP_AUTHORIZATION": f"Bearer {key.secret}"}


def test_the_partner_api_checks_and_records_legacy_numbers(world, legacy_cards, agency, client):
    check = reverse("partners-api:check", kwargs={"venue_id": world.venue_a.pk})
    uses = reverse("partners-api:uses", kwargs={"venue_id": world.venue_a.pk})
    ok = client.post(check, {"number": SERIAL_PRINTED}, content_type="application/json", **agency).json()
    assert ok["valid"] and ok["kind"] == "personal"
    unknown = client.post(check, {"number": "KA004712"}, content_type="application/json", **agency).json()
    assert (unknown["valid"], unknown["reason"]) == (False, "unknown_number")
    x = client.post(check, {"number": "X"}, content_type="application/json", **agency).json()
    assert (x["valid"], x["reason"]) == (False, "mobile_only")
    payload = {"number": "ka 004 711", "idempotency_key": "sale-1", "children": 1}
    recorded = client.post(uses, payload, content_type="application/json", **agency)
    assert recorded.status_code == 201 and recorded.json()["accepted"]
    use = Use.objects.get(idempotency_key="sale-1")
    assert (use.card, use.channel) == (legacy_cards[0], Channel.AGENCY)


def test_a_spreadsheet_of_uses_imports_legacy_numbers_and_names_a_bad_row(world, legacy_cards):
    for card in legacy_cards:
        Card.objects.filter(pk=card.pk).update(issued_on=timezone.localdate() - dt.timedelta(days=100))
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    header = "Date,Card number,Event,Adults,Children,Assistants"
    rows = [f"{day},{LETTERS_PRINTED},,1,0,0", f"{day},{SERIAL_PRINTED},,1,0,0", f"{day},ka-004711,,1,1,0"]
    result = import_uses(
        world.venue_a, read_bytes("\n".join([header, *rows]).encode()), world.users["venue_staff"], "old.csv"
    )
    assert result.created == 3
    assert sorted(u.card.number for u in Use.objects.filter(channel=Channel.IMPORT)) == [SERIAL, LETTERS, LETTERS]

    bad = [f"{day},2019-00042,,1,0,0", f"{day},X,,1,0,0"]
    with pytest.raises(ImportFailed) as failed:
        import_uses(
            world.venue_a, read_bytes("\n".join([header, *bad]).encode()), world.users["venue_staff"], "bad.csv"
        )
    assert [e.row for e in failed.value.errors] == [3]
    assert Use.objects.filter(channel=Channel.IMPORT).count() == 3


def test_the_portal_signs_in_with_a_legacy_number(world, legacy_cards, client):
    card = legacy_cards[1]
    Card.objects.filter(pk=card.pk).update(activation_code_hash=make_password("ABCD2345"))
    response = client.post("/portal/sign-in/", {"number": SERIAL_PRINTED, "code": "ABCD2345"})
    assert response.status_code == 302
    assert SignInAttempt.objects.get(outcome="success").card_id == card.pk
    digital = client.get("/portal/card/")
    assert digital.status_code == 200 and SERIAL in digital.content.decode()


NODE = shutil.which("node")
SCRIPT = Path(__file__).resolve().parents[1] / "static" / "cards" / "cardnumber.js"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_typing_check_accepts_the_declared_formats(legacy_cards):
    from kaiku.cards.legacy import active_formats

    formats = [f.as_json() for f in active_formats()]
    kaiku = numbers.generate()
    typo = kaiku[:-1] + ("2" if kaiku[-1] != "2" else "3")
    inputs = [LETTERS_PRINTED, SERIAL_PRINTED, "ka-004711", "KA00471", "X", numbers.display(kaiku), typo]
    program = (
        f"const m = require({json.dumps(str(SCRIPT))});"
        "const [inputs, formats] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(inputs.map((t) => m.verdictWithLegacy(t, formats))));"
    )
    out = subprocess.run(  # noqa: S603
        [str(NODE), "-e", program], input=json.dumps([inputs, formats]), capture_output=True, text=True, check=True
    )
    verdicts = json.loads(out.stdout)
    assert verdicts == ["ok", "ok", "ok", "malformed", "mobile_only", "ok", "bad_check_character"]
