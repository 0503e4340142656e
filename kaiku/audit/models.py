"""The audit log: who changed what, when, and which fields."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), related_name="+", on_delete=models.SET_NULL, null=True
    )
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object"), max_length=60, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    # The area whose coordinators may read this entry; empty means national only.
    area = models.ForeignKey(Area, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"
