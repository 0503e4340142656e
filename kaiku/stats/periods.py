"""Periods of the dashboards in the pieces the rollups keep: whole months, the days of cut months.

Used by the read path (``queries``) and the slices alike; it imports neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q


def months_between(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def split_period(start: dt.date, end: dt.date) -> tuple[tuple[tuple[int, int], tuple[int, int]] | None, list[Q]]:
    """The whole months of a period, as (first, last) (year, month), and its other days.

    The other days are at most two ranges (before the first whole month and after the
    last), each as a ``Q`` on ``day``; a period within one month that is not the whole
    month has no whole months and is all "other days".
    """
    after_start_month = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    first = start if start.day == 1 else after_start_month
    following = end + dt.timedelta(days=1)
    stop = following if following.day == 1 else following.replace(day=1)  # the day after the whole months
    if first >= stop:
        return None, [Q(day__gte=start, day__lte=end)]
    edges = []
    if start < first:
        edges.append(Q(day__gte=start, day__lt=first))
    if stop <= end:
        edges.append(Q(day__gte=stop, day__lte=end))
    last = stop - dt.timedelta(days=1)
    return ((first.year, first.month), (last.year, last.month)), edges


def cut_period(start: dt.date, end: dt.date) -> tuple[tuple[tuple[int, int], tuple[int, int]] | None, list[Q]]:
    """The whole months of a period, as (first, last) (year, month), and the days of the months it cuts.

    The cut days are at most two ranges, each within one month, as a ``Q`` on the
    rollup's ``year``, ``month`` and ``day`` (a period within one month is one range;
    a period from 15 January to 14 February two, and no whole month).
    """
    whole, _edges = split_period(start, end)
    cuts: list[Q] = []
    for first, last in cut_ranges(start, end, whole):
        cuts.append(Q(year=first.year, month=first.month, day__gte=first.day, day__lte=last.day))
    return whole, cuts


def rollup_period(start: dt.date, end: dt.date) -> Q:
    """The rows of a rollup with month and day rows (``CardRollup``) that make up a period.

    Simple ranges, one per year of whole months and one per cut month, that the
    indexes serve: the month rows' partial index and the (year, month, day, ...) key.
    """
    whole, cuts = cut_period(start, end)
    period = month_ranges(whole, day=0)
    for cut in cuts:
        period |= cut
    return period


def month_ranges(whole: tuple[tuple[int, int], tuple[int, int]] | None, **also: Any) -> Q:
    """Whole months, (first, last) (year, month), as one range of ``year`` and ``month`` per calendar year."""
    period = Q(pk__in=[])
    if whole is not None:
        (y0, m0), (y1, m1) = whole
        for year in range(y0, y1 + 1):
            first, last = (m0 if year == y0 else 1), (m1 if year == y1 else 12)
            period |= Q(**also, year=year, month__gte=first, month__lte=last)
    return period


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def cut_ranges(
    start: dt.date, end: dt.date, whole: tuple[tuple[int, int], tuple[int, int]] | None
) -> list[tuple[dt.date, dt.date]]:
    """The days of the period outside its whole months, as ranges within one month each."""
    ranges = []
    day = start
    while day <= end:
        stop = min(month_end(day), end)
        if whole is None or not whole[0] <= (day.year, day.month) <= whole[1]:
            ranges.append((day, stop))
        day = stop + dt.timedelta(days=1)
    return ranges
