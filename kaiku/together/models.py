"""Working together: group requests from distributor sites to venues, and bulletins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Area, Site
from kaiku.offers.models import Occurrence, Offer

# Bounds of what a person may type (DESIGN §6: every input bounded).
NEEDS_MAX = 500
MESSAGE_MAX = 500
GROUP_REQUEST_MAX_PEOPLE = 60


class Language(models.TextChoices):
    NONE = "", _("No language need")
    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    EN = "en", _("English")
    EASY = "easy", _("Easy Finnish or Swedish")
    SIGN = "sign", _("Sign language")
    OTHER = "other", _("Another language (see needs)")


class GroupRequestQuerySet(models.QuerySet["GroupRequest"]):
    def open(self) -> GroupRequestQuerySet:
        """Requests that still wait for someone: asked, a date proposed, or accepted and not yet visited."""
        return self.filter(
            status__in=[GroupRequest.Status.REQUESTED, GroupRequest.Status.PROPOSED, GroupRequest.Status.ACCEPTED]
        )


class GroupRequest(models.Model):
    """A distributor site asks a venue for places for a small group on one date of an offer.

    The card is the site's community card (a worker and clients under 16) or a personal
    card of the site (a worker accompanying one holder); venue staff never see which card
    it is. Accepting holds ``held_places`` in the occurrence's quota
    (``offers.places.with_places``) until the group's visit is recorded or the
    occurrence starts.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the venue")
        PROPOSED = "proposed", _("The venue proposed another date")
        ACCEPTED = "accepted", _("Accepted: places held")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        VISITED = "visited", _("Visited")

    site = models.ForeignKey(
        Site, verbose_name=_("distributor site"), related_name="group_requests", on_delete=models.CASCADE
    )
    card = models.ForeignKey(Card, verbose_name=_("card"), related_name="group_requests", on_delete=models.PROTECT)
    venue = models.ForeignKey(Site, verbose_name=_("venue"), related_name="+", on_delete=models.CASCADE)
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), related_name="group_requests", on_delete=models.CASCADE)
    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("date"), related_name="group_requests", on_delete=models.CASCADE
    )
    proposed_occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("proposed date"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    under_16 = models.PositiveSmallIntegerField(_("clients under 16"), default=0)
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    accessibility = models.BooleanField(_("accessibility needs"), default=False)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True, default="")
    # Free text seen by the two parties only: never in the audit log, logs or e-mails.
    needs = models.TextField(_("needs"), max_length=NEEDS_MAX, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    # The venue's reason for declining or note with a proposed date; the two parties only.
    venue_message = models.TextField(_("message from the venue"), max_length=MESSAGE_MAX, blank=True)
    held_places = models.PositiveSmallIntegerField(default=0, editable=False)
    use = models.ForeignKey("visits.Use", related_name="+", on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GroupRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("group request")
        verbose_name_plural = _("group requests")
        indexes = [
            models.Index(fields=["venue", "status"], name="group_request_venue_status"),
            models.Index(fields=["site", "status"], name="group_request_site_status"),
            models.Index(fields=["occurrence", "status"], name="group_request_holding"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_places=0) | Q(status="accepted"), name="group_request_holds_only_when_accepted"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer} · {self.site}"

    @property
    def people(self) -> int:
        """Quota places the group takes: every person, adults and clients under 16."""
        return self.adults + self.under_16

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.PROPOSED, self.Status.ACCEPTED)


class Bulletin(models.Model):
    """A short notice from a coordinator to an area's partners, or from the national admin to every area."""

    class Audience(models.TextChoices):
        ALL = "all", _("All partners")
        VENUES = "venues", _("Venues")
        DISTRIBUTORS = "distributors", _("Distributor sites")

    # None: every area (posted by the national admin).
    area = models.ForeignKey(
        Area, verbose_name=_("area"), related_name="bulletins", on_delete=models.CASCADE, null=True, blank=True
    )
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=2000)
    by_email = models.BooleanField(_("also send by e-mail"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")

    def __str__(self) -> str:
        return self.title


class BulletinRead(models.Model):
    bulletin = models.ForeignKey(Bulletin, related_name="reads", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.CASCADE)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bulletin read")
        verbose_name_plural = _("bulletins read")
        constraints = [models.UniqueConstraint(fields=["bulletin", "user"], name="bulletin_read_once")]

    def __str__(self) -> str:
        return f"{self.bulletin} {self.user_id}"
