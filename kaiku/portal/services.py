"""The holder's portal: signing in, feedback, wellbeing, group visits and the holder's own data.

Each workflow is a typed function that raises ``PortalError`` with a stable ``code``
when a rule says no. Sign-in never tells whether a card number exists: every failure
gives the same answer (``SignInResult.failed``), and all tries are logged in
``SignInAttempt`` for throttling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards import legacy, numbers
from kaiku.cards.models import Card, CardEvent
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.portal.models import (
    EmailSignInToken,
    Feedback,
    GroupVisit,
    GroupVisitParticipant,
    HolderDevice,
    HolderMail,
    HolderPreference,
    SignInAttempt,
    WellbeingAnswer,
)
from kaiku.visits.models import Use
from kaiku.visits.services import taken_places
from kaiku.web.errors import CodedError
from kaiku.web.mail import absolute_url, send_after_commit
from kaiku.web.tokens import token_hash

# Guessing: a wrong code costs a try; this many wrong tries within the window locks
# that card number (known or not, so the lock reveals nothing) or that client.
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_WRONG_PER_NUMBER = 5
MAX_WRONG_PER_CLIENT = 20
# Sign-in links: how long a link works, and how many may be asked for per hour.
LINK_VALID_FOR = dt.timedelta(minutes=30)
LINK_REQUEST_WINDOW = dt.timedelta(hours=1)
MAX_LINKS_PER_ADDRESS = 3
MAX_LINKS_PER_CLIENT = 10
# Feedback is asked about uses of the last few weeks only.
FEEDBACK_ASKED_FOR = dt.timedelta(days=60)
FEEDBACK_LINK_VALID_FOR = dt.timedelta(days=30)
FEEDBACK_SALT = "kaiku.portal.feedback"
GROUP_MAX_SIZE = 50
HOLDER = "holder"  # the actor label in the audit log for a holder's own changes


class PortalError(CodedError):
    MESSAGES: dict[str, Any] = {
        "score_invalid": _("Choose a face from 1 to 5."),
        "not_your_use": _("This visit is not on your card."),
        "answer_invalid": _("Each answer is a number from 0 to 5."),
        "card_not_active": _("The card is not in use."),
        "not_personal_card": _("Only a personal card can join a group."),
        "group_full": _("The group is full."),
        "group_cancelled": _("The group visit has been cancelled."),
        "group_past": _("The group visit has already happened."),
        "group_other_area": _("This group visit is for another area."),
        "community_card_invalid": _("Choose an active community card of this site."),
        "occurrence_of_other_offer": _("The date belongs to another offer."),
        "offer_not_available": _("This offer is not available with Kaikukortti."),
        "size_invalid": _("The group size must be from 1 to %(max)s."),
        "meeting_in_past": _("The meeting time must be in the future."),
        "place_required": _("Give a meeting place."),
        "date_cancelled": _("This date of the event has been cancelled."),
        "date_sold_out": _("The event is sold out on this date."),
        "date_started": _("This date of the event has already started."),
        "not_enough_places": _("There are not enough Kaikukortti places left on this date for the group."),
    }


# --- Signing in -------------------------------------------------------------------------


def client_hash(address: str) -> str:
    """A keyed hash of the client's IP address: enough to throttle, useless to identify."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def _typed_number(text: str) -> str:
    try:
        return legacy.parse_any(text).canonical
    except numbers.InvalidCardNumber:
        return "".join(ch for ch in str(text).upper() if ch.isalnum())[:40]


def normalise_code(text: str) -> str:
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


@dataclass
class SignInResult:
    outcome: str
    device: HolderDevice | None = None
    token: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def _wrong_since(field: str, value: str, since: dt.datetime) -> int:
    return SignInAttempt.objects.filter(
        method=SignInAttempt.Method.CODE, outcome=SignInAttempt.Outcome.WRONG, at__gte=since, **{field: value}
    ).count()


def _new_device(card: Card, method: str) -> tuple[HolderDevice, str]:
    token = secrets.token_urlsafe(32)
    device = HolderDevice.objects.create(
        card=card, token_hash=token_hash(token), method=method, last_seen_at=timezone.now()
    )
    return device, token


def _attempt(method: str, outcome: str, who: str, *, typed: str = "", card: Card | None = None) -> None:
    """Keep a sign-in attempt: how, what came of it, a keyed hash of the client (``who``)."""
    SignInAttempt.objects.create(method=method, outcome=outcome, typed=typed, client_hash=who, card=card)


def sign_in_with_code(number_text: str, code_text: str, client: str) -> SignInResult:
    """Card number + activation code. Unknown, inactive or wrong all answer the same.

    Checked in this order so the answer and the work done never depend on whether
    the number exists: throttle (by typed number and by client) → look up → verify
    the code (a dummy hash is verified for unknown numbers, as Django does).
    """
    typed = _typed_number(number_text)
    who = client_hash(client)
    since = timezone.now() - THROTTLE_WINDOW
    if (
        _wrong_since("typed", typed, since) >= MAX_WRONG_PER_NUMBER
        or _wrong_since("client_hash", who, since) >= MAX_WRONG_PER_CLIENT
    ):
        _attempt(SignInAttempt.Method.CODE, SignInAttempt.Outcome.THROTTLED, who, typed=typed)
        return SignInResult(SignInAttempt.Outcome.THROTTLED)
    card = Card.objects.filter(number=typed).first() if typed else None
    encoded = card.activation_code_hash if card is not None else ""
    matches = check_password(normalise_code(code_text), encoded)
    if not matches or card is None or card.status != Card.Status.ACTIVE:
        _attempt(SignInAttempt.Method.CODE, SignInAttempt.Outcome.WRONG, who, typed=typed, card=card)
        return SignInResult(SignInAttempt.Outcome.WRONG)
    with transaction.atomic():
        device, token = _new_device(card, HolderDevice.Method.CODE)
        _attempt(SignInAttempt.Method.CODE, SignInAttempt.Outcome.SUCCESS, who, typed=typed, card=card)
        _remember_language(card)
    return SignInResult(SignInAttempt.Outcome.SUCCESS, device, token)


def _address_hash(email: str) -> str:
    return client_hash("email:" + email.strip().lower())[:64]


def request_sign_in_link(email: str, client: str) -> None:
    """E-mail a one-time sign-in link to each active card with this address and consent.

    Returns nothing: the page says the same whether or not a link was sent.
    """
    address = email.strip().lower()
    typed = _address_hash(address)
    who = client_hash(client)
    since = timezone.now() - LINK_REQUEST_WINDOW
    asked = SignInAttempt.objects.filter(method=SignInAttempt.Method.EMAIL_REQUEST, at__gte=since)
    if (
        asked.filter(typed=typed).count() >= MAX_LINKS_PER_ADDRESS
        or asked.filter(client_hash=who).count() >= MAX_LINKS_PER_CLIENT
    ):
        _attempt(SignInAttempt.Method.EMAIL_REQUEST, SignInAttempt.Outcome.THROTTLED, who, typed=typed)
        return
    cards = list(
        Card.objects.filter(
            email__iexact=address, portal_consent=True, status=Card.Status.ACTIVE, email__gt=""
        ).order_by("pk")
    )
    with transaction.atomic():
        _attempt(
            SignInAttempt.Method.EMAIL_REQUEST,
            SignInAttempt.Outcome.LINK_SENT if cards else SignInAttempt.Outcome.NO_LINK,
            who,
            typed=typed,
            card=cards[0] if cards else None,
        )
        links = []
        for card in cards:
            token = secrets.token_urlsafe(32)
            EmailSignInToken.objects.create(
                card=card, token_hash=token_hash(token), expires_at=timezone.now() + LINK_VALID_FOR
            )
            links.append((card.display_number, absolute_url(reverse("portal:link_sign_in", args=[token]))))
        if links:
            send_after_commit(
                cards[0].email,
                _("Your sign-in link to Kaikukortti"),
                "portal/email/sign_in_link.txt",
                {"links": links, "minutes": int(LINK_VALID_FOR.total_seconds() // 60)},
            )


def sign_in_with_link(token: str, client: str) -> SignInResult:
    """Use a one-time link: it works once, before it expires, for an active card."""
    who = client_hash(client)
    with transaction.atomic():
        link = (
            EmailSignInToken.objects.select_for_update()
            .select_related("card")
            .filter(token_hash=token_hash(token))
            .first()
        )
        now = timezone.now()
        if link is None or link.used_at is not None or link.expires_at < now or link.card.status != Card.Status.ACTIVE:
            _attempt(
                SignInAttempt.Method.EMAIL_LINK, SignInAttempt.Outcome.BAD_LINK, who, card=link.card if link else None
            )
            return SignInResult(SignInAttempt.Outcome.BAD_LINK)
        link.used_at = now
        link.save(update_fields=["used_at"])
        device, raw = _new_device(link.card, HolderDevice.Method.EMAIL)
        _attempt(SignInAttempt.Method.EMAIL_LINK, SignInAttempt.Outcome.SUCCESS, who, card=link.card)
        _remember_language(link.card)
    return SignInResult(SignInAttempt.Outcome.SUCCESS, device, raw)


# How often a device's last-seen time is written (not on every page view).
LAST_SEEN_EVERY = dt.timedelta(hours=1)


def device_for_token(token: str) -> HolderDevice | None:
    """The signed-in device for a cookie token, or None.

    A device of a card that is no longer active (inactivated, replaced) is signed out
    here, the first time it is seen after the change.
    """
    if not token:
        return None
    device = (
        HolderDevice.objects.select_related("card__site__area", "card__municipality__area")
        .filter(token_hash=token_hash(token), signed_out_at__isnull=True)
        .first()
    )
    if device is None:
        return None
    now = timezone.now()
    if device.card.status != Card.Status.ACTIVE:
        device.signed_out_at = now
        device.signed_out_reason = f"card_{device.card.status}"
        device.save(update_fields=["signed_out_at", "signed_out_reason"])
        return None
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_EVERY:
        device.last_seen_at = now
        device.save(update_fields=["last_seen_at"])
    return device


def sign_out(device: HolderDevice) -> None:
    HolderDevice.objects.filter(pk=device.pk, signed_out_at__isnull=True).update(
        signed_out_at=timezone.now(), signed_out_reason="signed_out"
    )


def _remember_language(card: Card) -> None:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    HolderPreference.objects.update_or_create(card=card, defaults={"language": language})


def preference(card: Card) -> HolderPreference:
    pref, _created = HolderPreference.objects.get_or_create(card=card)
    return pref


# --- Feedback ---------------------------------------------------------------------------


def feedback_pending(card: Card, *, today: dt.date | None = None) -> list[Use]:
    """The card's recent accepted uses that have not been answered or skipped."""
    today = today or timezone.localdate()
    return list(
        Use.objects.accepted()
        .filter(card=card, used_on__gte=today - FEEDBACK_ASKED_FOR, used_on__lte=today, feedback__isnull=True)
        .select_related("venue", "offer")
        .order_by("-used_on", "-pk")
    )


def own_use(card: Card, use_id: int) -> Use | None:
    return Use.objects.accepted().filter(card=card, pk=use_id).select_related("venue", "offer").first()


def give_feedback(
    use: Use,
    *,
    score: int | None,
    went_with_someone: bool | None,
    text: str = "",
    channel: str = Feedback.Channel.PORTAL,
    not_for_venue: bool = False,
) -> Feedback:
    """Answer (or, with score None, skip) the feedback question for one use.

    Asked once: a second answer for the same use returns the first one unchanged.
    """
    if score is not None and not (1 <= score <= 5):
        raise PortalError("score_invalid")
    if not Use.objects.accepted().filter(pk=use.pk).exists():
        raise PortalError("not_your_use")
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                use=use,
                score=score,
                went_with_someone=went_with_someone if score is not None else None,
                text=(text or "").strip()[:2000] if score is not None else "",
                channel=channel,
                not_for_venue=bool(not_for_venue and score is not None),
            )
    except IntegrityError:
        return Feedback.objects.get(use=use)


def keep_comment_from_venue(use: Use) -> bool:
    """Mark the comment of this use's feedback "not for the venue"; False when there is none."""
    return bool(Feedback.objects.filter(use=use).exclude(text="").update(not_for_venue=True))


def feedback_token(use: Use) -> str:
    return signing.dumps({"use": use.pk}, salt=FEEDBACK_SALT)


def use_for_feedback_token(token: str) -> Use | None:
    try:
        data = signing.loads(token, salt=FEEDBACK_SALT, max_age=FEEDBACK_LINK_VALID_FOR)
    except signing.BadSignature:
        return None
    return Use.objects.accepted().filter(pk=data.get("use")).select_related("venue", "offer", "card").first()


def send_feedback_requests(*, today: dt.date | None = None, days: int = 7) -> int:
    """E-mail a feedback question once per recent use, to holders who consented to e-mail."""
    today = today or timezone.localdate()
    uses = (
        Use.objects.accepted()
        .filter(
            used_on__gte=today - dt.timedelta(days=days),
            used_on__lte=today,
            feedback__isnull=True,
            card__portal_consent=True,
            card__status=Card.Status.ACTIVE,
            card__email__gt="",
        )
        .exclude(pk__in=HolderMail.objects.filter(kind=HolderMail.Kind.FEEDBACK).values("use_id"))
        .select_related("card", "venue", "offer")
    )
    sent = 0
    for use in uses:
        assert use.card is not None
        with transaction.atomic(), translation.override(preference(use.card).language or settings.LANGUAGE_CODE):
            try:
                HolderMail.objects.create(card=use.card, kind=HolderMail.Kind.FEEDBACK, use=use)
            except IntegrityError:
                continue
            url = absolute_url(reverse("portal:feedback_by_link", args=[feedback_token(use)]))
            send_after_commit(
                use.card.email,
                _("How was your visit?"),
                "portal/email/feedback.txt",
                {"use": use, "url": url},
            )
        sent += 1
    return sent


# --- Wellbeing --------------------------------------------------------------------------


def survey_due(card: Card) -> str | None:
    """The occasion (registration/renewal) the survey is due for, or None.

    Asked once per card year, only of personal cards whose holder consented.
    """
    if card.is_community or not card.survey_consent or card.status != Card.Status.ACTIVE or not card.issued_on:
        return None
    if WellbeingAnswer.objects.filter(card=card, period_start=card.issued_on).exists():
        return None
    renewed = card.registered_on is not None and card.issued_on > card.registered_on
    return WellbeingAnswer.Occasion.RENEWAL if renewed else WellbeingAnswer.Occasion.REGISTRATION


def answer_survey(card: Card, answers: dict[str, int | None], *, declined: bool = False) -> WellbeingAnswer | None:
    """Store this card year's answers (or that the holder declined). Idempotent per card year."""
    occasion = survey_due(card)
    if occasion is None or card.issued_on is None:
        return WellbeingAnswer.objects.filter(card=card, period_start=card.issued_on or dt.date.min).first()
    values: dict[str, int | None] = {}
    for question in WellbeingAnswer.QUESTIONS:
        value = None if declined else answers.get(question)
        if value is not None and not (0 <= int(value) <= 5):
            raise PortalError("answer_invalid")
        values[question] = None if value is None else int(value)
    try:
        with transaction.atomic():
            return WellbeingAnswer.objects.create(
                card=card, occasion=occasion, period_start=card.issued_on, declined=declined, **values
            )
    except IntegrityError:
        return WellbeingAnswer.objects.filter(card=card, period_start=card.issued_on).first()


# --- Group visits -----------------------------------------------------------------------


def holder_area_ids(card: Card) -> set[int]:
    """The areas whose offers and group visits a holder sees: home area and issuing area."""
    ids = {card.site.area_id}
    if card.municipality is not None and card.municipality.area_id:
        ids.add(card.municipality.area_id)
    return ids


@dataclass
class GroupVisitDetails:
    offer: Offer
    meets_at: dt.datetime
    meeting_place: str
    max_size: int
    community_card: Card
    occurrence: Occurrence | None = None
    note: str = ""


@transaction.atomic
def create_group_visit(site: Site, details: GroupVisitDetails, actor: Any) -> GroupVisit:
    card = details.community_card
    if not (card.site_id == site.pk and card.is_community and card.status == Card.Status.ACTIVE):
        raise PortalError("community_card_invalid")
    if details.occurrence is not None and details.occurrence.offer_id != details.offer.pk:
        raise PortalError("occurrence_of_other_offer")
    if details.offer.excluded:
        raise PortalError("offer_not_available")
    if not (1 <= details.max_size <= GROUP_MAX_SIZE):
        raise PortalError("size_invalid", max=GROUP_MAX_SIZE)
    if details.meets_at <= timezone.now():
        raise PortalError("meeting_in_past")
    if not details.meeting_place.strip():
        raise PortalError("place_required")
    held = 0
    if details.occurrence is not None:
        held = _hold_places(details.occurrence, details.max_size + 1)
    visit = GroupVisit.objects.create(
        site=site,
        offer=details.offer,
        occurrence=details.occurrence,
        meets_at=details.meets_at,
        meeting_place=details.meeting_place.strip()[:200],
        max_size=details.max_size,
        community_card=card,
        note=details.note.strip()[:1000],
        created_by=actor if getattr(actor, "pk", None) else None,
        held_places=held,
    )
    if details.occurrence is not None:
        details.occurrence.note_taken(taken_places(details.occurrence))
    audit.record(
        actor,
        "portal.group_visit_created",
        visit,
        changes={"offer": details.offer.pk, "meets_at": visit.meets_at.isoformat(), "max_size": visit.max_size},
        area=site.area,
    )
    return visit


def _date_closed(occurrence: Occurrence, offer: Offer) -> str | None:
    if occurrence.cancelled:
        return "date_cancelled"
    if occurrence.sold_out or offer.sold_out:
        return "date_sold_out"
    if occurrence.has_started():
        return "date_started"
    return None


def _hold_places(occurrence: Occurrence, places: int) -> int:
    """Lock the date and check that ``places`` fit in its quota (the same count as the door's)."""
    occurrence = Occurrence.objects.select_for_update(of=("self",)).select_related("offer").get(pk=occurrence.pk)
    closed = _date_closed(occurrence, occurrence.offer)
    if closed:
        raise PortalError(closed)
    quota = occurrence.effective_quota
    if quota is not None and taken_places(occurrence) + places > quota:
        raise PortalError("not_enough_places")
    return places


@transaction.atomic
def cancel_group_visit(visit: GroupVisit, actor: Any) -> GroupVisit:
    visit = GroupVisit.objects.select_for_update().select_related("site__area").get(pk=visit.pk)
    if visit.cancelled_at is None:
        visit.cancelled_at = timezone.now()
        visit.save(update_fields=["cancelled_at"])
        audit.record(actor, "portal.group_visit_cancelled", visit, area=visit.site.area)
    return visit


def visible_group_visits(card: Card, *, with_cancelled_joined: bool = False) -> Any:
    """Upcoming open visits of the holder's areas (and, if asked, cancelled ones the holder had joined)."""
    visits = GroupVisit.objects.upcoming(timezone.now()).filter(site__area_id__in=holder_area_ids(card))
    if with_cancelled_joined:
        visits = visits.filter(Q(cancelled_at__isnull=True) | Q(participants__card=card)).distinct()
    else:
        visits = visits.filter(cancelled_at__isnull=True)
    return visits.select_related("offer__venue", "site")


@transaction.atomic
def join_group_visit(card: Card, visit: GroupVisit) -> GroupVisitParticipant:
    """Join once (joining again returns the same place). The row lock keeps the size."""
    visit = GroupVisit.objects.select_for_update().select_related("site__area").get(pk=visit.pk)
    existing = GroupVisitParticipant.objects.filter(group_visit=visit, card=card).first()
    if existing is not None:
        return existing
    if card.status != Card.Status.ACTIVE or card.is_expired_on(timezone.localdate()):
        raise PortalError("card_not_active")
    if card.is_community:
        raise PortalError("not_personal_card")
    if visit.is_cancelled:
        raise PortalError("group_cancelled")
    if visit.meets_at < timezone.now():
        raise PortalError("group_past")
    if visit.site.area_id not in holder_area_ids(card):
        raise PortalError("group_other_area")
    if visit.occurrence is not None:
        closed = _date_closed(visit.occurrence, visit.offer)
        if closed:
            raise PortalError(closed)
    if visit.participants.count() >= visit.max_size:
        raise PortalError("group_full")
    place = GroupVisitParticipant.objects.create(group_visit=visit, card=card)
    # Recorded on the card (whose entries only the national admin sees with their number),
    # not on the visit: a coordinator reading the visit's area sees counts, never cards.
    audit.record(HOLDER, "portal.group_visit_joined", card, changes={"group_visit": visit.pk}, area=visit.site.area)
    return place


@transaction.atomic
def leave_group_visit(card: Card, visit: GroupVisit) -> None:
    deleted, _rows = GroupVisitParticipant.objects.filter(group_visit=visit, card=card).delete()
    if deleted:
        audit.record(HOLDER, "portal.group_visit_left", card, changes={"group_visit": visit.pk}, area=visit.site.area)


# --- The holder's own data --------------------------------------------------------------


def _card_change(card: Card, changes: dict[str, list[Any]]) -> None:
    CardEvent.objects.create(
        card=card, kind=CardEvent.Kind.CORRECTED, details={"fields": sorted(changes), "by": HOLDER}
    )
    audit.record(HOLDER, "portal.holder_changed_card", card, changes=changes, area=card.site.area)


@transaction.atomic
def withdraw_consents(card: Card, *, portal: bool = False, survey: bool = False) -> Card:
    """Withdraw consent to e-mail (which also deletes the address) and/or to surveys."""
    card = Card.objects.select_for_update().select_related("site__area").get(pk=card.pk)
    before = audit.snapshot(card, ["portal_consent", "email", "survey_consent"])
    if portal:
        card.portal_consent = False
        card.email = ""
        HolderPreference.objects.filter(card=card).update(digest=False)
    if survey:
        card.survey_consent = False
    changes = audit.diff(before, audit.snapshot(card, before))
    if changes:
        card.save(update_fields=["portal_consent", "email", "survey_consent", "updated_at"])
        # The address itself never goes to the audit log: only that it was removed.
        if "email" in changes:
            changes["email"] = ["…", ""]
        _card_change(card, changes)
    return card


def delete_portal_email(card: Card) -> Card:
    """Deleting the address also withdraws the consent to e-mail (a rule of registration)."""
    return withdraw_consents(card, portal=True)


def set_digest(card: Card, wanted: bool) -> HolderPreference:
    pref = preference(card)
    pref.digest = bool(wanted and card.portal_consent and card.email)
    pref.save(update_fields=["digest", "updated_at"])
    return pref


def export_data(card: Card) -> dict[str, Any]:
    """Everything the register holds about this card, for the holder to download."""
    card = Card.objects.select_related("site", "municipality").get(pk=card.pk)
    pref = HolderPreference.objects.filter(card=card).first()

    def day(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "card": {
            "number": card.display_number,
            "kind": card.kind,
            "status": card.status,
            "issuing_site": card.site.name,
            "first_registered": day(card.registered_on),
            "issued_or_renewed": day(card.issued_on),
            "valid_until": day(card.valid_until),
            "birth_year": card.birth_year,
            "home_municipality": str(card.municipality) if card.municipality else None,
            "postal_code": card.postal_code,
            "children": card.children,
            "gender": card.gender,
            "life_situation": card.life_situation,
            "portal_consent": card.portal_consent,
            "email": card.email,
            "survey_consent": card.survey_consent,
            "details_reduced_on": day(card.details_reduced_on),
            "age_band": card.age_band or None,
        },
        "history": [{"event": e.kind, "at": e.at.isoformat()} for e in card.events.all()],
        "uses": [
            {
                "date": u.used_on.isoformat(),
                "venue": u.venue.name,
                "offer": u.offer.title if u.offer else None,
                "sector": u.sector,
                "adults": u.adults,
                "children": u.children,
                "outcome": u.outcome,
                "reason": u.reason,
                "voided": u.voided_at is not None,
            }
            for u in card.uses.select_related("venue", "offer").order_by("used_on", "pk")
        ],
        "feedback": [
            {
                "visit_date": f.use.used_on.isoformat(),
                "score": f.score,
                "went_with_someone": f.went_with_someone,
                "text": f.text,
                "not_for_venue": f.not_for_venue,
            }
            for f in Feedback.objects.filter(use__card=card).select_related("use").order_by("created_at")
        ],
        "wellbeing": [
            {
                "occasion": w.occasion,
                "card_year_from": w.period_start.isoformat(),
                "declined": w.declined,
                **{q: getattr(w, q) for q in WellbeingAnswer.QUESTIONS},
            }
            for w in card.wellbeing_answers.order_by("period_start")
        ],
        "reservations": [
            {
                "offer": r.occurrence.offer.title,
                "starts_at": r.occurrence.starts_at.isoformat(),
                "status": r.status,
                "reserved_via": r.via,
                "reserved_at": r.created_at.isoformat(),
                "closed_at": day(r.closed_at),
            }
            for r in card.reservations.select_related("occurrence__offer").order_by("created_at", "pk")
        ],
        "group_visits": [
            {
                "offer": p.group_visit.offer.title,
                "meets_at": p.group_visit.meets_at.isoformat(),
                "joined_at": p.joined_at.isoformat(),
            }
            for p in card.group_visit_places.select_related("group_visit__offer")
        ],
        # From the holder's distributor site (kaiku.outreach): tips a worker gave, renewal reminders.
        "workers_tips": [
            {
                "from_site": t.site.name,
                "offer": t.offer.title,
                "date": t.occurrence.starts_at.isoformat() if t.occurrence else None,
                "given_on": t.given_on.isoformat(),
                "delivery": t.delivery,
            }
            for t in card.worker_tips.select_related("site", "offer", "occurrence").order_by("created_at", "pk")
        ],
        "renewal_reminders": [
            {"valid_until": r.valid_until.isoformat(), "emailed": r.emailed, "at": r.created_at.isoformat()}
            for r in card.renewal_reminders.order_by("created_at", "pk")
        ],
        "signed_in_devices": [
            {
                "since": d.created_at.isoformat(),
                "method": d.method,
                "signed_out": day(d.signed_out_at),
            }
            for d in card.portal_devices.order_by("created_at")
        ],
        "sign_in_attempts": [
            {"at": a.at.isoformat(), "method": a.method, "outcome": a.outcome}
            for a in SignInAttempt.objects.filter(card=card).order_by("at")
        ],
        "preferences": {"weekly_tips_by_email": bool(pref and pref.digest), "language": pref.language if pref else ""},
    }


# --- Housekeeping -----------------------------------------------------------------------

# Sign-in attempts are kept this long for investigating guessing, then deleted.
KEEP_ATTEMPTS = dt.timedelta(days=90)


def clean_up(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete old sign-in attempts and spent or expired sign-in links."""
    now = now or timezone.now()
    attempts, _rows = SignInAttempt.objects.filter(at__lt=now - KEEP_ATTEMPTS).delete()
    links, _rows = EmailSignInToken.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return {"attempts": attempts, "links": links}
