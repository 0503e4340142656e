"""Demo cards: 550+ personal and community cards issued over two years, with their history.

Cards are written in bulk (the card services work on today's date; demo history lies
in the past). Each card's states over time go to ``ctx.extra["card_states"]`` so that
the visits demo can record every use against the card as it was on that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from kaiku.audit.models import AuditEntry
from kaiku.audit.services import actor_label_for, redact
from kaiku.cards import numbers
from kaiku.cards.models import Card, CardEvent, Gender, LegacyFormat, LifeSituation
from kaiku.cards.services import REGISTRATION_FIELDS, create_stock
from kaiku.network.models import NationalSettings, Site

PERSONAL_CARDS = 540
COMMUNITY_PER_SITE = 3
STOCK_PER_SITE = 30
TZ = ZoneInfo(settings.TIME_ZONE)

AGES = [(16, 19, 8), (20, 29, 20), (30, 39, 17), (40, 49, 15), (50, 59, 15), (60, 69, 14), (70, 92, 11)]
CHILDREN = [(0, 60), (1, 15), (2, 13), (3, 8), (4, 3), (5, 1)]
GENDERS = [(Gender.WOMAN, 54), (Gender.MAN, 38), (Gender.OTHER, 2), (Gender.NOT_SAID, 2), ("", 4)]
SITUATIONS = [
    (LifeSituation.UNEMPLOYED, 30),
    (LifeSituation.PENSIONER, 18),
    (LifeSituation.STUDENT, 10),
    (LifeSituation.EMPLOYED, 8),
    (LifeSituation.FAMILY_LEAVE, 5),
    (LifeSituation.REHABILITATION, 9),
    (LifeSituation.ASYLUM, 4),
    (LifeSituation.OTHER, 4),
    ("", 12),
]
INACTIVATION_REASONS = [
    "Moved away from the area",
    "The holder asked to end the card",
    "No longer a client of the service",
    "Card returned to the office",
]
COMMUNITY_LABELS = ["Ryhmäkortti 1", "Ryhmäkortti 2", "Ohjaajan kortti"]


@dataclass
class Plan:
    """One card's life: the states it had, from which day, and the events that changed them."""

    card: Card
    states: list[tuple[dt.date, dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[dt.date, str, dict[str, Any]]] = field(default_factory=list)


def _weighted(rng: Any, choices: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _active_card(number: str, kind: str, site: Site, issued_by: Any, registered: dt.date, **details: Any) -> Card:
    return Card(
        number=number,
        kind=kind,
        status=Card.Status.ACTIVE,
        site=site,
        issued_by=issued_by,
        registered_on=registered,
        **details,
    )


def _number(rng: Any, taken: set[str]) -> str:
    while True:
        body = "".join(rng.choice(numbers.ALPHABET) for _ in range(numbers.BODY_LENGTH))
        number = body + numbers.check_character(body)
        if number not in taken:
            taken.add(number)
            return number


def _moment(rng: Any, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)), TZ)


def populate(ctx: Any) -> None:
    rng, today = ctx.rng, ctx.today
    validity = dt.timedelta(days=NationalSettings.get().card_validity_days)
    taken: set[str] = set(Card.objects.values_list("number", flat=True))
    desk_worker = ctx.users.get("distributor")
    desk = desk_worker.roles.get().site if desk_worker else None
    sites = ctx.distributors
    # The city and the county issue most cards; the pilot fewer.
    site_weights = [(s, 3 if s.area.slug != "porvoo" else 2) for s in sites]
    plans: list[Plan] = []

    def actor_for(site: Site) -> Any:
        return desk_worker if desk is not None and site.pk == desk.pk else None

    for i in range(PERSONAL_CARDS):
        site = desk if (i == 0 and desk is not None) else _weighted(rng, site_weights)
        area_munis = [m for m in ctx.municipalities.values() if m.area_id == site.area_id]
        others = [m for m in ctx.municipalities.values() if m.area_id != site.area_id and not m.area.local_only]
        if site.area.local_only or rng.random() < 0.8 or not others:
            municipality = site.municipality if rng.random() < 0.8 else rng.choice(area_munis)
        else:
            municipality = rng.choice(others)
        lo, hi, _w = _weighted(rng, [((a, b, w), w) for a, b, w in AGES])
        registered = today - dt.timedelta(days=int(728 * rng.random() ** 1.2) + 2)
        consent = rng.random() < 0.2
        card = _active_card(
            _number(rng, taken),
            Card.Kind.PERSONAL,
            site,
            actor_for(site),
            registered,
            birth_year=registered.year - rng.randint(lo, hi),
            municipality=municipality,
            postal_code=rng.choice(ctx.extra["postal_codes"][municipality.code]),
            children=_weighted(rng, CHILDREN),
            gender=_weighted(rng, GENDERS),
            life_situation=_weighted(rng, SITUATIONS),
            portal_consent=consent,
            email=f"kortinhaltija{i}@example.org" if consent else "",
            survey_consent=rng.random() < 0.35,
        )
        if i == 0:
            # A well-behaved card at the demo desk for trying the venue page (demo_logins prints it).
            card.registered_on = registered = today - dt.timedelta(days=30)
            card.children, card.birth_year = 2, today.year - 41
        plans.append(_life(rng, today, validity, card, registered, steady=i == 0))

    for site in sites:
        for label in COMMUNITY_LABELS[:COMMUNITY_PER_SITE]:
            registered = today - dt.timedelta(days=rng.randint(20, 500))
            card = _active_card(
                _number(rng, taken),
                Card.Kind.COMMUNITY,
                site,
                actor_for(site),
                registered,
                municipality=site.municipality,
                community_label=label,
            )
            plans.append(_life(rng, today, validity, card, registered, community=True))

    # Replacements first: the old cards point to them.
    replacements = [p for p in plans if p.card.status == Card.Status.REPLACED]
    new_plans = []
    for plan in replacements:
        day = plan.events[-1][0]
        old = plan.card
        state = dict(plan.states[-2][1])  # the validity it had when it was lost
        new = Card(
            number=_number(rng, taken),
            kind=old.kind,
            status=Card.Status.ACTIVE,
            site=old.site,
            issued_by=actor_for(old.site),
            registered_on=old.registered_on,
            issued_on=state["issued_on"],
            valid_until=state["valid_until"],
            **{name: getattr(old, name) for name in _DETAILS},
        )
        new_plans.append(Plan(new, states=[(day, state)], events=[(day, CardEvent.Kind.REPLACEMENT, {})]))
    Card.objects.bulk_create([p.card for p in new_plans])
    for plan, new_plan in zip(replacements, new_plans, strict=True):
        plan.card.replaced_by = new_plan.card
        plan.events[-1][2]["new_card"] = new_plan.card.pk
    Card.objects.bulk_create([p.card for p in plans])
    for plan, new_plan in zip(replacements, new_plans, strict=True):
        new_plan.events[0][2]["old_card"] = plan.card.pk
    plans.extend(new_plans)
    _history(rng, plans, actor_for)

    for site in sites:
        create_stock(site, STOCK_PER_SITE)
    ctx.cards.extend(p.card for p in plans)
    ctx.extra["card_states"] = {p.card.pk: p.states for p in plans}
    _declare_legacy_formats()


def _declare_legacy_formats() -> None:
    """Two formats of the register used before Kaiku (docs/legacy-numbers.md), for the page to show."""
    LegacyFormat.objects.get_or_create(
        name="Vanha rekisteri: kirjaimet ja numerot", defaults={"pattern": "[A-Z]{2}[0-9]{6}", "example": "KA 004711"}
    )
    LegacyFormat.objects.get_or_create(
        name="Vanha rekisteri: vuosi ja juokseva numero",
        defaults={"pattern": "20[0-9]{2}[0-9]{5}", "example": "2019-00042"},
    )


_DETAILS = (*REGISTRATION_FIELDS, "community_label")


def _life(
    rng: Any,
    today: dt.date,
    validity: dt.timedelta,
    card: Card,
    registered: dt.date,
    community: bool = False,
    steady: bool = False,
) -> Plan:
    """Registration, renewals, and perhaps an inactivation or a replacement, all before today."""
    plan = Plan(card)
    state: dict[str, Any] = {
        "status": Card.Status.ACTIVE,
        "issued_on": registered,
        "valid_until": registered + validity,
    }
    plan.states.append((registered, dict(state)))
    plan.events.append((registered, CardEvent.Kind.REGISTERED, {"community": True} if community else {}))
    # Renewal around the end of the year of validity; some let the card lapse first.
    while state["valid_until"] < today + dt.timedelta(days=30) and rng.random() < 0.55:
        renewed = state["valid_until"] + dt.timedelta(days=rng.randint(-30, 60))
        if renewed >= today:
            break
        state.update(issued_on=renewed, valid_until=renewed + validity)
        plan.states.append((renewed, dict(state)))
        plan.events.append((renewed, CardEvent.Kind.RENEWED, {"valid_until": state["valid_until"].isoformat()}))
    span = (today - registered).days
    roll = 1.0 if steady else rng.random()
    if span > 20 and roll < 0.045:
        day = registered + dt.timedelta(days=rng.randint(10, span - 1))
        reason = rng.choice(INACTIVATION_REASONS)
        state.update(status=Card.Status.INACTIVE)
        card.inactivation_reason = reason
        plan.states.append((day, dict(state)))
        plan.events.append((day, CardEvent.Kind.INACTIVATED, {"reason": reason}))
    elif span > 20 and roll < 0.08 and not community:
        day = registered + dt.timedelta(days=rng.randint(10, span - 1))
        # Renewals after the loss belong to the new card: keep the history up to that day.
        plan.states = [s for s in plan.states if s[0] <= day]
        plan.events = [e for e in plan.events if e[0] <= day]
        state = dict(plan.states[-1][1], status=Card.Status.REPLACED)
        card.inactivation_reason = "replaced"
        plan.states.append((day, dict(state)))
        plan.events.append((day, CardEvent.Kind.REPLACED, {}))
    card.status = state["status"]
    card.issued_on = state["issued_on"]
    card.valid_until = state["valid_until"]
    card.code_version = len(plan.events)
    return plan


AUDIT_ACTIONS: dict[str, str] = {
    CardEvent.Kind.REGISTERED: "cards.registered",
    CardEvent.Kind.RENEWED: "cards.renewed",
    CardEvent.Kind.INACTIVATED: "cards.inactivated",
    CardEvent.Kind.REPLACED: "cards.replaced",
}


def _history(rng: Any, plans: list[Plan], actor_for: Any) -> None:
    """The card events and audit entries, dated when they happened."""
    events, entries, moments = [], [], []
    for plan in plans:
        card = plan.card
        actor = actor_for(card.site)
        for day, kind, details in plan.events:
            moment = _moment(rng, day)
            events.append(CardEvent(card=card, kind=kind, actor=actor, details=details))
            moments.append(moment)
            action = AUDIT_ACTIONS.get(kind)
            if action is None:
                continue
            changes: dict[str, Any] = {"reason": details["reason"]} if "reason" in details else {}
            if kind == CardEvent.Kind.REPLACED and card.replaced_by is not None:
                changes = {"replaced_by": card.replaced_by.number}
            entries.append(
                (
                    AuditEntry(
                        actor=actor,
                        actor_label=actor_label_for(actor) if actor else f"{card.site.name} (staff)",
                        action=action,
                        object_type="cards.card",
                        object_id=str(card.pk),
                        object_label=card.display_number,
                        area=card.site.area,
                        changes=redact("cards.card", changes),
                    ),
                    moment,
                )
            )
    created = CardEvent.objects.bulk_create(events, batch_size=500)
    for event, moment in zip(created, moments, strict=True):
        event.at = moment
    CardEvent.objects.bulk_update(created, ["at"], batch_size=500)
    audit = AuditEntry.objects.bulk_create([e for e, _m in entries], batch_size=500)
    for entry, (_e, moment) in zip(audit, entries, strict=True):
        entry.at = moment
    AuditEntry.objects.bulk_update(audit, ["at"], batch_size=500)
