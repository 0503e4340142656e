"""Whose statistics (``StatsScope``) and what was asked for (``Filters``): the read path's two inputs.

Apart from ``queries`` so that the slices can name them without importing the read path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from kaiku.network.models import Area, Municipality, Site
from kaiku.stats.models import CardFact, CardYear, UseFact, UseFactQuerySet


@dataclass
class StatsScope:
    """Whose statistics: the whole network, one area, one distributor site or one venue."""

    level: str  # "national", "area", "site", "venue"
    area: Area | None = None
    site: Site | None = None
    # None only in the national admin's own view: nothing is suppressed there.
    threshold: int | None = 5

    def uses(self) -> UseFactQuerySet:
        qs: UseFactQuerySet = UseFact.objects.all()  # type: ignore[assignment]
        if self.level == "area":
            return qs.filter(venue_area=self.area)
        if self.level == "site":
            return qs.filter(card_site=self.site)
        if self.level == "venue":
            return qs.filter(venue=self.site)
        return qs

    def uses_across(self, days: Q) -> UseFactQuerySet:
        """The uses of ``days`` for the cross-area table: an area also sees where its own cards were used.

        For an area each range of days (``days`` may be an OR of ranges) goes into an OR of
        its own with each side, venue's area and card's area, so that PostgreSQL searches
        the (area, day) indexes for those days only. With the days outside the OR it read
        both indexes' whole area (50 ms at 10 M uses) and kept the days' rows of them.
        """
        if self.level == "area":
            ranges = days.children if days.connector == Q.OR and not days.negated else [days]
            sides = (Q(part, **{side: self.area}) for side in ("venue_area", "card_area") for part in ranges)
            return UseFact.objects.filter(Q(*sides, _connector=Q.OR))  # type: ignore[return-value]
        return self.uses().filter(days)

    def card_facts(self) -> QuerySet[CardFact]:
        return self._by_card_scope(CardFact.objects.all())

    def card_years(self) -> QuerySet[CardYear]:
        return self._by_card_scope(CardYear.objects.all())

    def _by_card_scope(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """Tables keyed by the card's issuing site and area; a venue sees no cards."""
        if self.level == "area":
            return qs.filter(card_area=self.area)
        if self.level == "site":
            return qs.filter(card_site=self.site)
        if self.level == "venue":
            return qs.none()
        return qs

    @property
    def shows_holders(self) -> bool:
        """Venue staff never see holder data, not even as age or gender aggregates."""
        return self.level != "venue"

    @property
    def has_cards(self) -> bool:
        return self.level != "venue"


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    area: Area | None = None
    municipality: Municipality | None = None
    sector: str = ""
    art_form: str = ""
    card_kind: str = ""
    channel: str = ""

    def apply_uses(self, qs: UseFactQuerySet, period: bool = True) -> UseFactQuerySet:
        """The uses of the period (unless ``period`` is false: the caller names the days) that pass the filters."""
        if period:
            qs = qs.filter(day__gte=self.start, day__lte=self.end)
        if self.area is not None:
            qs = qs.filter(venue_area=self.area)
        if self.municipality is not None:
            qs = qs.filter(venue_municipality=self.municipality)
        for name in ("sector", "art_form", "card_kind", "channel"):
            value = getattr(self, name)
            if value:
                qs = qs.filter(**{name: value})
        return qs

    def apply_cards(self, qs: QuerySet[CardFact]) -> QuerySet[CardFact]:
        qs = qs.filter(day__gte=self.start, day__lte=self.end)
        if self.area is not None:
            qs = qs.filter(card_area=self.area)
        if self.municipality is not None:
            qs = qs.filter(site_municipality=self.municipality)
        if self.card_kind:
            qs = qs.filter(card_kind=self.card_kind)
        return qs
