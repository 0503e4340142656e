"""Area onboarding: area status, checklists, sites, invitations, the guideline, offboarding, training.

Every function is atomic, writes the audit log and raises ``OnboardingError`` with a
stable ``code`` when a rule says no. E-mails leave only after the transaction commits.
The audit actions keep their ``partners.`` names from before onboarding moved here, so the
log reads the same across the move.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import Role, RoleAssignment, User
from kaiku.audit import services as audit
from kaiku.network.models import (
    Acknowledgement,
    Area,
    AreaStatusChange,
    ChecklistEntry,
    ChecklistItem,
    GuidelineVersion,
    Invitation,
    Site,
    TrainingReminder,
)
from kaiku.web.errors import CodedError
from kaiku.web.mail import absolute_url, send_after_commit
from kaiku.web.tokens import token_hash

# Sent inside offboard_site's transaction with ``site``, ``actor`` (a user or None) and ``at``.
site_offboarded = Signal()


class OnboardingError(CodedError):
    """A network rule said no. ``code`` is stable; ``message`` is translated for people."""

    MESSAGES: dict[str, Any] = {
        "bad_transition": _("The area cannot move from this status to that one."),
        "pilot_dates_required": _("A pilot needs a start date and an end date, the end after the start."),
        "invitation_invalid": _("This invitation link is not valid."),
        "invitation_used": _("This invitation has already been used."),
        "invitation_expired": _("This invitation has expired. Ask the coordinator for a new one."),
        "invitation_revoked": _("This invitation has been withdrawn."),
        "site_offboarded": _("This partner has left the network."),
        "no_guideline": _("No guideline version has been published yet."),
        "guideline_not_acknowledged": _("Acknowledge the national guideline to continue."),
        "staff_kind_for_agency": _("Ticket agencies have no staff accounts; give them an API key instead."),
        "email_in_use": _("This e-mail address belongs to a closed account. Ask the national admin to reopen it."),
        "wrong_password": _("The password does not match the account of this e-mail address."),
        "already_offboarded": _("This partner has already left the network."),
    }


# --- Area onboarding -------------------------------------------------------------------

ALLOWED_TRANSITIONS = {
    Area.Status.PLANNING: {Area.Status.PILOT, Area.Status.ACTIVE, Area.Status.ENDED},
    Area.Status.PILOT: {Area.Status.ACTIVE, Area.Status.ENDED},
    Area.Status.ACTIVE: {Area.Status.ENDED},
    Area.Status.ENDED: {Area.Status.ACTIVE},
}


@transaction.atomic
def create_area(area: Area, actor: Any) -> Area:
    """A new area always starts in planning (validated by ``AreaForm``)."""
    area.status = Area.Status.PLANNING
    area.save()
    audit.record(
        actor,
        "partners.area_created",
        area,
        changes=audit.snapshot(area, ["name", "slug", "kind", "local_only"]),
        area=area,
    )
    return area


@transaction.atomic
def change_area_status(
    area: Area, to_status: str, actor: Any, *, pilot_start: dt.date | None = None, pilot_end: dt.date | None = None
) -> AreaStatusChange:
    area = Area.objects.select_for_update().get(pk=area.pk)
    if to_status not in ALLOWED_TRANSITIONS.get(Area.Status(area.status), set()):
        raise OnboardingError("bad_transition")
    if to_status == Area.Status.PILOT and (not pilot_start or not pilot_end or pilot_end <= pilot_start):
        raise OnboardingError("pilot_dates_required")
    before = audit.snapshot(area, ["status", "pilot_start", "pilot_end"])
    change = AreaStatusChange.objects.create(
        area=area,
        from_status=area.status,
        to_status=to_status,
        pilot_start=pilot_start,
        pilot_end=pilot_end,
        changed_by=actor if getattr(actor, "pk", None) else None,
    )
    area.status = to_status
    if to_status == Area.Status.PILOT:
        area.pilot_start, area.pilot_end = pilot_start, pilot_end
    area.status_changed_at = change.changed_at
    area.save(update_fields=["status", "pilot_start", "pilot_end", "status_changed_at"])
    audit.record(
        actor, "partners.area_status", area, changes=audit.diff(before, audit.snapshot(area, before)), area=area
    )
    return change


@transaction.atomic
def set_checklist_item(area: Area, item: str, done: bool, actor: Any, note: str = "") -> None:
    ChecklistItem(item)  # a bad item is a programming error: ValueError
    entry = ChecklistEntry.objects.filter(area=area, item=item).first()
    if done and entry is None:
        ChecklistEntry.objects.create(area=area, item=item, done_by=actor, note=note[:200])
    elif not done and entry is not None:
        entry.delete()
    else:
        return
    audit.record(actor, "partners.checklist", area, changes={item: [not done, done]}, area=area)


def checklist(area: Area) -> list[tuple[str, str, ChecklistEntry | None]]:
    """(item, label, entry or None) for every item, in order."""
    entries = {e.item: e for e in ChecklistEntry.objects.filter(area=area).select_related("done_by")}
    return [(value, str(label), entries.get(value)) for value, label in ChecklistItem.choices]


# --- Sites -----------------------------------------------------------------------------


@transaction.atomic
def create_site(site: Site, actor: Any) -> Site:
    """Save a new partner site (validated by ``SiteForm``) and audit it."""
    site.save()
    audit.record(
        actor,
        "partners.site_created",
        site,
        changes=audit.snapshot(site, ["kind", "name", "organisation", "municipality", "sector"]),
        area=site.area,
    )
    return site


@transaction.atomic
def offboard_site(site: Site, actor: Any, reason: str = "") -> Site:
    """The partner leaves the network. Its cards, uses and statistics stay; access ends.

    Staff roles and open invitations end now, and so (through ``site_offboarded``) do its API
    keys and agency authorisations; new uses at
    the venue are refused (``venue_closed``) by ``record_use``.
    """
    site = Site.objects.select_for_update().get(pk=site.pk)
    if site.offboarded_at is not None:
        raise OnboardingError("already_offboarded")
    now = timezone.now()
    site.offboarded_at = now
    site.save(update_fields=["offboarded_at"])
    # Staff by their internal id: the audit log holds no e-mail addresses.
    roles = list(RoleAssignment.objects.filter(site=site).values_list("user_id", "role"))
    RoleAssignment.objects.filter(site=site).delete()
    Invitation.objects.filter(site=site, accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    site_offboarded.send(Site, site=site, actor=_user(actor), at=now)  # the partners app ends keys and grants
    audit.record(
        actor,
        "partners.offboarded",
        site,
        changes={"offboarded_at": now.isoformat(), "reason": reason[:200], "roles_ended": [list(r) for r in roles]},
        area=site.area,
    )
    return site


def _user(actor: Any) -> User | None:
    return actor if getattr(actor, "pk", None) else None


# --- Invitations -----------------------------------------------------------------------


@dataclass
class SentInvitation:
    invitation: Invitation
    token: str


@transaction.atomic
def invite(site: Site, email: str, kind: str, actor: Any, *, base_url: str = "") -> SentInvitation:
    """Invite someone to a site by e-mail: a single-use link valid for 14 days."""
    if site.offboarded_at is not None:
        raise OnboardingError("site_offboarded")
    if site.kind == Site.Kind.AGENCY:
        raise OnboardingError("staff_kind_for_agency")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        site=site,
        email=email.strip().lower(),
        kind=kind,
        token_hash=token_hash(token),
        created_by=_user(actor),
        expires_at=Invitation.default_expiry(),
    )
    link = (base_url or settings.SITE_ROOT).rstrip("/") + reverse("onboarding:accept", kwargs={"token": token})
    send_after_commit(
        invitation.email,
        _("Invitation to Kaikukortti: %(site)s") % {"site": site.name},
        "onboarding/email/invitation.txt",
        {"invitation": invitation, "site": site, "link": link, "inviter": actor},
    )
    audit.record(
        actor,
        "partners.invited",
        invitation,
        changes={"email": None, "kind": kind},
        area=site.area,
        label=invitation.audit_label,
    )
    return SentInvitation(invitation, token)


def open_invitation(token: str) -> Invitation:
    """The invitation behind a link, or a ``OnboardingError`` saying why it cannot be used."""
    invitation = Invitation.objects.select_related("site__area").filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise OnboardingError("invitation_invalid")
    _raise_if_closed(invitation)
    return invitation


def _raise_if_closed(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise OnboardingError("invitation_used")
    if invitation.revoked_at is not None:
        raise OnboardingError("invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise OnboardingError("invitation_expired")
    if invitation.site.offboarded_at is not None:
        raise OnboardingError("site_offboarded")


@dataclass
class Acceptance:
    full_name: str
    password: str
    contact_name: str = ""
    contact_email: str = ""
    acknowledge: bool = False


ROLE_FOR = {
    (Site.Kind.DISTRIBUTOR, Invitation.Kind.ADMIN): Role.DISTRIBUTOR_STAFF,
    (Site.Kind.DISTRIBUTOR, Invitation.Kind.STAFF): Role.DISTRIBUTOR_STAFF,
    (Site.Kind.VENUE, Invitation.Kind.ADMIN): Role.VENUE_ADMIN,
    (Site.Kind.VENUE, Invitation.Kind.STAFF): Role.VENUE_STAFF,
}


def existing_account(invitation: Invitation) -> User | None:
    """The account that already has the invitation's e-mail address, if any."""
    return User.objects.filter(email=invitation.email).first()


@transaction.atomic
def accept_invitation(token: str, data: Acceptance) -> User:
    """Create the account and role; a partner admin also names the contact and acknowledges the guideline.

    Someone who already has an account (a person working at two venues, say) proves it
    with the account's password and gets the invitation's role beside the ones they have.
    """
    invitation = open_invitation(token)
    invitation = Invitation.objects.select_for_update().select_related("site__area").get(pk=invitation.pk)
    _raise_if_closed(invitation)  # again, under the lock: two tabs accepting at once
    site = invitation.site
    is_admin = invitation.kind == Invitation.Kind.ADMIN
    version = GuidelineVersion.objects.current()
    if is_admin and version is not None and not data.acknowledge:
        raise OnboardingError("guideline_not_acknowledged")
    role = ROLE_FOR[(Site.Kind(site.kind), Invitation.Kind(invitation.kind))]
    user = existing_account(invitation)
    if user is None:
        user = User.objects.create_user(invitation.email, data.password, full_name=data.full_name.strip()[:150])
    elif not user.is_active:
        raise OnboardingError("email_in_use")
    elif not user.check_password(data.password):
        raise OnboardingError("wrong_password")
    RoleAssignment.objects.get_or_create(user=user, role=role, site=site)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if is_admin:
        site.contact_name = (data.contact_name or data.full_name).strip()[:120]
        site.contact_email = (data.contact_email or invitation.email).strip().lower()
        site.save(update_fields=["contact_name", "contact_email"])
        if version is not None:
            Acknowledgement.objects.get_or_create(site=site, version=version, defaults={"by": user})
    audit.record(
        user,
        "partners.invitation_accepted",
        invitation,
        changes={"kind": invitation.kind},
        area=site.area,
        label=invitation.audit_label,
    )
    return user


@transaction.atomic
def revoke_invitation(invitation: Invitation, actor: Any) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor, "partners.invitation_revoked", invitation, area=invitation.site.area, label=invitation.audit_label
        )


# --- The national guideline ------------------------------------------------------------


def partner_sites() -> QuerySet[Site]:
    """Sites that commit to the guideline: active distributors and venues (agencies sign a contract)."""
    return Site.objects.active().exclude(kind=Site.Kind.AGENCY)


@transaction.atomic
def publish_guideline(version: str, summary: str, url: str, actor: Any) -> GuidelineVersion:
    """Publish a version: every partner is asked (by e-mail to its contact) to acknowledge it."""
    guideline = GuidelineVersion.objects.create(
        version=version.strip(), summary=summary.strip(), url=url, published_by=_user(actor)
    )
    for site in partner_sites().exclude(contact_email=""):
        link = absolute_url(reverse("onboarding:acknowledge", kwargs={"pk": site.pk}))
        send_after_commit(
            site.contact_email,
            _("The Kaikukortti guideline has been updated (version %(version)s)") % {"version": guideline.version},
            "onboarding/email/guideline.txt",
            {"site": site, "guideline": guideline, "link": link},
        )
    audit.record(actor, "partners.guideline_published", guideline, changes={"version": guideline.version})
    return guideline


@transaction.atomic
def acknowledge(site: Site, version: GuidelineVersion, actor: Any) -> Acknowledgement:
    if site.offboarded_at is not None:
        raise OnboardingError("site_offboarded")
    ack, created = Acknowledgement.objects.get_or_create(site=site, version=version, defaults={"by": _user(actor)})
    if created:
        audit.record(actor, "partners.acknowledged", site, changes={"guideline": version.version}, area=site.area)
    return ack


def not_acknowledged(sites: QuerySet[Site], version: GuidelineVersion | None = None) -> QuerySet[Site]:
    """The partners among ``sites`` that have not acknowledged the current (or given) version."""
    version = version or GuidelineVersion.objects.current()
    sites = sites.filter(offboarded_at__isnull=True).exclude(kind=Site.Kind.AGENCY)
    if version is None:
        return sites.none()
    return sites.exclude(acknowledgements__version=version)


def has_acknowledged_current(site: Site) -> bool:
    version = GuidelineVersion.objects.current()
    return version is None or Acknowledgement.objects.filter(site=site, version=version).exists()


# --- Yearly training reminders ---------------------------------------------------------


def send_training_reminders(year: int | None = None) -> int:
    """Remind each partner's contact, once a year, to train new staff. Safe to run any number of times."""
    year = year or timezone.localdate().year
    sent = 0
    for site in partner_sites().exclude(contact_email="").select_related("area").order_by("pk"):
        with transaction.atomic():
            _reminder, created = TrainingReminder.objects.get_or_create(
                site=site, year=year, defaults={"email": site.contact_email}
            )
            if not created:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                send_after_commit(
                    site.contact_email,
                    _("Kaikukortti: time to train new staff"),
                    "onboarding/email/training.txt",
                    {"site": site, "year": year},
                )
            audit.record(None, "partners.training_reminder", site, changes={"year": year}, area=site.area)
            sent += 1
    return sent
