"""Statistics from the fact tables: the national yearly table, dashboard tables, open data.

Every function takes a ``StatsScope`` (what the viewer may see) and ``Filters``
(what they asked for) and returns raw counts; ``kaiku.stats.suppression`` makes
them publishable. Each table is one grouped query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Avg, Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card, Gender, LifeSituation
from kaiku.network.models import Area, Municipality, NationalSettings, Sector, Site
from kaiku.offers.models import ArtForm
from kaiku.stats import intake, slice_reads, slices
from kaiku.stats.facts import MONTHLY
from kaiku.stats.models import (
    YEAR_DIM,
    AgeBand,
    CardFact,
    CardRollup,
    CardYear,
    SliceRollup,
    UseFact,
    UseFactQuerySet,
)
from kaiku.stats.periods import (
    months_between,
    rollup_period,
)
from kaiku.stats.scope import Filters, StatsScope
from kaiku.stats.suppression import SafeTable, Shown, show_number, suppress
from kaiku.visits.models import Channel, Reason

SECTORS = [value for value, _label in Sector.choices]


@dataclass
class Table:
    """One dashboard table: raw counts, then published through suppression."""

    key: str
    title: Any
    row_heading: Any
    rows: list[Any]
    columns: list[Any]
    values: list[list[int]]
    row_totals: bool = True
    col_totals: bool = True
    chart: str = "bars"  # "bars", "timeline" or "" (no chart)
    note: Any = ""
    safe: SafeTable | None = field(default=None, repr=False)
    svg: Any = ""

    @property
    def rows_for_template(self) -> list[tuple[Any, list[Any], Any]]:
        s = self.safe
        assert s is not None
        return [(r, s.cells[i], s.row_totals[i] if s.row_totals else None) for i, r in enumerate(s.rows)]

    def publish(self, threshold: int | None) -> Table:
        self.safe = suppress(
            self.rows, self.columns, self.values, threshold, row_totals=self.row_totals, col_totals=self.col_totals
        )
        return self


ADULTS_CHILDREN = [_("Adults"), _("Children")]


def _child_sum() -> Any:
    return Coalesce(Sum(F("children") + F("community_clients")), 0)


PEOPLE_DIMS = ("sector", "art_form", "card_kind", "age_band", "gender", "home", "life_situation")
# The fact's column of a dimension whose name is not a column: the holder's home municipality.
FACT_COLUMNS = {"home": "card_municipality_id"}


def _column(dim: str) -> str:
    return FACT_COLUMNS.get(dim, dim)


def _dim_value(dim: str, value: Any) -> Any:
    """A fact column's value as the rollup keeps it (``slices._rollup_values``): the home municipality as text."""
    if dim == "home":
        return "" if value is None else str(value)
    return value


def _people_groups(counted: QuerySet[UseFact], dims: Sequence[str]) -> dict[str, dict[Any, list[int]]]:
    """Adults and children per month and per each dimension: {dim: {value: [adults, children]}}.

    On PostgreSQL one scan with GROUPING SETS computes every grouping. Elsewhere one
    scan groups by all the dimensions at once (a few thousand combinations a year)
    and the groupings are summed here.
    """
    out: dict[str, dict[Any, list[int]]] = {dim: {} for dim in ("month", *dims)}
    columns = [_column(d) for d in dims]
    if connection.vendor != "postgresql":
        fine = counted.values("year", "month", *columns).annotate(a=Coalesce(Sum("adults"), 0), c=_child_sum())
        for row in fine.order_by():
            keys = ((d, _dim_value(d, row[c])) for d, c in zip(dims, columns, strict=True))
            for dim, key in (("month", (row["year"], row["month"])), *keys):
                sums = out[dim].setdefault(key, [0, 0])
                sums[0] += row["a"]
                sums[1] += row["c"]
        return out
    inner, params = (
        counted.values("year", "month", *columns, "adults", "children", "community_clients")
        .order_by()
        .query.sql_with_params()
    )
    sets = ", ".join(["(year, month)", *(f"({c})" for c in columns)])
    flags = ", ".join(f"GROUPING({c})" for c in ("year", *columns))
    sql = (
        f"SELECT year, month, {', '.join(columns)}, {flags}, SUM(adults), SUM(children + community_clients) "  # noqa: S608
        f"FROM ({inner}) AS f GROUP BY GROUPING SETS ({sets})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values, grouping, sums = row[: 2 + len(dims)], row[2 + len(dims) : 3 + 2 * len(dims)], row[-2:]
            people = [int(sums[0] or 0), int(sums[1] or 0)]
            if grouping[0] == 0:
                out["month"][(values[0], values[1])] = people
            else:
                i = list(grouping[1:]).index(0)
                out[dims[i]][_dim_value(dims[i], values[2 + i])] = people
    return out


def _in_label_order(labels: dict[Any, Any], data: dict[Any, Any]) -> list[Any]:
    """The keys of ``data``: those with a label in the labels' order, then the others."""
    return [k for k in labels if k in data] + [k for k in data if k not in labels]


def _people_table(
    key: str, title: Any, heading: Any, data: dict[Any, list[int]], choices: Iterable[tuple[Any, Any]]
) -> Table:
    labels = dict(choices)
    keys = _in_label_order(labels, data)
    return Table(
        key,
        title,
        heading,
        [labels.get(k, k or _("Not given")) for k in keys],
        ADULTS_CHILDREN,
        [data[k] for k in keys],
    )


HOME_CHART_MAX = 30


def _home_table(data: dict[str, list[int]]) -> Table:
    """Uses by the holder's home municipality: municipalities by name, "Not known" last."""
    munis = {str(m.pk): str(m) for m in Municipality.objects.filter(pk__in=[int(k) for k in data if k])}
    keys = sorted((k for k in data if k), key=lambda k: (munis.get(k, ""), k)) + [k for k in data if not k]
    return Table(
        "homes",
        _("Uses by the holder's home municipality"),
        _("Home municipality"),
        [munis.get(k, _("Unknown")) if k else _("Not known") for k in keys],
        ADULTS_CHILDREN,
        [data[k] for k in keys],
        # A bar per municipality is unreadable beyond a few dozen (a national table has up
        # to 300 rows): then the table alone is shown, open across the row, as cross-area use is.
        chart="bars" if len(keys) <= HOME_CHART_MAX else "",
    )


def _area_names() -> dict[int, str]:
    return dict(Area.objects.values_list("pk", "name"))


@contextmanager
def custom_plans() -> Iterator[None]:
    """On PostgreSQL, plan every statement inside for its own parameters (in a transaction).

    The connection prepares a statement run twice (settings: ``prepare_threshold``), which
    saves the use path its parsing and planning. After five runs PostgreSQL may keep one
    generic plan for every value of the parameters; for the statistics' ranges of days
    and lists of values such a plan reads far more than it needs (measured at 10 M uses:
    the national dashboard with two filters over a cut period took 544 to 713 ms from the
    seventh request on, 206 to 281 ms with a plan for each request). ``SET LOCAL`` ends
    with the transaction, so the use path keeps its generic plans.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


@custom_plans()
def dashboard(scope: StatsScope, filters: Filters) -> tuple[list[Table], dict[str, Any]]:
    """Every table of a dashboard, unpublished, and the key figures."""
    intake.current()
    months = months_between(filters.start, filters.end)
    dims = PEOPLE_DIMS if scope.shows_holders else PEOPLE_DIMS[:3]
    rolled = _from_rollup(scope, filters, dims)
    groups, pairs, attempts, refused, totals = rolled if rolled is not None else _use_tables(scope, filters, dims)
    tables = [
        _months_table("months", _("Uses by month"), months, ADULTS_CHILDREN, groups["month"]),
        *_people_tables(groups, scope.shows_holders),
        _cross_area_table(pairs),
        _attempts_table(attempts, "channels", _("Attempts by channel"), _("Channel"), Channel.choices),
        _refused_table(refused),
    ]
    figures: dict[str, Any] = {
        "uses": totals["adults"] + totals["children"],
        "adults": totals["adults"],
        "children": totals["children"],
        "assistants": totals["assistants"],
        "cards_used": _cards_used(scope, filters, filters.apply_uses(scope.uses()).counted()),
    }
    if scope.has_cards:
        by_month, issued, used = _card_figures(scope, filters)
        tables.append(
            _months_table(
                "cards", _("New holders and renewals by month"), months, [_("Registered"), _("Renewed")], by_month
            )
        )
        figures["cards_issued"] = issued
        figures["cards_issued_used"] = used
        figures["share_used"] = round(100 * used / issued) if issued else None
    tables += _feedback_tables(scope, filters)
    return tables, figures


def _months_table(
    key: str, title: Any, months: list[tuple[int, int]], columns: list[Any], data: dict[Any, list[int]]
) -> Table:
    """A table with a row per month of the period (a month without data shows zeros), drawn as a timeline."""
    return Table(
        key,
        title,
        _("Month"),
        [f"{y}-{m:02d}" for y, m in months],
        columns,
        [data.get(ym, [0] * len(columns)) for ym in months],
        chart="timeline",
    )


def _people_tables(groups: dict[str, dict[Any, list[int]]], holders: bool) -> list[Table]:
    """Uses by sector, art form and card kind; where the scope shows holders, by age band,
    gender, home municipality and life situation too."""
    tables = [
        _people_table("sectors", _("Uses by sector"), _("Sector"), groups["sector"], Sector.choices),
        _people_table(
            "art_forms",
            _("Uses by art form"),
            _("Art form"),
            groups["art_form"],
            [("", _("Not given")), *ArtForm.choices],
        ),
        _people_table("card_kinds", _("Uses by card kind"), _("Card kind"), groups["card_kind"], Card.Kind.choices),
    ]
    if not holders:
        return tables
    return [
        *tables,
        _people_table("age_bands", _("Uses by the holder's age"), _("Age band"), groups["age_band"], AgeBand.choices),
        _people_table(
            "genders",
            _("Uses by the holder's gender"),
            _("Gender"),
            groups["gender"],
            [*Gender.choices, ("", _("Not given"))],
        ),
        _home_table(groups["home"]),
        _people_table(
            "life_situations",
            _("Uses by life situation"),
            _("Life situation"),
            groups["life_situation"],
            [*LifeSituation.choices, ("", _("Not stated"))],
        ),
    ]


def _cross_area_table(pairs: dict[tuple[Any, Any], int]) -> Table:
    """Cross-area use: cards of one area used at venues of another."""
    names = _area_names()
    card_areas = sorted({c for c, _v in pairs}, key=lambda pk: names.get(pk, ""))
    venue_areas = sorted({v for _c, v in pairs}, key=lambda pk: names.get(pk, ""))
    return Table(
        "cross_area",
        _("Cross-area use: uses by the card's area (rows) and the venue's area (columns)"),
        _("Card's area"),
        [names.get(c, _("Unknown")) for c in card_areas],
        [names.get(v, _("Unknown")) for v in venue_areas],
        [[pairs.get((c, v), 0) for v in venue_areas] for c in card_areas],
        chart="",
    )


def _refused_table(refused: dict[Any, int]) -> Table:
    reason_labels = dict(Reason.choices)
    keys = _in_label_order(reason_labels, refused)
    return Table(
        "refused",
        _("Refused attempts by reason"),
        _("Reason"),
        [reason_labels.get(k, k) for k in keys],
        [_("Refused")],
        [[refused[k]] for k in keys],
        row_totals=False,
    )


def _card_figures(scope: StatsScope, filters: Filters) -> tuple[dict[tuple[int, int], list[int]], int, int]:
    """Registrations and renewals by month; the distinct cards registered or renewed in the period,
    and how many of them were used in the same calendar year(s)."""
    card_rolled = _cards_from_rollup(scope, filters)
    by_kind: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    cards = filters.apply_cards(scope.card_facts())
    if card_rolled is not None:
        by_kind.update(card_rolled[0])
    else:
        for row in cards.values("year", "month", "kind").annotate(n=Count("pk")).order_by():
            by_kind[(row["year"], row["month"])][0 if row["kind"] == CardFact.Kind.REGISTERED else 1] += row["n"]
    if card_rolled is not None and card_rolled[1] is not None:
        issued_count, used_count = card_rolled[1]
        return by_kind, issued_count, used_count
    issued = cards.values("card_key").distinct()
    # "Used" as in the yearly table: at least one counted use in the same calendar year(s).
    years = list(range(filters.start.year, filters.end.year + 1))
    # EXISTS probes CardYear's (card_key, year) key for each issued card, rather than
    # materialising a year of card-years as an IN list.
    used = CardYear.objects.filter(card_key=OuterRef("card_key"), year__in=years)
    return by_kind, issued.count(), issued.filter(Exists(used)).count()


UseTables = tuple[
    dict[str, dict[Any, list[int]]],  # adults and children per month and per dimension
    dict[tuple[Any, Any], int],  # uses per (card's area, venue's area)
    dict[Any, list[int]],  # accepted and refused attempts per channel
    dict[Any, int],  # refused attempts per reason
    dict[str, int],  # adults, children, assistants
]


def _use_tables(scope: StatsScope, filters: Filters, dims: Sequence[str], within: Q | None = None) -> UseTables:
    """The use tables of a dashboard from the facts of the period, or of the days ``within`` it.

    ``within`` replaces the period's range rather than narrowing it, so that the day
    index is searched for those days only.
    """
    days = Q(day__gte=filters.start, day__lte=filters.end) if within is None else within
    uses = filters.apply_uses(scope.uses(), period=False).filter(days)
    if connection.vendor == "postgresql" and scope.level != "area":
        return _use_tables_in_one_scan(uses, dims)
    across = filters.apply_uses(scope.uses_across(days), period=False)
    counted = uses.counted()
    groups = _people_groups(counted, dims)
    pairs = _pairs(across)
    attempts = _attempts(uses, "channel")
    refused = {r["reason"]: r["n"] for r in uses.refused().values("reason").annotate(n=Count("pk")).order_by()}
    totals = counted.aggregate(
        adults=Coalesce(Sum("adults"), 0), children=_child_sum(), assistants=Coalesce(Sum("assistants"), 0)
    )
    return groups, pairs, attempts, refused, totals


def _use_tables_in_one_scan(uses: UseFactQuerySet, dims: Sequence[str]) -> UseTables:
    """``_use_tables`` on PostgreSQL in one scan of the facts, with a grouping set per table.

    Not for an area, whose cross-area table reads other facts (its cards used elsewhere).
    A group counts in a people table or the cross-area table only when it has counted
    uses, as when those tables are grouped from the counted facts alone.
    """
    dim_columns = [_column(d) for d in dims]
    sets = ["year, month", *dim_columns, "card_area, venue_area", "channel", "reason"]
    columns = ["year", *dim_columns, "card_area", "channel", "reason"]
    names = ["year", *dims, "card_area", "channel", "reason"]
    inner, params = (
        uses.values(
            "year", "month", *dim_columns, "card_area", "venue_area", "channel", "reason", "outcome", "voided",
            "adults", "children", "community_clients", "assistants",
        )
        .order_by()
        .query.sql_with_params()
    )  # fmt: skip
    counted = "outcome = %s AND NOT voided"
    sql = (
        f"SELECT month, card_area, venue_area, {', '.join(columns)}, "  # noqa: S608
        f"{', '.join(f'GROUPING({c})' for c in columns)}, "
        f"COUNT(*) FILTER (WHERE {counted}), SUM(adults) FILTER (WHERE {counted}), "
        f"SUM(children + community_clients) FILTER (WHERE {counted}), SUM(assistants) FILTER (WHERE {counted}), "
        "COUNT(*) FILTER (WHERE outcome = %s AND channel <> %s), COUNT(*) FILTER (WHERE outcome = %s AND channel <> %s) "
        f"FROM ({inner}) AS f GROUP BY GROUPING SETS ({', '.join(f'({s})' for s in sets)}, ())"
    )
    accepted, refused_outcome = UseFact.Outcome.ACCEPTED, UseFact.Outcome.REFUSED
    groups: dict[str, dict[Any, list[int]]] = {dim: {} for dim in ("month", *dims)}
    pairs: dict[tuple[Any, Any], int] = {}
    attempts: dict[Any, list[int]] = {}
    refused: dict[Any, int] = {}
    totals = {"adults": 0, "children": 0, "assistants": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, [accepted] * 4 + [accepted, MONTHLY, refused_outcome, MONTHLY, *params])
        for row in cursor.fetchall():
            month, card_area, venue_area = row[:3]
            values = row[3 : 3 + len(columns)]
            grouped = [flag == 0 for flag in row[3 + len(columns) : 3 + 2 * len(columns)]]
            n, adults, children, assistants, n_accepted, n_refused = (int(v or 0) for v in row[-6:])
            if not any(grouped):
                totals = {"adults": adults, "children": children, "assistants": assistants}
                continue
            at = grouped.index(True)
            name, value = names[at], _dim_value(names[at], values[at])
            if name == "year":
                if n:
                    groups["month"][(value, month)] = [adults, children]
            elif name == "card_area":
                if n:
                    pairs[(card_area, venue_area)] = adults + children
            elif name == "channel":
                if n_accepted or n_refused:
                    attempts[value] = [n_accepted, n_refused]
            elif name == "reason":
                if n_refused:
                    refused[value] = n_refused
            elif n:
                groups[name][value] = [adults, children]
    return groups, pairs, attempts, refused, totals


def _merged(tables: UseTables, more: UseTables) -> UseTables:
    """Use tables of two disjoint sets of uses, added up."""
    groups, pairs, attempts, refused, totals = tables
    more_groups, more_pairs, more_attempts, more_refused, more_totals = more
    for dim, values in more_groups.items():
        for key, (adults, children) in values.items():
            sums = groups.setdefault(dim, {}).setdefault(key, [0, 0])
            sums[0] += adults
            sums[1] += children
    for pair, n in more_pairs.items():
        pairs[pair] = pairs.get(pair, 0) + n
    for channel, (accepted, refused_n) in more_attempts.items():
        sums = attempts.setdefault(channel, [0, 0])
        sums[0] += accepted
        sums[1] += refused_n
    for reason, n in more_refused.items():
        refused[reason] = refused.get(reason, 0) + n
    return groups, pairs, attempts, refused, {name: totals[name] + more_totals[name] for name in totals}


def _from_rollup(scope: StatsScope, filters: Filters, dims: Sequence[str]) -> UseTables | None:
    """The use tables of a national or area dashboard from the slices (``SliceRollup``).

    Only when they can answer: no municipality. With no use filter the unfiltered slice
    (whole months from its month rows, the days of the months the period cuts, a period
    ending today say, from its day rows, in one query); under the sector, art form, card
    kind or channel filter that filter's slice: whole months from its month rows, whole
    parts of the months the period cuts from its part rows, and the days left over, at
    most four at each end, from the facts of those days; under two or more filters the
    combined slice, which nationally keeps parts of months but not the cross-area
    table's, read for those parts from the facts, and for one area only months, the days
    of the months the period cuts read from the facts. Returns None otherwise, and the
    facts are read instead.
    """
    chosen = slice_reads.answers(scope, filters)
    if chosen is None:
        return None
    area_key = _slice_area_key(scope, filters)
    cut = slice_reads.slice_pieces(chosen, filters.start, filters.end, area_key)
    qs = slice_reads.rollup(chosen, cut, area_key)
    other_days = cut.other_days()
    pair_days = None if slice_reads.cross_area_by_parts(chosen[0], area_key) else cut.part_days()
    groups: dict[str, dict[Any, list[int]]] = {dim: {} for dim in ("month", *PEOPLE_DIMS)}
    pairs: dict[tuple[Any, Any], int] = {}
    attempts: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    refused: dict[Any, int] = {}
    totals = {"adults": 0, "children": 0, "assistants": 0}
    if filters.area is not None:
        qs = qs.filter(venue_area_key=filters.area.pk)
    if scope.level == "area":
        assert scope.area is not None
        qs = qs.filter(Q(venue_area_key=scope.area.pk) | Q(dim="card_area", value=str(scope.area.pk)))
    # Only the month and the cross-area table keep the month or the venue's area apart.
    ym = Case(When(dim="month", then=F("year") * 100 + F("month")), default=Value(0))
    venue = Case(When(dim="card_area", then=F("venue_area_key")), default=Value(0))
    rows = (
        qs.annotate(ym=ym, va=venue)
        .values("dim", "value", "ym", "va")
        .annotate(**{name: Sum(name) for name in ("uses", "adults", "children", "assistants", "accepted", "refused")})
        .order_by()
    )
    for row in rows:
        dim, value = row["dim"], row["value"]
        if dim == "month":
            groups["month"][divmod(row["ym"], 100)] = [row["adults"], row["children"]]
            for name in totals:
                totals[name] += row[name]
        elif dim in groups and row["uses"]:
            groups[dim][value] = [row["adults"], row["children"]]
        elif dim == "card_area" and row["uses"]:
            pairs[(int(value) if value else None, row["va"] or None)] = row["adults"] + row["children"]
        elif dim == "channel" and (row["accepted"] or row["refused"]):
            attempts[value] = [row["accepted"], row["refused"]]
        elif dim == "reason" and row["refused"]:
            refused[value] = row["refused"]
    if pair_days is not None:
        for pair, n in _pairs_of_days(scope, filters, pair_days).items():
            pairs[pair] = pairs.get(pair, 0) + n
    if other_days is not None:  # the days outside whole parts of months are read from the facts
        return _merged((groups, pairs, attempts, refused, totals), _use_tables(scope, filters, dims, other_days))
    return groups, pairs, attempts, refused, totals


def _slice_area_key(scope: StatsScope, filters: Filters) -> int | None:
    """The area whose venues a sliced dashboard counts, None for every area's (the national dashboard)."""
    area = filters.area if scope.level == "national" else scope.area
    return area.pk if area is not None else None


def _pairs_of_days(scope: StatsScope, filters: Filters, days: Q) -> dict[tuple[Any, Any], int]:
    """The cross-area table of some days of the period from the facts: the parts of months whose
    cross-area rows the combined slice does not keep."""
    return _pairs(filters.apply_uses(scope.uses_across(days), period=False))


def _pairs(across: UseFactQuerySet) -> dict[tuple[Any, Any], int]:
    """Counted uses per (card's area, venue's area): the cross-area table."""
    return {
        (r["card_area"], r["venue_area"]): r["n"]
        for r in across.counted()
        .values("card_area", "venue_area")
        .annotate(n=Coalesce(Sum("adults"), 0) + _child_sum())
        .order_by()
    }


def _cards_from_rollup(
    scope: StatsScope, filters: Filters
) -> tuple[dict[tuple[int, int], list[int]], tuple[int, int] | None] | None:
    """Registrations and renewals by month, and the distinct cards issued and issued-and-used,
    from the monthly card rollup (``CardRollup``).

    Every card filter is a key of the rollup. The whole months of the period come
    from the rollup, the other days (a period ending today, say) from the card facts
    of those days. The distinct counts need a period within one calendar year ("used"
    means used in the fact's year); they are None for a longer period. A card with
    several facts in the period counts once: such facts are flagged ``shared_year``
    and read one by one to take the repeats out. None for a venue (no cards).
    """
    if not scope.has_cards:
        return None
    rollup, facts = CardRollup.objects.all(), CardFact.objects.all()
    if scope.level == "area":
        assert scope.area is not None
        rollup, facts = rollup.filter(card_area_key=scope.area.pk), facts.filter(card_area=scope.area)
    elif scope.level == "site":
        assert scope.site is not None
        rollup, facts = rollup.filter(card_site_key=scope.site.pk), facts.filter(card_site=scope.site)
    if filters.area is not None:
        rollup, facts = rollup.filter(card_area_key=filters.area.pk), facts.filter(card_area=filters.area)
    if filters.municipality is not None:
        rollup = rollup.filter(site_municipality_key=filters.municipality.pk)
        facts = facts.filter(site_municipality=filters.municipality)
    if filters.card_kind:
        rollup, facts = rollup.filter(card_kind=filters.card_kind), facts.filter(card_kind=filters.card_kind)
    rolled = rollup.filter(rollup_period(filters.start, filters.end)).values("year", "month", "kind")
    by_kind: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    n_facts = n_used = 0
    for row in rolled.annotate(n=Sum("facts"), u=Sum("used")).order_by():
        by_kind[(row["year"], row["month"])][0 if row["kind"] == CardFact.Kind.REGISTERED else 1] += row["n"]
        n_facts += row["n"]
        n_used += row["u"]
    year = filters.start.year
    if filters.end.year != year:
        return by_kind, None
    # Take out the repeats: a card with n facts in the period (u of them used) counts once.
    repeats = facts.filter(shared_year=True, year=year, day__gte=filters.start, day__lte=filters.end)
    per_card: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in repeats.values("card_key", "used").annotate(n=Count("pk")).order_by():
        per_card[row["card_key"]][0] += row["n"]
        if row["used"]:
            per_card[row["card_key"]][1] += row["n"]
    n_facts -= sum(n - 1 for n, _u in per_card.values())
    n_used -= sum(u - 1 for _n, u in per_card.values() if u)
    return by_kind, (n_facts, n_used)


def _cards_used(scope: StatsScope, filters: Filters, counted: QuerySet[UseFact]) -> int:
    """Distinct cards with a counted use in the period.

    On the national and area dashboards (and the national one of one area) without a
    municipality, from the slices' card sets (``_cards_from_slices``). Otherwise (a site or
    a venue, a municipality, an area dashboard narrowed to an area) from the facts, as a
    DISTINCT subquery, which PostgreSQL hashes in parallel, unlike COUNT(DISTINCT).
    """
    sliced = _cards_from_slices(scope, filters)
    if sliced is not None:
        return sliced
    return counted.exclude(card_key=None).values("card_key").distinct().count()


def _cards_from_slices(scope: StatsScope, filters: Filters) -> int | None:
    """Distinct cards used under the use filters (with none, the sector slice's sets of every sector),
    from the slices' card sets and the facts of the days outside whole parts of months (None when the
    slices do not answer)."""
    if filters.area and scope.level != "national":
        return None
    chosen = slice_reads.answers(scope, filters, unfiltered=slice_reads.EVERY_CARD)
    if chosen is None:
        return None
    area_key = _slice_area_key(scope, filters)
    cut = slice_reads.slice_pieces(chosen, filters.start, filters.end, area_key)
    other_days = cut.other_days()
    more: Iterable[int] = ()
    if other_days is not None:  # the days outside whole parts of months: their cards from the facts
        uses = filters.apply_uses(scope.uses(), period=False).filter(other_days).counted().exclude(card_key=None)
        sql, params = uses.values_list("card_key").query.sql_with_params()
        with connection.cursor() as cursor:  # tens of thousands of keys: without a model row each
            cursor.execute(sql, params)
            more = [row[0] for row in cursor.fetchall()]
    return slice_reads.cards_used(chosen, area_key, cut, more)


def registered_used_by_now(scope: StatsScope) -> dict[int, int]:
    """The other reading of "cards taken into use": registered in the year, with a counted use in it or later.

    Offered in the yearly export beside the table's reading. It changes as long as cards
    registered that year are used, so a past year's figure is not fixed.
    """
    intake.current()
    used = CardYear.objects.filter(card_key=OuterRef("card_key"), year__gte=OuterRef("year"))
    qs = scope.card_facts().filter(kind=CardFact.Kind.REGISTERED).filter(Exists(used))
    return dict(qs.values("year").annotate(n=Count("pk")).values_list("year", "n").order_by())


def _feedback_tables(scope: StatsScope, filters: Filters) -> list[Table]:
    """Holders' feedback scores on uses in scope, and wellbeing answers of cards in scope."""
    from kaiku.portal.models import WELLBEING_QUESTIONS, Feedback, WellbeingAnswer

    feedback = Feedback.objects.answered().filter(use__used_on__gte=filters.start, use__used_on__lte=filters.end)
    if scope.level == "area":
        feedback = feedback.filter(use__venue__area=scope.area)
    elif scope.level == "site":
        feedback = feedback.filter(use__card__site=scope.site)
    elif scope.level == "venue":
        feedback = feedback.filter(use__venue=scope.site)
    scores: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in feedback.values("score", "went_with_someone").annotate(n=Count("pk")).order_by():
        scores[row["score"]][0 if row["went_with_someone"] else 1] += row["n"]
    tables = [
        Table(
            "feedback",
            _("Holders' feedback: how was it (1 to 5)"),
            _("Score"),
            [f"{k}/5" for k in range(1, 6)],
            [_("Went with someone"), _("Went alone or did not say")],
            [scores[k] for k in range(1, 6)],
        )
    ]
    if not scope.shows_holders:
        return tables
    answers = WellbeingAnswer.objects.filter(
        declined=False, period_start__gte=filters.start, period_start__lte=filters.end
    )
    if scope.level == "area":
        answers = answers.filter(site__area=scope.area)
    elif scope.level == "site":
        answers = answers.filter(site=scope.site)
    counts: dict[str, list[int]] = {q: [0] * 6 for q in WELLBEING_QUESTIONS}
    aggregates = {f"{q}_{v}": Count("pk", filter=Q(**{q: v})) for q in WELLBEING_QUESTIONS for v in range(6)}
    for key, n in answers.aggregate(**aggregates).items():
        question, value = key.rsplit("_", 1)
        counts[question][int(value)] = n
    from kaiku.portal.forms import STATEMENTS

    labels = STATEMENTS
    tables.append(
        Table(
            "wellbeing",
            _("Wellbeing survey at registration and renewal: answers from 0 (not at all) to 5 (completely)"),
            _("Statement"),
            [labels.get(q, q) for q in WELLBEING_QUESTIONS],
            [f"{v}/5" for v in range(6)],
            [counts[q] for q in WELLBEING_QUESTIONS],
            col_totals=False,
        )
    )
    return tables


def wellbeing_change(sites: QuerySet[Site] | None = None, *, threshold: int | None = None) -> dict[str, Any] | None:
    """Mean wellbeing answers at registration and at the first renewal, for respondents who answered both.

    A respondent is one card's answers, paired by their random key, which outlives the card
    link that retention empties (``privacy.retention.reduce_card``); ``sites`` are the
    issuing sites the answers belong to. Returns ``{"cards": n, "questions": {name:
    {"registration": x, "renewal": y, "change": y - x}}}``, or None when fewer than the
    threshold (the national one when None) of cards answered both times.
    """
    from kaiku.portal.models import WELLBEING_QUESTIONS, WellbeingAnswer

    answered = WellbeingAnswer.objects.filter(declined=False)
    if sites is not None:
        answered = answered.filter(site__in=sites)
    both = answered.values("respondent").annotate(occasions=Count("occasion", distinct=True)).filter(occasions=2)
    pair = answered.filter(respondent__in=both.values("respondent"))
    count = pair.values("respondent").distinct().count()
    limit = NationalSettings.get().small_count_threshold if threshold is None else threshold
    if count == 0 or count < limit:
        return None
    occasions = (WellbeingAnswer.Occasion.REGISTRATION, WellbeingAnswer.Occasion.RENEWAL)
    means = {o: pair.filter(occasion=o).aggregate(**{q: Avg(q) for q in WELLBEING_QUESTIONS}) for o in occasions}
    questions = {}
    for q in WELLBEING_QUESTIONS:
        before, after = means[occasions[0]][q], means[occasions[1]][q]
        change = None if before is None or after is None else after - before
        questions[q] = {"registration": before, "renewal": after, "change": change}
    return {"cards": count, "questions": questions}


def _attempts(uses: QuerySet[UseFact], dim: str) -> dict[Any, list[int]]:
    data: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    attempts = uses.exclude(channel=MONTHLY)  # a monthly count taken over is uses, not an attempt
    for row in attempts.values(dim, "outcome").annotate(n=Count("pk")).order_by():
        data[row[dim]][0 if row["outcome"] == UseFact.Outcome.ACCEPTED else 1] += row["n"]
    return data


def _attempts_table(
    data: dict[Any, list[int]], key: str, title: Any, heading: Any, choices: Iterable[tuple[Any, Any]]
) -> Table:
    labels = dict(choices)
    keys = _in_label_order(labels, data)
    return Table(
        key, title, heading, [labels.get(k, k) for k in keys], [_("Accepted"), _("Refused")], [data[k] for k in keys]
    )


# --- The national yearly table (DESIGN §1) ------------------------------------------


@dataclass
class YearRow:
    year: int
    registered: int
    taken_into_use: int
    adult: list[int]  # by sector, in SECTORS order
    child: list[int]
    municipalities: int

    @property
    def total(self) -> int:
        return sum(self.adult) + sum(self.child)


def _yearly_area_key(scope: StatsScope) -> int | None:
    """The area whose yearly rows are read (its id), None for the network."""
    if scope.level == "area":
        assert scope.area is not None
        return scope.area.pk
    if scope.level != "national":
        raise ValueError("yearly rows exist for the network and for areas only")
    return None


def _use_years(area_key: int | None = None) -> QuerySet[SliceRollup]:
    """The unfiltered slice's year rows (``YEAR_DIM``): counted uses per year, venue area, venue
    municipality and sector. The callers fold what waits first (``intake.current``)."""
    qs = SliceRollup.objects.filter(filter=slices.ALL, fvalue="", month=0, day=0, dim=YEAR_DIM)
    return qs if area_key is None else qs.filter(venue_area_key=area_key)


def _municipality_and_sector(value: str) -> tuple[int | None, str]:
    """A year row's value (``year_value``) split: the venue municipality's id (None when none) and the sector."""
    municipality, sector = value.split(":", 1)
    return (int(municipality) if municipality else None), sector


def yearly_rows(scope: StatsScope, years: Iterable[int] | None = None) -> list[YearRow]:
    """The yearly table's raw rows, newest first: two queries on the rollups' month and year rows.

    Registrations, and those taken into use in their year (``CardRollup.used``), from the card
    rollup's month rows; uses by sector and venue municipality from the use rollup's year rows.
    """
    intake.current()
    area_key = _yearly_area_key(scope)
    registered: dict[int, int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    municipalities: dict[int, set[int]] = defaultdict(set)
    cards = CardRollup.objects.filter(day=0, kind__in=CardFact.Kind.values)
    if area_key is not None:
        cards = cards.filter(card_area_key=area_key)
    for row in cards.values("year", "kind", "site_municipality_key").annotate(n=Sum("facts"), u=Sum("used")).order_by():
        if row["kind"] == CardFact.Kind.REGISTERED:
            registered[row["year"]] += row["n"]
            if row["u"]:
                taken[row["year"]] += row["u"]
        if row["site_municipality_key"] and row["n"]:
            municipalities[row["year"]].add(row["site_municipality_key"])
    adult: dict[int, list[int]] = defaultdict(lambda: [0] * len(SECTORS))
    child: dict[int, list[int]] = defaultdict(lambda: [0] * len(SECTORS))
    grouped = _use_years(area_key).values("year", "value").annotate(a=Sum("adults"), c=Sum("children")).order_by()
    for row in grouped:
        municipality, sector = _municipality_and_sector(row["value"])
        if sector in SECTORS:
            i = SECTORS.index(sector)
            adult[row["year"]][i] += row["a"]
            child[row["year"]][i] += row["c"]
        if municipality is not None and (row["a"] or row["c"]):
            municipalities[row["year"]].add(municipality)
    all_years = set(registered) | set(taken) | set(adult) | set(municipalities)
    if years is not None:
        all_years &= set(years)
    return [
        YearRow(y, registered.get(y, 0), taken.get(y, 0), adult[y], child[y], len(municipalities[y]))
        for y in sorted(all_years, reverse=True)
    ]


@dataclass
class YearCells:
    year: int
    registered: str
    taken_into_use: str
    adult: str
    child: str
    total: str
    municipalities: str


def _yearly_shown(scope: StatsScope, years: Iterable[int] | None) -> list[tuple[int, list[Shown]]]:
    """Per year: registered, taken into use, adult uses by sector, child uses by sector, total, municipalities."""

    rows = yearly_rows(scope, years)
    k = scope.threshold
    n = len(SECTORS)
    # Adult and child uses by sector add up to the row's total uses: suppress them together.
    safe = suppress([r.year for r in rows], list(range(2 * n)), [r.adult + r.child for r in rows], k, col_totals=False)
    assert safe.row_totals is not None
    return [
        (
            r.year,
            [
                show_number(r.registered, k),
                show_number(r.taken_into_use, k),
                *safe.cells[i],
                safe.row_totals[i],
                show_number(r.municipalities, k),
            ],
        )
        for i, r in enumerate(rows)
    ]


@custom_plans()
def yearly_table(scope: StatsScope, years: Iterable[int] | None = None) -> list[YearCells]:
    """The yearly table as published: sector counts joined with '/', small counts suppressed."""
    n = len(SECTORS)
    out = []
    for year, shown in _yearly_shown(scope, years):
        cells = [c.text for c in shown]
        out.append(
            YearCells(
                year,
                cells[0],
                cells[1],
                "/".join(cells[2 : 2 + n]),
                "/".join(cells[2 + n : 2 + 2 * n]),
                cells[2 + 2 * n],
                cells[3 + 2 * n],
            )
        )
    return out


@custom_plans()
def yearly_export(scope: StatsScope, years: Iterable[int] | None = None) -> list[list[Any]]:
    """The yearly table for a spreadsheet: a header, then one column per sector, numbers as numbers."""
    labels = dict(Sector.choices)
    header: list[Any] = [
        str(YEARLY_HEADINGS[0]),
        str(YEARLY_HEADINGS[1]),
        str(YEARLY_HEADINGS[2]),
        *(_("Adult uses: %(sector)s") % {"sector": labels[s]} for s in SECTORS),
        *(_("Child uses: %(sector)s") % {"sector": labels[s]} for s in SECTORS),
        str(YEARLY_HEADINGS[5]),
        str(YEARLY_HEADINGS[6]),
        str(_("Registered in the year and used by now")),
    ]
    by_now = registered_used_by_now(scope)
    rows = []
    for year, shown in _yearly_shown(scope, years):
        cells = [*shown, show_number(by_now.get(year, 0), scope.threshold)]
        rows.append([year, *(c.value if c.value is not None else c.text for c in cells)])
    return [header, *rows]


YEARLY_HEADINGS = [
    _("Year"),
    _("Registered cards"),
    _("Cards taken into use"),
    _("Adult uses culture/education/science/sports"),
    _("Child uses culture/education/science/sports"),
    _("Total uses"),
    _("Municipalities"),
]

YEARLY_DEFINITIONS = [
    _(
        "Registered cards: cards registered for the first time during the year (renewals and replacement cards excluded)."
    ),
    _(
        "Cards taken into use: cards registered for the first time during the year that had at least one "
        "accepted, not voided use during the same year, so never more than the registered cards. The published "
        "series does not say whether a first use in a later year counts; this reading keeps a past year's figure "
        "fixed. The export also gives the other reading: cards registered during the year and used by now."
    ),
    _(
        "Adult uses: accepted, not voided uses by the holder (or the worker on a community card), by the sector of "
        "the offer or venue."
    ),
    _(
        "Child uses: children who came along on those uses, and clients under 16 on community cards, by the same "
        "sector."
    ),
    _("Total uses: adult uses plus child uses. Assistants and interpreters are recorded separately and not counted."),
    _(
        "Municipalities: municipalities in the network that year, counted as the municipalities where a venue "
        "recorded an accepted use or a distributor site registered or renewed a card during the year."
    ),
]


def yearly_matrix(cells: list[YearCells]) -> list[list[str]]:
    return [[str(c.year), c.registered, c.taken_into_use, c.adult, c.child, c.total, c.municipalities] for c in cells]


# --- Open data ---------------------------------------------------------------------


OPEN_DATA_FIELDS = ["year", "municipality_code", "municipality", "sector", "adult_uses", "child_uses"]


OPEN_DATA_BY = ("venue", "home")  # the venue's municipality, or the holder's home municipality


@custom_plans()
def open_data(threshold: int, years: Iterable[int] | None = None, by: str = "venue") -> list[dict[str, str | int]]:
    """Uses per municipality x year x sector, suppressed per year's municipality x sector table.

    ``by="venue"``: the venue's municipality (from the use rollup's year rows); ``by="home"``: the
    holder's home municipality, from the sector slice's month rows of the home-municipality
    dimension (not by grouping the counted facts: 1.3 s for a year at 10 M uses).
    """
    intake.current()
    rows: list[tuple[int, int | None, str, int, int]] = []  # year, municipality, sector, adults, children
    if by == "home":
        # Each sector, year and month named, so that the key (filter, value, year, month, day, ...)
        # is searched for the month rows alone instead of read for every part, or the whole table
        # (every year: 5.5 s against 1.9 s at 10 M uses; one year: 3.6 s against 0.15 s).
        wanted = years if years is not None else _use_years().values_list("year", flat=True).distinct()
        source = (
            SliceRollup.objects.filter(
                filter="sector", fvalue__in=SECTORS, year__in=list(wanted), month__in=range(1, 13), day=0, dim="home"
            )
            .exclude(value="")
            .values("year", sector=F("fvalue"), municipality=Cast("value", IntegerField()))
            .annotate(a=Sum("adults"), c=Sum("children"))
        )
        rows = [(row["year"], row["municipality"], row["sector"], row["a"], row["c"]) for row in source.order_by()]
    else:
        by_venue = _use_years()
        if years is not None:
            by_venue = by_venue.filter(year__in=list(years))
        for row in by_venue.values("year", "value").annotate(a=Sum("adults"), c=Sum("children")).order_by():
            rows.append((row["year"], *_municipality_and_sector(row["value"]), row["a"], row["c"]))
    data: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * (2 * len(SECTORS))))
    for year, municipality, sector, adults, children in rows:
        if municipality is None or sector not in SECTORS or not (adults or children):
            continue
        i = SECTORS.index(sector)
        cells = data[year][municipality]
        cells[i] += adults
        cells[len(SECTORS) + i] += children
    munis = {m.pk: m for m in Municipality.objects.filter(pk__in={pk for y in data.values() for pk in y})}
    records: list[dict[str, str | int]] = []
    n = len(SECTORS)
    for year in sorted(data):
        keys = sorted(data[year], key=lambda pk: munis[pk].code if pk in munis else "")
        values = [data[year][pk] for pk in keys]
        # One table per year: municipalities x (adult, child) x sector, protected as if its
        # totals were published too (the national yearly table publishes the column sums).
        safe = suppress(keys, list(range(2 * n)), values, threshold)
        for r, pk in enumerate(keys):
            muni = munis.get(pk)
            for i, sector in enumerate(SECTORS):
                records.append(
                    {
                        "year": year,
                        "municipality_code": muni.code if muni else "",
                        "municipality": muni.name_fi if muni else "",
                        "sector": sector,
                        "adult_uses": safe.cells[r][i].text,
                        "child_uses": safe.cells[r][n + i].text,
                    }
                )
    return records


def open_data_years() -> list[int]:
    """The years open data has, newest first."""
    intake.current()
    return list(_use_years().values_list("year", flat=True).distinct().order_by("-year"))


def year_range(years: Iterable[int]) -> list[int]:
    return sorted(set(years))


# --- By the holder's home municipality (``kaiku.reports.residents``) --------------------------------


@dataclass
class HomeSums:
    """One home municipality's residents in a period: cards registered and used, people admitted by sector."""

    registered: int = 0  # personal cards first registered (``CardFact`` kind registered)
    cards_used: int = 0  # distinct cards with a counted use
    adults: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by sector
    children: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by sector, community clients too


def by_home(start: dt.date, end: dt.date, municipality_ids: Iterable[int] | None = None) -> dict[int, HomeSums]:
    """Per holder's home municipality id (only these, or every one when None): the period's residents' figures.

    The home municipality is the one the facts copied: the card's, else its issuing site's.
    Registrations from the card facts; distinct cards and adults and children by sector
    from the period's counted use facts (the (home municipality, day) index finds an
    area's). Three queries whatever the number of municipalities.
    """
    intake.current()
    ids = None if municipality_ids is None else sorted(set(municipality_ids))
    out: dict[int, HomeSums] = defaultdict(HomeSums)
    cards = CardFact.objects.filter(
        kind=CardFact.Kind.REGISTERED, card_kind=Card.Kind.PERSONAL, day__gte=start, day__lte=end
    ).exclude(card_municipality=None)
    counted = UseFact.objects.counted().filter(day__gte=start, day__lte=end).exclude(card_municipality=None)
    if ids is not None:
        cards = cards.filter(card_municipality__in=ids)
        counted = counted.filter(card_municipality__in=ids)
    for row in cards.values("card_municipality").annotate(n=Count("pk")).order_by():
        out[row["card_municipality"]].registered = row["n"]
    used = counted.exclude(card_key=None).values("card_municipality").annotate(n=Count("card_key", distinct=True))
    for row in used.order_by():
        out[row["card_municipality"]].cards_used = row["n"]
    people = counted.values("card_municipality", "sector").annotate(a=Sum("adults"), c=_child_sum())
    for row in people.order_by():
        sums = out[row["card_municipality"]]
        sums.adults[row["sector"]] += row["a"]
        sums.children[row["sector"]] += row["c"]
    return dict(out)
