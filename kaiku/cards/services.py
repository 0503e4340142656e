"""The card lifecycle: stock, registration, renewal, correction, inactivation, replacement.

Each function is atomic, writes the card's history and the audit log, and raises
``CardError`` with a stable ``code`` when a rule says no.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards import legacy, numbers
from kaiku.cards.models import Card, CardEvent
from kaiku.network.models import Municipality, NationalSettings, Site
from kaiku.pending import notes as pending
from kaiku.web.errors import CodedError

ACTIVATION_ALPHABET = numbers.ALPHABET
ACTIVATION_LENGTH = 8


class CardError(CodedError):
    """A card rule said no. ``code`` is stable; ``message`` is translated for people."""

    MESSAGES: dict[str, Any] = {
        "too_young": _("The holder must turn %(age)s this year or be older."),
        "birth_year_invalid": _("Check the birth year."),
        "municipality_not_in_network": _("This municipality is not in the Kaikukortti network."),
        "municipality_outside_local_area": _("This site issues local cards only to residents of its own area."),
        "not_confirmed": _("Confirm that the client is eligible for the card."),
        "not_a_distributor": _("Only distributor sites issue cards."),
        "unknown_number": _("No card has this number."),
        "malformed": _("This is not a card number. Check what was typed."),
        "bad_check_character": _("The number has a typo: the last character does not match."),
        "mobile_only": _(
            "X and Z mark mobile-only cards in the old register; they are not card numbers. "
            "Ask the holder to show the card on their phone."
        ),
        "number_of_another_site": _("This card number belongs to another site's card stock."),
        "already_registered": _("This card has already been registered."),
        "not_active": _("Only a registered, active card can be changed."),
        "reason_required": _("Give a reason."),
        "postal_code_invalid": _("A postal code has five digits."),
        "email_without_consent": _("An e-mail address is stored only with consent to the holder portal."),
        "consent_without_email": _("Consent to the holder portal by e-mail needs an e-mail address."),
        "children_invalid": _("Check the number of children."),
        "community_has_no_holder": _("A community card has no holder details."),
        "date_in_future": _("The date cannot be in the future."),
    }


@dataclass
class HolderDetails:
    birth_year: int
    municipality: Municipality
    postal_code: str
    children: int = 0
    gender: str = ""
    life_situation: str = ""
    portal_consent: bool = False
    email: str = ""
    survey_consent: bool = False


# The card's fields a registration fills, a correction changes and a replacement carries over.
REGISTRATION_FIELDS = tuple(f.name for f in dataclasses.fields(HolderDetails))


@dataclass
class Issued:
    card: Card
    activation_code: str


def today() -> dt.date:
    return timezone.localdate()


def eligibility_error(
    details: HolderDetails, site: Site, on: dt.date | None = None, rules: NationalSettings | None = None
) -> str | None:
    """The reason code why these details cannot get a card, or None (DESIGN §4.1).

    ``rules``: the national settings when the caller holds them (an import checks many rows)."""
    on = on or today()
    rules = rules or NationalSettings.get()
    if not (1900 <= details.birth_year <= on.year):
        return "birth_year_invalid"
    # "16 or older, or turns 16 during the current year": only the birth year counts.
    if on.year - details.birth_year < rules.min_holder_age:
        return "too_young"
    municipality = details.municipality
    if municipality.area_id is None or not municipality.area.in_network:  # type: ignore[union-attr]
        return "municipality_not_in_network"
    if site.area.local_only and municipality.area_id != site.area_id:
        return "municipality_outside_local_area"
    if not (len(details.postal_code) == 5 and details.postal_code.isdigit()):
        return "postal_code_invalid"
    if details.children < 0 or details.children > 30:
        return "children_invalid"
    if details.email and not details.portal_consent:
        return "email_without_consent"
    if details.portal_consent and not details.email:
        return "consent_without_email"
    return None


def _raise_if_ineligible(details: HolderDetails, site: Site) -> None:
    code = eligibility_error(details, site)
    if code == "too_young":
        raise CardError(code, age=NationalSettings.get().min_holder_age)
    if code:
        raise CardError(code)


def _new_number() -> str:
    while True:
        number = numbers.generate()
        if not Card.objects.filter(number=number).exists():
            return number


def new_activation_code() -> str:
    return "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))


def _set_activation_code(card: Card) -> str:
    code = new_activation_code()
    card.activation_code_hash = make_password(code)
    return code


def _event(card: Card, kind: str, actor: Any, **details: Any) -> None:
    """A step in the card's history (``given_on`` in ``details`` when it happened before today, on paper)."""
    actor = actor if getattr(actor, "pk", None) else None
    event = CardEvent.objects.create(card=card, kind=kind, actor=actor, details=details)
    pending.card_event(event)  # counted by the statistics (kaiku.stats.intake), dated by the event


@transaction.atomic
def create_stock(site: Site, count: int, actor: Any = None) -> list[Card]:
    """Generate ``count`` unregistered numbers for a site's pre-printed card stock."""
    if not site.is_distributor:
        raise CardError("not_a_distributor")
    created: list[Card] = []
    while len(created) < count:
        batch = {numbers.generate() for _ in range(min(500, count - len(created)))}
        taken = set(Card.objects.filter(number__in=batch).values_list("number", flat=True))
        cards = [Card(number=n, site=site) for n in batch - taken]
        created.extend(Card.objects.bulk_create(cards))
    created = created[:count]
    audit.record(actor, "cards.stock_created", site, changes={"count": count}, area=site.area)
    return created


def card_by_number(text: str, *, queryset: Any = None) -> Card:
    """The card with this Kaiku or declared legacy number (``legacy.parse_any``).

    Raises CardError ``malformed``, ``bad_check_character``, ``mobile_only`` or
    ``unknown_number``. Only the exact number is looked up: an unknown legacy number,
    which has no check character, never leads to a similar one.
    """
    try:
        parsed = legacy.parse_any(text)
    except numbers.InvalidCardNumber as exc:
        raise CardError(exc.code.value) from None
    card = (queryset if queryset is not None else Card.objects.all()).filter(number=parsed.canonical).first()
    if card is None:
        raise CardError("unknown_number")
    return card


def _stock_card(site: Site, number: str) -> Card:
    try:
        normalised = numbers.normalise(number)
    except numbers.InvalidCardNumber as exc:
        raise CardError("unknown_number") from exc
    try:
        card = Card.objects.select_for_update().get(number=normalised)
    except Card.DoesNotExist:
        raise CardError("unknown_number") from None
    if card.site_id != site.pk:
        raise CardError("number_of_another_site")
    if card.status != Card.Status.UNREGISTERED:
        raise CardError("already_registered")
    return card


def _activate(card: Card, kind: str, actor: Any, day: dt.date) -> dt.date:
    """A newly registered card: active from ``day`` for the national validity period (returned)."""
    card.kind = kind
    card.status = Card.Status.ACTIVE
    card.issued_by = actor
    card.registered_on = card.issued_on = day
    card.valid_until = day + dt.timedelta(days=NationalSettings.get().card_validity_days)
    return card.valid_until


def _apply_details(card: Card, details: HolderDetails) -> None:
    for name in REGISTRATION_FIELDS:
        setattr(card, name, getattr(details, name))


@transaction.atomic
def register_card(
    site: Site, details: HolderDetails, actor: Any, *, number: str | None = None, on: dt.date | None = None
) -> Issued:
    """Register a personal card: a pre-printed stock number, or a new number when none is given.

    ``on`` is the day a card given out on paper was given (an import): the card's year
    of validity and the registration's statistics run from that day.
    """
    if not site.is_distributor:
        raise CardError("not_a_distributor")
    if on is not None and on > today():
        raise CardError("date_in_future")
    _raise_if_ineligible(details, site)
    card = _stock_card(site, number) if number else Card(number=_new_number(), site=site)
    day = on or today()
    valid_until = _activate(card, Card.Kind.PERSONAL, actor, day)
    _apply_details(card, details)
    code = _set_activation_code(card)
    try:
        card.save()
    except IntegrityError:  # pragma: no cover - a 1 in 27 billion collision with a concurrent insert
        raise CardError("already_registered") from None
    extra = {"late": True, "given_on": day.isoformat()} if on is not None else {}
    _event(card, CardEvent.Kind.REGISTERED, actor, valid_until=valid_until.isoformat(), **extra)
    audit.record(actor, "cards.registered", card, changes=audit.snapshot(card, REGISTRATION_FIELDS), area=site.area)
    return Issued(card, code)


@transaction.atomic
def register_community_card(site: Site, label: str, actor: Any, *, number: str | None = None) -> Issued:
    """A community card held by a distributor site (DESIGN §1): no holder details."""
    if not site.is_distributor:
        raise CardError("not_a_distributor")
    card = _stock_card(site, number) if number else Card(number=_new_number(), site=site)
    day = today()
    _activate(card, Card.Kind.COMMUNITY, actor, day)
    card.community_label = label[:120]
    card.municipality = site.municipality
    code = _set_activation_code(card)
    card.save()
    _event(card, CardEvent.Kind.REGISTERED, actor, community=True)
    audit.record(actor, "cards.community_registered", card, changes={"label": card.community_label}, area=site.area)
    return Issued(card, code)


def _locked(card: Card) -> Card:
    return Card.objects.select_for_update().select_related("site__area").get(pk=card.pk)


@transaction.atomic
def renew_card(card: Card, actor: Any) -> Issued:
    """A new year of validity from today (DESIGN §4.2); the old code stops matching."""
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise CardError("not_active")
    before = audit.snapshot(card, ["issued_on", "valid_until"])
    day = today()
    card.issued_on = day
    card.valid_until = day + dt.timedelta(days=NationalSettings.get().card_validity_days)
    card.code_version += 1
    code = _set_activation_code(card)
    card.save()
    _event(card, CardEvent.Kind.RENEWED, actor, valid_until=card.valid_until.isoformat())
    audit.record(
        actor, "cards.renewed", card, changes=audit.diff(before, audit.snapshot(card, before)), area=card.site.area
    )
    return Issued(card, code)


@transaction.atomic
def correct_card(card: Card, details: HolderDetails, actor: Any) -> Card:
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise CardError("not_active")
    if card.is_community:
        raise CardError("community_has_no_holder")
    _raise_if_ineligible(details, card.site)
    before = audit.snapshot(card, REGISTRATION_FIELDS)
    _apply_details(card, details)
    changes = audit.diff(before, audit.snapshot(card, REGISTRATION_FIELDS))
    if not changes:
        return card
    card.code_version += 1
    card.save()
    # Only the names of changed fields go to the history shown at the desk.
    _event(card, CardEvent.Kind.CORRECTED, actor, fields=sorted(changes))
    audit.record(actor, "cards.corrected", card, changes=changes, area=card.site.area)
    return card


@transaction.atomic
def inactivate_card(card: Card, reason: str, actor: Any) -> Card:
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise CardError("not_active")
    reason = reason.strip()
    if not reason:
        raise CardError("reason_required")
    card.status = Card.Status.INACTIVE
    card.inactivation_reason = reason[:200]
    card.code_version += 1
    card.save()
    _event(card, CardEvent.Kind.INACTIVATED, actor, reason=card.inactivation_reason)
    audit.record(
        actor,
        "cards.inactivated",
        card,
        changes={"status": ["active", "inactive"], "reason": reason},
        area=card.site.area,
    )
    return card


@transaction.atomic
def replace_card(card: Card, actor: Any, *, number: str | None = None) -> Issued:
    """A lost card: a new number with the same details and validity; the old one points to it."""
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise CardError("not_active")
    new = _stock_card(card.site, number) if number else Card(number=_new_number(), site=card.site)
    for name in (*REGISTRATION_FIELDS, "kind", "registered_on", "issued_on", "valid_until", "community_label"):
        setattr(new, name, getattr(card, name))
    new.status = Card.Status.ACTIVE
    new.issued_by = actor
    code = _set_activation_code(new)
    new.save()
    card.status = Card.Status.REPLACED
    card.replaced_by = new
    card.inactivation_reason = "replaced"
    card.code_version += 1
    card.save()
    _event(card, CardEvent.Kind.REPLACED, actor, new_card=new.pk)
    _event(new, CardEvent.Kind.REPLACEMENT, actor, old_card=card.pk)
    audit.record(actor, "cards.replaced", card, changes={"replaced_by": new.number}, area=card.site.area)
    return Issued(new, code)


@transaction.atomic
def reissue_activation_code(card: Card, actor: Any) -> str:
    card = _locked(card)
    if card.status != Card.Status.ACTIVE:
        raise CardError("not_active")
    code = _set_activation_code(card)
    card.save(update_fields=["activation_code_hash", "updated_at"])
    _event(card, CardEvent.Kind.ACTIVATION_CODE, actor)
    audit.record(actor, "cards.activation_code_reissued", card, area=card.site.area)
    return code
