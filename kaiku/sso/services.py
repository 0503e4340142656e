"""Signing staff in through their organisation's OpenID Connect provider.

Authlib does the protocol: discovery, the authorization-code flow with PKCE (S256),
``state`` and ``nonce`` kept in the session, and the ID token's signature (the
provider's JWKS), ``iss``, ``aud`` (asked for explicitly), ``exp`` and ``nonce`` checks. This module decides
who that person is in Kaiku: an existing, active account with the same e-mail address,
which the provider says it has verified, in one of the provider's own domains. Roles
always come from Kaiku, never from the provider.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from kaiku.accounts.models import User
from kaiku.audit.services import record
from kaiku.sso.models import IdentityLink, IdentityProvider
from kaiku.sso.secretbox import seal, unseal
from kaiku.web.errors import CodedError

# Session keys: the provider of the flow under way, where to go afterwards, and whether
# the provider's sign-in counts as two factors (for the second-factor middleware).
SESSION_PROVIDER = "kaiku_sso_provider"
SESSION_NEXT = "kaiku_sso_next"
SESSION_SECOND_FACTOR = "kaiku_sso_second_factor"

SCOPE = "openid email"
TIMEOUT_SECONDS = 10

MESSAGES = {
    "no_provider": _("No organisation signs in to Kaiku with that e-mail address. Sign in with your password."),
    "no_flow": _("The sign-in was not started here or has already been used. Start again."),
    "state_mismatch": _("The sign-in was not started here or has already been used. Start again."),
    "provider_refused": _("Your organisation's sign-in service did not sign you in."),
    "provider_unreachable": _("Your organisation's sign-in service cannot be reached now. Try again later."),
    "discovery_mismatch": _("Your organisation's sign-in service is set up wrongly. Tell the Kaiku support service."),
    "wrong_audience": _("The answer from your organisation's sign-in service was meant for another service."),
    "wrong_issuer": _("The answer did not come from your organisation's sign-in service."),
    "token_expired": _("The answer from your organisation's sign-in service had expired. Start again."),
    "invalid_token": _("The answer from your organisation's sign-in service could not be verified."),
    "no_email": _("Your organisation's sign-in service did not tell your e-mail address."),
    "email_unverified": _("Your organisation's sign-in service has not verified your e-mail address."),
    "domain_not_allowed": _("Your organisation's sign-in service may not sign in this e-mail address."),
    "identity_changed": _(
        "Your organisation's sign-in service and Kaiku disagree about who you are. "
        "Ask the Kaiku support service to check your account."
    ),
    "unknown_email": _(
        "There is no Kaiku account for your e-mail address. Ask your area coordinator to invite you, "
        "then sign in again."
    ),
}


class SSOError(CodedError):
    """A sign-in through an organisation refused, with its reason code."""

    MESSAGES = MESSAGES


def normalise_domains(text: str) -> list[str]:
    """'Tampere.fi, @ekta.fi' → ['tampere.fi', 'ekta.fi'], in the order given, once each."""
    seen: list[str] = []
    for part in text.replace(",", " ").split():
        domain = part.strip().lstrip("@").lower().rstrip(".")
        if domain and domain not in seen:
            seen.append(domain)
    return seen


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(email: str) -> IdentityProvider:
    domain = _domain(email)
    for provider in IdentityProvider.objects.active():
        if domain in provider.domains:
            return provider
    raise SSOError("no_provider")


def redirect_uri() -> str:
    """The one callback URL every provider is told about (docs/deploy.md)."""
    return settings.SITE_ROOT.rstrip("/") + reverse("sso:callback")


def oidc_client(provider: IdentityProvider) -> DjangoOAuth2App:
    client = OAuth().register(
        name=f"idp{provider.pk}",
        client_id=provider.client_id,
        client_secret=unseal(provider.client_secret_sealed),
        server_metadata_url=provider.discovery_url,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )
    assert isinstance(client, DjangoOAuth2App)
    return client


def _load_metadata(client: DjangoOAuth2App, provider: IdentityProvider) -> None:
    try:
        metadata = client.load_server_metadata()
    except requests.RequestException as exc:
        raise SSOError("provider_unreachable") from exc
    except (ValueError, TypeError, AttributeError) as exc:  # not a JSON object
        raise SSOError("discovery_mismatch") from exc
    # OpenID Connect Discovery 1.0, 4.3: the issuer in the document is the one configured.
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        raise SSOError("discovery_mismatch")


def start(request: HttpRequest, provider: IdentityProvider, next_url: str = "") -> HttpResponseRedirect:
    """Send the browser to the provider; state, nonce and the PKCE verifier stay in the session."""
    client = oidc_client(provider)
    _load_metadata(client, provider)
    request.session[SESSION_PROVIDER] = provider.pk
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    request.session[SESSION_NEXT] = next_url if next_url and safe else ""
    try:
        # With the openid scope Authlib adds a nonce and keeps it with the state.
        return client.authorize_redirect(request, redirect_uri())
    except requests.RequestException as exc:
        raise SSOError("provider_unreachable") from exc
    except (RuntimeError, KeyError) as exc:  # Authlib: the discovery document lacks an endpoint
        raise SSOError("discovery_mismatch") from exc


def _token_error_code(exc: Exception) -> str:
    if isinstance(exc, MismatchingStateError):
        return "state_mismatch"
    if isinstance(exc, OAuthError):
        return "provider_refused"
    if isinstance(exc, ExpiredTokenError):
        return "token_expired"
    if isinstance(exc, ClaimError) and exc.claim == "aud":
        return "wrong_audience"
    if isinstance(exc, ClaimError) and exc.claim == "iss":
        return "wrong_issuer"
    return "invalid_token"


def complete(request: HttpRequest) -> tuple[User, IdentityProvider]:
    """The Kaiku account the provider's answer vouches for, or SSOError with a reason code.

    Refusals after the provider is known are audited with their code only: never the
    e-mail address or any token.
    """
    provider_pk = request.session.get(SESSION_PROVIDER)
    provider = IdentityProvider.objects.active().filter(pk=provider_pk).first() if provider_pk else None
    if provider is None:
        raise SSOError("no_flow")
    try:
        user = _complete(request, provider)
    except SSOError as error:
        record(None, "sso.refused", provider, changes={"code": error.code}, area=provider.area)
        raise
    finally:
        request.session.pop(SESSION_PROVIDER, None)
    record(user, "sso.signed_in", provider, area=provider.area)
    return user, provider


# Far above what providers send, low enough that nothing oversized reaches a provider.
MAX_PARAMETER_LENGTH = 4096


def _complete(request: HttpRequest, provider: IdentityProvider) -> User:
    if any(len(value) > MAX_PARAMETER_LENGTH for value in request.GET.values()):
        raise SSOError("invalid_token")
    client = oidc_client(provider)
    _load_metadata(client, provider)
    # Authlib checks ``aud`` only when told to (without this an ID token for another
    # client that names us in ``azp`` would pass); ``iss`` is the discovered issuer.
    claims_options = {
        "iss": {"essential": True, "values": [client.server_metadata["issuer"]]},
        "aud": {"essential": True, "value": provider.client_id},
    }
    try:
        token: dict[str, Any] = client.authorize_access_token(request, claims_options=claims_options)
    except requests.RequestException as exc:
        raise SSOError("provider_unreachable") from exc
    except (AuthlibBaseError, JoseError, ValueError, RuntimeError, KeyError) as exc:
        # RuntimeError/KeyError: Authlib found no token endpoint or JWKS in the discovery document.
        raise SSOError(_token_error_code(exc)) from exc
    claims = token.get("userinfo")
    if not claims:
        raise SSOError("invalid_token")
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise SSOError("no_email")
    # The claim must be the JSON value true; "true" or a missing claim is not verification.
    if claims.get("email_verified") is not True:
        raise SSOError("email_unverified")
    if _domain(email) not in provider.domains:
        raise SSOError("domain_not_allowed")
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise SSOError("unknown_email")
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise SSOError("invalid_token")
    _check_link(provider, subject, user)
    return user


def _check_link(provider: IdentityProvider, subject: str, user: User) -> None:
    """The first sign-in ties the provider's person to the account; later ones must agree."""
    with transaction.atomic():
        links = list(
            IdentityLink.objects.select_for_update().filter(provider=provider).filter(Q(subject=subject) | Q(user=user))
        )
        if any(link.subject != subject or link.user_id != user.pk for link in links):
            raise SSOError("identity_changed")
        if links:
            links[0].save(update_fields=["last_used_at"])
            return
    try:
        with transaction.atomic():
            IdentityLink.objects.create(provider=provider, subject=subject, user=user)
    except IntegrityError:
        # A simultaneous first sign-in made a link: it must be this very one.
        if not IdentityLink.objects.filter(provider=provider, subject=subject, user=user).exists():
            raise SSOError("identity_changed") from None


def after_login_url(request: HttpRequest) -> str:
    """Where the password login would go: the safe ``next`` given at the start, else LOGIN_REDIRECT_URL."""
    return request.session.pop(SESSION_NEXT, "") or resolve_url(settings.LOGIN_REDIRECT_URL)


@transaction.atomic
def save_provider(actor: User, provider: IdentityProvider, *, client_secret: str, changes: dict[str, Any]) -> None:
    """Create or update a provider; a blank secret keeps the stored one."""
    creating = provider.pk is None
    if client_secret:
        provider.client_secret_sealed = seal(client_secret)
        changes = {**changes, "client_secret": ["***", "***"]}
    provider.save()
    record(actor, "sso.provider_created" if creating else "sso.provider_changed", provider, changes=changes)
