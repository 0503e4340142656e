"""Key figures as tiles with their change from a year earlier (kaiku.stats.glance) and the dashboard around them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from kaiku.cards.models import Card
from kaiku.stats import glance, queries
from kaiku.stats.queries import YEARLY_HEADINGS
from kaiku.stats.scope import Filters, StatsScope
from kaiku.stats.tests.helpers import add_uses, use
from kaiku.stats.views import yearly_columns

pytestmark = pytest.mark.django_db

JUNE = Filters(start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30))


def _figures(**values: int) -> dict[str, object]:
    base = {"uses": 0, "adults": 0, "children": 0, "assistants": 0, "cards_used": 0}
    return {**base, **values}


def _tile(tiles: list[glance.Tile], label: str) -> glance.Tile:
    return next(t for t in tiles if t.label == label)


def test_it_shifts_the_period_back_one_year_keeping_the_filters(world):
    chosen = Filters(start=dt.date(2024, 2, 29), end=dt.date(2024, 3, 31), sector="culture", area=world.area_a)
    earlier = glance.year_earlier(chosen)
    assert (earlier.start, earlier.end) == (dt.date(2023, 2, 28), dt.date(2023, 3, 31))
    assert (earlier.sector, earlier.area) == ("culture", world.area_a)


def test_it_states_the_change_in_words_with_the_period():
    scope = StatsScope("national", threshold=None)
    earlier = glance.year_earlier(JUNE)
    with translation.override("en"):
        tiles = glance.tiles(scope, _figures(uses=112, adults=90), _figures(uses=100, adults=100), earlier)
        uses, adults = tiles[0], tiles[1]
    assert (uses.value, uses.change, uses.trend) == ("112", "+12 (+12 %)", "up")
    assert uses.says == "Up 12 (12 %) from June 1, 2025 – June 30, 2025."  # noqa: RUF001
    assert (adults.change, adults.trend) == ("\u221210 (\u221210 %)", "down")
    assert adults.says.startswith("Down 10 (10 %) from")
    assert tiles[2].says.startswith("No change from") and tiles[2].trend == "same"


def test_it_gives_no_change_for_a_suppressed_figure_either_year():
    scope = StatsScope("area", threshold=5)
    earlier = glance.year_earlier(JUNE)
    with translation.override("en"):
        tiles = glance.tiles(
            scope, _figures(uses=3, adults=40, children=12), _figures(uses=30, adults=2, children=6), earlier
        )
    uses, adults, children = tiles[0], tiles[1], tiles[2]
    assert (uses.value, uses.change, uses.trend) == ("<5", "not compared: small count", "")
    assert uses.says.startswith("Not compared with June 1, 2025")
    assert (adults.value, adults.change) == ("40", "not compared: small count")
    assert children.change == "+6 (+100 %)"


def test_it_compares_the_share_used_in_percentage_points_only_when_both_are_shown():
    scope = StatsScope("area", threshold=5)
    earlier = glance.year_earlier(JUNE)
    now = _figures(cards_issued=20, cards_issued_used=15, share_used=75)
    with translation.override("en"):
        shown = glance.tiles(scope, now, _figures(cards_issued=20, cards_issued_used=10, share_used=50), earlier)
        hidden = glance.tiles(scope, now, _figures(cards_issued=20, cards_issued_used=3, share_used=15), earlier)
    share = _tile(shown, "Of them used at least once")
    assert (share.value, share.trend) == ("75 %", "up")
    assert share.says.startswith("Up 25 percentage points from")
    assert _tile(hidden, "Of them used at least once").says.startswith("Not compared")


def test_it_shows_extra_figures_after_the_others_without_a_change():
    scope = StatsScope("area", threshold=5)
    extra = [("Cards per 1,000 residents", "4.2")]
    tiles = glance.tiles(scope, _figures(uses=10), _figures(uses=10), glance.year_earlier(JUNE), extra)
    assert tiles[-1] == glance.Tile("Cards per 1,000 residents", "4.2")
    html = render_to_string("stats/_tiles.html", {"tiles": tiles})
    assert "Cards per 1,000 residents" in html and "4.2" in html


def test_it_reads_last_year_through_the_dashboard_once_per_cache_lifetime(world, django_assert_max_num_queries):
    Card.objects.filter(pk=world.card_a.pk).update(issued_on=dt.date(2025, 1, 1))
    with time_machine.travel(dt.datetime(2025, 6, 10, 12), tick=False):
        for _ in range(6):
            use(world, world.card_a, world.venue_a)
    add_uses(world)
    scope = StatsScope("area", area=world.area_a, threshold=5)
    earlier = glance.year_earlier(JUNE)
    first = glance.earlier_figures(scope, earlier)
    assert first["adults"] == 6
    with django_assert_max_num_queries(1):  # at most the cache's own look-up
        assert glance.earlier_figures(scope, earlier) == first


def test_it_shows_tiles_contents_and_tables_behind_their_charts(world):
    add_uses(world)
    response = world.client_for("coordinator").get(f"/stats/area/{world.area_a.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="tiles"' in html and 'class="toc"' in html
    for key in ("months", "sectors", "cross_area", "cards"):
        assert f'href="#t-{key}"' in html and f'id="t-{key}"' in html
    # Each chart names its table and is followed by it.
    assert 'aria-details="table-months"' in html
    assert html.index('aria-details="table-months"') < html.index('id="table-months"')


def test_it_numbers_each_yearly_column_with_its_definition(world):
    body = world.client_for("national_admin").get("/stats/national/yearly/").content.decode()
    for n in range(1, len(YEARLY_HEADINGS)):
        assert f'href="#yd-{n}" aria-describedby="yd-{n}"' in body
        assert f'<span id="yd-{n}">' in body
    assert 'href="#yd-0"' not in body and f'href="#yd-{len(YEARLY_HEADINGS)}"' not in body


def test_it_numbers_no_column_when_the_definitions_do_not_match_the_columns(world, monkeypatch):
    monkeypatch.setattr(queries, "YEARLY_DEFINITIONS", queries.YEARLY_DEFINITIONS[:-1])
    assert all(n is None for _heading, n in yearly_columns())
    body = world.client_for("national_admin").get("/stats/national/yearly/").content.decode()
    assert 'class="def-ref"' not in body and '<span id="yd-1">' in body
