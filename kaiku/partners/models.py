"""Onboarding areas and partners: checklists, invitations, the national guideline, API keys."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Site

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
        verbose_name = _("training reminder")
        verbose_name_plural = _("training reminders")
        constraints = [models.UniqueConstraint(fields=["site", "year"], name="one_training_reminder_a_year")]

    def __str__(self) -> str:
        return f"{self.site} {self.year}"


class ApiKeyScope(models.TextChoices):
    CHECK = "check", _("Check a card")
    RECORD = "record", _("Record and void uses")
    READ = "read", _("Read offers and uses")


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def live(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A partner's API key. Only a SHA-256 hash is stored; the key is shown once."""

    site = models.ForeignKey(Site, verbose_name=_("partner"), related_name="api_keys", on_delete=models.CASCADE)
    label = models.CharField(_("label"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("allowed operations"), default=list)
    rate_limit = models.PositiveIntegerField(_("requests per minute"), default=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @property
    def is_authenticated(self) -> bool:
        # DRF treats request.auth as opaque; views use this object as the caller.
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class AgencyAuthorisationQuerySet(models.QuerySet["AgencyAuthorisation"]):
    def active(self) -> AgencyAuthorisationQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class AgencyAuthorisation(models.Model):
    """A venue's permission for a ticket agency to check cards and record uses for it."""

    venue = models.ForeignKey(Site, related_name="agency_authorisations", on_delete=models.CASCADE)
    agency = models.ForeignKey(Site, related_name="venue_authorisations", on_delete=models.CASCADE)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    granted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )

    objects = AgencyAuthorisationQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        verbose_name = _("agency authorisation")
        verbose_name_plural = _("agency authorisations")
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "agency"], condition=Q(withdrawn_at__isnull=True), name="one_live_authorisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.venue}"
