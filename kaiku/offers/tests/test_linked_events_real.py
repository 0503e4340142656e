"""Linked Events as the Helsinki and Turku APIs really answer (fixtures/real/SOURCES.md)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from kaiku.network.models import Sector
from kaiku.offers.linked_events import html_to_text, import_events
from kaiku.offers.models import ArtForm, Offer

REAL = Path(__file__).parent / "fixtures" / "real"
UTC = ZoneInfo("UTC")


def _events(name: str) -> list[dict]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))["data"]


def _import(world, name: str) -> str:
    out = StringIO()
    call_command("import_linked_events", str(REAL / name), venue=world.venue_a.pk, stdout=out)
    return out.getvalue()


def test_helsinki_page_imports_with_texts_prices_and_pages(world):
    output = _import(world, "helsinki_event_page.json")
    assert "created: 2" in output and "Not imported" not in output
    boots = Offer.objects.get(external_id="lippupiste:serie-2138424")
    assert (boots.title_fi, boots.title_sv, boots.title_en) == ("Kinky Boots", "", "")
    assert boots.art_form == ArtForm.MUSIC and boots.sector == Sector.CULTURE
    paragraphs = boots.description_fi.split("\n\n")
    assert len(paragraphs) == 4
    assert paragraphs[0].startswith("Sensaatiomainen") and paragraphs[0].endswith("voittamista.")
    assert paragraphs[3] == "Tekijänoikeuksia valvoo MTI Europe."
    assert boots.is_free is False
    assert boots.price_fi == "Tarkista hinta lippupalvelusta"
    assert boots.info_url == "https://www.lippu.fi/tickets.html?affiliate=adv&doc=erdetaila&fun=erdetail&erid=2138424"
    assert boots.image_url.endswith("/Kinkyboots_222x222.jpg")
    morko = Offer.objects.get(external_id="lippupiste:serie-2099955")
    assert (morko.title_fi, morko.title_sv) == ("Mörköooppera", "Mörköooppera")
    assert morko.art_form == ArtForm.THEATRE
    assert morko.description_fi.startswith("Mörkö se lähti piiriin,\ntinttan tanttan tallallei.\nMörkö")
    assert "Kaupunginteatterin pienen näyttämön.\nMarjatta Pokelan" in morko.description_fi
    assert "\n\nMörkö vie meidät matkalle" in morko.description_fi


def test_turku_sub_event_without_its_super_event_is_imported_on_its_own(world):
    world.venue_a.sector = Sector.SPORTS
    world.venue_a.save(update_fields=["sector"])
    output = _import(world, "turku_event_page.json")
    assert "created: 1" in output and "Not imported" not in output
    offer = Offer.objects.get(external_id="turku:991417")
    assert offer.title_fi == "Kesäillan vesijumppa"
    # No keyword says what it is: the venue's own sector.
    assert offer.art_form == "" and offer.sector == Sector.SPORTS
    occurrence = offer.occurrences.get()
    assert occurrence.starts_at == dt.datetime(2022, 6, 14, 16, 30, tzinfo=UTC)
    assert occurrence.ends_at == dt.datetime(2022, 6, 14, 17, 15, tzinfo=UTC)
    assert occurrence.place == "Blombergin aukio 12, Turku / Kupittaa, Kupittaan maauimala"
    assert offer.starts_on == offer.ends_on == dt.date(2022, 6, 14)
    assert offer.is_free is False and offer.price_fi == "Sisäänpääsymaksu + ohjausmaksu 2,50 €"
    url = "https://www.turku.fi/kulttuuri-ja-liikunta/liikunta/liikuntapaikat/uimapaikat-ja-vesiliikunta/maauimalat/vesijumpat"
    assert (offer.info_url, offer.info_url_sv, offer.info_url_en) == (url, url, url)


def test_a_reimport_changes_nothing_staff_edited(world):
    _import(world, "helsinki_event_page.json")
    boots = Offer.objects.get(external_id="lippupiste:serie-2138424")
    boots.sector = Sector.SCIENCE
    boots.title_sv = "Kinky Boots på svenska"
    boots.price_fi = "Liput 20-60 €"
    boots.save()
    events = _events("helsinki_event_page.json")
    changed = copy.deepcopy(events)
    changed[0]["description"]["fi"] = "<p>Uusi kuvaus.</p>"
    changed[0]["name"]["sv"] = "Kinky Boots (sv)"
    changed[0]["offers"][0]["description"]["fi"] = "Katso hinta"
    import_events(changed, world.venue_a)
    boots.refresh_from_db()
    assert boots.sector == Sector.SCIENCE
    assert boots.title_sv == "Kinky Boots på svenska"
    assert boots.price_fi == "Liput 20-60 €"
    # Fields staff left alone follow the source.
    assert boots.description_fi == "Uusi kuvaus."
    assert boots.title_fi == "Kinky Boots"


def test_a_location_reference_is_resolved_from_the_files_places(world):
    events = _events("helsinki_event_page.json")
    sub = {
        "id": "lippupiste:10646812",
        "super_event": {"@id": "http://api.hel.fi/linkedevents/v1/event/lippupiste:serie-2138424/?format=json"},
        "name": {"fi": "Kinky Boots"},
        "start_time": "2018-12-31T17:00:00Z",
        # As the API answers without ?include=location: only a reference.
        "location": {"@id": "https://api.hel.fi/linkedevents/v1/place/tprek:9302/"},
    }
    unknown = {
        **sub,
        "id": "lippupiste:10646829",
        "location": {"@id": "https://api.hel.fi/linkedevents/v1/place/tprek:1/"},
    }
    import_events([*events, sub, unknown], world.venue_a)
    boots = Offer.objects.get(external_id="lippupiste:serie-2138424")
    places = dict(boots.occurrences.values_list("external_id", "place"))
    assert places["lippupiste:10646812"] == "Helsingin Kaupunginteatteri, Eläintarhantie 5"
    assert places["lippupiste:10646829"] == world.venue_a.address


def test_a_missing_language_is_shown_by_fallback_never_copied(world, client):
    events = _events("helsinki_event_page.json")
    english_only = {**events[0], "id": "x:en", "name": {"en": "Only in English"}}
    import_events([english_only], world.venue_a)
    offer = Offer.objects.get(external_id="x:en")
    assert (offer.title_fi, offer.title_sv, offer.title_en) == ("", "", "Only in English")
    with translation.override("fi"):
        assert offer.title == "Only in English"
    with translation.override("sv"):
        assert offer.localised_info_url == offer.info_url
    page = client.get(reverse("offers:detail", args=[offer.pk]), HTTP_ACCEPT_LANGUAGE="fi")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Only in English" in body and "Tarkista hinta lippupalvelusta" in body


def test_html_to_text_keeps_paragraphs_and_line_breaks():
    assert html_to_text("<p>prinsessat!</p><p>Niinpä &amp; näin<br/>rivi</p>") == "prinsessat!\n\nNiinpä & näin\nrivi"
