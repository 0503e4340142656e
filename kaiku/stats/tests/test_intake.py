"""The register leaves pending rows; the statistics count them when read (issue 21 item 1)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from kaiku.cards.services import HolderDetails, register_card
from kaiku.pending.models import PendingStat
from kaiku.stats import intake
from kaiku.stats.models import CardFact, UseFact
from kaiku.stats.queries import Filters, StatsScope, dashboard, open_data, yearly_rows
from kaiku.stats.tests.helpers import use
from kaiku.visits.services import void_use

pytestmark = [pytest.mark.django_db, pytest.mark.fold_on_read]

NATIONAL = StatsScope("national", threshold=None)
THIS_YEAR = Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 15))


def test_a_use_leaves_only_a_pending_row_until_the_statistics_are_read(world):
    done = use(world, world.card_a, world.venue_a, children=1)
    assert list(PendingStat.objects.values_list("kind", "ref")) == [("use", done.pk)]
    assert not UseFact.objects.exists()
    _tables, figures = dashboard(NATIONAL, THIS_YEAR)
    assert (figures["uses"], figures["adults"], figures["children"], figures["cards_used"]) == (2, 1, 1, 1)
    assert not PendingStat.objects.exists()
    assert UseFact.objects.get().use_id == done.pk


def test_a_use_voided_before_it_was_counted_counts_as_an_attempt_only(world):
    done = use(world, world.card_a, world.venue_a)
    void_use(done, "typo", world.users["venue_admin"])
    assert [kind for (kind,) in PendingStat.objects.order_by("pk").values_list("kind")] == ["use", "void"]
    tables, figures = dashboard(NATIONAL, THIS_YEAR)
    assert (figures["uses"], figures["cards_used"]) == (0, 0)
    channels = next(t for t in tables if t.key == "channels")
    assert sum(row[0] for row in channels.values) == 1  # the accepted attempt stays
    assert UseFact.objects.get().voided


def test_a_paper_registration_is_counted_on_the_day_it_was_given(world):
    details = HolderDetails(birth_year=1990, municipality=world.muni_a, postal_code="33100")
    register_card(world.distributor_a, details, world.users["distributor"], on=dt.date(2025, 12, 30))
    assert PendingStat.objects.get().kind == "card_event"
    rows = {row.year: row.registered for row in yearly_rows(NATIONAL, [2025, 2026])}
    assert rows.get(2025) == 1 and not rows.get(2026)
    assert CardFact.objects.get().day == dt.date(2025, 12, 30)


def test_open_data_and_the_fold_command_count_what_waits(world):
    use(world, world.card_a, world.venue_a)
    assert [r["adult_uses"] for r in open_data(1) if r["sector"] == "culture"] == ["1"]
    use(world, world.card_a, world.venue_a)
    assert PendingStat.objects.count() == 1
    call_command("fold_stats", stdout=open("/dev/null", "w"))
    assert not PendingStat.objects.exists()
    assert UseFact.objects.count() == 2


def test_the_fold_keeps_the_register_order_across_batches(world):
    uses = [use(world, world.card_a, world.venue_a) for _ in range(3)]
    void_use(uses[1], "typo", world.users["venue_admin"])
    use(world, world.card_b, world.venue_a)
    assert intake.fold(batch=2) == 5  # three transactions: 2 + 2 + 1
    assert sorted(UseFact.objects.values_list("voided", flat=True)) == [False, False, False, True]
    assert intake.fold() == 0


def test_a_rebuild_forgets_what_waited_and_counts_it_from_the_register(world):
    use(world, world.card_a, world.venue_a)
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    assert not PendingStat.objects.exists()
    assert dashboard(NATIONAL, THIS_YEAR)[1]["uses"] == 1


REGISTER_APPS = ("cards", "visits", "network", "portal")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_module_of_the_register_imports_the_statistics():
    root = Path(__file__).resolve().parents[2]
    offending = [
        str(path.relative_to(root))
        for app in REGISTER_APPS
        for path in (root / app).rglob("*.py")
        if "tests" not in path.parts and any(name.startswith("kaiku.stats") for name in _imports(path))
    ]
    assert offending == []
