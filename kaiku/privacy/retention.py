"""Retention: what ``manage.py purge`` removes, and when (issue 18, docs/privacy.md).

Each rule is one queryset of what is due on a day and one way to reduce it; running
the rules twice changes nothing the second time (everything reduced drops out of its
queryset). Nothing here touches the statistics' fact tables: they hold only
pseudonymous dimensions copied when a use or card event was recorded (an age band, a
gender, the home municipality), so every statistic is the same after a purge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from kaiku.audit import services as audit
from kaiku.audit.models import AuditEntry
from kaiku.cards.models import Card, CardEvent
from kaiku.door.models import DeviceToken
from kaiku.network.models import Invitation, NationalSettings
from kaiku.portal.models import (
    EmailSignInToken,
    Feedback,
    HolderDevice,
    HolderMail,
    HolderPreference,
    SignInAttempt,
    WellbeingAnswer,
)
from kaiku.privacy.models import ReadEntry
from kaiku.stats.models import AgeBand
from kaiku.together.models import GroupRequest

CHUNK = 500


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- Reducing a card's holder details (retention and erasure share it) ------------------

REDUCED_FIELDS = [
    "birth_year",
    "postal_code",
    "gender",
    "life_situation",
    "portal_consent",
    "email",
    "survey_consent",
    "inactivation_reason",
    "activation_code_hash",
    "details_reduced_on",
    "age_band",
    "updated_at",
]


def reduce_card(card: Card, day: dt.date) -> None:
    """Keep only what statistics and the register's integrity need; the card must be locked.

    Stays: the number (so a printed card is still refused), kind, status, issuing site,
    dates, home municipality, number of children, and the age band at the end of the
    card's validity. Goes: birth year, postal code, gender, life situation, e-mail and
    consents, the free-text inactivation reason, the activation code, the holder's
    signed-in browsers, sign-in links, preferences, e-mail bookkeeping, declined survey
    rows, the free text of the holder's feedback, and the link from the holder's survey
    answers to the card: the answers (numbers 0-5) stay as anonymous rows with the issuing
    site and a random respondent key, because the wellbeing statistics count them and
    pair a registration answer with its renewal.
    """
    if card.birth_year and card.valid_until:
        card.age_band = AgeBand.for_age(card.valid_until.year - card.birth_year)
    elif not card.age_band:
        card.age_band = AgeBand.UNKNOWN
    card.birth_year = None
    card.postal_code = ""
    card.gender = ""
    card.life_situation = ""
    card.portal_consent = False
    card.email = ""
    card.survey_consent = False
    card.inactivation_reason = ""
    card.activation_code_hash = ""
    card.details_reduced_on = day
    card.save(update_fields=REDUCED_FIELDS)
    HolderDevice.objects.filter(card=card).delete()
    EmailSignInToken.objects.filter(card=card).delete()
    HolderPreference.objects.filter(card=card).delete()
    HolderMail.objects.filter(card=card).delete()
    WellbeingAnswer.objects.filter(card=card, declined=True).delete()
    WellbeingAnswer.objects.filter(card=card).update(card=None)
    Feedback.objects.filter(use__card=card).exclude(text="").update(text="")
    for event in CardEvent.objects.filter(card=card, details__has_key="reason"):
        event.details = {k: v for k, v in event.details.items() if k != "reason"}
        event.save(update_fields=["details"])


# --- The rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    key: str
    description: str
    due: Callable[[NationalSettings, dt.datetime], QuerySet[Any]]
    apply: Callable[[QuerySet[Any], dt.datetime], int]


def _cards_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[Card]:
    cutoff = years_before(timezone.localdate(now), rules.holder_details_years)
    return Card.objects.filter(
        kind=Card.Kind.PERSONAL, details_reduced_on__isnull=True, valid_until__lt=cutoff
    ).order_by("pk")


def _reduce_cards(due: QuerySet[Card], now: dt.datetime) -> int:
    day = timezone.localdate(now)
    done = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            card = Card.objects.select_for_update().get(pk=pk)
            reduce_card(card, day)
            done += 1
    return done


def _delete(due: QuerySet[Any], now: dt.datetime) -> int:
    deleted, _rows = due.delete()
    return deleted


def _attempts_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[SignInAttempt]:
    return SignInAttempt.objects.filter(at__lt=now - dt.timedelta(days=rules.sign_in_attempt_days))


def _staff_attempts_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[AccessAttempt]:
    # django-axes' counters of wrong staff passwords hold the typed address; a lock ended
    # long before this (AXES_COOLOFF_TIME), so the rows serve nothing any more.
    return AccessAttempt.objects.filter(attempt_time__lt=now - dt.timedelta(days=rules.sign_in_attempt_days))


def _holder_devices_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[HolderDevice]:
    cutoff = now - dt.timedelta(days=rules.idle_device_days)
    return HolderDevice.objects.annotate(seen=Coalesce("last_seen_at", "created_at")).filter(seen__lt=cutoff)


def _door_devices_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[DeviceToken]:
    cutoff = now - dt.timedelta(days=rules.idle_device_days)
    return DeviceToken.objects.annotate(seen=Coalesce("revoked_at", "last_used_at", "created_at")).filter(
        seen__lt=cutoff
    )


def _links_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[EmailSignInToken]:
    return EmailSignInToken.objects.filter(expires_at__lt=now - dt.timedelta(days=rules.spent_link_days))


def _invitations_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[Invitation]:
    cutoff = now - dt.timedelta(days=rules.spent_link_days)
    return Invitation.objects.filter(Q(accepted_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))


def _feedback_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[Feedback]:
    return Feedback.objects.filter(created_at__lt=now - dt.timedelta(days=rules.feedback_text_days)).exclude(text="")


def _clear_text(due: QuerySet[Feedback], now: dt.datetime) -> int:
    return due.update(text="")


def _group_request_text_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[GroupRequest]:
    # A group request's free text (the worker's needs, the venue's message) serves the visit;
    # it goes after the free-text period from the request's last change. Counts and status stay.
    cutoff = now - dt.timedelta(days=rules.feedback_text_days)
    return GroupRequest.objects.filter(updated_at__lt=cutoff).exclude(needs="", venue_message="")


def _clear_group_request_text(due: QuerySet[GroupRequest], now: dt.datetime) -> int:
    # ``update`` leaves ``updated_at`` alone, so a cleared request is not due again.
    return due.update(needs="", venue_message="")


def _audit_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[AuditEntry]:
    cutoff = _start_of(years_before(timezone.localdate(now), rules.audit_values_years))
    return AuditEntry.objects.filter(at__lt=cutoff).exclude(changes={}).order_by("pk")


def _names_only(due: QuerySet[AuditEntry], now: dt.datetime) -> int:
    changed = []
    for entry in due.iterator(chunk_size=CHUNK):
        names = dict.fromkeys(entry.changes) if isinstance(entry.changes, dict) else {}
        if names != entry.changes:
            entry.changes = names
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["changes"], batch_size=CHUNK)
    return len(changed)


def _reads_due(rules: NationalSettings, now: dt.datetime) -> QuerySet[ReadEntry]:
    return ReadEntry.objects.filter(at__lt=_start_of(years_before(timezone.localdate(now), rules.read_log_years)))


RULES = [
    Rule("holder_details", "cards whose holder details were reduced", _cards_due, _reduce_cards),
    Rule("sign_in_attempts", "sign-in attempts deleted", _attempts_due, _delete),
    Rule("staff_sign_in_attempts", "staff sign-in attempts deleted", _staff_attempts_due, _delete),
    Rule("holder_devices", "holders' unused signed-in browsers deleted", _holder_devices_due, _delete),
    Rule("door_devices", "unused or revoked door devices deleted", _door_devices_due, _delete),
    Rule("sign_in_links", "spent sign-in links deleted", _links_due, _delete),
    Rule("invitations", "spent invitations deleted", _invitations_due, _delete),
    Rule("feedback_text", "feedback comments removed", _feedback_due, _clear_text),
    Rule("group_request_text", "group requests' free text removed", _group_request_text_due, _clear_group_request_text),
    Rule("audit_values", "audit entries reduced to field names", _audit_due, _names_only),
    Rule("read_log", "read log entries deleted", _reads_due, _delete),
]


def due_counts(now: dt.datetime | None = None) -> dict[str, int]:
    """How many rows each rule would change now (``purge --dry-run``)."""
    now = now or timezone.now()
    rules = NationalSettings.get()
    counts = {rule.key: rule.due(rules, now).count() for rule in RULES}
    # An old audit entry already reduced to names is not due again.
    counts["audit_values"] = sum(
        1
        for changes in _audit_due(rules, now).values_list("changes", flat=True)
        if isinstance(changes, dict) and any(v is not None for v in changes.values())
    )
    return counts


def purge(actor: Any = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention rule; write one audit entry when anything was done."""
    now = now or timezone.now()
    rules = NationalSettings.get()
    done = {}
    for rule in RULES:
        with transaction.atomic():
            done[rule.key] = rule.apply(rule.due(rules, now), now)
    if any(done.values()):
        audit.record(actor or "purge", "privacy.purged", rules, changes=done)
    return done
