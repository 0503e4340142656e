"""Spreadsheet import of uses recorded offline on paper (``kaiku.web.imports`` runs it all-or-nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaiku.network.models import Site
from kaiku.offers.models import Offer
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, HeldUse, Reason
from kaiku.web.imports import Column, Context, ImportResult, paper_record, run, whole_number
from kaiku.web.models import Duplicates, ImportRecord
from kaiku.web.tokens import token_hash
from kaiku.web.uploads import Table

USE_COLUMNS = [
    Column("date", gettext_lazy("Date"), help=gettext_lazy("The day of the visit, e.g. 2026-05-31 or 31.5.2026")),
    Column("card_number", gettext_lazy("Card number")),
    Column("event", gettext_lazy("Event"), required=False, help=gettext_lazy("The offer's title, if it is in Kaiku")),
    Column("adults", gettext_lazy("Adults"), required=False, help=gettext_lazy("Always 1: one row per card")),
    Column(
        "children",
        gettext_lazy("Children"),
        required=False,
        help=gettext_lazy("With a community card: clients under 16"),
    ),
    Column("assistants", gettext_lazy("Assistants"), required=False),
]


REASON_COLUMN = {
    Reason.TOO_MANY_CHILDREN: "children",
    Reason.CHILDREN_NOT_ALLOWED_COURSE: "children",
    Reason.COMMUNITY_GROUP_TOO_LARGE: "children",
    Reason.COMMUNITY_CLIENTS_PERSONAL: "children",
    Reason.BAD_COUNTS: "assistants",
    Reason.ALREADY_USED: "event",
    Reason.QUOTA_FULL: "event",
    Reason.SOLD_OUT: "event",
    Reason.EXCLUDED: "event",
    Reason.OFFER_ELSEWHERE: "event",
    Reason.VENUE_CLOSED: "date",
}


def _offer_by_title(venue: Site, title: str) -> Offer | None:
    return (
        Offer.objects.filter(venue=venue)
        .filter(Q(title_fi__iexact=title) | Q(title_sv__iexact=title) | Q(title_en__iexact=title))
        .order_by("-starts_on", "-pk")
        .first()
    )


def import_uses(
    venue: Site, table: Table, actor: Any, filename: str = "", duplicates: str = Duplicates.REPORT
) -> ImportResult:
    """Uses from the paper form. Each row is a ``record_use`` with its original date (flagged late).

    Rows that repeat an earlier row are refused unless ``duplicates`` says to record or skip them.
    """
    offers: dict[str, Offer | None] = {}
    kinds: dict[str, bool] = {}  # card number → is a community card; a file repeats numbers

    def handle(row: int, raw: dict[str, Any], ctx: Context) -> None:
        data, day, number = paper_record(row, raw, ctx)
        adults, children, assistants = (
            whole_number(data.get("adults", ""), 1),
            whole_number(data.get("children", "")),
            whole_number(data.get("assistants", "")),
        )
        if adults != 1:
            ctx.error(row, "adults", _("One card admits one adult: write each card on its own row."))
        if children is None or children < 0:
            ctx.error(row, "children", _("Write the number of children as a whole number."))
        if assistants is None or assistants < 0:
            ctx.error(row, "assistants", _("Write the number of assistants as a whole number."))
        event = data.get("event", "")
        offer = None
        if event:
            if event.lower() not in offers:
                offers[event.lower()] = _offer_by_title(venue, event)
            offer = offers[event.lower()]
        if (
            day is None
            or not number
            or adults != 1
            or children is None
            or children < 0
            or assistants is None
            or assistants < 0
        ):
            return
        if number not in kinds:
            card, _reason, _normalised = visits.find_card(number)
            kinds[number] = card is not None and card.is_community
        community = kinds[number]
        fingerprint = f"{day}|{number.upper()}|{event.lower()}|{children}|{assistants}"
        ctx.seen[fingerprint] += 1
        key = "import-" + token_hash(f"{fingerprint}|{ctx.seen[fingerprint]}")[:40]
        # Noon on the day: the paper form has no time, and noon keeps the local date in any zone.
        # The device-time rule of every channel (visits.services.judge_device_time) clamps
        # today's noon to now and holds a day older than IMPORT_WINDOW for review.
        scanned_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))
        use = {
            "number": number,
            "idempotency_key": key,
            "children": 0 if community else children,
            "community_clients": children if community else 0,
            "assistants": assistants,
            "offer": offer,
            "scanned_at": scanned_at,
        }
        via = f"{filename} {event}".strip()[:120]
        result = visits.submit_use(
            visits.use_request(venue, use, channel=Channel.IMPORT, recorded_by=actor, recorded_via=via)
        )
        if isinstance(result, HeldUse):
            ctx.held += 1
        elif not result.accepted:
            ctx.error(row, REASON_COLUMN.get(Reason(result.reason), "card_number"), Reason(result.reason).label)
        elif result.created:
            ctx.created += 1
        else:
            ctx.skipped += 1

    return run(
        ImportRecord.Kind.USES,
        USE_COLUMNS,
        table,
        handle,
        actor=actor,
        filename=filename,
        area=None,
        site=venue,
        duplicates=duplicates,
    )
