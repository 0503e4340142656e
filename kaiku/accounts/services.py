"""Staff account workflows: sign-in locks (django-axes) and changing one's own password."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import User
from kaiku.audit.services import record
from kaiku.web.errors import CodedError


class AccountError(CodedError):
    MESSAGES = {
        "unknown_lock": _("That lock has already ended."),
        "not_locked": _("That lock has already ended."),
    }


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" or "address"
    value: str
    failures: int
    until: dt.datetime


def _recent() -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def current_locks() -> list[Lock]:
    """Accounts and client addresses locked now: as many failures as the limit, within a cool-off."""
    limit = settings.AXES_FAILURE_LIMIT
    locks = []
    for kind, field in (("account", "username"), ("address", "ip_address")):
        rows = (
            _recent()
            .exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
            .order_by("-last")
        )
        for row in rows[:200]:
            locks.append(Lock(kind, row[field], row["failures"], row["last"] + settings.AXES_COOLOFF_TIME))
    return locks


@transaction.atomic
def unlock(actor: User, kind: str, value: str) -> None:
    """End a lock now: forget the failures counted for that account or address."""
    field = {"account": "username", "address": "ip_address"}.get(kind)
    if field is None or not value:
        raise AccountError("unknown_lock")
    attempts = AccessAttempt.objects.filter(**{field: value})
    first = attempts.first()
    if first is None:
        raise AccountError("not_locked")
    user = User.objects.filter(email=value).first() if kind == "account" else None
    if user is not None:
        record(actor, "accounts.unlocked", user, label=f"user #{user.pk}", changes={"lock": "account"})
    else:
        label = "unknown account" if kind == "account" else "client address"
        record(actor, "accounts.unlocked", first, label=label, changes={"lock": kind})
    attempts.delete()


@transaction.atomic
def change_password(request: HttpRequest, user: User, new_password: str) -> None:
    """Set a new password; every other session of the user ends, this one stays signed in.

    Django signs a session with a hash of the password, so the others stop being valid
    the moment it changes; update_session_auth_hash re-signs the current one.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)
    record(user, "accounts.password_changed", user, label=f"user #{user.pk}")
