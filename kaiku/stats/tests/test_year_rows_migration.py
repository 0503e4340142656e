"""Migration 0017 drops the per-year summary tables for the use rollup's year rows (since 0020 the
unfiltered slice's): an upgraded register gets the year rows the fold and a rebuild write, and the
yearly table is unchanged."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku.cards.services import HolderDetails, register_card, renew_card
from kaiku.stats import intake
from kaiku.stats.models import SliceRollup
from kaiku.stats.queries import StatsScope, yearly_rows
from kaiku.stats.tests.helpers import add_uses, use
from kaiku.visits.services import void_use

BEFORE = [("stats", "0016_slice_area_indexes")]
AFTER = [("stats", "0017_rollup_year_rows")]


def _year_rows(rows):
    rows = rows.filter(month=0).exclude(uses=0, adults=0, children=0, assistants=0)
    return sorted(
        rows.values_list("year", "venue_area_key", "dim", "value", "uses", "adults", "children", "assistants")
    )


@pytest.mark.django_db(transaction=True)
def test_an_upgraded_register_gets_the_year_rows_the_fold_writes(world):
    add_uses(world)
    void_use(use(world, world.card_b, world.venue_b), "typo", None)
    details = HolderDetails(birth_year=1990, municipality=world.muni_a, postal_code="33100")
    renew_card(register_card(world.distributor_a, details, world.users["distributor"]).card, world.users["distributor"])
    intake.current()
    national = StatsScope("national", threshold=None)
    written, table = _year_rows(SliceRollup.objects.filter(filter="")), yearly_rows(national)
    assert len({value for _y, _a, _d, value, *_rest in written}) > 1
    assert table[0].registered == 1 and sum(table[0].adult) > 0

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # the year rows go, and the summary tables come back
    rollup = executor.loader.project_state(BEFORE).apps.get_model("stats", "UseRollup")
    assert rollup.objects.exists() and not rollup.objects.filter(month=0).exists()
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    assert _year_rows(executor.loader.project_state(AFTER).apps.get_model("stats", "UseRollup").objects) == written

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes())
    assert _year_rows(SliceRollup.objects.filter(filter="")) == written
    assert yearly_rows(national) == table
