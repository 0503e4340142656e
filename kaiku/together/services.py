"""Working together: the rules of group requests and bulletins, each in one place.

Every rule raises ``TogetherError`` with a stable ``code`` (``MESSAGES`` below). The free
text of a request (its needs, the venue's message) is seen by the two parties only: it
never reaches the audit log, a log line or an e-mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import Role, RoleAssignment, User
from kaiku.audit import services as audit
from kaiku.cards.models import Card
from kaiku.network.models import Area, Site
from kaiku.offers.models import Occurrence
from kaiku.together.models import (
    GROUP_REQUEST_MAX_PEOPLE,
    MESSAGE_MAX,
    NEEDS_MAX,
    Bulletin,
    BulletinRead,
    GroupRequest,
)
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseRequest, party_reason, record_use, taken_places
from kaiku.web.errors import CodedError
from kaiku.web.mail import absolute_url, send_after_commit

MESSAGES: dict[str, Any] = {
    "not_a_distributor": _("Only distributor sites ask for group places."),
    "card_not_of_site": _("Choose one of this site's active cards."),
    "card_not_valid": _("The card is not valid on that date."),
    "bad_counts": _("Give at least one person and at most %(max)s."),
    "personal_card_one_adult": _(
        "With a personal card the group is the holder and their own children; the accompanying worker comes free."
    ),
    "too_many_children": _("More children than the card allows."),
    "community_group_too_large": _("More clients under 16 than a community card allows."),
    "children_not_allowed_course": _("Children cannot come along to a course."),
    "needs_too_long": _("Describe the needs in at most %(max)s characters."),
    "message_too_long": _("Write at most %(max)s characters."),
    "reason_required": _("Give a reason for declining."),
    "occurrence_past": _("That date has already started."),
    "occurrence_closed": _("That date is cancelled, sold out or not available with the card."),
    "not_same_offer": _("Propose another date of the same offer."),
    "same_date": _("Propose a date other than the one asked for."),
    "places_not_available": _("Not enough Kaikukortti places left on that date."),
    "wrong_state": _("The request has already moved on; reload the page."),
    "use_refused": _("The visit could not be recorded: %(reason)s"),
    "bulletin_area_required": _("Choose one of your areas."),
    "bulletin_empty": _("Write a title and a text."),
    "bulletin_audience": _("Choose who the bulletin is for."),
}


# Placeholders of the messages above that are the same every time.
PARAMS: dict[str, dict[str, Any]] = {
    "bad_counts": {"max": GROUP_REQUEST_MAX_PEOPLE},
    "needs_too_long": {"max": NEEDS_MAX},
    "message_too_long": {"max": MESSAGE_MAX},
}


class TogetherError(CodedError):
    MESSAGES = MESSAGES

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, **{**PARAMS.get(code, {}), **params})


# --- Group requests ---------------------------------------------------------------------


@dataclass
class RequestDetails:
    card: Card
    occurrence: Occurrence
    under_16: int
    adults: int
    accessibility: bool = False
    language: str = ""
    needs: str = ""


def _party_error(card: Card, occurrence: Occurrence, under_16: int, adults: int) -> str | None:
    """Who may come with this card (the door's own rules 3 and 4, ``visits.services.party_reason``)."""
    if under_16 < 0 or adults < 0 or not (1 <= under_16 + adults <= GROUP_REQUEST_MAX_PEOPLE):
        return "bad_counts"
    if card.is_community:
        reason = party_reason(card, 0, under_16, 0, occurrence.offer)
    else:
        if adults != 1:
            return "personal_card_one_adult"
        reason = party_reason(card, under_16, 0, 0, occurrence.offer)
    return str(reason) if reason else None


def _date_error(occurrence: Occurrence, now: dt.datetime) -> str | None:
    offer = occurrence.offer
    if occurrence.starts_at <= now:
        return "occurrence_past"
    if occurrence.cancelled or occurrence.sold_out or offer.sold_out or offer.excluded:
        return "occurrence_closed"
    return None


@transaction.atomic
def request_places(site: Site, details: RequestDetails, actor: Any) -> GroupRequest:
    """A distributor site asks the venue of ``details.occurrence`` for places."""
    from kaiku.visits.services import card_status_reason

    now = timezone.now()
    card, occurrence = details.card, details.occurrence
    if not site.is_distributor:
        raise TogetherError("not_a_distributor")
    if card.site_id != site.pk or card.status != Card.Status.ACTIVE:
        raise TogetherError("card_not_of_site")
    error = _date_error(occurrence, now)
    if error:
        raise TogetherError(error)
    venue = occurrence.offer.venue
    if card_status_reason(card, venue, timezone.localdate(occurrence.starts_at)):
        raise TogetherError("card_not_valid")
    error = _party_error(card, occurrence, details.under_16, details.adults)
    if error:
        raise TogetherError(error)
    if len(details.needs) > NEEDS_MAX:
        raise TogetherError("needs_too_long")
    request = GroupRequest.objects.create(
        site=site,
        card=card,
        venue=venue,
        offer=occurrence.offer,
        occurrence=occurrence,
        under_16=details.under_16,
        adults=details.adults,
        accessibility=details.accessibility,
        language=details.language,
        needs=details.needs.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(actor, "together.group_requested", request)
    _notify(request, to_venue=True)
    return request


def _locked(request: GroupRequest, *states: str) -> GroupRequest:
    locked = (
        GroupRequest.objects.select_for_update(of=("self",))
        .select_related("site__area", "venue__area", "offer", "card", "occurrence__offer")
        .get(pk=request.pk)
    )
    if locked.status not in states:
        raise TogetherError("wrong_state")
    return locked


def _hold(request: GroupRequest, occurrence: Occurrence, now: dt.datetime) -> None:
    """Lock the date and hold the group's places in its quota (the same count as the door's)."""
    occurrence = Occurrence.objects.select_for_update(of=("self",)).select_related("offer").get(pk=occurrence.pk)
    error = _date_error(occurrence, now)
    if error:
        raise TogetherError(error)
    quota = occurrence.effective_quota
    if quota is not None and taken_places(occurrence, now) + request.people > quota:
        raise TogetherError("places_not_available")
    request.occurrence = occurrence
    request.held_places = request.people
    request.status = GroupRequest.Status.ACCEPTED
    request.save(update_fields=["occurrence", "held_places", "status", "updated_at"])
    occurrence.note_taken(taken_places(occurrence, now))


@transaction.atomic
def accept(request: GroupRequest, actor: Any) -> GroupRequest:
    """The venue accepts: the group's places are held in the date's quota at once."""
    request = _locked(request, GroupRequest.Status.REQUESTED)
    _hold(request, request.occurrence, timezone.now())
    _audit(actor, "together.group_accepted", request, changes={"held_places": request.held_places})
    _notify(request, to_venue=False)
    return request


@transaction.atomic
def propose(request: GroupRequest, occurrence: Occurrence, message: str, actor: Any) -> GroupRequest:
    """The venue proposes another date of the same offer; nothing is held until the site agrees."""
    request = _locked(request, GroupRequest.Status.REQUESTED)
    if occurrence.offer_id != request.offer_id:
        raise TogetherError("not_same_offer")
    if occurrence.pk == request.occurrence_id:
        raise TogetherError("same_date")
    error = _date_error(occurrence, timezone.now())
    if error:
        raise TogetherError(error)
    if len(message) > MESSAGE_MAX:
        raise TogetherError("message_too_long")
    request.proposed_occurrence = occurrence
    request.venue_message = message.strip()
    request.status = GroupRequest.Status.PROPOSED
    request.save(update_fields=["proposed_occurrence", "venue_message", "status", "updated_at"])
    _audit(actor, "together.group_date_proposed", request, changes={"proposed_occurrence": occurrence.pk})
    _notify(request, to_venue=False)
    return request


@transaction.atomic
def accept_proposal(request: GroupRequest, actor: Any) -> GroupRequest:
    """The site takes the proposed date: the places are held on it (if they still fit)."""
    request = _locked(request, GroupRequest.Status.PROPOSED)
    assert request.proposed_occurrence_id is not None
    proposed = Occurrence.objects.select_related("offer").get(pk=request.proposed_occurrence_id)
    _hold(request, proposed, timezone.now())
    _audit(actor, "together.group_proposal_accepted", request, changes={"occurrence": proposed.pk})
    _notify(request, to_venue=True)
    return request


@transaction.atomic
def decline(request: GroupRequest, reason: str, actor: Any) -> GroupRequest:
    request = _locked(request, GroupRequest.Status.REQUESTED, GroupRequest.Status.ACCEPTED)
    if not reason.strip():
        raise TogetherError("reason_required")
    if len(reason) > MESSAGE_MAX:
        raise TogetherError("message_too_long")
    request.venue_message = reason.strip()
    request.status = GroupRequest.Status.DECLINED
    request.held_places = 0
    request.save(update_fields=["venue_message", "status", "held_places", "updated_at"])
    _audit(actor, "together.group_declined", request)
    _notify(request, to_venue=False)
    return request


@transaction.atomic
def withdraw(request: GroupRequest, actor: Any) -> GroupRequest:
    request = _locked(
        request, GroupRequest.Status.REQUESTED, GroupRequest.Status.PROPOSED, GroupRequest.Status.ACCEPTED
    )
    request.status = GroupRequest.Status.WITHDRAWN
    request.held_places = 0
    request.save(update_fields=["status", "held_places", "updated_at"])
    _audit(actor, "together.group_withdrawn", request)
    _notify(request, to_venue=True)
    return request


@transaction.atomic
def record_visit(request: GroupRequest, under_16: int, key: str, actor: Any) -> Use:
    """The venue records the group's use against the request, at the door or desk.

    The request's hold is released and the card's use recorded in one transaction, so the
    quota count of ``record_use`` sees the group's places free for the group; a refused use
    rolls the release back. Recording again (the same request) returns the first use.
    Adult clients with cards of their own are checked at the door as usual.
    """
    request = _locked(request, GroupRequest.Status.ACCEPTED, GroupRequest.Status.VISITED)
    if request.status == GroupRequest.Status.VISITED:
        if request.use is None:  # the use was erased since (privacy): nothing to return
            raise TogetherError("wrong_state")
        return request.use
    if not (0 <= under_16 <= request.under_16):
        raise TogetherError("bad_counts")
    request.held_places = 0
    request.save(update_fields=["held_places", "updated_at"])
    card = request.card
    result = record_use(
        UseRequest(
            venue=request.venue,
            number=card.number,
            channel=Channel.TYPED,
            idempotency_key=f"group-request-{request.pk}-{key}"[:80],
            recorded_by=actor if getattr(actor, "pk", None) else None,
            recorded_via="group request",
            children=0 if card.is_community else under_16,
            community_clients=under_16 if card.is_community else 0,
            assistants=0 if card.is_community else 1,
            occurrence=request.occurrence,
        )
    )
    if not result.accepted:
        # Raising rolls back the release and the refused attempt: the places stay held.
        from kaiku.visits.models import Reason

        raise TogetherError("use_refused", reason=str(Reason(result.reason).label))
    request.status = GroupRequest.Status.VISITED
    request.use = result.use
    request.save(update_fields=["status", "use", "updated_at"])
    _audit(actor, "together.group_visited", request, changes={"under_16": under_16})
    return request.use


def _audit(actor: Any, action: str, request: GroupRequest, changes: dict[str, Any] | None = None) -> None:
    # Counts and the state only: never the needs or the venue's message (free text).
    base = {"status": request.status, "under_16": request.under_16, "adults": request.adults}
    audit.record(actor, action, request, changes={**base, **(changes or {})}, area=request.venue.area)


def _site_emails(site: Site) -> list[str]:
    emails = (
        User.objects.filter(roles__site=site, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    found = sorted(set(emails))
    return found or ([site.contact_email] if site.contact_email else [])


def _notify(request: GroupRequest, *, to_venue: bool) -> None:
    """Tell the other side that the request changed (after commit), with a link and no free text."""
    if to_venue:
        path = reverse("together:venue_request", args=[request.venue_id, request.pk])
        recipients = _site_emails(request.venue)
    else:
        path = reverse("together:site_request", args=[request.site_id, request.pk])
        recipients = _site_emails(request.site)
    context = {"request": request, "url": absolute_url(path)}
    subject = _("Kaikukortti group request: %(state)s") % {"state": request.get_status_display()}
    for to in recipients:
        send_after_commit(to, subject, "together/mail/group_request.txt", context)


def open_requests_for_venue(venue: Site) -> QuerySet[GroupRequest]:
    return GroupRequest.objects.filter(venue=venue).select_related("site", "offer", "occurrence")


# --- Bulletins --------------------------------------------------------------------------


@dataclass
class BulletinDetails:
    area: Area | None
    audience: str
    title: str
    body: str
    by_email: bool = False


def post_bulletin(details: BulletinDetails, actor: Any, *, national: bool, area_ids: set[int]) -> Bulletin:
    """A coordinator posts to one of their areas; only the national admin posts to every area (area None)."""
    if details.area is None and not national:
        raise TogetherError("bulletin_area_required")
    if details.area is not None and not (national or details.area.pk in area_ids):
        raise TogetherError("bulletin_area_required")
    if not details.title.strip() or not details.body.strip():
        raise TogetherError("bulletin_empty")
    if details.audience not in Bulletin.Audience.values:
        raise TogetherError("bulletin_audience")
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            area=details.area,
            audience=details.audience,
            title=details.title.strip()[:120],
            body=details.body.strip()[:2000],
            by_email=details.by_email,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor,
            "together.bulletin_posted",
            bulletin,
            changes={"audience": bulletin.audience, "by_email": bulletin.by_email},
            area=details.area,
            label=f"bulletin {bulletin.pk}",
        )
        if bulletin.by_email:
            url = absolute_url(reverse("web:home"))
            for to in _audience_emails(bulletin):
                send_after_commit(to, bulletin.title, "together/mail/bulletin.txt", {"bulletin": bulletin, "url": url})
    return bulletin


def _audience_roles(audience: str) -> list[str]:
    venue_roles: list[str] = [Role.VENUE_STAFF, Role.VENUE_ADMIN]
    if audience == Bulletin.Audience.VENUES:
        return venue_roles
    if audience == Bulletin.Audience.DISTRIBUTORS:
        return [Role.DISTRIBUTOR_STAFF]
    return [*venue_roles, Role.DISTRIBUTOR_STAFF]


def _audience_emails(bulletin: Bulletin) -> list[str]:
    roles = RoleAssignment.objects.filter(role__in=_audience_roles(bulletin.audience), site__offboarded_at__isnull=True)
    if bulletin.area_id is not None:
        roles = roles.filter(site__area_id=bulletin.area_id)
    emails = (
        User.objects.filter(roles__in=roles, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(emails))


def bulletins_for(user: Any) -> QuerySet[Bulletin]:
    """Bulletins addressed to a partner: to their sites' areas (or every area) and their kind of site."""
    from kaiku.accounts.scopes import scope_for

    scope = scope_for(user)
    venue_sites = scope.venue_ids
    distributor_sites = scope.distributor_site_ids
    if not (venue_sites or distributor_sites):
        return Bulletin.objects.none()
    venue_areas = set(Site.objects.filter(pk__in=venue_sites).values_list("area_id", flat=True))
    distributor_areas = set(Site.objects.filter(pk__in=distributor_sites).values_list("area_id", flat=True))
    everywhere = Q(area__isnull=True)
    to_venues = Q(audience__in=[Bulletin.Audience.ALL, Bulletin.Audience.VENUES]) & (
        everywhere | Q(area_id__in=venue_areas)
    )
    to_distributors = Q(audience__in=[Bulletin.Audience.ALL, Bulletin.Audience.DISTRIBUTORS]) & (
        everywhere | Q(area_id__in=distributor_areas)
    )
    wanted = Q(pk__in=[])
    if venue_sites:
        wanted |= to_venues
    if distributor_sites:
        wanted |= to_distributors
    return Bulletin.objects.filter(wanted).select_related("area")


def unread_bulletins(user: Any, limit: int = 5) -> list[Bulletin]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(bulletins_for(user).exclude(reads__user=user)[:limit])


def mark_read(bulletin: Bulletin, user: Any) -> None:
    """Idempotent: reading twice keeps the first time."""
    BulletinRead.objects.get_or_create(bulletin=bulletin, user=user)
