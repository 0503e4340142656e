"""Recording a use: the one service every channel goes through (DESIGN §4).

``record_use`` checks a card against the rules, stores the attempt (accepted or
refused, with a stable reason code) and returns the outcome. The same
idempotency key at the same venue always returns the first result, so a device
or partner may resend as often as it likes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.scopes import scope_for
from kaiku.audit import services as audit
from kaiku.cards import legacy, numbers
from kaiku.cards.models import Card
from kaiku.network.models import NationalSettings, Site
from kaiku.offers.models import Occurrence, Offer, Reservation, party_places
from kaiku.offers.places import with_places
from kaiku.pending import notes as pending
from kaiku.visits.models import Channel, HeldUse, Reason, Use
from kaiku.web.errors import CodedError

# An entry typed in later than this after the use happened is flagged as late.
LATE_AFTER = dt.timedelta(hours=24)
# How long whoever recorded a use (staff at the desk, a door device, a partner's API key)
# may undo it themselves; afterwards only the venue admin voids it, with a reason.
UNDO_WINDOW = dt.timedelta(minutes=2)


class UseError(CodedError):
    """A use could not even be attempted (bad request, not a rule refusal); its message is the code."""


@dataclass
class UseRequest:
    venue: Site
    number: str
    channel: str
    idempotency_key: str
    recorded_by: Any = None
    recorded_via: str = ""
    children: int = 0
    community_clients: int = 0
    assistants: int = 0
    offer: Offer | None = None
    occurrence: Occurrence | None = None
    sector: str = ""
    scanned_at: dt.datetime | None = None
    override_reason: str = ""
    # True when the device already let the person in (offline); a refusal is then
    # stored as a forced use with its reason instead of as a refused attempt.
    accepted_offline: bool = False


@dataclass
class CardCheck:
    """What the door may know about a card: never who holds it."""

    reason: str | None
    card: Card | None = None
    kind: str = ""
    children_allowed: int = 0
    community_group_max: int = 0
    valid_until: dt.date | None = None
    # Where to renew: the public name of the distributor site that registered an
    # expired or inactivated card (a site's name is not holder data).
    renew_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.reason is None


@dataclass
class UseResult:
    use: Use
    created: bool

    @property
    def accepted(self) -> bool:
        return self.use.accepted

    @property
    def reason(self) -> str:
        return self.use.reason


@dataclass
class VenueOffers:
    """A venue's offers and occurrences by id, read once for a request or a batch.

    An id of another venue's offer or date, or of one that no longer exists, is not found.
    """

    venue: Site
    offers: dict[int, Offer] = field(default_factory=dict)
    occurrences: dict[int, Occurrence] = field(default_factory=dict)

    @classmethod
    def load(cls, venue: Site, offer_ids: set[Any], occurrence_ids: set[Any]) -> VenueOffers:
        # Only ids a primary key can hold: a larger number names nothing (and SQLite refuses it).
        offer_ids = {i for i in offer_ids if type(i) is int and 0 < i < 2**63}
        occurrence_ids = {i for i in occurrence_ids if type(i) is int and 0 < i < 2**63}
        occurrences = (
            Occurrence.objects.filter(pk__in=occurrence_ids, offer__venue=venue).select_related("offer")
            if occurrence_ids
            else []
        )
        offers = Offer.objects.filter(pk__in=offer_ids, venue=venue) if offer_ids else []
        return cls(venue, {o.pk: o for o in offers}, {o.pk: o for o in occurrences})

    def offer(self, offer_id: int | None) -> Offer | None:
        return self.offers.get(offer_id) if offer_id else None

    def occurrence(self, occurrence_id: int | None) -> Occurrence | None:
        return self.occurrences.get(occurrence_id) if occurrence_id else None


def use_request(
    venue: Site,
    data: Mapping[str, Any],
    *,
    channel: str,
    recorded_by: Any = None,
    recorded_via: str = "",
    offers: VenueOffers | None = None,
) -> UseRequest:
    """The one way a channel's input becomes a ``UseRequest``: the venue desk's form, the
    door's sync, the partner API and the spreadsheet import all call this.

    ``data`` is the channel's validated input: ``number`` and ``idempotency_key``, and
    where the channel has them ``children``, ``community_clients``, ``assistants``,
    ``sector``, ``scanned_at``, ``override_reason``, ``offline`` (the device already let
    the person in) and ``offer`` and ``occurrence``, as instances or as ids. An id names
    this venue's offer or date only (``offers``, read here when not given): another
    venue's, or one deleted since, is left out. An occurrence brings its offer.
    """

    def resolve(value: Any, find: Any) -> Any:
        if value is None or isinstance(value, Offer | Occurrence):
            return value
        return find(value)

    if offers is None and any(type(data.get(name)) is int for name in ("offer", "occurrence")):
        offers = VenueOffers.load(venue, {data.get("offer")}, {data.get("occurrence")})
    known = offers or VenueOffers(venue)
    occurrence = resolve(data.get("occurrence"), known.occurrence)
    offer = occurrence.offer if occurrence is not None else resolve(data.get("offer"), known.offer)
    return UseRequest(
        venue=venue,
        number=str(data.get("number") or ""),
        channel=channel,
        idempotency_key=str(data.get("idempotency_key") or ""),
        recorded_by=recorded_by,
        recorded_via=recorded_via,
        children=data.get("children") or 0,
        community_clients=data.get("community_clients") or 0,
        assistants=data.get("assistants") or 0,
        offer=offer,
        occurrence=occurrence,
        sector=data.get("sector") or "",
        scanned_at=data.get("scanned_at"),
        override_reason=data.get("override_reason") or "",
        accepted_offline=bool(data.get("offline")),
    )


# What the rules and the door's answer read of a card (never the holder's details): loading
# only these columns took a quarter off finding the card (issue 21). Another field read
# later is loaded by a query of its own, so the record paths' query budgets catch one.
CARD_RULE_FIELDS = (
    "number",
    "kind",
    "status",
    "issued_on",
    "valid_until",
    "children",
    "code_version",
    "site",
    "site__name",
    "site__area",
    "site__area__local_only",
)


def find_card(text: str) -> tuple[Card | None, str | None, str]:
    """(card, reason, normalised number) for typed or scanned text."""
    try:
        number = legacy.parse_any(text).canonical
    except numbers.InvalidCardNumber as exc:
        return None, str(exc.code.value), ""
    card = next(iter(Card.objects.select_related("site__area").only(*CARD_RULE_FIELDS).filter(number=number)), None)
    if card is None:
        return None, Reason.UNKNOWN_NUMBER, number
    return card, None, number


def card_status_reason(card: Card, venue: Site, day: dt.date) -> str | None:
    """Rules 2, 5 and 8: status, validity dates and local-only scope."""
    if card.status == Card.Status.UNREGISTERED:
        return Reason.NOT_REGISTERED
    if card.status == Card.Status.REPLACED:
        return Reason.REPLACED
    if card.status == Card.Status.INACTIVE:
        return Reason.INACTIVATED
    if card.valid_until is None or day > card.valid_until:
        return Reason.EXPIRED
    if card.issued_on and day < card.issued_on:
        return Reason.NOT_YET_VALID
    card_area = card.site.area
    if card_area.local_only and venue.area_id != card_area.pk:
        return Reason.WRONG_AREA
    if venue.area.local_only and card_area.pk != venue.area_id:
        return Reason.WRONG_AREA
    return None


def check_card(text: str, venue: Site, day: dt.date | None = None) -> CardCheck:
    """Is this card valid at this venue today? For the door's first answer."""
    day = day or timezone.localdate()
    card, reason, _number = find_card(text)
    if card is None:
        return CardCheck(reason=reason)
    rules = NationalSettings.get()
    reason = Reason.VENUE_CLOSED if venue.offboarded_at is not None else card_status_reason(card, venue, day)
    return CardCheck(
        reason=reason,
        card=card,
        kind=card.kind,
        children_allowed=0 if card.is_community else card.children,
        community_group_max=rules.community_group_max if card.is_community else 0,
        valid_until=card.valid_until,
        renew_at=card.site.name if reason in (Reason.EXPIRED, Reason.INACTIVATED) else "",
    )


# A check followed by a record of the same card at the same venue within this long is
# one attempt: a refused check is kept once, and a record refused for the same reason
# answers with that attempt instead of storing a second one.
CHECK_WINDOW = dt.timedelta(minutes=10)
CHECK_KEY_PREFIX = "check:"


def check_and_keep(
    text: str,
    venue: Site,
    *,
    channel: str,
    recorded_by: Any = None,
    recorded_via: str = "",
    at: dt.datetime | None = None,
) -> CardCheck:
    """``check_card`` for an online check (the desk, the door), keeping a refusal as an attempt."""
    at = at or timezone.now()
    check = check_card(text, venue, timezone.localdate(at))
    if not check.valid:
        _number = find_card(text)[2] if check.card is None else ""
        keep_refused_check(
            venue, check.card, _number or text, str(check.reason), channel, recorded_by, recorded_via, at
        )
    return check


def keep_refused_check(
    venue: Site,
    card: Card | None,
    typed: str,
    reason: str,
    channel: str,
    recorded_by: Any = None,
    recorded_via: str = "",
    at: dt.datetime | None = None,
) -> Use:
    """Store a refused check once: the same card (or typed text) checked again at the same
    venue within ``CHECK_WINDOW`` answers with the attempt already kept."""
    at = at or timezone.now()
    typed = "" if card is not None else typed[:40]
    with transaction.atomic():
        earlier = _recent_check(venue, card, typed, at)
        if earlier is not None and earlier.reason == reason[:40]:
            return earlier
        use = Use(
            card=card,
            typed_number=typed,
            venue=venue,
            outcome=Use.Outcome.REFUSED,
            reason=reason[:40],
            adults=1,
            sector=venue.sector or "culture",
            channel=channel,
            scanned_at=at,
            used_on=timezone.localdate(at),
            idempotency_key=f"{CHECK_KEY_PREFIX}{uuid.uuid4().hex}",
            recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            recorded_via=recorded_via[:120],
        )
        use.save(force_insert=True)
        after_use_recorded(use)
        return use


def _recent_check(venue: Site, card: Card | None, typed: str, at: dt.datetime) -> Use | None:
    """A refused check of this card (or typed text) at this venue within ``CHECK_WINDOW``."""
    same = Q(card=card) if card is not None else Q(card__isnull=True, typed_number=typed)
    return (
        Use.objects.filter(
            same,
            venue=venue,
            outcome=Use.Outcome.REFUSED,
            idempotency_key__startswith=CHECK_KEY_PREFIX,
            scanned_at__gte=at - CHECK_WINDOW,
            scanned_at__lte=at + CHECK_WINDOW,
        )
        .order_by("-scanned_at")
        .first()
    )


def party_reason(card: Card, children: int, community_clients: int, assistants: int, offer: Offer | None) -> str | None:
    """Rules 3 and 4: who may come along (a use, and a reservation's party alike)."""
    if min(children, community_clients, assistants) < 0 or assistants > 10:
        return Reason.BAD_COUNTS
    if card.is_community:
        if children:
            return Reason.TOO_MANY_CHILDREN
        if community_clients > NationalSettings.get().community_group_max:
            return Reason.COMMUNITY_GROUP_TOO_LARGE
        return None
    if community_clients:
        return Reason.COMMUNITY_CLIENTS_PERSONAL
    if children and offer is not None and offer.is_course:
        return Reason.CHILDREN_NOT_ALLOWED_COURSE
    if children > card.children:
        return Reason.TOO_MANY_CHILDREN
    return None


def _party_reason(card: Card, req: UseRequest, offer: Offer | None) -> str | None:
    return party_reason(card, req.children, req.community_clients, req.assistants, offer)


def _closed_reason(req: UseRequest, offer: Offer, occurrence: Occurrence | None) -> str | None:
    """Rule 6 before any counting: another venue's offer, excluded, cancelled, sold out."""
    if offer.venue_id != req.venue.pk:
        return Reason.OFFER_ELSEWHERE
    if offer.excluded:
        return Reason.EXCLUDED
    if occurrence is not None and occurrence.cancelled:
        return Reason.CANCELLED
    if offer.sold_out or (occurrence is not None and occurrence.sold_out):
        return Reason.SOLD_OUT
    return None


def _offer_reason(
    card: Card, req: UseRequest, offer: Offer | None, occurrence: Occurrence | None, now: dt.datetime
) -> str | None:
    """Rules 6 and 7: sold out, excluded, quota (in people), same card twice."""
    if offer is None:
        return None
    closed = _closed_reason(req, offer, occurrence)
    if closed:
        return closed
    if occurrence is not None:
        already = Use.objects.accepted().filter(card=card, occurrence=occurrence).exists()
        if already and not req.override_reason.strip():
            return Reason.ALREADY_USED
        quota = occurrence.effective_quota
        if quota is not None:
            need = party_places(req.children, req.community_clients) - _covered_places(card, occurrence, now)
            if need > 0 and taken_places(occurrence, now) + need > quota:
                return Reason.QUOTA_FULL
    return None


def _covered_places(card: Card, occurrence: Occurrence, now: dt.datetime) -> int:
    """Places already held for this card: its reservation's party, or what its group visit still holds."""
    if occurrence.starts_at <= now:
        return 0
    reservation = Reservation.objects.active().filter(card=card, occurrence=occurrence).first()
    if reservation is not None:
        return reservation.places
    request = _group_requests(occurrence).filter(card=card).first()
    if request is not None:
        return request.held_places
    group = _group_of(card, occurrence)
    return group.held_places if group is not None else 0


def _group_requests(occurrence: Occurrence | Any) -> Any:
    """Accepted group requests holding places at these occurrences (``together``): the card
    that comes is the request's card, and its use takes the places the request held."""
    from kaiku.together.models import GroupRequest

    held = GroupRequest.objects.filter(status=GroupRequest.Status.ACCEPTED, held_places__gt=0)
    if isinstance(occurrence, Occurrence):
        return held.filter(occurrence=occurrence)
    return held.filter(occurrence_id__in=occurrence)


def _request_visited(use: Use, card: Card, occurrence: Occurrence) -> int:
    from kaiku.together.models import GroupRequest

    return GroupRequest.objects.filter(card=card, occurrence=occurrence, status=GroupRequest.Status.ACCEPTED).update(
        status=GroupRequest.Status.VISITED, held_places=0, use=use
    )


def _group_of(card: Card, occurrence: Occurrence) -> Any:
    """The open group visit to this occurrence that the card belongs to (participant or its community card)."""
    from kaiku.portal.models import GroupVisit

    return (
        GroupVisit.objects.filter(occurrence=occurrence, cancelled_at__isnull=True, held_places__gt=0)
        .filter(Q(community_card=card) | Q(participants__card=card))
        .order_by("pk")
        .first()
    )


def taken_places(occurrence: Occurrence, now: dt.datetime | None = None) -> int:
    """Quota places taken at an occurrence, in people (``offers.places.with_places``).

    Callers that compare this with the quota must hold the occurrence's row lock.
    """
    # The annotations of with_places are unknown to the django-stubs plugin.
    row = with_places(Occurrence.objects.filter(pk=occurrence.pk), now).values_list("places_taken", flat=True)  # type: ignore[misc]
    return int(next(iter(row), 0) or 0)


def _resolve_offer(req: UseRequest) -> tuple[Offer | None, Occurrence | None]:
    """The offer and, locked for the quota count, its occurrence."""
    occurrence = None
    offer = req.offer
    if req.occurrence is not None:
        # The row lock serialises quota checks on PostgreSQL; on SQLite the
        # IMMEDIATE transaction already holds the database's write lock.
        occurrence = Occurrence.objects.select_for_update().select_related("offer").get(pk=req.occurrence.pk)
        offer = occurrence.offer
    return offer, occurrence


def record_use(req: UseRequest) -> UseResult:
    key = (req.idempotency_key or "").strip()[:80]
    if not key:
        raise UseError("idempotency_key_required")
    # No look-up before recording: a resent key is rare, and the unique constraint
    # on (venue, idempotency_key) catches it, rolling back everything this attempt
    # wrote. Skipping the look-up saves a query on every first attempt.
    try:
        with transaction.atomic():
            return _record(req, key)
    except IntegrityError:
        # The key was recorded before (or by a concurrent request): return that result.
        existing = _existing(req.venue, key)
        if existing is None:
            raise
        return UseResult(existing, created=False)


def _existing(venue: Site, key: str) -> Use | None:
    """The use already recorded with this idempotency key at this venue."""
    return next(iter(Use.objects.filter(venue=venue, idempotency_key=key)[:1]), None)


def _record(req: UseRequest, key: str) -> UseResult:
    now = timezone.now()
    scanned_at = req.scanned_at or now
    day = timezone.localdate(scanned_at)
    card, reason, number = find_card(req.number)
    offer, occurrence = _resolve_offer(req)
    reason, accepted, forced = _judge(
        req, card, reason, offer, day, lambda card: _offer_reason(card, req, offer, occurrence, now)
    )
    if not accepted:
        # Checked and refused a moment ago for the same reason: one attempt, not two.
        earlier = _recent_check(req.venue, card, "" if card is not None else (number or req.number)[:40], scanned_at)
        if earlier is not None and earlier.reason == reason:
            # Nothing is inserted here, so the unique key cannot answer a resent request:
            # a key recorded before (accepted, then the card changed) keeps its first result.
            first = _existing(req.venue, key)
            return UseResult(first or earlier, created=False)
    use = _use_for(req, key, card, number, offer, occurrence, reason, accepted, forced, now)
    use.save(force_insert=True)
    if accepted and card is not None and occurrence is not None:
        _places_now_used(use, card, occurrence, now)
    after_use_recorded(use)
    return UseResult(use, created=True)


def _judge(
    req: UseRequest,
    card: Card | None,
    reason: str | None,
    offer: Offer | None,
    day: dt.date,
    offer_reason: Callable[[Card], str | None],
) -> tuple[str | None, bool, bool]:
    """The register's verdict on one use: (reason refused or None, accepted, forced). The
    rules run in order, the offer's last (``offer_reason``: one use's or a batch's quota count)."""
    if req.venue.offboarded_at is not None:
        reason = Reason.VENUE_CLOSED
    if card is not None and reason is None:
        reason = card_status_reason(card, req.venue, day) or _party_reason(card, req, offer) or offer_reason(card)
    if reason is not None and req.accepted_offline and card is not None:
        # The person was let in offline: keep the use, flag it, never drop it.
        return reason, True, True
    return reason, reason is None, False


def _places_now_used(use: Use, card: Card, occurrence: Occurrence, now: dt.datetime) -> None:
    """The card's reservation or accepted group request becomes this use, or its group visit holds fewer places."""
    closed = (
        Reservation.objects.active()
        .filter(card=card, occurrence=occurrence)
        .update(status=Reservation.Status.USED, use=use, closed_at=now)
    ) or _request_visited(use, card, occurrence)
    if not closed and occurrence.starts_at > now:
        group = _group_of(card, occurrence)
        if group is not None:
            people = use.adults + use.children + use.community_clients
            type(group).objects.filter(pk=group.pk).update(held_places=max(group.held_places - people, 0))
    occurrence.note_taken(taken_places(occurrence, now))


def record_uses(requests: list[UseRequest]) -> list[UseResult]:
    """Record a batch of uses with the same results as ``record_use`` on each in order.

    A handful of queries for the whole batch: the cards, the occurrences (locked, then
    counted once each and tracked in memory), one bulk insert of the uses and the batch
    form of the statistics writes. Keys are not looked up first: a key recorded before,
    concurrently or twice in the batch fails the unique constraint, the batch's writes
    roll back to its savepoint, and ``record_use`` one by one answers each request,
    a resent one with its stored result.
    """
    if not requests:
        return []
    keys = [(req.idempotency_key or "").strip()[:80] for req in requests]
    if not all(keys):
        raise UseError("idempotency_key_required")
    try:
        with transaction.atomic():
            return _record_batch(requests, keys)
    except IntegrityError:
        return [record_use(req) for req in requests]


@dataclass
class _OccurrenceState:
    """What the batch knows about one locked occurrence, kept current in memory.

    ``taken`` starts from ``taken_places`` (the one count) and follows each use the
    batch records: its people, less the places its reservation or group visit held.
    """

    occurrence: Occurrence
    taken: int = 0
    used_cards: set[int] = field(default_factory=set)
    reserved: dict[int, int] = field(default_factory=dict)  # card id → places its reservation or group request holds
    group_of: dict[int, int] = field(default_factory=dict)  # card id → open group visit id


def _lock_occurrences(ids: set[int], now: dt.datetime) -> tuple[dict[int, _OccurrenceState], dict[int, int]]:
    """The batch's occurrences, locked in a fixed order, with their places counted once;
    and the places each of their open group visits still holds, by visit id."""
    from kaiku.portal.models import GroupVisit, GroupVisitParticipant

    if not ids:
        return {}, {}
    locked = Occurrence.objects.select_for_update().select_related("offer").filter(pk__in=ids).order_by("pk")
    states = {occurrence.pk: _OccurrenceState(occurrence) for occurrence in locked}
    missing = ids - states.keys()
    if missing:
        raise Occurrence.DoesNotExist(f"Occurrence {min(missing)} does not exist")
    counted = with_places(Occurrence.objects.filter(pk__in=ids), now)
    for pk, taken in counted.values_list("pk", "places_taken"):  # type: ignore[misc]
        states[pk].taken = int(taken or 0)
    for occurrence_id, card_id in (
        Use.objects.accepted().filter(occurrence_id__in=ids, card__isnull=False).values_list("occurrence_id", "card_id")
    ):
        states[occurrence_id].used_cards.add(card_id)
    for reservation in Reservation.objects.active().filter(occurrence_id__in=ids, occurrence__starts_at__gt=now):
        states[reservation.occurrence_id].reserved[reservation.card_id] = reservation.places
    for occurrence_id, card_id, places in (
        _group_requests(ids)
        .filter(occurrence__starts_at__gt=now)
        .values_list("occurrence_id", "card_id", "held_places")
    ):
        states[occurrence_id].reserved.setdefault(card_id, places)
    held: dict[int, int] = {}
    visit_dates: dict[int, int] = {}
    groups = GroupVisit.objects.filter(
        occurrence_id__in=ids, occurrence__starts_at__gt=now, cancelled_at__isnull=True, held_places__gt=0
    ).order_by("-pk")
    for visit_id, occurrence_id, card_id, places in groups.values_list(
        "pk", "occurrence_id", "community_card_id", "held_places"
    ):
        held[visit_id] = places
        visit_dates[visit_id] = occurrence_id
        states[occurrence_id].group_of[card_id] = visit_id
    for visit_id, card_id in (
        GroupVisitParticipant.objects.filter(group_visit_id__in=held)
        .order_by("-group_visit_id")
        .values_list("group_visit_id", "card_id")
    ):
        states[visit_dates[visit_id]].group_of[card_id] = visit_id
    return states, held


def _record_batch(requests: list[UseRequest], keys: list[str]) -> list[UseResult]:
    now = timezone.now()
    normalised: list[tuple[str, str | None]] = []
    for req in requests:
        try:
            normalised.append((legacy.parse_any(req.number).canonical, None))
        except numbers.InvalidCardNumber as exc:
            normalised.append(("", str(exc.code.value)))
    wanted = {number for number, error in normalised if error is None}
    cards = {card.number: card for card in Card.objects.select_related("site__area").filter(number__in=wanted)}
    states, held = _lock_occurrences({req.occurrence.pk for req in requests if req.occurrence is not None}, now)

    results: list[UseResult] = []
    new: list[Use] = []
    reservations: list[tuple[Use, Card, Occurrence]] = []
    for req, key, (number, error) in zip(requests, keys, normalised, strict=True):
        card = cards.get(number) if error is None else None
        reason = error if error is not None else (Reason.UNKNOWN_NUMBER if card is None else None)
        state = states[req.occurrence.pk] if req.occurrence is not None else None
        occurrence = state.occurrence if state is not None else None
        offer = occurrence.offer if occurrence is not None else req.offer
        day = timezone.localdate(req.scanned_at or now)
        batch_reason = partial(_batch_offer_reason, req=req, offer=offer, state=state, held=held)
        reason, accepted, forced = _judge(req, card, reason, offer, day, batch_reason)
        use = _use_for(req, key, card, number, offer, occurrence, reason, accepted, forced, now)
        if accepted and card is not None and state is not None:
            people = use.adults + use.children + use.community_clients
            state.used_cards.add(card.pk)
            reserved = state.reserved.pop(card.pk, None)
            visit_id = state.group_of.get(card.pk)
            if reserved is not None:
                state.taken += people - reserved
                reservations.append((use, card, state.occurrence))
            elif visit_id is not None and held.get(visit_id, 0) > 0:
                covered = min(held[visit_id], people)
                held[visit_id] -= covered
                state.taken += people - covered
            else:
                state.taken += people
        new.append(use)
        results.append(UseResult(use, created=True))
    Use.objects.bulk_create(new)
    for use, card, occurrence in reservations:
        if (
            not Reservation.objects.active()
            .filter(card=card, occurrence=occurrence)
            .update(status=Reservation.Status.USED, use=use, closed_at=now)
        ):
            _request_visited(use, card, occurrence)
    if held:
        from kaiku.portal.models import GroupVisit

        for visit_id, places in held.items():
            GroupVisit.objects.filter(pk=visit_id).exclude(held_places=places).update(held_places=places)
    for state in states.values():
        state.occurrence.note_taken(state.taken)
    after_uses_recorded(new)
    return results


def _batch_offer_reason(
    card: Card, req: UseRequest, offer: Offer | None, state: _OccurrenceState | None, held: dict[int, int]
) -> str | None:
    """``_offer_reason`` against the batch's in-memory counts instead of queries."""
    if offer is None:
        return None
    occurrence = state.occurrence if state is not None else None
    closed = _closed_reason(req, offer, occurrence)
    if closed:
        return closed
    if state is not None and occurrence is not None:
        if card.pk in state.used_cards and not req.override_reason.strip():
            return Reason.ALREADY_USED
        quota = occurrence.effective_quota
        if quota is not None:
            covered = state.reserved.get(card.pk)
            if covered is None:
                covered = held.get(state.group_of.get(card.pk, 0), 0)
            need = party_places(req.children, req.community_clients) - covered
            if need > 0 and state.taken + need > quota:
                return Reason.QUOTA_FULL
    return None


def _use_for(
    req: UseRequest,
    key: str,
    card: Card | None,
    number: str,
    offer: Offer | None,
    occurrence: Occurrence | None,
    reason: str | None,
    accepted: bool,
    forced: bool,
    now: dt.datetime,
) -> Use:
    """The Use row ``_record`` would create (not saved)."""
    scanned_at = req.scanned_at or now
    return Use(
        card=card,
        typed_number=(number or str(req.number))[:40] if card is None else "",
        venue=req.venue,
        offer=offer,
        occurrence=occurrence,
        outcome=Use.Outcome.ACCEPTED if accepted else Use.Outcome.REFUSED,
        reason=reason or "",
        forced=forced,
        override_reason=req.override_reason.strip()[:200] if accepted else "",
        adults=1,
        children=max(req.children, 0),
        community_clients=max(req.community_clients, 0),
        assistants=max(req.assistants, 0),
        sector=req.sector or (offer.sector if offer else "") or req.venue.sector or "culture",
        channel=req.channel,
        scanned_at=scanned_at,
        used_on=timezone.localdate(scanned_at),
        late=(now - scanned_at) > LATE_AFTER,
        idempotency_key=key,
        recorded_by=req.recorded_by if getattr(req.recorded_by, "pk", None) else None,
        recorded_via=req.recorded_via[:120],
    )


def after_uses_recorded(uses: list[Use]) -> None:
    """Note the uses for the statistics (``kaiku.stats.intake`` counts them before the next read)."""
    pending.uses_recorded(uses)


def after_use_recorded(use: Use) -> None:
    pending.uses_recorded([use])


@transaction.atomic
def void_use(use: Use, reason: str, actor: Any) -> Use:
    """A mistaken use is voided with a reason, never deleted."""
    use = Use.objects.select_for_update().get(pk=use.pk)
    reason = reason.strip()
    if not reason:
        raise UseError("reason_required")
    if use.voided_at is not None:
        return use
    use.voided_at = timezone.now()
    use.voided_by = actor if getattr(actor, "pk", None) else None
    use.void_reason = reason[:200]
    use.save(update_fields=["voided_at", "voided_by", "void_reason"])
    after_use_voided(use)
    audit.record(actor, "visits.voided", use, changes={"reason": use.void_reason}, area=use.venue.area)
    return use


def may_undo(use: Use, actor: Any, via: str = "") -> bool:
    """Whoever recorded a use may undo it: the same person or the venue's admin, or else
    the door device or partner API key named ``via``."""
    if getattr(actor, "pk", None):
        return use.recorded_by_id == actor.pk or use.venue_id in scope_for(actor).venue_admin_ids
    return bool(via) and use.recorded_via == via


def undo_own_use(use: Use, reason: str, actor: Any, *, via: str = "") -> Use:
    """Void a use by the one who recorded it (``may_undo``) within ``UNDO_WINDOW``.

    Raises UseError ``not_yours_to_undo`` or ``too_late_to_undo``. Voiding again returns the voided use.
    """
    if use.voided_at is not None:
        return use
    if not may_undo(use, actor, via):
        raise UseError("not_yours_to_undo")
    if timezone.now() - use.received_at > UNDO_WINDOW:
        raise UseError("too_late_to_undo")
    return void_use(use, reason, actor)


# --- One judgement of a device's time --------------------------------------------------

# How far back each channel may date a use before it goes to the venue admin's review
# list. The door is judged by its device's last online contact; a door used through a
# staff session (no device token) by this window.
DOOR_WINDOW = dt.timedelta(days=7)
AGENCY_WINDOW = dt.timedelta(days=7)
IMPORT_WINDOW = dt.timedelta(days=62)
WINDOWS: dict[str, dt.timedelta] = {
    Channel.OFFLINE: DOOR_WINDOW,
    Channel.AGENCY: AGENCY_WINDOW,
    Channel.IMPORT: IMPORT_WINDOW,
}


@dataclass
class DeviceTime:
    """A device's time judged: clamped to the server's now, and whether it needs review."""

    at: dt.datetime
    review: str = ""  # a HeldUse.Why code, or "" when the time is trusted


def judge_device_time(
    moment: dt.datetime | None, channel: str, *, last_contact: dt.datetime | None = None
) -> DeviceTime:
    """The one rule for every channel's device time (door sync, partner API, import).

    A time in the future is clamped to now. A time older than ``last_contact`` (the door
    device's previous online contact) or than the channel's window (``WINDOWS``) is
    flagged for review, never forced and never silently accepted.
    """
    now = timezone.now()
    if moment is None:
        return DeviceTime(now)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    at = min(moment, now)
    if last_contact is not None and at < last_contact:
        return DeviceTime(at, HeldUse.Why.BEFORE_LAST_CONTACT)
    window = WINDOWS.get(channel)
    if window is not None and at < now - window:
        return DeviceTime(at, HeldUse.Why.OUTSIDE_WINDOW)
    return DeviceTime(at)


class ReviewError(UseError):
    MESSAGES: dict[str, Any] = {
        "not_pending": _("This use has already been reviewed."),
        "reason_required": _("Give a reason for rejecting."),
    }


def hold_for_review(req: UseRequest, why: str) -> HeldUse:
    """Keep a use whose time needs review; the same key at the same venue answers the same
    (decided by the unique key on the venue and the idempotency key, as for uses)."""
    key = (req.idempotency_key or "").strip()[:80]
    if not key:
        raise UseError("idempotency_key_required")
    try:
        with transaction.atomic():
            held = HeldUse.objects.create(
                venue=req.venue,
                number=str(req.number)[:40],
                channel=req.channel,
                idempotency_key=key,
                scanned_at=req.scanned_at or timezone.now(),
                why=why,
                offline=req.accepted_offline,
                children=max(req.children, 0),
                community_clients=max(req.community_clients, 0),
                assistants=max(req.assistants, 0),
                offer=req.offer,
                occurrence=req.occurrence,
                sector=req.sector,
                override_reason=req.override_reason.strip()[:200],
                recorded_via=req.recorded_via[:120],
                recorded_by=req.recorded_by if getattr(req.recorded_by, "pk", None) else None,
            )
            audit.record(None, "visits.held_for_review", held, changes={"why": why}, area=req.venue.area)
            return held
    except IntegrityError:
        return HeldUse.objects.get(venue=req.venue, idempotency_key=key)


def submit_use(req: UseRequest, *, last_contact: dt.datetime | None = None) -> UseResult | HeldUse:
    """Judge the request's device time, then record it (``record_use``) or hold it for review.

    A key recorded before answers with its use (``record_use``'s unique key), also when
    its time would now be held: only a request about to be held looks its key up.
    """
    judged = judge_device_time(req.scanned_at, req.channel, last_contact=last_contact)
    if judged.review and _existing(req.venue, (req.idempotency_key or "").strip()[:80]) is not None:
        return record_use(req)
    req.scanned_at = judged.at if req.scanned_at is not None else None
    if judged.review:
        return hold_for_review(req, judged.review)
    return record_use(req)


def accept_held(held: HeldUse, actor: Any) -> UseResult:
    """The venue admin trusts the time: the use is recorded through the normal service, as sent."""
    with transaction.atomic():
        held = HeldUse.objects.select_for_update().select_related("venue__area").get(pk=held.pk)
        if held.status != HeldUse.Status.PENDING:
            raise ReviewError("not_pending")
        result = record_use(
            UseRequest(
                venue=held.venue,
                number=held.number,
                channel=held.channel,
                idempotency_key=held.idempotency_key,
                recorded_by=held.recorded_by,
                recorded_via=held.recorded_via,
                children=held.children,
                community_clients=held.community_clients,
                assistants=held.assistants,
                offer=held.offer,
                occurrence=held.occurrence,
                sector=held.sector,
                scanned_at=held.scanned_at,
                override_reason=held.override_reason,
                accepted_offline=held.offline,
            )
        )
        held.status, held.decided_at, held.decided_by, held.use = (
            HeldUse.Status.ACCEPTED,
            timezone.now(),
            actor if getattr(actor, "pk", None) else None,
            result.use,
        )
        held.save(update_fields=["status", "decided_at", "decided_by", "use"])
        audit.record(actor, "visits.held_accepted", held, changes={"use": result.use.pk}, area=held.venue.area)
        return result


@transaction.atomic
def reject_held(held: HeldUse, reason: str, actor: Any) -> HeldUse:
    """The venue admin does not trust the time: nothing is recorded; the reason is kept with the entry."""
    held = HeldUse.objects.select_for_update().select_related("venue__area").get(pk=held.pk)
    if held.status != HeldUse.Status.PENDING:
        raise ReviewError("not_pending")
    reason = reason.strip()
    if not reason:
        raise ReviewError("reason_required")
    held.status, held.decided_at, held.reject_reason = HeldUse.Status.REJECTED, timezone.now(), reason[:200]
    held.decided_by = actor if getattr(actor, "pk", None) else None
    held.save(update_fields=["status", "decided_at", "decided_by", "reject_reason"])
    # The reason is free text: it stays on the entry, never in the audit log.
    audit.record(actor, "visits.held_rejected", held, area=held.venue.area)
    return held


def after_use_voided(use: Use) -> None:
    pending.use_voided(use)


__all__ = ["Channel", "Reason", "UseRequest", "UseResult", "check_card", "record_use", "record_uses", "void_use"]
