"""The read log: who looked at holder data, what, when and from where (issue 18, item 5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadEntry(models.Model):
    """One read of holder data or of an unsuppressed statistic. Never its content.

    ``object_id`` is the card's internal id (never its number); a search keeps no search
    text. The door's checks are not reads: the door sees no holder data.
    """

    class What(models.TextChoices):
        CARD = "card", _("Card page")
        CARD_HISTORY = "card_history", _("Card history")
        CARD_SEARCH = "card_search", _("Card search")
        HOLDER_DOWNLOAD = "holder_download", _("Holder data download")
        STATS_EXPORT = "stats_export", _("Statistics export")
        NATIONAL_VIEW = "national_view", _("Unsuppressed national view")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), related_name="+", on_delete=models.SET_NULL, null=True
    )
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    what = models.CharField(_("what"), max_length=20, choices=What.choices)
    object_id = models.CharField(_("object"), max_length=60, blank=True)
    detail = models.CharField(_("detail"), max_length=120, blank=True)
    address = models.CharField(_("from where"), max_length=64, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("read log entry")
        verbose_name_plural = _("read log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.what}"
