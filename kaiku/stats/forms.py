"""The dashboard filters: period, area, municipality, sector, art form, card kind, channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.network.models import Area, Municipality, Sector
from kaiku.offers.models import ArtForm
from kaiku.stats.queries import Filters, StatsScope
from kaiku.visits.models import Channel
from kaiku.web.widgets import QuickSelect

ALL = [("", _("All"))]
MAX_PERIOD_DAYS = 366 * 10
# No Kaikukortti use is older than the programme; a date outside these bounds is a typo
# or a probe, and a period of centuries would cost seconds of month-by-month queries.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)


def default_period() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today.replace(month=1, day=1), today


class FilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All"), widget=QuickSelect
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality of the venue"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=QuickSelect,
    )
    sector = forms.ChoiceField(
        label=_("Sector"), choices=ALL + list(Sector.choices), required=False, widget=QuickSelect
    )
    art_form = forms.ChoiceField(
        label=_("Art form"), choices=ALL + list(ArtForm.choices), required=False, widget=QuickSelect
    )
    card_kind = forms.ChoiceField(
        label=_("Card kind"), choices=ALL + list(Card.Kind.choices), required=False, widget=QuickSelect
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=ALL + list(Channel.choices), required=False, widget=QuickSelect
    )

    def __init__(self, *args: Any, scope: StatsScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        # Messages for a period the form shortened rather than refused (shown above the figures).
        self.notices: list[str] = []
        if scope.level == "national":
            self.fields["area"].queryset = Area.objects.all()  # type: ignore[attr-defined]
            self.fields["municipality"].queryset = Municipality.objects.all()  # type: ignore[attr-defined]
        elif scope.level == "area":
            del self.fields["area"]
            self.fields["municipality"].queryset = Municipality.objects.filter(area=scope.area)  # type: ignore[attr-defined]
        else:
            del self.fields["area"]
            del self.fields["municipality"]

    def _clean_date(self, name: str) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get(name)
        if value is not None and value > LATEST:
            raise forms.ValidationError(
                _("Choose a date no later than %(date)s."), code="date_too_late", params={"date": LATEST}
            )
        return value

    def clean_start(self) -> dt.date | None:
        return self._clean_date("start")

    def clean_end(self) -> dt.date | None:
        end = self._clean_date("end")
        if end is not None and end < EARLIEST:
            raise forms.ValidationError(
                _("Choose a date from %(date)s on."), code="date_too_early", params={"date": EARLIEST}
            )
        return end

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start < EARLIEST <= end:
            start = data["start"] = EARLIEST
            self.notices.append(str(_("Figures are shown from %(date)s on.") % {"date": EARLIEST}))
        if start and end and start > end:
            raise forms.ValidationError(_("The period must start before it ends."), code="period_reversed")
        if start and end and (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most ten years."), code="period_too_long")
        if start and not end:
            # A one-sided period runs to today: at most ten years of it are counted.
            until = max(timezone.localdate(), start)
            earliest = max(EARLIEST, until - dt.timedelta(days=MAX_PERIOD_DAYS))
            if start < earliest:
                data["start"] = earliest
                self.notices.append(
                    str(_("Figures are shown from %(date)s: a period covers at most ten years.") % {"date": earliest})
                )
        return data

    def filters(self) -> Filters:
        """The chosen filters, or the defaults (this year so far) when the form has errors."""
        start, end = default_period()
        if not self.is_valid():
            return Filters(start=start, end=end)
        data = self.cleaned_data
        chosen_start = data.get("start") or (data["end"].replace(month=1, day=1) if data.get("end") else start)
        return Filters(
            start=chosen_start,
            end=data.get("end") or max(end, chosen_start),
            area=data.get("area"),
            municipality=data.get("municipality"),
            sector=data.get("sector") or "",
            art_form=data.get("art_form") or "",
            card_kind=data.get("card_kind") or "",
            channel=data.get("channel") or "",
        )
