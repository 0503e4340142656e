from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.door.printables import LANGUAGES

LANGUAGE_CHOICES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]

assert tuple(code for code, _label in LANGUAGE_CHOICES) == LANGUAGES


class DeviceForm(forms.Form):
    label = forms.CharField(label=_("Device name"), max_length=80, help_text=_("For example: Box office phone"))


class SheetForm(forms.Form):
    count = forms.IntegerField(label=_("Cards to print"), min_value=1, max_value=500, initial=50)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="fi")


class SlipForm(forms.Form):
    activation_code = forms.CharField(max_length=20, required=False)
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
