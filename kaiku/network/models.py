"""The Kaikukortti network: areas, their municipalities, sites and national settings."""

from __future__ import annotations

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    CULTURE = "culture", _("Culture")
    EDUCATION = "education", _("Education")
    SCIENCE = "science", _("Science")
    SPORTS = "sports", _("Sports")


class AreaQuerySet(models.QuerySet["Area"]):
    def in_network(self) -> AreaQuerySet:
        return self.filter(status__in=[Area.Status.PILOT, Area.Status.ACTIVE])


class Area(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        COUNTY = "county", _("Wellbeing services county")

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PILOT = "pilot", _("Pilot")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)
    local_only = models.BooleanField(
        _("local only"),
        default=False,
        help_text=_("A local-only area issues cards valid only in the area and accepts only its own cards."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNING)
    pilot_start = models.DateField(_("pilot start"), null=True, blank=True)
    pilot_end = models.DateField(_("pilot end"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def in_network(self) -> bool:
        return self.status in (self.Status.PILOT, self.Status.ACTIVE)


class Municipality(models.Model):
    """A Finnish municipality by its official three-digit code (Tilastokeskus)."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name_fi = models.CharField(_("name in Finnish"), max_length=80)
    name_sv = models.CharField(_("name in Swedish"), max_length=80, blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        related_name="municipalities",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["name_fi"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if get_language() == "sv" and self.name_sv:
            return self.name_sv
        return self.name_fi


class SiteQuerySet(models.QuerySet["Site"]):
    def distributors(self) -> SiteQuerySet:
        return self.filter(kind=Site.Kind.DISTRIBUTOR)

    def venues(self) -> SiteQuerySet:
        return self.filter(kind=Site.Kind.VENUE)

    def agencies(self) -> SiteQuerySet:
        return self.filter(kind=Site.Kind.AGENCY)

    def active(self) -> SiteQuerySet:
        return self.filter(offboarded_at__isnull=True)


class Site(models.Model):
    """A partner: a distributor site, a venue or a ticket agency, in one area."""

    class Kind(models.TextChoices):
        DISTRIBUTOR = "distributor", _("Distributor site")
        VENUE = "venue", _("Venue")
        AGENCY = "agency", _("Ticket agency")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=160)
    organisation = models.CharField(_("organisation"), max_length=160, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), related_name="sites", on_delete=models.PROTECT)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    address = models.CharField(_("visiting address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    offboarded_at = models.DateTimeField(_("left the network"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        indexes = [models.Index(fields=["area", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_venue(self) -> bool:
        return self.kind == self.Kind.VENUE

    @property
    def is_distributor(self) -> bool:
        return self.kind == self.Kind.DISTRIBUTOR


class NationalSettings(models.Model):
    """The programme's national rules; one row, edited by the national admin."""

    CACHE_KEY = "kaiku:national-settings"

    min_holder_age = models.PositiveSmallIntegerField(
        _("minimum holder age"),
        default=16,
        validators=[MinValueValidator(0), MaxValueValidator(120)],
        help_text=_("A holder must reach this age during the year of registration."),
    )
    child_age_limit = models.PositiveSmallIntegerField(
        _("child age limit"),
        default=18,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Own children and grandchildren under this age may come along."),
    )
    card_validity_days = models.PositiveSmallIntegerField(
        _("card validity (days)"), default=365, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    community_group_max = models.PositiveSmallIntegerField(
        _("community card group maximum"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Clients under 16 that a worker may bring on a community card."),
    )
    community_client_age_limit = models.PositiveSmallIntegerField(
        _("community card client age limit"), default=16, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    small_count_threshold = models.PositiveSmallIntegerField(
        _("small-count threshold"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Counts below this are shown as '<N' outside the national view."),
    )

    # Retention (issue 18, docs/privacy.md): ``manage.py purge`` applies these.
    holder_details_years = models.PositiveSmallIntegerField(
        _("reduce holder details after (years)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "Years after a card's validity ends: its birth year (kept as an age band), postal code, gender, "
            "life situation and e-mail are then removed."
        ),
    )
    sign_in_attempt_days = models.PositiveSmallIntegerField(
        _("keep sign-in attempts (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    idle_device_days = models.PositiveSmallIntegerField(
        _("remove devices unused for (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Door devices and holders' signed-in browsers not used for this long."),
    )
    spent_link_days = models.PositiveSmallIntegerField(
        _("keep spent sign-in links and invitations (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    feedback_text_days = models.PositiveSmallIntegerField(
        _("keep feedback comments (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("The free-text comment is removed; the score stays for statistics."),
    )
    audit_values_years = models.PositiveSmallIntegerField(
        _("keep audit entries' changed values (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("After this, an entry keeps who, what and when, and only the names of the changed fields."),
    )
    read_log_years = models.PositiveSmallIntegerField(
        _("keep the read log (years)"), default=2, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    # The privacy notice and accessibility statement are built from these (issue 18).
    controller = models.CharField(
        _("controller"),
        max_length=200,
        blank=True,
        help_text=_("The organisation responsible for the register, with its address."),
    )
    privacy_contact = models.CharField(
        _("contact for privacy matters"), max_length=200, blank=True, help_text=_("An e-mail address or phone number.")
    )
    dpo_contact = models.CharField(_("data protection officer"), max_length=200, blank=True)
    accessibility_feedback = models.CharField(
        _("accessibility feedback"),
        max_length=200,
        blank=True,
        help_text=_("Where to report an accessibility problem: an e-mail address or web address."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("national settings")
        verbose_name_plural = _("national settings")

    def __str__(self) -> str:
        return str(_("National settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        cache.delete(self.CACHE_KEY)

    @classmethod
    def get(cls) -> NationalSettings:
        cached = cache.get(cls.CACHE_KEY)
        if cached is not None:
            return cached
        obj, _created = cls.objects.get_or_create(pk=1)
        cache.set(cls.CACHE_KEY, obj, 30)
        return obj
