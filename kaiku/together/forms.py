from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.network.models import Area, Site
from kaiku.offers.models import Occurrence
from kaiku.together.models import GROUP_REQUEST_MAX_PEOPLE, MESSAGE_MAX, NEEDS_MAX, Bulletin, Language

# The date list of the request form is bounded: the coming dates of the area's venues.
DATES_SHOWN = 400


class DateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.starts_at).strftime("%d.%m.%Y %H:%M")
        return f"{obj.offer.venue.name}: {obj.offer.title}, {when}"


class GroupRequestForm(forms.Form):
    occurrence = DateChoice(label=_("Offer and date"), queryset=Occurrence.objects.none())
    community_card = forms.ModelChoiceField(
        label=_("Community card"),
        queryset=Card.objects.none(),
        required=False,
        help_text=_("For a small group: the worker and clients under 16."),
    )
    card_number = forms.CharField(
        label=_("Or the card number of the holder you accompany"), max_length=40, required=False
    )
    under_16 = forms.IntegerField(
        label=_("Clients or children under 16"), min_value=0, max_value=GROUP_REQUEST_MAX_PEOPLE, initial=0
    )
    adults = forms.IntegerField(
        label=_("Adults (16 or older), the worker or holder included"),
        min_value=1,
        max_value=GROUP_REQUEST_MAX_PEOPLE,
        initial=1,
    )
    accessibility = forms.BooleanField(label=_("Someone in the group needs accessibility"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, required=False)
    needs = forms.CharField(
        label=_("Needs (seen by your site and the venue only)"),
        max_length=NEEDS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, site: Site, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        now = timezone.now()
        dates = (
            Occurrence.objects.upcoming(now)
            .filter(
                offer__venue__area_id=site.area_id,
                offer__venue__offboarded_at__isnull=True,
                offer__excluded=False,
                starts_at__lte=now + dt.timedelta(days=366),
            )
            .select_related("offer__venue")
            .order_by("starts_at", "pk")
        )
        ids = list(dates.values_list("pk", flat=True)[:DATES_SHOWN])
        self.fields["occurrence"].queryset = dates.filter(pk__in=ids)  # type: ignore[attr-defined]
        self.fields["community_card"].queryset = Card.objects.filter(  # type: ignore[attr-defined]
            site=site, kind=Card.Kind.COMMUNITY, status=Card.Status.ACTIVE
        )
        self.fields["community_card"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.display_number} {c.community_label}".strip()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community = data.get("community_card")
        typed = (data.get("card_number") or "").strip()
        if bool(community) == bool(typed):
            raise forms.ValidationError(_("Choose a community card or type the card number of one holder."))
        if typed:
            try:
                number = numbers.normalise(typed)
            except numbers.InvalidCardNumber:
                self.add_error("card_number", _("That is not a card number."))
                return data
            card = Card.objects.filter(number=number, site=self.site, status=Card.Status.ACTIVE).first()
            if card is None:
                self.add_error("card_number", _("Choose one of this site's active cards."))
                return data
            data["card"] = card
        else:
            data["card"] = community
        return data


class ProposeForm(forms.Form):
    occurrence = DateChoice(label=_("Another date"), queryset=Occurrence.objects.none())
    message = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurrence"].queryset = (  # type: ignore[attr-defined]
            Occurrence.objects.upcoming(timezone.now())
            .filter(offer_id=request.offer_id)
            .exclude(pk=request.occurrence_id)
            .select_related("offer__venue")[:DATES_SHOWN]
        )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecordVisitForm(forms.Form):
    under_16 = forms.IntegerField(label=_("Clients or children under 16 who came"), min_value=0)
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["under_16"] = forms.IntegerField(
            label=self.fields["under_16"].label, min_value=0, max_value=request.under_16, initial=request.under_16
        )


class BulletinForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("Every area")
    )
    audience = forms.ChoiceField(label=_("To"), choices=Bulletin.Audience.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    by_email = forms.BooleanField(label=_("Also send by e-mail to the partners' staff"), required=False)

    def __init__(self, areas: list[Area], national: bool, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        field.queryset = Area.objects.filter(pk__in=[a.pk for a in areas])  # type: ignore[attr-defined]
        if not national:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
