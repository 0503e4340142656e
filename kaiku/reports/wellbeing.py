"""The wellbeing-report pack (item 3 of issue 23): one municipality's year for a wellbeing report.

A municipality's wellbeing report, equality plan and TEAviisari answers ask for a few
figures and yes/no facts; ``pack(municipality, year, threshold)`` gives them for the year
and the year before, with the change. It is printed as a one-page PDF and written as an
XLSX (numbers as numbers) by the views; both carry ``DEFINITIONS`` under the table.

Figures about residents are by the holder's home municipality (``residents.resident_figures``);
the uses at the municipality's venues come from the statistics' read path
(``kaiku.stats.queries.dashboard`` with a municipality filter). Outside the national admin's
own view small counts are suppressed as on the dashboards (``kaiku.stats.suppression``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Municipality, Sector, Site
from kaiku.reports.models import Population
from kaiku.reports.rates import rate
from kaiku.reports.residents import SECTORS, ResidentFigures, resident_figures, year_span
from kaiku.stats import queries
from kaiku.stats.scope import Filters, StatsScope
from kaiku.stats.suppression import Shown, show_number, suppress

DEFINITIONS: list[Promise] = [
    _("Residents: holders whose home municipality is this municipality, wherever they used the card."),
    _("Cards registered: residents' personal cards registered for the first time in the year."),
    _(
        "Valid cards: residents' personal cards valid on 31 December (today for the current year), by their "
        "current period of validity."
    ),
    _("People reached: residents' cards used at least once in the year (accepted uses; voided uses not counted)."),
    _(
        "Uses: people admitted with residents' cards: the holder as an adult use; children who came along and "
        "clients under 16 on community cards as child uses; by the sector of the offer or venue. Assistants are "
        "not counted."
    ),
    _("Children reached: the child uses of the year."),
    _("Uses at the municipality's venues: adult and child uses at venues in the municipality by any holder."),
    _(
        "Per 1,000 residents: divided by the municipality's population (Statistics Finland) of the year, or of "
        "the latest year uploaded before it."
    ),
    _("Change: from the year before, in per cent."),
]

FACT_DEFINITIONS: list[Promise] = [
    _("In the Kaikukortti network: the municipality belongs to a Kaikukortti area that is running (pilot or active)."),
    _("Distributor sites: at least one distributor site in the municipality has not left the network."),
    _("Venues: at least one venue in the municipality has not left the network."),
    _("Residents used the card: at least one accepted use with a resident's card in the year."),
]

DASH = "\u2013"


@dataclass(frozen=True)
class Figure:
    """One published figure: its text, and its value (a number) only when it may be shown."""

    text: str
    value: int | Decimal | None

    @classmethod
    def of(cls, shown: Shown) -> Figure:
        return cls(shown.text, shown.value)


@dataclass
class PackRow:
    label: str
    previous: Figure
    current: Figure
    change: Figure


@dataclass
class Fact:
    label: str
    yes: bool
    definition: str


@dataclass
class Pack:
    municipality: Municipality
    year: int
    rows: list[PackRow]
    facts: list[Fact]
    population_years: tuple[int | None, int | None]  # of the year before and the year
    threshold: int | None

    @property
    def definitions(self) -> list[str]:
        return [str(d) for d in DEFINITIONS]


def _number(value: Decimal) -> str:
    return formats.number_format(value, 1, use_l10n=True)


def _rate(count: Figure, population: int | None) -> Figure:
    """A rate per 1,000, hidden with its count."""
    if count.value is None:
        return Figure(count.text, None)
    value = rate(int(count.value), population)
    return Figure(DASH, None) if value is None else Figure(_number(value), value)


def _change(previous: Figure, current: Figure) -> Figure:
    if previous.value is None or current.value is None or not previous.value:
        return Figure(DASH, None)
    value = (Decimal(current.value) - Decimal(previous.value)) * 100 / Decimal(previous.value)
    value = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Figure(("+" if value > 0 else "") + _number(value) + "\u00a0%", value)


@dataclass
class _Year:
    """One year's published figures, in the order of the rows."""

    figures: list[Figure]
    used: bool


def _population(code: str, year: int) -> tuple[int | None, int | None]:
    """The population of the year, or of the latest year uploaded before it: (year, total)."""
    p = Population.objects.filter(municipality_code=code, year__lte=year).order_by("-year").first()
    return (p.year, p.total) if p else (None, None)


def _venue_uses(municipality: Municipality, year: int) -> int:
    """Uses at the municipality's venues in the year, through the statistics' read path."""
    start, end = year_span(year)
    _tables, figures = queries.dashboard(
        StatsScope("national", threshold=None), Filters(start=start, end=end, municipality=municipality)
    )
    return int(figures["uses"])


def _year(municipality: Municipality, year: int, threshold: int | None) -> tuple[_Year, int | None]:
    f = resident_figures(*year_span(year), [municipality.code]).get(municipality.code) or ResidentFigures()
    population_year, population = _population(municipality.code, year)
    # Adult and child uses by sector with their totals (children reached, all uses) as one
    # table, so that a hidden small cell cannot be worked out from the totals.
    safe = suppress(["adults", "children"], SECTORS, [f.adults, f.children], threshold)
    assert safe.row_totals is not None and safe.total is not None
    reached = Figure.of(show_number(f.cards_used, threshold))
    uses = Figure.of(safe.total)
    figures = [
        Figure.of(show_number(f.registered, threshold)),
        Figure.of(show_number(f.valid, threshold)),
        reached,
        _rate(reached, population),
        uses,
        _rate(uses, population),
        *(Figure.of(c) for c in safe.cells[0]),
        *(Figure.of(c) for c in safe.cells[1]),
        Figure.of(safe.row_totals[1]),
        Figure.of(show_number(_venue_uses(municipality, year), threshold)),
    ]
    return _Year(figures, f.cards_used > 0), population_year


def _labels() -> list[Any]:
    sectors = dict(Sector.choices)
    return [
        _("Cards registered"),
        _("Valid cards"),
        _("People reached"),
        _("People reached per 1,000 residents"),
        _("All uses"),
        _("Uses per 1,000 residents"),
        *(_("Adult uses: %(sector)s") % {"sector": sectors[s]} for s in SECTORS),
        *(_("Child uses: %(sector)s") % {"sector": sectors[s]} for s in SECTORS),
        _("Children reached"),
        _("Uses at the municipality's venues"),
    ]


def _facts(municipality: Municipality, used: bool) -> list[Fact]:
    sites = Site.objects.active().filter(municipality=municipality)
    area = municipality.area
    answers = [
        area is not None and area.in_network,
        sites.filter(kind=Site.Kind.DISTRIBUTOR).exists(),
        sites.filter(kind=Site.Kind.VENUE).exists(),
        used,
    ]
    labels = [
        _("The municipality is in the Kaikukortti network"),
        _("The municipality has Kaikukortti distributor sites"),
        _("The municipality has Kaikukortti venues"),
        _("Residents used Kaikukortti this year"),
    ]
    return [Fact(str(label), yes, str(d)) for label, yes, d in zip(labels, answers, FACT_DEFINITIONS, strict=True)]


def pack(municipality: Municipality, year: int, threshold: int | None) -> Pack:
    """The municipality's figures for ``year`` and the year before, and its yes/no facts."""
    previous, previous_population = _year(municipality, year - 1, threshold)
    current, current_population = _year(municipality, year, threshold)
    rows = [
        PackRow(str(label), p, c, _change(p, c))
        for label, p, c in zip(_labels(), previous.figures, current.figures, strict=True)
    ]
    return Pack(
        municipality,
        year,
        rows,
        _facts(municipality, current.used),
        (previous_population, current_population),
        threshold,
    )


def xlsx_rows(p: Pack) -> tuple[list[list[Any]], list[list[Any]]]:
    """The figures sheet and the facts sheet: a header, then rows, numbers as numbers."""
    figures: list[list[Any]] = [[str(_("Figure")), p.year - 1, p.year, str(_("Change (%)"))]]
    for row in p.rows:
        figures.append(
            [row.label, *(f.text if f.value is None else f.value for f in (row.previous, row.current, row.change))]
        )
    facts: list[list[Any]] = [[str(_("Question")), str(_("Answer")), str(_("Definition"))]]
    facts += [[f.label, str(_("Yes") if f.yes else _("No")), f.definition] for f in p.facts]
    return figures, facts


def municipalities_for(national: bool, area_ids: set[int]) -> list[Municipality]:
    """The municipalities whose pack the user may download: all for the national admin, else the areas'."""
    qs = Municipality.objects.select_related("area").order_by("name_fi")
    return list(qs if national else qs.filter(area_id__in=area_ids))


def population_note(p: Pack) -> str:
    """Which population figures the rates divide by."""
    years = [y for y in p.population_years if y is not None]
    if not years:
        return str(_("No population figures have been uploaded for these years: no rates per 1,000 residents."))
    return str(
        _("Population: Statistics Finland, %(years)s.") % {"years": ", ".join(str(y) for y in sorted(set(years)))}
    )
