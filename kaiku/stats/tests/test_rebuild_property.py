"""Rebuild equals incremental (issue 19 item 7), as a property over random register histories.

Hypothesis generates small histories: cards registered today or on paper back-dated,
renewals, replacements, inactivations, uses online, offline (back-dated device time)
and from the spreadsheet import (noon of a past day), voids, days passing. After the
incremental updates (and the slices' fold) every statistics table is read; then
``rebuild_stats`` derives them again from the register, and every table must read the
same. Each example runs in a transaction rolled back at its end (one shared reset).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.stats import models as stats
from kaiku.stats.slices import decode, fold
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseRequest, record_use, void_use

pytestmark = pytest.mark.django_db

# Every table the statistics keep, and the columns that identify nothing but the row itself.
TABLES = [
    stats.UseFact,
    stats.CardFact,
    stats.CardYear,
    stats.CardRollup,
    stats.SliceRollup,
    stats.SliceCards,
]


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    for model in TABLES:
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = sorted(
            (
                tuple(_value(name, v) for name, v in zip(names, row, strict=True))
                for row in model.objects.values_list(*names)
            ),
            key=repr,
        )
        # A rollup row whose amounts are all zero (everything in it voided) says the same as no row.
        tables[model.__name__] = [row for row in rows if _has_amounts(model, names, row)]
    return tables


def _value(name: str, value: Any) -> Any:
    """A card set as its keys (two bitmaps of the same keys may be serialised differently)."""
    return tuple(sorted(decode(value))) if name == "cards" else value


def _has_amounts(model: type, names: list[str], row: tuple[Any, ...]) -> bool:
    amounts = [value for name, value in zip(names, row, strict=True) if name in AMOUNTS.get(model.__name__, ())]
    return not amounts or any(amounts)


AMOUNTS = {
    "SliceRollup": ("uses", "adults", "children", "assistants", "accepted", "refused"),
    "CardRollup": ("facts", "used"),
    "SliceCards": ("cards",),
}

step = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 400), st.booleans()),
    st.tuples(st.just("renew"), st.integers(0, 9)),
    st.tuples(st.just("replace"), st.integers(0, 9)),
    st.tuples(st.just("inactivate"), st.integers(0, 9)),
    st.tuples(st.just("use"), st.integers(0, 9), st.sampled_from(["online", "offline", "import"]), st.integers(0, 40)),
    st.tuples(st.just("void"), st.integers(0, 19)),
    st.tuples(st.just("days_pass"), st.integers(1, 200)),
)


def _details(world: Any, children: int) -> cards.HolderDetails:
    return cards.HolderDetails(birth_year=1980, municipality=world.muni_a, postal_code="33100", children=children)


def _apply(world: Any, history: list[tuple[Any, ...]]) -> None:
    actor = world.users["distributor"]
    registered: list[Card] = []
    uses: list[Use] = []
    moment = timezone.now()
    for n, (kind, *args) in enumerate(history):
        with time_machine.travel(moment, tick=False):
            today = timezone.localdate()
            if kind == "register":
                days_ago, paper = args
                on = today - dt.timedelta(days=days_ago) if paper else None
                registered.append(cards.register_card(world.distributor_a, _details(world, 1), actor, on=on).card)
            elif kind in ("renew", "replace", "inactivate") and registered:
                card = Card.objects.get(pk=registered[args[0] % len(registered)].pk)
                if card.status != Card.Status.ACTIVE:
                    continue
                if kind == "renew":
                    cards.renew_card(card, actor)
                elif kind == "replace":
                    registered.append(cards.replace_card(card, actor).card)
                else:
                    cards.inactivate_card(card, "lost", actor)
            elif kind == "use" and registered:
                index, channel, days_ago = args
                card = registered[index % len(registered)]
                scanned_at = None
                if channel == "offline":
                    scanned_at = timezone.now() - dt.timedelta(days=days_ago, hours=1)
                elif channel == "import":
                    day = today - dt.timedelta(days=days_ago)
                    scanned_at = min(timezone.make_aware(dt.datetime.combine(day, dt.time(12))), timezone.now())
                result = record_use(
                    UseRequest(
                        venue=world.venue_a if index % 2 else world.venue_b,
                        number=card.number,
                        channel={"online": Channel.TYPED, "offline": Channel.OFFLINE, "import": Channel.IMPORT}[
                            channel
                        ],
                        idempotency_key=f"h{n}",
                        children=index % 2,
                        scanned_at=scanned_at,
                        accepted_offline=channel == "offline",
                    )
                )
                uses.append(result.use)
            elif kind == "void" and uses:
                void_use(uses[args[0] % len(uses)], "mistake", actor)
            elif kind == "days_pass":
                moment += dt.timedelta(days=args[0])
    with time_machine.travel(moment, tick=False):
        fold()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=st.lists(step, min_size=1, max_size=8))
def test_rebuild_equals_incremental(world, history):
    with transaction.atomic():
        _apply(world, history)
        incremental = _snapshot()
        call_command("rebuild_stats", stdout=open("/dev/null", "w"))
        fold()
        rebuilt = _snapshot()
        transaction.set_rollback(True)
    for table in incremental:
        assert rebuilt[table] == incremental[table], (table, history)
