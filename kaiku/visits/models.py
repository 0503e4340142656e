"""Uses (visits): an append-only record of every attempt to use a card."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.cards import legacy, numbers
from kaiku.cards.models import Card
from kaiku.network.models import Sector, Site
from kaiku.offers.models import Occurrence, Offer


class Reason(models.TextChoices):
    """Why a card was refused. The values are stable codes used by the API and devices."""

    MALFORMED = "malformed", _("This is not a card number. Check what was typed.")
    BAD_CHECK_CHARACTER = "bad_check_character", _("The number has a typo: the last character does not match.")
    UNKNOWN_NUMBER = "unknown_number", _("No card has this number.")
    MOBILE_ONLY = (
        "mobile_only",
        _(
            "X and Z mark mobile-only cards in the old register; they are not card numbers. "
            "Ask the holder to show the card on their phone."
        ),
    )
    NOT_REGISTERED = "not_registered", _("The card has not been registered yet.")
    INACTIVATED = "inactivated", _("The card has been inactivated.")
    REPLACED = "replaced", _("The card has been replaced by a new card.")
    EXPIRED = "expired", _("The card has expired. It can be renewed where it was issued.")
    NOT_YET_VALID = "not_yet_valid", _("The card is not valid yet.")
    WRONG_AREA = "wrong_area", _("The card is not valid in this area.")
    TOO_MANY_CHILDREN = "too_many_children", _("More children than the card allows.")
    CHILDREN_NOT_ALLOWED_COURSE = "children_not_allowed_course", _("Children cannot come along to a course.")
    COMMUNITY_GROUP_TOO_LARGE = "community_group_too_large", _("The group is larger than a community card allows.")
    COMMUNITY_CLIENTS_PERSONAL = "community_clients_personal", _("Only a community card brings clients.")
    ALREADY_USED = "already_used", _("The card has already been used for this event.")
    QUOTA_FULL = "quota_full", _("The Kaikukortti places for this event are all taken.")
    SOLD_OUT = "sold_out", _("The event is sold out.")
    CANCELLED = "cancelled", _("This date of the event has been cancelled.")
    EXCLUDED = "excluded", _("This offer is not available with Kaikukortti.")
    OFFER_ELSEWHERE = "offer_elsewhere", _("The offer belongs to another venue.")
    VENUE_CLOSED = "venue_closed", _("The venue has left the network.")
    BAD_COUNTS = "bad_counts", _("The numbers of people are not valid.")
    # A signed card code the door could not accept (kept when a door's check is refused).
    UNKNOWN_KEY = "unknown_key", _("The code was not made by Kaikukortti, or its key is no longer in use.")
    BAD_SIGNATURE = "bad_signature", _("The code has been altered or damaged. Type the card number instead.")
    OUTDATED_CODE = (
        "outdated_code",
        _(
            "This code is out of date: the card has been renewed or changed since. Ask for the newest card or type the number."
        ),
    )


class Channel(models.TextChoices):
    SCAN = "scan", _("Scanned code")
    TYPED = "typed", _("Typed number")
    AGENCY = "agency", _("Ticket agency")
    OFFLINE = "offline", _("Offline sync")
    IMPORT = "import", _("Spreadsheet import")


class UseQuerySet(models.QuerySet["Use"]):
    def accepted(self) -> UseQuerySet:
        return self.filter(outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True)

    def refused(self) -> UseQuerySet:
        return self.filter(outcome=Use.Outcome.REFUSED)

    def in_year(self, year: int) -> UseQuerySet:
        start = dt.date(year, 1, 1)
        return self.filter(used_on__gte=start, used_on__lt=start.replace(year=year + 1))


class Use(models.Model):
    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    # Every index is written on every use a door records, so the foreign keys that the
    # composite indexes below already lead with (card, venue), and the two people
    # columns nothing searches by, have none of their own.
    card = models.ForeignKey(Card, related_name="uses", on_delete=models.PROTECT, null=True, blank=True, db_index=False)
    # What was typed or scanned when no card matched (never more than the number).
    typed_number = models.CharField(max_length=40, blank=True)
    venue = models.ForeignKey(Site, related_name="uses", on_delete=models.PROTECT, db_index=False)
    offer = models.ForeignKey(Offer, related_name="uses", on_delete=models.SET_NULL, null=True, blank=True)
    occurrence = models.ForeignKey(Occurrence, related_name="uses", on_delete=models.SET_NULL, null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=40, choices=Reason.choices, blank=True)
    forced = models.BooleanField(
        default=False, help_text=_("Accepted offline by the device although the register would refuse it.")
    )
    override_reason = models.CharField(_("reason for staff override"), max_length=200, blank=True)
    adults = models.PositiveSmallIntegerField(default=1)
    children = models.PositiveSmallIntegerField(default=0)
    community_clients = models.PositiveSmallIntegerField(default=0)
    assistants = models.PositiveSmallIntegerField(default=0)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    scanned_at = models.DateTimeField(help_text=_("Device time"))
    received_at = models.DateTimeField(auto_now_add=True, help_text=_("Server time"))
    used_on = models.DateField(db_index=True)
    late = models.BooleanField(default=False, help_text=_("Entered later than the use happened."))
    idempotency_key = models.CharField(max_length=80)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    recorded_via = models.CharField(max_length=120, blank=True, help_text=_("Device or API key label"))
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    void_reason = models.CharField(max_length=200, blank=True)

    objects = UseQuerySet.as_manager()

    class Meta:
        verbose_name = _("use")
        verbose_name_plural = _("uses")
        constraints = [
            models.UniqueConstraint(fields=["venue", "idempotency_key"], name="use_idempotent_per_venue"),
        ]
        indexes = [
            models.Index(fields=["card", "occurrence"]),
            models.Index(fields=["venue", "used_on"]),
            # The venue desk's latest uses, shown again after every use it records.
            models.Index(fields=["venue", "-received_at"], name="use_venue_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.used_on} {self.outcome}"

    @property
    def accepted(self) -> bool:
        return self.outcome == self.Outcome.ACCEPTED

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class HeldUse(models.Model):
    """A use whose device time the register does not trust, held for the venue admin's review.

    A device time older than the door device's last online contact, or outside a
    channel's stated window (the partner API, the spreadsheet import), is neither forced
    nor silently accepted: it waits here until the venue admin accepts it (then it is
    recorded through ``record_use`` as sent) or rejects it with a reason.
    """

    class Why(models.TextChoices):
        BEFORE_LAST_CONTACT = "before_last_contact", _("Older than the device's last online contact")
        OUTSIDE_WINDOW = "outside_window", _("Older than the channel allows")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    venue = models.ForeignKey(Site, related_name="held_uses", on_delete=models.PROTECT)
    number = models.CharField(max_length=40)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    idempotency_key = models.CharField(max_length=80)
    scanned_at = models.DateTimeField(help_text=_("Device time, clamped to the server's now"))
    received_at = models.DateTimeField(auto_now_add=True)
    why = models.CharField(max_length=30, choices=Why.choices)
    offline = models.BooleanField(default=False)
    children = models.PositiveSmallIntegerField(default=0)
    community_clients = models.PositiveSmallIntegerField(default=0)
    assistants = models.PositiveSmallIntegerField(default=0)
    offer = models.ForeignKey(Offer, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)
    occurrence = models.ForeignKey(Occurrence, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True)
    override_reason = models.CharField(max_length=200, blank=True)
    recorded_via = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    reject_reason = models.CharField(_("reason for rejecting"), max_length=200, blank=True)
    use = models.ForeignKey(Use, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("use held for review")
        verbose_name_plural = _("uses held for review")
        constraints = [
            models.UniqueConstraint(fields=["venue", "idempotency_key"], name="held_use_idempotent_per_venue"),
        ]
        indexes = [models.Index(fields=["venue", "status"], name="held_use_venue_status")]

    def __str__(self) -> str:
        return f"{self.venue} {self.scanned_at:%Y-%m-%d} {self.status}"

    @property
    def display_number(self) -> str:
        """The card number as printed, or what was sent when it is not a card number."""
        try:
            return numbers.display(legacy.parse_any(self.number).canonical)
        except numbers.InvalidCardNumber:
            return self.number
