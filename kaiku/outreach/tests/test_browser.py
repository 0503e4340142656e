"""A worker's tip, printed and into the portal, and the outreach pages on a 360 px phone."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from kaiku.cards.tests.factories import CardFactory
from kaiku.door.tests.poppler import pdf_text
from kaiku.outreach.models import WorkerTip
from kaiku.outreach.tests.conftest import date_of, offer_at
from kaiku.portal.holder import COOKIE
from kaiku.portal.models import HolderDevice
from kaiku.portal.services import _new_device, give_feedback
from kaiku.testing.browser import assert_accessible, sign_in
from kaiku.visits.services import UseRequest, record_use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _base(page) -> str:
    return page.context._impl_obj._options.get("baseURL") or ""


def _give_tip(phone, world, occ, delivery: str) -> None:
    sign_in(phone, world.users["distributor"])
    phone.goto(f"/cards/{world.card_a.pk}/")
    phone.locator(f"a[href='/outreach/cards/{world.card_a.pk}/tip/']").click()
    phone.wait_for_selector("#id_what")
    assert_accessible(phone)
    phone.select_option("#id_what", f"d{occ.pk}")
    phone.locator(f"input[name=delivery][value={delivery}]").check()
    phone.locator("main button[type=submit]").click()


def test_a_worker_prints_a_tip_slip_for_a_client(world, phone):
    occ = date_of(offer_at(world.venue_a, "Kevätkonsertti"), days=4, place="Pieni sali")
    _give_tip(phone, world, occ, "print")
    phone.wait_for_url("**/outreach/tips/*/")
    assert_accessible(phone)
    tip = WorkerTip.objects.get()
    with phone.expect_download() as info:
        phone.locator(f"a[href='/outreach/tips/{tip.pk}/slip.pdf']").click()
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert "Kevätkonsertti" in text and "Pieni sali" in text
    assert world.card_a.number[-4:] in text and world.card_a.number not in text
    assert tip.delivery == WorkerTip.Delivery.PRINT and tip.occurrence == occ


def test_a_worker_puts_a_tip_into_the_holders_portal(world, phone):
    _device, token = _new_device(world.card_a, HolderDevice.Method.CODE)
    occ = date_of(offer_at(world.venue_a, "Jazzilta"), days=6)
    _give_tip(phone, world, occ, "portal")
    phone.wait_for_url(f"**/cards/{world.card_a.pk}/")
    assert WorkerTip.objects.get().delivery == WorkerTip.Delivery.PORTAL
    # The holder opens the portal on their own phone.
    phone.context.clear_cookies()
    phone.context.add_cookies([{"name": COOKIE, "value": token, "url": _base(phone)}])
    phone.goto("/portal/")
    tips = phone.locator(".worker-tips")
    assert "Jazzilta" in tips.inner_text() and world.distributor_a.name in tips.inner_text()
    assert_accessible(phone)


def test_the_outreach_pages_fit_a_phone_and_pass_axe(world, phone):
    today = timezone.localdate()
    CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=9))
    for i in range(3):
        card = CardFactory(site=world.distributor_a, municipality=world.muni_a)
        use = record_use(
            UseRequest(venue=world.venue_a, number=card.number, channel="typed", idempotency_key=f"b{i}")
        ).use
        give_feedback(use, score=5, went_with_someone=False, text=f"Piilossa {i}")
    sign_in(phone, world.users["distributor"])
    for path in (f"/outreach/sites/{world.distributor_a.pk}/", f"/outreach/sites/{world.distributor_a.pk}/renewals/"):
        assert phone.goto(path).status == 200
        assert_accessible(phone)
    sign_in(phone, world.users["venue_admin"])
    assert phone.goto(f"/outreach/venues/{world.venue_a.pk}/feedback/").status == 200
    # Three answers: the comments are withheld.
    assert "Piilossa" not in phone.content()
    assert_accessible(phone)
    sign_in(phone, world.users["coordinator"])
    for path in (f"/outreach/areas/{world.area_a.pk}/feedback/", f"/outreach/areas/{world.area_a.pk}/tips/"):
        assert phone.goto(path).status == 200
        assert "Piilossa" not in phone.content()
        assert_accessible(phone)


def test_a_holder_keeps_their_comment_from_the_venue(world, phone):
    use = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel="scan", idempotency_key="flag-1")
    ).use
    _device, token = _new_device(world.card_a, HolderDevice.Method.CODE)
    phone.context.add_cookies([{"name": COOKIE, "value": token, "url": _base(phone)}])
    phone.goto(f"/portal/uses/{use.pk}/feedback/")
    phone.locator("label[for=id_score_4]").click()
    phone.fill("#id_text", "Vain tilastoihin")
    phone.locator("label[for=id_not_for_venue]").click()
    assert_accessible(phone)
    phone.locator("main button[type=submit]:not([name=skip])").click()
    phone.wait_for_selector("h1")
    feedback = use.feedback
    feedback.refresh_from_db()
    assert (feedback.score, feedback.text, feedback.not_for_venue) == (5, "Vain tilastoihin", True)
