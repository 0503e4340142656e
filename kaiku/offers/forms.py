"""Forms for venue staff (offers, occurrences, reservations, seats) and the public search."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Municipality, Sector
from kaiku.offers import images
from kaiku.offers.models import ACCESSIBILITY, ArtForm, Occurrence, Offer, TicketMethod
from kaiku.offers.services import MAX_EXTRA_SEATS
from kaiku.web.widgets import QuickSelect


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class OfferForm(forms.ModelForm):
    info_url = forms.URLField(label=_("web page"), required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Offer
        fields = [
            "kind", "title_fi", "title_sv", "title_en", "sector", "art_form",
            "description_fi", "description_sv", "description_en", "starts_on", "ends_on",
            "min_age", "family_friendly", "step_free", "hearing_loop", "sign_language", "easy_to_read",
            "sensory_friendly", "assistant_friendly", "ticket_method", "ticket_instructions_fi",
            "ticket_instructions_sv", "ticket_instructions_en", "ticket_phone", "ticket_email", "info_url",
            "info_url_sv", "info_url_en", "is_free", "price_fi", "price_sv", "price_en", "ticket_value",
            "quota", "sold_out", "excluded", "published", "image", "image_alt",
        ]  # fmt: skip
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description_fi": forms.Textarea(attrs={"rows": 4}),
            "price_fi": forms.Textarea(attrs={"rows": 2}),
            "price_sv": forms.Textarea(attrs={"rows": 2}),
            "price_en": forms.Textarea(attrs={"rows": 2}),
            "description_sv": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "ticket_instructions_fi": forms.Textarea(attrs={"rows": 3}),
            "ticket_instructions_sv": forms.Textarea(attrs={"rows": 3}),
            "ticket_instructions_en": forms.Textarea(attrs={"rows": 3}),
            "ticket_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "quota": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "min_age": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 99}),
            "ticket_value": forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "max": 10000, "step": "0.01"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._thumbnail: ContentFile[bytes] | None = None
        self.fields["image"].help_text = _("JPEG, PNG or WebP, at most 5 MB. It is saved anew without its metadata.")
        self.fields["image"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        # An offer imported without a Finnish name keeps it empty (shown by fallback);
        # every other offer needs its Finnish title.
        offer = self.instance
        self.fields["title_fi"].required = not (offer.external_id and (offer.title_sv or offer.title_en))

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):  # a new upload, not the picture already saved
            try:
                prepared = images.prepare(image, image.size)
            except images.ImageError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
            self._thumbnail = prepared.thumbnail
            return prepared.picture
        return image

    def save(self, commit: bool = True) -> Offer:
        offer = super().save(commit=False)
        if self._thumbnail is not None:
            offer.thumbnail = self._thumbnail  # type: ignore[assignment]
        elif not offer.image:
            offer.thumbnail = ""  # type: ignore[assignment]
        if commit:
            offer.save()
        return offer

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == Offer.Kind.COURSE and data.get("family_friendly"):
            # DESIGN §4 rule 3: children never come along to a course.
            self.add_error("family_friendly", _("Children cannot come along to a course."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        method = data.get("ticket_method")
        if method == TicketMethod.PHONE and not data.get("ticket_phone"):
            self.add_error("ticket_phone", _("Give the phone number for tickets."))
        if method == TicketMethod.EMAIL and not data.get("ticket_email"):
            self.add_error("ticket_email", _("Give the e-mail address for tickets."))
        if data.get("image") and not data.get("image_alt"):
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return data


class OccurrenceForm(forms.ModelForm):
    class Meta:
        model = Occurrence
        fields = ["starts_at", "ends_at", "place", "quota", "sold_out", "cancelled"]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "quota": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class ReserveForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "class": "number"}),
    )
    children = forms.IntegerField(
        label=_("Children coming along"),
        min_value=0,
        max_value=30,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    community_clients = forms.IntegerField(
        label=_("Clients under 16 (community card)"),
        min_value=0,
        max_value=30,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SeatsForm(forms.Form):
    seats = forms.IntegerField(
        label=_("Extra free seats"),
        min_value=1,
        max_value=MAX_EXTRA_SEATS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SearchForm(forms.Form):
    """The public catalogue's search: every field optional, bad values ignored with a message."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Area"), required=False, widget=QuickSelect)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False, widget=QuickSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False, widget=QuickSelect)
    art_form = forms.ChoiceField(label=_("Art form"), required=False, widget=QuickSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    family = forms.BooleanField(label=_("Family-friendly"), required=False)
    places = forms.BooleanField(label=_("Places left"), required=False)
    access = forms.MultipleChoiceField(
        label=_("Accessibility"),
        required=False,
        choices=ACCESSIBILITY,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_area = area
        areas = Area.objects.in_network().order_by("name").values_list("slug", "name")
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", _("All areas")), *areas]
        municipalities = Municipality.objects.filter(area__status__in=["pilot", "active"])
        if area is not None:
            del self.fields["area"]
            municipalities = municipalities.filter(area=area)
        cast(forms.ChoiceField, self.fields["municipality"]).choices = [
            ("", _("All municipalities")),
            *((m.code, str(m)) for m in municipalities.only("code", "name_fi", "name_sv").order_by("name_fi")),
        ]
        cast(forms.ChoiceField, self.fields["sector"]).choices = [("", _("All sectors")), *Sector.choices]
        cast(forms.ChoiceField, self.fields["art_form"]).choices = [("", _("All art forms")), *ArtForm.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data


def new_key() -> str:
    return uuid.uuid4().hex


def today() -> Any:
    return timezone.localdate()
