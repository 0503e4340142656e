import datetime as dt

import pytest

from kaiku.offers.tests.factories import OfferFactory
from kaiku.reports.demand import count_refused_registration
from kaiku.reports.population import upload_population
from kaiku.reports.tests.helpers import use
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES

A, N, F = 302, 404, 403  # anonymous signs in; out of scope is not found; a page the role never uses is forbidden
SIGNED_IN = {**dict.fromkeys(ROLES, 200), "anonymous": A}
NATIONAL_PAGE = {**dict.fromkeys(ROLES, F), "anonymous": A, "national_admin": 200}
NATIONAL = {**dict.fromkeys(ROLES, N), "anonymous": A, "national_admin": 200}
AREA = {**NATIONAL, "coordinator": 200}
VENUE = {**AREA, "venue_staff": 200, "venue_admin": 200}
# The wellbeing-report pack: the national admin (every municipality) and the area's coordinators.
WELLBEING_PAGE = {**NATIONAL_PAGE, "coordinator": 200}


def _data(world):
    """Uses at both venues in this year, population figures and demand to show."""
    upload_population("Alue;Väkiluku\nTampere;1000\nKuopio;900\n".encode(), 2025, None)
    count_refused_registration("091")
    for venue, card in ((world.venue_a, world.card_a), (world.venue_b, world.card_b)):
        offer = OfferFactory(venue=venue, ticket_value=10)
        use(card, venue, dt.date(2026, 6, 1), offer=offer, children=1)


MATRIX = [
    Row("reports:index", "GET", SIGNED_IN),
    Row("reports:population", "GET", NATIONAL_PAGE, setup=_data),
    # An empty upload re-renders the form with its errors.
    Row("reports:population", "POST", {**NATIONAL_PAGE, "national_admin": 400}),
    Row("reports:demand", "GET", NATIONAL_PAGE, setup=_data),
    Row("reports:area_population", "GET", AREA, {"area_id": "area_a"}, setup=_data),
    Row("reports:area_population", "GET", NATIONAL, {"area_id": "area_b"}),
    Row("reports:area_venues", "GET", AREA, {"area_id": "area_a"}, setup=_data),
    Row("reports:area_venues", "GET", NATIONAL, {"area_id": "area_b"}),
    Row("reports:venue_year", "GET", VENUE, {"venue_id": "venue_a"}, setup=_data),
    Row("reports:venue_year", "GET", NATIONAL, {"venue_id": "venue_b"}, setup=_data),
    # A distributor site has no venue's year, whoever asks.
    Row("reports:venue_year", "GET", {**NATIONAL, "national_admin": N}, {"venue_id": "distributor_a"}),
    Row("reports:venue_certificate", "GET", VENUE, {"venue_id": "venue_a"}, setup=_data),
    Row("reports:venue_certificate", "GET", NATIONAL, {"venue_id": "venue_b"}),
    Row("reports:wellbeing", "GET", WELLBEING_PAGE),
    Row("reports:wellbeing_pdf", "GET", AREA, {"municipality_id": "muni_a"}, setup=_data),
    Row("reports:wellbeing_pdf", "GET", NATIONAL, {"municipality_id": "muni_b"}),
    Row("reports:wellbeing_xlsx", "GET", AREA, {"municipality_id": "muni_a"}, setup=_data),
    Row("reports:wellbeing_xlsx", "GET", NATIONAL, {"municipality_id": "muni_b"}),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
