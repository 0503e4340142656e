"""Slices: the statistics' one cube (``SliceRollup``), and the card sets (``SliceCards``).

Every use is summed, per venue area and per dimension of the dashboards (month, sector,
art form, card kind, age band, gender, card's area, channel, refusal reason, home
municipality, life situation), once in the unfiltered slice (filter ``""``, ``ALL``) and
once more for each value of the sector, art form, card kind and channel filters, and once
in the combined slice (filter ``*``), keyed by all four values at once: two or more
filters together are the sum over the combinations of values they allow. A national or
area dashboard reads a few thousand of these rows instead of a year of facts, which are
millions of rows at the scale DESIGN §1 plans for. The cards used under each filter value
are kept as sets of card keys per year, month and part of a month (``SliceCards``,
Roaring bitmaps), whose union counts the distinct cards of any period; with no filter the
sector slice's sets of every sector (``EVERY_CARD``).

The unfiltered slice keeps months and days, at each area and at every area together
(``EVERY_AREA``, but the cross-area dimension), and the year rows of counted uses by venue
municipality and sector (``YEAR_DIM``) that the yearly table and open data read. The
filtered slices keep months and parts of months (five days each, and the 31st alone), not
days: whole months come from the month rows, whole parts of the months a period cuts
from the part rows, and the at most four days at each end of the period outside
whole parts from the facts of those days (sums and card keys).

The combined slice is split by every combination of values, so it keeps less. At
each area it keeps month rows only: with parts its rows would outnumber the facts
they sum, so an area's dashboard (or the national one of one area) under two or more
filters reads the days of the months a period cuts from the facts. For the national
dashboard it keeps month and part rows of every area's venues together
(``venue_area_key`` ``EVERY_AREA``), of every dimension but the cross-area one, which
needs the venue's area: that table's parts of months are read from the facts.

Writing some 140 rollup rows and twenty-four card sets for every use would double
the use path's cost, so the use path only notes the fact as pending (a
``PendingFact``, one short insert) and ``fold`` adds the pending facts to the slices
in batches: before a sliced dashboard is read (so what it shows is always current)
and whenever ``manage.py fold_stats`` runs. Folds and voids of folded facts take one
lock (PostgreSQL: an advisory lock; SQLite: its single writer), so a set is never
rewritten by two transactions at once.

A filter on the venue's municipality selects few facts and reads them through the
municipality index, as do the site and venue dashboards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from pyroaring import BitMap

from kaiku.cards.models import Card
from kaiku.network.models import Sector
from kaiku.offers.models import ArtForm
from kaiku.stats.facts import MONTHLY, _upsert
from kaiku.stats.models import YEAR_DIM, PendingFact, SliceCards, SliceRollup, UseFact, year_value
from kaiku.visits.models import Channel

if TYPE_CHECKING:
    pass

FILTERS = ("sector", "art_form", "card_kind", "channel")
COMBINED = "*"  # the combined slice's filter name: its value is every filter's value at once
# The unfiltered slice's filter name and value: every fact, by day instead of by part of a month,
# at each area, with the year rows of counted uses by venue municipality and sector (``YEAR_DIM``).
ALL = ""
# Every value a fact can hold under each filter (the choices, and "" where a fact may have none):
# the combinations two or more filters allow are the product of these.
FILTER_VALUES = {
    "sector": ["", *Sector.values],
    "art_form": ["", *ArtForm.values],
    "card_kind": ["", *Card.Kind.values],
    "channel": ["", *Channel.values],
}
SLICE_KEYS = ("filter", "fvalue", "year", "month", "day", "venue_area_key", "dim", "value")
CARD_KEYS = ("filter", "fvalue", "year", "month", "day", "venue_area_key")
# The card sets' venue_area_key of the sets of every area's venues, which the national dashboard
# reads: one set of a month instead of one per area, and a large set is a bitmap (one OR).
EVERY_AREA = -1
# The slices that keep rows of every area's venues too (``EVERY_AREA``), for the national dashboard,
# of every dimension but the cross-area one (which needs the venue's area): the national dashboard
# reads them instead of summing twenty areas' rows (the unfiltered slice's 120,000 rows of a period
# that cuts two months at 4 M uses, most of them by home municipality at each area).
NATIONAL_ROWS = (ALL, COMBINED)
PART_DAYS = 5  # a month's parts: days 1-5, 6-10, ..., 26-30, and 31 on its own
FOLD_BATCH = 5000
# pg_advisory_xact_lock's key for folds and voids of folded facts ("kaiku" in ASCII).
_LOCK = 0x6B61696B75


def part(day: int) -> int:
    """The first day of the part of its month that a day of the month falls in."""
    return (day - 1) // PART_DAYS * PART_DAYS + 1


def _day_key(name: str, day: int) -> int:
    """The row key of a day of the month in a slice: the unfiltered slice keeps days, the others parts."""
    return day if name == ALL else part(day)


def day_sql(day: str) -> str:
    """The day of the month of a date column, in SQL."""
    of_month = f"EXTRACT(DAY FROM {day})" if connection.vendor == "postgresql" else f"strftime('%d', {day})"
    return f"CAST({of_month} AS INTEGER)"


def part_sql(day: str) -> str:
    """``part`` in SQL, of a date column."""
    return f"(({day_sql(day)} - 1) / {PART_DAYS} * {PART_DAYS} + 1)"


def combined_value(values: Iterable[str]) -> str:
    """The combined slice's value of a fact's four filter values (in ``FILTERS`` order)."""
    return "|".join(values)


def _slice_values(fact: UseFact) -> list[tuple[str, str]]:
    """The slice values a fact counts under: the unfiltered slice's, one per filter, and the combined one."""
    values = [(name, getattr(fact, name)) for name in FILTERS]
    return [(ALL, ""), *values, (COMBINED, combined_value(v for _name, v in values))]


# The cube's dimensions: (name, the fact's value as text).
# "home" is the holder's home municipality (its id, "" when none).
ROLLUP_DIMS = (
    "month", "sector", "art_form", "card_kind", "age_band", "gender", "card_area", "channel", "reason",
    "home", "life_situation",
)  # fmt: skip
ROLLUP_AMOUNTS = ("uses", "adults", "children", "assistants", "accepted", "refused")


def _rollup_values(fact: UseFact) -> list[str]:
    return [
        "",
        fact.sector,
        fact.art_form,
        fact.card_kind,
        fact.age_band,
        fact.gender,
        "" if fact.card_area_id is None else str(fact.card_area_id),
        fact.channel,
        fact.reason,
        "" if fact.card_municipality_id is None else str(fact.card_municipality_id),
        fact.life_situation,
    ]


def _rollup_amounts(fact: UseFact, sign: int, attempts: bool) -> list[int] | None:
    counted = fact.outcome == UseFact.Outcome.ACCEPTED and not fact.voided
    attempts = attempts and fact.channel != MONTHLY  # a monthly count is uses, not an attempt
    if not counted and not attempts:
        return None
    return [
        sign if counted else 0,
        sign * fact.adults if counted else 0,
        sign * (fact.children + fact.community_clients) if counted else 0,
        sign * fact.assistants if counted else 0,
        int(attempts and fact.outcome == UseFact.Outcome.ACCEPTED),
        int(attempts and fact.outcome == UseFact.Outcome.REFUSED),
    ]


# --- Sets of card keys --------------------------------------------------------------


def encode(keys: Iterable[int]) -> bytes:
    """A set of card keys as a serialised Roaring bitmap (``pyroaring``, the portable format).

    Card keys are the cards' ids, far below the 32-bit bitmap's limit of 2**32.
    """
    return BitMap(keys).serialize()


def decode(blob: bytes) -> BitMap:
    return BitMap.deserialize(bytes(blob))


# --- Keeping the slices ------------------------------------------------------------------


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def fold(batch: int = FOLD_BATCH) -> int:
    """Add every pending fact to the slices, ``batch`` facts a transaction; the number folded."""
    table = PendingFact._meta.db_table
    folded = 0
    while True:
        with transaction.atomic():
            _lock()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE fact_id IN "  # noqa: S608
                    f"(SELECT fact_id FROM {table} ORDER BY fact_id LIMIT %s) RETURNING fact_id",
                    [batch],
                )
                ids = [row[0] for row in cursor.fetchall()]
            if ids:
                _add(list(UseFact.objects.filter(pk__in=ids)), sign=1, attempts=True)
        folded += len(ids)
        if len(ids) < batch:
            return folded


def fold_pending() -> None:
    """Fold before a sliced read, when anything waits (one short probe otherwise)."""
    if PendingFact.objects.exists():
        fold()


def void(fact: UseFact) -> None:
    """Take a voided use out of the slices (after its fact is marked voided, in the same transaction).

    A pending fact needs nothing: the fold will read it voided. A folded one leaves
    the counted sums, its attempt stays; its card leaves the sets of the year, month
    and day in which the card has no other counted use under the same filter value.
    """
    _lock()
    if PendingFact.objects.filter(fact_id=fact.pk).exists():
        return
    _add([fact], sign=-1, attempts=False)
    if fact.outcome != UseFact.Outcome.ACCEPTED or fact.card_key is None:
        return
    others = UseFact.objects.counted().filter(card_key=fact.card_key, year=fact.year).exclude(pk=fact.pk)
    still: set[tuple[Any, ...]] = set()
    for other in others:
        still.update(_cells(other))
    gone = [cell for cell in _cells(fact) if cell not in still]
    _merge_cards({}, {cell: {fact.card_key} for cell in gone})


def take_out(fact: UseFact) -> None:
    """A monthly count's fact out of the slices (the count changed or is gone; it has no card):
    out of their queue when it waits there, else its sums out of the slice rows."""
    assert fact.card_key is None
    _lock()
    if PendingFact.objects.filter(fact_id=fact.pk).delete()[0]:
        return
    _add([fact], sign=-1, attempts=False)


def _has_parts(name: str, area_key: int) -> bool:
    """Whether a slice keeps parts of months for one area's venues (``area_key``) or every area's
    (``EVERY_AREA``): every slice does but the combined one, which has them only for every area's."""
    return name != COMBINED or area_key == EVERY_AREA


def _placements(name: str, day: dt.date, area: int) -> list[tuple[int, int, bool]]:
    """The rows a fact of this day at a venue of this area adds to in a slice: (day key, area key,
    whether the cross-area dimension's row too). The month's row (day 0) and its part's (the
    unfiltered slice: its day's), at the venue's area, and in the unfiltered slice the same at every
    area (without the cross-area row); in the combined slice the month's at the venue's area, and the
    month's and the part's at every area (without the cross-area row)."""
    keys = (area, EVERY_AREA) if name in NATIONAL_ROWS else (area,)
    days = (0, _day_key(name, day.day))
    return [(d, key, key != EVERY_AREA) for key in keys for d in days if not d or _has_parts(name, key)]


def _cells(fact: UseFact) -> list[tuple[Any, ...]]:
    """The card-set rows (``CARD_KEYS``) a counted use puts its card in, per slice value: the year's
    and the month's at its venue's area and at every area, and the part of the month's where the
    slice keeps parts."""
    out = []
    area = fact.venue_area_id or 0
    for name, value in _slice_values(fact)[1:]:  # the distinct cards without a filter: ``EVERY_CARD``
        for month, day in ((0, 0), (fact.month, 0), (fact.month, part(fact.day.day))):
            for key in (area, EVERY_AREA):
                if not day or _has_parts(name, key):
                    out.append((name, value, fact.year, month, day, key))
    return out


def _add(facts: list[UseFact], sign: int, attempts: bool) -> None:
    deltas: dict[tuple[Any, ...], list[int]] = {}
    cards: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for fact in facts:
        amounts = _rollup_amounts(fact, sign, attempts)
        if amounts is None:
            continue
        dims = list(zip(ROLLUP_DIMS, _rollup_values(fact), strict=True))
        for name, value in _slice_values(fact):
            for day, area, cross in _placements(name, fact.day, fact.venue_area_id or 0):
                for dim, dim_value in dims:
                    if dim == "card_area" and not cross:
                        continue
                    key = (name, value, fact.year, fact.month, day, area, dim, dim_value)
                    sums = deltas.setdefault(key, [0] * 6)
                    for i, amount in enumerate(amounts):
                        sums[i] += amount
        if amounts[0]:  # a counted use: its year row, the counted sums alone
            key = (
                ALL,
                "",
                fact.year,
                0,
                0,
                fact.venue_area_id or 0,
                YEAR_DIM,
                year_value(fact.venue_municipality_id, fact.sector),
            )
            sums = deltas.setdefault(key, [0] * 6)
            for i, amount in enumerate(amounts[:4]):
                sums[i] += amount
        if sign > 0 and amounts[0] and fact.card_key is not None:
            for cell in _cells(fact):
                cards[cell].add(fact.card_key)
    if deltas:
        _upsert(SliceRollup, SLICE_KEYS, ROLLUP_AMOUNTS, deltas)
    if cards:
        _merge_cards(cards, {})


def _merge_cards(add: dict[tuple[Any, ...], set[int]], remove: dict[tuple[Any, ...], set[int]]) -> None:
    """Add keys to and take keys out of card-set rows, creating the rows that do not exist."""
    cells = sorted(set(add) | set(remove))
    if not cells:
        return
    existing: dict[tuple[Any, ...], bytes] = {}
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for cell in cells:
        groups[cell[:4]].append(cell)
    for (name, value, year, month), members in groups.items():
        rows = SliceCards.objects.filter(
            filter=name,
            fvalue=value,
            year=year,
            month=month,
            day__in={c[4] for c in members},
            venue_area_key__in={c[5] for c in members},
        ).values_list(*CARD_KEYS, "cards")
        for row in rows:
            existing[tuple(row[:-1])] = bytes(row[-1])
    objs = []
    for cell in cells:
        if cell not in existing and cell not in add:
            continue
        cards = decode(existing[cell]) if cell in existing else BitMap()
        cards |= BitMap(add.get(cell, ()))
        cards -= BitMap(remove.get(cell, ()))
        objs.append(SliceCards(**dict(zip(CARD_KEYS, cell, strict=True)), cards=cards.serialize()))
    SliceCards.objects.bulk_create(
        objs, batch_size=500, update_conflicts=True, unique_fields=list(CARD_KEYS), update_fields=["cards"]
    )


def rollup_value_sql(dim: str) -> str:
    """A fact's value of a rollup dimension (``ROLLUP_DIMS``), in SQL, as ``_rollup_values`` gives it."""
    return {
        "month": "''",
        "card_area": "COALESCE(CAST(card_area_id AS VARCHAR(20)), '')",
        "home": "COALESCE(CAST(card_municipality_id AS VARCHAR(20)), '')",
    }.get(dim, dim)


def rollup_sums_sql() -> tuple[str, list[Any]]:
    """The rollup's sums (``ROLLUP_AMOUNTS``) over grouped facts, in SQL, and their parameters."""
    counted = "outcome = %s AND voided = %s"
    attempt = "channel <> %s AND outcome = %s"  # a monthly count is uses, not an attempt
    sql = (
        f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END), SUM(CASE WHEN {counted} THEN adults ELSE 0 END), "
        f"SUM(CASE WHEN {counted} THEN children + community_clients ELSE 0 END), "
        f"SUM(CASE WHEN {counted} THEN assistants ELSE 0 END), "
        f"SUM(CASE WHEN {attempt} THEN 1 ELSE 0 END), SUM(CASE WHEN {attempt} THEN 1 ELSE 0 END)"
    )
    params: list[Any] = [UseFact.Outcome.ACCEPTED, False] * 4
    return sql, [*params, MONTHLY, UseFact.Outcome.ACCEPTED, MONTHLY, UseFact.Outcome.REFUSED]


# --- Rebuilding --------------------------------------------------------------------------


def rebuild_slices() -> int:
    """Derive the slices from the use facts: the rollup in SQL (the unfiltered slice's year rows and day
    rows, and its day rows of every area from those; then the filters' part rows, on PostgreSQL one scan
    per dimension) and the month rows from the day and part rows; the card sets a month of facts at a time.

    Each insert writes its rows in the order of the table's unique key, so that the rows a dashboard
    reads together (a month's, a day's) share pages. In the order a hash aggregate leaves them,
    PostgreSQL read a national dashboard's 18,000 card rollup rows from 7,000 pages (26 ms at 10 M
    uses; 6 ms in key order). The fold adds rows day by day, which keeps that order.
    """
    PendingFact.objects.all().delete()
    SliceRollup.objects.all().delete()
    SliceCards.objects.all().delete()
    table, facts = SliceRollup._meta.db_table, UseFact._meta.db_table
    amounts = ", ".join(ROLLUP_AMOUNTS)
    summed = ", ".join(f"SUM({name})" for name in ROLLUP_AMOUNTS)  # rows of the rollup added up
    sums, sum_params = rollup_sums_sql()
    insert = f"INSERT INTO {table} ({', '.join(SLICE_KEYS)}, {amounts}) "
    day = part_sql("day")
    combined = " || '|' || ".join(FILTERS)
    area = "COALESCE(venue_area_id, 0)"
    municipality = "COALESCE(CAST(venue_municipality_id AS VARCHAR(20)), '')"
    with connection.cursor() as cursor:
        cursor.execute(
            insert + f"SELECT %s, %s, year, 0, 0, {area}, %s, {municipality} || ':' || sector, COUNT(*), "  # noqa: S608
            f"SUM(adults), SUM(children + community_clients), SUM(assistants), 0, 0 FROM {facts} "
            f"WHERE outcome = %s AND voided = %s GROUP BY year, {area}, {municipality} || ':' || sector "
            "ORDER BY 3, 6, 8",
            [ALL, "", YEAR_DIM, UseFact.Outcome.ACCEPTED, False],
        )
        for dim in ROLLUP_DIMS:  # the unfiltered slice's day rows
            value = rollup_value_sql(dim)
            group = "" if dim == "month" else f", {value}"
            cursor.execute(
                insert + f"SELECT %s, %s, year, month, {day_sql('day')}, {area}, %s, {value}, {sums} "  # noqa: S608
                f"FROM {facts} GROUP BY year, month, {day_sql('day')}, {area}{group} ORDER BY 3, 4, 5, 6, 8",
                [ALL, "", dim, *sum_params],
            )
        # ... and the same at every area, summed from them (fewer rows than the facts), but the cross-area table's.
        cursor.execute(
            insert + f"SELECT filter, fvalue, year, month, day, {EVERY_AREA}, dim, value, {summed} "  # noqa: S608
            f"FROM {table} WHERE filter = %s AND day > 0 AND dim <> %s "
            "GROUP BY filter, fvalue, year, month, day, dim, value ORDER BY 3, 4, 5, 7, 8",
            [ALL, "card_area"],
        )
        for dim in ROLLUP_DIMS:
            value = rollup_value_sql(dim)
            group = "" if dim == "month" else f", {value}"
            every_area = dim != "card_area"  # the combined slice's rows of every area: not the cross-area table's
            if connection.vendor == "postgresql":
                # One scan per dimension: a grouping set per filter, one of all four at each
                # area and one of all four at every area. A dimension that is also a filter is
                # grouped by as an expression, so that GROUPING() tells the sets apart.
                if dim in FILTERS:
                    value = f"({dim} || '')"
                    group = f", {value}"
                which = " ".join(f"WHEN GROUPING({name}) = 0 THEN '{name}'" for name in FILTERS)
                everything = f"GROUPING({', '.join(FILTERS)}) = 0"
                sets = [*(f"({area}, {name}, {day})" for name in FILTERS), f"({area}, {', '.join(FILTERS)})"]
                if every_area:
                    sets.append(f"({', '.join(FILTERS)}, {day})")
                select = (
                    f"SELECT CASE WHEN {everything} THEN '{COMBINED}' {which} END, "  # noqa: S608
                    f"CASE WHEN {everything} THEN {combined} ELSE COALESCE({', '.join(FILTERS)}) END, "
                    f"year, month, COALESCE({day}, 0), CASE WHEN GROUPING({area}) = 0 THEN {area} ELSE {EVERY_AREA} END, "
                    f"%s, {value}, {sums} FROM {facts} GROUP BY year, month{group}, GROUPING SETS ({', '.join(sets)}) "
                    "ORDER BY 1, 2, 3, 4, 5, 6, 8"
                )
                cursor.execute(insert + select, [dim, *sum_params])
                continue
            statements: list[tuple[str, str, str | None, str | None]] = [(name, name, day, area) for name in FILTERS]
            statements.append((COMBINED, combined, None, area))  # at each area: month rows only
            if every_area:
                statements.append((COMBINED, combined, day, None))
            for name, expression, by, at in statements:
                groups = ", ".join(g for g in (by, at, expression) if g)
                select = (
                    f"SELECT %s, {expression}, year, month, {by or 0}, {at or EVERY_AREA}, %s, {value}, "  # noqa: S608
                    f"{sums} FROM {facts} GROUP BY year, month, {groups}{group} ORDER BY 2, 3, 4, 5, 6, 8"
                )
                cursor.execute(insert + select, [name, dim, *sum_params])
        # The month rows of the day and part rows (the combined slice's at each area came with the facts).
        keys = ", ".join(key for key in SLICE_KEYS if key != "day")
        cursor.execute(
            f"INSERT INTO {table} ({keys}, day, {amounts}) "  # noqa: S608
            f"SELECT {keys}, 0, {summed} FROM {table} "
            f"WHERE day > 0 GROUP BY {keys} ORDER BY {keys}"
        )
    _rebuild_cards()
    return SliceRollup.objects.count()


def _rebuild_cards() -> None:
    months = (
        UseFact.objects.counted()
        .exclude(card_key=None)
        .values_list("year", "month")
        .distinct()
        .order_by("year", "month")
    )
    by_year: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    current_year = None
    names = (*FILTERS, COMBINED)
    for year, month in list(months):
        if year != current_year and by_year:
            _write_sets(by_year)
            by_year = defaultdict(set)
        current_year = year
        cells: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        rows = (
            UseFact.objects.counted()
            .filter(year=year, month=month)
            .exclude(card_key=None)
            .values_list("day", "venue_area_id", *FILTERS, "card_key")
            .iterator(chunk_size=20000)
        )
        for day, area, *values, key in rows:
            area = area or 0
            for name, value in zip(names, (*values, combined_value(values)), strict=True):
                cells[(name, value, year, month, part(day.day), area)].add(key)
        for cell, keys in list(cells.items()):
            cells[(*cell[:5], EVERY_AREA)].update(keys)
        months_cells: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        for cell, keys in list(cells.items()):
            months_cells[(*cell[:4], 0, cell[5])].update(keys)
            if not _has_parts(cell[0], cell[5]):
                del cells[cell]
        for cell, keys in months_cells.items():
            by_year[(cell[0], cell[1], year, 0, 0, cell[5])].update(keys)
        _write_sets(cells)
        _write_sets(months_cells)
    if by_year:
        _write_sets(by_year)


def _write_sets(cells: dict[tuple[Any, ...], set[int]]) -> None:
    SliceCards.objects.bulk_create(
        [
            SliceCards(**dict(zip(CARD_KEYS, cell, strict=True)), cards=encode(keys))
            for cell, keys in sorted(cells.items())
        ],
        batch_size=1000,
    )
