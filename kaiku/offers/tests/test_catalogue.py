"""The public catalogue: search and filters, the offer page, iCalendar, structured data, query budgets."""

import datetime as dt
import json
import re
from typing import Any

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kaiku.cards.tests.factories import CardFactory
from kaiku.network.models import Area
from kaiku.network.tests.factories import VenueFactory
from kaiku.offers import services
from kaiku.offers.models import ArtForm, Offer, Reservation, TicketMethod
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory
from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use, void_use


def _titles(response):
    return [o.title_fi for o in response.context["offers"]]


def _get(client, **params):
    return client.get(reverse("offers:catalogue"), params)


@pytest.fixture
def offers(world):
    now = timezone.now()
    concert = OfferFactory(
        venue=world.venue_a, title_fi="Kesäkonsertti", title_en="Summer concert", art_form=ArtForm.MUSIC,
        family_friendly=True, step_free=True, quota=1,
    )  # fmt: skip
    OccurrenceFactory(offer=concert, starts_at=now + dt.timedelta(days=3))
    museum = OfferFactory(
        venue=world.venue_b, title_fi="Museon perusnäyttely", kind=Offer.Kind.ONGOING, art_form=ArtForm.MUSEUM,
        hearing_loop=True, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31),
    )  # fmt: skip
    past = OfferFactory(venue=world.venue_a, title_fi="Mennyt näytös")
    OccurrenceFactory(offer=past, starts_at=now - dt.timedelta(days=3))
    late = OfferFactory(venue=world.venue_a, title_fi="Syysnäytös", art_form=ArtForm.THEATRE)
    OccurrenceFactory(offer=late, starts_at=now + dt.timedelta(days=60))
    OfferFactory(venue=world.venue_a, title_fi="Piilotettu", excluded=True)
    for offer in (concert, past, late):
        services.refresh_dates(offer)
    return {"concert": concert, "museum": museum, "late": late}


def test_it_lists_current_public_offers_without_login(client, offers):
    response = _get(client)
    assert response.status_code == 200
    titles = _titles(response)
    assert set(titles) == {"Kesäkonsertti", "Museon perusnäyttely", "Syysnäytös"}


def test_it_searches_titles_in_every_language_and_venue_names(client, offers, world):
    assert _titles(_get(client, q="summer")) == ["Kesäkonsertti"]
    assert _titles(_get(client, q="kuopion")) == ["Museon perusnäyttely"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"area": "tampere"}, {"Kesäkonsertti", "Syysnäytös"}),
        ({"municipality": "297"}, {"Museon perusnäyttely"}),
        ({"art_form": "music"}, {"Kesäkonsertti"}),
        ({"sector": "sports"}, set()),
        ({"family": "on"}, {"Kesäkonsertti"}),
        ({"access": ["step_free"]}, {"Kesäkonsertti"}),
        ({"access": ["hearing_loop", "step_free"]}, set()),
        ({"date_from": "2026-08-01", "date_to": "2026-08-31"}, {"Museon perusnäyttely", "Syysnäytös"}),
        ({"date_from": "2026-06-16", "date_to": "2026-06-20"}, {"Kesäkonsertti", "Museon perusnäyttely"}),
    ],
)
def test_it_filters(client, offers, params, expected):
    assert set(_titles(_get(client, **params))) == expected


def test_places_left_leaves_out_full_occurrences(client, offers, world):
    occurrence = offers["concert"].occurrences.get()
    assert "Kesäkonsertti" in _titles(_get(client, places="on"))
    record_use(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel=Channel.TYPED,
            idempotency_key="x",
            occurrence=occurrence,
        )
    )
    assert "Kesäkonsertti" not in _titles(_get(client, places="on"))
    # A last-minute seat opens it again, and puts it first.
    services.release_seats(occurrence, 1, None)
    titles = _titles(_get(client, places="on"))
    assert titles[0] == "Kesäkonsertti"


def test_places_left_follows_voids_and_quota_changes(client, offers, world):
    occurrence = offers["concert"].occurrences.get()
    use = record_use(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel=Channel.TYPED,
            idempotency_key="v",
            occurrence=occurrence,
        )
    ).use
    assert "Kesäkonsertti" not in _titles(_get(client, places="on"))
    void_use(use, "mistake", None)
    assert "Kesäkonsertti" in _titles(_get(client, places="on"))
    # Lowering the cap to what is already taken fills the occurrence.
    late = offers["late"]
    late_occurrence = late.occurrences.get()
    Reservation.objects.create(card=world.card_b, occurrence=late_occurrence)
    late.quota = 1
    services.save_offer(late, None, {})
    assert "Syysnäytös" not in _titles(_get(client, places="on"))


def test_last_minute_offers_come_first(client, offers):
    occurrence = offers["late"].occurrences.get()
    assert _titles(_get(client))[0] != "Syysnäytös"
    services.release_seats(occurrence, 4, None)
    response = _get(client)
    assert _titles(response)[0] == "Syysnäytös"
    assert "Last-minute" in response.content.decode() or "Viime hetken" in response.content.decode()


def test_it_stops_counting_at_the_cap(client, offers, monkeypatch):
    monkeypatch.setattr("kaiku.offers.views.COUNT_CAP", 2)
    response = _get(client)
    assert response.context["page"].paginator.capped
    assert len(_titles(response)) == 3  # the page itself is not capped
    assert "2" in response.content.decode()


def test_a_bad_filter_is_ignored_with_a_message(client, offers):
    response = _get(client, date_from="2026-08-01", date_to="2026-07-01")
    assert response.status_code == 200
    assert len(_titles(response)) == 3


def test_the_area_catalogue_shows_only_that_area(client, offers, world):
    response = client.get(reverse("offers:area_catalogue", args=["pohjois-savo"]))
    assert _titles(response) == ["Museon perusnäyttely"]
    Area.objects.filter(slug="pohjois-savo").update(status=Area.Status.PLANNING)
    assert client.get(reverse("offers:area_catalogue", args=["pohjois-savo"])).status_code == 404


def test_the_catalogue_keeps_a_query_budget(client, world, django_assert_max_num_queries):
    now = timezone.now()
    for i in range(30):
        offer = OfferFactory(venue=VenueFactory(area=world.area_a), quota=5)
        for d in range(3):
            OccurrenceFactory(offer=offer, starts_at=now + dt.timedelta(days=d + 1, hours=i))
        services.refresh_dates(offer)
    # areas, municipalities, count, page, occurrences of the page (+ session/user when signed in)
    with django_assert_max_num_queries(6):
        response = _get(client, q="Näytös", places="on", family="", access=["step_free"])
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = _get(client)
    assert len(response.context["offers"]) == 20
    assert len(queries) <= 6


def test_the_offer_page_shows_ticket_instructions_and_structured_data(client, world):
    offer = OfferFactory(
        venue=world.venue_a, title_fi="Konsertti </script>", ticket_method=TicketMethod.PHONE,
        ticket_phone="040 123 4567", ticket_instructions_fi="Soita ja kerro kortin numero.", quota=3,
    )  # fmt: skip
    OccurrenceFactory(offer=offer, starts_at=timezone.now() + dt.timedelta(days=1))
    response = client.get(reverse("offers:detail", args=[offer.pk]))
    body = response.content.decode()
    assert "Soita ja kerro kortin numero." in body
    assert 'href="tel:0401234567"' in body
    assert "3 " in body  # places left
    # The JSON-LD block carries the nonce the Content-Security-Policy names.
    match = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', body, re.S)
    assert f"'nonce-{match.group(1)}'" in response["Content-Security-Policy"]
    data = json.loads(match.group(2))
    assert data[0]["@type"] == "Event"
    assert data[0]["name"] == "Konsertti </script>"
    assert data[0]["location"]["name"] == world.venue_a.name
    assert reverse("offers:ical", args=[offer.pk]) in body


def test_the_offer_page_counts_places_left(client, world):
    offer = OfferFactory(venue=world.venue_a, quota=2)
    occurrence = OccurrenceFactory(offer=offer)
    record_use(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel=Channel.TYPED,
            idempotency_key="k",
            occurrence=occurrence,
        )
    )
    response = client.get(reverse("offers:detail", args=[offer.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["occurrences"][0].left == 1


def _calendar(client: Any, offer: Offer) -> icalendar.Calendar:
    response = client.get(reverse("offers:ical", args=[offer.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    return icalendar.Calendar.from_ical(response.content)


def test_the_icalendar_file_lists_upcoming_dates(client, world):
    offer = OfferFactory(venue=world.venue_a, title_fi="Näytös, ilta; osa 1", description_fi="Pitkä kuvaus " * 20)
    tomorrow = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    first = OccurrenceFactory(offer=offer, starts_at=tomorrow)
    OccurrenceFactory(offer=offer, starts_at=tomorrow + dt.timedelta(days=1))
    OccurrenceFactory(offer=offer, starts_at=tomorrow - dt.timedelta(days=3))
    cal = _calendar(client, offer)
    assert cal["version"] == "2.0" and cal["method"] == "PUBLISH"
    events = cal.walk("VEVENT")
    assert len(events) == 2 and events[0]["uid"] == f"kaiku-occurrence-{first.pk}@kaikukortti"
    event = events[0]
    assert event["summary"] == "Näytös, ilta; osa 1"
    assert event.decoded("dtstart") == first.starts_at and event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert event.decoded("dtend") == first.starts_at + dt.timedelta(hours=2)
    assert abs(event.decoded("dtstamp") - timezone.now()) < dt.timedelta(seconds=5)
    page = f"http://testserver/offers/{offer.pk}/"
    assert event["url"] == page and str(event["description"]).endswith("\n\n" + page)
    assert event["location"] == f"{world.venue_a.name}, {world.venue_a.address}".rstrip(", ")
    # Commas and semicolons are escaped on the wire (RFC 5545, 3.3.11).
    assert "SUMMARY:Näytös\\, ilta\\; osa 1".encode() in cal.to_ical()


def test_an_ongoing_offer_exports_its_days(client, world):
    offer = OfferFactory(
        venue=world.venue_a, kind=Offer.Kind.ONGOING, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 8, 31)
    )
    (event,) = _calendar(client, offer).walk("VEVENT")
    assert event.decoded("dtstart") == dt.date(2026, 6, 1) and event.decoded("dtend") == dt.date(2026, 9, 1)
    assert event["uid"] == f"kaiku-offer-{offer.pk}@kaikukortti"


def test_cards_are_not_needed_for_the_catalogue(client, world):
    # A holder's card details never appear on public pages (there are none to show).
    CardFactory(site=world.distributor_a)
    assert _get(client).status_code == 200


def test_the_offer_page_keeps_a_query_budget(client, world, django_assert_max_num_queries):
    offer = OfferFactory(venue=world.venue_a, quota=4)
    for d in range(12):
        OccurrenceFactory(offer=offer, starts_at=timezone.now() + dt.timedelta(days=d + 1))
    # the offer with its venue, and its dates with places taken
    with django_assert_max_num_queries(2):
        assert client.get(reverse("offers:detail", args=[offer.pk])).status_code == 200


def test_the_form_keeps_the_chosen_filters(client, offers):
    body = _get(client, municipality="297", art_form="music", access=["step_free"]).content.decode()
    assert '<option value="297" selected>' in body
    assert '<option value="music" selected>' in body
    assert 'value="step_free" id="id_access_0" checked' in body
    assert 'value="hearing_loop" id="id_access_1">' in body
