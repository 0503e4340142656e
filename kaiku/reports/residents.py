"""Figures by the holder's home municipality, read from the statistics.

``resident_figures`` is the one place the reports app counts cards and uses by where the
holder lives (the rates per 1,000 residents, the area's comparison, the wellbeing pack).
Its counts come from the statistics' read path (``kaiku.stats.queries.by_home``: the card
facts and the use facts by the holder's home municipality). Only ``valid`` reads
the register (``cards.Card``): cards valid on a day are the register's state, not a
statistic. ``kaiku/reports/tests/test_residents.py`` checks the figures against these
definitions read from the register over a generated history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.network.models import Municipality, Sector
from kaiku.stats import queries

SECTORS = [value for value, _label in Sector.choices]


@dataclass
class ResidentFigures:
    """One municipality's residents in a period (all counts of cards or people).

    A card's home municipality is the holder's, or its issuing site's when the card has
    none (a community card, a card taken over without one), as in every statistic; the
    statistics keep the home municipality a card had when its registration or use was counted.

    * ``registered``: personal cards first registered in the period (a replacement card is
      not a new registration);
    * ``valid``: personal cards valid on the period's last day (today, if that is later), by
      their current validity (a card renewed after a lapse counts from its renewal);
    * ``cards_used``: cards (personal or community) with an accepted, not voided use in the period;
    * ``adults`` and ``children`` by sector, in ``SECTORS`` order: people admitted at those uses,
      children counting community-card clients; assistants are not counted.
    """

    registered: int = 0
    valid: int = 0
    cards_used: int = 0
    adults: list[int] = field(default_factory=lambda: [0] * len(SECTORS))
    children: list[int] = field(default_factory=lambda: [0] * len(SECTORS))

    @property
    def uses(self) -> int:
        return sum(self.adults) + sum(self.children)

    @property
    def children_reached(self) -> int:
        return sum(self.children)

    def add(self, other: ResidentFigures) -> None:
        self.registered += other.registered
        self.valid += other.valid
        self.cards_used += other.cards_used
        self.adults = [a + b for a, b in zip(self.adults, other.adults, strict=True)]
        self.children = [a + b for a, b in zip(self.children, other.children, strict=True)]


def resident_figures(
    start: dt.date, end: dt.date, codes: Iterable[str] | None = None, *, valid: bool = True
) -> dict[str, ResidentFigures]:
    """Per home municipality code (only these ``codes``, or every one when None): the period's figures.

    Six or seven queries whatever the number of municipalities (one names them, four or five
    read the statistics, one counts valid cards in the register; without ``valid`` that one
    is left out and ``valid`` stays 0). A municipality without a card or use is absent;
    callers default to ``ResidentFigures()``.
    """
    names = Municipality.objects.all() if codes is None else Municipality.objects.filter(code__in=sorted(set(codes)))
    code_of = dict(names.values_list("pk", "code"))
    out: dict[str, ResidentFigures] = {}
    for pk, sums in queries.by_home(start, end, None if codes is None else list(code_of)).items():
        if pk in code_of:
            out[code_of[pk]] = ResidentFigures(
                registered=sums.registered,
                cards_used=sums.cards_used,
                adults=[sums.adults.get(sector, 0) for sector in SECTORS],
                children=[sums.children.get(sector, 0) for sector in SECTORS],
            )
    if not valid:
        return out
    # Grouped by the municipality's id (no join to the municipalities), named by its code.
    cards = (
        Card.objects.filter(kind=Card.Kind.PERSONAL)
        .valid_on(min(end, timezone.localdate()))
        .annotate(home=Coalesce("municipality_id", "site__municipality_id"))
    )
    if codes is not None:
        cards = cards.filter(home__in=list(code_of))
    for row in cards.values("home").annotate(n=Count("id")).order_by():
        if row["home"] in code_of:
            out.setdefault(code_of[row["home"]], ResidentFigures()).valid = row["n"]
    return out


def year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
