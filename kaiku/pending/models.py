"""What the register changed that the statistics have not yet read (issue 21).

The register's services (``cards``, ``visits``) write their own rows and, in the same
transaction, one ``PendingStat`` row naming what changed. They never import
``kaiku.stats``: the statistics fold these rows into their facts before every read
(``kaiku.stats.intake``), so a dashboard is always current, and delete them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingStat(models.Model):
    """One change of the register waiting to be counted: a use recorded or voided, a card event."""

    class Kind(models.TextChoices):
        USE = "use", _("Use recorded")
        VOID = "void", _("Use voided")
        CARD_EVENT = "card_event", _("Card event")
        # A past month's count of uses taken over from the old register (``takeover.MonthlyCount``),
        # added or changed by a migration import.
        MONTHLY = "monthly", _("Monthly count taken over")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The use's, the card event's or the monthly count's id. No foreign key: the row is gone within moments,
    # and a use erased before the fold is simply not counted.
    ref = models.BigIntegerField(_("use or card event"))

    class Meta:
        verbose_name = _("change waiting for the statistics")
        verbose_name_plural = _("changes waiting for the statistics")

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"
