from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Site


class RateCounter(models.Model):
    """One fixed window of one rate limit (kaiku.web.ratelimit): a hashed key and a count.

    A row, not a cache entry: the increment must be atomic across workers and servers,
    which Django's database cache (get, then set) is not.
    """

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class Duplicates(models.TextChoices):
    """What to do with a row that repeats an earlier row of the same file."""

    REPORT = "", _("Stop and show the repeated rows")
    SEPARATE = "separate", _("Record repeated rows as separate uses")
    SKIP = "skip", _("Skip repeated rows")


class ImportRecord(models.Model):
    """A spreadsheet that was imported in full (failed files change nothing and leave no row)."""

    class Kind(models.TextChoices):
        SITES = "sites", _("Sites and venues")
        USES = "uses", _("Uses recorded offline")
        REGISTRATIONS = "registrations", _("Card registrations recorded offline")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    area = models.ForeignKey(Area, related_name="+", on_delete=models.CASCADE, null=True, blank=True)
    site = models.ForeignKey(Site, related_name="+", on_delete=models.CASCADE, null=True, blank=True)
    filename = models.CharField(max_length=200)
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "partners_importrecord"  # kept from when imports lived in partners
        ordering = ["-at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
