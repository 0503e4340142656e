"""Cards and uses per 1,000 residents, by the holder's home municipality (item 2 of issue 23).

``per_thousand(year, codes)`` is the one function the dashboards call; it reads the
register (cards, uses) and the uploaded population figures directly. Definitions (also
printed under the tables, ``DEFINITIONS``):

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

from django.db.models import Count, F, Sum
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Area
from kaiku.reports.models import Population
from kaiku.reports.municipalities import name_of
from kaiku.stats.suppression import Shown, suppress
from kaiku.visits.models import Use

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
    """The year's figures and rates for these municipality codes (three queries, any number of codes)."""
    codes = sorted(set(codes))
    new_cards = dict(
        Card.objects.filter(kind=Card.Kind.PERSONAL, registered_on__year=year, municipality__code__in=codes)
        .values_list("municipality__code")
        .annotate(n=Count("id"))
        .values_list("municipality__code", "n")
    )
    used = {
        r["card__municipality__code"]: r
        for r in Use.objects.accepted()
        .in_year(year)
        .filter(card__municipality__code__in=codes)
        .values("card__municipality__code")
        .annotate(people=Sum(F("adults") + F("children") + F("community_clients")), cards=Count("card", distinct=True))
    }
    population = {p.municipality_code: p for p in Population.objects.filter(year=year, municipality_code__in=codes)}
    out = []
    for code in codes:
        p = population.get(code)
        u = used.get(code, {})
        out.append(
            MunicipalityYear(
                code=code,
                name=name_of(code),
                year=year,
                new_cards=new_cards.get(code, 0),
                people_reached=u.get("cards") or 0,
                uses=u.get("people") or 0,
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
