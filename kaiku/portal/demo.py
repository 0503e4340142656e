"""Demo data for the holder's portal: a holder to sign in as, feedback, wellbeing answers, group visits.

The demo holder is a valid personal card of the demo distributor's site with a fixed
activation code (printed by ``manage.py portal_demo_card`` and listed in docs/portal.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Count

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.cards.models import Card
from kaiku.offers.models import Occurrence, Offer
from kaiku.portal.models import (
    WELLBEING_QUESTIONS,
    Feedback,
    GroupVisit,
    GroupVisitParticipant,
    HolderPreference,
    WellbeingAnswer,
)
from kaiku.visits.models import Use

DEMO_ACTIVATION_CODE = "KAKU2345"
DEMO_EMAIL = "kortti@demo.kaiku.fi"
TZ = ZoneInfo(settings.TIME_ZONE)
COMMENTS = [
    "Ihana ilta, kiitos!",
    "Hyvä esitys, mutta sali oli kylmä.",
    "Lapset tykkäsivät kovasti.",
    "Oli mukava päästä pitkästä aikaa ulos.",
    "",
]


def demo_card() -> Card | None:
    return Card.objects.filter(email=DEMO_EMAIL).order_by("pk").first()


def populate(ctx: Any) -> None:
    today = ctx.today
    desk = (
        RoleAssignment.objects.filter(role=Role.DISTRIBUTOR_STAFF, user=ctx.users.get("distributor"))
        .values_list("site_id", flat=True)
        .first()
    )
    cards = Card.objects.valid_on(today).filter(kind=Card.Kind.PERSONAL)
    holder = (
        cards.filter(site_id=desk).annotate(n=Count("uses")).order_by("-n", "pk").first() if desk else None
    ) or cards.order_by("pk").first()
    if holder is None:
        return
    holder.activation_code_hash = make_password(DEMO_ACTIVATION_CODE)
    holder.portal_consent, holder.email, holder.survey_consent = True, DEMO_EMAIL, True
    holder.save(update_fields=["activation_code_hash", "portal_consent", "email", "survey_consent"])
    HolderPreference.objects.update_or_create(card=holder, defaults={"digest": True, "language": "fi"})
    ctx.logins.append(
        (
            "Holder portal (card number / activation code)",
            f"{holder.display_number} / {DEMO_ACTIVATION_CODE}",
            "/portal/",
        )
    )
    ctx.extra["portal_demo_card"] = holder
    _feedback(ctx, holder)
    _wellbeing(ctx)
    _group_visits(ctx, today)


def _feedback(ctx: Any, holder: Card) -> None:
    """About a third of the last four months' uses have an answer; the demo holder's latest waits for one."""
    rng = ctx.rng
    since = ctx.today - dt.timedelta(days=120)
    latest = Use.objects.accepted().filter(card=holder).order_by("-used_on", "-pk").values_list("pk", flat=True).first()
    rows = []
    for use_id in Use.objects.accepted().filter(card__isnull=False, used_on__gte=since).values_list("pk", flat=True):
        if use_id == latest or rng.random() > 0.35:
            continue
        answered = rng.random() < 0.9
        rows.append(
            Feedback(
                use_id=use_id,
                score=rng.choices([1, 2, 3, 4, 5], weights=[2, 4, 14, 40, 40])[0] if answered else None,
                went_with_someone=(rng.random() < 0.45) if answered else None,
                text=rng.choice(COMMENTS) if answered and rng.random() < 0.3 else "",
            )
        )
    Feedback.objects.bulk_create(rows, batch_size=500)


def _wellbeing(ctx: Any) -> None:
    """Answers at registration, and for renewed cards at the renewal, a little better on average."""
    rng = ctx.rng
    rows = []
    for card in Card.objects.registered().filter(survey_consent=True, kind=Card.Kind.PERSONAL):
        if card.registered_on is None or rng.random() < 0.3:
            continue
        start = {q: rng.randint(0, 4) for q in WELLBEING_QUESTIONS}
        who = {"card": card, "site_id": card.site_id, "respondent": f"{rng.getrandbits(128):032x}"}
        rows.append(WellbeingAnswer(**who, occasion="registration", period_start=card.registered_on, **start))
        if card.issued_on and card.issued_on > card.registered_on and rng.random() < 0.7:
            later = {q: max(0, min(5, v + rng.choice([-1, 0, 0, 1, 1, 2]))) for q, v in start.items()}
            rows.append(WellbeingAnswer(**who, occasion="renewal", period_start=card.issued_on, **later))
    WellbeingAnswer.objects.bulk_create(rows, batch_size=500)


def _group_visits(ctx: Any, today: dt.date) -> None:
    """One or two upcoming group visits per distributor site that holds a community card."""
    rng = ctx.rng
    now = dt.datetime.combine(today, dt.time(12), TZ)
    community = Card.objects.valid_on(today).filter(kind=Card.Kind.COMMUNITY).select_related("site")
    used_sites: set[int] = set()
    places = ["Pääoven edessä", "Kirjaston aulassa", "Rautatieaseman kellon alla", "Lippukassan vieressä"]
    for card in community.order_by("pk"):
        if card.site_id in used_sites:
            continue
        used_sites.add(card.site_id)
        dates = list(
            Occurrence.objects.upcoming(now)
            .filter(offer__in=Offer.objects.public().filter(venue__area_id=card.site.area_id))
            .select_related("offer")
            .order_by("starts_at")[:6]
        )
        for occ in rng.sample(dates, k=min(len(dates), rng.choice([1, 2]))):
            visit = GroupVisit.objects.create(
                site=card.site,
                offer=occ.offer,
                occurrence=occ,
                meets_at=occ.starts_at - dt.timedelta(minutes=30),
                meeting_place=rng.choice(places),
                max_size=rng.choice([4, 6, 8]),
                community_card=card,
                note="Ohjaaja on paikalla punaisessa takissa.",
                created_by=ctx.users.get("distributor"),
            )
            area_cards = list(
                Card.objects.valid_on(today)
                .filter(kind=Card.Kind.PERSONAL, site__area_id=card.site.area_id)
                .exclude(email=DEMO_EMAIL)
                .order_by("pk")[:200]
            )
            joiners = rng.sample(area_cards, k=min(len(area_cards), rng.randint(0, visit.max_size - 1)))
            GroupVisitParticipant.objects.bulk_create(
                [GroupVisitParticipant(group_visit=visit, card=c) for c in joiners]
            )
