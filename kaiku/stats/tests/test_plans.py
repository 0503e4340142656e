"""The statistics' statements are planned for their own parameters on PostgreSQL, and the use path's
are not; an area's cross-area uses are searched by area and day."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from kaiku.stats import queries
from kaiku.stats.models import UseFact
from kaiku.stats.queries import Filters, StatsScope
from kaiku.stats.tests.helpers import use

# Not inside a test's transaction: SET LOCAL lasts until the outermost transaction ends.
pytestmark = pytest.mark.django_db(transaction=True)


def _mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_a_dashboard_plans_each_statement_for_its_parameters_and_leaves_the_connection_as_it_was(world, monkeypatch):
    seen = []
    real = queries._feedback_tables

    def spying(*args, **kwargs):
        seen.append(_mode())
        return real(*args, **kwargs)

    monkeypatch.setattr(queries, "_feedback_tables", spying)
    before = _mode()
    queries.dashboard(StatsScope("national", threshold=None), Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert seen == ["force_custom_plan"]
    assert _mode() == before == "auto"  # the use path keeps its generic plans


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
@pytest.mark.parametrize(("call", "inside"), [("yearly_table", "yearly_rows"), ("open_data", "suppress")])
def test_the_yearly_table_and_open_data_plan_for_their_parameters(world, monkeypatch, call, inside):
    seen = []
    real = getattr(queries, inside)

    def spying(*args, **kwargs):
        seen.append(_mode())
        return real(*args, **kwargs)

    monkeypatch.setattr(queries, inside, spying)
    use(world, world.card_a, world.venue_a)
    if call == "yearly_table":
        queries.yearly_table(StatsScope("national", threshold=None))
    else:
        queries.open_data(5)
    assert seen and set(seen) == {"force_custom_plan"}
    assert _mode() == "auto"


def test_an_areas_cross_area_uses_are_searched_by_area_and_day(world):
    use(world, world.card_a, world.venue_a)
    use(world, world.card_a, world.venue_b)  # the area's card at another area's venue
    use(world, world.card_b, world.venue_b)  # neither side the area's
    today = timezone.localdate()
    days = Q(day__gte=today - dt.timedelta(days=9), day__lte=today - dt.timedelta(days=5)) | Q(
        day__gte=today, day__lte=today
    )
    scope = StatsScope("area", area=world.area_a, threshold=None)
    across = scope.uses_across(days)
    plainly = UseFact.objects.filter(Q(venue_area=world.area_a) | Q(card_area=world.area_a)).filter(days)
    assert sorted(across.values_list("pk", flat=True)) == sorted(plainly.values_list("pk", flat=True))
    assert across.count() == 2
    assert not scope.uses_across(Q(day__lt=today)).exists()
    # Each range of days goes with each side of the area's OR, so that PostgreSQL can search
    # the (area, day) indexes for those days instead of reading the whole area from them.
    sql = str(across.query)
    assert sql.count('"venue_area_id" =') == sql.count('"card_area_id" =') == 2, sql
