"""The worker's tip as a one-page slip (WeasyPrint)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kaiku.outreach.models import WorkerTip
from kaiku.outreach.services import LANGUAGES, card_ending


def tip_slip_pdf(tip: WorkerTip, language: str | None = None) -> bytes:
    """One A5 page: the offer, its date and place, how to get the ticket, and the card's last characters."""
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    language = language or tip.language
    with translation.override(language if language in LANGUAGES else "fi"):
        html = render_to_string(
            "outreach/print/tip_slip.html",
            {
                "tip": tip,
                "offer": tip.offer,
                "occurrence": tip.occurrence,
                "venue": tip.offer.venue,
                "site": tip.site,
                "ending": card_ending(tip.card),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # type: ignore[no-any-return]
