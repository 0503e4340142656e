"""The residents' figures read from the statistics equal their definitions read from the register.

A generated history (seeded) goes through the register's services at its own moments:
registrations (some given on paper earlier, some community cards, some personal cards
whose home municipality is then unknown, as a card taken over from an old register),
renewals, replacements, uses at any area's venue (refused ones too: too many children)
and voids. Then ``resident_figures`` (statistics) is compared with the definitions in
``residents.ResidentFigures`` computed here from ``cards.Card`` and ``visits.Use`` over
periods that cut months and parts of months, whole months and whole years.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.network.models import Municipality
from kaiku.reports.residents import SECTORS, ResidentFigures, resident_figures
from kaiku.reports.tests.helpers import registered
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseError, UseRequest, record_use, void_use

START = dt.datetime(2024, 11, 1, 12, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 6, 15, 6, 0, tzinfo=dt.UTC)
PERIODS = [
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # a whole year
    (dt.date(2025, 3, 1), dt.date(2025, 4, 30)),  # whole months
    (dt.date(2025, 1, 15), dt.date(2026, 5, 20)),  # cuts its first and last month
    (dt.date(2025, 12, 20), dt.date(2026, 1, 10)),  # over the turn of a year
    (dt.date(2026, 6, 3), dt.date(2026, 6, 14)),  # within a month, cutting parts
    (dt.date(2026, 2, 27), dt.date(2026, 3, 2)),  # days only
    (dt.date(2024, 1, 1), dt.date(2026, 6, 15)),  # everything
]


def _history(world: Any, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    actor = world.users["distributor"]
    sites = [world.distributor_a, world.distributor_b]
    venues = [world.venue_a, world.venue_b, world.venue_l]
    munis = [world.muni_a, world.muni_b]
    held: list[Card] = []
    uses: list[Use] = []
    span = (END - START).total_seconds()
    moments = sorted(START + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(steps))
    for n, moment in enumerate(moments):
        with time_machine.travel(moment, tick=False):
            roll = rng.random()
            live = list(Card.objects.filter(pk__in=[c.pk for c in held], status=Card.Status.ACTIVE))
            if roll < 0.2 or not live:
                site = rng.choice(sites)
                if rng.random() < 0.15:
                    held.append(cards.register_community_card(site, f"Yhteisö {n}", actor).card)
                    continue
                details = cards.HolderDetails(
                    birth_year=rng.randint(1940, 2008),
                    municipality=rng.choice(munis),
                    postal_code="33100",
                    children=rng.randint(0, 3),
                )
                on = timezone.localdate() - dt.timedelta(days=rng.randint(1, 60)) if rng.random() < 0.2 else None
                card = cards.register_card(site, details, actor, on=on).card
                if rng.random() < 0.15:  # no home municipality known: counted at the issuing site's
                    Card.objects.filter(pk=card.pk).update(municipality=None)
                held.append(card)
            elif roll < 0.27:
                card = rng.choice(live)
                if rng.random() < 0.5:
                    cards.renew_card(card, actor)
                else:
                    held.append(cards.replace_card(card, actor).card)
            elif roll < 0.33 and uses:
                chosen = rng.choice(uses)
                if chosen.voided_at is None and chosen.accepted:
                    uses[uses.index(chosen)] = void_use(chosen, "mistake", actor)
            else:
                card = rng.choice(held)
                try:
                    result = record_use(
                        UseRequest(
                            venue=rng.choice(venues),
                            number=card.number,
                            channel=Channel.TYPED,
                            idempotency_key=f"res-{seed}-{n}",
                            children=rng.choice([0, 0, 1, 2, 9]),  # 9: refused, too many
                            assistants=rng.choice([0, 0, 1]),
                        )
                    )
                except UseError:
                    continue
                uses.append(result.use)


def _from_register(start: dt.date, end: dt.date) -> dict[str, ResidentFigures]:
    """``ResidentFigures``' definitions (but ``valid``), read from the register."""
    code_of = dict(Municipality.objects.values_list("pk", "code"))
    homes = {c.pk: c.municipality_id or c.site.municipality_id for c in Card.objects.select_related("site")}
    out: dict[str, ResidentFigures] = defaultdict(ResidentFigures)
    registered = Card.objects.filter(
        kind=Card.Kind.PERSONAL, registered_on__gte=start, registered_on__lte=end, replaces__isnull=True
    )
    for card in registered:
        out[code_of[homes[card.pk]]].registered += 1
    used: dict[str, set[int]] = defaultdict(set)
    for use in Use.objects.accepted().filter(used_on__gte=start, used_on__lte=end, card__isnull=False):
        figures = out[code_of[homes[use.card_id]]]
        used[code_of[homes[use.card_id]]].add(use.card_id)
        figures.adults[SECTORS.index(use.sector)] += use.adults
        figures.children[SECTORS.index(use.sector)] += use.children + use.community_clients
    for code, keys in used.items():
        out[code].cards_used = len(keys)
    return dict(out)


@pytest.mark.parametrize("seed", [3, 4])
def test_the_figures_from_the_statistics_are_the_registers(world, seed):
    for card in (world.card_a, world.card_b, world.card_l):
        registered(card)  # the world's cards, made by a factory, as if registered at the desk
    _history(world, seed, 220)
    assert Use.objects.filter(voided_at__isnull=False).exists()
    assert Use.objects.refused().exists()
    assert Card.objects.filter(municipality=None, kind=Card.Kind.PERSONAL).exclude(registered_on=None).exists()
    assert Card.objects.filter(replaces__isnull=False).exists()
    codes = [world.muni_a.code, world.muni_b.code]
    compared = 0
    for start, end in PERIODS:
        expected = _from_register(start, end)
        got = resident_figures(start, end, codes)
        everyone = resident_figures(start, end)
        for code in codes:
            want, have = expected.get(code) or ResidentFigures(), got.get(code) or ResidentFigures()
            have.valid = 0  # the register's own state, not compared here
            assert have == want, (start, end, code)
            assert everyone.get(code, ResidentFigures()).uses == want.uses
            compared += want.uses + want.registered
    assert compared > 0
