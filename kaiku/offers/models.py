"""What venues offer to cardholders: events with occurrences, courses, ongoing admission."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Sector, Site


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


class Offer(models.Model):
    class Kind(models.TextChoices):
        EVENT = "event", _("Event with dates")
        COURSE = "course", _("Course")
        ONGOING = "ongoing", _("Ongoing admission")

    venue = models.ForeignKey(Site, verbose_name=_("venue"), related_name="offers", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EVENT)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    art_form = models.CharField(_("art form"), max_length=30, choices=ArtForm.choices, blank=True)
    title_fi = models.CharField(_("title in Finnish"), max_length=200)
    title_sv = models.CharField(_("title in Swedish"), max_length=200, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_fi = models.TextField(_("description in Finnish"), blank=True)
    description_sv = models.TextField(_("description in Swedish"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    quota = models.PositiveIntegerField(
        _("Kaikukortti quota per occurrence"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no cap."),
    )
    sold_out = models.BooleanField(_("sold out"), default=False)
    excluded = models.BooleanField(_("not available with Kaikukortti"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title_fi"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        lang = (get_language() or "fi")[:2]
        return getattr(self, f"title_{lang}", "") or self.title_fi

    @property
    def is_course(self) -> bool:
        return self.kind == self.Kind.COURSE


class Occurrence(models.Model):
    offer = models.ForeignKey(Offer, related_name="occurrences", on_delete=models.CASCADE)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    quota = models.PositiveIntegerField(
        _("Kaikukortti quota"), null=True, blank=True, help_text=_("Empty uses the offer's quota.")
    )
    sold_out = models.BooleanField(_("sold out"), default=False)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")

    def __str__(self) -> str:
        return f"{self.offer} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def effective_quota(self) -> int | None:
        return self.quota if self.quota is not None else self.offer.quota
