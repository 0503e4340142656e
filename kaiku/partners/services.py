"""Partners and their API: API keys and the ticket agencies a venue authorises.

Every function is atomic, writes the audit log and raises ``PartnerError`` with a
stable ``code`` when a rule says no.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.accounts.models import User
from kaiku.audit import services as audit
from kaiku.network.models import Site
from kaiku.network.onboarding import site_offboarded
from kaiku.partners.models import AgencyAuthorisation, ApiKey, ApiKeyScope
from kaiku.web.errors import CodedError
from kaiku.web.tokens import token_hash


class PartnerError(CodedError):
    """A rule about keys or agencies said no. ``code`` is stable; ``message`` is translated for people."""

    MESSAGES: dict[str, Any] = {
        "site_offboarded": _("This partner has left the network."),
        "not_an_agency": _("Only a ticket agency can be authorised for a venue."),
        "not_a_venue": _("Only a venue authorises ticket agencies."),
        "key_site_kind": _("API keys are for ticket agencies and venues."),
        "no_scopes": _("Choose at least one operation for the key."),
    }


def _user(actor: Any) -> User | None:
    return actor if getattr(actor, "pk", None) else None


def _end(obj: ApiKey | AgencyAuthorisation, stamp: str, actor: Any) -> bool:
    """Stamp ``<stamp>_at`` and ``<stamp>_by`` once: False when it had already ended."""
    if getattr(obj, f"{stamp}_at") is not None:
        return False
    setattr(obj, f"{stamp}_at", timezone.now())
    setattr(obj, f"{stamp}_by", _user(actor))
    obj.save(update_fields=[f"{stamp}_at", f"{stamp}_by"])
    return True


@receiver(site_offboarded)
def end_access(sender: Any, site: Site, actor: User | None, at: dt.datetime, **kwargs: Any) -> None:
    """A partner that leaves the network loses its API keys and agency authorisations, both ways."""
    ApiKey.objects.filter(site=site, revoked_at__isnull=True).update(revoked_at=at, revoked_by=actor)
    AgencyAuthorisation.objects.active().filter(venue=site).update(withdrawn_at=at, withdrawn_by=actor)
    AgencyAuthorisation.objects.active().filter(agency=site).update(withdrawn_at=at, withdrawn_by=actor)


# --- API keys and agency authorisations ------------------------------------------------

KEY_PREFIX = "kk"


@dataclass
class NewKey:
    key: ApiKey
    secret: str


@transaction.atomic
def create_api_key(site: Site, label: str, scopes: list[str], actor: Any, rate_limit: int = 120) -> NewKey:
    """A new key for a partner. The returned secret is shown once and never stored."""
    if site.kind not in (Site.Kind.AGENCY, Site.Kind.VENUE):
        raise PartnerError("key_site_kind")
    if site.offboarded_at is not None:
        raise PartnerError("site_offboarded")
    scopes = [s for s in ApiKeyScope.values if s in scopes]
    if not scopes:
        raise PartnerError("no_scopes")
    while True:
        prefix = secrets.token_hex(4)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    secret = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        site=site,
        label=label.strip()[:80],
        prefix=prefix,
        key_hash=token_hash(secret),
        scopes=scopes,
        rate_limit=rate_limit,
        created_by=_user(actor),
    )
    audit.record(actor, "partners.api_key_created", key, changes={"scopes": scopes, "site": site.name}, area=site.area)
    return NewKey(key, secret)


def key_for_secret(secret: str) -> ApiKey | None:
    """The key (revoked or not) matching a presented secret, or None."""
    parts = secret.strip().split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("site__area").filter(prefix=parts[1]).first()
    if key is None or not secrets.compare_digest(key.key_hash, token_hash(secret.strip())):
        return None
    return key


@transaction.atomic
def revoke_api_key(key: ApiKey, actor: Any) -> None:
    if _end(key, "revoked", actor):
        audit.record(actor, "partners.api_key_revoked", key, area=key.site.area)


@transaction.atomic
def grant_agency(venue: Site, agency: Site, actor: Any) -> AgencyAuthorisation:
    if venue.kind != Site.Kind.VENUE:
        raise PartnerError("not_a_venue")
    if agency.kind != Site.Kind.AGENCY:
        raise PartnerError("not_an_agency")
    if agency.offboarded_at is not None or venue.offboarded_at is not None:
        raise PartnerError("site_offboarded")
    existing = AgencyAuthorisation.objects.active().filter(venue=venue, agency=agency).first()
    if existing is not None:
        return existing
    auth = AgencyAuthorisation.objects.create(venue=venue, agency=agency, granted_by=_user(actor))
    audit.record(actor, "partners.agency_authorised", venue, changes={"agency": agency.name}, area=venue.area)
    return auth


@transaction.atomic
def withdraw_agency(auth: AgencyAuthorisation, actor: Any) -> None:
    if _end(auth, "withdrawn", actor):
        audit.record(
            actor, "partners.agency_withdrawn", auth.venue, changes={"agency": auth.agency.name}, area=auth.venue.area
        )


def venues_for_key(key: ApiKey) -> QuerySet[Site]:
    """The venues a key may act for: its own venue, or the venues that authorised its agency."""
    if key.site.kind == Site.Kind.VENUE:
        return Site.objects.filter(pk=key.site_id, offboarded_at__isnull=True)
    return Site.objects.venues().filter(
        offboarded_at__isnull=True,
        agency_authorisations__agency_id=key.site_id,
        agency_authorisations__withdrawn_at__isnull=True,
    )
