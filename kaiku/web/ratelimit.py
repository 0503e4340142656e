"""Fixed-window rate limits shared by every worker and app server.

Each window is a database row incremented atomically (kaiku.web.models.RateCounter),
so two workers never both let the 121st request of a 120-per-minute limit through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.conf import settings
from django.db import connection
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

    One statement (an upsert returning the new count, on SQLite and PostgreSQL alike) is
    atomic by itself, so concurrent workers each get their own place in the window.
    """
    window, wait = _window(seconds)
    name = _name(scope, ident, window)
    q = connection.ops.quote_name
    table, key, count_ = q(RateCounter._meta.db_table), q("key"), q("count")
    expires = connection.ops.adapt_datetimefield_value(timezone.now() + dt.timedelta(seconds=seconds * 2))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {count_}, {q('expires_at')}) VALUES (%s, 1, %s) "  # noqa: S608 - fixed names
            f"ON CONFLICT ({key}) DO UPDATE SET {count_} = {table}.{count_} + 1 RETURNING {count_}",
            [name, expires],
        )
        count = int(cursor.fetchone()[0])
    if count == 1:  # the first event of a window: forget the windows that have ended
        RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return count <= limit, wait


def exceeded(scope: str, ident: str, limit: int, seconds: int) -> bool:
    """Whether the current window already holds ``limit`` events (counting none)."""
    window, _wait = _window(seconds)
    count = RateCounter.objects.filter(key=_name(scope, ident, window)).values_list("count", flat=True).first()
    return (count or 0) >= limit


def open_data_wait(request: HttpRequest) -> float | None:
    """Count one open-data request (API or CSV) from this client address: None while it is
    within ``OPEN_DATA_LIMIT`` a minute, else the seconds until the minute ends."""
    allowed, wait = hit("open-data", client_address(request), settings.OPEN_DATA_LIMIT, 60)
    return None if allowed else wait


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
