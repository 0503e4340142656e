"""The wellbeing-report pack: figures, yes/no facts, suppression, the PDF in each language and the XLSX."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import override
from openpyxl import load_workbook

from kaiku.door.tests.poppler import pdf_text
from kaiku.network.models import Municipality
from kaiku.reports.population import upload_population
from kaiku.reports.tests.helpers import registered, resident_card, use
from kaiku.reports.wellbeing import pack
from kaiku.stats import intake

LAST, THIS = dt.date(2025, 4, 1), dt.date(2026, 3, 1)


def _data(world):
    """Tampere's residents: 4 cards used in 2025, 10 in 2026 (with children), one Kuopio card at Tampere's venue."""
    upload_population("Alue;Väkiluku\nTampere;2000\nKuopio;1000\n".encode(), 2025, None)
    upload_population("Alue;Väkiluku\nTampere;2500\nKuopio;1000\n".encode(), 2026, None)
    for _ in range(4):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=LAST)
        use(card, world.venue_a, LAST)
    for _ in range(10):
        card = resident_card(site=world.distributor_a, municipality=world.muni_a, registered_on=THIS)
        use(card, world.venue_a, THIS, children=2)
        use(card, world.venue_b, THIS, sector="sports")  # used elsewhere: still a resident's use
    use(world.card_b, world.venue_a, THIS)  # a Kuopio holder at Tampere's venue: not a Tampere resident
    use(resident_card(site=world.distributor_a, municipality=world.muni_a), world.venue_a, THIS, voided=True)
    registered(world.card_a)
    intake.rebuild()  # the uses at the municipality's venues come from the statistics' facts


def _rows(p):
    return {r.label: (r.previous.text, r.current.text, r.change.text) for r in p.rows}


def test_the_pack_has_the_years_figures_the_change_and_the_facts(world):
    _data(world)
    with override("en"):
        p = pack(world.muni_a, 2026, None)  # the national admin's own download: exact counts
    rows = _rows(p)
    assert rows["Cards registered"] == ("4", "12", "+200.0\u00a0%")  # 10, the world's card and the voided one's
    assert rows["People reached"] == ("4", "10", "+150.0\u00a0%")
    assert rows["People reached per 1,000 residents"] == ("2.0", "4.0", "+100.0\u00a0%")  # 4/2,000 and 10/2,500
    assert rows["All uses"] == ("4", "40", "+900.0\u00a0%")  # 10 x (holder + 2 children) + 10 at the sports venue
    assert rows["Uses per 1,000 residents"] == ("2.0", "16.0", "+700.0\u00a0%")
    assert rows["Adult uses: Culture"] == ("4", "10", "+150.0\u00a0%")
    assert rows["Adult uses: Sports"] == ("0", "10", "\u2013")  # no change from nothing
    assert rows["Child uses: Culture"] == ("0", "20", "\u2013")
    assert rows["Children reached"] == ("0", "20", "\u2013")
    # At Tampere's venues by any holder: the ten culture visits with children and the Kuopio card.
    assert rows["Uses at the municipality's venues"] == ("4", "31", "+675.0\u00a0%")
    facts = {f.label: f.yes for f in p.facts}
    assert facts == {
        "The municipality is in the Kaikukortti network": True,
        "The municipality has Kaikukortti distributor sites": True,
        "The municipality has Kaikukortti venues": True,
        "Residents used Kaikukortti this year": True,
    }
    # Kuopio's residents used no card in 2024; a municipality outside any area is not in the network.
    outside = Municipality.objects.create(code="091", name_fi="Helsinki")
    with override("en"):
        facts = {f.label: f.yes for f in pack(outside, 2026, None).facts}
    assert not any(facts.values())


def test_small_counts_are_suppressed_for_a_coordinator(world):
    _data(world)
    with override("en"):
        rows = _rows(pack(world.muni_a, 2026, 5))
    assert rows["People reached"] == ("<5", "10", "\u2013")  # no change from a hidden count
    assert rows["People reached per 1,000 residents"] == ("<5", "4.0", "\u2013")  # nor a rate
    # A small sector cell is hidden, and so is another so that it cannot be worked out from the totals.
    previous = [rows[f"Adult uses: {s}"][0] for s in ("Culture", "Education", "Science", "Sports")]
    assert previous == ["<5", "0", "0", "0"]
    assert rows["All uses"][0] == "<5"
    numbers = [t for r in rows.values() for t in r[:2] if t.isdigit()]
    assert not [n for n in numbers if 0 < int(n) < 5]


EXPECTED = {
    "en": ["Kaikukortti in Tampere 2026", "Definitions", "People reached: residents' cards used at least once"],
    "fi": ["Kaikukortti: Tampere 2026", "Määritelmät", "Tavoitetut henkilöt: asukkaiden kortit"],
    "sv": ["Kaikukortti i Tammerfors 2026", "Definitioner", "Nådda personer: invånarnas kort"],
}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_pdf_renders_on_one_page_in_each_language_with_its_definitions(world, lang):
    _data(world)
    response = world.client_for("coordinator").get(
        reverse("reports:wellbeing_pdf", args=[world.muni_a.pk]), {"year": "2026", "lang": lang}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert text.count("\f") == 1, "one page"
    flat = " ".join(text.split())
    for expected in EXPECTED[lang]:
        assert expected in flat, (lang, expected)
    assert "&lt;5" not in flat and "<5" in flat  # suppressed for a coordinator


def test_the_xlsx_holds_numbers_as_numbers(world):
    _data(world)
    response = world.client_for("national_admin").get(
        reverse("reports:wellbeing_xlsx", args=[world.muni_a.pk]), {"year": "2026", "lang": "en"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="kaikukortti-837-2026-en.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    figures, facts = book.worksheets
    rows = {r[0]: r[1:] for r in figures.iter_rows(values_only=True) if r and r[0]}
    assert rows["Figure"] == (2025, 2026, "Change (%)")
    assert rows["People reached"] == (4, 10, 150)
    assert rows["People reached per 1,000 residents"] == (2, 4, 100)
    assert isinstance(rows["Uses per 1,000 residents"][1], float | int | Decimal)
    assert rows["Adult uses: Sports"] == (0, 10, "\u2013")
    notes = [r[0] for r in figures.iter_rows(values_only=True) if r and r[0] and r[1] is None]
    assert any(str(n).startswith("People reached: residents' cards") for n in notes)
    assert any("Population: Statistics Finland, 2025, 2026." == n for n in notes)
    answers = {r[0]: r[1] for r in facts.iter_rows(min_row=2, values_only=True)}
    assert answers["The municipality has Kaikukortti venues"] == "Yes"


def test_the_index_lists_the_municipalities_the_user_may_download(world):
    response = world.client_for("coordinator").get(reverse("reports:wellbeing"), {"year": "2025"})
    assert response.status_code == 200
    assert [m.code for m in response.context["municipalities"]] == [world.muni_a.code]
    link = reverse("reports:wellbeing_pdf", args=[world.muni_a.pk]) + "?year=2025&amp;lang=sv"
    assert link in response.content.decode()
    national = world.client_for("national_admin").get(reverse("reports:wellbeing"))
    assert len(national.context["municipalities"]) == 3


@pytest.mark.parametrize("query", [{"lang": "de"}, {"year": "x"}, {"year": "1999"}, {"year": "2027"}])
def test_a_bad_language_or_year_is_not_found(world, query):
    url = reverse("reports:wellbeing_xlsx", args=[world.muni_a.pk])
    assert world.client_for("coordinator").get(url, query).status_code == 404


# One municipality's pack: two years of residents' figures (each read of the statistics
# probes the changes waiting to be folded first), population, facts, and the statistics'
# dashboard query for the uses at its venues; the same whatever the data.
BUDGET_PACK = 49


def test_the_pack_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    _data(world)
    client = world.client_for("coordinator")
    url = reverse("reports:wellbeing_xlsx", args=[world.muni_a.pk])
    client.get(url, {"year": "2026"})  # sessions, settings and caches warmed
    with django_assert_max_num_queries(BUDGET_PACK):
        assert client.get(url, {"year": "2026"}).status_code == 200
