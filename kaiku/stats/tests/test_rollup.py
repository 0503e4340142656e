"""The unfiltered slice (what was the use rollup) follows the facts through uses and voids, and the
dashboards read it unchanged."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from kaiku.stats import periods, queries, slices
from kaiku.stats.models import YEAR_DIM, SliceRollup, UseFact
from kaiku.stats.queries import Filters, StatsScope, dashboard
from kaiku.stats.slices import ROLLUP_DIMS
from kaiku.stats.tests.helpers import use, vary_holders
from kaiku.visits.models import Channel
from kaiku.visits.services import void_use

pytestmark = pytest.mark.django_db


def _rollup():
    # A row whose amounts are all zero (a year row whose uses were all voided) says the same as no row.
    zero = {name: 0 for name in ("uses", "adults", "children", "assistants", "accepted", "refused")}
    slices.fold()
    return sorted(
        SliceRollup.objects.filter(filter=slices.ALL, fvalue="").exclude(**zero).values_list(
            "year", "month", "day", "venue_area_key", "dim", "value", "uses", "adults", "children", "assistants",
            "accepted", "refused",
        )
    )  # fmt: skip


def _from_facts():
    """The rollup derived here, in Python, from the facts: a month row (day 0) and a day row per fact
    and dimension, at its venue's area and, but the cross-area dimension's, at every area (-1), and a
    year row (month 0) per counted fact."""
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 6)
    for f in UseFact.objects.all():
        counted = f.outcome == "accepted" and not f.voided
        values = [
            "", f.sector, f.art_form, f.card_kind, f.age_band, f.gender,
            "" if f.card_area_id is None else str(f.card_area_id), f.channel, f.reason,
            "" if f.card_municipality_id is None else str(f.card_municipality_id), f.life_situation,
        ]  # fmt: skip
        for dim, value, day, area in [
            (d, v, day, area)
            for d, v in zip(ROLLUP_DIMS, values, strict=True)
            for day in (0, f.day.day)
            for area in ((f.venue_area_id or 0,) if d == "card_area" else (f.venue_area_id or 0, -1))
        ]:
            sums = rows[(f.year, f.month, day, area, dim, value)]
            for i, amount in enumerate(
                [
                    int(counted),
                    f.adults * counted,
                    (f.children + f.community_clients) * counted,
                    f.assistants * counted,
                    int(f.outcome == "accepted"),
                    int(f.outcome == "refused"),
                ]
            ):
                sums[i] += amount
        if counted:
            sums = rows[(f.year, 0, 0, f.venue_area_id or 0, YEAR_DIM, f"{f.venue_municipality_id or ''}:{f.sector}")]
            for i, amount in enumerate([1, f.adults, f.children + f.community_clients, f.assistants]):
                sums[i] += amount
    return sorted((*key, *sums) for key, sums in rows.items())


def _random_uses(world, seed, n=40):
    vary_holders(world)
    rng = random.Random(seed)
    done = []
    for _ in range(n):
        card = rng.choice([world.card_a, world.card_b, world.card_l, "AAAA-BBBB-C"])
        venue = rng.choice([world.venue_a, world.venue_b, world.venue_l])
        children = rng.choice([0, 0, 1, 3, 9])  # 9: too many, refused
        channel = rng.choice([Channel.TYPED, Channel.SCAN])
        done.append(use(world, card, venue, children=children, channel=channel))
        if done and rng.random() < 0.3:
            victim = rng.choice(done)
            if victim.outcome == "accepted" and victim.voided_at is None:
                void_use(victim, "typo", None)
                victim.refresh_from_db()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_rollup_equals_the_facts_after_uses_and_voids_and_after_a_rebuild(world, seed):
    _random_uses(world, seed)
    assert UseFact.objects.filter(voided=True).exists()
    assert UseFact.objects.filter(outcome="refused").exists()
    incremental = _rollup()
    assert incremental == _from_facts()
    slices.rebuild_slices()
    assert _rollup() == incremental


def _published(tables, figures):
    return [(t.key, t.rows, t.columns, t.values) for t in tables], figures


PERIODS = [
    (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    (dt.date(2026, 1, 1), dt.date(2026, 6, 15)),  # the default: this year so far
    (dt.date(2026, 1, 15), dt.date(2026, 6, 15)),
    (dt.date(2026, 2, 10), dt.date(2026, 5, 31)),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    (dt.date(2026, 3, 5), dt.date(2026, 3, 20)),  # within one month: all from the facts
    (dt.date(2025, 12, 20), dt.date(2026, 2, 28)),
]


@pytest.mark.parametrize("level", ["national", "area"])
def test_the_dashboard_reads_the_same_numbers_from_the_rollup_as_from_the_facts(world, _clock, monkeypatch, level):
    rng = random.Random(7)
    for day in sorted(dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(165)) for _ in range(6)):
        _clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone()))
        _random_uses(world, rng.randrange(1000), n=8)
    assert UseFact.objects.values("month").distinct().count() > 2
    scope = StatsScope(level, area=world.area_a if level == "area" else None, threshold=None)
    for start, end in PERIODS:
        for filters in (Filters(start, end), Filters(start, end, area=world.area_b)):
            assert queries._from_rollup(scope, filters, queries.PEOPLE_DIMS) is not None  # the rollup answers
            rolled = _published(*dashboard(scope, filters))
            with monkeypatch.context() as patched:
                patched.setattr(queries, "_from_rollup", lambda *a: None)
                assert rolled == _published(*dashboard(scope, filters)), (start, end, filters.area)


@pytest.mark.parametrize(
    ("start", "end", "whole", "edges"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31), ((2026, 1), (2026, 12)), []),
        (
            dt.date(2026, 1, 1),
            dt.date(2026, 6, 15),
            ((2026, 1), (2026, 5)),
            [(dt.date(2026, 6, 1), dt.date(2026, 6, 15))],
        ),
        (
            dt.date(2025, 12, 20),
            dt.date(2026, 2, 28),
            ((2026, 1), (2026, 2)),
            [(dt.date(2025, 12, 20), dt.date(2025, 12, 31))],
        ),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 14), None, [(dt.date(2026, 1, 15), dt.date(2026, 2, 14))]),
        (dt.date(2026, 3, 5), dt.date(2026, 3, 20), None, [(dt.date(2026, 3, 5), dt.date(2026, 3, 20))]),
        (
            dt.date(2026, 1, 31),
            dt.date(2026, 3, 1),
            ((2026, 2), (2026, 2)),
            [(dt.date(2026, 1, 31), dt.date(2026, 1, 31)), (dt.date(2026, 3, 1), dt.date(2026, 3, 1))],
        ),
    ],
)
def test_it_splits_a_period_into_whole_months_and_other_days(start, end, whole, edges):
    got_whole, got_edges = periods.split_period(start, end)
    assert got_whole == whole
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    in_edges = {d for d in days for a, b in edges if a <= d <= b}
    assert len(got_edges) == len(edges)
    # Every day of the period is in exactly one part: a whole month or an edge.
    for d in days:
        in_whole = whole is not None and whole[0] <= (d.year, d.month) <= whole[1]
        assert in_whole != (d in in_edges)


def test_a_month_cut_by_the_period_is_read_from_the_day_rows_not_from_the_facts(world, _clock, monkeypatch):
    """This year so far, or up to a day with uses after it: the cut month comes from the rollup's day rows."""
    _clock.move_to(dt.datetime(2026, 6, 20, 12, tzinfo=timezone.get_current_timezone()))
    _random_uses(world, 1, n=6)
    _clock.move_to(dt.datetime(2026, 6, 28, 12, tzinfo=timezone.get_current_timezone()))
    _random_uses(world, 2, n=6)
    scope = StatsScope("national", threshold=None)
    for filters in (
        Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 28)),
        Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 25)),  # the uses of 28 June lie outside
        Filters(dt.date(2026, 6, 20), dt.date(2026, 6, 20)),
    ):
        with monkeypatch.context() as patched:

            def no_facts(*args, **kwargs):
                raise AssertionError("the use facts were read")

            patched.setattr(queries, "_use_tables", no_facts)
            rolled = _published(*dashboard(scope, filters))
        with monkeypatch.context() as patched:
            patched.setattr(queries, "_from_rollup", lambda *a: None)
            assert rolled == _published(*dashboard(scope, filters))
        assert rolled[1]["uses"] > 0
