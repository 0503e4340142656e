"""Erasure on request and the read log (issue 18, items 3 and 5)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.audit.services import actor_label_for
from kaiku.cards.models import Card, CardEvent
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.retention import reduce_card
from kaiku.web.clients import client_address
from kaiku.web.errors import CodedError


class PrivacyError(CodedError):
    MESSAGES = {
        "community_card": _("A community card holds no personal details to erase."),
        "not_registered": _("This card number was never registered: it holds no personal details."),
    }


@transaction.atomic
def erase_card(card: Card, actor: Any, *, by_holder: bool = False) -> Card:
    """Erase a card's personal details now, at the holder's request.

    What remains is the pseudonymous shell statistics need (see ``reduce_card``). An
    active card stops working: it is inactivated, so a printed or saved code is refused
    (``inactivated``) and the holder is given a new card if they want one. Erasing twice
    changes nothing the second time.
    """
    card = Card.objects.select_for_update().select_related("site__area").get(pk=card.pk)
    if card.is_community:
        raise PrivacyError("community_card")
    if card.status == Card.Status.UNREGISTERED:
        raise PrivacyError("not_registered")
    if card.details_reduced_on is not None and card.status != Card.Status.ACTIVE:
        return card
    was_active = card.status == Card.Status.ACTIVE
    if was_active:
        card.status = Card.Status.INACTIVE
        card.code_version += 1
        card.save(update_fields=["status", "code_version", "updated_at"])
        CardEvent.objects.create(card=card, kind=CardEvent.Kind.INACTIVATED, actor=None if by_holder else actor)
    reduce_card(card, timezone.localdate())
    audit.record(
        actor,
        "privacy.card_erased",
        card,
        changes={"by_holder": by_holder, "status": ["active", "inactive"] if was_active else None},
        area=card.site.area,
    )
    return card


def record_read(request: HttpRequest, what: str, *, object_id: Any = "", detail: str = "") -> None:
    """Log one read by the signed-in staff member: one INSERT, nothing read first."""
    user = request.user
    ReadEntry.objects.create(
        actor=user if user.is_authenticated else None,
        actor_label=actor_label_for(user) if user.is_authenticated else "",
        what=what,
        object_id=str(object_id)[:60],
        detail=detail[:120],
        address=client_address(request)[:64],
    )
