"""Every statistic the register publishes, as plain values, to compare before and after a purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone, translation

from kaiku.network.models import Area, Site
from kaiku.stats import queries
from kaiku.stats.queries import Filters, StatsScope
from kaiku.stats.slices import fold_pending


def _scopes() -> list[StatsScope]:
    scopes = [StatsScope("national", threshold=None)]
    scopes += [StatsScope("area", area=a) for a in Area.objects.order_by("pk")]
    scopes += [StatsScope("site", site=s) for s in Site.objects.distributors().order_by("pk")]
    scopes += [StatsScope("venue", site=s) for s in Site.objects.venues().order_by("pk")]
    return scopes


def snapshot() -> dict[str, Any]:
    """Every dashboard's tables and key figures (which the exports are made of), the yearly table and open data.

    In one language, so that a request between two snapshots (which activates its own) does not
    make the same numbers differ by their labels.
    """
    with translation.override("en"):
        return _snapshot()


def _snapshot() -> dict[str, Any]:
    fold_pending()
    today = timezone.localdate()
    periods = [Filters(dt.date(2015, 1, 1), today), Filters(today.replace(month=1, day=1), today)]
    result: dict[str, Any] = {}
    for scope in _scopes():
        for filters in periods:
            tables, figures = queries.dashboard(scope, filters)
            key = f"{scope.level} {scope.area and scope.area.pk} {scope.site and scope.site.pk} {filters.start}"
            result[key] = (
                [(t.key, [str(r) for r in t.rows], [str(c) for c in t.columns], t.values) for t in tables],
                {k: str(v) for k, v in figures.items()},
            )
    for area in Area.objects.order_by("pk"):
        result[f"wellbeing change {area.pk}"] = queries.wellbeing_change(Site.objects.filter(area=area), threshold=0)
    result["wellbeing change"] = queries.wellbeing_change(threshold=0)
    national = StatsScope("national", threshold=None)
    result["yearly"] = queries.yearly_matrix(queries.yearly_table(national))
    result["open_data"] = queries.open_data(5)
    return result
