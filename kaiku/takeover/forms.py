from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Site
from kaiku.takeover.models import PublishedYear, SiteMapping, TakeoverRun


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=TakeoverRun.Kind.choices)
    file = forms.FileField(label=_("Register export (.csv or .xlsx)"))
    commit = forms.TypedChoiceField(
        label=_("Run"),
        choices=[
            ("0", _("Dry run: check the file and show a summary")),
            ("1", _("Import: write everything or nothing")),
        ],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )


class MappingForm(forms.Form):
    mapping = forms.ModelChoiceField(queryset=SiteMapping.objects.all(), widget=forms.HiddenInput)
    site = forms.ModelChoiceField(
        label=_("Kaiku site"), queryset=Site.objects.filter(offboarded_at__isnull=True), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping, site = data.get("mapping"), data.get("site")
        if mapping is not None and site is not None and site.kind != mapping.kind:
            self.add_error("site", _("Choose a site of the same kind."))
        return data


class PublishedYearForm(forms.ModelForm):
    class Meta:
        model = PublishedYear
        fields = [
            "year",
            "registered",
            "taken_into_use",
            "adult_culture",
            "adult_education",
            "adult_science",
            "adult_sports",
            "child_culture",
            "child_education",
            "child_science",
            "child_sports",
            "total",
            "municipalities",
        ]
