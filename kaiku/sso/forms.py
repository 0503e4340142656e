from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Site
from kaiku.sso.models import IdentityProvider
from kaiku.sso.services import normalise_domains

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Your work e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Never shown again. Leave empty to keep the stored secret."),
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "name",
            "area",
            "site",
            "email_domains",
            "issuer",
            "client_id",
            "trusted_for_second_factor",
            "is_active",
        ]
        help_texts = {
            "email_domains": _("The provider signs in only addresses in these domains, e.g. tampere.fi ekta.fi"),
            "issuer": _("The provider's issuer URL; Kaiku reads /.well-known/openid-configuration under it."),
            "trusted_for_second_factor": _(
                "The provider itself asks for a second factor, so Kaiku does not ask again."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["site"].required = False
        if self.instance.pk is None:
            self.fields["client_secret"].required = True
            self.fields["client_secret"].help_text = _("Never shown again after saving.")

    def clean_email_domains(self) -> str:
        domains = normalise_domains(self.cleaned_data["email_domains"])
        if not domains:
            raise forms.ValidationError(_("Give at least one e-mail domain."))
        if len(domains) > MAX_DOMAINS:
            raise forms.ValidationError(_("At most %(n)d domains.") % {"n": MAX_DOMAINS})
        bad = [d for d in domains if not _DOMAIN.match(d)]
        if bad:
            raise forms.ValidationError(_("Not a domain: %(domains)s") % {"domains": ", ".join(bad)})
        others = IdentityProvider.objects.exclude(pk=self.instance.pk)
        taken = sorted({d for p in others for d in p.domains} & set(domains))
        if taken:
            raise forms.ValidationError(
                _("Another provider already signs in %(domains)s.") % {"domains": ", ".join(taken)}
            )
        return " ".join(domains)

    def clean_issuer(self) -> str:
        issuer = str(self.cleaned_data["issuer"]).rstrip("/")
        parts = urlsplit(issuer)
        loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise forms.ValidationError(_("The issuer must be an https address."))
        if parts.query or parts.fragment:
            raise forms.ValidationError(_("The issuer has no query or fragment."))
        return issuer
