"""Keeping the fact tables current, and rebuilding them from the register.

``record_use_fact`` and ``void_use_fact`` run inside the visits service's
transaction, ``card_fact`` inside the card service's, so a statistic never
disagrees with the register once a transaction commits. ``rebuild`` throws the
tables away and derives them again (``manage.py rebuild_stats``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from kaiku.stats.models import AgeBand, CardFact, CardSummary, CardYear, UseFact, UseSummary

if TYPE_CHECKING:
    from kaiku.cards.models import Card, CardEvent
    from kaiku.visits.models import Use

CHUNK = 5000


def _holder_dims(card: Card | None, year: int) -> dict[str, object]:
    if card is None:
        return {"card_key": None, "age_band": AgeBand.UNKNOWN, "gender": "", "card_kind": ""}
    age = year - card.birth_year if card.birth_year else None
    return {
        "card_key": card.pk,
        "card_site_id": card.site_id,
        "card_area_id": card.site.area_id,
        "card_municipality_id": card.municipality_id or card.site.municipality_id,
        "age_band": AgeBand.for_age(age),
        "gender": card.gender or "",
        "card_kind": card.kind,
    }


def use_fact_for(use: Use) -> UseFact:
    """The fact row of a use (not saved)."""
    day = use.used_on
    return UseFact(
        use_id=use.pk,
        day=day,
        year=day.year,
        month=day.month,
        venue_id=use.venue_id,
        venue_area_id=use.venue.area_id,
        venue_municipality_id=use.venue.municipality_id,
        sector=use.sector,
        art_form=(use.offer.art_form if use.offer_id and use.offer else "") or "",
        adults=use.adults,
        children=use.children,
        community_clients=use.community_clients,
        assistants=use.assistants,
        channel=use.channel,
        outcome=use.outcome,
        reason=use.reason or "",
        voided=use.voided_at is not None,
        **_holder_dims(use.card, day.year),
    )


def _add(model: type[UseSummary] | type[CardSummary], key: Mapping[str, object], amounts: dict[str, int]) -> None:
    """Add amounts to a summary row, creating it when it is the first of its kind."""
    changes = {name: F(name) + value for name, value in amounts.items()}
    if model.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **amounts)
    except IntegrityError:
        # A concurrent transaction created the row first: add to it instead.
        model.objects.filter(**key).update(**changes)


def _bump_summary(fact: UseFact, sign: int) -> None:
    """Add (or, for a void, take away) a counted use in the yearly summary."""
    key = {
        "year": fact.year,
        "venue_area_id": fact.venue_area_id,
        "venue_municipality_id": fact.venue_municipality_id,
        "sector": fact.sector,
    }
    _add(UseSummary, key, {"adults": sign * fact.adults, "children": sign * (fact.children + fact.community_clients)})


def record_use_fact(use: Use) -> None:
    fact = use_fact_for(use)
    fact.save()
    if fact.outcome == UseFact.Outcome.ACCEPTED and not fact.voided:
        _bump_summary(fact, +1)
    if fact.card_key is not None and fact.outcome == UseFact.Outcome.ACCEPTED and not fact.voided:
        CardYear.objects.bulk_create(
            [
                CardYear(
                    card_key=fact.card_key,
                    year=fact.year,
                    card_site_id=fact.card_site_id,
                    card_area_id=fact.card_area_id,
                )
            ],
            ignore_conflicts=True,
        )


def void_use_fact(use: Use) -> None:
    fact = UseFact.objects.filter(use_id=use.pk).first()
    if fact is None:
        return
    if fact.voided:
        return
    UseFact.objects.filter(pk=fact.pk).update(voided=True)
    if fact.outcome == UseFact.Outcome.ACCEPTED:
        _bump_summary(fact, -1)
    if fact.card_key is None:
        return
    still_used = UseFact.objects.counted().filter(card_key=fact.card_key, year=fact.year).exists()
    if not still_used:
        CardYear.objects.filter(card_key=fact.card_key, year=fact.year).delete()


FACT_KINDS = {"registered": CardFact.Kind.REGISTERED, "renewed": CardFact.Kind.RENEWED}


def card_fact_for(card: Card, kind: str, day: dt.date, event_id: int | None = None) -> CardFact:
    dims = _holder_dims(card, day.year)
    dims.pop("card_municipality_id", None)
    return CardFact(
        event_id=event_id,
        kind=FACT_KINDS[kind],
        day=day,
        year=day.year,
        month=day.month,
        site_municipality_id=card.site.municipality_id,
        card_municipality_id=card.municipality_id or card.site.municipality_id,
        **dims,
    )


def card_fact(card: Card, kind: str, event: CardEvent | None = None) -> None:
    """Called by the card service after each lifecycle step; only registrations and renewals count."""
    if kind not in FACT_KINDS:
        return
    day = timezone.localdate(event.at) if event is not None and event.at else timezone.localdate()
    fact = card_fact_for(card, kind, day, event.pk if event is not None else None)
    fact.save()
    key = {
        "year": fact.year,
        "kind": fact.kind,
        "card_area_id": fact.card_area_id,
        "site_municipality_id": fact.site_municipality_id,
    }
    _add(CardSummary, key, {"count": 1})


def _chunks(items: Iterable[object], size: int = CHUNK) -> Iterator[list[object]]:
    batch: list[object] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_derived() -> dict[str, int]:
    """Derive the per-year tables (cards taken into use, use summaries) from the use facts."""
    return {"cards_taken_into_use": rebuild_card_years(), "use_summaries": rebuild_summaries()}


def rebuild_summaries() -> int:
    UseSummary.objects.all().delete()
    CardSummary.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CardSummary._meta.db_table} (year, kind, card_area_id, site_municipality_id, count) "  # noqa: S608
            f"SELECT year, kind, card_area_id, site_municipality_id, COUNT(*) FROM {CardFact._meta.db_table} "
            "GROUP BY year, kind, card_area_id, site_municipality_id"
        )
        cursor.execute(
            f"INSERT INTO {UseSummary._meta.db_table} "  # noqa: S608
            "(year, venue_area_id, venue_municipality_id, sector, adults, children) "
            "SELECT year, venue_area_id, venue_municipality_id, sector, SUM(adults), SUM(children + community_clients) "
            f"FROM {UseFact._meta.db_table} WHERE outcome = %s AND voided = %s "
            "GROUP BY year, venue_area_id, venue_municipality_id, sector",
            [UseFact.Outcome.ACCEPTED, False],
        )
    return UseSummary.objects.count()


def rebuild_card_years() -> int:
    """Derive the cards taken into use per year from the use facts, in one statement."""
    CardYear.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CardYear._meta.db_table} (card_key, year, card_site_id, card_area_id) "  # noqa: S608
            f"SELECT card_key, year, MIN(card_site_id), MIN(card_area_id) FROM {UseFact._meta.db_table} "
            "WHERE outcome = %s AND voided = %s AND card_key IS NOT NULL GROUP BY card_key, year",
            [UseFact.Outcome.ACCEPTED, False],
        )
    return CardYear.objects.count()


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Throw the fact tables away and derive them again from uses and card events."""
    from kaiku.cards.models import CardEvent
    from kaiku.visits.models import Use

    UseFact.objects.all().delete()
    CardFact.objects.all().delete()
    uses = Use.objects.select_related("venue", "offer", "card__site").order_by("pk").iterator(chunk_size=CHUNK)
    n_uses = 0
    for batch in _chunks(uses):
        UseFact.objects.bulk_create([use_fact_for(use) for use in batch])  # type: ignore[arg-type]
        n_uses += len(batch)
    events = (
        CardEvent.objects.filter(kind__in=list(FACT_KINDS))
        .select_related("card__site")
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )
    n_cards = 0
    for batch in _chunks(events):
        CardFact.objects.bulk_create(
            [card_fact_for(e.card, e.kind, timezone.localdate(e.at), e.pk) for e in batch]  # type: ignore[attr-defined]
        )
        n_cards += len(batch)
    return {"uses": n_uses, "card_events": n_cards, **rebuild_derived()}
