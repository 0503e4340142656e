"""The printed What's on and the tip slip decode as text (pdftotext) with what they promise."""

import subprocess

import pytest
from django.utils import formats, timezone, translation

from kaiku.door.tests.poppler import _tool, pdf_text
from kaiku.offers.models import Offer
from kaiku.outreach import whatson
from kaiku.outreach.models import WorkerTip
from kaiku.outreach.printables import tip_slip_pdf
from kaiku.outreach.tests.conftest import date_of, offer_at

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace folded."""
    assert pdf.startswith(b"%PDF")
    return " ".join(pdf_text(pdf).split())


def pages_of(pdf: bytes) -> int:
    # Our own PDF bytes and fixed arguments: nothing untrusted reaches the command line.
    out = subprocess.run([_tool("pdfinfo"), "-"], input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def _offers(world):
    concert = offer_at(world.venue_a, "Kevätkonsertti", ticket_phone="040 123 4567")
    play = offer_at(world.venue_a, "Nukketeatteri", ticket_method="reservation")
    dates = [date_of(concert, days=2), date_of(concert, days=9), date_of(play, days=20)]
    museum = offer_at(world.venue_a, "Taidemuseo", kind=Offer.Kind.ONGOING)
    # Not listed: another area's offer, an offer not for the card, a date after four weeks.
    offer_at(world.venue_b, "Kuopion ooppera")
    date_of(offer_at(world.venue_a, "Suljettu", excluded=True), days=3)
    date_of(offer_at(world.venue_a, "Myöhemmin"), days=40)
    return [concert, play, museum], dates


LANG_WORDS = {"fi": "Mitä tapahtuu", "sv": "Vad händer", "en": "What's on"}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("large", [False, True])
def test_whats_on_lists_every_offer_and_date_in_each_language(world, language, large):
    offers, dates = _offers(world)
    pdf = whatson.pdf(lambda share: whatson.for_site(world.distributor_a, large=large, share=share), language)
    text = text_of(pdf)
    assert LANG_WORDS[language] in text
    suffix = {"fi": "", "sv": " SV", "en": " EN"}[language]
    for offer in offers:
        assert f"{offer.title_fi}{suffix}" in text
    for occ in dates:
        local = timezone.localtime(occ.starts_at)
        assert f"{local.day}.{local.month}." in text
        assert local.strftime("%H:%M") in text
    with translation.override(language):
        weekday = formats.date_format(timezone.localtime(dates[0].starts_at), "l")
    assert weekday.capitalize() in text
    assert "040 123 4567" in text  # how to get the ticket
    for absent in ("Kuopion ooppera", "Suljettu", "Myöhemmin"):
        assert absent not in text
    assert 1 <= pages_of(pdf) <= 2


def test_whats_on_counts_what_does_not_fit_on_two_pages(world):
    offer = offer_at(world.venue_a, "Joka päivä")
    for day in range(20):
        date_of(offer, days=day + 0.5)
    pdf = whatson.pdf(lambda share: whatson.for_site(world.distributor_a, large=True, share=share), "en")
    assert pages_of(pdf) <= 2
    text = text_of(pdf)
    listed = text.count("Joka päivä")
    assert 0 < listed < 20
    assert f"And {20 - listed} more offers" in text


def test_the_area_whats_on_is_public_and_in_the_language_asked(world, client):
    date_of(offer_at(world.venue_a, "Kevätkonsertti"))
    response = client.get(f"/outreach/areas/{world.area_a.slug}/whats-on.pdf?lang=sv&large=on")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Vad händer med Kaikukortet: Tampere" in text and "Kevätkonsertti SV" in text
    assert client.get(f"/outreach/areas/{world.area_a.slug}/whats-on.pdf?lang=de").status_code == 400


def test_the_slip_shows_the_offer_date_place_and_only_the_cards_last_characters(world):
    offer = offer_at(world.venue_a, "Kevätkonsertti", ticket_method="phone", ticket_phone="040 123 4567")
    occ = date_of(offer, days=5, place="Pieni sali")
    tip = WorkerTip.objects.create(
        site=world.distributor_a,
        card=world.card_a,
        offer=offer,
        occurrence=occ,
        delivery="print",
        given_on=timezone.localdate(),
        language="fi",
    )
    text = text_of(tip_slip_pdf(tip))
    local = timezone.localtime(occ.starts_at)
    assert "Kevätkonsertti" in text and "Pieni sali" in text and world.venue_a.name in text
    assert f"{local.day}.{local.month}.{local.year} {local:%H:%M}" in text
    assert "040 123 4567" in text
    number = world.card_a.number
    assert number[-4:] in text
    assert number not in text and world.card_a.display_number not in text and number[:4] not in text
    assert world.distributor_a.name in text
    assert pages_of(tip_slip_pdf(tip)) == 1
    assert "1957" not in text and "33999" not in text
    english = text_of(tip_slip_pdf(tip, "en"))
    assert "How to get the ticket" in english and "Kevätkonsertti EN" in english
