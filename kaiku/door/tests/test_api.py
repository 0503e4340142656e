import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from kaiku.audit.models import AuditEntry
from kaiku.cards import services as cards
from kaiku.cards.tests.factories import CardFactory
from kaiku.door import codes
from kaiku.door import services as door
from kaiku.door.models import DeviceToken
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits.models import Channel, Use
from kaiku.web.tokens import token_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(world):
    token, plain = door.create_device_token(world.venue_a, "Box office phone", world.users["venue_admin"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    return token, client


def _use(key, text, **extra):
    return {"key": key, "text": text, "scanned_at": "2026-06-15T09:30:00+03:00", **extra}


def test_it_stores_only_the_hash_of_a_device_token(world, device):
    token, _client = device
    assert token.token_hash != token.hint and len(token.token_hash) == 64
    assert AuditEntry.objects.filter(action="door.device_created").exists()


def test_a_device_token_opens_its_own_venue_only(world, device):
    _token, client = device
    assert client.get(f"/api/door/venues/{world.venue_a.pk}/config/").status_code == 200
    assert client.get(f"/api/door/venues/{world.venue_b.pk}/config/").status_code == 404
    assert client.get("/api/door/me/").json() == {"venues": [{"id": world.venue_a.pk, "name": world.venue_a.name}]}


def test_a_revoked_or_unknown_token_is_refused(world, device):
    token, client = device
    door.revoke_device_token(token, world.users["venue_admin"])
    assert client.get("/api/door/keys/").status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Device kkd_nope")
    assert stranger.get("/api/door/keys/").status_code == 401


def test_the_venue_admin_creates_and_revokes_devices(world):
    client = world.client_for("venue_admin")
    response = client.post(f"/door/venues/{world.venue_a.pk}/devices/", {"label": "Lobby tablet"})
    token = DeviceToken.objects.get(label="Lobby tablet")
    plain = response.context["new_token"]
    assert plain.encode() in response.content and token_hash(plain) == token.token_hash
    client.post(f"/door/venues/{world.venue_a.pk}/devices/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    empty = client.post(f"/door/venues/{world.venue_a.pk}/devices/", {"label": "  "})
    assert empty.status_code == 200 and DeviceToken.objects.count() == 1


def test_the_check_says_valid_or_why_not_and_never_who(world):
    client = world.client_for("venue_staff")
    ok = client.post(
        f"/api/door/venues/{world.venue_a.pk}/check/",
        {"text": codes.card_code(world.card_a)},
        content_type="application/json",
    ).json()
    assert ok["valid"] and ok["kind"] == "personal" and ok["children_allowed"] == world.card_a.children
    assert set(ok) == {
        "valid",
        "reason",
        "reason_text",
        "number",
        "kind",
        "children_allowed",
        "community_group_max",
        "valid_until",
        "renew_at",
    }
    local = client.post(
        f"/api/door/venues/{world.venue_a.pk}/check/",
        {"text": codes.card_code(world.card_l)},
        content_type="application/json",
    ).json()
    assert local["reason"] == "wrong_area" and local["reason_text"]


def test_a_synced_batch_records_each_use_once_and_flags_forced(world, device):
    _token, client = device
    cards.inactivate_card(world.card_b, "lost", None)
    batch = {
        "uses": [
            _use("k-1", codes.card_code(world.card_a), offline=True, children=1),
            _use("k-2", world.card_a.number, offline=True),
            _use("k-3", codes.card_code(world.card_b), offline=True),
        ]
    }
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    first = client.post(url, batch, format="json").json()["results"]
    assert [r["status"] for r in first] == ["accepted", "accepted", "accepted"]
    assert [r["forced"] for r in first] == [False, False, True]
    assert first[2]["reason"] == "inactivated"
    again = client.post(url, batch, format="json").json()["results"]
    assert [r["use"] for r in again] == [r["use"] for r in first]
    assert Use.objects.filter(venue=world.venue_a).count() == 3
    forced = Use.objects.get(pk=first[2]["use"])
    assert forced.forced and forced.channel == Channel.OFFLINE and forced.recorded_via.startswith("door device")
    assert forced.scanned_at == dt.datetime(2026, 6, 15, 6, 30, tzinfo=dt.UTC)


def test_a_single_online_use_takes_the_single_use_path_and_answers_like_a_batch(world, device):
    """The door page sends each online use alone: the same answers, idempotent, codes verified."""
    _token, client = device
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    one = {"uses": [_use("one-1", codes.card_code(world.card_a), children=1)]}
    first = client.post(url, one, format="json").json()["results"][0]
    again = client.post(url, one, format="json").json()["results"][0]
    assert first["status"] == "accepted" and first["created"] and first["key"] == "one-1"
    assert again["use"] == first["use"] and not again["created"]
    use = Use.objects.get(pk=first["use"])
    assert use.channel == Channel.SCAN and use.children == 1 and use.recorded_via.startswith("door device")
    refused = client.post(url, {"uses": [_use("one-2", world.card_a.number, children=9)]}, format="json").json()
    assert refused["results"][0]["status"] == "refused" and refused["results"][0]["reason"] == "too_many_children"
    assert refused["results"][0]["reason_text"]
    assert Use.objects.filter(venue=world.venue_a).count() == 2


def test_it_answers_json_whatever_the_client_accepts(world, device):
    _token, client = device
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    response = client.post(url, {"uses": [_use("html-1", world.card_a.number)]}, format="json", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["status"] == "accepted"
    bad = client.post(url, {"uses": []}, format="json", HTTP_ACCEPT="text/html")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json" and "uses" in bad.json()["fields"]


def test_an_online_use_is_refused_not_forced(world):
    client = world.client_for("venue_staff")
    cards.inactivate_card(world.card_a, "lost", None)
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    result = client.post(url, {"uses": [_use("on-1", world.card_a.number)]}, content_type="application/json").json()
    assert result["results"][0]["status"] == "refused" and not result["results"][0]["forced"]


def test_a_forged_code_is_rejected_and_nothing_is_stored(world, device, other_key):
    from kaiku.door.tests.test_codes import _resign

    _token, client = device
    forged = _resign(codes.card_code(world.card_a), other_key)
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    result = client.post(url, {"uses": [_use("f-1", forged, offline=True)]}, format="json").json()["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "bad_signature"
    assert not Use.objects.exists()


def test_bad_input_changes_nothing(world, device):
    _token, client = device
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    assert client.post(url, {"uses": []}, format="json").status_code == 400
    assert client.post(url, {"uses": [{"key": "x", "text": "y", "children": -1}]}, format="json").status_code == 400
    assert client.post(url, {"uses": [{"text": "y"}]}, format="json").status_code == 400
    assert not Use.objects.exists()


def test_offers_of_the_venue_only(world, device):
    _token, client = device
    mine = Offer.objects.create(venue=world.venue_a, sector="culture", title_fi="Hamlet", kind=Offer.Kind.EVENT)
    occ = Occurrence.objects.create(offer=mine, starts_at=timezone.now() + dt.timedelta(hours=3))
    other = Offer.objects.create(venue=world.venue_b, sector="culture", title_fi="Muu")
    config = client.get(f"/api/door/venues/{world.venue_a.pk}/config/").json()
    assert [o["id"] for o in config["offers"]] == [mine.pk]
    assert config["offers"][0]["occurrences"][0]["id"] == occ.pk
    assert config["venue"]["area_id"] == world.area_a.pk
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    refused = client.post(
        url,
        {
            "uses": [
                _use("o-1", world.card_a.number, occurrence=occ.pk),
                _use("o-2", world.card_a.number, offer=other.pk),
            ]
        },
        format="json",
    )
    # Another venue's offer or date is a bad request (as in the partner API), and nothing is recorded.
    assert refused.status_code == 400
    assert set(refused.json()["fields"]["uses"]["1"]) == {"offer"}
    assert not Use.objects.exists()
    other_date = Occurrence.objects.create(offer=other, starts_at=timezone.now() + dt.timedelta(hours=3))
    single = client.post(url, {"uses": [_use("o-3", world.card_a.number, occurrence=other_date.pk)]}, format="json")
    assert single.status_code == 400 and set(single.json()["fields"]["uses"]["0"]) == {"occurrence"}
    # A date deleted since the device cached it does not block an offline queue.
    gone = Occurrence.objects.create(offer=mine, starts_at=timezone.now() + dt.timedelta(hours=5))
    gone_pk = gone.pk
    gone.delete()
    result = client.post(
        url,
        {
            "uses": [
                _use("o-1", world.card_a.number, occurrence=occ.pk),
                _use("o-4", world.card_b.number, occurrence=gone_pk),
            ]
        },
        format="json",
    ).json()["results"]
    uses = {u.idempotency_key: u for u in Use.objects.all()}
    assert uses["o-1"].occurrence_id == occ.pk and uses["o-4"].occurrence_id is None
    assert result[0]["status"] == "accepted"


def test_a_batch_reads_its_offers_and_occurrences_once_whatever_its_size(world, device):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kaiku.cards.tests.factories import CardFactory

    _token, client = device
    offer = Offer.objects.create(venue=world.venue_a, sector="culture", title_fi="Konsertti", kind=Offer.Kind.EVENT)
    occurrences = [
        Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(hours=h)) for h in (2, 3, 4)
    ]
    cards_ = CardFactory.create_batch(15, site=world.distributor_a, municipality=world.muni_a)
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"

    def send(prefix, first, size):
        batch = [
            _use(f"{prefix}-{i}", cards_[first + i].number, occurrence=occurrences[i % 3].pk, offer=offer.pk)
            for i in range(size)
        ]
        with CaptureQueriesContext(connection) as queries:
            results = client.post(url, {"uses": batch}, format="json").json()["results"]
        assert [r["status"] for r in results] == ["accepted"] * size, results
        return len(queries)

    send("warm-up", 0, 3)  # the first request also reads settings and touches the device token
    assert send("small", 3, 3) == send("large", 6, 9)
    assert Use.objects.filter(occurrence__in=occurrences).count() == 15


def test_undo_works_for_two_minutes(world):
    client = world.client_for("venue_staff")
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    first = client.post(url, {"uses": [_use("u-1", world.card_a.number)]}, content_type="application/json").json()[
        "results"
    ][0]
    second = client.post(url, {"uses": [_use("u-2", world.card_b.number)]}, content_type="application/json").json()[
        "results"
    ][0]
    undo = f"/api/door/venues/{world.venue_a.pk}/uses/%s/undo/"
    assert client.post(undo % first["use"]).json() == {"voided": True}
    assert Use.objects.get(pk=first["use"]).voided_at is not None
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        late = client.post(undo % second["use"])
    assert late.status_code == 409 and late.json()["code"] == "too_late_to_undo"
    assert Use.objects.get(pk=second["use"]).voided_at is None


def test_only_who_recorded_a_use_undoes_it(world, device):
    from kaiku.accounts.models import Role
    from kaiku.accounts.tests.factories import user_with_role

    _token, device_client = device
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    undo = f"/api/door/venues/{world.venue_a.pk}/uses/%s/undo/"
    by_device = device_client.post(url, {"uses": [_use("d-1", world.card_a.number)]}, format="json").json()
    by_staff = world.client_for("venue_staff").post(
        url, {"uses": [_use("s-1", world.card_b.number)]}, content_type="application/json"
    )
    device_use, staff_use = by_device["results"][0]["use"], by_staff.json()["results"][0]["use"]
    colleague = Client()
    colleague.force_login(user_with_role(Role.VENUE_STAFF, site=world.venue_a))
    other_device = door.create_device_token(world.venue_a, "Second door", world.users["venue_admin"])[1]
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Device {other_device}")
    for client, use in [
        (colleague, device_use),
        (colleague, staff_use),
        (other, device_use),
        (device_client, staff_use),
    ]:
        refused = client.post(undo % use)
        assert refused.status_code == 409 and refused.json()["code"] == "not_yours_to_undo"
    assert not Use.objects.filter(voided_at__isnull=False).exists()
    assert device_client.post(undo % device_use).json() == {"voided": True}
    assert world.client_for("venue_admin").post(undo % staff_use).json() == {"voided": True}


def test_revocations_come_as_deltas(world, device):
    _token, client = device
    full = client.get("/api/door/revocations/?since=0").json()
    cards.replace_card(world.card_a, None)
    delta = client.get(f"/api/door/revocations/?since={full['version']}").json()
    assert [world.card_a.number, 2, "replaced"] in delta["entries"]
    assert client.get("/api/door/revocations/?since=abc").status_code == 400
    assert client.get("/api/door/revocations/?since=99999999999999999999").status_code == 200


def test_the_schema_lists_the_door_api(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/door/keys/", "/api/door/revocations/", "/api/door/venues/{venue_id}/uses/", "doorDevice"):
        assert path in schema


def test_only_the_venue_admin_sees_the_devices_link(world):
    devices = f"/door/venues/{world.venue_a.pk}/devices/".encode()
    staff = world.client_for("venue_staff").get(f"/door/venues/{world.venue_a.pk}/")
    admin = world.client_for("venue_admin").get(f"/door/venues/{world.venue_a.pk}/")
    assert b"door-settings" in staff.content and devices not in staff.content
    assert devices in admin.content


def test_ensure_signing_key_creates_a_key_once(tmp_path, settings, db):
    from django.core.management import call_command

    from kaiku.door import keys

    settings.CARD_SIGNING_KEY = ""
    settings.CARD_SIGNING_KEY_AUTOCREATE = False
    settings.CARD_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    keys.clear_cache()
    call_command("ensure_signing_key")
    first = (tmp_path / "key.pem").read_bytes()
    call_command("ensure_signing_key")
    assert (tmp_path / "key.pem").read_bytes() == first
    assert oct((tmp_path / "key.pem").stat().st_mode)[-3:] == "600"
    keys.clear_cache()


def test_the_channel_says_how_the_card_was_read(world):
    client = world.client_for("venue_staff")
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    uses = [
        _use("c-1", world.card_a.number, read_with="camera"),  # the Code 39 barcode: the plain number
        _use("c-2", world.card_b.number, read_with="typed"),
        _use("c-3", codes.card_code(world.card_a)),
    ]
    client.post(url, {"uses": uses}, content_type="application/json")
    channels = dict(Use.objects.values_list("idempotency_key", "channel"))
    assert channels == {"c-1": Channel.SCAN, "c-2": Channel.TYPED, "c-3": Channel.SCAN}


def test_the_page_offers_undo_for_as_long_as_the_register_allows(world, settings):
    import json
    import re

    from kaiku.visits import services as visits

    settings_json = re.search(
        rb'id="door-settings"[^>]*>(.*?)</script>',
        world.client_for("venue_staff").get(f"/door/venues/{world.venue_a.pk}/").content,
        re.S,
    )
    assert settings_json is not None
    assert json.loads(settings_json.group(1))["undoSeconds"] == visits.UNDO_WINDOW.total_seconds() == 120


def test_a_device_revoked_while_cached_is_refused_at_once(world, device):
    """The device is read from the cache (issue 21); revoking it deletes the entry."""
    token, client = device
    assert client.get("/api/door/keys/").status_code == 200
    door.revoke_device_token(DeviceToken.objects.get(pk=token.pk), world.users["venue_admin"])
    assert client.get("/api/door/keys/").status_code == 401


def test_a_cached_device_still_notes_its_contact_and_the_gap_before_it(world, device):
    token, client = device
    assert client.get("/api/door/keys/").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.contact_before_gap is None
    with time_machine.travel(first + dt.timedelta(hours=2), tick=False):
        assert client.get("/api/door/keys/").status_code == 200
        token.refresh_from_db()
        assert token.last_used_at == first + dt.timedelta(hours=2)
        assert token.contact_before_gap == first


def test_an_online_door_use_keeps_to_its_query_budget(world, device, django_assert_max_num_queries):
    """The door's hot path (issue 21): the guessing counter, then the card, the use, the
    pending statistics row and the transaction's two statements; the device (with its
    venue and area) comes from the cache (before: 7, the device read each time)."""
    _token, client = device
    url = f"/api/door/venues/{world.venue_a.pk}/uses/"
    assert client.post(url, {"uses": [_use("warm", world.card_a.number)]}, format="json").status_code == 200
    for i in range(3):
        card = CardFactory(site=world.distributor_a, municipality=world.muni_a)
        with django_assert_max_num_queries(6):
            answer = client.post(url, {"uses": [{"key": f"budget-{i}", "text": card.number}]}, format="json")
        assert answer.json()["results"][0]["status"] == "accepted"
