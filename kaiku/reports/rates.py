"""Cards and uses per 1,000 residents, by the holder's home municipality (item 2 of issue 23).

``per_thousand(year, codes)`` is the one function the area page and the annual report
call, ``figures_per_thousand`` the dashboards'; both count by the holder's home
municipality through ``residents.resident_figures`` (the statistics) and divide by the
uploaded population figures. Definitions (also printed under the tables, ``DEFINITIONS``):

* *new cards*: personal cards first registered in the year whose holder lives in the
  municipality;
* *people reached*: cards of the municipality's residents with at least one accepted use
  in the year;
* *uses*: people admitted with those cards in the year (the holder, children and
  community-card clients; assistants are free and not counted), voided uses excluded.

Rates divide by the population of the same year: new cards per 1,000 residents aged 16
or over (holders are 16 or older), people reached and uses per 1,000 residents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Sum
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Municipality
from kaiku.reports.models import Population
from kaiku.reports.municipalities import name_of
from kaiku.reports.residents import ResidentFigures, resident_figures, year_span
from kaiku.stats.suppression import Shown, is_small, small_label, suppress

if TYPE_CHECKING:
    from kaiku.stats.scope import Filters, StatsScope

DEFINITIONS = [
    _("New cards: personal cards first registered in the year whose holder lives in the municipality."),
    _("People reached: cards of the municipality's residents with at least one accepted use in the year."),
    _(
        "Uses: people admitted with those cards in the year (the holder, children and community-card clients; "
        "assistants are free and not counted). Voided uses are not counted."
    ),
    _(
        "Per 1,000: new cards per 1,000 residents aged 16 or over, people reached and uses per 1,000 residents, "
        "and new cards per 1,000 people at risk of poverty, with the population of the same year "
        "(Statistics Finland)."
    ),
]


def rate(count: int, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (Decimal(count) * 1000 / Decimal(population)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class MunicipalityYear:
    code: str
    name: str
    year: int
    new_cards: int
    people_reached: int
    uses: int
    population: int | None
    aged_16_plus: int | None
    at_risk_of_poverty: int | None

    @property
    def new_cards_per_1000_aged_16_plus(self) -> Decimal | None:
        return rate(self.new_cards, self.aged_16_plus)

    @property
    def people_reached_per_1000(self) -> Decimal | None:
        return rate(self.people_reached, self.population)

    @property
    def uses_per_1000(self) -> Decimal | None:
        return rate(self.uses, self.population)

    @property
    def new_cards_per_1000_at_risk(self) -> Decimal | None:
        return rate(self.new_cards, self.at_risk_of_poverty)


def per_thousand(year: int, codes: Iterable[str]) -> list[MunicipalityYear]:
    """The year's figures and rates for these municipality codes (five queries, any number of codes)."""
    codes = sorted(set(codes))
    counts = resident_figures(*year_span(year), codes, valid=False)
    population = {p.municipality_code: p for p in Population.objects.filter(year=year, municipality_code__in=codes)}
    out = []
    for code in codes:
        p = population.get(code)
        f = counts.get(code) or ResidentFigures()
        out.append(
            MunicipalityYear(
                code=code,
                name=name_of(code),
                year=year,
                new_cards=f.registered,
                people_reached=f.cards_used,
                uses=f.uses,
                population=p.total if p else None,
                aged_16_plus=p.aged_16_plus if p else None,
                at_risk_of_poverty=p.at_risk_of_poverty if p else None,
            )
        )
    return sorted(out, key=lambda m: m.name)


def for_municipality(code: str, year: int) -> MunicipalityYear:
    return per_thousand(year, [code])[0]


def area_codes(area: Area) -> list[str]:
    return list(area.municipalities.values_list("code", flat=True))


@dataclass
class PublishedRow:
    label: str
    counts: list[Shown]
    rates: list[str]


def publish(rows: Sequence[MunicipalityYear], threshold: int | None) -> tuple[list[PublishedRow], PublishedRow]:
    """Rows and a total row ready to show: small counts suppressed, and a rate hidden when its count is.

    The total row adds the municipalities up; its rates need every municipality's population.
    """
    values = [[r.new_cards, r.people_reached, r.uses] for r in rows]
    safe = suppress(
        [r.name for r in rows], ["new_cards", "people_reached", "uses"], values, threshold, row_totals=False
    )

    def rates_for(counts: list[Shown], m: MunicipalityYear) -> list[str]:
        shown = [
            (counts[0], m.new_cards_per_1000_aged_16_plus),
            (counts[1], m.people_reached_per_1000),
            (counts[2], m.uses_per_1000),
            (counts[0], m.new_cards_per_1000_at_risk),
        ]
        return ["\u2013" if c.value is None or v is None else str(v) for c, v in shown]

    published = [PublishedRow(r.name, safe.cells[i], rates_for(safe.cells[i], r)) for i, r in enumerate(rows)]
    every = all(r.population is not None for r in rows) and bool(rows)

    def total_of(attr: str) -> int | None:
        values = [getattr(r, attr) for r in rows]
        return None if not every or any(v is None for v in values) else sum(values)

    total = MunicipalityYear(
        code="",
        name=str(_("All")),
        year=rows[0].year if rows else 0,
        new_cards=sum(r.new_cards for r in rows),
        people_reached=sum(r.people_reached for r in rows),
        uses=sum(r.uses for r in rows),
        population=total_of("population"),
        aged_16_plus=total_of("aged_16_plus"),
        at_risk_of_poverty=total_of("at_risk_of_poverty"),
    )
    assert safe.col_totals is not None
    return published, PublishedRow(str(_("All")), safe.col_totals, rates_for(safe.col_totals, total))


@dataclass
class Comparison:
    """The area's member municipalities compared per 1,000 residents, ready to show (``_comparison.html``)."""

    area: Area
    year: int
    rows: list[PublishedRow]
    total: PublishedRow
    missing: list[str]
    definitions: list[str]


def area_comparison(area: Area, year: int, threshold: int | None) -> Comparison:
    """The table of the area's page and of its annual report: one row per member municipality."""
    rows = per_thousand(year, area_codes(area))
    published, total = publish(rows, threshold)
    missing = [r.name for r in rows if r.population is None]
    return Comparison(area, year, published, total, missing, [str(d) for d in DEFINITIONS])


RATE_FILTERS = ("sector", "art_form", "card_kind", "channel")


def _scope_codes(scope: StatsScope, filters: Filters) -> list[str] | None:
    if scope.level not in ("national", "area"):
        return None
    if filters.municipality is not None:
        return [filters.municipality.code]
    area = filters.area or scope.area
    if area is not None:
        return area_codes(area)
    return list(Municipality.objects.filter(area__in=Area.objects.in_network()).values_list("code", flat=True))


def figures_per_thousand(
    scope: StatsScope, filters: Filters, dashboard_figures: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """Key figures per 1,000 residents for a dashboard, as ``(label, text)`` like its other key figures.

    For the national dashboard (the network's municipalities), an area's (its member
    municipalities) or either filtered to one municipality: the residents' cards and uses
    in the period (by the holder's home municipality, ``resident_figures``) divided by the
    population of the latest uploaded year up to the period's end. Nothing for a site's
    or a venue's dashboard, under a sector, art form, card kind or channel filter (a rate
    of part of the uses per all residents would mislead), or when a municipality of the
    scope has no population figure. A rate is hidden with its count when the count is small.

    ``dashboard_figures`` are the key figures ``stats.queries.dashboard`` gave for the same
    scope and filters. The whole network's uses are every holder's, so for the national
    dashboard without an area or municipality filter its people reached (``cards_used``)
    and uses come from them and nothing more is read (every municipality's residents by
    home municipality took 0.75 s at 1 M uses: ``bench/reports_residents.py``); new cards
    are then left out.
    """
    codes = _scope_codes(scope, filters)
    if not codes or any(getattr(filters, name) for name in RATE_FILTERS):
        return []
    years = (
        Population.objects.filter(municipality_code__in=codes, year__lte=filters.end.year)
        .values("year")
        .annotate(n=Count("id"), total=Sum("total"), aged=Sum("aged_16_plus"), aged_n=Count("aged_16_plus"))
        .order_by("-year")
    )
    year = next((y for y in years if y["n"] == len(set(codes))), None)
    if year is None:
        return []
    whole = scope.level == "national" and filters.municipality is None and filters.area is None
    figures = ResidentFigures()
    if whole and dashboard_figures is not None:
        figures.cards_used = int(dashboard_figures["cards_used"])
        figures.adults[0] = int(dashboard_figures["uses"])  # all uses: only their sum is shown
        new_cards = False
    else:
        # The whole network is read without a list of its municipalities, and added up over them.
        counted = resident_figures(filters.start, filters.end, None if whole else codes, valid=False)
        for code in set(codes):
            figures.add(counted.get(code) or ResidentFigures())
        new_cards = year["aged_n"] == year["n"]
    k = scope.threshold

    def shown(count: int, population: int | None) -> str:
        value = rate(count, population)
        if value is None:
            return "\u2013"
        if k is not None and is_small(count, k):
            return small_label(k)
        return formats.number_format(value, 1, use_l10n=True)

    suffix = {"year": year["year"]}
    out = [
        (
            _("People reached per 1,000 residents (population %(year)s)") % suffix,
            shown(figures.cards_used, year["total"]),
        ),
        (_("Uses per 1,000 residents (population %(year)s)") % suffix, shown(figures.uses, year["total"])),
    ]
    if new_cards:
        out.append(
            (
                _("New cards per 1,000 residents aged 16 or over (population %(year)s)") % suffix,
                shown(figures.registered, year["aged"]),
            )
        )
    return [(str(label), text) for label, text in out]
