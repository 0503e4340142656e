from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.cards.forms import number_attrs
from kaiku.network.models import Sector, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.web.import_pages import UploadForm
from kaiku.web.models import Duplicates

# Occurrences offered at the door: those starting within this long before or after now.
OCCURRENCE_WINDOW = dt.timedelta(days=7)


class CheckForm(forms.Form):
    number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        widget=forms.TextInput(attrs=number_attrs(legacy=True, autofocus=True)),
    )


class RecordForm(forms.Form):
    number = forms.CharField(widget=forms.HiddenInput, max_length=40)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    children = forms.IntegerField(label=_("Children"), min_value=0, max_value=30, initial=0)
    community_clients = forms.IntegerField(label=_("Clients under 16"), min_value=0, max_value=100, initial=0)
    assistants = forms.IntegerField(label=_("Assistants or interpreters"), min_value=0, max_value=10, initial=0)
    # No queryset until load_choices() sets the venue's: a form copies its fields for each
    # instance, and copying a field with a queryset clones the queryset, which a plain
    # use (no offer, no occurrence: validated without one) does not need.
    offer: forms.ModelChoiceField[Offer] = forms.ModelChoiceField(label=_("Offer"), queryset=None, required=False)
    occurrence: forms.ModelChoiceField[Occurrence] = forms.ModelChoiceField(
        label=_("Date and time"), queryset=None, required=False
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    override_reason = forms.CharField(
        label=_("Reason to let the card in again (staff override)"), required=False, max_length=200
    )

    def __init__(self, *args: Any, venue: Site, community: bool | None = None, **kwargs: Any) -> None:
        """``community``: the checked card's kind, when known. A personal card brings children,
        a community card clients under 16: the other count stays 0 and is not shown."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("sector", venue.sector or Sector.CULTURE)
        super().__init__(*args, **kwargs)
        self.venue = venue
        if community is not None:
            self.fields["children" if community else "community_clients"].widget = forms.HiddenInput()
        if self.is_bound and not self.data.get("offer") and not self.data.get("occurrence"):
            return  # a plain use, the busy door's usual case: no choices to check (see load_choices)
        self.load_choices()

    def load_choices(self) -> None:
        """The offer and occurrence choices, for validating them or showing the form again."""
        venue = self.venue
        # The door records today's events: offers still running, occurrences of the near past and future.
        now = timezone.now()
        offers = Offer.objects.filter(venue=venue, excluded=False).exclude(ends_on__lt=timezone.localdate(now))
        offer_field, occurrence_field = self.fields["offer"], self.fields["occurrence"]
        assert isinstance(offer_field, forms.ModelChoiceField) and isinstance(occurrence_field, forms.ModelChoiceField)
        offer_field.queryset = offers
        occurrence_field.queryset = Occurrence.objects.filter(
            offer__venue=venue, starts_at__gte=now - OCCURRENCE_WINDOW, starts_at__lte=now + OCCURRENCE_WINDOW
        ).select_related("offer")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        occurrence = data.get("occurrence")
        if occurrence is not None and not data.get("offer"):
            data["offer"] = occurrence.offer
        return data


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why is this use voided?"), max_length=200)


class RejectHeldForm(forms.Form):
    reason = forms.CharField(label=_("Why is this use rejected?"), max_length=200)


class UsesUploadForm(UploadForm):
    duplicates = forms.ChoiceField(
        label=_("If a row repeats an earlier row"),
        choices=Duplicates.choices,
        required=False,
        widget=forms.RadioSelect,
        initial=Duplicates.REPORT,
    )
