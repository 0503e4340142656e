"""Each reports page opened by its role in a phone-sized Chromium; axe-core finds nothing serious."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from kaiku.offers.tests.factories import OfferFactory
from kaiku.reports.demand import count_refused_registration
from kaiku.reports.population import upload_population
from kaiku.reports.tests.helpers import resident_card, use
from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURE = Path(__file__).parent.parent / "fixtures" / "statfin_11ra_2025.csv"


def test_it_opens_each_reports_page_accessibly_as_its_role(phone, world):
    upload_population(FIXTURE.read_bytes(), 2025, None)
    count_refused_registration("091")
    offer = OfferFactory(venue=world.venue_a, title_fi="Kesäteatterin pitkä ensi-ilta", ticket_value=Decimal("32.50"))
    for _ in range(6):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=dt.date(2025, 2, 1))
        use(card, world.venue_a, dt.date(2025, 3, 1), offer=offer, children=2)
    pages = [
        ("national_admin", "/reports/"),
        ("national_admin", "/reports/population/"),
        ("national_admin", "/reports/demand/"),
        ("coordinator", f"/reports/area/{world.area_a.pk}/population/?year=2025"),
        ("coordinator", f"/reports/area/{world.area_a.pk}/venues/?year=2025"),
        ("venue_admin", f"/reports/venue/{world.venue_a.pk}/year/?year=2025"),
        ("coordinator", "/reports/wellbeing/?year=2025"),
        ("national_admin", "/reports/wellbeing/?year=2025"),
    ]
    for role, url in pages:
        phone.context.clear_cookies()
        sign_in(phone, world.users[role])
        phone.goto(url)
        assert phone.locator("h1").first.is_visible(), url
        assert_accessible(phone)


def test_the_area_dashboards_per_1000_tiles_fit_a_phone(phone, world):
    upload_population(FIXTURE.read_bytes(), 2025, None)
    for _ in range(6):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=dt.date(2025, 2, 1))
        use(card, world.venue_a, dt.date(2025, 3, 1), children=2)
    sign_in(phone, world.users["coordinator"])
    phone.goto(f"/stats/area/{world.area_a.pk}/?start=2025-01-01&end=2025-12-31")
    # Finnish, the default: "Tavoitetut henkilöt / 1 000 asukasta (väkiluku 2025)" and its siblings.
    assert phone.get_by_text("Tavoitetut henkilöt / 1 000 asukasta (väkiluku 2025)").is_visible()
    assert_accessible(phone)
