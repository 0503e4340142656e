"""The monthly rollup follows the facts through uses and voids, and the dashboards read it unchanged."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from kaiku.stats import queries
from kaiku.stats.facts import ROLLUP_DIMS, rebuild_rollup
from kaiku.stats.models import UseFact, UseRollup
from kaiku.stats.queries import Filters, StatsScope, dashboard
from kaiku.stats.tests.helpers import use
from kaiku.visits.models import Channel
from kaiku.visits.services import void_use

pytestmark = pytest.mark.django_db


def _rollup():
    return sorted(
        UseRollup.objects.values_list(
            "year", "month", "venue_area_key", "dim", "value", "uses", "adults", "children", "assistants",
            "accepted", "refused",
        )
    )  # fmt: skip


def _from_facts():
    """The rollup derived here, in Python, from the facts."""
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 6)
    for f in UseFact.objects.all():
        counted = f.outcome == "accepted" and not f.voided
        values = [
            "", f.sector, f.art_form, f.card_kind, f.age_band, f.gender,
            "" if f.card_area_id is None else str(f.card_area_id), f.channel, f.reason,
        ]  # fmt: skip
        for dim, value in zip(ROLLUP_DIMS, values, strict=True):
            sums = rows[(f.year, f.month, f.venue_area_id or 0, dim, value)]
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
    return sorted((*key, *sums) for key, sums in rows.items())


def _random_uses(world, seed):
    rng = random.Random(seed)
    done = []
    for _ in range(40):
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
    rebuild_rollup()
    assert _rollup() == incremental


def _published(tables, figures):
    return [(t.key, t.rows, t.columns, t.values) for t in tables], figures


@pytest.mark.parametrize("level", ["national", "area"])
def test_the_dashboard_reads_the_same_numbers_from_the_rollup_as_from_the_facts(world, monkeypatch, level):
    _random_uses(world, 3)
    year = timezone.localdate().year
    scope = StatsScope(level, area=world.area_a if level == "area" else None, threshold=None)
    for filters in (
        Filters(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        Filters(dt.date(year, 1, 1), dt.date(year, 12, 31), area=world.area_b),
    ):
        months = queries.months_between(filters.start, filters.end)
        assert queries._from_rollup(scope, filters, months) is not None  # the rollup answers
        rolled = _published(*dashboard(scope, filters))
        with monkeypatch.context() as patched:
            patched.setattr(queries, "_from_rollup", lambda *a: None)
            assert rolled == _published(*dashboard(scope, filters))
