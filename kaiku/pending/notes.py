"""The register's writes for the statistics: one ``PendingStat`` row per change, in the caller's transaction.

Called by ``kaiku.cards.services`` and ``kaiku.visits.services``; read (and emptied) by
``kaiku.stats.intake``. One short insert on the use path, whatever the statistics keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kaiku.pending.models import PendingStat

# Only these card events are counted (registrations and renewals); others need no row.
COUNTED_CARD_EVENTS = frozenset({"registered", "renewed"})


def uses_recorded(uses: Iterable[Any]) -> None:
    PendingStat.objects.bulk_create([PendingStat(kind=PendingStat.Kind.USE, ref=use.pk) for use in uses])


def use_voided(use: Any) -> None:
    PendingStat.objects.create(kind=PendingStat.Kind.VOID, ref=use.pk)


def card_event(event: Any) -> None:
    if event.kind in COUNTED_CARD_EVENTS:
        PendingStat.objects.create(kind=PendingStat.Kind.CARD_EVENT, ref=event.pk)
