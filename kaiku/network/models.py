"""The Kaikukortti network: areas, their municipalities, sites and national settings; area onboarding
(checklists, status history, invitations, the national guideline and training reminders)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
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


# --- Area onboarding -------------------------------------------------------------------

INVITATION_VALID_DAYS = 14


class ChecklistItem(models.TextChoices):
    WORKING_GROUP = "working_group", _("Working group named (culture side and social side)")
    GUIDELINE = "guideline", _("National guideline acknowledged")
    DISTRIBUTORS = "distributors", _("Distributor sites recruited")
    VENUES = "venues", _("Venues recruited")
    TRAINING = "training", _("Staff trained")
    MATERIALS = "materials", _("Materials produced")
    PILOT_DATES = "pilot_dates", _("Pilot dates set")


class ChecklistEntry(models.Model):
    """One ticked item of an area's onboarding checklist: who ticked it and when."""

    area = models.ForeignKey(Area, related_name="checklist", on_delete=models.CASCADE)
    item = models.CharField(_("item"), max_length=30, choices=ChecklistItem.choices)
    done_at = models.DateTimeField(_("done"), default=timezone.now)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        db_table = "partners_checklistentry"  # kept from when onboarding lived in partners
        verbose_name = _("checklist entry")
        verbose_name_plural = _("checklist entries")
        constraints = [models.UniqueConstraint(fields=["area", "item"], name="checklist_item_once_per_area")]

    def __str__(self) -> str:
        return f"{self.area}: {self.get_item_display()}"


class AreaStatusChange(models.Model):
    """The area's status history (planning → pilot → active or ended)."""

    area = models.ForeignKey(Area, related_name="status_changes", on_delete=models.CASCADE)
    from_status = models.CharField(max_length=20, choices=Area.Status.choices)
    to_status = models.CharField(max_length=20, choices=Area.Status.choices)
    pilot_start = models.DateField(null=True, blank=True)
    pilot_end = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "partners_areastatuschange"  # kept from when onboarding lived in partners
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("area status change")
        verbose_name_plural = _("area status changes")

    def __str__(self) -> str:
        return f"{self.area}: {self.from_status} → {self.to_status}"


class GuidelineVersionQuerySet(models.QuerySet["GuidelineVersion"]):
    def current(self) -> GuidelineVersion | None:
        return self.order_by("-published_at", "-pk").first()


class GuidelineVersion(models.Model):
    """A published version of the national Kaikukortti guideline that partners commit to."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    summary = models.TextField(_("what the partner commits to"))
    url = models.URLField(_("link to the full guideline"), blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)

    objects = GuidelineVersionQuerySet.as_manager()

    class Meta:
        db_table = "partners_guidelineversion"  # kept from when onboarding lived in partners
        ordering = ["-published_at", "-pk"]
        verbose_name = _("guideline version")
        verbose_name_plural = _("guideline versions")

    def __str__(self) -> str:
        return self.version


class Acknowledgement(models.Model):
    """A partner site's commitment to one guideline version, given by a named person."""

    site = models.ForeignKey(Site, related_name="acknowledgements", on_delete=models.CASCADE)
    version = models.ForeignKey(GuidelineVersion, related_name="acknowledgements", on_delete=models.PROTECT)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "partners_acknowledgement"  # kept from when onboarding lived in partners
        verbose_name = _("guideline acknowledgement")
        verbose_name_plural = _("guideline acknowledgements")
        constraints = [models.UniqueConstraint(fields=["site", "version"], name="acknowledge_version_once")]

    def __str__(self) -> str:
        return f"{self.site} · {self.version}"


class Invitation(models.Model):
    """A single-use link that makes its acceptor a partner admin or staff member of a site."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Partner admin (contact person)")
        STAFF = "staff", _("Staff member")

    site = models.ForeignKey(Site, verbose_name=_("site"), related_name="invitations", on_delete=models.CASCADE)
    email = models.EmailField(_("e-mail address"))
    kind = models.CharField(_("invited as"), max_length=10, choices=Kind.choices, default=Kind.ADMIN)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "partners_invitation"  # kept from when onboarding lived in partners
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.site}"

    @property
    def audit_label(self) -> str:
        """The invitation as the audit log names it: without the invitee's e-mail address."""
        return f"{self.kind} → {self.site}"

    @staticmethod
    def default_expiry() -> dt.datetime:
        return timezone.now() + dt.timedelta(days=INVITATION_VALID_DAYS)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class TrainingReminder(models.Model):
    """One yearly reminder to a partner's contact to train new staff; unique per year."""

    site = models.ForeignKey(Site, related_name="training_reminders", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    email = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "partners_trainingreminder"  # kept from when onboarding lived in partners
        verbose_name = _("training reminder")
        verbose_name_plural = _("training reminders")
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="one_training_reminder_a_year")]

    def __str__(self) -> str:
        return f"{self.site} {self.year}"
