"""Staff sign-in guessing limits: django-axes configured for Kaiku (docs/security.md).

django-axes counts wrong passwords per account and per client address (the address
from kaiku.web.clients) at /accounts/login/ and /django-admin/login/ alike, because it
sits in the authentication backends. This module gives it Kaiku's pieces: the typed
e-mail address as the account key, a log label without personal data, the lock page,
and the audit entry when a lock begins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kaiku.accounts.models import User
from kaiku.audit.services import record
from kaiku.web.clients import UNKNOWN, client_address


def typed_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address as the sign-in form normalises it, so case does not split the count."""
    raw = (credentials or {}).get("username") or (request.POST.get("username") if request.method == "POST" else None)
    return str(raw).strip().lower()[:254] if raw else None


def log_label(username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest) -> str:
    """What django-axes writes to the log: where, never who (no e-mail, no address)."""
    return f"sign-in at {path_info[:100]}"


def locked_until(now: dt.datetime | None = None) -> dt.datetime:
    # Every try during a lock restarts it (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT),
    # so the lock that refused this request ends a full cool-off from now.
    return (now or timezone.now()) + settings.AXES_COOLOFF_TIME


def locked_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"until": timezone.localtime(locked_until()), "minutes": minutes}
    response = render(request, "accounts/locked.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@receiver(user_locked_out)
def audit_lock(sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any) -> None:
    """One audit entry when a lock begins (not again for each try while locked)."""
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    user = User.objects.filter(email=username).first() if username else None
    if user is not None:
        record(None, "accounts.locked", user, label=f"user #{user.pk}", changes={"reason": "failed_sign_ins"})
        return
    attempt = AccessAttempt.objects.filter(ip_address=ip_address).order_by("-attempt_time").first()
    if attempt is not None:
        record(None, "accounts.locked", attempt, label="unknown account", changes={"reason": "failed_sign_ins"})


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, skipped when authenticate() is called without a request.

    Every sign-in over the web passes its request (Django's login views and admin do);
    only code such as the test client's ``login()`` does not, and it has no client to
    count. django-axes itself would refuse those calls outright.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """kaiku.web.clients.client_address for django-axes, which stores it as an IP address:
    None when no address is known (a request made in code, such as force_login's)."""
    address = client_address(request)
    return None if address == UNKNOWN else address
