"""The dashboards' period: bounded, a one-sided period capped at ten years with a message."""

import datetime as dt

import pytest
from django.utils import translation

from kaiku.stats.forms import EARLIEST, FilterForm
from kaiku.stats.queries import StatsScope


def _form(data: dict[str, str]) -> FilterForm:
    return FilterForm(data, scope=StatsScope(level="national"))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"start": "2026-05-01", "end": "2026-01-01"}, "period_reversed"),
        ({"start": "2001-01-01", "end": "2026-01-01"}, "period_too_long"),
        ({"end": "1999-12-31"}, "date_too_early"),
        ({"end": "0001-01-01"}, "date_too_early"),
        ({"start": "2101-01-01"}, "date_too_late"),
        ({"end": "9999-12-31"}, "date_too_late"),
    ],
)
def test_it_refuses_a_period_it_cannot_count(db, data, code):
    form = _form(data)
    assert not form.is_valid()
    assert code in {e.code for errors in form.errors.as_data().values() for e in errors}


def test_a_one_sided_period_is_capped_at_ten_years_with_a_message(db):
    form = _form({"start": "1000-01-01"})
    with translation.override("en"):
        assert form.is_valid()
    filters = form.filters()
    assert filters.end == dt.date(2026, 6, 15)
    assert filters.start == dt.date(2026, 6, 15) - dt.timedelta(days=366 * 10)
    assert "at most ten years" in form.notices[0]


def test_a_start_before_the_programme_is_moved_to_its_first_day(db):
    form = _form({"start": "0001-01-01", "end": "2005-01-01"})
    assert form.is_valid()
    assert form.filters().start == EARLIEST and form.notices


@pytest.mark.parametrize("path", ["/stats/national/", "/stats/area/{area}/", "/stats/venue/{venue}/"])
def test_a_dashboard_shows_the_cap(world, path):
    url = path.format(area=world.area_a.pk, venue=world.venue_a.pk)
    response = world.client_for("national_admin").get(url, {"start": "0001-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "a period covers at most ten years" in response.content.decode()
