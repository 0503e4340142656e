"""Identity providers that sign staff in with OpenID Connect."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaiku.network.models import Area, Site


class IdentityProviderQuerySet(models.QuerySet["IdentityProvider"]):
    def active(self) -> IdentityProviderQuerySet:
        return self.filter(is_active=True)


class IdentityProvider(models.Model):
    """One organisation's or area's OpenID Connect provider.

    It may sign in only people whose e-mail address is in one of its domains: a
    municipality's provider must not be able to vouch for another organisation's staff.
    """

    name = models.CharField(_("name"), max_length=150)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    email_domains = models.CharField(_("e-mail domains"), max_length=500)
    issuer = models.URLField(_("issuer"), max_length=500)
    client_id = models.CharField(_("client id"), max_length=255)
    client_secret_sealed = models.TextField(editable=False, blank=True)
    trusted_for_second_factor = models.BooleanField(_("trusted for two factors"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def domains(self) -> list[str]:
        return self.email_domains.split()

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class IdentityLink(models.Model):
    """Which person at a provider (its ``sub``) signs in to which Kaiku account.

    Made at the first sign-in. Afterwards the e-mail address alone is not enough: if the
    provider gives the address to someone else, or says this person now has another
    address, the sign-in is refused until the support service removes the link.
    """

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="links")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("single sign-on link")
        verbose_name_plural = _("single sign-on links")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_link_one_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="sso_link_one_account"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.user_id}"
