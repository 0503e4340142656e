"""The national admin declares a legacy number format on a phone (axe-core, 360 px)."""

import pytest
from django.urls import reverse

from kaiku.cards.models import LegacyFormat
from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_national_admin_declares_a_format_on_a_phone(phone, world):
    page = phone
    sign_in(page, world.users["national_admin"])
    page.goto("/cards/legacy-formats/")
    assert_accessible(page)
    page.fill("#id_name", "Vanha kirjainsarja")
    page.fill("#id_pattern", "(A+)+B")
    page.fill("#id_example", "AAB")
    page.click("main button[type=submit]")
    page.wait_for_selector(".has-error")
    assert not LegacyFormat.objects.exists()
    assert_accessible(page)
    page.fill("#id_pattern", "[A-Z]{2}[0-9]{6}")
    page.fill("#id_example", "KA-004711")
    page.click("main button[type=submit]")
    page.wait_for_selector("td code")
    assert LegacyFormat.objects.get().pattern == "[A-Z]{2}[0-9]{6}"
    assert_accessible(page)


def test_the_desks_typing_check_takes_declared_legacy_numbers(phone, world):
    from kaiku.cards.tests.factories import declare_legacy_formats

    declare_legacy_formats()
    page = phone
    sign_in(page, world.users["venue_staff"])
    page.goto(reverse("visits:venue", args=[world.venue_a.pk]))
    field = page.locator("input[data-card-number]")
    live = page.locator(f"#{field.get_attribute('id')}_live")
    field.press_sequentially("ka 0047")  # half a legacy number: not an error yet
    assert live.inner_text() == "" and field.get_attribute("aria-invalid") is None
    field.press_sequentially("11")
    field.blur()
    assert live.inner_text() == "" and field.get_attribute("aria-invalid") is None
    field.fill("x")
    field.blur()
    assert "X" in live.inner_text() and field.get_attribute("aria-invalid") == "true"
    assert_accessible(page)
