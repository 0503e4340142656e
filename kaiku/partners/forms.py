from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Site
from kaiku.partners.models import ApiKeyScope


class ApiKeyForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Partner"), queryset=Site.objects.none())
    label = forms.CharField(label=_("Label"), max_length=80, help_text=_("For example the system that uses the key."))
    scopes = forms.MultipleChoiceField(
        label=_("Allowed operations"),
        choices=ApiKeyScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(ApiKeyScope.values),
    )
    rate_limit = forms.IntegerField(label=_("Requests per minute"), min_value=1, max_value=10_000, initial=120)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]


class GrantAgencyForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Ticket agency"), queryset=Site.objects.agencies().active())
