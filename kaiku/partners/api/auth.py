"""API key authentication and per-key rate limits for the partner API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from kaiku.partners.models import ApiKey
from kaiku.partners.services import key_for_secret
from kaiku.web import ratelimit

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
WINDOW_SECONDS = 60
BAD_SECRET_SCOPE = "api-key-guess"  # noqa: S105 - a counter name


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer kk_…``. A revoked or unknown key answers 401; guessing, 429."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise exceptions.AuthenticationFailed(_("Send the key as: Authorization: Bearer <key>."))
        ratelimit.refuse_guessing(request, BAD_SECRET_SCOPE)
        key = key_for_secret(parts[1])
        if key is None:
            ratelimit.count_bad_secret(request, BAD_SECRET_SCOPE)
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if key.revoked_at is not None or key.site.offboarded_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="kaiku-partners"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "kaiku.partners.api.auth.ApiKeyAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A partner API key: kk_<prefix>_<secret>"}


class HasScope(BasePermission):
    """The key allows the view's operation (``required_scope``)."""

    message = _("This API key does not allow this operation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated()
        return key.allows(getattr(view, "required_scope", ""))


class KeyRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle keyed on the API key, at the key's own ``rate_limit`` per minute.

    DRF counts in the cache by reading a list of request times and writing it back: two
    workers that read the same list both let a request through, and the default cache is
    each process's own. So the count itself is the database counter every worker and app
    server shares (``kaiku.web.ratelimit.hit``: one atomic upsert per request, a fixed
    one-minute window); DRF supplies the key, the rate, ``Retry-After`` and the 429.
    """

    scope = "api-key"
    rate = "120/min"  # DRF's default form; each key's own ``rate_limit`` counts (allow_request)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = request.auth
        return str(key.pk) if isinstance(key, ApiKey) else None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        self.key, self.num_requests = str(key.pk), key.rate_limit
        allowed, self._wait = ratelimit.hit(self.scope, self.key, key.rate_limit, WINDOW_SECONDS)
        return allowed

    def wait(self) -> float:
        return max(self._wait, 1.0)
