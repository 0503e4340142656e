"""Offer workflows: saving offers and occurrences, last-minute seats, reservations.

``reserve`` and ``record_use`` (kaiku.visits.services) share one quota: both lock
the occurrence's row before counting (``taken_places``), so the quota is never
oversold on PostgreSQL; on SQLite the IMMEDIATE transaction holds the database's
write lock from its first statement, which serialises them just as well.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards.models import Card
from kaiku.offers.models import Occurrence, Offer, Reservation, party_places
from kaiku.offers.places import with_places
from kaiku.visits.models import Reason, Use
from kaiku.visits.services import card_status_reason, party_reason, taken_places
from kaiku.web.errors import CodedError

# Messages for the codes that only reservations and seat releases raise; the
# others (quota_full, sold_out, expired, ...) are the door's reason codes.
MESSAGES = {
    "reservations_off": _("This offer does not take reservations in Kaiku."),
    "started": _("The occurrence has already started."),
    "cancelled": _("The occurrence is cancelled."),
    "not_active": _("The reservation is no longer active."),
    "bad_seats": _("Give a number of seats between 1 and 500."),
}

MAX_EXTRA_SEATS = 500


class OfferError(CodedError):
    """A reservation or seat release refused: the codes above, or the door's reason codes
    (``visits.models.Reason``) with their texts."""

    MESSAGES = {**{reason.value: reason.label for reason in Reason}, **MESSAGES}


OFFER_AUDIT_FIELDS = [
    "kind", "sector", "art_form", "title_fi", "title_sv", "title_en", "starts_on", "ends_on", "min_age",
    "family_friendly", "ticket_method", "quota", "sold_out", "excluded", "published",
]  # fmt: skip
OCCURRENCE_AUDIT_FIELDS = ["starts_at", "ends_at", "place", "quota", "sold_out", "cancelled", "extra_seats"]


# --- offers and occurrences ------------------------------------------------------


@transaction.atomic
def save_offer(offer: Offer, actor: Any, before: dict[str, Any] | None = None) -> Offer:
    """Save a new or edited offer (already validated by its form) and audit it."""
    created = offer.pk is None
    offer.save()
    if offer.is_event:
        refresh_dates(offer)
    if not created:
        # A lower offer quota may fill upcoming occurrences that use it.
        for occurrence in offer.occurrences.upcoming(timezone.now()).filter(quota__isnull=True, full_hint=False):
            occurrence.offer = offer
            occurrence.note_taken(taken_places(occurrence))
    after = audit.snapshot(offer, OFFER_AUDIT_FIELDS)
    changes = after if created else audit.diff(before or {}, after)
    audit.record(
        actor, "offers.created" if created else "offers.changed", offer, changes=changes, area=offer.venue.area
    )
    return offer


@transaction.atomic
def save_occurrence(occurrence: Occurrence, actor: Any, before: dict[str, Any] | None = None) -> Occurrence:
    created = occurrence.pk is None
    occurrence.save()
    occurrence.note_taken(taken_places(occurrence))
    refresh_dates(occurrence.offer)
    after = audit.snapshot(occurrence, OCCURRENCE_AUDIT_FIELDS)
    changes = after if created else audit.diff(before or {}, after)
    action = "offers.occurrence_created" if created else "offers.occurrence_changed"
    audit.record(actor, action, occurrence, changes=changes, area=occurrence.offer.venue.area)
    return occurrence


def refresh_dates(offer: Offer) -> None:
    """Keep an event's first/last day and last-minute marker in step with its occurrences.

    The catalogue filters and sorts on these columns, so a search never has to
    aggregate occurrences of every offer.
    """
    live = offer.occurrences.filter(cancelled=False)
    fields = ["last_minute_until"]
    if offer.is_event:
        span = live.aggregate(first=Min("starts_at"), last=Max("starts_at"))
        offer.starts_on = timezone.localdate(span["first"]) if span["first"] else None
        offer.ends_on = timezone.localdate(span["last"]) if span["last"] else None
        fields += ["starts_on", "ends_on"]
    offer.last_minute_until = live.filter(extra_seats__gt=0).aggregate(last=Max("starts_at"))["last"]
    Offer.objects.filter(pk=offer.pk).update(**{name: getattr(offer, name) for name in fields})


@transaction.atomic
def release_seats(occurrence: Occurrence, seats: int, actor: Any) -> Occurrence:
    """Release last-minute seats: extra free places on top of the quota for an upcoming occurrence."""
    occurrence = _locked(occurrence)
    if occurrence.has_started():
        raise OfferError("started")
    if occurrence.cancelled:
        raise OfferError("cancelled")
    if not 1 <= seats <= MAX_EXTRA_SEATS:
        raise OfferError("bad_seats")
    occurrence.extra_seats += seats
    occurrence.extra_seats_at = timezone.now()
    occurrence.save(update_fields=["extra_seats", "extra_seats_at"])
    refresh_dates(occurrence.offer)
    audit.record(
        actor,
        "offers.seats_released",
        occurrence,
        changes={"extra_seats": [occurrence.extra_seats - seats, occurrence.extra_seats]},
        area=occurrence.offer.venue.area,
    )
    return occurrence


def places_left(occurrence: Occurrence, now: dt.datetime | None = None) -> int | None:
    """Free Kaikukortti places now, in people (None: no cap); 0 for a sold-out or cancelled date.

    ``offers.places.with_places`` is the one definition; lists annotate it directly.
    For display; a quota check holds the occurrence's row lock and counts again.
    """
    row = with_places(Occurrence.objects.filter(pk=occurrence.pk), now).values_list("places_left", flat=True)  # type: ignore[misc]
    return next(iter(row), None)


def _locked(occurrence: Occurrence) -> Occurrence:
    # of=("self",): lock only the occurrence row, not the joined offer, venue and area.
    return Occurrence.objects.select_for_update(of=("self",)).select_related("offer__venue__area").get(pk=occurrence.pk)


# --- reservations ---------------------------------------------------------------------


def reserve(
    card: Card,
    occurrence: Occurrence,
    *,
    by: Any = None,
    via: str = Reservation.Via.VENUE,
    children: int = 0,
    community_clients: int = 0,
) -> Reservation:
    """Hold places of the occurrence's quota for this card's party (the holder, children
    or community clients, within the card's limits as for a use).

    Idempotent: a card that already holds an active reservation for the
    occurrence gets that reservation back. Raises OfferError with a code.
    """
    try:
        with transaction.atomic():
            return _reserve(card, occurrence, by, via, children, community_clients)
    except IntegrityError:
        # The partial unique constraint caught a concurrent duplicate: return the winner.
        existing = Reservation.objects.active().filter(card=card, occurrence=occurrence).first()
        if existing is None:
            raise
        return existing


def _reserve(
    card: Card, occurrence: Occurrence, by: Any, via: str, children: int, community_clients: int
) -> Reservation:
    occurrence = _locked(occurrence)
    offer = occurrence.offer
    now = timezone.now()
    existing = Reservation.objects.active().filter(card=card, occurrence=occurrence).first()
    if existing is not None:
        return existing
    if not offer.takes_reservations:
        raise OfferError("reservations_off")
    if offer.excluded:
        raise OfferError(Reason.EXCLUDED)
    if occurrence.cancelled:
        raise OfferError("cancelled")
    if offer.sold_out or occurrence.sold_out:
        raise OfferError(Reason.SOLD_OUT)
    if occurrence.has_started(now):
        raise OfferError("started")
    card = Card.objects.select_related("site__area").get(pk=card.pk)
    reason = card_status_reason(card, offer.venue, timezone.localdate(occurrence.starts_at))
    if reason:
        raise OfferError(reason)
    party = party_reason(card, children, community_clients, 0, offer)
    if party:
        raise OfferError(party)
    if Use.objects.accepted().filter(card=card, occurrence=occurrence).exists():
        raise OfferError(Reason.ALREADY_USED)
    quota = occurrence.effective_quota
    if quota is not None and taken_places(occurrence, now) + party_places(children, community_clients) > quota:
        raise OfferError(Reason.QUOTA_FULL)
    reservation = Reservation.objects.create(
        card=card,
        occurrence=occurrence,
        via=via,
        children=children,
        community_clients=community_clients,
        created_by=by if getattr(by, "pk", None) else None,
    )
    occurrence.note_taken(taken_places(occurrence, now))
    audit.record(
        by, "offers.reserved", reservation, changes={"via": via, "places": reservation.places}, area=offer.venue.area
    )
    return reservation


@transaction.atomic
def cancel_reservation(reservation: Reservation, *, by: Any = None, by_holder: bool = False) -> Reservation:
    """Cancel an active reservation, freeing its place. Cancelling twice is harmless."""
    reservation = (
        Reservation.objects.select_for_update().select_related("occurrence__offer__venue__area").get(pk=reservation.pk)
    )
    if reservation.status == Reservation.Status.CANCELLED:
        return reservation
    if reservation.status != Reservation.Status.ACTIVE:
        raise OfferError("not_active")
    reservation.status = Reservation.Status.CANCELLED
    reservation.closed_at = timezone.now()
    reservation.cancelled_by_holder = by_holder
    reservation.save(update_fields=["status", "closed_at", "cancelled_by_holder"])
    audit.record(
        by,
        "offers.reservation_cancelled",
        reservation,
        changes={"by_holder": by_holder},
        area=reservation.occurrence.offer.venue.area,
    )
    return reservation


def expire_started_reservations(now: dt.datetime | None = None) -> int:
    """Mark active reservations of started occurrences as released.

    Only tidies the status: they stopped holding a place at the start already.
    """
    now = now or timezone.now()
    return (
        Reservation.objects.active()
        .filter(occurrence__starts_at__lte=now)
        .update(status=Reservation.Status.EXPIRED, closed_at=now)
    )
