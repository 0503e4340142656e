"""The notices, the erasure pages and the read log on a 360 px phone, through axe-core."""

import pytest

from kaiku.testing.browser import assert_accessible, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_public_notices_are_accessible_on_a_phone(phone, world, language):
    set_language(phone, language)
    for path in ("/privacy/", "/privacy/accessibility/", "/privacy/my-card/erased/"):
        phone.goto(path)
        assert_accessible(phone)


def test_the_distributor_erases_a_card_on_a_phone(phone, world):
    sign_in(phone, world.users["distributor"])
    phone.goto(f"/cards/{world.card_a.pk}/")
    phone.get_by_role("link", name="Poista haltijan henkilötiedot").click()
    assert_accessible(phone)
    phone.get_by_label("Haltija pyysi tietojensa poistamista", exact=False).check()
    phone.get_by_role("button", name="Poista nyt").click()
    phone.wait_for_url(f"**/cards/{world.card_a.pk}/")
    assert "henkilötiedot poistettiin" in phone.content()
    world.card_a.refresh_from_db()
    assert world.card_a.details_reduced_on is not None


def test_the_read_log_is_accessible_on_a_phone(phone, world):
    sign_in(phone, world.users["national_admin"])
    phone.goto("/stats/national/yearly/")
    phone.goto("/privacy/reads/")
    assert_accessible(phone)
