"""The door's own data: public keys by key id, and device tokens bound to one venue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Site


class PublicKey(models.Model):
    """Every key that ever signed card codes, so printed cards outlive a key rotation."""

    key_id = models.PositiveIntegerField(unique=True)
    public_key = models.CharField(max_length=60, help_text="Raw Ed25519 public key, base64")
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="Codes signed with a retired key are refused.")

    class Meta:
        verbose_name = _("public key")
        verbose_name_plural = _("public keys")

    def __str__(self) -> str:
        return f"{self.key_id:04x}"


class DeviceTokenQuerySet(models.QuerySet["DeviceToken"]):
    def active(self) -> DeviceTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class DeviceToken(models.Model):
    """A door device's API token, bound to one venue. Only its SHA-256 is stored."""

    venue = models.ForeignKey(Site, verbose_name=_("venue"), related_name="door_devices", on_delete=models.CASCADE)
    label = models.CharField(_("device name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="The token's first characters, to tell tokens apart")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The device's last online contact before its latest gap in contact (offline): an
    # offline use dated before it should have been synced then, so it goes to review.
    contact_before_gap = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("door device")
        verbose_name_plural = _("door devices")

    def __str__(self) -> str:
        return f"{self.venue}: {self.label}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
