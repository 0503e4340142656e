"""Demo data: a worker's tip in the demo holder's portal, and this week's renewal reminders."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.offers.models import Occurrence
from kaiku.outreach.models import WorkerTip
from kaiku.outreach.services import near_offers, send_renewal_reminders
from kaiku.portal.demo import demo_card


def populate(ctx: Any) -> None:
    holder: Card | None = demo_card()
    if holder is not None:
        site = holder.site
        occurrence = (
            Occurrence.objects.upcoming(timezone.now())
            .filter(offer__in=near_offers(site, ctx.today))
            .order_by("starts_at")
            .first()
        )
        if occurrence is not None:
            WorkerTip.objects.create(
                site=site,
                card=holder,
                offer=occurrence.offer,
                occurrence=occurrence,
                delivery=WorkerTip.Delivery.PORTAL,
                given_on=ctx.today,
            )
    # Reminders for the demo cards that are coming due (no e-mail leaves a dev server's console).
    send_renewal_reminders(ctx.today)
