"""Migration 0019 re-encodes the slices' card sets as Roaring bitmaps, and back: the sets keep their keys."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiku.stats import intake, slices
from kaiku.stats.models import SliceCards
from kaiku.stats.tests.helpers import add_uses

migration = importlib.import_module("kaiku.stats.migrations.0019_card_sets_as_roaring_bitmaps")
BEFORE = [("stats", "0018_card_years_without_days")]
AFTER = [("stats", "0019_card_sets_as_roaring_bitmaps")]
DENSE = list(range(3, 9000, 2))  # one key in two: the old format's bitmap ("d")


def _sets():
    return {
        (row.filter, row.fvalue, row.year, row.month, row.day, row.venue_area_key): set(slices.decode(row.cards))
        for row in SliceCards.objects.all()
    }


@pytest.mark.django_db(transaction=True)
def test_the_card_sets_keep_their_keys_through_the_old_format_and_back(world):
    add_uses(world)
    intake.current()
    before = _sets()
    assert before and any(before.values())

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("stats", "SliceCards")
    blobs = list(old.objects.values_list("cards", flat=True))
    assert {bytes(blob)[:1] for blob in blobs} <= {b"s", b"d"}
    assert sorted(set(migration._old_keys(bytes(blob))) for blob in blobs) == sorted(before.values())
    old.objects.create(filter="x", fvalue="", year=2020, cards=migration._old_encode(DENSE))
    assert bytes(old.objects.get(filter="x").cards)[:1] == b"d"

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    after = _sets()
    assert after.pop(("x", "", 2020, 0, 0, 0)) == set(DENSE)
    assert after == before
    SliceCards.objects.filter(filter="x").delete()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not MigrationExecutor(connection).migration_plan(executor.loader.graph.leaf_nodes())
