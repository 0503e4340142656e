"""The annual area report (PDF): key figures, charts, the area's yearly table, definitions, a short text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from kaiku.reports import rates
from kaiku.stats import charts, queries
from kaiku.stats.queries import Filters, StatsScope
from kaiku.stats.suppression import HIDDEN_NOTE, show_number, small_label

REPORT_TABLES = ("months", "sectors", "art_forms", "age_bands", "homes", "life_situations", "cross_area")


def summary_text(area: Any, year: int, figures: dict[str, Any], threshold: int) -> str:
    """A few plain sentences generated from the (already suppressed) key figures."""
    uses = show_number(figures["uses"], threshold).text
    children = show_number(figures["children"], threshold).text
    cards = show_number(figures["cards_used"], threshold).text
    text = _(
        "In %(year)s Kaikukortti holders used their cards at venues in %(area)s %(uses)s times "
        "(including %(children)s children who came along). %(cards)s different cards were used."
    ) % {"year": year, "area": area, "uses": uses, "children": children, "cards": cards}
    if figures.get("cards_issued"):
        issued = show_number(figures["cards_issued"], threshold).text
        text += " " + _("Distributor sites in the area registered or renewed %(issued)s cards.") % {"issued": issued}
    return text


def report_context(scope: StatsScope, year: int) -> dict[str, Any]:
    assert scope.threshold is not None
    filters = Filters(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    tables, figures = queries.dashboard(scope, filters)
    chosen = [t.publish(scope.threshold) for t in tables if t.key in REPORT_TABLES]
    for i, table in enumerate(chosen):
        assert table.safe is not None
        table.svg = charts.render(table.chart, table.safe, str(table.title), f"report-chart-{i}")
    k = scope.threshold
    key_figures = [
        (_("Uses (adults and children)"), show_number(figures["uses"], k).text),
        (_("Adult uses"), show_number(figures["adults"], k).text),
        (_("Child uses"), show_number(figures["children"], k).text),
        (_("Cards used at least once"), show_number(figures["cards_used"], k).text),
        (_("Cards registered or renewed"), show_number(figures.get("cards_issued", 0), k).text),
    ]
    return {
        "area": scope.area,
        "year": year,
        "summary": summary_text(scope.area, year, figures, k),
        "key_figures": key_figures,
        "tables": chosen,
        "headings": queries.YEARLY_HEADINGS,
        "yearly": _yearly(scope, range(year - 4, year + 1)),
        "definitions": queries.YEARLY_DEFINITIONS,
        "small": small_label(k),
        "hidden_note": HIDDEN_NOTE,
        "threshold": k,
        # Member municipalities per 1,000 residents (kaiku.reports): "reports/_comparison.html".
        "comparison": rates.area_comparison(scope.area, year, k) if scope.area is not None else None,
    }


def _yearly(scope: StatsScope, years: range) -> list[queries.YearCells]:
    """The area's yearly table, with its number of municipalities as counted.

    A count of municipalities is not a count of people: it is never suppressed (issue 23).
    """
    cells = queries.yearly_table(scope, years)
    counted = {r.year: r.municipalities for r in queries.yearly_rows(scope, years)}
    for c in cells:
        c.municipalities = str(counted.get(c.year, 0))
    return cells
