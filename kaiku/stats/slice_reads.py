"""Reading the slices: which rows of the cube (``SliceRollup``) and which card sets (``SliceCards``)
answer a national or area dashboard's period under its filters (``kaiku.stats.slices`` writes them,
``kaiku.stats.queries`` sums what this module picks)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from pyroaring import BitMap

from kaiku.stats.models import SliceCards, SliceRollup
from kaiku.stats.periods import cut_ranges, month_end, month_ranges, split_period
from kaiku.stats.slices import (
    ALL,
    COMBINED,
    EVERY_AREA,
    FILTER_VALUES,
    FILTERS,
    NATIONAL_ROWS,
    PART_DAYS,
    _has_parts,
    combined_value,
    decode,
    fold_pending,
)

if TYPE_CHECKING:
    from kaiku.stats.scope import Filters, StatsScope


def cross_area_by_parts(name: str, area_key: int | None) -> bool:
    """Whether the slice's part rows hold the cross-area table: not the combined slice's (every area's)."""
    return name != COMBINED or area_key is not None


def chosen(filters: Filters) -> tuple[str, list[str]] | None:
    """The slice that answers the use filters, as (filter, values whose rows add up to the answer).

    One filter: its own slice, one value. Two or more: the combined slice, every
    combination of values they allow. None with no use filter or with a municipality.
    """
    picked = {name: getattr(filters, name) for name in FILTERS if getattr(filters, name)}
    if not picked or filters.municipality is not None:
        return None
    if len(picked) == 1:
        ((name, value),) = picked.items()
        return name, [value]
    allowed = [[picked[name]] if name in picked else FILTER_VALUES[name] for name in FILTERS]
    return COMBINED, [combined_value(values) for values in itertools.product(*allowed)]


# The unfiltered slice: the use tables with no use filter.
EVERY_USE = (ALL, [""])
# Every counted fact is in the sector slice under its own sector ("" when none), so the union of the
# sector slice's card sets of every value is every card used: the distinct cards with no use filter.
EVERY_CARD = ("sector", FILTER_VALUES["sector"])


def answers(
    scope: StatsScope, filters: Filters, unfiltered: tuple[str, list[str]] = EVERY_USE
) -> tuple[str, list[str]] | None:
    """The slice that answers this dashboard (national or area, no municipality); folds first.

    ``unfiltered``: the slice with no use filter (``EVERY_USE`` for the use tables, ``EVERY_CARD``
    for the distinct cards).
    """
    picked = chosen(filters)
    if picked is None and filters.municipality is None:
        picked = unfiltered
    if picked is None or scope.level not in ("national", "area"):
        return None
    fold_pending()
    return picked


@dataclass
class Pieces:
    """A period as the slices keep it: whole months, whole parts of the months it cuts, and other days."""

    whole: tuple[tuple[int, int], tuple[int, int]] | None  # (first, last) (year, month)
    parts: list[tuple[int, int, int]] = field(default_factory=list)  # (year, month, first day)
    days: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # at most four at each end with parts

    def month_rows(self, **also: object) -> Q:
        """``SliceRollup``'s rows of the whole months (that also match ``also`` each)."""
        return month_ranges(self.whole, day=0, **also)

    def rollup_rows(self, **also: object) -> Q:
        """``SliceRollup``'s rows of the whole months and the whole parts (that also match ``also`` each:
        in every range, so that PostgreSQL searches an index for it rather than filtering what the
        ranges find)."""
        rows = self.month_rows(**also)
        for (year, month), group in itertools.groupby(self.parts, key=lambda p: p[:2]):
            rows |= Q(**also, year=year, month=month, day__in=[p[2] for p in group])
        return rows

    def card_rows(self) -> Q:
        """``SliceCards``' rows of the whole years, the other whole months and the whole parts."""
        rows = Q(pk__in=[])
        if self.whole is not None:
            (y0, m0), (y1, m1) = self.whole
            for year in range(y0, y1 + 1):
                first, last = (m0 if year == y0 else 1), (m1 if year == y1 else 12)
                if (first, last) == (1, 12):
                    rows |= Q(year=year, month=0)
                else:
                    rows |= Q(year=year, month__gte=first, month__lte=last, day=0)
        for (year, month), group in itertools.groupby(self.parts, key=lambda p: p[:2]):
            rows |= Q(year=year, month=month, day__in=[p[2] for p in group])
        return rows

    def other_days(self) -> Q | None:
        """The other days, as a ``Q`` on the facts' ``day``; None when there are none."""
        return _day_ranges(self.days)

    def part_days(self) -> Q | None:
        """The days of the whole parts, as a ``Q`` on the facts' ``day`` (a range per run of
        neighbouring parts); None when there are none."""
        ranges: list[tuple[dt.date, dt.date]] = []
        for year, month, begins in self.parts:
            first = dt.date(year, month, begins)
            last = first + dt.timedelta(days=PART_DAYS - 1)
            while last.month != month:  # the month ends within the part
                last -= dt.timedelta(days=1)
            if ranges and ranges[-1][1] + dt.timedelta(days=1) == first:
                ranges[-1] = (ranges[-1][0], last)
            else:
                ranges.append((first, last))
        return _day_ranges(ranges)


def _day_ranges(ranges: list[tuple[dt.date, dt.date]]) -> Q | None:
    if not ranges:
        return None
    out = Q(day__gte=ranges[0][0], day__lte=ranges[0][1])
    for first, last in ranges[1:]:
        out |= Q(day__gte=first, day__lte=last)
    return out


def pieces(start: dt.date, end: dt.date, parts: bool = True, length: int = PART_DAYS) -> Pieces:
    """A period cut into whole months, whole parts of the months it cuts, and the days left over.

    Without ``parts`` (the combined slice), the days of the months it cuts are left over; parts of
    one day (``length`` 1, the unfiltered slice) leave none.
    """
    whole, _edges = split_period(start, end)
    cut = Pieces(whole)
    for first, last in cut_ranges(start, end, whole):
        if not parts:
            cut.days.append((first, last))
            continue
        last_day = month_end(first)
        for begins in range(1, 32, length):
            if begins > last_day.day:
                break
            part_first = first.replace(day=begins)
            part_last = first.replace(day=min(begins + length - 1, last_day.day))
            lo, hi = max(first, part_first), min(last, part_last)
            if lo > hi:
                continue
            if (lo, hi) == (part_first, part_last):
                cut.parts.append((first.year, first.month, begins))
            elif cut.days and cut.days[-1][1] + dt.timedelta(days=1) == lo:
                cut.days[-1] = (cut.days[-1][0], hi)
            else:
                cut.days.append((lo, hi))
    return cut


def slice_pieces(chosen: tuple[str, list[str]], start: dt.date, end: dt.date, area_key: int | None) -> Pieces:
    """A period cut as the chosen slice keeps it for one area's venues (``area_key``) or every area's (None):
    with parts of months (the unfiltered slice: days), but in the combined slice at one area."""
    has_parts = _has_parts(chosen[0], EVERY_AREA if area_key is None else area_key)
    return pieces(start, end, parts=has_parts, length=1 if chosen[0] == ALL else PART_DAYS)


def rollup(chosen: tuple[str, list[str]], cut: Pieces, area_key: int | None) -> QuerySet[SliceRollup]:
    """The slice's rows that add up to the period's use tables, cut by ``slice_pieces``.

    For the national dashboard of every area (``area_key`` None) the unfiltered or combined
    slice's rows of every area (``NATIONAL_ROWS``), and the cross-area table's rows of each
    area (the combined slice's months only: its parts of months are not kept, see
    ``cross_area_by_parts``). Otherwise each area's rows, without those of every area,
    which the caller narrows to its areas.
    """
    name, values = chosen
    rows = SliceRollup.objects.filter(filter=name, fvalue__in=values)
    if name in NATIONAL_ROWS and area_key is None:
        by_parts = cross_area_by_parts(name, area_key)
        cross = cut.rollup_rows(dim="card_area") if by_parts else cut.month_rows(dim="card_area")
        return rows.filter(cut.rollup_rows(venue_area_key=EVERY_AREA) | cross)
    return rows.filter(cut.rollup_rows()).exclude(venue_area_key=EVERY_AREA)


def cards_used(chosen: tuple[str, list[str]], area_key: int | None, cut: Pieces, more: Iterable[int] = ()) -> int:
    """Distinct cards with a counted use in the period under the slice, at one area's venues or anywhere.

    ``more`` are the card keys used on the period's other days (``cut.days``), read from the facts.
    """
    name, values = chosen
    rows = SliceCards.objects.filter(
        cut.card_rows(), filter=name, fvalue__in=values, venue_area_key=EVERY_AREA if area_key is None else area_key
    )
    blobs = rows.values_list("cards", flat=True).iterator(chunk_size=500)
    return len(BitMap.union(BitMap(more), *(decode(blob) for blob in blobs)))
