import ipaddress
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).lower()


class UnlockForm(forms.Form):
    kind = forms.ChoiceField(choices=[("account", _("Account")), ("address", _("Client address"))])
    value = forms.CharField(max_length=254)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "address" and data.get("value"):
            try:
                data["value"] = str(ipaddress.ip_address(data["value"]))
            except ValueError:
                self.add_error("value", _("Enter a valid IP address."))
        return data
