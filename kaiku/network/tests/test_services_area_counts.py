"""Area coordinators see counts, never individual cards (DESIGN §2)."""

from __future__ import annotations

from django.urls import reverse

from kaiku.cards.services import create_stock, inactivate_card, register_community_card
from kaiku.cards.tests.factories import CardFactory
from kaiku.network.tests.factories import DistributorFactory, VenueFactory
from kaiku.privacy.models import ReadEntry
from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use, void_use


def _use(venue, card, key, **kwargs):
    return record_use(UseRequest(venue=venue, number=card.number, channel=Channel.TYPED, idempotency_key=key, **kwargs))


def test_area_detail_counts_cards_and_uses_of_the_area_only(world):
    create_stock(world.distributor_a, 3)  # stock is not a registered card
    extra = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    inactivate_card(extra, "Lost", None)
    register_community_card(world.distributor_a, "Klubitalo", None)
    _use(world.venue_a, world.card_a, "1")
    _use(world.venue_a, world.card_b, "2")  # a card from another area used here counts here
    void_use(_use(world.venue_a, extra, "3", accepted_offline=True).use, "Mistake", None)
    _use(world.venue_a, world.card_l, "4")  # refused: local card
    _use(world.venue_b, world.card_a, "5")  # another area's venue
    response = world.client_for("national_admin").get(reverse("network:area_detail", args=[world.area_a.pk]))
    assert response.status_code == 200
    assert {k: v.value for k, v in response.context["counts"].items()} == {"registered": 3, "active": 2, "community": 1}
    assert {k: v.value for k, v in response.context["uses"].items()} == {"accepted": 2, "refused": 1}
    distributor = response.context["distributors"][0]
    assert distributor == world.distributor_a and distributor.cards_issued == 3
    # The national admin's unsuppressed view is a read in the read log.
    read = ReadEntry.objects.get()
    assert (read.what, read.object_id, read.detail) == ("national_view", str(world.area_a.pk), "area page")
    # A coordinator sees the same page with counts of 1 to 4 suppressed, as on the dashboards.
    response = world.client_for("coordinator").get(reverse("network:area_detail", args=[world.area_a.pk]))
    assert [str(v) for v in response.context["counts"].values()] == ["<5", "<5", "<5"]
    assert [str(v) for v in response.context["uses"].values()] == ["<5", "<5"]
    assert str(response.context["distributors"][0].cards_shown) == "<5"
    assert ReadEntry.objects.count() == 1
    body = response.content.decode()
    assert "<5" in body.replace("&lt;", "<")
    for card in (world.card_a, extra):
        assert card.number not in body and card.display_number not in body
    assert "1957" not in body and "33999" not in body


def test_a_coordinator_has_no_card_pages(world):
    client = world.client_for("coordinator")
    assert client.get(reverse("cards:detail", args=[world.card_a.pk])).status_code == 404
    assert client.get(reverse("cards:site_cards", args=[world.distributor_a.pk])).status_code == 404
    assert client.get(reverse("network:area_detail", args=[world.area_b.pk])).status_code == 404


def test_area_list_shows_only_the_coordinators_areas(world):
    response = world.client_for("coordinator").get(reverse("network:area_list"))
    assert [a.pk for a in response.context["areas"]] == [world.area_a.pk]
    national = world.client_for("national_admin").get(reverse("network:area_list"))
    assert {a.pk for a in national.context["areas"]} == {world.area_a.pk, world.area_b.pk, world.area_l.pk}
    tampere = next(a for a in national.context["areas"] if a.pk == world.area_a.pk)
    assert (tampere.distributor_count, tampere.venue_count, tampere.municipality_count) == (1, 1, 1)


def test_area_pages_query_budget(world, django_assert_max_num_queries):
    for i in range(15):
        site = DistributorFactory(area=world.area_a, municipality=world.muni_a)
        VenueFactory(area=world.area_a, municipality=world.muni_a)
        for j in range(3):
            card = CardFactory(site=site, municipality=world.muni_a)
            _use(world.venue_a, card, f"{i}-{j}")
    client = world.client_for("national_admin")
    client.get(reverse("network:area_list"))
    with django_assert_max_num_queries(6):
        client.get(reverse("network:area_list"))
    with django_assert_max_num_queries(9):
        response = client.get(reverse("network:area_detail", args=[world.area_a.pk]))
    assert len(response.context["distributors"]) == 16
