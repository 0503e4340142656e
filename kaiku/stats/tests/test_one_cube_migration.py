"""Migration 0020 makes the use rollup the slices' unfiltered slice, and back, and 0022 adds the
unfiltered slice's rows of every area, and takes them out: with facts still waiting to be folded,
the unfiltered slice after the fold is what the facts say, and the use rollup after migrating back
holds every fact, as it did (at each area: it had no rows of every area)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku.stats import intake, slices
from kaiku.stats.models import PendingFact
from kaiku.stats.tests.helpers import add_uses, use
from kaiku.stats.tests.test_rollup import _from_facts, _rollup
from kaiku.visits.services import void_use

BEFORE = [("stats", "0019_card_sets_as_roaring_bitmaps")]


def _without_zeros(rows):
    return sorted(row for row in rows if any(row[6:]))


@pytest.mark.django_db(transaction=True)
def test_the_unfiltered_slice_is_the_use_rollup_with_facts_waiting_to_be_folded(world):
    add_uses(world)
    intake.current()  # folded into the slices
    use(world, world.card_a, world.venue_b, children=2)
    void_use(use(world, world.card_b, world.venue_a), "typo", None)
    use(world, "AAAA-BBBB-C", world.venue_a)
    intake.fold()  # facts, waiting to be folded into the slices
    assert PendingFact.objects.count() == 3
    expected = _from_facts()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    rollup = executor.loader.project_state(BEFORE).apps.get_model("stats", "UseRollup")
    names = ("year", "month", "day", "venue_area_key", "dim", "value")
    amounts = ("uses", "adults", "children", "assistants", "accepted", "refused")
    every_area = [row for row in expected if row[3] == slices.EVERY_AREA]
    assert every_area
    assert _without_zeros(rollup.objects.values_list(*names, *amounts)) == [
        row for row in expected if row not in every_area
    ]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert PendingFact.objects.count() == 3
    assert _rollup() == expected  # folds the waiting facts first
    assert not PendingFact.objects.exists()
    slices.rebuild_slices()
    assert _rollup() == expected
