"""The review list and the desk's answer on a 360 px phone, through axe-core."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.cards.tests.factories import CardFactory
from kaiku.testing.browser import assert_accessible, set_language, sign_in
from kaiku.testing.world import build_world
from kaiku.visits.models import Channel, HeldUse, Use
from kaiku.visits.services import UseRequest, hold_for_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_venue_admin_accepts_a_held_use_on_a_phone(phone, language):
    world = build_world()
    held = hold_for_review(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel=Channel.OFFLINE,
            idempotency_key="old",
            scanned_at=timezone.now() - dt.timedelta(days=20),
            accepted_offline=True,
        ),
        HeldUse.Why.OUTSIDE_WINDOW,
    )
    set_language(phone, language)
    sign_in(phone, world.users["venue_admin"])
    phone.goto(f"/visits/venue/{world.venue_a.pk}/review/")
    assert_accessible(phone)
    with phone.expect_navigation():
        phone.locator(".review-list form button").first.click()
    assert_accessible(phone)
    assert phone.locator(".review-list").count() == 0  # nothing left to review
    held.refresh_from_db()
    assert held.status == HeldUse.Status.ACCEPTED and Use.objects.filter(idempotency_key="old").exists()


def test_the_desk_names_where_to_renew_an_expired_card_on_a_phone(phone):
    world = build_world()
    card = CardFactory(
        site=world.distributor_a,
        municipality=world.muni_a,
        valid_until=timezone.localdate() - dt.timedelta(days=3),
    )
    set_language(phone, "fi")
    sign_in(phone, world.users["venue_staff"])
    phone.goto(f"/visits/venue/{world.venue_a.pk}/")
    phone.fill("input[name=number]", card.number)
    with phone.expect_navigation():
        phone.locator("form.check button[type=submit]").click()
    assert world.distributor_a.name in phone.locator(".verdict.no").inner_text()
    assert_accessible(phone)
