"""Redact entries written before the audit log held no more than it must (issue 18).

A frozen copy of ``kaiku.audit.services.redact`` (migrations must not follow the code),
plus the entries whose shape changed: group visit joins now name the card, not the
visit, invitations are labelled without the invitee's address, and an offboarding's
ended roles name staff by id.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from kaiku.cards.numbers import display

EMAIL = frozenset({"email"})
FREE_TEXT = frozenset({"reason", "void_reason", "inactivation_reason", "comment", "text"})
# Free text about an organisation (why a partner left) is kept; about a card or a use it is not.
ORGANISATION_TYPES = frozenset({"network.site", "network.area"})
CARD_VALUES_KEPT = frozenset(
    {"status", "kind", "registered_on", "issued_on", "valid_until", "replaced_by", "group_visit"}
)


def _redact(object_type: str, changes: Any) -> Any:
    if not isinstance(changes, dict):
        return {}
    card = object_type == "cards.card"
    return {
        key: None
        if key in EMAIL
        or (key in FREE_TEXT and object_type not in ORGANISATION_TYPES)
        or (card and key not in CARD_VALUES_KEPT)
        else value
        for key, value in changes.items()
    }


def redact(apps: Any, schema_editor: Any) -> None:
    AuditEntry = apps.get_model("audit", "AuditEntry")
    Card = apps.get_model("cards", "Card")
    changed = []
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        before = (entry.object_type, entry.object_id, entry.object_label, entry.changes)
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        if entry.action in ("portal.group_visit_joined", "portal.group_visit_left") and entry.object_type != "cards.card":
            card = Card.objects.filter(number=str(changes.get("card", ""))).first()
            changes = {"group_visit": entry.object_id}
            entry.object_type = "cards.card"
            entry.object_id = str(card.pk) if card else ""
            entry.object_label = display(card.number) if card else ""
        if entry.object_type == "partners.invitation" and " → " in entry.object_label:
            entry.object_label = entry.object_label.split(" → ", 1)[1][:200]
        if entry.action == "partners.offboarded" and isinstance(changes.get("roles_ended"), list):
            changes = {**changes, "roles_ended": [[None, *r[1:]] for r in changes["roles_ended"] if isinstance(r, list)]}
        entry.changes = _redact(entry.object_type, changes)
        if (entry.object_type, entry.object_id, entry.object_label, entry.changes) != before:
            changed.append(entry)
        if len(changed) >= 2000:
            AuditEntry.objects.bulk_update(changed, ["object_type", "object_id", "object_label", "changes"])
            changed = []
    AuditEntry.objects.bulk_update(changed, ["object_type", "object_id", "object_label", "changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("cards", "0001_initial"),
    ]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
