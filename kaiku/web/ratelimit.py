"""Fixed-window rate limits shared by every worker and app server.

Each window is a database row incremented atomically (kaiku.web.models.RateCounter),
so two workers never both let the 121st request of a 120-per-minute limit through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from kaiku.web.clients import client_address
from kaiku.web.models import RateCounter


def _name(scope: str, ident: str, window: int) -> str:
    # Hashed: the key never holds an address or a token in the clear.
    digest = hashlib.sha256(f"{scope}\0{ident}".encode()).hexdigest()[:40]
    return f"{scope[:40]}:{digest}:{window}"


def _window(seconds: int) -> tuple[int, float]:
    now = time.time()
    return int(now // seconds), seconds - (now % seconds)


def hit(scope: str, ident: str, limit: int, seconds: int) -> tuple[bool, float]:
    """Count one event; returns (allowed, seconds until the window ends).

    The UPDATE takes the row's lock until the transaction commits, so the count read
    back is exactly this event's place in the window.
    """
    window, wait = _window(seconds)
    name = _name(scope, ident, window)
    with transaction.atomic():
        if not RateCounter.objects.filter(key=name).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    expires = timezone.now() + dt.timedelta(seconds=seconds * 2)
                    RateCounter.objects.create(key=name, count=1, expires_at=expires)
            except IntegrityError:  # another worker created it first
                RateCounter.objects.filter(key=name).update(count=F("count") + 1)
            else:
                RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
        count = RateCounter.objects.filter(key=name).values_list("count", flat=True).get()
    return count <= limit, wait


def exceeded(scope: str, ident: str, limit: int, seconds: int) -> bool:
    """Whether the current window already holds ``limit`` events (counting none)."""
    window, _wait = _window(seconds)
    count = RateCounter.objects.filter(key=_name(scope, ident, window)).values_list("count", flat=True).first()
    return (count or 0) >= limit


def refuse_guessing(request: HttpRequest, scope: str) -> None:
    """A 429 (DRF) while this client has sent too many unknown keys or tokens lately.

    Checked in the authentication class, before the secret is looked up: DRF runs
    throttles only after authentication, which an unknown secret never passes.
    """
    limit, seconds = settings.BAD_SECRET_LIMIT, settings.BAD_SECRET_WINDOW_SECONDS
    if exceeded(scope, client_address(request), limit, seconds):
        raise exceptions.Throttled(
            seconds, str(_("Too many unknown keys or tokens from this address. Try again later."))
        )


def count_bad_secret(request: HttpRequest, scope: str) -> None:
    hit(scope, client_address(request), settings.BAD_SECRET_LIMIT, settings.BAD_SECRET_WINDOW_SECONDS)
