"""Demo onboarding data: guideline versions and acknowledgements, a pilot's checklist and
status history, an area in planning, an invitation, and an agency key with a known secret."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kaiku.network import models as network
from kaiku.network.onboarding import partner_sites
from kaiku.partners import services
from kaiku.partners.models import ApiKey
from kaiku.web.tokens import token_hash

# A fixed demo key, so that the API examples in docs/api.md can be tried against `make run`.
DEMO_API_KEY = "kk_demo0001_kaikukortti-demo-key-for-the-partner-api"


def populate(ctx: Any) -> None:
    admin = ctx.users.get("national_admin")
    coordinator = ctx.users.get("coordinator")
    now = timezone.now()
    old = network.GuidelineVersion.objects.create(
        version="2024.1",
        summary="Partners give Kaikukortti holders free tickets and treat them like every other customer.",
        published_at=now - dt.timedelta(days=500),
        published_by=admin,
    )
    current = network.GuidelineVersion.objects.create(
        version="2026.1",
        summary=(
            "Partners give Kaikukortti holders free tickets and treat them like every other customer.\n"
            "Own children and grandchildren under 18 come along free to the same event (not to courses).\n"
            "Staff check the card in Kaiku and never ask for proof of income."
        ),
        published_at=now - dt.timedelta(days=40),
        published_by=admin,
    )
    partners = list(partner_sites().order_by("pk"))
    for i, site in enumerate(partners):
        network.Acknowledgement.objects.create(site=site, version=old, at=old.published_at + dt.timedelta(days=10))
        if i % 4:  # every fourth partner has not yet acknowledged the current version
            network.Acknowledgement.objects.create(
                site=site, version=current, at=current.published_at + dt.timedelta(days=i % 20)
            )

    # The pilot area's onboarding: planned last year, piloting now.
    pilot = next((a for a in ctx.areas.values() if a.status == network.Area.Status.PILOT), None)
    if pilot is not None:
        network.AreaStatusChange.objects.create(
            area=pilot,
            from_status=network.Area.Status.PLANNING,
            to_status=network.Area.Status.PILOT,
            pilot_start=pilot.pilot_start,
            pilot_end=pilot.pilot_end,
            changed_by=admin,
            changed_at=now - dt.timedelta(days=120),
        )
        for i, item in enumerate(network.ChecklistItem.values[:6]):
            network.ChecklistEntry.objects.create(
                area=pilot, item=item, done_by=coordinator, done_at=now - dt.timedelta(days=200 - 20 * i)
            )
        venue = next((v for v in ctx.venues if v.area_id == pilot.pk), None)
        if venue is not None:
            # Created directly: the demo sends no e-mail.
            network.Invitation.objects.create(
                site=venue,
                email="uusi.kohde@demo.kaiku.fi",
                kind=network.Invitation.Kind.ADMIN,
                token_hash=token_hash("demo-invitation"),
                created_by=coordinator,
                expires_at=network.Invitation.default_expiry(),
            )

    planning = network.Area.objects.create(name="Kainuu", slug="kainuu", kind=network.Area.Kind.COUNTY)
    network.ChecklistEntry.objects.create(area=planning, item=network.ChecklistItem.WORKING_GROUP, done_by=admin)

    agency = ctx.agencies[0] if ctx.agencies else None
    if agency is not None:
        for venue in ctx.venues[:3]:
            services.grant_agency(venue, agency, ctx.users.get("venue_admin"))
        ApiKey.objects.create(
            site=agency,
            label="Demo ticketing",
            prefix="demo0001",
            key_hash=token_hash(DEMO_API_KEY),
            scopes=["check", "record", "read"],
            created_by=coordinator,
        )
        ctx.logins.append((f"Partner API key ({agency.name})", DEMO_API_KEY, reverse("api-docs")))
    if coordinator is not None and isinstance(ctx.areas.get("tampere"), network.Area):
        ctx.logins.append(
            (
                "Onboarding (area coordinator)",
                coordinator.email,
                reverse("onboarding:onboarding", args=[ctx.areas["tampere"].pk]),
            )
        )
    ctx.extra["partners_demo"] = {"planning_area": planning, "sites": network.Site.objects.count()}
