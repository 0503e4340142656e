"""A person searches the catalogue on a phone and opens an offer."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.network.models import Area, Municipality
from kaiku.network.tests.factories import VenueFactory
from kaiku.offers import services
from kaiku.offers.models import ArtForm, TicketMethod
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory
from kaiku.testing.browser import assert_accessible, set_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_searches_the_catalogue_on_a_phone_and_opens_an_offer(phone):
    area = Area.objects.create(name="Tampere", slug="tampere", status=Area.Status.ACTIVE)
    muni = Municipality.objects.create(code="837", name_fi="Tampere", area=area)
    venue = VenueFactory(area=area, municipality=muni, name="Tampereen Teatteri", address="Hämeenkatu 14")
    concert = OfferFactory(
        venue=venue, title_fi="Kesäkonsertti", title_en="Summer concert", art_form=ArtForm.MUSIC, family_friendly=True, step_free=True,
        quota=10, ticket_method=TicketMethod.BOX_OFFICE, ticket_instructions_fi="Näytä kortti lippukassalla.",
    )  # fmt: skip
    OccurrenceFactory(offer=concert, starts_at=timezone.now() + dt.timedelta(days=2))
    services.refresh_dates(concert)
    for i in range(3):
        other = OfferFactory(venue=venue, title_fi=f"Näytelmä {i}")
        OccurrenceFactory(offer=other, starts_at=timezone.now() + dt.timedelta(days=3 + i))

    set_language(phone, "en")
    phone.goto("/offers/")
    assert phone.locator("h1").first.is_visible()
    assert_accessible(phone)
    phone.get_by_role("searchbox", name="Search").fill("summer")
    phone.get_by_role("button", name="Search", exact=True).click()
    phone.wait_for_url("**/offers/?q=*")
    results = phone.locator(".offers > li")
    assert results.count() == 1
    assert_accessible(phone)
    phone.get_by_role("link", name="Summer concert").click()
    phone.wait_for_url(f"**/offers/{concert.pk}/")
    assert phone.locator("h1").inner_text() == "Summer concert"
    assert phone.get_by_text("Näytä kortti lippukassalla.").is_visible()
    # Nothing spills sideways on a 360 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone)


def test_the_catalogue_shows_an_uploaded_pictures_thumbnail_on_a_phone(phone):
    import io

    from PIL import Image

    from kaiku.offers import images

    area = Area.objects.create(name="Tampere", slug="tampere", status=Area.Status.ACTIVE)
    venue = VenueFactory(area=area, name="Tampereen Teatteri")
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), "teal").save(buffer, "JPEG")
    prepared = images.prepare(buffer)
    offer = OfferFactory(venue=venue, title_fi="Kuvallinen konsertti", image_alt="Teal poster")
    offer.image.save(prepared.picture.name, prepared.picture, save=False)
    offer.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)
    offer.save()
    OccurrenceFactory(offer=offer, starts_at=timezone.now() + dt.timedelta(days=2))
    services.refresh_dates(offer)
    phone.goto("/offers/")
    thumb = phone.locator(".offers > li img.thumb")
    assert thumb.count() == 1
    thumb.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('img.thumb').complete")
    assert thumb.evaluate("img => img.naturalWidth") == images.THUMBNAIL_SIZE
    assert_accessible(phone)
