"""The audit log: national admin sees everything, coordinators their own areas, without card numbers."""

from __future__ import annotations

from django.urls import reverse

from kaiku.audit.models import AuditEntry
from kaiku.cards.services import create_stock, inactivate_card
from kaiku.cards.tests.factories import CardFactory


def test_the_national_admin_reads_every_entry(world):
    inactivate_card(world.card_a, "Lost", world.users["distributor"])
    inactivate_card(world.card_b, "Moved", None)
    response = world.client_for("national_admin").get(reverse("audit:log"))
    entries = list(response.context["page"].object_list)
    assert {e.area_id for e in entries} == {world.area_a.pk, world.area_b.pk}
    body = response.content.decode()
    assert world.card_a.display_number in body and "distributor@example.org" in body


def test_a_coordinator_reads_only_the_own_area_without_card_numbers(world):
    inactivate_card(world.card_a, "Lost", world.users["distributor"])
    inactivate_card(world.card_b, "Moved", None)
    response = world.client_for("coordinator").get(reverse("audit:log"))
    entries = list(response.context["page"].object_list)
    assert [e.action for e in entries] == ["cards.inactivated"]
    assert entries[0].area_id == world.area_a.pk
    body = response.content.decode()
    assert world.card_a.display_number not in body and world.card_b.display_number not in body
    # The changed fields' names (in any order: PostgreSQL's jsonb sorts keys), not their values.
    assert "status, reason" in body or "reason, status" in body
    assert "Lost" not in body


def test_audit_log_query_budget(world, django_assert_max_num_queries):
    for _ in range(60):
        card = CardFactory(site=world.distributor_a, municipality=world.muni_a)
        inactivate_card(card, "Lost", world.users["distributor"])
    create_stock(world.distributor_a, 5, actor=world.users["distributor"])
    assert AuditEntry.objects.count() == 61
    client = world.client_for("national_admin")
    client.get(reverse("audit:log"))
    with django_assert_max_num_queries(7):
        response = client.get(reverse("audit:log"))
    assert len(response.context["page"].object_list) == 50
