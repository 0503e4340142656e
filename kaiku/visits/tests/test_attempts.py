"""Every attempt is kept (issue 19 item 2) and the desk says where to renew (item 8)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from kaiku.cards.services import inactivate_card
from kaiku.cards.tests.factories import CardFactory
from kaiku.door import codes
from kaiku.door import services as door
from kaiku.visits.models import Channel, Reason, Use
from kaiku.visits.services import CHECK_WINDOW, UseRequest, check_and_keep, record_use

pytestmark = pytest.mark.django_db


def _desk_check(client, world, number):
    return client.post(f"/visits/venue/{world.venue_a.pk}/", {"step": "check", "number": number})


def _expired(world):
    return CardFactory(
        site=world.distributor_a,
        municipality=world.muni_a,
        issued_on=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=35),
    )


def test_a_refused_check_at_the_desk_is_kept_once(world):
    card = _expired(world)
    client = world.client_for("venue_staff")
    _desk_check(client, world, card.display_number)
    _desk_check(client, world, card.number)
    attempts = Use.objects.filter(card=card)
    assert attempts.count() == 1
    attempt = attempts.get()
    assert (attempt.outcome, attempt.reason, attempt.channel) == (Use.Outcome.REFUSED, Reason.EXPIRED, Channel.TYPED)
    assert attempt.recorded_by == world.users["venue_staff"]


def test_a_typo_at_the_desk_is_kept_with_what_was_typed(world):
    typo = world.card_a.number[:-1] + ("A" if world.card_a.number[-1] != "A" else "B")
    _desk_check(world.client_for("venue_staff"), world, typo)
    attempt = Use.objects.get(card__isnull=True)
    assert attempt.reason in (Reason.BAD_CHECK_CHARACTER, Reason.MALFORMED)
    assert attempt.typed_number


def test_a_valid_check_keeps_nothing(world):
    _desk_check(world.client_for("venue_staff"), world, world.card_a.number)
    assert not Use.objects.exists()


def test_a_check_then_a_record_of_the_same_card_is_one_attempt(world):
    card = _expired(world)
    check_and_keep(card.number, world.venue_a, channel=Channel.TYPED)
    result = record_use(UseRequest(venue=world.venue_a, number=card.number, channel=Channel.TYPED, idempotency_key="r"))
    assert not result.accepted and not result.created
    assert Use.objects.filter(card=card).count() == 1


def test_after_the_window_a_check_is_a_new_attempt(world):
    card = _expired(world)
    check_and_keep(card.number, world.venue_a, channel=Channel.TYPED)
    with time_machine.travel(timezone.now() + CHECK_WINDOW + dt.timedelta(minutes=1)):
        check_and_keep(card.number, world.venue_a, channel=Channel.TYPED)
    assert Use.objects.filter(card=card).count() == 2


def test_a_refused_check_at_the_door_is_kept_once_with_the_sync(world):
    card = _expired(world)
    _token, plain = door.create_device_token(world.venue_a, "Ovi", None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Device {plain}")
    url = f"/api/door/venues/{world.venue_a.pk}/"
    answer = api.post(url + "check/", {"text": codes.card_code(card)}, format="json").json()
    assert answer["reason"] == Reason.EXPIRED
    api.post(url + "check/", {"text": card.number}, format="json")
    synced = api.post(url + "uses/", {"uses": [{"key": "d1", "text": card.number}]}, format="json").json()
    assert synced["results"][0]["status"] == "refused"
    attempt = Use.objects.get(card=card)
    assert synced["results"][0]["use"] == attempt.pk
    assert attempt.recorded_via == "door device: Ovi"


def test_a_forged_code_checked_at_the_door_is_kept_as_an_attempt(world):
    client = world.client_for("venue_staff")
    client.post(
        f"/api/door/venues/{world.venue_a.pk}/check/",
        {"text": codes.card_code(world.card_a)[:-4] + "AAAA"},
        content_type="application/json",
    )
    attempt = Use.objects.get()
    assert attempt.outcome == Use.Outcome.REFUSED and attempt.card is None and attempt.reason


def test_the_desk_shows_valid_until(world):
    response = _desk_check(world.client_for("venue_staff"), world, world.card_a.number)
    assert world.card_a.valid_until.strftime("%-d.%-m.%Y") in response.content.decode()


@pytest.mark.parametrize("how", ["expired", "inactivated"])
def test_an_expired_or_inactivated_card_names_where_to_renew(world, how):
    card = _expired(world) if how == "expired" else world.card_a
    if how == "inactivated":
        inactivate_card(card, "lost", None)
    response = _desk_check(world.client_for("venue_staff"), world, card.number)
    assert response.context["check"].renew_at == world.distributor_a.name
    assert world.distributor_a.name in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_door_check_names_where_to_renew(world):
    card = _expired(world)
    answer = world.client_for("venue_staff").post(
        f"/api/door/venues/{world.venue_a.pk}/check/", {"text": card.number}, content_type="application/json"
    )
    assert answer.json()["renew_at"] == world.distributor_a.name
    valid = world.client_for("venue_staff").post(
        f"/api/door/venues/{world.venue_a.pk}/check/", {"text": world.card_a.number}, content_type="application/json"
    )
    assert valid.json()["renew_at"] == ""
