"""Partners and their API: API keys and the ticket agencies a venue authorises."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Site


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
