"""The dashboard at a glance: key figures as tiles, each with its change from the same period a year earlier.

Last year's figures come through the public read path (``queries.dashboard`` for the period
shifted back one year, with the same filters). A year-old period rarely changes (a voided use,
a late offline batch, a migration import), so its figures are kept in the cache for a while:
the second read then costs one cache look-up instead of a second dashboard.

A change is shown only when both figures are published: a suppressed figure (``<5``) gives no
change, because the difference of a shown and a hidden count would reveal the hidden one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kaiku.stats import queries
from kaiku.stats.scope import Filters, StatsScope
from kaiku.stats.suppression import is_small, show_number, small_label

# Last year's figures are a past period's: kept this long, they may miss a late correction.
EARLIER_SECONDS = 15 * 60
MINUS = "\u2212"


@dataclass(frozen=True)
class Tile:
    """One key figure as published, and its change from a year earlier (empty when not compared)."""

    label: str
    value: str
    change: str = ""  # short and visible: "+120 (+12 %)", "no change", "not compared"
    says: str = ""  # the whole change in words, for screen readers: "Up 120 (12 %) from …"
    trend: str = ""  # "up", "down", "same" or "": a style only, the words carry the meaning


def year_earlier(filters: Filters) -> Filters:
    """The same filters for the same days a year earlier (29 February becomes the 28th)."""
    return dataclasses.replace(filters, start=_year_back(filters.start), end=_year_back(filters.end))


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def period_text(filters: Filters) -> str:
    return _("%(start)s – %(end)s") % {"start": date_format(filters.start), "end": date_format(filters.end)}  # noqa: RUF001


def _cache_key(scope: StatsScope, filters: Filters) -> str:
    owner = scope.site.pk if scope.site else scope.area.pk if scope.area else ""
    chosen = [
        filters.start.isoformat(),
        filters.end.isoformat(),
        filters.area.pk if filters.area else "",
        filters.municipality.pk if filters.municipality else "",
        filters.sector,
        filters.art_form,
        filters.card_kind,
        filters.channel,
    ]
    return "stats-glance:" + ":".join(str(part) for part in [scope.level, owner, *chosen])


def earlier_figures(scope: StatsScope, filters: Filters) -> dict[str, Any]:
    """The raw key figures of ``filters`` (a past period) through the read path, cached a while."""
    key = _cache_key(scope, filters)
    figures: dict[str, Any] | None = cache.get(key)
    if figures is None:
        _tables, figures = queries.dashboard(scope, filters)
        cache.set(key, figures, EARLIER_SECONDS)
    return figures


def _signed(n: int, unit: str = "") -> str:
    return f"+{n}{unit}" if n > 0 else f"{MINUS}{-n}{unit}" if n < 0 else f"0{unit}"


def _count_change(now: int, before: int, k: int | None, period: str) -> tuple[str, str, str]:
    """(short, words, trend) for two counts; nothing compared when either is a small count."""
    if k is not None and (is_small(now, k) or is_small(before, k)):
        words = _("Not compared with %(period)s: small counts are not shown.") % {"period": period}
        return _("not compared: small count"), words, ""
    diff = now - before
    if diff == 0:
        return _("no change"), _("No change from %(period)s.") % {"period": period}, "same"
    trend = "up" if diff > 0 else "down"
    if before == 0:
        words = _("Up %(n)s from %(period)s, when there were none.") % {"n": diff, "period": period}
        return _signed(diff), words, trend
    pct = round(100 * diff / before)
    values = {"n": abs(diff), "pct": abs(pct), "period": period}
    words = (
        _("Up %(n)s (%(pct)s %%) from %(period)s.") % values
        if diff > 0
        else _("Down %(n)s (%(pct)s %%) from %(period)s.") % values
    )
    return f"{_signed(diff)} ({_signed(pct, ' %')})", words, trend


def _share(figures: dict[str, Any], k: int | None) -> tuple[str, int | None]:
    """The share of the period's registered or renewed cards used, as shown, and its value when shown."""
    share = figures.get("share_used")
    if share is None:
        return "\u2013", None
    if k is not None and (is_small(figures["cards_issued"], k) or is_small(figures["cards_issued_used"], k)):
        return small_label(k), None
    return f"{share} %", share


def _share_change(now: int | None, before: int | None, period: str) -> tuple[str, str, str]:
    if now is None or before is None:
        return _("not compared"), _("Not compared with %(period)s.") % {"period": period}, ""
    diff = now - before
    if diff == 0:
        return _("no change"), _("No change from %(period)s.") % {"period": period}, "same"
    values = {"n": abs(diff), "period": period}
    words = (
        _("Up %(n)s percentage points from %(period)s.") % values
        if diff > 0
        else _("Down %(n)s percentage points from %(period)s.") % values
    )
    return _signed(diff, " " + _("pp")), words, "up" if diff > 0 else "down"


def tiles(
    scope: StatsScope,
    figures: dict[str, Any],
    before: dict[str, Any] | None = None,
    earlier: Filters | None = None,
    extra: Sequence[tuple[Any, Any]] = (),
) -> list[Tile]:
    """The key figures as tiles, compared with ``before`` (the figures of the ``earlier`` period) if given.

    ``extra`` are further (label, value) figures already published by their maker, shown
    after the others without a change: the per-1,000-residents figures plug in here.
    """
    k = scope.threshold
    period = period_text(earlier) if earlier is not None else ""
    counts = [
        ("uses", _("Uses (adults and children)")),
        ("adults", _("Adult uses")),
        ("children", _("Child uses")),
        ("assistants", _("Assistants and interpreters")),
        ("cards_used", _("Cards used at least once")),
    ]
    if "cards_issued" in figures:
        counts.append(("cards_issued", _("Cards registered or renewed in the period")))
    out: list[Tile] = []
    for key, label in counts:
        value = show_number(figures[key], k).text
        if before is None:
            out.append(Tile(label, value))
        else:
            out.append(Tile(label, value, *_count_change(figures[key], before.get(key, 0), k, period)))
    if "cards_issued" in figures:
        label = _("Of them used at least once")
        text, share = _share(figures, k)
        if before is None:
            out.append(Tile(label, text))
        else:
            out.append(Tile(label, text, *_share_change(share, _share(before, k)[1], period)))
    out += [Tile(str(label), str(value)) for label, value in extra]
    return out
