"""Working together in a real phone-sized browser: a group request end to end, the partner view."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.network.models import Site
from kaiku.network.tests.factories import VenueFactory
from kaiku.testing.browser import assert_accessible, set_language, sign_in
from kaiku.together import services
from kaiku.together.models import GroupRequest
from kaiku.together.tests.helpers import community_card, concert
from kaiku.visits.models import Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _button(page, action):
    return page.locator(f"form:has(input[name=action][value={action}]) button[type=submit]")


def test_a_group_request_holds_its_places_and_is_recorded_at_the_door(world, phone):
    occurrence = concert(world.venue_a, quota=10)
    card = community_card(world)
    # The distributor asks for places for three clients under 16 and the worker.
    sign_in(phone, world.users["distributor"])
    phone.goto(f"/together/sites/{world.distributor_a.pk}/requests/new/?occurrence={occurrence.pk}")
    assert_accessible(phone)
    phone.select_option("#id_community_card", str(card.pk))
    phone.fill("#id_under_16", "3")
    phone.fill("#id_adults", "1")
    phone.check("#id_accessibility")
    phone.fill("#id_needs", "Yksi pyörätuoli")
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/requests/*/")
    group = GroupRequest.objects.get()
    assert phone.locator("[data-status]").get_attribute("data-status") == "requested"
    assert_accessible(phone)

    # The venue sees the request, no card number, and the date's places left.
    phone.context.clear_cookies()
    sign_in(phone, world.users["venue_staff"])
    phone.goto(f"/together/venues/{world.venue_a.pk}/requests/{group.pk}/")
    assert phone.locator("#places-left").inner_text() == "10"
    assert card.display_number not in phone.content()
    assert_accessible(phone)
    _button(phone, "accept").click()
    phone.wait_for_selector("[data-status=accepted]")
    # Held at once: the places left drop by the group's four people.
    assert phone.locator("#places-left").inner_text() == "6"
    assert_accessible(phone)

    # At the door, the venue records the group's visit against the request.
    phone.fill("#id_under_16", "3")
    _button(phone, "record").click()
    phone.wait_for_selector("[data-status=visited]")
    use = Use.objects.get(card=card)
    assert use.accepted and use.community_clients == 3 and use.occurrence == occurrence
    group.refresh_from_db()
    assert group.use == use and group.held_places == 0
    assert phone.locator("#places-left").inner_text() == "6"

    # The distributor sees the state in Swedish too.
    phone.context.clear_cookies()
    sign_in(phone, world.users["distributor"])
    set_language(phone, "sv")
    phone.goto(f"/together/sites/{world.distributor_a.pk}/requests/")
    assert "Besökt" in phone.content()
    assert_accessible(phone)


def test_the_coordinators_view_flags_a_venue_with_no_use_in_90_days(world, phone):
    old = timezone.now() - dt.timedelta(days=200)
    quiet = VenueFactory(area=world.area_a, municipality=world.muni_a, name="Hiljainen museo")
    Site.objects.filter(pk=quiet.pk).update(created_at=old)
    services.post_bulletin(
        services.BulletinDetails(area=world.area_a, audience="venues", title="Kevään koulutus", body="Tervetuloa"),
        world.users["coordinator"],
        national=False,
        area_ids={world.area_a.pk},
    )
    sign_in(phone, world.users["coordinator"])
    phone.goto("/")
    phone.locator(f"a[href='/together/areas/{world.area_a.pk}/partners/']").click()
    phone.wait_for_url("**/partners/")
    row = phone.locator(f"tr[data-site='{quiet.pk}']")
    assert row.get_attribute("class") == "quiet"
    assert row.locator(".flag").count() == 1
    assert phone.locator(f"tr[data-site='{world.venue_a.pk}'] .flag").count() == 0
    assert_accessible(phone)
    # The partner's dashboard is a link away.
    row.locator("a").first.click()
    phone.wait_for_url(f"**/stats/venue/{quiet.pk}/")

    # A venue's staff see the bulletin on their start page until they mark it read.
    phone.context.clear_cookies()
    sign_in(phone, world.users["venue_staff"])
    phone.goto("/")
    assert phone.locator(".bulletin h3").inner_text() == "Kevään koulutus"
    assert_accessible(phone)
    phone.locator(".bulletin button").click()
    phone.wait_for_url("**/")
    assert phone.locator(".bulletin").count() == 0
