"""Published history for the statistics: the yearly rows published before Kaiku.

The statistics read path calls these functions only; the rows here are never added into
a computed cell. ``with_published`` and ``with_published_export`` put the published
yearly rows beside the computed ones (the national yearly table and its export), marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kaiku.stats.queries import YearCells
from kaiku.takeover.models import PublishedYear


@dataclass
class PublishedCells(YearCells):
    """A published row in the shape of the yearly table's computed rows, marked."""

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
