"""The holder's portal: signed-in devices, sign-in attempts, feedback, wellbeing, group visits.

Everything here hangs off a pseudonymous card; nothing names a person. Feedback and
wellbeing answers are read by the statistics only as aggregates (see docs/portal.md):
venues and areas never see a count below ``NationalSettings.small_count_threshold``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import NationalSettings, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits.models import Use


class HolderDevice(models.Model):
    """A browser where a holder has signed in. The cookie holds a token; we keep its hash.

    A device stays signed in until the holder signs out or the card stops being active
    (inactivated or replaced); ``signed_out_at`` records which and when.
    """

    class Method(models.TextChoices):
        CODE = "code", _("Card number and activation code")
        EMAIL = "email", _("Sign-in link by e-mail")

    card = models.ForeignKey(Card, related_name="portal_devices", on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True)
    method = models.CharField(max_length=10, choices=Method.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    signed_out_at = models.DateTimeField(null=True, blank=True)
    signed_out_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("signed-in device")
        verbose_name_plural = _("signed-in devices")

    def __str__(self) -> str:
        return f"{self.card} {self.created_at:%Y-%m-%d}"


class SignInAttempt(models.Model):
    """Every sign-in try, kept for throttling and for investigating guessing.

    ``typed`` is the normalised card number (or what was typed, cut short) or, for
    e-mail link requests, a hash of the address; ``client_hash`` is a keyed hash of the
    client's address, so guessing from one place is throttled without storing IPs.
    """

    class Method(models.TextChoices):
        CODE = "code", _("Card number and activation code")
        EMAIL_REQUEST = "email_request", _("Sign-in link requested")
        EMAIL_LINK = "email_link", _("Sign-in link used")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        WRONG = "wrong", _("Wrong number or code")
        THROTTLED = "throttled", _("Too many tries")
        LINK_SENT = "link_sent", _("Link sent")
        NO_LINK = "no_link", _("No link sent")
        BAD_LINK = "bad_link", _("Expired or used link")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=20, choices=Method.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    typed = models.CharField(max_length=64, blank=True, db_index=True)
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    card = models.ForeignKey(Card, related_name="+", on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.method} {self.outcome}"


class EmailSignInToken(models.Model):
    """A one-time sign-in link sent by e-mail. Only the token's hash is stored."""

    card = models.ForeignKey(Card, related_name="+", on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")

    def __str__(self) -> str:
        return f"{self.card} {self.created_at:%Y-%m-%d %H:%M}"


class HolderPreference(models.Model):
    """What the holder chose in the portal (not part of the register's card details)."""

    card = models.OneToOneField(Card, related_name="portal_preference", on_delete=models.CASCADE)
    digest = models.BooleanField(_("weekly tips by e-mail"), default=False)
    # The language of the last sign-in, for e-mails sent later by commands.
    language = models.CharField(max_length=5, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal preference")
        verbose_name_plural = _("portal preferences")

    def __str__(self) -> str:
        return str(self.card)


class FeedbackQuerySet(models.QuerySet["Feedback"]):
    def answered(self) -> FeedbackQuerySet:
        return self.filter(score__isnull=False)

    def for_venue(self, venue: Site) -> FeedbackQuerySet:
        return self.filter(use__venue=venue)

    def summary(self, *, threshold: int | None = None) -> dict[str, Any] | None:
        """Answer count, mean score and share who went with someone; None below the threshold.

        Pass ``threshold=0`` only for the national admin's view.
        """
        limit = NationalSettings.get().small_count_threshold if threshold is None else threshold
        row = self.answered().aggregate(
            answers=Count("pk"),
            mean_score=Avg("score"),
            with_someone=Count("pk", filter=Q(went_with_someone=True)),
        )
        if row["answers"] == 0 or row["answers"] < limit:
            return None
        return row


class Feedback(models.Model):
    """A holder's feedback on one use, asked once. Anonymous to the venue.

    A row with no score means the holder chose not to answer (so we do not ask again).
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Portal")
        EMAIL = "email", _("E-mail link")

    use = models.OneToOneField(Use, related_name="feedback", on_delete=models.CASCADE)
    score = models.PositiveSmallIntegerField(_("how was it (1 to 5)"), null=True, blank=True)
    went_with_someone = models.BooleanField(_("went with someone"), null=True, blank=True)
    text = models.TextField(_("comments"), blank=True, max_length=2000)
    # The holder asked that the venue not read the comment (kaiku.outreach.feedback).
    not_for_venue = models.BooleanField(_("comment not for the venue"), default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="feedback_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.use_id}: {self.score}"


WELLBEING_QUESTIONS = ("mood", "energy", "belonging", "interest", "rest")


def new_respondent_key() -> str:
    """A random key that ties one card's wellbeing answers together without naming the card."""
    return secrets.token_hex(16)


class WellbeingAnswer(models.Model):
    """One wellbeing survey per card and card year (issued_on): at registration or a renewal.

    Answers are 0 to 5 (0 = not at all, 5 = completely); an unanswered statement is empty.
    A row with ``declined`` set means the holder chose not to answer this time.
    """

    class Occasion(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        RENEWAL = "renewal", _("Renewal")

    QUESTIONS = WELLBEING_QUESTIONS

    card = models.ForeignKey(
        Card,
        related_name="wellbeing_answers",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Emptied when the card's holder details are reduced or erased; the answers stay anonymous."),
    )
    # The statistics read these two, never the card: the issuing site at the time of the
    # answer, and a random key shared by one card's answers, so that a registration and a
    # renewal answer still pair up after the card link is gone (privacy.retention.reduce_card).
    site = models.ForeignKey(Site, related_name="+", on_delete=models.PROTECT)
    respondent = models.CharField(max_length=32, db_index=True)
    occasion = models.CharField(max_length=20, choices=Occasion.choices)
    period_start = models.DateField(help_text=_("The card's issue or renewal day this answer belongs to."))
    declined = models.BooleanField(default=False)
    mood = models.PositiveSmallIntegerField(null=True, blank=True)
    energy = models.PositiveSmallIntegerField(null=True, blank=True)
    belonging = models.PositiveSmallIntegerField(null=True, blank=True)
    interest = models.PositiveSmallIntegerField(null=True, blank=True)
    rest = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("wellbeing answer")
        verbose_name_plural = _("wellbeing answers")
        constraints = [
            models.UniqueConstraint(fields=["card", "period_start"], name="wellbeing_once_per_card_year"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{q}__isnull": True}) | Q(**{f"{q}__lte": 5}), name=f"wellbeing_{q}_0_to_5"
                )
                for q in WELLBEING_QUESTIONS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.respondent[:6]} {self.occasion} {self.period_start}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """An answer belongs to its card's issuing site, and carries the card's respondent key."""
        if self.card_id is not None:
            if self.site_id is None:
                self.site_id = self.card.site_id
            if not self.respondent:
                earlier = WellbeingAnswer.objects.filter(card_id=self.card_id).values_list("respondent", flat=True)
                self.respondent = earlier.first() or new_respondent_key()
        super().save(*args, **kwargs)


class GroupVisitQuerySet(models.QuerySet["GroupVisit"]):
    def open(self) -> GroupVisitQuerySet:
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now: Any) -> GroupVisitQuerySet:
        return self.filter(meets_at__gte=now)


class GroupVisit(models.Model):
    """Company for culture: a distributor site takes holders of its area to an offer together."""

    site = models.ForeignKey(
        Site, verbose_name=_("distributor site"), related_name="group_visits", on_delete=models.CASCADE
    )
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), related_name="group_visits", on_delete=models.PROTECT)
    occurrence = models.ForeignKey(
        Occurrence,
        verbose_name=_("date of the offer"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    meets_at = models.DateTimeField(_("meeting time"))
    meeting_place = models.CharField(_("meeting place"), max_length=200)
    max_size = models.PositiveSmallIntegerField(_("maximum number of participants"))
    community_card = models.ForeignKey(
        Card, verbose_name=_("community card"), related_name="group_visits", on_delete=models.PROTECT
    )
    note = models.TextField(_("note for participants"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Quota places of the occurrence this visit still holds: set when it is created (the
    # participants and the worker on the community card), one fewer for each person of
    # the group admitted at the door. They stop counting when the occurrence starts.
    held_places = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = GroupVisitQuerySet.as_manager()

    class Meta:
        ordering = ["meets_at", "pk"]
        verbose_name = _("group visit")
        verbose_name_plural = _("group visits")

    def __str__(self) -> str:
        return f"{self.offer} {self.meets_at:%Y-%m-%d}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class GroupVisitParticipant(models.Model):
    group_visit = models.ForeignKey(GroupVisit, related_name="participants", on_delete=models.CASCADE)
    card = models.ForeignKey(Card, related_name="group_visit_places", on_delete=models.CASCADE)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        verbose_name = _("group visit participant")
        verbose_name_plural = _("group visit participants")
        constraints = [models.UniqueConstraint(fields=["group_visit", "card"], name="group_visit_once_per_card")]

    def __str__(self) -> str:
        return f"{self.group_visit} {self.card}"


class HolderMail(models.Model):
    """Bookkeeping of e-mails to holders: weekly tip digests and feedback requests."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Tips digest")
        FEEDBACK = "feedback", _("Feedback request")

    card = models.ForeignKey(Card, related_name="+", on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    use = models.OneToOneField(Use, related_name="+", on_delete=models.CASCADE, null=True, blank=True)
    offer_ids = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail to a holder")
        verbose_name_plural = _("e-mails to holders")
        indexes = [models.Index(fields=["card", "kind", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.card} {self.kind} {self.sent_at:%Y-%m-%d}"
