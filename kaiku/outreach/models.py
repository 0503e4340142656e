"""What workers hand to holders: a worker's tip, and reminders that a card is coming due.

Not to be confused with ``kaiku.portal.tips``, the portal's own suggestions computed for a
holder: a ``WorkerTip`` is chosen by a person at a distributor site for one client.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer

# A visit that follows a tip within this many days counts as "followed" in the figures.
FOLLOW_DAYS = 60


class WorkerTipQuerySet(models.QuerySet["WorkerTip"]):
    def in_portal(self) -> WorkerTipQuerySet:
        return self.filter(delivery=WorkerTip.Delivery.PORTAL)


class WorkerTip(models.Model):
    """One offer (or one date of it) a worker at a distributor site picked for a client's card."""

    class Delivery(models.TextChoices):
        PRINT = "print", _("Printed slip")
        PORTAL = "portal", _("In the holder's portal")

    site = models.ForeignKey(
        Site, verbose_name=_("distributor site"), related_name="worker_tips", on_delete=models.CASCADE
    )
    card = models.ForeignKey(Card, verbose_name=_("card"), related_name="worker_tips", on_delete=models.CASCADE)
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), related_name="worker_tips", on_delete=models.CASCADE)
    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("date"), related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    language = models.CharField(max_length=5, default="fi")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    given_on = models.DateField(_("given on"))
    # given_on + FOLLOW_DAYS, stored so that "followed by a visit" is one date range on
    # every database (no date arithmetic in SQL).
    follow_until = models.DateField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkerTipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("worker's tip")
        verbose_name_plural = _("worker's tips")
        indexes = [models.Index(fields=["site", "given_on"]), models.Index(fields=["card", "delivery"])]

    def __str__(self) -> str:
        return f"{self.site_id} {self.offer_id} {self.given_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, like Offer.search_text: kept in step wherever the tip is saved.
        self.follow_until = self.given_on + dt.timedelta(days=FOLLOW_DAYS)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "follow_until"}
        super().save(*args, **kwargs)


class RenewalReminder(models.Model):
    """One reminder per card and validity period (``valid_until``): shown in the portal, maybe e-mailed."""

    card = models.ForeignKey(Card, related_name="renewal_reminders", on_delete=models.CASCADE)
    valid_until = models.DateField(_("valid until"))
    site = models.ForeignKey(Site, verbose_name=_("renewing site"), related_name="+", on_delete=models.CASCADE)
    emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("renewal reminder")
        verbose_name_plural = _("renewal reminders")
        constraints = [models.UniqueConstraint(fields=["card", "valid_until"], name="renewal_reminder_once_per_period")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.valid_until}"
