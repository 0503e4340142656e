from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kaiku.cards import numbers
from kaiku.cards.models import Gender, LegacyFormat, LifeSituation
from kaiku.cards.services import HolderDetails
from kaiku.network.models import Municipality, Site
from kaiku.reports.municipalities import official


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


NUMBER_ERRORS = {
    numbers.NumberError.MALFORMED: _("This is not a card number. Check what was typed."),
    numbers.NumberError.BAD_CHECK: _("The number has a typo: the last character does not match."),
    numbers.NumberError.MOBILE_ONLY: _(
        "X and Z mark mobile-only cards in the old register; they are not card numbers. "
        "Ask the holder to show the card on their phone."
    ),
}


def _legacy_formats_json() -> str:
    from kaiku.cards.legacy import active_formats

    return json.dumps([declared.as_json() for declared in active_formats()])


def number_attrs(*, legacy: bool = False, **extra: Any) -> dict[str, Any]:
    """Widget attributes for a card number field checked while typing (cards/cardnumber.js).

    ``legacy``: the field also takes the declared legacy formats, read when the page is
    rendered (a lazy value: the form class is made once).
    """
    if legacy:
        extra = {
            "data-legacy-formats": lazy(_legacy_formats_json, str)(),
            "data-msg-mobile-only": NUMBER_ERRORS[numbers.NumberError.MOBILE_ONLY],
            **extra,
        }
    return {
        "autocomplete": "off",
        "autocapitalize": "characters",
        "spellcheck": "false",
        "class": "number",
        "data-card-number": "",
        "data-msg-malformed": NUMBER_ERRORS[numbers.NumberError.MALFORMED],
        "data-msg-typo": NUMBER_ERRORS[numbers.NumberError.BAD_CHECK],
        **extra,
    }


def clean_optional_number(value: str) -> str:
    """An optional pre-printed number, normalised; a typo is caught before any lookup."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return numbers.normalise(value)
    except numbers.InvalidCardNumber as exc:
        raise forms.ValidationError(NUMBER_ERRORS[exc.code], code=exc.code.value) from None


class HolderDetailsForm(forms.Form):
    """Registration details (DESIGN §3). Never a name, identity code, date of birth or address."""

    birth_year = forms.IntegerField(
        label=_("Birth year"), min_value=1900, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    # A Field: RegisterForm replaces it with every official municipality.
    municipality: forms.Field = MunicipalityChoiceField(
        label=_("Home municipality"), queryset=Municipality.objects.none()
    )
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        error_messages={"invalid": _("A postal code has five digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 5}),
    )
    children = forms.IntegerField(
        label=_("Own children or grandchildren under the age limit"),
        min_value=0,
        max_value=30,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    gender = forms.ChoiceField(label=_("Gender (optional)"), choices=[("", "—"), *Gender.choices], required=False)
    life_situation = forms.ChoiceField(
        label=_("Life situation (optional)"), choices=[("", "—"), *LifeSituation.choices], required=False
    )
    survey_consent = forms.BooleanField(label=_("The holder agrees to short wellbeing surveys"), required=False)
    portal_consent = forms.BooleanField(label=_("The holder wants to use the holder portal by e-mail"), required=False)
    email = forms.EmailField(label=_("E-mail for the holder portal (optional)"), required=False)

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Municipality.objects.filter(area__status__in=["pilot", "active"]).select_related("area")
        if site.area.local_only:
            qs = qs.filter(area=site.area)
        municipality = self.fields["municipality"]
        if isinstance(municipality, forms.ModelChoiceField):  # RegisterForm lists every municipality instead
            municipality.queryset = qs.order_by("name_fi")
        birth_year = self.fields["birth_year"]
        assert isinstance(birth_year, forms.IntegerField)
        this_year = timezone.localdate().year
        birth_year.max_value = this_year
        birth_year.validators.append(MaxValueValidator(this_year))
        birth_year.widget.attrs["max"] = this_year

    def details(self) -> HolderDetails:
        d = self.cleaned_data
        return HolderDetails(
            birth_year=d["birth_year"],
            municipality=d["municipality"],
            postal_code=d["postal_code"],
            children=d["children"],
            gender=d.get("gender") or "",
            life_situation=d.get("life_situation") or "",
            portal_consent=bool(d.get("portal_consent")),
            email=(d.get("email") or "").lower(),
            survey_consent=bool(d.get("survey_consent")),
        )


class OfficialMunicipalityField(forms.ChoiceField):
    """Every Finnish municipality by its official code (kaiku.reports.municipalities).

    A municipality outside the network can be chosen: the registration is then refused
    and counted as demand (docs/reports.md).
    """


class RegisterForm(HolderDetailsForm):
    # Registration lists every municipality by its official code; the other forms that
    # share HolderDetailsForm (correction, imports) keep the network's municipalities.
    municipality = OfficialMunicipalityField(label=_("Home municipality"))
    number = forms.CharField(
        label=_("Card number on a pre-printed card (optional)"),
        required=False,
        help_text=_("Leave empty to create a new card number."),
        widget=forms.TextInput(attrs=number_attrs()),
    )
    eligibility_confirmed = forms.BooleanField(
        label=_("The client is a client of our service and in a tight financial situation"),
        error_messages={"required": _("Confirm that the client is eligible for the card.")},
    )
    field_order = ["number", "birth_year", "municipality", "postal_code", "children"]

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, site=site, **kwargs)
        network = Municipality.objects.filter(area__status__in=["pilot", "active"]).select_related("area")
        if site.area.local_only:
            # A local-only site registers its own area's residents only: nothing else to offer.
            names = {m.code: str(m) for m in network.filter(area=site.area)}
        else:
            names = {m.code: m.name for m in official().values()}
            names.update({m.code: str(m) for m in network})
        field = self.fields["municipality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))]

    def clean_municipality(self) -> Municipality:
        """The register's municipality by code, or an unsaved one (outside the network) for the service to refuse."""
        code = self.cleaned_data["municipality"]
        found = Municipality.objects.select_related("area").filter(code=code).first()
        if found is not None:
            return found
        known = official()[code]
        return Municipality(code=code, name_fi=known.name_fi, name_sv=known.name_sv)

    def clean_number(self) -> str:
        return clean_optional_number(self.cleaned_data.get("number", ""))


class CommunityCardForm(forms.Form):
    label = forms.CharField(label=_("Name for the card (e.g. 'Youth outreach team')"), max_length=120)
    number = forms.CharField(
        label=_("Card number on a pre-printed card (optional)"),
        required=False,
        widget=forms.TextInput(attrs=number_attrs()),
    )

    def clean_number(self) -> str:
        return clean_optional_number(self.cleaned_data.get("number", ""))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReplaceForm(forms.Form):
    number = forms.CharField(
        label=_("New pre-printed card number (optional)"),
        required=False,
        help_text=_("Leave empty to create a new card number."),
        widget=forms.TextInput(attrs=number_attrs()),
    )

    def clean_number(self) -> str:
        return clean_optional_number(self.cleaned_data.get("number", ""))


class StockForm(forms.Form):
    count = forms.IntegerField(label=_("How many card numbers"), min_value=1, max_value=5000, initial=100)


class LegacyFormatForm(forms.ModelForm):
    """A declared legacy number format; the rules are checked by ``legacy.save_format``."""

    class Meta:
        model = LegacyFormat
        fields = ["name", "pattern", "example", "fold_case", "ignore_spaces", "ignore_dashes", "active"]
        widgets = {
            "pattern": forms.TextInput(attrs={"class": "number", "spellcheck": "false", "autocomplete": "off"}),
            "example": forms.TextInput(attrs={"class": "number", "spellcheck": "false", "autocomplete": "off"}),
        }
