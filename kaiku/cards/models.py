"""Cards and their history. Cards are pseudonymous: no name, identity code or address."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.cards import numbers
from kaiku.network.models import Municipality, Site


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", _("Other")
    NOT_SAID = "not_said", _("Does not want to say")


class LifeSituation(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed or laid off")
    STUDENT = "student", _("Student")
    PENSIONER = "pensioner", _("Pensioner")
    EMPLOYED = "employed", _("Employed, low income")
    FAMILY_LEAVE = "family_leave", _("On family leave")
    REHABILITATION = "rehabilitation", _("In rehabilitation or on sick leave")
    ASYLUM = "asylum", _("Asylum seeker or newly arrived")
    OTHER = "other", _("Other")


class CardQuerySet(models.QuerySet["Card"]):
    def registered(self) -> CardQuerySet:
        return self.exclude(status=Card.Status.UNREGISTERED)

    def valid_on(self, day: dt.date) -> CardQuerySet:
        return self.filter(status=Card.Status.ACTIVE, issued_on__lte=day, valid_until__gte=day)


class Card(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal card")
        COMMUNITY = "community", _("Community card")

    class Status(models.TextChoices):
        UNREGISTERED = "unregistered", _("Not registered")
        ACTIVE = "active", _("Registered")
        INACTIVE = "inactive", _("Inactivated")
        REPLACED = "replaced", _("Replaced")

    # Kaiku's own numbers are 8 characters; a legacy number (docs/legacy-numbers.md) up to 32.
    number = models.CharField(_("card number"), max_length=numbers.LEGACY_MAX_LENGTH, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSONAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UNREGISTERED)
    site = models.ForeignKey(Site, verbose_name=_("issuing site"), related_name="cards", on_delete=models.PROTECT)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    registered_on = models.DateField(_("first registered"), null=True, blank=True)
    issued_on = models.DateField(_("issued or renewed"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    # Registration details (DESIGN §3). Never a name, identity code, birth date or address.
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("home municipality"), on_delete=models.PROTECT, null=True, blank=True
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    children = models.PositiveSmallIntegerField(_("children under the age limit"), default=0)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    life_situation = models.CharField(_("life situation"), max_length=20, choices=LifeSituation.choices, blank=True)
    portal_consent = models.BooleanField(_("consents to the holder portal by e-mail"), default=False)
    email = models.EmailField(_("e-mail for the holder portal"), blank=True)
    survey_consent = models.BooleanField(_("consents to wellbeing surveys"), default=False)
    community_label = models.CharField(_("community card label"), max_length=120, blank=True)

    inactivation_reason = models.CharField(_("reason for inactivation"), max_length=200, blank=True)
    # Set when retention or an erasure request reduced the holder details (kaiku.privacy):
    # the birth year is then kept only as the age band at the end of the card's validity.
    details_reduced_on = models.DateField(_("holder details reduced on"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, blank=True)
    replaced_by = models.OneToOneField(
        "self", verbose_name=_("replaced by"), related_name="replaces", on_delete=models.PROTECT, null=True, blank=True
    )
    # Bumped on every change that a printed or digital code must reflect, so an
    # old signed code is distinguishable from the current one.
    code_version = models.PositiveIntegerField(default=1)
    activation_code_hash = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return numbers.display(self.number)

    @property
    def area(self) -> Any:
        return self.site.area

    @property
    def is_community(self) -> bool:
        return self.kind == self.Kind.COMMUNITY

    def is_expired_on(self, day: dt.date) -> bool:
        return self.valid_until is not None and day > self.valid_until


class CardEvent(models.Model):
    """One step of a card's life, shown as its history."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Card stock created")
        REGISTERED = "registered", _("Registered")
        RENEWED = "renewed", _("Renewed")
        CORRECTED = "corrected", _("Details corrected")
        INACTIVATED = "inactivated", _("Inactivated")
        REPLACED = "replaced", _("Replaced by a new card")
        REPLACEMENT = "replacement", _("Issued to replace a lost card")
        ACTIVATION_CODE = "activation_code", _("Portal activation code issued")

    card = models.ForeignKey(Card, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("card event")
        verbose_name_plural = _("card events")

    def __str__(self) -> str:
        return f"{self.card} {self.get_kind_display()}"


class LegacyFormat(models.Model):
    """A card number format of the register used before Kaiku, declared by the national admin.

    ``kaiku.cards.legacy`` checks and caches these; ``numbers.parse_any`` accepts a number
    that, normalised as declared, matches the whole pattern.
    """

    PATTERN_MAX_LENGTH = 120

    name = models.CharField(_("name"), max_length=80)
    pattern = models.CharField(
        _("pattern"),
        max_length=PATTERN_MAX_LENGTH,
        help_text=_(
            "A regular expression the whole number must match after normalisation, "
            "for example [A-Z]{2}[0-9]{6}. There is no check character."
        ),
    )
    example = models.CharField(
        _("example number"),
        max_length=64,
        help_text=_("An invented number of this format, as printed. It must match the pattern."),
    )
    fold_case = models.BooleanField(_("ignore upper and lower case"), default=True)
    ignore_spaces = models.BooleanField(_("ignore spaces"), default=True)
    ignore_dashes = models.BooleanField(_("ignore dashes"), default=True)
    active = models.BooleanField(_("accepted"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legacy number format")
        verbose_name_plural = _("legacy number formats")

    def __str__(self) -> str:
        return self.name
