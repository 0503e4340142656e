"""Each dashboard opened by its role in a phone-sized Chromium; axe-core finds nothing serious."""

import pytest

from kaiku.stats.tests.helpers import add_uses
from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_opens_each_dashboard_accessibly_as_its_role(phone, world):
    add_uses(world)
    pages = [
        ("national_admin", "/stats/national/"),
        ("national_admin", "/stats/national/yearly/"),
        ("coordinator", f"/stats/area/{world.area_a.pk}/"),
        ("distributor", f"/stats/site/{world.distributor_a.pk}/"),
        ("venue_staff", f"/stats/venue/{world.venue_a.pk}/"),
    ]
    for role, url in pages:
        phone.context.clear_cookies()
        sign_in(phone, world.users[role])
        phone.goto(url)
        assert phone.locator("h1").first.is_visible()
        if "yearly" not in url:
            assert phone.locator("svg.chart").count() >= 3
            assert phone.locator("table.stats").count() >= 5
        assert_accessible(phone)
    phone.context.clear_cookies()
    phone.goto("/stats/open/")
    assert_accessible(phone)
