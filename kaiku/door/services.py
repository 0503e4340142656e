"""The door's workflows: checking a scanned code, syncing queued uses, undo, device tokens.

Every use still goes through ``kaiku.visits.services.record_use``; this module only
turns what a door device sends into ``UseRequest``s and keeps the device's offline
data (keys, revocations, offers) current.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards import legacy
from kaiku.cards.models import Card
from kaiku.door import codes, keys
from kaiku.door.models import DeviceToken
from kaiku.network.models import NationalSettings, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, HeldUse, Reason, Use
from kaiku.web.errors import CodedError
from kaiku.web.tokens import token_hash

# Revocations are listed by the cards' last change. A transaction that commits a
# little after a later one would otherwise slip behind a device's cursor, so every
# delta reaches this far back; entries are idempotent, repeating them is harmless.
REVOCATION_OVERLAP = dt.timedelta(minutes=5)
MAX_BATCH = 2000


class DoorReason:
    """Door-only reason codes on top of ``visits.models.Reason``."""

    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    OUTDATED_CODE = "outdated_code"
    NOT_CHECKED_OFFLINE = "not_checked_offline"
    NOT_IN_VALID_SET = "not_in_valid_set"


DOOR_REASON_LABELS: dict[str, Any] = {
    DoorReason.UNKNOWN_KEY: _("The code was not made by Kaikukortti, or its key is no longer in use."),
    DoorReason.BAD_SIGNATURE: _("The code has been altered or damaged. Type the card number instead."),
    DoorReason.OUTDATED_CODE: _(
        "This code is out of date: the card has been renewed or changed since. Ask for the newest card or type the number."
    ),
    DoorReason.NOT_CHECKED_OFFLINE: _(
        "Cannot be checked without a connection. It will be checked when the device is online."
    ),
    DoorReason.NOT_IN_VALID_SET: _(
        "Not among the cards valid in this area when the device last updated its lists: "
        "not registered, expired, inactivated or mistyped."
    ),
}


_REASON_LABELS: dict[str | None, dict[str, str]] = {}


def reason_labels() -> dict[str, str]:
    """Every reason a door can show, in the active language.

    Translated once per language and process: every answer to a door carries them, and
    translating some twenty-five strings took a tenth of recording a use.
    """
    language = translation.get_language()
    labels = _REASON_LABELS.get(language)
    if labels is None:
        labels = {value: str(label) for value, label in Reason.choices}
        labels.update({code: str(label) for code, label in DOOR_REASON_LABELS.items()})
        _REASON_LABELS[language] = labels
    return dict(labels)


class DoorError(CodedError):
    MESSAGES: dict[str, Any] = {
        "label_required": _("Give the device a name."),
        "too_late_to_undo": _("A use can be undone only within two minutes."),
        "not_yours_to_undo": _("Only the device or person that recorded a use can undo it."),
        "batch_too_large": _("Too many uses in one batch."),
    }


@dataclass
class Verdict:
    """What the door may show: never who holds the card."""

    reason: str | None
    number: str = ""
    kind: str = ""
    children_allowed: int = 0
    community_group_max: int = 0
    valid_until: dt.date | None = None
    renew_at: str = ""

    @property
    def valid(self) -> bool:
        return self.reason is None

    def as_dict(self) -> dict[str, Any]:
        labels = reason_labels()
        return {
            "valid": self.valid,
            "reason": self.reason or "",
            "reason_text": labels.get(self.reason or "", ""),
            "number": self.number,
            "kind": self.kind,
            "children_allowed": self.children_allowed,
            "community_group_max": self.community_group_max,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "renew_at": self.renew_at,
        }


def code_reason(code: codes.CardCode, card: Card) -> str | None:
    """A code that no longer matches its card: inactivated, replaced, or an older version."""
    if code.code_version >= card.code_version:
        return None
    if card.status == Card.Status.INACTIVE:
        return Reason.INACTIVATED
    if card.status == Card.Status.REPLACED:
        return Reason.REPLACED
    return DoorReason.OUTDATED_CODE


def resolve_text(text: str) -> tuple[str, str | None, codes.CardCode | None]:
    """(number text for record_use, refusal, decoded code) for scanned or typed text."""
    if not codes.looks_like_code(text):
        return text, None, None
    checked = codes.verify_code(text)
    if checked.code is None:
        return "", checked.reason, None
    return checked.code.number, None, checked.code


def check(
    text: str, venue: Site, day: dt.date | None = None, *, keep: bool = False, actor: Any = None, via: str = ""
) -> Verdict:
    """The door's first answer for scanned or typed text (online: the register decides).

    ``keep``: an online check at the door; a refusal is stored once as a refused attempt
    (``visits.services.keep_refused_check``), as at the desk.
    """
    number, refusal, code = resolve_text(text)
    channel = Channel.SCAN if code is not None or refusal else Channel.TYPED
    if refusal:
        if keep:
            visits.keep_refused_check(venue, None, "", refusal, channel, actor, via)
        return Verdict(reason=refusal)
    result = visits.check_card(number, venue, day)
    verdict = Verdict(
        reason=result.reason,
        number=result.card.display_number if result.card else "",
        kind=result.kind,
        children_allowed=result.children_allowed,
        community_group_max=result.community_group_max,
        valid_until=result.valid_until,
        renew_at=result.renew_at,
    )
    if code is not None and result.card is not None and verdict.reason is None:
        verdict.reason = code_reason(code, result.card)
    if keep and verdict.reason is not None:
        typed = visits.find_card(number)[2] or number
        visits.keep_refused_check(venue, result.card, typed, verdict.reason, channel, actor, via)
    return verdict


# --- What a device keeps offline -------------------------------------------------------


def _version(moment: dt.datetime) -> int:
    """Whole seconds: the overlap below makes finer resolution pointless."""
    return int(moment.timestamp())


def revocations_since(since: int, today: dt.date | None = None) -> dict[str, Any]:
    """Codes that no longer match their card, changed after version ``since``.

    Each entry is (number, min_version, blocked): codes of that card with a lower
    code version are stale; ``blocked`` is a reason code ("inactivated" or
    "replaced") when every code of the card is refused, else empty. Cards already expired are left out: their codes fail
    the date check anyway. ``version`` is the cursor for the next request.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    qs = Card.objects.filter(
        Q(code_version__gt=1) | Q(status__in=[Card.Status.INACTIVE, Card.Status.REPLACED]),
        valid_until__gte=today,
    )
    since = max(0, min(since, _version(now)))
    if since > 0:
        after = dt.datetime.fromtimestamp(since, tz=dt.UTC) - REVOCATION_OVERLAP
        qs = qs.filter(updated_at__gt=after)
    blocked: dict[str, str] = {Card.Status.INACTIVE: Reason.INACTIVATED, Card.Status.REPLACED: Reason.REPLACED}
    entries = [
        [number, version, blocked.get(status, "")]
        for number, version, status in qs.values_list("number", "code_version", "status").order_by("pk")
    ]
    return {"version": _version(now), "full": since <= 0, "entries": entries}


def venue_config(venue: Site, today: dt.date | None = None) -> dict[str, Any]:
    """The venue, the national rules a device checks, and the offers it can pick from."""
    today = today or timezone.localdate()
    rules = NationalSettings.get()
    offers = (
        Offer.objects.filter(venue=venue, excluded=False)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .prefetch_related("occurrences")
    )
    horizon_start = timezone.now() - dt.timedelta(days=1)
    horizon_end = timezone.now() + dt.timedelta(days=14)
    return {
        "venue": {
            "id": venue.pk,
            "name": venue.name,
            "area_id": venue.area_id,
            "area_local_only": venue.area.local_only,
            "sector": venue.sector or "culture",
            "closed": venue.offboarded_at is not None,
        },
        "rules": {"community_group_max": rules.community_group_max},
        # Declared legacy number formats, for typed and scanned numbers offline (codes.js).
        "legacy_formats": [declared.as_json() for declared in legacy.active_formats()],
        "public_keys": {str(k): keys_b64 for k, keys_b64 in public_keys_b64().items()},
        "reasons": reason_labels(),
        "offers": [
            {
                "id": offer.pk,
                "title": offer.title,
                "sector": offer.sector,
                "course": offer.is_course,
                "sold_out": offer.sold_out,
                "occurrences": [
                    {"id": occ.pk, "starts_at": occ.starts_at.isoformat(), "sold_out": occ.sold_out}
                    for occ in offer.occurrences.all()
                    if horizon_start <= occ.starts_at <= horizon_end
                ],
            }
            for offer in offers
        ],
    }


def public_keys_b64() -> dict[int, str]:
    """Every known public key, base64 of the raw 32 bytes, by key id (what devices cache)."""
    return {key_id: base64.b64encode(raw).decode() for key_id, raw in keys.public_keys().items()}


# --- Recording uses ---------------------------------------------------------------------


@dataclass
class SyncItem:
    key: str
    text: str
    scanned_at: dt.datetime | None = None
    offline: bool = False
    children: int = 0
    community_clients: int = 0
    assistants: int = 0
    offer: int | None = None
    occurrence: int | None = None
    sector: str = ""
    override_reason: str = ""
    scanned: bool = False  # read by the camera (a barcode gives the plain number)


def foreign_offers(venue: Site, items: list[SyncItem]) -> dict[str, Any]:
    """Items naming another venue's offer or date, by index: the API answers 400 for them.

    An id that no longer exists at all (a date deleted since the device cached it) is not
    an error: the use is recorded without it, so an offline queue never gets stuck.
    """
    occurrence_ids = {item.occurrence for item in items if item.occurrence}
    offer_ids = {item.offer for item in items if item.offer}
    other_occurrences = (
        set(Occurrence.objects.filter(pk__in=occurrence_ids).exclude(offer__venue=venue).values_list("pk", flat=True))
        if occurrence_ids
        else set()
    )
    other_offers = (
        set(Offer.objects.filter(pk__in=offer_ids).exclude(venue=venue).values_list("pk", flat=True))
        if offer_ids
        else set()
    )
    errors: dict[str, Any] = {}
    for index, item in enumerate(items):
        if item.occurrence in other_occurrences:
            errors.setdefault(str(index), {})["occurrence"] = [str(_("No such occurrence at this venue."))]
        if item.offer in other_offers:
            errors.setdefault(str(index), {})["offer"] = [str(_("No such offer at this venue."))]
    return errors


def _result(key: str, use: Use, created: bool, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "key": key,
        "status": use.outcome,
        "reason": use.reason,
        "reason_text": labels.get(use.reason, ""),
        "forced": use.forced,
        "use": use.pk,
        "created": created,
    }


def record(
    venue: Site,
    item: SyncItem,
    actor: Any = None,
    via: str = "",
    *,
    public_keys: dict[int, bytes] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record one use from the door; the same key at the same venue answers the same."""
    labels = labels if labels is not None else reason_labels()
    prepared = _prepare(venue, item, actor, via, public_keys, labels)
    if isinstance(prepared, dict):
        return prepared
    result = visits.record_use(prepared)
    return _result(item.key, result.use, result.created, labels)


def _held_result(key: str, held: HeldUse, labels: dict[str, str]) -> dict[str, Any]:
    """A use whose device time waits for the venue admin's review: not recorded (yet)."""
    return {
        "key": key,
        "status": "held",
        "reason": held.why,
        "reason_text": str(HeldUse.Why(held.why).label),
        "forced": False,
        "use": None,
        "created": False,
    }


def _judged(item: SyncItem, last_contact: dt.datetime | None) -> visits.DeviceTime:
    """The item's device time judged (``visits.services.judge_device_time``); online uses are now."""
    channel = Channel.OFFLINE if item.offline else Channel.TYPED
    return visits.judge_device_time(item.scanned_at, channel, last_contact=last_contact if item.offline else None)


def _prepare(
    venue: Site,
    item: SyncItem,
    actor: Any,
    via: str,
    public_keys: dict[int, bytes] | None,
    labels: dict[str, str],
    known: visits.VenueOffers | None = None,
) -> visits.UseRequest | dict[str, Any]:
    """The use request for a door item, or the answer when its code cannot be verified."""
    number, refusal, code = item.text, None, None
    if codes.looks_like_code(item.text):
        checked = codes.verify_code(item.text, public_keys)
        number, refusal, code = (checked.code.number if checked.code else ""), checked.reason, checked.code
    if refusal:
        # A code the server cannot verify names no card; nothing can be recorded.
        return {
            "key": item.key,
            "status": "rejected",
            "reason": refusal,
            "reason_text": labels.get(refusal, ""),
            "forced": False,
            "use": None,
            "created": False,
        }
    channel = Channel.OFFLINE if item.offline else (Channel.SCAN if code or item.scanned else Channel.TYPED)
    data = {**vars(item), "number": number, "idempotency_key": item.key}
    return visits.use_request(venue, data, channel=channel, recorded_by=actor, recorded_via=via, offers=known)


SYNC_CHUNK = 100


def sync(
    venue: Site,
    items: list[SyncItem],
    actor: Any = None,
    via: str = "",
    *,
    last_contact: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """A device's queued uses, answered in order; a batch sent again records nothing twice.

    Uses are recorded in transactions of a hundred (``visits.services.record_uses``):
    a failure keeps what was recorded before it, and the device resends the batch. Keys
    are not looked up first: the unique key of a use decides, and a resent key answers
    with its stored use. A use whose device time needs review goes through
    ``visits.services.submit_use``, which answers a key recorded before with its use
    and holds the rest (a key held before answers as held).
    """
    if len(items) > MAX_BATCH:
        raise DoorError("batch_too_large")
    labels = reason_labels()
    # Device times (one judgement for every channel): a future time is clamped; one the
    # register cannot trust waits for the venue admin's review instead of being forced.
    judged = [_judged(item, last_contact) for item in items]
    for item, time in zip(items, judged, strict=True):
        if item.scanned_at is not None:
            item.scanned_at = time.at
    if len(items) == 1 and not judged[0].review:
        # The door page online sends each use as it happens: one use, the single-use
        # service (its own transaction and idempotency), no batch bookkeeping, and the
        # public keys read only if the item is a signed code.
        return [record(venue, items[0], actor, via, labels=labels)]
    public_keys = keys.public_keys()
    results: list[dict[str, Any]] = []
    known = visits.VenueOffers.load(venue, {item.offer for item in items}, {item.occurrence for item in items})
    for start in range(0, len(items), SYNC_CHUNK):
        with transaction.atomic():
            answers: list[dict[str, Any] | None] = []
            requests: list[visits.UseRequest] = []
            owners: list[tuple[int, SyncItem]] = []
            for offset, item in enumerate(items[start : start + SYNC_CHUNK]):
                prepared = _prepare(venue, item, actor, via, public_keys, labels, known)
                if isinstance(prepared, dict):
                    answers.append(prepared)
                    continue
                if judged[start + offset].review:
                    outcome = visits.submit_use(prepared, last_contact=last_contact)
                    answers.append(
                        _held_result(item.key, outcome, labels)
                        if isinstance(outcome, HeldUse)
                        else _result(item.key, outcome.use, outcome.created, labels)
                    )
                    continue
                owners.append((len(answers), item))
                answers.append(None)
                requests.append(prepared)
            # The whole chunk in one batch: the same answers as record_use one by one.
            for (index, item), result in zip(owners, visits.record_uses(requests), strict=True):
                answers[index] = _result(item.key, result.use, result.created, labels)
            results.extend(answer for answer in answers if answer is not None)
    return results


def clamp_time(moment: dt.datetime) -> dt.datetime:
    """A device clock ahead of the server is not trusted beyond the server's now."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, timezone.now())


def undo(venue: Site, use_id: int, actor: Any, via: str = "") -> Use:
    """Void a use recorded here within the last two minutes (a mistaken tap).

    Only by whoever recorded it: the same person (or the venue's admin), or a device
    with the same label (``via``).
    """
    use = Use.objects.filter(pk=use_id, venue=venue).first()
    if use is None:
        raise Use.DoesNotExist
    try:
        return visits.undo_own_use(use, str(_("Undone at the door")), actor, via=via)
    except visits.UseError as exc:
        raise DoorError(exc.code) from None


# --- Device tokens ----------------------------------------------------------------------


def create_device_token(venue: Site, label: str, actor: Any) -> tuple[DeviceToken, str]:
    """A new device token; the plain token is returned once and only its hash is kept."""
    label = label.strip()
    if not label:
        raise DoorError("label_required")
    plain = "kkd_" + secrets.token_urlsafe(32)
    device = DeviceToken.objects.create(
        venue=venue, label=label[:80], token_hash=token_hash(plain), hint=plain[:8], created_by=actor
    )
    audit.record(actor, "door.device_created", device, changes={"label": device.label}, area=venue.area)
    return device, plain


def revoke_device_token(device: DeviceToken, actor: Any) -> DeviceToken:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        cache.delete(_device_cache_key(device.token_hash))
        audit.record(actor, "door.device_revoked", device, changes={"label": device.label}, area=device.venue.area)
    return device


# No contact for longer than this is a gap: the device was offline in between.
CONTACT_GAP = dt.timedelta(minutes=5)
# A device's row, venue and area are kept in the cache this long (issue 21: the look-up
# compiled per request was a fifth of a door use). Revoking deletes the entry at once;
# a change to the venue (leaving the network) or its area reaches the door within this.
DEVICE_CACHE_SECONDS = 30


def _device_cache_key(hashed: str) -> str:
    return f"door-device:{hashed}"


def device_for_token(plain: str) -> DeviceToken | None:
    """The active device with this token, its venue and area loaded; its contact noted once a minute."""
    hashed = token_hash(plain)
    key = _device_cache_key(hashed)
    device: DeviceToken | None = cache.get(key)
    if device is None:
        device = next(iter(DeviceToken.objects.active().select_related("venue__area").filter(token_hash=hashed)), None)
        if device is None:
            return None
        cache.set(key, device, DEVICE_CACHE_SECONDS)
    now = timezone.now()
    if device.last_used_at is None or now - device.last_used_at > dt.timedelta(minutes=1):
        changes: dict[str, Any] = {"last_used_at": now}
        if device.last_used_at is not None and now - device.last_used_at > CONTACT_GAP:
            changes["contact_before_gap"] = device.contact_before_gap = device.last_used_at
        DeviceToken.objects.filter(pk=device.pk).update(**changes)
        device.last_used_at = now
        cache.set(key, device, DEVICE_CACHE_SECONDS)
    return device
