from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Site
from kaiku.outreach.models import WorkerTip
from kaiku.outreach.services import TipChoice, tip_choices

LANGUAGE_CHOICES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]
FIRST_YEAR = 2020


def _label(choice: TipChoice) -> str:
    offer = choice.offer
    if choice.occurrence is not None:
        when = date_format(timezone.localtime(choice.occurrence.starts_at), "SHORT_DATETIME_FORMAT")
        return f"{when} · {offer.title} · {offer.venue.name}"
    return f"{offer.title} · {offer.venue.name}"


class TipForm(forms.Form):
    what = forms.ChoiceField(label=_("Offer or date"))
    delivery = forms.ChoiceField(
        label=_("How the holder gets the tip"),
        choices=WorkerTip.Delivery.choices,
        widget=forms.RadioSelect,
        initial=WorkerTip.Delivery.PRINT,
    )
    language = forms.ChoiceField(label=_("Language of the slip"), choices=LANGUAGE_CHOICES)

    def __init__(self, site: Site, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tip_choices = {c.key: c for c in tip_choices(site)}
        what = self.fields["what"]
        assert isinstance(what, forms.ChoiceField)
        what.choices = [("", "—")] + [(key, _label(c)) for key, c in self.tip_choices.items()]

    @property
    def choice(self) -> TipChoice:
        return self.tip_choices[self.cleaned_data["what"]]


class WhatsOnForm(forms.Form):
    lang = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)
    large = forms.BooleanField(label=_("Large type"), required=False)

    def language(self, default: str) -> str:
        return self.cleaned_data.get("lang") or default


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False)

    def clean_year(self) -> int:
        year = self.cleaned_data.get("year")
        this_year = timezone.localdate().year
        if year is None:
            return this_year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": this_year}
            )
        return int(year)

    def years(self) -> list[int]:
        return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))
