"""The national admin declares a legacy number format on a phone (axe-core, 360 px)."""

import pytest

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
