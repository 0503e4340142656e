"""The reporting layer: pseudonymous, denormalised fact tables (DESIGN §5.6).

Every row copies the dimensions a statistic may group or filter by, so that no
dashboard joins the register. Rows carry no card number and no holder detail
beyond an age band, an optional gender and the home municipality; ``card_key``
is the card's internal id, used only to count distinct cards and never shown.
The tables are kept current by ``kaiku.stats.facts`` inside the transaction
that records a use or a card event, and ``manage.py rebuild_stats`` rebuilds
them from the register.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Sector


class AgeBand(models.TextChoices):
    """The holder's age during the year of the fact (year - birth year)."""

    UNDER_25 = "16-24", _("16-24")
    FROM_25 = "25-34", _("25-34")
    FROM_35 = "35-49", _("35-49")
    FROM_50 = "50-64", _("50-64")
    FROM_65 = "65+", _("65 and over")
    UNKNOWN = "unknown", _("Not known")

    @classmethod
    def for_age(cls, age: int | None) -> str:
        if age is None:
            return cls.UNKNOWN
        if age < 25:
            return cls.UNDER_25
        if age < 35:
            return cls.FROM_25
        if age < 50:
            return cls.FROM_35
        if age < 65:
            return cls.FROM_50
        return cls.FROM_65


def _fk(to: str, verbose_name: Any, *, index: bool = True) -> models.ForeignKey:
    # No database constraint: facts are bulk-loaded and outlive nothing they point to
    # (sites and municipalities are never deleted, only offboarded).
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        related_name="+",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=index,
        null=True,
        blank=True,
    )


class UseFactQuerySet(models.QuerySet["UseFact"]):
    def counted(self) -> UseFactQuerySet:
        """Accepted and not voided: the uses every statistic counts."""
        return self.filter(outcome=UseFact.Outcome.ACCEPTED, voided=False)

    def refused(self) -> UseFactQuerySet:
        return self.filter(outcome=UseFact.Outcome.REFUSED)


class UseFact(models.Model):
    """One attempt to use a card, accepted or refused."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    use_id = models.BigIntegerField(null=True, blank=True, unique=True)
    # A past month's count taken over from the old register (``takeover.MonthlyCount``,
    # issue 24) instead of a use: counted uses without a card (``facts.monthly_fact_for``).
    monthly_id = models.BigIntegerField(null=True, blank=True, unique=True)
    day = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    # Every use writes every index of this table: the scopes' own columns are searched
    # through the (scope, day) indexes below, so they have no index of their own.
    venue = _fk("network.Site", _("venue"), index=False)
    venue_area = _fk("network.Area", _("venue's area"), index=False)
    venue_municipality = _fk("network.Municipality", _("venue's municipality"), index=False)
    card_key = models.BigIntegerField(null=True, blank=True)
    card_site = _fk("network.Site", _("issuing site"), index=False)
    card_area = _fk("network.Area", _("card's area"), index=False)
    card_municipality = _fk("network.Municipality", _("holder's home municipality"), index=False)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    gender = models.CharField(_("gender"), max_length=20, blank=True)
    life_situation = models.CharField(_("life situation"), max_length=20, blank=True, default="", db_default="")
    card_kind = models.CharField(_("card kind"), max_length=20, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    art_form = models.CharField(_("art form"), max_length=30, blank=True)
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    community_clients = models.PositiveSmallIntegerField(_("community card clients"), default=0)
    assistants = models.PositiveSmallIntegerField(_("assistants"), default=0)
    channel = models.CharField(_("channel"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    voided = models.BooleanField(_("voided"), default=False)

    objects = UseFactQuerySet.as_manager()

    class Meta:
        verbose_name = _("use fact")
        verbose_name_plural = _("use facts")
        indexes = [
            models.Index(fields=["year", "outcome", "sector"], name="usefact_year"),
            models.Index(fields=["day"], name="usefact_day"),
            models.Index(fields=["venue_area", "day"], name="usefact_varea_day"),
            models.Index(fields=["card_area", "day"], name="usefact_carea_day"),
            models.Index(fields=["venue", "day"], name="usefact_venue_day"),
            # A municipality filter reads the municipality's facts of the period.
            models.Index(fields=["venue_municipality", "day"], name="usefact_vmuni_day"),
            # The residents' figures (``queries.by_home``) read their home municipalities' facts of
            # the period: an area's year at 1 M uses took 0.8-1 s without it, 64-76 ms with it.
            models.Index(fields=["card_municipality", "day"], name="usefact_home_day"),
            models.Index(fields=["card_site", "day"], name="usefact_csite_day"),
            models.Index(fields=["card_key", "year"], name="usefact_card_year"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome}"


class CardFact(models.Model):
    """A card registered or renewed (a replacement card is not a new registration)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        RENEWED = "renewed", _("Renewed")

    event_id = models.BigIntegerField(null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("date"))
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    card_key = models.BigIntegerField(null=True, blank=True)
    card_site = _fk("network.Site", _("issuing site"))
    card_area = _fk("network.Area", _("card's area"))
    site_municipality = _fk("network.Municipality", _("issuing site's municipality"))
    card_municipality = _fk("network.Municipality", _("holder's home municipality"))
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    gender = models.CharField(_("gender"), max_length=20, blank=True)
    card_kind = models.CharField(_("card kind"), max_length=20, blank=True)
    # Kept for the monthly card rollup (``CardRollup``): the card is taken into use in
    # the fact's year (it has a ``CardYear`` row), and the card has more than one fact
    # that year (or no card key), so that distinct cards can be counted exactly.
    used = models.BooleanField(_("card used during the year"), default=False, db_default=False)
    shared_year = models.BooleanField(_("not the card's only fact of the year"), default=False, db_default=False)

    class Meta:
        verbose_name = _("card fact")
        verbose_name_plural = _("card facts")
        indexes = [
            models.Index(fields=["year", "kind"], name="cardfact_year"),
            models.Index(fields=["card_area", "day"], name="cardfact_area_day"),
            models.Index(fields=["card_site", "day"], name="cardfact_site_day"),
            models.Index(fields=["card_key", "year"], name="cardfact_card_year"),
            models.Index(fields=["day"], name="cardfact_day"),
            models.Index(fields=["year", "month"], name="cardfact_shared", condition=models.Q(shared_year=True)),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"


class CardYear(models.Model):
    """A card taken into use in a year: it has at least one counted use that year.

    The card facts' ``used`` flag, the card rollup's ``used`` counts and the yearly
    export's "used by now" read it; the distinct cards used in a period come from the
    slices' card sets (``SliceCards``).
    """

    card_key = models.BigIntegerField()
    year = models.PositiveSmallIntegerField(_("year"))
    card_site = _fk("network.Site", _("issuing site"))
    card_area = _fk("network.Area", _("card's area"))

    class Meta:
        verbose_name = _("card taken into use")
        verbose_name_plural = _("cards taken into use")
        constraints = [models.UniqueConstraint(fields=["card_key", "year"], name="cardyear_unique")]
        indexes = [models.Index(fields=["year", "card_area"], name="cardyear_year_area")]

    def __str__(self) -> str:
        return str(self.year)


class RollupAmounts(models.Model):
    """The sums a use rollup keeps per row (``SliceRollup``)."""

    uses = models.IntegerField(_("counted uses"), default=0)
    adults = models.IntegerField(_("adults"), default=0)
    children = models.IntegerField(_("children and community card clients"), default=0)
    assistants = models.IntegerField(_("assistants"), default=0)
    accepted = models.IntegerField(_("accepted attempts"), default=0)
    refused = models.IntegerField(_("refused attempts"), default=0)

    class Meta:
        abstract = True


# The unfiltered slice's dimension of the year rows (month 0): counted uses by venue municipality and sector.
YEAR_DIM = "municipality_sector"


def year_value(municipality_id: int | None, sector: str) -> str:
    """A year row's value (``YEAR_DIM``): the venue municipality's id ("" when none) and the sector."""
    return f"{'' if municipality_id is None else municipality_id}:{sector}"


# The card rollup's key, in the order of its unique constraint (the upserts' conflict target).
CARD_ROLLUP_KEYS = (
    "year",
    "month",
    "day",
    "kind",
    "card_site_key",
    "card_area_key",
    "site_municipality_key",
    "card_kind",
)


class CardRollup(models.Model):
    """Registrations and renewals pre-counted per month and per every filter of the card tables.

    One row per (year, month, kind, issuing site, card's area, issuing site's
    municipality, card kind) with ``day`` 0, and one per the same and day of the
    month (for the days of a month a period cuts); ``facts`` counts the card facts, ``used`` those whose
    card is taken into use in the same year. Kept in the same transaction as the
    card facts and the card-years, and derived again by a rebuild, so the national,
    area and site dashboards sum a few thousand rows instead of a year of card
    facts. The keys are ids, 0 when none.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    # 0: the whole month's row; 1-31: that day's row.
    day = models.PositiveSmallIntegerField(_("day of the month"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=CardFact.Kind.choices)
    card_site_key = models.IntegerField(_("issuing site"), default=0)
    card_area_key = models.IntegerField(_("card's area"), default=0)
    site_municipality_key = models.IntegerField(_("issuing site's municipality"), default=0)
    card_kind = models.CharField(_("card kind"), max_length=20, blank=True)
    facts = models.IntegerField(_("card facts"), default=0)
    used = models.IntegerField(_("card facts of cards used during the year"), default=0)

    class Meta:
        verbose_name = _("card rollup")
        verbose_name_plural = _("card rollups")
        constraints = [models.UniqueConstraint(fields=list(CARD_ROLLUP_KEYS), name="cardrollup_unique")]
        indexes = [models.Index(fields=["year", "month"], name="cardrollup_months", condition=models.Q(day=0))]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.kind}"


class PendingFact(models.Model):
    """A use fact not yet folded into the slices (``SliceRollup``, ``SliceCards``).

    The use path adds one row per fact, in the use's transaction; ``slices.fold``
    takes the rows out and adds their facts to the slices, before a sliced dashboard
    is read and whenever ``manage.py fold_stats`` runs.
    """

    fact_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = _("fact waiting to be folded")
        verbose_name_plural = _("facts waiting to be folded")

    def __str__(self) -> str:
        return str(self.fact_id)


class SliceRollup(RollupAmounts):
    """Uses pre-summed per period, venue area and one dimension of the dashboards, once for every
    use and once more for each value of the use filters: the statistics' one cube.

    One row per (filter, filter value, year, month, day, venue area, dimension, value),
    where the dimension (``slices.ROLLUP_DIMS``) is the month itself (value ""), the sector,
    art form, card kind, age band, gender, card's area (its id as text, "" when none),
    channel, refusal reason, the holder's home municipality (``home``) or life situation,
    and the sums are counted uses, adults, children and community clients, assistants,
    and accepted and refused attempts.

    ``filter`` is ``""`` for the unfiltered slice (every use: ``slices.ALL``), names one of
    the four filters (sector, art form, card kind, channel), or is ``*`` for the combined
    slice, whose ``fvalue`` is the four values at once (``slices.combined_value``), so that
    any two or more filters together are a sum over the combinations they allow. ``day`` 0
    is the whole month's row; otherwise the unfiltered slice's row of that day, and the
    others' row of the part of the month (five days; the 31st is a part of its own) that
    begins on that day. ``month`` 0 (the unfiltered slice only) is a year's row of the
    counted uses by venue municipality and sector (``YEAR_DIM``), which the yearly table and
    open data read. The unfiltered slice has its month and day rows at each area and at every
    area's venues (``venue_area_key`` -1, ``slices.EVERY_AREA``) without the cross-area
    dimension; the combined slice has month rows at each area, and month and part rows at
    every area's venues without it. A national or area dashboard reads a few thousand rows
    instead of a year of facts: whole months from the month rows, the days or whole parts of
    the months a period cuts from their rows, and at most four days at each end from the facts
    of those days. Folded from the facts (``slices.fold``), not written on the use path.
    """

    filter = models.CharField(_("filter"), max_length=20)
    fvalue = models.CharField(_("filter value"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    # 0: the whole month's row; the unfiltered slice's 1-31: that day's row; the others' 1, 6, 11, 16,
    # 21, 26, 31: the row of the part beginning that day.
    day = models.PositiveSmallIntegerField(_("first day of the part of the month"), default=0)
    venue_area_key = models.IntegerField(_("venue's area"), default=0)
    dim = models.CharField(_("dimension"), max_length=20)
    value = models.CharField(_("value"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("sliced use rollup")
        verbose_name_plural = _("sliced use rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["filter", "fvalue", "year", "month", "day", "venue_area_key", "dim", "value"],
                name="slicerollup_unique_parts",
            )
        ]
        indexes = [
            # The month rows of a period (and the year rows) without passing the day and part rows
            # of the same months, which the unique key puts among them: the unfiltered slice has
            # thirty-one day rows for each month row.
            models.Index(
                fields=["filter", "fvalue", "year", "month"], name="slicerollup_months", condition=models.Q(day=0)
            ),
            # The unfiltered slice's year rows (the yearly table, open data), of every year.
            models.Index(fields=["year"], name="slicerollup_years", condition=models.Q(month=0)),
            # One area's rows of a period (or the combined slice's of every area, key -1) without
            # passing every other area's: the unique key has the area after the day.
            models.Index(
                fields=["filter", "fvalue", "venue_area_key", "year", "month", "day"], name="slicerollup_area"
            ),
            # The cross-area table's rows of a period, of every area (the combined slice's national
            # dashboard, an area's cards used at other areas' venues).
            models.Index(
                fields=["filter", "fvalue", "year", "month", "day", "value"],
                name="slicerollup_cross",
                condition=models.Q(dim="card_area"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filter}={self.fvalue} {self.year}-{self.month:02d}/{self.day} {self.dim}={self.value}"


class SliceCards(models.Model):
    """The cards with a counted use in a year, month or part of a month at an area's venues, under one slice value.

    Keyed like ``SliceRollup``: ``month`` 0 is the year's row, ``day`` 0 a month's,
    otherwise ``day`` is the first day of the part of the month; ``venue_area_key`` -1
    is the set of every area's venues (``slices.EVERY_AREA``), which the national
    dashboard reads. ``cards`` holds the
    card keys as a compressed set (``slices.encode``), so that the distinct cards used
    in a period under the filters are the union of a few rows and of the card keys
    of the period's days outside whole parts. Folded like ``SliceRollup``.
    """

    filter = models.CharField(_("filter"), max_length=20)
    fvalue = models.CharField(_("filter value"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), default=0)
    day = models.PositiveSmallIntegerField(_("first day of the part of the month"), default=0)
    venue_area_key = models.IntegerField(_("venue's area"), default=0)
    cards = models.BinaryField(_("card keys"))

    class Meta:
        verbose_name = _("sliced cards used")
        verbose_name_plural = _("sliced cards used")
        constraints = [
            models.UniqueConstraint(
                fields=["filter", "fvalue", "year", "month", "day", "venue_area_key"], name="slicecards_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filter}={self.fvalue} {self.year}-{self.month:02d}-{self.day:02d}"
