"""Published history for the statistics: the yearly rows published before Kaiku, and monthly counts.

The statistics read path calls these functions only; the rows here are never added into
a computed cell. ``with_published`` and ``with_published_export`` put the published
yearly rows beside the computed ones (the national yearly table and its export), marked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from kaiku.takeover.models import MonthlyCount, PublishedYear


@dataclass
class PublishedCells:
    """A published row in the shape of the yearly table's computed rows (``stats.queries.YearCells``)."""

    year: int
    registered: str
    taken_into_use: str
    adult: str
    child: str
    total: str
    municipalities: str
    published: bool = True


def published_cells() -> list[PublishedCells]:
    return [
        PublishedCells(
            p.year,
            str(p.registered),
            str(p.taken_into_use),
            "/".join(str(n) for n in p.adult()),
            "/".join(str(n) for n in p.child()),
            str(p.total),
            str(p.municipalities),
        )
        for p in PublishedYear.objects.all()
    ]


def with_published(rows: list[Any]) -> list[Any]:
    """The computed rows and the published ones, by year; a year in both shows both rows."""
    published = published_cells()
    if not published:
        return rows
    merged = [(r.year, 0, r) for r in rows] + [(p.year, 1, p) for p in published]
    return [r for _y, _o, r in sorted(merged, key=lambda t: (t[0], t[1]))]


def with_published_export(rows: list[list[Any]]) -> list[list[Any]]:
    """The yearly export (a header, then rows with one column per sector) with a last column
    saying where each row comes from, and the published rows in year order."""
    header, body = rows[0], rows[1:]
    computed, published_label = _("Kaiku"), _("Published history")
    merged: list[tuple[int, int, list[Any]]] = [(r[0], 0, [*r, computed]) for r in body]
    for p in PublishedYear.objects.all():
        merged.append(
            (
                p.year,
                1,
                [
                    p.year,
                    p.registered,
                    p.taken_into_use,
                    *p.adult(),
                    *p.child(),
                    p.total,
                    p.municipalities,
                    # Columns the published series does not have (e.g. the other reading of cards taken into use).
                    *[""] * (len(header) - 13),
                    published_label,
                ],
            )
        )
    return [[*header, _("Source")], *(r for _y, _o, r in sorted(merged, key=lambda t: (t[0], t[1])))]


def monthly_counts(start: dt.date | None = None, end: dt.date | None = None) -> dict[tuple[int, str], dict[str, int]]:
    """Past uses the old register counted by month (no single uses): (year, sector) → adult and child uses.

    For the statistics' read path to show beside its computed counts, marked as counted
    before Kaiku (the hook is the lead's, see docs/migration.md).
    """
    qs = MonthlyCount.objects.all()
    if start is not None:
        qs = qs.filter(month__gte=start.replace(day=1))
    if end is not None:
        qs = qs.filter(month__lte=end)
    out: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: {"adult": 0, "child": 0})
    for row in qs.values("month__year", "sector").annotate(adult=Sum("adult_uses"), child=Sum("child_uses")):
        key = (row["month__year"], row["sector"])
        out[key]["adult"] += row["adult"] or 0
        out[key]["child"] += row["child"] or 0
    return dict(out)
