"""The holder's catalogue and personal tips, each tip with a plain reason.

Tips come in this order: last-minute seats a venue has released, other places left
at occurrences this week, offers like ones the holder went to, then offers new in
the holder's area. An offer appears once, and never one the holder has used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.offers.models import ArtForm, Occurrence, Offer
from kaiku.offers.places import with_places
from kaiku.portal.services import holder_area_ids
from kaiku.visits.models import Use

LAST_MINUTE = dt.timedelta(days=7)
NEW_FOR = dt.timedelta(days=14)

# "Because you went to …": one whole sentence per art form, so translators see it all.
BECAUSE: dict[str, Any] = {
    ArtForm.MUSIC: _("Because you went to a concert"),
    ArtForm.THEATRE: _("Because you went to the theatre"),
    ArtForm.DANCE: _("Because you went to a dance show"),
    ArtForm.VISUAL_ARTS: _("Because you went to an art exhibition"),
    ArtForm.MUSEUM: _("Because you went to a museum"),
    ArtForm.LITERATURE: _("Because you went to a book event"),
    ArtForm.FILM: _("Because you went to the cinema"),
    ArtForm.CIRCUS: _("Because you went to the circus"),
    ArtForm.FESTIVAL: _("Because you went to a festival"),
    ArtForm.SCIENCE: _("Because you went to a science centre"),
    ArtForm.SPORTS: _("Because you went to a sports event"),
}
BECAUSE_COURSE = _("Because you took a course")
BECAUSE_OTHER = _("Because you went to something similar")
LAST_MINUTE_SEATS = _("Last-minute places")
PLACES_LEFT = _("Places left this week")
NEW_IN_AREA = _("New in your area")


@dataclass
class Tip:
    offer: Offer
    reason: str
    reason_text: Any
    occurrence: Occurrence | None = None
    places_left: int | None = None


def _because(art_form: str) -> Any:
    if art_form in BECAUSE:
        return BECAUSE[art_form]
    if art_form.startswith("course_"):
        return BECAUSE_COURSE
    return BECAUSE_OTHER


def available_offers(card: Card, today: dt.date | None = None) -> QuerySet[Offer]:
    """Offers of venues in the holder's areas that are open to the card and not over."""
    today = today or timezone.localdate()
    return (
        Offer.objects.public()
        .current(today)
        .filter(venue__area_id__in=holder_area_ids(card), sold_out=False)
        .select_related("venue")
    )


def catalogue(card: Card, *, limit: int = 40) -> list[tuple[Offer, Occurrence | None]]:
    """Offers with their next open occurrence (ongoing offers have none), soonest first."""
    now = timezone.now()
    offers = list(available_offers(card)[:200])
    upcoming: dict[int, Occurrence] = {}
    for upcoming_occ in Occurrence.objects.upcoming(now).filter(offer__in=offers, sold_out=False).order_by("starts_at"):
        upcoming.setdefault(upcoming_occ.offer_id, upcoming_occ)
    with_dates = set(Occurrence.objects.filter(offer__in=offers).values_list("offer_id", flat=True))
    rows: list[tuple[Offer, Occurrence | None]] = []
    for offer in offers:
        occ = upcoming.get(offer.pk)
        if offer.kind == Offer.Kind.EVENT and occ is None and offer.pk in with_dates:
            continue  # every date has passed or is sold out
        rows.append((offer, occ))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda row: (row[1].starts_at if row[1] else far, row[0].title))
    return rows[:limit]


def tips_for(card: Card, *, limit: int = 6) -> list[Tip]:
    now = timezone.now()
    today = timezone.localdate()
    offers = available_offers(card, today)
    used_offer_ids = set(
        Use.objects.accepted().filter(card=card, offer__isnull=False).values_list("offer_id", flat=True)
    )
    tips: list[Tip] = []
    seen: set[int] = set(used_offer_ids)

    # 1 and 2. Places this week: released last-minute seats first, then other free places.
    soon = list(
        with_places(
            Occurrence.objects.upcoming(now)
            .filter(offer__in=offers, starts_at__lte=now + LAST_MINUTE, sold_out=False)
            .select_related("offer__venue"),
            now,
        ).order_by("-extra_seats", "starts_at")[:30]
    )
    soon.sort(key=lambda occ: (occ.extra_seats == 0, occ.starts_at))
    for occ in soon:
        if occ.offer_id in seen:
            continue
        left = occ.places_left  # type: ignore[attr-defined]
        if left is None or left <= 0:
            continue
        if occ.extra_seats:
            tips.append(Tip(occ.offer, "last_minute", LAST_MINUTE_SEATS, occ, left))
        else:
            tips.append(Tip(occ.offer, "places_left", PLACES_LEFT, occ, left))
        seen.add(occ.offer_id)

    # 2. Like what the holder went to: the same art form.
    went = (
        Use.objects.accepted()
        .filter(card=card, offer__isnull=False, used_on__gte=today - dt.timedelta(days=365))
        .exclude(offer__art_form="")
        .values_list("offer__art_form", flat=True)
        .distinct()
    )
    for art_form in list(went)[:5]:
        for offer in offers.filter(art_form=art_form).exclude(pk__in=seen)[:2]:
            tips.append(Tip(offer, "because", _because(art_form)))
            seen.add(offer.pk)

    # 3. New in the holder's area.
    for offer in offers.filter(created_at__gte=now - NEW_FOR).exclude(pk__in=seen).order_by("-created_at")[:limit]:
        tips.append(Tip(offer, "new", NEW_IN_AREA))
        seen.add(offer.pk)
    return tips[:limit]
