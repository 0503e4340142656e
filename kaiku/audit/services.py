"""Writing the audit log. Every service that changes state calls ``record``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from kaiku.audit.models import AuditEntry
from kaiku.network.models import Area


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# What the audit log may keep (issue 18, DESIGN §6): a field is named as changed, but its
# value is kept only where it is not personal. E-mail addresses never; free text (a
# reason) only about an organisation (why a partner left); on a card, only the lifecycle fields: its holder details
# (birth year, postal code, municipality, gender, life situation, consents, children)
# are named, not recorded.
EMAIL = frozenset({"email"})
FREE_TEXT = frozenset({"reason", "void_reason", "inactivation_reason", "comment", "text"})
# Free text about an organisation (why a partner left) is kept; about a card or a use it is not.
ORGANISATION_TYPES = frozenset({"network.site", "network.area"})
CARD_VALUES_KEPT = frozenset(
    {"status", "kind", "registered_on", "issued_on", "valid_until", "replaced_by", "group_visit"}
)


def redact(object_type: str, changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` with every personal or free-text value replaced by None (the name stays)."""
    card = object_type == "cards.card"
    return {
        key: None
        if key in EMAIL
        or (key in FREE_TEXT and object_type not in ORGANISATION_TYPES)
        or (card and key not in CARD_VALUES_KEPT)
        else value
        for key, value in changes.items()
    }


def actor_label_for(user: Any) -> str:
    """How a staff member is named in the logs: by id, never by e-mail address.

    The pages show the person's current address through the ``actor`` key; when the account
    is deleted, only "user #id" is left.
    """
    return f"user #{user.pk}"


def record(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    changes: dict[str, Any] | None = None,
    area: Area | None = None,
    label: str | None = None,
) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    actor_label = actor_label_for(user) if user is not None else str(actor or "system")
    object_type = obj._meta.label_lower
    return AuditEntry.objects.create(
        actor=user,
        actor_label=actor_label[:200],
        action=action,
        object_type=object_type,
        object_id=str(obj.pk),
        object_label=(label if label is not None else str(obj))[:200],
        area=area,
        changes=redact(object_type, changes or {}),
    )
