from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.portal.models import WellbeingAnswer


class SignInForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        help_text=_("On the front of your card, for example KK-7F3K-92QD."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("On the paper you got with your card."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autocapitalize": "characters"}),
    )


class EmailLinkForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


FACES = [
    (1, _("1: very bad")),
    (2, _("2: bad")),
    (3, _("3: okay")),
    (4, _("4: good")),
    (5, _("5: very good")),
]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class FeedbackForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How was it?"), choices=FACES, coerce=int, widget=forms.RadioSelect, required=False
    )
    with_someone = forms.ChoiceField(
        label=_("Did you go with someone?"), choices=YES_NO, widget=forms.RadioSelect, required=False
    )
    text = forms.CharField(
        label=_("Anything else you want to say? (you can leave this empty)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    not_for_venue = forms.BooleanField(
        label=_("Do not show my comment to the venue (it is used only in the statistics)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "skip" not in self.data and not data.get("score"):
            self.add_error("score", _("Choose a face from 1 to 5."))
        return data

    @property
    def went_with_someone(self) -> bool | None:
        value = self.cleaned_data.get("with_someone")
        return {"yes": True, "no": False}.get(value or "")


SCALE = [(i, str(i)) for i in range(6)]
STATEMENTS = {
    "mood": _("I have been in a good mood."),
    "energy": _("I have had energy for everyday things."),
    "belonging": _("I feel that I belong to a community."),
    "interest": _("I have had things that interest me."),
    "rest": _("I have rested well."),
}


class WellbeingForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in WellbeingAnswer.QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=STATEMENTS[name],
                choices=SCALE,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def answers(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in WellbeingAnswer.QUESTIONS}


class OccurrenceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        when = timezone.localtime(obj.starts_at).strftime("%d.%m.%Y %H:%M")
        return f"{obj.offer.title}, {when}"


class GroupVisitForm(forms.Form):
    offer = forms.ModelChoiceField(label=_("Offer"), queryset=Offer.objects.none())
    occurrence = OccurrenceChoice(
        label=_("Date of the offer (if it has dates)"), queryset=Occurrence.objects.none(), required=False
    )
    meets_at = forms.DateTimeField(
        label=_("Meeting time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )
    meeting_place = forms.CharField(label=_("Meeting place"), max_length=200)
    max_size = forms.IntegerField(label=_("Maximum number of participants"), min_value=1, initial=6)
    community_card = forms.ModelChoiceField(label=_("Community card you will use"), queryset=Card.objects.none())
    note = forms.CharField(
        label=_("Note for participants"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, site: Site, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offers = Offer.objects.filter(
            venue__area_id=site.area_id, venue__offboarded_at__isnull=True, excluded=False
        ).select_related("venue")
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.fields["offer"].label_from_instance = lambda o: f"{o.title} ({o.venue.name})"  # type: ignore[attr-defined]
        self.fields["occurrence"].queryset = (  # type: ignore[attr-defined]
            Occurrence.objects.filter(offer__in=offers, starts_at__gte=timezone.now() - dt.timedelta(hours=1))
            .select_related("offer")
            .order_by("starts_at")
        )
        self.fields["community_card"].queryset = Card.objects.filter(  # type: ignore[attr-defined]
            site=site, kind=Card.Kind.COMMUNITY, status=Card.Status.ACTIVE
        )
        self.fields["community_card"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.display_number} {c.community_label}".strip()
        )
