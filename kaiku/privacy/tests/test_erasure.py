"""Erasure on request: by the distributor for the client in front of them, or by the holder."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaiku.audit.models import AuditEntry
from kaiku.cards.tests.factories import CardFactory
from kaiku.portal.models import HolderDevice
from kaiku.portal.tests.test_permissions import client_for
from kaiku.privacy.services import PrivacyError, erase_card
from kaiku.privacy.tests.stats_snapshot import snapshot
from kaiku.stats.tests.helpers import add_uses
from kaiku.visits.models import Reason
from kaiku.visits.services import UseRequest, record_use


def test_the_distributor_erases_a_card_and_statistics_do_not_change(world):
    add_uses(world)
    before = snapshot()
    client = world.client_for("distributor")
    url = reverse("privacy:erase_card", args=[world.card_a.pk])
    page = client.get(url)
    assert "Mitä jää ja miksi" in page.content.decode() and page["Cache-Control"].count("no-store")
    refused = client.post(url, {})
    assert refused.status_code == 200 and refused.context["form"].errors
    world.card_a.refresh_from_db()
    assert world.card_a.details_reduced_on is None  # nothing half-done
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    card = world.card_a
    card.refresh_from_db()
    assert (card.birth_year, card.postal_code, card.status) == (None, "", "inactive")
    assert card.age_band == "65+"  # 2027 - 1957 (valid until next year)
    entry = AuditEntry.objects.get(action="privacy.card_erased")
    assert entry.changes == {"by_holder": None, "status": ["active", "inactive"]}  # lifecycle values only
    assert snapshot() == before
    result = record_use(UseRequest(venue=world.venue_a, number=card.number, channel="typed", idempotency_key="after"))
    assert result.use.reason == Reason.INACTIVATED
    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    assert "henkilötiedot poistettiin" in page


def test_the_holder_erases_their_own_card_and_is_signed_out(world):
    client = client_for(world)("holder")
    url = reverse("privacy:erase_own")
    assert client.post(url, {}).status_code == 200  # not confirmed: the page again
    response = client.post(url, {"confirm": "yes"})
    assert response["Location"] == reverse("privacy:erased")
    world.card_a.refresh_from_db()
    assert world.card_a.details_reduced_on is not None and world.card_a.email == ""
    assert not HolderDevice.objects.filter(card=world.card_a).exists()
    assert AuditEntry.objects.get(action="privacy.card_erased").actor_label == "holder"


@pytest.mark.parametrize(("kind", "code"), [("community", "community_card"), ("stock", "not_registered")])
def test_erasure_is_refused_with_a_reason(world, kind, code):
    card = (
        CardFactory(site=world.distributor_a, kind="community", birth_year=None, municipality=None)
        if kind == "community"
        else world.stock_a
    )
    with pytest.raises(PrivacyError) as exc:
        erase_card(card, world.users["distributor"])
    assert exc.value.code == code


def test_erasing_twice_changes_nothing_the_second_time(world):
    erase_card(world.card_a, world.users["distributor"])
    count = AuditEntry.objects.count()
    erase_card(world.card_a, world.users["distributor"])
    assert AuditEntry.objects.count() == count


def test_own_data_export_includes_reservations_and_group_visits(world):
    from kaiku.offers.services import reserve
    from kaiku.portal.services import join_group_visit
    from kaiku.portal.tests.conftest import make_group_visit, make_occurrence, make_offer

    occurrence = make_occurrence(make_offer(world.venue_a, ticket_method="reservation", quota=5))
    reserve(world.card_a, occurrence)
    join_group_visit(world.card_a, make_group_visit(world))
    data = client_for(world)("holder").get(reverse("portal:download_data")).json()
    assert [r["status"] for r in data["reservations"]] == ["active"]
    assert len(data["group_visits"]) == 1 and data["group_visits"][0]["joined_at"]
