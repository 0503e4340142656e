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
