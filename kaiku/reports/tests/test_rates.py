"""Per-1,000 key figures for the dashboards, the area report's comparison and its count of municipalities."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import override

from kaiku.reports.models import Population
from kaiku.reports.population import upload_population
from kaiku.reports.rates import figures_per_thousand
from kaiku.reports.tests.helpers import registered, resident_card, use
from kaiku.stats import intake
from kaiku.stats.report import report_context
from kaiku.stats.scope import Filters, StatsScope

D = dt.date(2026, 3, 1)
PERIOD = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 15))
POPULATION = "Alue;Väkiluku;16 vuotta täyttäneet\nTampere;2000;1600\nKuopio;1000;800\nVantaa;1000;800\n".encode()


def _residents(world, muni, n, *, site=None):
    for _ in range(n):
        card = resident_card(site=site or world.distributor_a, municipality=muni, registered_on=D)
        use(card, world.venue_a, D, children=1)


def _figures(scope, filters=PERIOD):
    with override("en"):
        return dict(figures_per_thousand(scope, filters))


def test_an_areas_dashboard_gets_cards_and_uses_per_1000_residents(world):
    upload_population(POPULATION, 2025, None)  # the latest year up to the period's end is used
    _residents(world, world.muni_a, 6)
    registered(world.card_a)
    voided = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=D.replace(year=2024))
    use(voided, world.venue_a, D, voided=True)
    figures = _figures(StatsScope("area", area=world.area_a, threshold=5))
    assert figures == {
        "People reached per 1,000 residents (population 2025)": "3.0",  # 6 cards / 2,000
        "Uses per 1,000 residents (population 2025)": "6.0",  # 6 holders + 6 children
        # The six and the world's own card, registered this year: 7 / 1,600.
        "New cards per 1,000 residents aged 16 or over (population 2025)": "4.4",
    }
    with override("fi"):
        assert "3,0" in dict(figures_per_thousand(StatsScope("area", area=world.area_a, threshold=5), PERIOD)).values()


def test_the_national_dashboard_and_its_municipality_filter(world):
    upload_population(POPULATION, 2026, None)
    _residents(world, world.muni_a, 6)
    _residents(world, world.muni_b, 2, site=world.distributor_b)
    national = StatsScope("national", threshold=None)
    # The network's three municipalities: 4,000 residents; nothing is suppressed in the national view.
    assert _figures(national)["People reached per 1,000 residents (population 2026)"] == "2.0"
    kuopio = Filters(start=PERIOD.start, end=PERIOD.end, municipality=world.muni_b)
    assert _figures(national, kuopio)["Uses per 1,000 residents (population 2026)"] == "4.0"
    # Area B's coordinator: two cards are a small count, and the rate would give it away.
    assert set(_figures(StatsScope("area", area=world.area_b, threshold=5)).values()) == {"<5"}


def test_the_national_dashboard_takes_its_counts_from_the_dashboards_figures(world):
    upload_population(POPULATION, 2026, None)
    national = StatsScope("national", threshold=None)
    with override("en"):
        figures = dict(figures_per_thousand(national, PERIOD, {"cards_used": 8, "uses": 20, "adults": 12}))
    # 4,000 residents in the network; the register is not read (it holds no use here).
    assert figures == {
        "People reached per 1,000 residents (population 2026)": "2.0",
        "Uses per 1,000 residents (population 2026)": "5.0",
    }
    # Filtered to a municipality, the register is read by the holder's home municipality.
    _residents(world, world.muni_b, 2, site=world.distributor_b)
    kuopio = Filters(start=PERIOD.start, end=PERIOD.end, municipality=world.muni_b)
    with override("en"):
        filtered = dict(figures_per_thousand(national, kuopio, {"cards_used": 8, "uses": 20}))
    assert filtered["People reached per 1,000 residents (population 2026)"] == "2.0"  # 2 / 1,000


def test_no_per_1000_figures_without_a_population_or_for_a_site_or_a_filtered_part(world):
    _residents(world, world.muni_a, 6)
    area = StatsScope("area", area=world.area_a, threshold=5)
    assert _figures(area) == {}  # no population uploaded
    Population.objects.create(municipality_code="837", year=2027, total=2000)
    assert _figures(area) == {}  # only a later year than the period
    upload_population("Alue;Väkiluku\nKuopio;2000\n".encode(), 2026, None)
    assert _figures(area) == {}  # not the area's municipality
    upload_population(POPULATION, 2025, None)
    assert len(_figures(area)) == 3
    sector = Filters(start=PERIOD.start, end=PERIOD.end, sector="culture")
    assert _figures(area, sector) == {}
    assert _figures(StatsScope("venue", area=world.area_a, site=world.venue_a)) == {}
    assert _figures(StatsScope("site", area=world.area_a, site=world.distributor_a)) == {}


def test_the_area_report_counts_municipalities_and_compares_them(world):
    upload_population(POPULATION, 2026, None)
    _residents(world, world.muni_a, 6)
    registered(world.card_a)
    intake.rebuild()  # the yearly table reads the statistics' facts
    with override("en"):
        context = report_context(StatsScope("area", area=world.area_a, threshold=5), 2026)
    # One municipality is a count of municipalities, not of people: never shown as "<5".
    assert [(r.year, r.municipalities) for r in context["yearly"]] == [(2026, "1")]
    [row] = context["comparison"].rows
    assert (row.label, [c.text for c in row.counts]) == ("Tampere", ["7", "6", "12"])
    assert row.rates == ["4.4", "3.0", "6.0", "\u2013"]


def test_an_areas_dashboard_and_the_national_one_filtered_to_an_area_show_the_per_1000_tiles(world):
    upload_population(POPULATION, 2026, None)
    _residents(world, world.muni_a, 6)
    area_url = reverse("stats:area", args=[world.area_a.pk])
    with override("en"):
        html = world.client_for("coordinator").get(area_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        national = world.client_for("national_admin").get(
            reverse("stats:national"), {"area": world.area_a.pk}, HTTP_ACCEPT_LANGUAGE="en"
        )
    # Tampere's 2,000 residents: 6 cards used (3.0), 12 people admitted (6.0), 6 new cards of 1,600 aged 16+ (3.8).
    assert "People reached per 1,000 residents (population 2026)" in html
    assert all(value in html for value in ("3.0", "6.0", "3.8"))
    assert "Uses per 1,000 residents (population 2026)" in national.content.decode()
    # Another tenant's area stays 404.
    assert world.client_for("coordinator").get(reverse("stats:area", args=[world.area_b.pk])).status_code == 404
