import datetime as dt

import pytest
from django.utils import timezone

from kaiku.accounts.models import Role
from kaiku.accounts.tests.factories import user_with_role
from kaiku.cards.models import CardEvent
from kaiku.network.tests.factories import VenueFactory
from kaiku.together import services
from kaiku.together.models import Bulletin, GroupRequest
from kaiku.together.tests.helpers import community_card, concert
from kaiku.visits.services import UseRequest, record_use

pytestmark = pytest.mark.django_db


def _personal_request(world):
    occurrence = concert(world.venue_a)
    return services.request_places(
        world.distributor_a,
        services.RequestDetails(card=world.card_a, occurrence=occurrence, under_16=1, adults=1, needs="Tulkki"),
        world.users["distributor"],
    )


def test_it_asks_for_places_through_the_form(world):
    occurrence = concert(world.venue_a)
    card = community_card(world)
    client = world.client_for("distributor")
    url = f"/together/sites/{world.distributor_a.pk}/requests/new/"
    page = client.get(url, {"occurrence": occurrence.pk})
    assert page.status_code == 200
    assert f'<option value="{occurrence.pk}" selected>' in page.content.decode()
    response = client.post(
        url, {"occurrence": occurrence.pk, "community_card": card.pk, "under_16": 4, "adults": 2, "language": "sv"}
    )
    group = GroupRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/requests/{group.pk}/")
    assert (group.card, group.under_16, group.adults, group.language) == (card, 4, 2, "sv")


def test_it_takes_a_typed_card_number_of_its_own_site_only(world):
    occurrence = concert(world.venue_a)
    client = world.client_for("distributor")
    url = f"/together/sites/{world.distributor_a.pk}/requests/new/"
    data = {"occurrence": occurrence.pk, "under_16": 0, "adults": 1}
    response = client.post(url, {**data, "card_number": world.card_b.number})
    assert response.status_code == 200 and not GroupRequest.objects.exists()
    response = client.post(url, {**data, "card_number": "not a number"})
    assert response.status_code == 200 and not GroupRequest.objects.exists()
    response = client.post(url, {**data, "card_number": world.card_a.display_number})
    assert response.status_code == 302 and GroupRequest.objects.get().card == world.card_a


def test_a_rule_is_shown_with_its_message(world):
    occurrence = concert(world.venue_a)
    card = community_card(world)
    client = world.client_for("distributor")
    response = client.post(
        f"/together/sites/{world.distributor_a.pk}/requests/new/",
        {"occurrence": occurrence.pk, "community_card": card.pk, "under_16": 40, "adults": 1},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and not GroupRequest.objects.exists()
    assert "More clients under 16 than a community card allows." in response.content.decode()


def test_venue_staff_see_no_holder_data_or_card_number(world):
    group = _personal_request(world)
    for role in ("venue_staff", "venue_admin"):
        body = world.client_for(role).get(f"/together/venues/{world.venue_a.pk}/requests/{group.pk}/").content
        assert b"Tulkki" in body  # the needs are for the venue
        for secret in (world.card_a.number, world.card_a.display_number, "1957", "33999"):
            assert secret.encode() not in body
    assert response_no_store(world, group)


def response_no_store(world, group):
    response = world.client_for("venue_staff").get(f"/together/venues/{world.venue_a.pk}/requests/{group.pk}/")
    return "no-store" in response["Cache-Control"]


def test_the_venue_accepts_and_records_the_visit(world):
    group = _personal_request(world)
    client = world.client_for("venue_staff")
    url = f"/together/venues/{world.venue_a.pk}/requests/{group.pk}/"
    assert client.post(url, {"action": "accept"}).status_code == 302
    group.refresh_from_db()
    assert group.status == "accepted" and group.held_places == 2
    assert client.post(url, {"action": "record", "under_16": 5, "key": "k"}).status_code == 400
    assert client.post(url, {"action": "record", "under_16": 1, "key": "k"}).status_code == 302
    group.refresh_from_db()
    assert group.status == "visited" and group.use.children == 1 and group.use.assistants == 1


def test_partners_see_bulletins_until_read(world):
    services.post_bulletin(
        services.BulletinDetails(area=world.area_a, audience="venues", title="Uusi ohje", body="Lue ohje"),
        world.users["coordinator"],
        national=False,
        area_ids={world.area_a.pk},
    )
    services.post_bulletin(
        services.BulletinDetails(area=None, audience="all", title="Kaikille", body="Valtakunnallinen"),
        world.users["national_admin"],
        national=True,
        area_ids=set(),
    )
    venue = world.client_for("venue_staff")
    distributor = world.client_for("distributor")
    assert "Uusi ohje" in venue.get("/").content.decode()
    home = distributor.get("/").content.decode()
    assert "Uusi ohje" not in home and "Kaikille" in home
    bulletin = Bulletin.objects.get(title="Uusi ohje")
    assert venue.post(f"/together/bulletins/{bulletin.pk}/read/").status_code == 302
    assert venue.post(f"/together/bulletins/{bulletin.pk}/read/").status_code == 302
    home = venue.get("/").content.decode()
    assert "Uusi ohje" not in home and "Kaikille" in home
    # Read by one person, still unread for another at the same venue.
    assert "Uusi ohje" in world.client_for("venue_admin").get("/").content.decode()


def test_a_coordinator_posts_only_to_own_areas(world, mailoutbox, django_capture_on_commit_callbacks):
    client = world.client_for("coordinator")
    data = {"audience": "distributors", "title": "Koulutus", "body": "Tiistaina", "by_email": "on"}
    response = client.post("/together/bulletins/", {**data, "area": world.area_b.pk})
    assert response.status_code == 200 and not Bulletin.objects.exists()
    response = client.post("/together/bulletins/", data)
    assert response.status_code == 200 and not Bulletin.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/together/bulletins/", {**data, "area": world.area_a.pk})
    assert response.status_code == 302 and Bulletin.objects.get().area == world.area_a
    assert [m.to for m in mailoutbox] == [["distributor@example.org"]]


def test_the_national_admin_posts_to_every_area(world):
    data = {"audience": "all", "title": "Kaikille", "body": "Teksti", "area": ""}
    assert world.client_for("national_admin").post("/together/bulletins/", data).status_code == 302
    assert Bulletin.objects.get().area is None


def test_the_partner_view_flags_quiet_partners(world, django_assert_max_num_queries):
    now = timezone.now()
    old = now - dt.timedelta(days=200)
    venue_q = VenueFactory(area=world.area_a, municipality=world.muni_a, name="Hiljainen museo")
    type(venue_q).objects.filter(pk__in=[venue_q.pk, world.venue_a.pk, world.distributor_a.pk]).update(created_at=old)
    record_use(UseRequest(venue=world.venue_a, number=world.card_a.number, channel="typed", idempotency_key="k"))
    CardEvent.objects.create(card=world.card_a, kind=CardEvent.Kind.REGISTERED)
    user_with_role(Role.VENUE_STAFF, site=venue_q, email="q@example.org")
    client = world.client_for("coordinator")
    with django_assert_max_num_queries(20):
        body = client.get(f"/together/areas/{world.area_a.pk}/partners/").content.decode()
    assert f'<tr class="quiet" data-site="{venue_q.pk}">' in body
    assert f'<tr data-site="{world.venue_a.pk}">' in body
    assert f'<tr data-site="{world.distributor_a.pk}">' in body
    assert f"/stats/venue/{venue_q.pk}/" in body and f"/stats/site/{world.distributor_a.pk}/" in body
    assert "Kuopion" not in body


def test_the_statistics_index_links_to_the_partner_view(world):
    body = world.client_for("coordinator").get("/stats/").content.decode()
    assert f"/together/areas/{world.area_a.pk}/partners/" in body
