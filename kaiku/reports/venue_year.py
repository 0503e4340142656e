"""The venue's year (item 4 of issue 23): what a venue's Kaikukortti offers brought in a year.

Read straight from the register (``visits.Use``, ``offers.Offer``). Definitions
(``DEFINITIONS``, printed with every table and on the certificate):

* *admissions*: people let in with the card at accepted, not voided uses (the holder,
  children and community-card clients; assistants are free anyway and not counted);
* *new visitors*: cards whose first accepted use at this venue ever falls in the year,
  counted under the offer of that first use;
* *children reached*: children and community-card clients under 16 among the admissions;
* *value of the tickets given*: admissions to an offer times the ticket's face value the
  venue gave for the offer; offers without a face value are left out of the sum.

Counts of people are suppressed below the national small-count threshold on every view
of a venue's year and on the certificate, whoever looks (docs/reports.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Sector, Site
from kaiku.offers.models import Offer
from kaiku.stats.suppression import SafeTable, Shown, suppress
from kaiku.visits.models import Use

DEFINITIONS = [
    _(
        "Admissions: people let in with Kaikukortti at accepted uses (the holder, children and community-card "
        "clients; assistants get in free and are not counted). Voided uses are not counted."
    ),
    _("New visitors: cards used at this venue for the first time ever in the year, under the offer of that visit."),
    _("Children reached: children and community-card clients under 16 among the admissions."),
    _(
        "Value of the tickets given: admissions to an offer times the ticket's face value the venue gave for it; "
        "offers without a face value are not in the sum."
    ),
]

COLUMNS = [_("Admissions"), _("New visitors"), _("Children reached")]


def _people() -> F:
    return F("adults") + F("children") + F("community_clients")  # type: ignore[return-value]


def first_use() -> Subquery:
    """The id of each card's first accepted use at the outer use's venue, ever."""
    return Subquery(
        Use.objects.accepted()
        .filter(venue=OuterRef("venue"), card=OuterRef("card"))
        .order_by("used_on", "scanned_at", "pk")
        .values("pk")[:1]
    )


def new_visitor_uses(venue_ids: list[int], year: int):  # type: ignore[no-untyped-def]
    """Accepted uses in the year at these venues that are a card's first there ever."""
    return (
        Use.objects.accepted().in_year(year).filter(venue_id__in=venue_ids, card__isnull=False).filter(pk=first_use())
    )


@dataclass
class Line:
    label: str
    admissions: int
    new_visitors: int
    children: int
    ticket_value: Decimal | None = None

    @property
    def value(self) -> Decimal | None:
        if self.ticket_value is None:
            return None
        return self.ticket_value * self.admissions


@dataclass
class Published:
    """A table after suppression, with the ticket value beside it where it may be shown."""

    lines: list[Line]
    safe: SafeTable
    values: list[str]
    total_value: str
    threshold: int | None

    # The venue of each line in the area's view (its page is linked), else empty.
    venue_ids: list[int] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, list[Shown], str]]:
        return [(line.label, self.safe.cells[i], self.values[i]) for i, line in enumerate(self.lines)]

    @property
    def linked_rows(self) -> list[tuple[str, list[Shown], str, int | None]]:
        ids: list[int | None] = list(self.venue_ids) or [None] * len(self.lines)
        return [(label, cells, value, ids[i]) for i, (label, cells, value) in enumerate(self.rows)]


def _money(value: Decimal) -> str:
    """Euros in the active language's format: "1 234,50 €" in Finnish, "1,234.50 €" in English."""
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True) + "\u00a0€"


def publish(lines: list[Line], threshold: int | None) -> Published:
    values = [[line.admissions, line.new_visitors, line.children] for line in lines]
    safe = suppress([line.label for line in lines], COLUMNS, values, threshold, row_totals=False)
    shown_values = []
    any_hidden = False
    total = Decimal(0)
    for i, line in enumerate(lines):
        if line.value is None:
            shown_values.append("\u2013")
        elif safe.cells[i][0].value is None:
            # The value would give the hidden admissions away (value / face value).
            shown_values.append(safe.cells[i][0].text)
            any_hidden = True
        else:
            shown_values.append(_money(line.value))
            total += line.value
    with_value = [line for line in lines if line.value is not None]
    if not with_value:
        total_text = "\u2013"
    elif any_hidden:
        total_text = "\u00d7"
    else:
        total_text = _money(total)
    return Published(lines, safe, shown_values, total_text, threshold)


def _offer_label(offer: Offer | None) -> str:
    return str(offer) if offer is not None else str(_("Without an offer"))


@dataclass
class VenueYear:
    venue: Site
    year: int
    by_offer: Published
    by_sector: Published
    headline: list[tuple[str, str]]


def venue_year(venue: Site, year: int, threshold: int | None) -> VenueYear:
    uses = Use.objects.accepted().in_year(year).filter(venue=venue)
    per_offer = {
        r["offer_id"]: r
        for r in uses.values("offer_id").annotate(
            people=Sum(_people()), kids=Sum(F("children") + F("community_clients"))
        )
    }
    new = dict(
        new_visitor_uses([venue.pk], year).values("offer_id").annotate(n=Count("id")).values_list("offer_id", "n")
    )
    offers = {o.pk: o for o in Offer.objects.filter(pk__in=[k for k in per_offer if k is not None])}
    lines = []
    for offer_id, r in per_offer.items():
        offer = offers.get(offer_id) if offer_id is not None else None
        lines.append(
            Line(
                _offer_label(offer),
                r["people"] or 0,
                new.get(offer_id, 0),
                r["kids"] or 0,
                offer.ticket_value if offer is not None else None,
            )
        )
    lines.sort(key=lambda line: (-line.admissions, line.label))
    sectors = {
        r["sector"]: r
        for r in uses.values("sector").annotate(people=Sum(_people()), kids=Sum(F("children") + F("community_clients")))
    }
    new_by_sector = dict(
        new_visitor_uses([venue.pk], year).values("sector").annotate(n=Count("id")).values_list("sector", "n")
    )
    sector_lines = [
        Line(str(label), (sectors.get(value) or {}).get("people") or 0, new_by_sector.get(value, 0),
             (sectors.get(value) or {}).get("kids") or 0)
        for value, label in Sector.choices
        if value in sectors
    ]  # fmt: skip
    by_offer = publish(lines, threshold)
    totals = by_offer.safe.col_totals or []
    headline = [
        (str(_("Admissions")), totals[0].text if totals else "0"),
        (str(_("New visitors")), totals[1].text if totals else "0"),
        (str(_("Children reached")), totals[2].text if totals else "0"),
        (str(_("Value of the tickets given")), by_offer.total_value),
    ]
    return VenueYear(venue, year, by_offer, publish(sector_lines, threshold), headline)


def area_venues(area: Area, year: int, threshold: int | None) -> Published:
    """Every venue's contribution in the area for the year (the coordinator's view)."""
    venues = list(Site.objects.venues().filter(area=area).order_by("name"))
    ids = [v.pk for v in venues]
    uses = Use.objects.accepted().in_year(year).filter(venue_id__in=ids)
    people = {
        r["venue_id"]: r
        for r in uses.values("venue_id").annotate(
            people=Sum(_people()), kids=Sum(F("children") + F("community_clients"))
        )
    }
    new = dict(new_visitor_uses(ids, year).values("venue_id").annotate(n=Count("id")).values_list("venue_id", "n"))
    valued = dict(
        uses.filter(offer__ticket_value__isnull=False)
        .values("venue_id")
        .annotate(value=Sum(_people() * F("offer__ticket_value")))
        .values_list("venue_id", "value")
    )
    lines = []
    for venue in venues:
        r = people.get(venue.pk, {})
        line = Line(venue.name, r.get("people") or 0, new.get(venue.pk, 0), r.get("kids") or 0)
        lines.append(line)
    published = publish(lines, threshold)
    # A venue's value sums its offers' values: shown when its admissions are shown.
    total = Decimal(0)
    any_hidden = False
    values = []
    for i, venue in enumerate(venues):
        value = valued.get(venue.pk)
        if value is None:
            values.append("\u2013")
        elif published.safe.cells[i][0].value is None:
            values.append(published.safe.cells[i][0].text)
            any_hidden = True
        else:
            values.append(_money(Decimal(value)))
            total += Decimal(value)
    published.values = values
    published.venue_ids = ids
    published.total_value = "\u2013" if not valued else "\u00d7" if any_hidden else _money(total)
    return published
