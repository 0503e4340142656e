"""One judgement of a device's time (issue 19 item 5) and the venue admin's review list."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kaiku.audit.models import AuditEntry
from kaiku.door import services as door
from kaiku.door.models import DeviceToken
from kaiku.visits.models import Channel, HeldUse, Use
from kaiku.visits.services import (
    AGENCY_WINDOW,
    DOOR_WINDOW,
    IMPORT_WINDOW,
    ReviewError,
    UseRequest,
    accept_held,
    judge_device_time,
    reject_held,
    submit_use,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("channel", "window"),
    [(Channel.OFFLINE, DOOR_WINDOW), (Channel.AGENCY, AGENCY_WINDOW), (Channel.IMPORT, IMPORT_WINDOW)],
)
def test_one_rule_judges_every_channel(channel, window):
    now = timezone.now()
    clamped = judge_device_time(now + dt.timedelta(days=3), channel).at
    assert now <= clamped <= timezone.now()
    assert judge_device_time(now + dt.timedelta(days=3), channel).review == ""
    assert judge_device_time(now - window + dt.timedelta(minutes=1), channel).review == ""
    assert judge_device_time(now - window - dt.timedelta(minutes=1), channel).review == HeldUse.Why.OUTSIDE_WINDOW
    contact = now - dt.timedelta(hours=1)
    assert judge_device_time(contact - dt.timedelta(minutes=1), channel, last_contact=contact).review == (
        HeldUse.Why.BEFORE_LAST_CONTACT
    )


@pytest.fixture
def device(world):
    token, plain = door.create_device_token(world.venue_a, "Ovi", None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    return token, client


def _sync(client, world, key, scanned_at, number):
    return client.post(
        f"/api/door/venues/{world.venue_a.pk}/uses/",
        {"uses": [{"key": key, "text": number, "offline": True, "scanned_at": scanned_at.isoformat()}]},
        format="json",
    ).json()["results"][0]


def test_the_door_holds_a_use_dated_2001_instead_of_forcing_it(world, device):
    _token, client = device
    answer = _sync(client, world, "old", dt.datetime(2001, 1, 1, 12, tzinfo=dt.UTC), world.card_a.number)
    assert answer["status"] == "held" and answer["reason"] == HeldUse.Why.OUTSIDE_WINDOW and answer["use"] is None
    assert not Use.objects.exists()
    again = _sync(client, world, "old", dt.datetime(2001, 1, 1, 12, tzinfo=dt.UTC), world.card_a.number)
    assert again["status"] == "held" and HeldUse.objects.count() == 1


def test_the_door_holds_a_use_older_than_the_devices_last_contact(world, device):
    token, client = device
    now = timezone.now()
    DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now - dt.timedelta(hours=2))
    client.get("/api/door/keys/")  # back after a gap: the contact before it is remembered
    token.refresh_from_db()
    assert abs(token.contact_before_gap - (now - dt.timedelta(hours=2))) < dt.timedelta(seconds=1)
    before = _sync(client, world, "before", now - dt.timedelta(hours=3), world.card_a.number)
    after = _sync(client, world, "after", now - dt.timedelta(hours=1), world.card_b.number)
    assert before["status"] == "held" and before["reason"] == HeldUse.Why.BEFORE_LAST_CONTACT
    assert after["status"] == "accepted"


def test_a_future_device_time_is_clamped(world, device):
    _token, client = device
    _sync(client, world, "future", timezone.now() + dt.timedelta(days=2), world.card_a.number)
    assert Use.objects.get().scanned_at <= timezone.now()


def test_the_partner_api_holds_an_old_sale_and_clamps_a_future_one(world, client):
    from kaiku.partners import services as partners

    partners.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    secret = partners.create_api_key(world.agency_a, "S", ["record"], None).secret
    url = f"/api/partners/venues/{world.venue_a.pk}/uses/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    old = (timezone.now() - dt.timedelta(days=30)).isoformat()
    held = client.post(
        url,
        {"number": world.card_a.number, "idempotency_key": "o", "scanned_at": old},
        content_type="application/json",
        **auth,
    )
    assert held.status_code == 202 and held.json()["held"] is True
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    made = client.post(
        url,
        {"number": world.card_b.number, "idempotency_key": "f", "scanned_at": future},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201 and Use.objects.get().scanned_at <= timezone.now()


def _held(world, **kwargs):
    result = submit_use(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel=Channel.OFFLINE,
            idempotency_key="r1",
            scanned_at=timezone.now() - dt.timedelta(days=20),
            accepted_offline=True,
            **kwargs,
        )
    )
    assert isinstance(result, HeldUse)
    return result


def test_the_admin_accepts_a_held_use_through_the_normal_service(world):
    held = _held(world, children=1)
    client = world.client_for("venue_admin")
    page = client.get(f"/visits/venue/{world.venue_a.pk}/review/")
    assert page.status_code == 200 and world.card_a.display_number in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    client.post(f"/visits/venue/{world.venue_a.pk}/review/{held.pk}/accept/")
    held.refresh_from_db()
    use = Use.objects.get()
    assert held.status == HeldUse.Status.ACCEPTED and held.use == use
    assert use.accepted and use.children == 1 and use.idempotency_key == "r1"
    assert use.used_on == timezone.localdate() - dt.timedelta(days=20) and use.late
    with pytest.raises(ReviewError) as exc:
        accept_held(held, world.users["venue_admin"])
    assert exc.value.code == "not_pending"


def test_the_admin_rejects_a_held_use_with_a_reason_kept_out_of_the_audit_log(world):
    held = _held(world)
    client = world.client_for("venue_admin")
    url = f"/visits/venue/{world.venue_a.pk}/review/{held.pk}/reject/"
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "Device clock was a year off"})
    held.refresh_from_db()
    assert held.status == HeldUse.Status.REJECTED and held.reject_reason == "Device clock was a year off"
    assert not Use.objects.exists()
    entry = AuditEntry.objects.get(action="visits.held_rejected")
    assert "clock" not in str(entry.changes)
    with pytest.raises(ReviewError) as exc:
        reject_held(held, "again", world.users["venue_admin"])
    assert exc.value.code == "not_pending"


def test_venue_staff_see_no_review_list(world):
    _held(world)
    assert world.client_for("venue_staff").get(f"/visits/venue/{world.venue_a.pk}/review/").status_code == 403
    desk = world.client_for("venue_admin").get(f"/visits/venue/{world.venue_a.pk}/")
    assert f"/visits/venue/{world.venue_a.pk}/review/" in desk.content.decode()


def test_a_key_recorded_before_answers_with_its_use_even_when_its_time_would_now_be_held(world, device):
    """Only keys about to be held are looked up: a resent batch after a gap is not held twice over."""
    token, client = device
    now = timezone.now()
    first = _sync(client, world, "sent-twice", now - dt.timedelta(hours=3), world.card_a.number)
    assert first["status"] == "accepted" and first["created"]
    DeviceToken.objects.filter(pk=token.pk).update(last_used_at=now - dt.timedelta(hours=1))
    client.get("/api/door/keys/")  # back after a gap: the use's time is now before the last contact
    again = _sync(client, world, "sent-twice", now - dt.timedelta(hours=3), world.card_a.number)
    assert again["use"] == first["use"] and not again["created"] and again["status"] == "accepted"
    assert not HeldUse.objects.exists() and Use.objects.count() == 1


def test_a_held_use_the_admin_accepted_answers_a_resent_batch_with_its_use(world, device):
    _token, client = device
    old = dt.datetime(2001, 1, 1, 12, tzinfo=dt.UTC)
    assert _sync(client, world, "old", old, world.card_a.number)["status"] == "held"
    result = accept_held(HeldUse.objects.get(), world.users["venue_admin"])
    again = _sync(client, world, "old", old, world.card_a.number)
    assert again["use"] == result.use.pk and not again["created"] and Use.objects.count() == 1
