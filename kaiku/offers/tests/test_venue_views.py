"""The venue's offer desk: creating and editing offers and dates, reserving, releasing seats."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.offers.models import Offer, Reservation
from kaiku.offers.tests.factories import OccurrenceFactory, ReservableOfferFactory

OFFER = {
    "kind": "event",
    "title_fi": "Syyskonsertti",
    "title_sv": "Höstkonsert",
    "sector": "culture",
    "art_form": "music",
    "ticket_method": "phone",
    "ticket_phone": "040 1234567",
    "quota": "10",
    "family_friendly": "on",
    "step_free": "on",
    "published": "on",
}


@pytest.fixture
def staff(world):
    return world.client_for("venue_staff")


def test_it_creates_an_offer_and_audits_it(world, staff):
    response = staff.post(reverse("offers:offer_create", args=[world.venue_a.pk]), OFFER)
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert (offer.venue, offer.quota, offer.family_friendly, offer.step_free) == (world.venue_a, 10, True, True)
    assert AuditEntry.objects.filter(action="offers.created", object_id=str(offer.pk)).exists()


def test_staff_state_the_price_and_the_pages_in_each_language(world, staff):
    # The fields a Linked Events import fills are the venue's to write by hand too.
    prices = {
        "is_free": "false",
        "price_fi": "Liput 15 €\nKaikukortilla maksuton",
        "price_sv": "Biljetter 15 €",
        "info_url_sv": "https://example.org/sv/",
        "info_url_en": "https://example.org/en/",
    }
    assert staff.post(reverse("offers:offer_create", args=[world.venue_a.pk]), {**OFFER, **prices}).status_code == 302
    offer = Offer.objects.get()
    assert (offer.is_free, offer.price_fi, offer.price_sv, offer.info_url_en) == (
        False,
        "Liput 15 €\nKaikukortilla maksuton",
        "Biljetter 15 €",
        "https://example.org/en/",
    )
    response = staff.post(reverse("offers:offer_create", args=[world.venue_a.pk]), {**OFFER, "info_url_sv": "nope"})
    assert response.status_code == 200 and "info_url_sv" in response.context["form"].errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "course", "family_friendly": "on"}, "family_friendly"),
        ({"ticket_phone": ""}, "ticket_phone"),
        ({"ticket_method": "email"}, "ticket_email"),
        ({"starts_on": "2026-07-02", "ends_on": "2026-07-01"}, "ends_on"),
        ({"title_fi": ""}, "title_fi"),
        ({"quota": "-1"}, "quota"),
    ],
)
def test_bad_input_changes_nothing(world, staff, change, field):
    response = staff.post(reverse("offers:offer_create", args=[world.venue_a.pk]), {**OFFER, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Offer.objects.exists()


def test_it_adds_and_edits_a_date(world, staff):
    offer = ReservableOfferFactory(venue=world.venue_a)
    url = reverse("offers:occurrence_create", args=[world.venue_a.pk, offer.pk])
    assert staff.post(url, {"starts_at": "2026-07-01T18:00", "ends_at": "2026-07-01T17:00"}).status_code == 200
    assert staff.post(url, {"starts_at": "2026-07-01T18:00", "quota": "4"}).status_code == 302
    occurrence = offer.occurrences.get()
    assert timezone.localtime(occurrence.starts_at).hour == 18
    offer.refresh_from_db()
    assert offer.starts_on == dt.date(2026, 7, 1)
    edit = reverse("offers:occurrence_edit", args=[world.venue_a.pk, occurrence.pk])
    assert staff.post(edit, {"starts_at": "2026-07-02T18:00", "quota": "4"}).status_code == 302
    offer.refresh_from_db()
    assert offer.ends_on == dt.date(2026, 7, 2)


def test_it_reserves_by_card_number_and_explains_a_refusal(world, staff):
    occurrence = OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, quota=1))
    url = reverse("offers:reserve", args=[world.venue_a.pk, occurrence.pk])
    assert staff.post(url, {"number": world.card_a.number}).status_code == 302
    assert Reservation.objects.get().card == world.card_a
    response = staff.post(url, {"number": world.card_b.number})
    assert response.status_code == 400
    assert response.context["reserve_form"].errors["number"]
    response = staff.post(url, {"number": "KK-0000-0000"})
    assert response.status_code == 400
    assert Reservation.objects.count() == 1


def test_the_occurrence_page_shows_card_numbers_but_no_holder_details(world, staff):
    occurrence = OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, quota=3))
    Reservation.objects.create(card=world.card_a, occurrence=occurrence)
    response = staff.get(reverse("offers:occurrence_manage", args=[world.venue_a.pk, occurrence.pk]))
    body = response.content.decode()
    assert world.card_a.display_number in body
    assert "1957" not in body and "33999" not in body


def test_it_releases_last_minute_seats(world, staff):
    occurrence = OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, quota=1))
    url = reverse("offers:release_seats", args=[world.venue_a.pk, occurrence.pk])
    assert staff.post(url, {"seats": "0"}).status_code == 400
    assert staff.post(url, {"seats": "3"}).status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.extra_seats == 3
    assert occurrence.offer.has_last_minute()


def test_it_cancels_a_reservation(world, staff):
    occurrence = OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, quota=1))
    reservation = Reservation.objects.create(card=world.card_a, occurrence=occurrence)
    staff.post(reverse("offers:reservation_cancel", args=[world.venue_a.pk, reservation.pk]))
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert not reservation.cancelled_by_holder


def test_it_saves_an_image_with_its_description(world, staff):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    image = SimpleUploadedFile("poster.png", buffer.getvalue(), content_type="image/png")
    url = reverse("offers:offer_create", args=[world.venue_a.pk])
    response = staff.post(url, {**OFFER, "image": image})
    assert "image_alt" in response.context["form"].errors
    image.seek(0)
    assert staff.post(url, {**OFFER, "image": image, "image_alt": "A red poster"}).status_code == 302
    offer = Offer.objects.get()
    assert offer.image.name.startswith("offers/") and offer.picture_url
