"""Keeping the fact tables current, and rebuilding them from the register.

``record_use_fact`` and ``void_use_fact`` run inside the visits service's
transaction, ``card_fact`` inside the card service's, so a statistic never
disagrees with the register once a transaction commits. ``rebuild`` throws the
tables away and derives them again (``manage.py rebuild_stats``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kaiku.stats.models import (
    CARD_ROLLUP_KEYS,
    AgeBand,
    CardFact,
    CardRollup,
    CardYear,
    PendingFact,
    SliceRollup,
    UseFact,
)

if TYPE_CHECKING:
    from kaiku.cards.models import Card, CardEvent
    from kaiku.takeover.models import MonthlyCount
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
        # A card whose details retention or erasure reduced keeps only its age band.
        "age_band": AgeBand.for_age(age) if age is not None else (card.age_band or AgeBand.UNKNOWN),
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
        life_situation=(use.card.life_situation if use.card else "") or "",
        **_holder_dims(use.card, day.year),
    )


def _enqueue(fact_ids: list[int]) -> None:
    """Note new facts as waiting to be folded into the slices (``kaiku.stats.slices``): one insert."""
    PendingFact.objects.bulk_create([PendingFact(fact_id=pk) for pk in fact_ids])


def record_use_fact(use: Use) -> None:
    """The facts of one recorded use: its fact row, the rollup, the card-years.

    Called when pending statistics are folded (``kaiku.stats.intake``), off the use's own
    request: four short statements, and two or three more on a card's first counted use of
    the year, for the card rollups. ``record_use_facts`` is the batch form and the tests
    hold the two to the same results.
    """
    fact = use_fact_for(use)
    fact.save(force_insert=True)
    _enqueue([fact.pk])
    if fact.outcome != UseFact.Outcome.ACCEPTED or fact.voided or fact.card_key is None:
        return
    take_into_use([(fact.card_key, fact.year, fact.card_site_id, fact.card_area_id)])


def record_use_facts(uses: list[Use]) -> None:
    """``record_use_fact`` for a batch: one insert of the facts, one upsert of the rollup and one
    insert of the cards taken into use."""
    if not uses:
        return
    facts = [use_fact_for(use) for use in uses]
    UseFact.objects.bulk_create(facts)
    _enqueue([fact.pk for fact in facts])
    take_into_use(
        (fact.card_key, fact.year, fact.card_site_id, fact.card_area_id)
        for fact in facts
        if fact.outcome == UseFact.Outcome.ACCEPTED and not fact.voided and fact.card_key is not None
    )


def void_use_fact(use: Use) -> UseFact | None:
    """Mark a use's fact voided and take it out of the counted sums; the fact, or None when nothing changed.

    The caller (``intake``) takes the returned fact out of the slices too.
    """
    fact = UseFact.objects.filter(use_id=use.pk).first()
    if fact is None or fact.voided:
        return None
    UseFact.objects.filter(pk=fact.pk).update(voided=True)
    if fact.outcome == UseFact.Outcome.ACCEPTED and fact.card_key is not None:
        others = UseFact.objects.counted().filter(card_key=fact.card_key, year=fact.year)
        if not others.exists():
            give_up_card_year(fact.card_key, fact.year)
    return fact


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


def card_fact(card: Card, kind: str, event: CardEvent | None = None, *, day: dt.date | None = None) -> None:
    """Called by the card service after each lifecycle step; only registrations and renewals count.

    The fact is dated ``day`` when given (a registration recorded on paper earlier), else
    on the day of the event.
    """
    if kind not in FACT_KINDS:
        return
    if day is None:
        day = timezone.localdate(event.at) if event is not None and event.at else timezone.localdate()
    fact = card_fact_for(card, kind, day, event.pk if event is not None else None)
    # The flags of the card rollup: taken into use this year already, and not the only fact of the year.
    fact.used = CardYear.objects.filter(card_key=card.pk, year=fact.year).exists()
    same_year = CardFact.objects.filter(card_key=card.pk, year=fact.year)
    fact.shared_year = same_year.exists()
    if fact.shared_year:
        same_year.filter(shared_year=False).update(shared_year=True)
    fact.save()
    _add_card_rollup([_card_rollup_key(fact)], [(1, int(fact.used))])


# --- Cards taken into use and the card rollups -----------------------------------------

CardYearRow = tuple[int, int, int | None, int | None]  # card key, year, issuing site, card's area


def _card_rollup_key(fact: CardFact) -> tuple[Any, ...]:
    """The fact's day row of the card rollup (``_add_card_rollup`` adds to its month row too)."""
    return (
        fact.year,
        fact.month,
        fact.day.day,
        fact.kind,
        fact.card_site_id or 0,
        fact.card_area_id or 0,
        fact.site_municipality_id or 0,
        fact.card_kind,
    )


def _upsert(
    model: type[SliceRollup] | type[CardRollup],
    keys: tuple[str, ...],
    amounts: tuple[str, ...],
    rows: dict[tuple[Any, ...], list[int]],
) -> None:
    """Add amounts to rows of a rollup keyed by ``keys``, creating the rows that do not exist.

    On PostgreSQL in one statement whatever the number of rows, each column passed as
    one array (``unnest``): a statement with thousands of parameters costs more to
    convert in psycopg than to run. On SQLite, whose driver binds in C, 80 rows a statement.
    """
    table = model._meta.db_table
    columns = (*keys, *amounts)
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in amounts)
    ordered = sorted(rows.items())  # a fixed order, so two transactions cannot deadlock
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and ordered:
            types = [
                "text[]" if isinstance(model._meta.get_field(name), models.CharField) else "bigint[]"
                for name in columns
            ]
            arrays = [list(column) for column in zip(*(key + tuple(sums) for key, sums in ordered), strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT * FROM unnest({', '.join(f'%s::{t}' for t in types)}) {conflict}",
                arrays,
            )
            return
        for start in range(0, len(ordered), 80):
            batch = ordered[start : start + 80]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            params: list[Any] = [v for key, sums in batch for v in (*key, *sums)]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} {conflict}",  # noqa: S608
                params,
            )


def _add_card_rollup(keys: Iterable[tuple[Any, ...]], amounts: Iterable[tuple[int, int]]) -> None:
    """Add card facts (their day rows' keys) to their day and month rows, in one upsert."""
    rows: dict[tuple[Any, ...], list[int]] = {}
    for key, (facts, used) in zip(keys, amounts, strict=True):
        for row in (key, (*key[:2], 0, *key[3:])):  # the day's row and the month's
            sums = rows.setdefault(row, [0, 0])
            sums[0] += facts
            sums[1] += used
    if rows:
        _upsert(CardRollup, CARD_ROLLUP_KEYS, ("facts", "used"), rows)


def take_into_use(rows: Iterable[CardYearRow]) -> None:
    """Record cards as taken into use in a year (``CardYear``), for counted uses.

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per 200 card-years: only the
    card-years it creates (a card's first counted use of the year) go on to ``card_years_added``.
    """
    rows = sorted(set(rows), key=lambda row: (row[0], row[1]))
    table = CardYear._meta.db_table
    added: list[CardYearRow] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 200):
            batch = rows[start : start + 200]
            cursor.execute(
                f"INSERT INTO {table} (card_key, year, card_site_id, card_area_id) VALUES "  # noqa: S608
                + ", ".join(["(%s, %s, %s, %s)"] * len(batch))
                + " ON CONFLICT (card_key, year) DO NOTHING RETURNING card_key, year, card_site_id, card_area_id",
                [v for row in batch for v in row],
            )
            added += [tuple(r) for r in cursor.fetchall()]  # type: ignore[misc]
    card_years_added(added)


def give_up_card_year(card_key: int, year: int) -> None:
    """The card has no counted use left in the year (its last one was voided)."""
    card_years = CardYear.objects.filter(card_key=card_key, year=year)
    removed = list(card_years.values_list("card_site_id", "card_area_id"))
    card_years.delete()
    for site_id, area_id in removed:
        _card_year_changed([(card_key, year, site_id, area_id)], -1)


def card_years_added(rows: Iterable[CardYearRow]) -> None:
    """Keep the card rollups current for card-years just created (call only for new rows)."""
    _card_year_changed(list(rows), +1)


def _card_year_changed(rows: list[CardYearRow], sign: int) -> None:
    """Flag the cards' facts of the year as used (or not), and move their card rollup rows' ``used``."""
    if not rows:
        return
    if connection.vendor != "sqlite":
        # A renewal (which holds its card's row lock) checks whether the card was taken
        # into use this year when it writes its fact. Taking the same lock here makes the
        # two wait for each other instead of each missing the other's uncommitted row.
        # SQLite's IMMEDIATE transactions already run one at a time.
        from kaiku.cards.models import Card

        cards = sorted({card_key for card_key, *_rest in rows})
        list(Card.objects.select_for_update().filter(pk__in=cards).order_by("pk").values_list("pk", flat=True))
    by_year: dict[int, list[int]] = {}
    for card_key, year, _site_id, _area_id in rows:
        by_year.setdefault(year, []).append(card_key)
    table = CardFact._meta.db_table
    flipped: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for year, keys in sorted(by_year.items()):
            for start in range(0, len(keys), 500):
                batch = sorted(keys[start : start + 500])
                cursor.execute(
                    f"UPDATE {table} SET used = %s WHERE year = %s AND used = %s "  # noqa: S608
                    f"AND card_key IN ({', '.join(['%s'] * len(batch))}) "
                    f"RETURNING year, month, {_day_of_month('day')}, kind, card_site_id, card_area_id, "
                    "site_municipality_id, card_kind",
                    [sign > 0, year, sign < 0, *batch],
                )
                flipped += [
                    (y, m, d, kind, site or 0, area or 0, muni or 0, card_kind)
                    for y, m, d, kind, site, area, muni, card_kind in cursor.fetchall()
                ]
    _add_card_rollup(flipped, [(0, sign)] * len(flipped))


def _chunks(items: Iterable[object], size: int = CHUNK) -> Iterator[list[object]]:
    batch: list[object] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_card_rollup() -> int:
    """Derive the card facts' flags and the card rollup, in a few statements.

    Runs after ``rebuild_card_years``: a card fact is used when its card has a card-year
    in the fact's year. The rollup's rows are written in key order (see ``slices.rebuild_slices``).
    """
    CardRollup.objects.all().delete()
    card_facts = CardFact.objects.all()
    card_facts.filter(Q(used=True) | Q(shared_year=True)).update(used=False, shared_year=False)
    card_facts.filter(Exists(CardYear.objects.filter(card_key=OuterRef("card_key"), year=OuterRef("year")))).update(
        used=True
    )
    same_year = CardFact.objects.filter(card_key=OuterRef("card_key"), year=OuterRef("year")).exclude(pk=OuterRef("pk"))
    card_facts.filter(Q(card_key=None) | Exists(same_year)).update(shared_year=True)
    cards = CardFact._meta.db_table
    with connection.cursor() as cursor:
        day = _day_of_month("day").replace("%%", "%")  # no parameters here
        rollup = CardRollup._meta.db_table
        cursor.execute(
            f"INSERT INTO {rollup} ({', '.join(CARD_ROLLUP_KEYS)}, facts, used) "  # noqa: S608
            f"SELECT year, month, {day}, kind, COALESCE(card_site_id, 0), COALESCE(card_area_id, 0), "
            "COALESCE(site_municipality_id, 0), card_kind, COUNT(*), SUM(CASE WHEN used THEN 1 ELSE 0 END) "
            f"FROM {cards} GROUP BY year, month, {day}, kind, COALESCE(card_site_id, 0), COALESCE(card_area_id, 0), "
            "COALESCE(site_municipality_id, 0), card_kind ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
        keys = ", ".join(key for key in CARD_ROLLUP_KEYS if key != "day")
        cursor.execute(
            f"INSERT INTO {rollup} ({keys}, day, facts, used) "  # noqa: S608
            f"SELECT {keys}, 0, SUM(facts), SUM(used) FROM {rollup} WHERE day > 0 GROUP BY {keys} "
            f"ORDER BY {keys}"
        )
    return CardRollup.objects.count()


def _day_of_month(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%d', {column}) AS INTEGER)"
    return f"CAST(EXTRACT(DAY FROM {column}) AS INTEGER)"


def rebuild_card_years() -> int:
    """Derive the cards taken into use per year from the counted use facts (in year order, as the use path writes them)."""
    CardYear.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CardYear._meta.db_table} (card_key, year, card_site_id, card_area_id) "  # noqa: S608
            f"SELECT card_key, year, MIN(card_site_id), MIN(card_area_id) FROM {UseFact._meta.db_table} "
            "WHERE outcome = %s AND voided = %s AND card_key IS NOT NULL GROUP BY card_key, year ORDER BY year, card_key",
            [UseFact.Outcome.ACCEPTED, False],
        )
    return CardYear.objects.count()


def event_day(event: CardEvent) -> dt.date:
    """The register's own date of a card event: the day a paper card was given
    (``given_on``, recorded when it was typed in later), else the day of the event."""
    given = (event.details or {}).get("given_on")
    if given:
        try:
            return dt.date.fromisoformat(given)
        except (TypeError, ValueError):
            pass
    return timezone.localdate(event.at)


# --- Monthly counts taken over (issue 24) -----------------------------------------------------

MONTHLY = "monthly"  # the channel of a past month's count: counted uses, never an attempt by a channel


def monthly_fact_for(count: MonthlyCount) -> UseFact:
    """The fact of a past month's count taken over (not saved): its uses, without a card, on the month's first day."""
    venue = count.venue
    return UseFact(
        monthly_id=count.pk,
        day=count.month,
        year=count.month.year,
        month=count.month.month,
        venue_id=venue.pk,
        venue_area_id=venue.area_id,
        venue_municipality_id=venue.municipality_id,
        sector=count.sector,
        adults=count.adult_uses,
        children=count.child_uses,
        channel=MONTHLY,
        outcome=UseFact.Outcome.ACCEPTED,
    )


def record_monthly_facts(counts: Iterable[MonthlyCount]) -> list[UseFact]:
    """The facts of monthly counts, added to the slices' queue."""
    new = UseFact.objects.bulk_create([monthly_fact_for(count) for count in counts])
    _enqueue([fact.pk for fact in new])
    return new
