"""What venues offer to cardholders: events with occurrences, courses, ongoing admission.

Quota places are taken by accepted uses and by reservations that still hold a
place. A reservation holds its place until the occurrence starts; after that it
stops counting by a time condition in the count (``ReservationQuerySet.holding``),
so no background job is needed for correctness. ``manage.py release_reservations``
only tidies their status afterwards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Sector, Site


class ArtForm(models.TextChoices):
    MUSIC = "music", _("Music")
    THEATRE = "theatre", _("Theatre")
    DANCE = "dance", _("Dance")
    VISUAL_ARTS = "visual_arts", _("Visual arts")
    MUSEUM = "museum", _("Museum")
    LITERATURE = "literature", _("Literature")
    FILM = "film", _("Film")
    CIRCUS = "circus", _("Circus")
    FESTIVAL = "festival", _("Festival")
    SCIENCE = "science", _("Science")
    SPORTS = "sports", _("Sports and exercise")
    COURSE_ARTS = "course_arts", _("Course: arts and crafts")
    COURSE_LANGUAGES = "course_languages", _("Course: languages")
    COURSE_MUSIC = "course_music", _("Course: music")
    COURSE_MOVEMENT = "course_movement", _("Course: movement and wellbeing")
    COURSE_OTHER = "course_other", _("Course: other subjects")
    OTHER = "other", _("Other")


class TicketMethod(models.TextChoices):
    BOX_OFFICE = "box_office", _("At the box office")
    PHONE = "phone", _("By phone")
    EMAIL = "email", _("By e-mail")
    RESERVATION = "reservation", _("Reservation in Kaiku")


# Accessibility features: (field name, label). Each is a boolean on Offer.
ACCESSIBILITY = [
    ("step_free", _("Step-free access")),
    ("hearing_loop", _("Hearing loop")),
    ("sign_language", _("Sign language")),
    ("easy_to_read", _("Easy-to-read language")),
    ("sensory_friendly", _("Sensory-friendly")),
    ("assistant_friendly", _("Assistant gets in free")),
]
ACCESSIBILITY_FIELDS = [name for name, _label in ACCESSIBILITY]


def search_text(*titles: str) -> str:
    return " ".join(t for t in titles if t).lower()[:620]


def _localised(obj: object, base: str) -> str:
    """The text in the current language, else in Finnish, Swedish or English, whichever exists."""
    lang = (get_language() or "fi")[:2]
    for code in (lang, "fi", "sv", "en"):
        value = getattr(obj, f"{base}_{code}", "")
        if value:
            return str(value)
    return ""


def public_venues() -> models.QuerySet[Site]:
    """Venues whose offers are public: still in the network, in an area that is in the network."""
    return Site.objects.filter(
        kind=Site.Kind.VENUE, offboarded_at__isnull=True, area__status__in=[Area.Status.PILOT, Area.Status.ACTIVE]
    )


class OfferQuerySet(models.QuerySet["Offer"]):
    def public(self, venues: models.QuerySet[Site] | None = None) -> OfferQuerySet:
        """Offers the public catalogue shows: published, usable, at a venue in the network.

        The venue condition is an IN (subquery), not a join: with 50,000 offers the
        catalogue's count and sort then run on the covering index alone.
        """
        sites = public_venues() if venues is None else venues
        return self.filter(published=True, excluded=False, venue_id__in=sites.values("pk"))

    def current(self, today: dt.date) -> OfferQuerySet:
        """Not over yet: the last day is today or later, or open-ended."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))


class Offer(models.Model):
    class Kind(models.TextChoices):
        EVENT = "event", _("Event with dates")
        COURSE = "course", _("Course")
        ONGOING = "ongoing", _("Ongoing admission")

    venue = models.ForeignKey(Site, verbose_name=_("venue"), related_name="offers", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EVENT)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    art_form = models.CharField(_("art form"), max_length=30, choices=ArtForm.choices, blank=True)
    # Blank only for an imported offer without a Finnish name (shown by fallback, never copied).
    title_fi = models.CharField(_("title in Finnish"), max_length=200, blank=True)
    title_sv = models.CharField(_("title in Swedish"), max_length=200, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_fi = models.TextField(_("description in Finnish"), blank=True)
    description_sv = models.TextField(_("description in Swedish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    # For events these follow the occurrences (services.refresh_dates); for courses
    # and ongoing admission staff set them.
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("suitable from age"), null=True, blank=True, help_text=_("Leave empty if suitable for all ages.")
    )
    family_friendly = models.BooleanField(
        _("family-friendly"), default=False, help_text=_("Good for a holder who brings children along.")
    )
    step_free = models.BooleanField(_("Step-free access"), default=False)
    hearing_loop = models.BooleanField(_("Hearing loop"), default=False)
    sign_language = models.BooleanField(_("Sign language"), default=False)
    easy_to_read = models.BooleanField(_("Easy-to-read language"), default=False)
    sensory_friendly = models.BooleanField(_("Sensory-friendly"), default=False)
    assistant_friendly = models.BooleanField(_("Assistant gets in free"), default=False)
    ticket_method = models.CharField(
        _("how to get the ticket"), max_length=20, choices=TicketMethod.choices, default=TicketMethod.BOX_OFFICE
    )
    ticket_instructions_fi = models.TextField(_("ticket instructions in Finnish"), blank=True)
    ticket_instructions_sv = models.TextField(_("ticket instructions in Swedish"), blank=True)
    ticket_instructions_en = models.TextField(_("ticket instructions in English"), blank=True)
    ticket_phone = models.CharField(_("phone for tickets"), max_length=40, blank=True)
    ticket_email = models.EmailField(_("e-mail for tickets"), blank=True)
    info_url = models.URLField(_("web page"), max_length=500, blank=True)
    info_url_sv = models.URLField(_("web page in Swedish"), max_length=500, blank=True)
    info_url_en = models.URLField(_("web page in English"), max_length=500, blank=True)
    is_free = models.BooleanField(_("free for everyone"), null=True, blank=True)
    price_fi = models.TextField(_("price in Finnish"), max_length=1000, blank=True)
    price_sv = models.TextField(_("price in Swedish"), max_length=1000, blank=True)
    price_en = models.TextField(_("price in English"), max_length=1000, blank=True)
    # What the venue gives up per Kaikukortti ticket, for the venue's year (kaiku.reports).
    ticket_value = models.DecimalField(
        _("ticket's face value (€)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
        help_text=_(
            "Optional: the price of one ticket for a paying visitor. The venue's yearly report counts "
            "the value of the tickets given with it."
        ),
    )
    # The values a Linked Events import last wrote, by field: a re-import updates a field
    # only while it still holds that value, so what staff changed stays (docs/offers.md).
    imported = models.JSONField(default=dict, blank=True, editable=False)
    quota = models.PositiveIntegerField(
        _("Kaikukortti quota per occurrence"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no cap."),
    )
    sold_out = models.BooleanField(_("sold out"), default=False)
    excluded = models.BooleanField(_("not available with Kaikukortti"), default=False)
    published = models.BooleanField(_("shown in the public catalogue"), default=True)
    image = models.ImageField(_("image"), upload_to="offers/", blank=True)
    # Made from the image when it is uploaded (kaiku.offers.images), for the catalogue's list.
    thumbnail = models.ImageField(_("thumbnail"), upload_to="offers/thumbnails/", blank=True, editable=False)
    image_url = models.URLField(_("image address"), max_length=500, blank=True)
    image_alt = models.CharField(_("image description"), max_length=200, blank=True)
    # Set while an upcoming occurrence has last-minute seats: the latest such start.
    last_minute_until = models.DateTimeField(null=True, blank=True, editable=False)
    external_id = models.CharField(_("external id"), max_length=200, blank=True, editable=False)
    # The titles in every language, lower case: what a catalogue text search scans
    # (inside the covering index), and the catalogue's tie-break order.
    search_text = models.CharField(max_length=620, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["title_fi"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "external_id"], condition=~Q(external_id=""), name="offer_external_id_per_venue"
            ),
        ]
        indexes = [
            # Covers the catalogue's usual filters and its sort, so a search never reads
            # the wide rows (descriptions) of offers that are not on the page.
            models.Index(
                fields=[
                    "ends_on",
                    "published",
                    "excluded",
                    "starts_on",
                    "last_minute_until",
                    "venue",
                    "kind",
                    "sector",
                    "art_form",
                    "family_friendly",
                    "sold_out",
                    *ACCESSIBILITY_FIELDS,
                    "quota",
                    "search_text",
                ],
                name="offer_catalogue",
            ),
            models.Index(fields=["venue", "ends_on"], name="offer_venue_dates"),
            models.Index(fields=["last_minute_until"], name="offer_last_minute"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived column, like a slug: kept in step wherever the offer is saved.
        self.search_text = search_text(self.title_fi, self.title_sv, self.title_en)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def description(self) -> str:
        return _localised(self, "description")

    @property
    def price(self) -> str:
        return _localised(self, "price")

    @property
    def localised_info_url(self) -> str:
        """The web page in the current language, else any (``info_url`` is the Finnish one)."""
        lang = (get_language() or "fi")[:2]
        pages = {"fi": self.info_url, "sv": self.info_url_sv, "en": self.info_url_en}
        return next((pages[code] for code in (lang, "fi", "sv", "en") if pages.get(code)), "")

    @property
    def ticket_instructions(self) -> str:
        return _localised(self, "ticket_instructions")

    @property
    def is_course(self) -> bool:
        return self.kind == self.Kind.COURSE

    @property
    def is_event(self) -> bool:
        return self.kind == self.Kind.EVENT

    @property
    def takes_reservations(self) -> bool:
        return self.ticket_method == TicketMethod.RESERVATION

    @property
    def accessibility(self) -> list[str]:
        return [str(label) for name, label in ACCESSIBILITY if getattr(self, name)]

    @property
    def picture_url(self) -> str:
        if self.image:
            return self.image.url
        return self.image_url

    def has_last_minute(self, now: dt.datetime | None = None) -> bool:
        return self.last_minute_until is not None and self.last_minute_until > (now or timezone.now())


def party_places(children: int = 0, community_clients: int = 0) -> int:
    """Quota places a party takes: the holder plus each child or community client.

    Assistants and interpreters get in free and take no Kaikukortti place (DESIGN §4.6).
    """
    return 1 + max(children, 0) + max(community_clients, 0)


class OccurrenceQuerySet(models.QuerySet["Occurrence"]):
    def upcoming(self, now: dt.datetime) -> OccurrenceQuerySet:
        return self.filter(starts_at__gt=now, cancelled=False)


class Occurrence(models.Model):
    offer = models.ForeignKey(Offer, related_name="occurrences", on_delete=models.CASCADE)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    quota = models.PositiveIntegerField(
        _("Kaikukortti quota"), null=True, blank=True, help_text=_("Empty uses the offer's quota.")
    )
    sold_out = models.BooleanField(_("sold out"), default=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    # Last-minute seats: free seats released on top of the quota shortly before the start.
    extra_seats = models.PositiveIntegerField(_("last-minute seats"), default=0)
    extra_seats_at = models.DateTimeField(null=True, blank=True, editable=False)
    external_id = models.CharField(max_length=200, blank=True, editable=False)
    # Invariant: an upcoming occurrence whose places are all taken has full_hint set
    # (set where places are taken or the cap lowered). It may stay set after a place
    # frees up; the catalogue then counts exactly. So "places left" counts only
    # for the few occurrences that have been full, not for every occurrence.
    full_hint = models.BooleanField(default=False, editable=False)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        indexes = [
            # Covers the catalogue's "places left" probe: upcoming, open, maybe full, capacity.
            models.Index(
                fields=["offer", "starts_at", "cancelled", "sold_out", "full_hint", "quota", "extra_seats"],
                name="occurrence_catalogue",
            )
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.offer} {local:%Y-%m-%d %H:%M}"

    @property
    def effective_quota(self) -> int | None:
        """Places for cardholders: the quota plus last-minute seats; None is no cap."""
        base = self.quota if self.quota is not None else self.offer.quota
        if base is None:
            return None
        return base + self.extra_seats

    def note_taken(self, taken: int) -> None:
        """Record that the occurrence is full, if ``taken`` places fill it (see full_hint)."""
        quota = self.effective_quota
        if quota is not None and taken >= quota and not self.full_hint:
            self.full_hint = True
            Occurrence.objects.filter(pk=self.pk).update(full_hint=True)

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())


class ReservationQuerySet(models.QuerySet["Reservation"]):
    def active(self) -> ReservationQuerySet:
        return self.filter(status=Reservation.Status.ACTIVE)

    def holding(self, now: dt.datetime | None = None) -> ReservationQuerySet:
        """Reservations that hold a quota place: active and the occurrence not started."""
        return self.active().filter(occurrence__starts_at__gt=now or timezone.now())


class Reservation(models.Model):
    """A place from an occurrence's quota held for one card."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Reserved")
        CANCELLED = "cancelled", _("Cancelled")
        USED = "used", _("Used at the door")
        EXPIRED = "expired", _("Released at the start")

    class Via(models.TextChoices):
        VENUE = "venue", _("Venue staff")
        PORTAL = "portal", _("Holder portal")

    card = models.ForeignKey("cards.Card", related_name="reservations", on_delete=models.PROTECT)
    occurrence = models.ForeignKey(Occurrence, related_name="reservations", on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    via = models.CharField(_("reserved via"), max_length=20, choices=Via.choices, default=Via.VENUE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    # The party the place is for, within the card's limits (the same rule as a use).
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    community_clients = models.PositiveSmallIntegerField(_("community clients"), default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_holder = models.BooleanField(default=False)
    use = models.ForeignKey("visits.Use", related_name="+", on_delete=models.SET_NULL, null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["card", "occurrence"], condition=Q(status="active"), name="one_active_reservation_per_card"
            ),
        ]
        indexes = [models.Index(fields=["occurrence", "status"], name="reservation_occurrence_status")]

    def __str__(self) -> str:
        return f"{self.occurrence} · {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def places(self) -> int:
        return party_places(self.children, self.community_clients)
