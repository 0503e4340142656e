"""The venue's yearly certificate renders in each language, with its definitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kaiku.cards.tests.factories import CardFactory
from kaiku.door.tests.poppler import pdf_text
from kaiku.offers.tests.factories import OfferFactory
from kaiku.reports.tests.helpers import use

EXPECTED = {
    "en": ["Tampereen Teatteri and Kaikukortti in 2025", "New visitors", "Definitions", "Value of the tickets given",
           "New visitors: cards used at this venue for the first time ever"],
    "fi": ["Tampereen Teatteri ja Kaikukortti vuonna 2025", "Uudet kävijät", "Määritelmät", "Annettujen lippujen arvo",
           "Uudet kävijät: kortit, joilla käytiin tässä kohteessa vuoden aikana"],
    "sv": ["Tampereen Teatteri och Kaikukortti år 2025", "Nya besökare", "Definitioner", "Värdet av biljetterna",
           "Nya besökare: kort som användes hos den här kulturaktören för första gången"],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_certificate_renders_in_each_language(world, lang):
    offer = OfferFactory(venue=world.venue_a, title_fi="Näytelmä", title_sv="Pjäs", title_en="Play",
                         ticket_value=Decimal("20"))  # fmt: skip
    for _ in range(6):
        use(CardFactory(site=world.distributor_a, municipality=world.muni_a), world.venue_a, dt.date(2025, 3, 3),
            offer=offer, children=1)  # fmt: skip
    response = world.client_for("venue_admin").get(
        reverse("reports:venue_certificate", args=[world.venue_a.pk]), {"year": "2025", "lang": lang}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = " ".join(pdf_text(response.content).split())
    for expected in EXPECTED[lang]:
        assert expected in text, (lang, expected)
    assert {"fi": "Näytelmä", "sv": "Pjäs", "en": "Play"}[lang] in text
    assert {"fi": "240,00 €", "sv": "240,00 €", "en": "240.00 €"}[lang] in text  # 12 admissions at 20 €
    assert pdf_text(response.content).count("\f") == 1, "one page"


@pytest.mark.parametrize("query", [{"lang": "de"}, {"year": "x"}, {"year": "1999"}, {"year": "2030"}])
def test_a_bad_language_or_year_is_not_found(world, query):
    response = world.client_for("venue_admin").get(reverse("reports:venue_certificate", args=[world.venue_a.pk]), query)
    assert response.status_code == 404
