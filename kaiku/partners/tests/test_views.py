from django.urls import reverse

from kaiku.partners.models import AgencyAuthorisation, ApiKey
from kaiku.web.tokens import token_hash


def test_an_api_key_is_shown_once_and_stored_hashed(world, client):
    client.force_login(world.users["coordinator"])
    url = reverse("partners:api_keys", args=[world.area_a.pk])
    response = client.post(
        url, {"site": world.agency_a.pk, "label": "Lippupiste", "scopes": ["check", "record"], "rate_limit": 60}
    )
    key = ApiKey.objects.get()
    secret = response.context["new_secret"]
    assert secret.startswith(f"kk_{key.prefix}_") and key.key_hash == token_hash(secret)
    assert response["Cache-Control"] == "no-store"
    assert secret not in client.get(url).content.decode()
    client.post(reverse("partners:api_key_revoke", args=[key.pk]))
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_venue_admin_grants_and_withdraws_an_agency(world, client):
    client.force_login(world.users["venue_admin"])
    url = reverse("partners:agencies", args=[world.venue_a.pk])
    client.post(url, {"agency": world.agency_a.pk})
    client.post(url, {"agency": world.agency_a.pk})  # granting twice keeps one authorisation
    grant = AgencyAuthorisation.objects.get()
    assert grant.granted_by == world.users["venue_admin"]
    client.post(reverse("partners:agency_withdraw", args=[world.venue_a.pk, grant.pk]))
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None and not AgencyAuthorisation.objects.active().exists()


def test_the_hub_shows_what_a_partner_admin_must_do(world, client):
    from kaiku.network import onboarding

    onboarding.publish_guideline("2026.1", "x", "", world.users["national_admin"])
    client.force_login(world.users["venue_admin"])
    body = client.get(reverse("partners:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("onboarding:acknowledge", args=[world.venue_a.pk]) in body
    assert reverse("partners:agencies", args=[world.venue_a.pk]) in body


def test_the_onboarding_page_and_the_uses_list_keep_a_query_budget(world, client, django_assert_max_num_queries):
    from kaiku.network import onboarding
    from kaiku.network.tests.factories import VenueFactory
    from kaiku.partners import services
    from kaiku.visits import services as visits
    from kaiku.visits.models import Channel

    onboarding.publish_guideline("1", "x", "", None)
    for i in range(30):
        venue = VenueFactory(area=world.area_a, name=f"Venue {i}")
        onboarding.invite(venue, f"v{i}@example.org", "admin", None)
    client.force_login(world.users["coordinator"])
    with django_assert_max_num_queries(15):
        assert client.get(reverse("onboarding:onboarding", args=[world.area_a.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("onboarding:invitations", args=[world.area_a.pk])).status_code == 200
    services.grant_agency(world.venue_a, world.agency_a, None)
    secret = services.create_api_key(world.agency_a, "k", ["read"], None).secret
    for i in range(20):
        visits.record_use(visits.UseRequest(world.venue_a, world.card_a.number, Channel.TYPED, f"q{i}"))
    # The key's limit is shared by all workers through the database (kaiku.web.ratelimit):
    # the guessing check and the counter's upsert, plus a clean-up as a minute begins. This
    # client also carries the staff session of the page above, which the second-factor
    # middleware reads (session and user: two more than a key-only client makes).
    with django_assert_max_num_queries(9):
        response = client.get(
            reverse("partners-api:uses", args=[world.venue_a.pk]), HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
    assert len(response.json()) == 20
