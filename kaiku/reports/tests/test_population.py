"""Population figures from Statistics Finland's CSV, and cards and uses per 1,000 residents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaiku.audit.models import AuditEntry
from kaiku.reports import rates
from kaiku.reports.models import Population
from kaiku.reports.population import PopulationError, parse, upload_population
from kaiku.reports.tests.helpers import resident_card, use

FIXTURE = Path(__file__).parent.parent / "fixtures" / "statfin_11ra_2025.csv"
D = dt.date(2025, 3, 1)


def _upload(client, data: bytes, year: int = 2025):
    return client.post(
        reverse("reports:population"),
        {"year": str(year), "file": SimpleUploadedFile("11ra.csv", data, content_type="text/csv")},
    )


def test_it_reads_the_statfin_11ra_export_as_it_comes():
    parsed = parse(FIXTURE.read_bytes(), 2025)
    assert parsed.errors == []
    # The whole country and the region are skipped; names resolve to official codes.
    assert parsed.figures == {
        "297": {"total": 126000},
        "837": {"total": 260000},
        "092": {"total": 250000},
    }


def test_per_thousand_figures_from_an_uploaded_csv(world):
    response = _upload(world.client_for("national_admin"), FIXTURE.read_bytes())
    assert response.status_code == 302
    assert Population.objects.filter(year=2025).count() == 3
    assert AuditEntry.objects.get(action="reports.population_uploaded").changes["municipalities"] == 3
    # Tampere (area A): 13 new cards in 2025, 12 of them used; 26 admissions.
    cards = [resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=D) for _ in range(13)]
    for card in cards[:12]:
        use(card, world.venue_a, D, children=1)
        use(card, world.venue_b, D.replace(year=2024))  # another year: not counted
    resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=D.replace(year=2024))
    use(cards[0], world.venue_a, D, voided=True)  # voided: not counted
    use(cards[0], world.venue_a, D, accepted=False)  # refused: not counted
    [tampere] = rates.per_thousand(2025, [world.muni_a.code])
    assert (tampere.new_cards, tampere.people_reached, tampere.uses, tampere.population) == (13, 12, 24, 260000)
    assert tampere.people_reached_per_1000 == Decimal("0.0")  # 12 / 260,000 * 1,000 rounds to 0.0
    assert tampere.uses_per_1000 == Decimal("0.1")
    assert tampere.new_cards_per_1000_aged_16_plus is None  # 11ra has no column for people aged 16+


def test_rates_divide_by_16_plus_and_people_at_risk_of_poverty(world):
    data = (
        "Alue;Väkiluku 2025;16 vuotta täyttäneet 2025;Pienituloiset henkilöt 2025;Pienituloisuusaste 2025, %\n"
        "KU837 Tampere;2000;1600;400;12,0\n"
    ).encode()
    upload_population(data, 2025, None)
    for _ in range(8):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=D)
        use(card, world.venue_a, D)
    [m] = rates.per_thousand(2025, ["837"])
    assert (m.aged_16_plus, m.at_risk_of_poverty) == (1600, 400)
    assert m.new_cards_per_1000_aged_16_plus == Decimal("5.0")
    assert m.people_reached_per_1000 == Decimal("4.0")
    assert m.new_cards_per_1000_at_risk == Decimal("20.0")


@pytest.mark.parametrize(
    "text, encoding",
    [
        ('"Alue","Väkiluku 2025"\n"KU837 Tampere",2000\n"SSS KOKO MAA",5650000\n', "utf-8"),
        ("Area code\tArea\tPopulation 2025\n837\tTampere\t2 000\n", "utf-8"),
        ('"Område";"2025 Folkmängd"\n"Tammerfors";2000\n', "cp1252"),
        ('\ufeff"Alue";"Väkiluku"\n"837 Tampere";2000\n', "utf-8"),
    ],
)
def test_it_reads_other_pxweb_layouts(text, encoding):
    assert parse(text.encode(encoding), 2025).figures == {"837": {"total": 2000}}


@pytest.mark.django_db
def test_a_year_in_a_heading_is_not_an_age():
    data = "Alue;2016 Väkiluku;2016 16 vuotta täyttäneet\nTampere;2000;1700\n".encode()
    assert parse(data, 2016).figures == {"837": {"total": 2000, "aged_16_plus": 1700}}


def test_errors_are_reported_by_row_and_nothing_is_written(world):
    upload_population(b"Alue;Vakiluku\nTampere;100\n".replace(b"Vakiluku", "Väkiluku".encode()), 2025, None)
    data = (
        "Alue;Väkiluku 2025;16 vuotta täyttäneet 2025\n"
        "Tampere;2000;1600\n"
        "Atlantis;100;50\n"
        "Kuopio;lots;5\n"
        "Vantaa;1000;2000\n"
        "Tampere;2000;1600\n"
        "Espoo;..;5\n"
    ).encode()
    with pytest.raises(PopulationError) as caught:
        upload_population(data, 2025, None)
    assert caught.value.code == "invalid_rows"
    assert [(e.row, e.code) for e in caught.value.errors] == [
        (3, "unknown_municipality"),
        (4, "not_a_number"),
        (5, "more_than_population"),
        (6, "duplicate"),
        (7, "population_missing"),
    ]
    # The year's earlier figures are untouched.
    assert list(Population.objects.values_list("municipality_code", "total")) == [("837", 100)]
    response = _upload(world.client_for("national_admin"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Atlantis" in body and Population.objects.count() == 1


@pytest.mark.parametrize(
    "data, year, code",
    [
        ("Alue;Väkiluku 2024\nTampere;100\n".encode(), 2025, "year_not_in_file"),
        (b"Alue;Something\nTampere;100\n", 2025, "no_header"),
        ("Alue;Väkiluku\nKOKO MAA;100\n".encode(), 2025, "no_rows"),
        ("Alue;Väkiluku\nTampere;100\n".encode(), 2030, "bad_year"),
        (b"x" * (2 * 1024 * 1024 + 1), 2025, "too_large"),
        (b"\x81\x8d\x00\xff" * 100, 2025, "encoding"),
        ('Alue;Väkiluku\n"'.encode() + b"x" * 200_000 + b'";1\n', 2025, "no_header"),
        (b"Alue;V\xe4kiluku\nTampere;1\x00\n", 2025, "invalid_rows"),  # Windows-1252; a NUL is no digit
    ],
)
@pytest.mark.django_db
def test_a_bad_file_is_refused_with_its_code(data, year, code):
    with pytest.raises(PopulationError) as caught:
        upload_population(data, year, None)
    assert caught.value.code == code
    assert not Population.objects.exists()


@pytest.mark.django_db
def test_a_new_upload_replaces_the_years_figures():
    upload_population("Alue;Väkiluku\nTampere;100\nKuopio;50\n".encode(), 2025, None)
    upload_population("Alue;Väkiluku\nTampere;120\n".encode(), 2025, None)
    upload_population("Alue;Väkiluku\nTampere;90\n".encode(), 2024, None)
    assert sorted(Population.objects.values_list("year", "municipality_code", "total")) == [
        (2024, "837", 90),
        (2025, "837", 120),
    ]


def test_the_area_page_compares_member_municipalities_with_small_counts_suppressed(world):
    upload_population(FIXTURE.read_bytes(), 2025, None)
    for _ in range(3):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=D)
        use(card, world.venue_a, D)
    response = world.client_for("coordinator").get(
        reverse("reports:area_population", args=[world.area_a.pk]), {"year": "2025"}
    )
    assert response.status_code == 200
    [row] = response.context["comparison"].rows
    assert row.label == "Tampere"
    assert [c.text for c in row.counts] == ["<5", "<5", "<5"]
    assert row.rates == ["\u2013"] * 4  # a rate would give the small count away
    body = response.content.decode()
    assert "Tampere" in body and "<5" not in body  # escaped in HTML
    assert "&lt;5" in body
