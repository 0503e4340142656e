"""Every figure the statistics publish, as plain JSON-able values (issue 21 item 2).

``published()`` reads every dashboard (each scope, several periods, every filter and
some combinations), its exports (the suppressed matrices the CSV/XLSX files are made
of), the national and the areas' yearly tables and export, and open data, naming
areas, sites and municipalities by name (never by id, which differs between runs on
PostgreSQL). ``test_equivalence.py`` compares it with the outputs the statistics model
gave before it was rewritten, kept as JSON in ``equivalence/``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.utils import translation

from kaiku.network.models import Area, Municipality, Site
from kaiku.stats import exports, queries
from kaiku.stats.queries import Filters, StatsScope

GOLDEN = Path(__file__).parent / "equivalence"

# TEST_NOW is 2026-06-15: this year so far, last year, a period that cuts its first and
# last month, one within a month, one over the turn of a year, and a long one.
PERIODS = [
    (dt.date(2026, 1, 1), dt.date(2026, 6, 15)),
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (dt.date(2025, 1, 15), dt.date(2026, 5, 20)),
    (dt.date(2026, 6, 3), dt.date(2026, 6, 14)),
    (dt.date(2025, 12, 20), dt.date(2026, 1, 10)),
    (dt.date(2015, 1, 1), dt.date(2026, 6, 15)),
]

# One of each use filter, two together, three together (the combined slice).
USE_FILTERS: list[dict[str, str]] = [
    {},
    {"sector": "culture"},
    {"art_form": "music"},
    {"card_kind": "personal"},
    {"channel": "typed"},
    {"sector": "culture", "channel": "typed"},
    {"sector": "culture", "art_form": "music", "card_kind": "personal"},
]


def _scopes() -> list[StatsScope]:
    scopes = [StatsScope("national", threshold=None), StatsScope("national", threshold=3)]
    scopes += [StatsScope("area", area=a, threshold=3) for a in Area.objects.order_by("name")]
    scopes += [StatsScope("site", site=s, threshold=3) for s in Site.objects.distributors().order_by("name")[:3]]
    scopes += [StatsScope("venue", site=s, threshold=3) for s in Site.objects.venues().order_by("name")[:3]]
    return scopes


def _filter_sets(scope: StatsScope) -> list[dict[str, Any]]:
    sets: list[dict[str, Any]] = list(USE_FILTERS)
    if scope.level == "national":
        first_area = Area.objects.order_by("name").first()
        sets.append({"area": first_area})
        sets.append({"area": first_area, "sector": "culture"})
    if scope.level in ("national", "area"):
        munis = Municipality.objects.all() if scope.area is None else Municipality.objects.filter(area=scope.area)
        busiest = munis.order_by("code").first()
        sets.append({"municipality": busiest})
    if scope.level in ("site", "venue"):
        sets = sets[:4]
    return sets


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _name(scope: StatsScope) -> str:
    return f"{scope.level}:{scope.area or ''}:{scope.site or ''}:{scope.threshold}"


def dashboards() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scope in _scopes():
        for start, end in PERIODS:
            for chosen in _filter_sets(scope):
                filters = Filters(start=start, end=end, **chosen)
                tables, figures = queries.dashboard(scope, filters)
                shown = {}
                for table in tables:
                    safe = table.publish(scope.threshold).safe
                    shown[table.key] = {
                        "rows": [str(r) for r in table.rows],
                        "columns": [str(c) for c in table.columns],
                        "values": table.values,
                        "export": exports.table_matrix(table.row_heading, safe),  # type: ignore[arg-type]
                    }
                label = ",".join(f"{k}={v}" for k, v in sorted(chosen.items()))
                out[f"{_name(scope)} {start}..{end} {label}"] = {"tables": shown, "figures": figures}
    return out


def yearly() -> dict[str, Any]:
    out: dict[str, Any] = {}
    national = StatsScope("national", threshold=None)
    out["national"] = queries.yearly_matrix(queries.yearly_table(national))
    out["national export"] = queries.yearly_export(national)
    for area in Area.objects.order_by("name"):
        scope = StatsScope("area", area=area, threshold=3)
        out[f"area {area}"] = queries.yearly_matrix(queries.yearly_table(scope, range(2020, 2027)))
    return out


def open_data() -> dict[str, Any]:
    return {f"k={k}": queries.open_data(k) for k in (1, 3, 5)} | {"2025": queries.open_data(3, [2025])}


def published() -> dict[str, Any]:
    """Everything, in English (labels are part of the exports)."""
    with translation.override("en"):
        return _plain({"dashboards": dashboards(), "yearly": yearly(), "open_data": open_data()})


def golden(name: str) -> Path:
    return GOLDEN / f"{name}.json"


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
