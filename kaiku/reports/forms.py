from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.reports.population import MAX_BYTES


def year_choices(back: int = 6) -> list[tuple[int, str]]:
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, this_year - back, -1)]


class YearForm(forms.Form):
    """The year a report shows; anything else falls back to the default (a bounded filter)."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())

    def __init__(self, data: Any = None, *, default: int | None = None) -> None:
        super().__init__(data or None)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = year_choices()
        self.default = default or timezone.localdate().year
        field.initial = self.default

    @property
    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid():
            return int(self.cleaned_data["year"])
        return self.default


class PopulationUploadForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year of the figures"), coerce=int, choices=())
    file = forms.FileField(
        label=_("CSV file from Statistics Finland"),
        help_text=_("A CSV export of a StatFin table, e.g. 11ra, with a population column for the year. At most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)
        this_year = timezone.localdate().year
        field.choices = [(y, str(y)) for y in range(this_year, 1999, -1)]
        field.initial = this_year - 1

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."), code="too_large")
        data: bytes = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."), code="too_large")
        return data
