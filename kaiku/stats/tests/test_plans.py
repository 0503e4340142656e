"""The statistics' statements are planned for their own parameters on PostgreSQL, and the use path's are not."""

import datetime as dt

import pytest
from django.db import connection

from kaiku.stats import queries
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
