"""Taking over an existing register: the site mapping, past monthly counts, published yearly rows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Sector, Site

# Counts in one published row: well above the whole programme's size.
MAX_COUNT = 10_000_000
# Uses in one venue's month and sector: the statistics keep the people of a use in a small
# integer (``stats.UseFact``); the whole programme has about 70,000 uses a year.
MONTHLY_MAX = 32_767


class SiteMapping(models.Model):
    """How the old register's name or identifier of a distributor site or venue maps to a Kaiku site.

    Saved and reused by every later run; a row without a site is a name still unmatched.
    """

    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("Distributor site")
        VENUE = "venue", _("Venue")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # The export's text as written, and its key: lower case with spaces collapsed.
    source = models.CharField(_("name or identifier in the export"), max_length=200)
    key = models.CharField(max_length=200)
    site = models.ForeignKey(
        Site, verbose_name=_("Kaiku site"), related_name="+", on_delete=models.PROTECT, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("site mapping")
        verbose_name_plural = _("site mappings")
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="takeover_mapping_unique_key")]

    def __str__(self) -> str:
        return self.source


class MobileOnlyCard(models.Model):
    """A card the old register kept without a number (X for a person, Z for an organisation):
    shown on the holder's phone only, delivered digitally.

    The migration import gave it a new Kaiku number; ``old_id`` is the export's identifier
    of its row, by which a re-run finds it again.
    """

    old_id = models.CharField(_("identifier in the old register"), max_length=64, unique=True)
    card = models.OneToOneField(Card, verbose_name=_("card"), related_name="+", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mobile-only card taken over")
        verbose_name_plural = _("mobile-only cards taken over")

    def __str__(self) -> str:
        return f"mobile-only {self.card_id}"


class MonthlyCount(models.Model):
    """Past uses counted per venue, sector and month, when the old register kept no single uses."""

    venue = models.ForeignKey(Site, verbose_name=_("venue"), related_name="+", on_delete=models.PROTECT)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    month = models.DateField(_("month"))  # the first day of the month
    adult_uses = models.PositiveIntegerField(_("adult uses"), validators=[MaxValueValidator(MONTHLY_MAX)])
    child_uses = models.PositiveIntegerField(_("child uses"), default=0, validators=[MaxValueValidator(MONTHLY_MAX)])
    source = models.CharField(_("imported from"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        ordering = ["month", "venue_id", "sector"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "sector", "month"], name="takeover_monthly_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.sector}"


class PublishedYear(models.Model):
    """A row of the national yearly table as it was published before Kaiku held the data.

    Shown beside the computed years, marked as published history; never added into a computed cell.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    registered = models.PositiveIntegerField(_("registered cards"), validators=[MaxValueValidator(MAX_COUNT)])
    taken_into_use = models.PositiveIntegerField(_("cards taken into use"), validators=[MaxValueValidator(MAX_COUNT)])
    adult_culture = models.PositiveIntegerField(_("adult uses: culture"), validators=[MaxValueValidator(MAX_COUNT)])
    adult_education = models.PositiveIntegerField(_("adult uses: education"), validators=[MaxValueValidator(MAX_COUNT)])
    adult_science = models.PositiveIntegerField(_("adult uses: science"), validators=[MaxValueValidator(MAX_COUNT)])
    adult_sports = models.PositiveIntegerField(_("adult uses: sports"), validators=[MaxValueValidator(MAX_COUNT)])
    child_culture = models.PositiveIntegerField(_("child uses: culture"), validators=[MaxValueValidator(MAX_COUNT)])
    child_education = models.PositiveIntegerField(_("child uses: education"), validators=[MaxValueValidator(MAX_COUNT)])
    child_science = models.PositiveIntegerField(_("child uses: science"), validators=[MaxValueValidator(MAX_COUNT)])
    child_sports = models.PositiveIntegerField(_("child uses: sports"), validators=[MaxValueValidator(MAX_COUNT)])
    total = models.PositiveIntegerField(_("total uses"), validators=[MaxValueValidator(MAX_COUNT)])
    municipalities = models.PositiveIntegerField(_("municipalities"), validators=[MaxValueValidator(1000)])
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    SECTORS = ("culture", "education", "science", "sports")

    class Meta:
        verbose_name = _("published yearly row")
        verbose_name_plural = _("published yearly rows")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

    def adult(self) -> list[int]:
        return [getattr(self, f"adult_{s}") for s in self.SECTORS]

    def child(self) -> list[int]:
        return [getattr(self, f"child_{s}") for s in self.SECTORS]


class TakeoverRun(models.Model):
    """One committed run of the migration import: what it read and changed (counts only)."""

    class Kind(models.TextChoices):
        CARDS = "cards", _("Cards")
        USES = "uses", _("Past uses")
        MONTHLY = "monthly", _("Monthly counts")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    created = models.PositiveIntegerField(_("created"))
    updated = models.PositiveIntegerField(_("updated"))
    unchanged = models.PositiveIntegerField(_("unchanged"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("migration import")
        verbose_name_plural = _("migration imports")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
