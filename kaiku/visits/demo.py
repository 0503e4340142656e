"""Demo uses: 3,000+ attempts over two years, recorded through ``record_use``.

Uses are recorded in time order. Before each one the card is put in the state it
had that day (from ``ctx.extra["card_states"]``, written by the cards demo), so a
card inactivated in March was accepted in February and refused in April. Mistakes
happen too: typos, expired cards, too many children, a local card out of its area,
the same card twice for one event; a few accepted uses are voided. Online (scan or
typed) a card is checked first, as the desk and the door do: a refused check is the
kept attempt and nothing is recorded, so the demo holds only what the interface makes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Q

from kaiku.audit.models import AuditEntry
from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.network.models import NationalSettings, Site
from kaiku.offers.models import Occurrence
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import CHECK_KEY_PREFIX, UseRequest, check_and_keep, record_use, void_use

TZ = ZoneInfo(settings.TIME_ZONE)
# How often a card is used: most a few times a year, some every week or two.
ACTIVITY = [(0, 7), (1, 11), (2, 14), (4, 18), (6, 16), (9, 15), (14, 11), (22, 6), (35, 2)]
VOID_REASONS = ["Recorded on the wrong card", "Tapped twice", "The holder did not come in after all"]
OVERRIDE_REASONS = ["A ticket was lost at the door", "Came back for the second half"]


def _weighted(rng: Any, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _state_on(states: list[tuple[dt.date, dict[str, Any]]], day: dt.date) -> dict[str, Any]:
    current = states[0][1]
    for start, state in states:
        if start <= day:
            current = state
    return current


def populate(ctx: Any) -> None:
    rng, today = ctx.rng, ctx.today
    states: dict[int, list[tuple[dt.date, dict[str, Any]]]] = ctx.extra.get("card_states", {})
    if not states:
        return
    venues = list(Site.objects.venues().select_related("area"))
    by_area: dict[int, list[Site]] = defaultdict(list)
    for venue in venues:
        by_area[venue.area_id].append(venue)
    cards = {c.pk: c for c in Card.objects.filter(pk__in=states).select_related("site__area").order_by("pk")}
    occurrences: dict[tuple[int, dt.date], list[Occurrence]] = defaultdict(list)
    now = dt.datetime.now(TZ)
    for occ in Occurrence.objects.filter(offer__venue__in=venues, starts_at__lt=now).select_related("offer"):
        occurrences[(occ.offer.venue_id, occ.starts_at.astimezone(TZ).date())].append(occ)
    staff = ctx.users.get("venue_staff")
    staff_venue = staff.roles.get().site_id if staff else None
    group_max = NationalSettings.get().community_group_max
    stock = list(
        Card.objects.filter(status=Card.Status.UNREGISTERED).order_by("pk").values_list("number", flat=True)[:50]
    )
    agency = ctx.agencies[0].name if ctx.agencies else "Ticket agency"

    attempts: list[tuple[dt.datetime, int | None, dict[str, Any]]] = []
    for pk, card in cards.items():
        history = states[pk]
        first = history[0][0]
        last_state = history[-1][1]
        # After an inactivation, a replacement or the end of validity the card mostly stays in a drawer.
        if last_state["status"] != Card.Status.ACTIVE:
            end = min(today, history[-1][0] + dt.timedelta(days=rng.choice([0, 0, 0, 20, 60])))
        else:
            end = min(today, last_state["valid_until"] + dt.timedelta(days=rng.choice([0, 0, 0, 10, 30])))
        span = (end - first).days
        if span <= 0:
            continue
        count = round(1.2 * _weighted(rng, ACTIVITY) * span / 365) + (1 if rng.random() < 0.3 else 0)
        home = by_area[card.site.area_id]
        for _ in range(count):
            day = first + dt.timedelta(days=rng.randint(0, span))
            if rng.random() < 0.88 or (card.site.area.local_only and rng.random() < 0.9):
                venue = rng.choice(home)
            else:
                venue = rng.choice(venues)
            attempts.append((_moment(rng, day, now), pk, {"venue": venue}))
    # Typed mistakes and numbers the register does not know.
    for _ in range(90):
        pk = rng.choice(list(cards))
        number = cards[pk].number
        typo = number[:-1] + rng.choice([c for c in numbers.ALPHABET if c != number[-1]])
        day = today - dt.timedelta(days=rng.randint(0, 700))
        attempts.append((_moment(rng, day, now), None, {"venue": rng.choice(venues), "number": typo}))
    for text in [*stock[:15], "KK-2345-678", "KK-1OIL-0000", *(_unknown(rng) for _ in range(20))]:
        day = today - dt.timedelta(days=rng.randint(0, 700))
        attempts.append((_moment(rng, day, now), None, {"venue": rng.choice(venues), "number": text}))
    attempts.sort(key=lambda a: a[0])

    applied: dict[int, dict[str, Any]] = {}
    accepted_uses: list[Use] = []
    for i, (moment, card_pk, spec) in enumerate(attempts):
        venue = spec["venue"]
        req = UseRequest(
            venue=venue,
            number=spec.get("number", ""),
            channel=Channel.SCAN,
            idempotency_key=f"demo-{i:06d}",
            scanned_at=moment,
            sector=venue.sector,
        )
        occurrence = None
        if card_pk is not None:
            card = cards[card_pk]
            state = _state_on(states[card_pk], moment.date())
            if applied.get(card_pk) is not state:
                Card.objects.filter(pk=card_pk).update(**state)
                applied[card_pk] = state
            req.number = card.number if rng.random() < 0.6 else card.display_number
            _party(rng, card, req, group_max)
            candidates = occurrences.get((venue.pk, moment.date()))
            if candidates and rng.random() < 0.7:
                occurrence = rng.choice(candidates)
                req.occurrence = occurrence
                req.scanned_at = occurrence.starts_at - dt.timedelta(minutes=rng.randint(3, 40))
        roll = rng.random()
        if roll < 0.30 or (card_pk is None and roll >= 0.40):
            # A mistyped or unknown number is typed: a scan reads a signed code.
            req.channel = Channel.TYPED
        elif roll < 0.35 and venue.area.slug == "tampere":
            req.channel, req.recorded_via = Channel.AGENCY, agency
        elif roll < 0.40:
            req.channel, req.accepted_offline, req.recorded_via = Channel.OFFLINE, True, "Ovitabletti"
        if staff is not None and venue.pk == staff_venue and req.channel in (Channel.SCAN, Channel.TYPED):
            req.recorded_by = staff
        if req.channel in (Channel.SCAN, Channel.TYPED):
            # Online, the desk and the door check first: a refused check is kept as the
            # attempt and there is nothing to record (the interface offers no Record).
            check = check_and_keep(
                req.number, venue, channel=req.channel, recorded_by=req.recorded_by, at=req.scanned_at or moment
            )
            if not check.valid:
                continue
        result = record_use(req)
        if result.accepted:
            accepted_uses.append(result.use)
            if occurrence is not None and rng.random() < 0.04:
                # The same card again for the same event: refused, sometimes let in by staff.
                again = UseRequest(
                    venue=venue,
                    number=req.number,
                    channel=Channel.TYPED,
                    idempotency_key=f"demo-{i:06d}-again",
                    scanned_at=req.scanned_at + dt.timedelta(minutes=5) if req.scanned_at else None,
                    occurrence=occurrence,
                    override_reason=rng.choice(OVERRIDE_REASONS) if rng.random() < 0.3 else "",
                )
                record_use(again)
    # Every card ends in the state the register holds today.
    for pk, history in states.items():
        if applied.get(pk) is not history[-1][1]:
            Card.objects.filter(pk=pk).update(**history[-1][1])

    _void_some(rng, ctx, accepted_uses)
    # Demo uses were entered when they happened; a few were typed in days later.
    demo = Use.objects.filter(Q(idempotency_key__startswith="demo-") | Q(idempotency_key__startswith=CHECK_KEY_PREFIX))
    demo.update(received_at=F("scanned_at") + dt.timedelta(seconds=2), late=False)
    late = [u.pk for u in accepted_uses if u.channel == Channel.TYPED and rng.random() < 0.05]
    Use.objects.filter(pk__in=late).update(received_at=F("scanned_at") + dt.timedelta(days=2), late=True)


def _moment(rng: Any, day: dt.date, now: dt.datetime) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(rng.randint(10, 20), rng.randint(0, 59), rng.randint(0, 59)), TZ)
    return min(moment, now - dt.timedelta(minutes=rng.randint(5, 600)))


def _unknown(rng: Any) -> str:
    body = "".join(rng.choice(numbers.ALPHABET) for _ in range(numbers.BODY_LENGTH))
    return numbers.display(body + numbers.check_character(body))


def _party(rng: Any, card: Card, req: UseRequest, group_max: int) -> None:
    """Who comes along: children, clients of a community card, an assistant now and then."""
    if card.is_community:
        req.community_clients = rng.randint(1, group_max) if rng.random() < 0.95 else group_max + rng.randint(1, 3)
    elif card.children and rng.random() < 0.45:
        req.children = rng.randint(1, card.children) if rng.random() < 0.93 else card.children + 1
    elif not card.children and rng.random() < 0.01:
        req.children = 1
    if rng.random() < 0.03:
        req.assistants = 1


def _void_some(rng: Any, ctx: Any, uses: list[Use]) -> None:
    admin = ctx.users.get("venue_admin")
    for use in rng.sample(uses, k=max(1, len(uses) // 60)):
        voided = void_use(use, rng.choice(VOID_REASONS), admin if use.recorded_by_id else None)
        when = use.scanned_at + dt.timedelta(minutes=rng.randint(1, 90))
        Use.objects.filter(pk=voided.pk).update(voided_at=when)
        AuditEntry.objects.filter(action="visits.voided", object_id=str(use.pk)).update(at=when)
