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
from kaiku.stats.suppression import HIDDEN
from kaiku.stats.tests import equivalence
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseError, UseRequest, record_use, void_use

pytestmark = [pytest.mark.django_db, pytest.mark.fold_on_read]


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


def _canonical(published: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same numbers whatever the order of a table's rows, and the export matrices apart.

    The gender table's rows follow the database's order, and complementary suppression
    (``HIDDEN``) may pick another partner cell when rows come in another order: the exports
    are compared cell by cell, where a hidden cell on either side stands for any value.
    """
    exports = {}
    for name, entry in published["dashboards"].items():
        for key, table in entry["tables"].items():
            table["values"] = sorted(zip(table.pop("rows"), table["values"], strict=True))
            export = table.pop("export")
            exports[f"{name} {key}"] = [export[0], *sorted(export[1:], key=lambda line: str(line[0]))]
    # A year whose counts are all zero says the same as no row: the old model's incremental
    # summaries kept a row at zero after a use was voided, which its own rebuild did not.
    for name, rows in published["yearly"].items():
        published["yearly"][name] = [row for row in rows if any(_nonzero(cell) for cell in row[1:])]
    return published, exports


def _nonzero(cell: Any) -> bool:
    return any(part not in ("0", "") for part in str(cell).split("/"))


def _same_export(got: list[list[Any]], want: list[list[Any]]) -> bool:
    if len(got) != len(want) or any(len(a) != len(b) for a, b in zip(got, want, strict=True)):
        return False
    cells = zip([c for line in got for c in line], [c for line in want for c in line], strict=True)
    return all(a == b or HIDDEN in (a, b) for a, b in cells)


def _check(name: str) -> None:
    actual = json.loads(equivalence.dump(equivalence.published()))
    path = equivalence.golden(name)
    if os.environ.get("KAIKU_WRITE_EQUIVALENCE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(equivalence.dump(actual) + "\n")
    actual, actual_exports = _canonical(actual)
    expected, expected_exports = _canonical(json.loads(path.read_text()))
    assert actual.keys() == expected.keys()
    for part in expected:
        for key in expected[part]:
            got, want = actual[part].get(key), expected[part][key]
            if part == "dashboards" and got is not None:
                assert got["figures"] == want["figures"], (key, "figures")
                for table in want["tables"]:
                    assert got["tables"].get(table) == want["tables"][table], (key, table)
            assert got == want, (part, key)
    assert actual == expected
    assert actual_exports.keys() == expected_exports.keys()
    for key, want in expected_exports.items():
        assert _same_export(actual_exports[key], want), (key, actual_exports[key], want)


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
