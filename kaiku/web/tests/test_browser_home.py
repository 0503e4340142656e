import pytest

from kaiku.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_front_page_accessibly_on_a_phone(phone):
    phone.goto("/")
    assert phone.locator("h1").first.is_visible()
    assert_accessible(phone)
