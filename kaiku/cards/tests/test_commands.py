from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kaiku.audit.models import AuditEntry
from kaiku.cards import numbers
from kaiku.cards.models import Card


def test_create_card_stock_prints_new_numbers(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_card_stock", "--site", str(world.distributor_b.pk), "--count", "12", stdout=out, stderr=err)
    printed = out.getvalue().split()
    assert len(printed) == 12
    created = Card.objects.filter(site=world.distributor_b, status=Card.Status.UNREGISTERED)
    assert created.count() == 12
    assert {numbers.normalise(p) for p in printed} == set(created.values_list("number", flat=True))
    assert "12" in err.getvalue()
    entry = AuditEntry.objects.get(action="cards.stock_created")
    assert entry.actor is None and entry.actor_label == "create_card_stock" and entry.area == world.area_b


@pytest.mark.parametrize(
    ("site", "count", "message"),
    [("venue_a", 5, "not_a_distributor"), ("distributor_a", 0, "between"), (None, 5, "No site")],
)
def test_create_card_stock_refuses_bad_arguments(world, site, count, message):
    before = Card.objects.count()
    site_id = world.obj(site).pk if site else 999999
    with pytest.raises(CommandError, match=message):
        call_command("create_card_stock", "--site", str(site_id), "--count", str(count), stdout=io.StringIO())
    assert Card.objects.count() == before
