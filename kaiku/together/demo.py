"""Demo data for working together: a group request waiting for the demo venue, a bulletin."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.cards.models import Card
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence
from kaiku.together import services


def _site_of(user: Any, role: str) -> Site | None:
    if user is None:
        return None
    assignment = RoleAssignment.objects.filter(user=user, role=role).select_related("site").first()
    return assignment.site if assignment is not None else None


def populate(ctx: Any) -> None:
    coordinator = ctx.users.get("coordinator")
    desk = _site_of(ctx.users.get("distributor"), Role.DISTRIBUTOR_STAFF)
    venue = _site_of(ctx.users.get("venue_staff"), Role.VENUE_STAFF)
    if desk is not None:
        services.post_bulletin(
            services.BulletinDetails(
                area=desk.area,
                audience="all",
                title="Kevään verkostotapaaminen",
                body="Tervetuloa Kaikukortti-verkoston tapaamiseen kirjaston auditorioon.",
            ),
            coordinator,
            national=True,
            area_ids=set(),
        )
    if desk is None or venue is None:
        return
    card = Card.objects.filter(site=desk, kind=Card.Kind.COMMUNITY, status=Card.Status.ACTIVE).first()
    occurrence = (
        Occurrence.objects.upcoming(timezone.now())
        .filter(offer__venue=venue, offer__excluded=False, offer__sold_out=False, sold_out=False)
        .select_related("offer")
        .first()
    )
    if card is None or occurrence is None:
        return
    try:
        services.request_places(
            desk,
            services.RequestDetails(card=card, occurrence=occurrence, under_16=3, adults=1, accessibility=True),
            ctx.users.get("distributor"),
        )
    except services.TogetherError:
        return
