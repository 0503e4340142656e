"""Figures by the holder's home municipality, read from the register.

``resident_figures`` is the one place the reports app counts cards and uses by where the
holder lives. The statistics' fact tables are being given the home municipality as a
dimension (the "Simplify" rewrite of ``kaiku.stats``); until then these counts come from
``cards.Card`` and ``visits.Use`` with four aggregate queries. The lead will route this
function through the stats read path, keeping its signature, once that dimension lands.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Sum
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.network.models import Municipality, Sector
from kaiku.visits.models import Use

SECTORS = [value for value, _label in Sector.choices]


@dataclass
class ResidentFigures:
    """One municipality's residents in a period (all counts of cards or people).

    * ``registered``: personal cards first registered in the period;
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


def resident_figures(start: dt.date, end: dt.date, codes: Iterable[str] | None = None) -> dict[str, ResidentFigures]:
    """Per home municipality code (only these ``codes``, or every one when None): the period's figures.

    Five queries whatever the number of municipalities (one names them). A municipality
    without a card or use is absent; callers default to ``ResidentFigures()``.
    """
    cards = Card.objects.all()
    uses = Use.objects.accepted().filter(used_on__gte=start, used_on__lte=end, card__isnull=False)
    # Grouped by the municipality's id (no join to the municipalities), named by its code.
    names = Municipality.objects.all() if codes is None else Municipality.objects.filter(code__in=sorted(set(codes)))
    code_of = dict(names.values_list("pk", "code"))
    if codes is not None:
        cards = cards.filter(municipality_id__in=list(code_of))
        uses = uses.filter(card__municipality_id__in=list(code_of))
    personal = cards.filter(kind=Card.Kind.PERSONAL)
    out: dict[str, ResidentFigures] = defaultdict(ResidentFigures)

    def counts(qs: Any, key: str, count: Count) -> Iterable[tuple[ResidentFigures, int]]:
        """Each municipality's figures and its count; cards without a home municipality are left out."""
        for pk, n in qs.values_list(key).annotate(n=count).values_list(key, "n").order_by():
            if pk in code_of:
                yield out[code_of[pk]], n

    registered = personal.filter(registered_on__gte=start, registered_on__lte=end)
    for figures, n in counts(registered, "municipality_id", Count("id")):
        figures.registered = n
    for figures, n in counts(personal.valid_on(min(end, timezone.localdate())), "municipality_id", Count("id")):
        figures.valid = n
    home = "card__municipality_id"
    for figures, n in counts(uses, home, Count("card", distinct=True)):
        figures.cards_used = n
    by_sector = (
        uses.values(home, "sector").annotate(a=Sum("adults"), c=Sum(F("children") + F("community_clients"))).order_by()
    )
    for row in by_sector:
        if row["sector"] in SECTORS and row[home] in code_of:
            i = SECTORS.index(row["sector"])
            out[code_of[row[home]]].adults[i] += row["a"] or 0
            out[code_of[row[home]]].children[i] += row["c"] or 0
    return dict(out)


def year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
