"""Monthly counts taken over from the old register (issue 24) are counted uses without cards.

``takeover.import_monthly`` leaves a ``PendingStat`` of kind ``monthly`` per count added
or changed; the fold makes one fact of each (``facts.monthly_fact_for``, channel
``monthly``, dated the month's first day) and counts it in every sum, in the rollups and
the slices, never as a card nor as an attempt by a channel.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from kaiku.pending.models import PendingStat
from kaiku.stats import intake, queries
from kaiku.stats.models import CardYear, UseFact
from kaiku.stats.queries import Filters, StatsScope
from kaiku.stats.tests.helpers import use
from kaiku.stats.tests.test_rebuild_property import _snapshot
from kaiku.takeover.models import MonthlyCount

pytestmark = [pytest.mark.django_db, pytest.mark.fold_on_read]

NATIONAL = StatsScope("national", threshold=None)
YEAR = Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))


def _count(world, month: dt.date, adults: int, children: int = 0, sector: str = "culture") -> MonthlyCount:
    count, _created = MonthlyCount.objects.update_or_create(
        venue=world.venue_a, sector=sector, month=month, defaults={"adult_uses": adults, "child_uses": children}
    )
    PendingStat.objects.create(kind=PendingStat.Kind.MONTHLY, ref=count.pk)
    return count


def _tables(filters: Filters = YEAR, scope: StatsScope = NATIONAL) -> tuple[dict[str, dict], dict[str, object]]:
    with translation.override("en"):
        tables, figures = queries.dashboard(scope, filters)
        return {t.key: dict(zip(map(str, t.rows), t.values, strict=True)) for t in tables}, figures


def test_a_monthly_count_is_counted_in_the_sums_but_not_as_cards_or_attempts(world):
    _count(world, dt.date(2025, 3, 1), 40, 12)
    tables, figures = _tables()
    assert tables["months"]["2025-03"] == [40, 12]
    assert tables["sectors"]["Culture"] == [40, 12]
    assert (figures["uses"], figures["cards_used"]) == (52, 0)
    assert tables["channels"] == {}  # not an attempt by any channel
    row = queries.yearly_rows(NATIONAL, [2025])[0]
    assert (row.adult[0], row.child[0], row.taken_into_use, row.municipalities) == (40, 12, 0, 1)
    assert not CardYear.objects.exists()
    assert [r["adult_uses"] for r in queries.open_data(1, [2025]) if r["sector"] == "culture"] == ["40"]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), sector="culture"),  # the slices
        Filters(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 3)),  # a period that cuts the month
        Filters(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 3), sector="culture", channel="monthly"),
    ],
    ids=["sector", "cut", "cut-sector-channel"],
)
def test_every_read_path_counts_it_on_the_months_first_day(world, filters):
    _count(world, dt.date(2025, 3, 1), 40, 12)
    tables, figures = _tables(filters)
    assert tables["months"]["2025-03"] == [40, 12] and figures["uses"] == 52
    # An area's and a venue's dashboards read the same fact.
    for scope in (
        StatsScope("area", area=world.area_a, threshold=None),
        StatsScope("venue", site=world.venue_a, threshold=None),
    ):
        assert _tables(filters, scope)[1]["uses"] == 52
    later = Filters(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 31))
    assert _tables(later)[1]["uses"] == 0


def test_a_changed_count_replaces_its_contribution_and_a_removed_one_leaves_nothing(world):
    count = _count(world, dt.date(2025, 3, 1), 40, 12)
    intake.current()
    queries.dashboard(NATIONAL, Filters(start=YEAR.start, end=YEAR.end, sector="culture"))  # folds the slices
    _count(world, dt.date(2025, 3, 1), 30, 0)
    tables, figures = _tables()
    assert tables["months"]["2025-03"] == [30, 0] and figures["uses"] == 30
    assert _tables(Filters(start=YEAR.start, end=YEAR.end, sector="culture"))[1]["uses"] == 30
    assert UseFact.objects.get().adults == 30
    PendingStat.objects.create(kind=PendingStat.Kind.MONTHLY, ref=count.pk)
    count.delete()
    tables, figures = _tables()
    assert figures["uses"] == 0 and "Culture" not in tables["sectors"]
    empty = _snapshot()
    assert all(rows == [] for rows in empty.values()), {k: v for k, v in empty.items() if v}


def test_a_rebuild_counts_the_monthly_counts_as_the_fold_does(world):
    _count(world, dt.date(2025, 3, 1), 40, 12)
    _count(world, dt.date(2025, 4, 1), 7, 1, sector="sports")
    use(world, world.card_a, world.venue_a)
    intake.current()
    queries.dashboard(NATIONAL, Filters(start=YEAR.start, end=YEAR.end, sector="culture"))  # folds the slices
    folded = _snapshot()
    intake.rebuild()
    assert _snapshot() == folded
