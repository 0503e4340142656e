"""Same numbers before and after the statistics model is rewritten (issue 21 item 2).

The expected outputs in ``equivalence/`` were written by the statistics model of
twelve tables (before issue 21), over the demo world and over generated histories
(seeded: the same register on every run and on both databases). Every dashboard
table, key figure, export matrix, yearly table and open-data record must read the
same. ``KAIKU_WRITE_EQUIVALENCE=1`` writes the files again (only ever from the
model the rewrite is measured against).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.stats.tests import equivalence
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseError, UseRequest, record_use, void_use

pytestmark = pytest.mark.django_db

START = dt.datetime(2024, 11, 1, 12, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 6, 15, 6, 0, tzinfo=dt.UTC)


def _moments(rng: random.Random, n: int) -> list[dt.datetime]:
    span = (END - START).total_seconds()
    return sorted(START + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n))


def _history(world: Any, seed: int, steps: int) -> None:
    """A register history told through the services, each step at its own moment between START and END."""
    rng = random.Random(seed)
    actor = world.users["distributor"]
    sites = [world.distributor_a, world.distributor_b]
    venues = [world.venue_a, world.venue_b, world.venue_l]
    munis = [world.muni_a, world.muni_b]
    held: list[Card] = []
    uses: list[Use] = []
    for n, moment in enumerate(_moments(rng, steps)):
        with time_machine.travel(moment, tick=False):
            roll = rng.random()
            live = [c for c in held if Card.objects.get(pk=c.pk).status == Card.Status.ACTIVE]
            if roll < 0.2 or not live:
                site = rng.choice(sites)
                if rng.random() < 0.15:
                    held.append(cards.register_community_card(site, f"Yhteisö {n}", actor).card)
                else:
                    details = cards.HolderDetails(
                        birth_year=rng.randint(1940, 2008),
                        municipality=rng.choice(munis),
                        postal_code="33100",
                        children=rng.randint(0, 3),
                        gender=rng.choice(["", "female", "male"]),
                    )
                    on = timezone.localdate() - dt.timedelta(days=rng.randint(1, 60)) if rng.random() < 0.2 else None
                    held.append(cards.register_card(site, details, actor, on=on).card)
            elif roll < 0.25:
                card = Card.objects.get(pk=rng.choice(live).pk)
                choice = rng.random()
                if choice < 0.5:
                    cards.renew_card(card, actor)
                elif choice < 0.8:
                    held.append(cards.replace_card(card, actor).card)
                else:
                    cards.inactivate_card(card, "lost", actor)
            elif roll < 0.3 and uses:
                use = rng.choice(uses)
                if use.voided_at is None and use.accepted:
                    uses[uses.index(use)] = void_use(use, "mistake", actor)
            else:
                card = rng.choice(held)
                channel = rng.choice([Channel.TYPED, Channel.SCAN, Channel.OFFLINE, Channel.IMPORT])
                scanned_at = None
                if channel in (Channel.OFFLINE, Channel.IMPORT):
                    scanned_at = timezone.now() - dt.timedelta(days=rng.randint(0, 20), hours=1)
                try:
                    result = record_use(
                        UseRequest(
                            venue=rng.choice(venues),
                            number=card.number,
                            channel=channel,
                            idempotency_key=f"eq-{seed}-{n}",
                            children=rng.choice([0, 0, 1, 2, 9]),
                            assistants=rng.choice([0, 0, 1]),
                            scanned_at=scanned_at,
                            accepted_offline=channel == Channel.OFFLINE,
                        )
                    )
                except UseError:
                    continue
                uses.append(result.use)


def _check(name: str) -> None:
    actual = json.loads(equivalence.dump(equivalence.published()))
    path = equivalence.golden(name)
    if os.environ.get("KAIKU_WRITE_EQUIVALENCE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(equivalence.dump(actual) + "\n")
    expected = json.loads(path.read_text())
    assert actual.keys() == expected.keys()
    for part in expected:
        for key in expected[part]:
            assert actual[part][key] == expected[part][key], (part, key)
    assert actual == expected


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_histories_read_the_same(world, seed):
    _history(world, seed, 160)
    _check(f"history-{seed}")


def test_the_demo_world_reads_the_same(db, monkeypatch):
    from kaiku.accounts import demo as accounts_demo
    from kaiku.cards import demo as cards_demo
    from kaiku.network import demo as network_demo
    from kaiku.stats.demo import populate
    from kaiku.visits import demo as visits_demo
    from kaiku.web.demo import DemoContext

    monkeypatch.setattr(cards_demo, "PERSONAL_CARDS", 60)
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, cards_demo, visits_demo):
        module.populate(ctx)
    populate(ctx)
    _check("demo")
