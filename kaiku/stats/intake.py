"""Write: fold the register's pending changes (``kaiku.pending``) into the statistics' facts.

The register's services do not import the statistics: they leave one ``PendingStat``
row per use recorded, use voided, card event or monthly count taken over, in their own
transaction. ``fold``
reads those rows in the order they were written, makes the facts (``kaiku.stats.facts``:
the fact rows, the rollups, the summaries, the card-years) and deletes the rows, a batch
per transaction. Every read of the statistics calls ``current()`` first (one short probe
when nothing waits), so a dashboard is never behind the register; ``manage.py fold_stats``
folds between reads, to keep that wait short.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django.db import connection, transaction

from kaiku.cards.models import Card, CardEvent
from kaiku.pending.models import PendingStat
from kaiku.stats import facts, slices
from kaiku.stats.models import CardFact, UseFact
from kaiku.takeover.models import MonthlyCount
from kaiku.visits.models import Use

BATCH = 5000
# pg_advisory_xact_lock's key for the fold of the register's changes ("kaikuin").
_LOCK = 0x6B61696B75696E


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def _take(batch: int) -> list[tuple[int, str, int]]:
    """Delete the oldest ``batch`` pending rows and return them: (id, kind, ref), oldest first.

    One ``DELETE … RETURNING`` (which the ORM cannot write): two folds at once never take
    the same row, on SQLite too, where the delete takes the write lock.
    """
    table = PendingStat._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN "  # noqa: S608 - the table name is the model's own
            f"(SELECT id FROM {table} ORDER BY id LIMIT %s) RETURNING id, kind, ref",
            [batch],
        )
        return sorted(cursor.fetchall())


def _runs(rows: list[tuple[int, str, int]]) -> Iterator[tuple[str, list[int]]]:
    """Consecutive rows of one kind: uses in a row are made facts in one batch, in order with the rest."""
    for kind, run in groupby(rows, key=lambda row: row[1]):
        yield kind, [ref for _id, _kind, ref in run]


def _apply(kind: str, refs: list[int]) -> None:
    if kind == PendingStat.Kind.USE:
        uses = Use.objects.select_related("venue", "offer", "card__site").filter(pk__in=refs).order_by("pk")
        facts.record_use_facts(list(uses))
    elif kind == PendingStat.Kind.VOID:
        for use in Use.objects.filter(pk__in=refs).order_by("pk"):
            voided = facts.void_use_fact(use)
            if voided is not None:
                slices.void(voided)
    elif kind == PendingStat.Kind.MONTHLY:
        _monthly_counts_changed(refs)
    elif kind == PendingStat.Kind.CARD_EVENT:
        events = CardEvent.objects.select_related("card__site").filter(pk__in=refs).order_by("pk")
        for event in events:
            facts.card_fact(event.card, event.kind, event, day=facts.event_day(event))


def _monthly_counts_changed(ids: list[int]) -> None:
    """Monthly counts added, changed or removed: each replaces what it counted before.

    An earlier fact of the count leaves the slices (or their queue) and is deleted; the count as it is now is recorded like a batch of uses.
    A count has no card, so no card-year changes.
    """
    for old in UseFact.objects.filter(monthly_id__in=ids).order_by("pk"):
        slices.take_out(old)
        old.delete()
    facts.record_monthly_facts(MonthlyCount.objects.select_related("venue").filter(pk__in=ids).order_by("pk"))


def fold(batch: int = BATCH) -> int:
    """Count every pending change of the register, ``batch`` a transaction; the number folded."""
    folded = 0
    while True:
        with transaction.atomic():
            _lock()
            rows = _take(batch)
            for kind, refs in _runs(rows):
                _apply(kind, refs)
        folded += len(rows)
        if len(rows) < batch:
            return folded


def current() -> None:
    """Before any read: fold what waits (the register's changes, then the slices); one probe each otherwise."""
    if PendingStat.objects.exists():
        fold()
    slices.fold_pending()


def rebuild_derived() -> dict[str, int]:
    """Derive the cards taken into use per year, the rollups and the slices from the use facts."""
    return {
        "cards_taken_into_use": facts.rebuild_card_years(),
        "card_rollup": facts.rebuild_card_rollup(),
        "slice_rollup": slices.rebuild_slices(),
    }


def _kept(facts_of_reduced: Any, key: str, names: tuple[str, ...]) -> dict[Any, dict[str, str]]:
    """The holder values of the facts of reduced cards, by the fact's source key."""
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in facts_of_reduced.values_list(key, *names)}


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Throw the fact tables away and derive them again from uses and card events."""
    # Cards whose holder details were reduced (kaiku.privacy) no longer hold the birth
    # year, gender and life situation their facts were made from: their facts keep the values they had.
    reduced = Card.objects.filter(details_reduced_on__isnull=False).values("pk")
    kept_uses = _kept(UseFact.objects.filter(card_key__in=reduced), "use_id", ("age_band", "gender", "life_situation"))
    kept_events = _kept(CardFact.objects.filter(card_key__in=reduced), "event_id", ("age_band", "gender"))

    def keep(fact: Any, kept: dict[Any, dict[str, str]], key: Any) -> Any:
        for name, value in kept.get(key, {}).items():
            setattr(fact, name, value)
        return fact

    PendingStat.objects.all().delete()  # what waited to be counted is in the register read below
    UseFact.objects.all().delete()
    CardFact.objects.all().delete()
    uses = Use.objects.select_related("venue", "offer", "card__site").order_by("pk").iterator(chunk_size=facts.CHUNK)
    n_uses = 0
    for batch in facts._chunks(uses):
        UseFact.objects.bulk_create([keep(facts.use_fact_for(use), kept_uses, use.pk) for use in batch])  # type: ignore[arg-type, attr-defined]
        n_uses += len(batch)
    counts = MonthlyCount.objects.select_related("venue").order_by("pk").iterator(chunk_size=facts.CHUNK)
    for batch in facts._chunks(counts):
        UseFact.objects.bulk_create([facts.monthly_fact_for(count) for count in batch])  # type: ignore[arg-type]
    events = (
        CardEvent.objects.filter(kind__in=list(facts.FACT_KINDS))
        .select_related("card__site")
        .order_by("pk")
        .iterator(chunk_size=facts.CHUNK)
    )
    n_cards = 0
    for batch in facts._chunks(events):
        CardFact.objects.bulk_create(
            [
                keep(facts.card_fact_for(e.card, e.kind, facts.event_day(e), e.pk), kept_events, e.pk)  # type: ignore[attr-defined,arg-type]
                for e in batch
            ]
        )
        n_cards += len(batch)
    return {"uses": n_uses, "card_events": n_cards, **rebuild_derived()}
