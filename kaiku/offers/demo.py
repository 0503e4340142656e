"""Demo offers: two or three per demo venue, with two years of past dates and the coming weeks.

Runs after the network, accounts and cards demos and before the visits demo,
which records uses on the past occurrences made here. Adds a few reservations,
last-minute seats, a sold-out and an excluded offer, so every state shows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.network.models import Sector, Site
from kaiku.offers import services
from kaiku.offers.models import ArtForm, Occurrence, Offer, TicketMethod

TZ = ZoneInfo(settings.TIME_ZONE)

# (kind, art form, (fi, sv, en) title, (fi, sv, en) description, quota, hour)
Template = tuple[str, str, tuple[str, str, str], tuple[str, str, str], int | None, int]

THEATRE: list[Template] = [
    (
        "event",
        ArtForm.THEATRE,
        ("Kevään ensi-ilta", "Vårens premiär", "The spring premiere"),
        (
            "Uusi kotimainen komedia koko perheelle.",
            "En ny inhemsk komedi för hela familjen.",
            "A new Finnish comedy for the whole family.",
        ),
        10,
        19,
    ),
    (
        "event",
        ArtForm.THEATRE,
        ("Lasten satunäytelmä", "Sagopjäs för barn", "A fairy-tale play for children"),
        (
            "Tunnin mittainen satu, sopii yli 4-vuotiaille.",
            "En timmes saga för barn över 4 år.",
            "An hour-long fairy tale for ages 4 and up.",
        ),
        8,
        13,
    ),
]
MUSEUM: list[Template] = [
    (
        "ongoing",
        ArtForm.MUSEUM,
        ("Museon perusnäyttely", "Museets basutställning", "The museum's permanent exhibition"),
        (
            "Kaupungin historia kivikaudesta tähän päivään.",
            "Stadens historia från stenåldern till i dag.",
            "The city's history from the Stone Age to today.",
        ),
        None,
        0,
    ),
    (
        "event",
        ArtForm.VISUAL_ARTS,
        ("Opastettu kierros", "Guidad tur", "Guided tour"),
        (
            "Oppaan johdolla näyttelyn helmiin, selkokielellä.",
            "Med guide till utställningens pärlor, på lättläst språk.",
            "A guide shows the highlights, in plain language.",
        ),
        6,
        14,
    ),
]
MUSIC: list[Template] = [
    (
        "event",
        ArtForm.MUSIC,
        ("Sinfoniakonsertti", "Symfonikonsert", "Symphony concert"),
        (
            "Orkesteri soittaa Sibeliusta ja Mozartia.",
            "Orkestern spelar Sibelius och Mozart.",
            "The orchestra plays Sibelius and Mozart.",
        ),
        15,
        19,
    ),
    (
        "event",
        ArtForm.MUSIC,
        ("Lounaskonsertti", "Lunchkonsert", "Lunchtime concert"),
        (
            "Puolen tunnin konsertti keskellä päivää.",
            "En halvtimmeskonsert mitt på dagen.",
            "A half-hour concert in the middle of the day.",
        ),
        None,
        12,
    ),
    (
        "event",
        ArtForm.DANCE,
        ("Tanssiesitys", "Dansföreställning", "Dance performance"),
        ("Nykytanssia ja elävää musiikkia.", "Samtida dans och levande musik.", "Contemporary dance with live music."),
        10,
        18,
    ),
]
COURSES: list[Template] = [
    (
        "course",
        ArtForm.COURSE_ARTS,
        ("Maalauksen alkeet", "Grunderna i måleri", "Painting for beginners"),
        (
            "Akvarelli ja akryyli, kaikki tarvikkeet paikan päällä.",
            "Akvarell och akryl, allt material finns på plats.",
            "Watercolour and acrylics, all materials provided.",
        ),
        2,
        0,
    ),
    (
        "course",
        ArtForm.COURSE_LANGUAGES,
        ("Suomea arkeen", "Finska för vardagen", "Everyday Finnish"),
        (
            "Puhumista ja kuuntelemista pienessä ryhmässä.",
            "Tala och lyssna i en liten grupp.",
            "Speaking and listening in a small group.",
        ),
        3,
        0,
    ),
    (
        "course",
        ArtForm.COURSE_MOVEMENT,
        ("Tuolijooga", "Stolyoga", "Chair yoga"),
        (
            "Rauhallista liikettä, sopii kaikille.",
            "Lugna rörelser som passar alla.",
            "Gentle movement that suits everyone.",
        ),
        2,
        0,
    ),
]
SCIENCE: list[Template] = [
    (
        "event",
        ArtForm.SCIENCE,
        ("Tähtitaivasnäytös", "Stjärnhimmelsvisning", "Starry sky show"),
        (
            "Matka aurinkokunnan laidalle kupolissa.",
            "En resa till solsystemets utkant i kupolen.",
            "A journey to the edge of the solar system in the dome.",
        ),
        12,
        15,
    ),
    (
        "ongoing",
        ArtForm.SCIENCE,
        ("Luonnon ihmeet -näyttely", "Naturens under", "Wonders of nature"),
        (
            "Eläimiä, kasveja ja kiviä läheltä.",
            "Djur, växter och stenar på nära håll.",
            "Animals, plants and rocks up close.",
        ),
        None,
        0,
    ),
]
SPORTS: list[Template] = [
    ("ongoing", ArtForm.SPORTS, ("Uinti", "Simning", "Swimming"),
     ("Uintilippu aukioloaikoina, sauna kuuluu hintaan.", "Simbiljett under öppettiderna, bastu ingår.", "Swimming during opening hours, sauna included."), None, 0),
    ("event", ArtForm.SPORTS, ("Vesijumppa", "Vattengymnastik", "Water aerobics"),
     ("Ohjattu vesijumppa syvässä altaassa.", "Ledd vattengymnastik i djupa bassängen.", "Instructed water aerobics in the deep pool."), 5, 17),
]  # fmt: skip


def _templates(venue: Site) -> list[Template]:
    name = venue.name.lower()
    if venue.sector == Sector.EDUCATION:
        return COURSES
    if venue.sector == Sector.SCIENCE:
        return SCIENCE
    if venue.sector == Sector.SPORTS:
        return SPORTS
    if "teatteri" in name:
        return THEATRE
    if "museo" in name or "vapriikki" in name:
        return MUSEUM
    return MUSIC


def populate(ctx: Any) -> None:
    rng, today = ctx.rng, ctx.today
    now = timezone.now()
    staff = ctx.users.get("venue_staff")
    created: list[Offer] = []
    for venue in ctx.venues:
        for kind, art_form, titles, texts, quota, hour in _templates(venue):
            offer = Offer(
                venue=venue,
                kind=kind,
                sector=venue.sector or Sector.CULTURE,
                art_form=art_form,
                title_fi=titles[0],
                title_sv=titles[1],
                title_en=titles[2],
                description_fi=texts[0],
                description_sv=texts[1],
                description_en=texts[2],
                quota=quota,
                min_age=rng.choice([None, None, 7, 12]) if kind != "course" else 16,
                family_friendly=kind != "course" and rng.random() < 0.5,
                step_free=rng.random() < 0.7,
                hearing_loop=rng.random() < 0.4,
                sign_language=rng.random() < 0.1,
                easy_to_read=rng.random() < 0.3,
                sensory_friendly=rng.random() < 0.2,
                assistant_friendly=True,
                ticket_method=rng.choice(
                    [TicketMethod.BOX_OFFICE, TicketMethod.BOX_OFFICE, TicketMethod.PHONE, TicketMethod.RESERVATION]
                ),
                ticket_instructions_fi="Näytä Kaikukortti lippukassalla ja kerro, montako teitä tulee.",
                ticket_instructions_sv="Visa Kaikukortet i biljettkassan och berätta hur många ni är.",
                ticket_instructions_en="Show your Kaikukortti at the box office and say how many of you are coming.",
                ticket_phone="040 123 4567",
                info_url=venue.website or "",
            )
            if kind == "course":
                term = today.replace(day=1) + dt.timedelta(days=rng.choice([-20, 10, 40]))
                offer.starts_on, offer.ends_on = term, term + dt.timedelta(days=90)
            elif kind == "ongoing":
                offer.starts_on = today - dt.timedelta(days=730)
            services.save_offer(offer, staff)
            if kind == "event":
                _dates(offer, hour, rng, today)
            created.append(offer)
    if created:
        # Every state once: sold out, not available with the card.
        created[0].sold_out = True
        services.save_offer(created[0], staff, {})
        created[-1].excluded = True
        services.save_offer(created[-1], staff, {})
    _reservations_and_seats(ctx, created, staff, now)
    ctx.offers.extend(created)


def _dates(offer: Offer, hour: int, rng: Any, today: dt.date) -> None:
    """Past dates every one to two weeks for two years, and the coming six weeks."""
    occurrences = []
    day = today - dt.timedelta(days=720)
    while day < today + dt.timedelta(days=42):
        starts = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)
        occurrences.append(
            Occurrence(
                offer=offer,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=2),
                place=rng.choice(["", "", "Pieni sali"]),
            )
        )
        day += dt.timedelta(days=rng.choice([4, 7, 7, 10, 14]))
    Occurrence.objects.bulk_create(occurrences)
    services.refresh_dates(offer)


def _reservations_and_seats(ctx: Any, offers: list[Offer], staff: Any, now: dt.datetime) -> None:
    cards = [c for c in ctx.cards if c.status == Card.Status.ACTIVE and c.valid_until and c.valid_until > ctx.today][
        :40
    ]
    upcoming = list(
        Occurrence.objects.filter(offer__in=offers, starts_at__gt=now, offer__sold_out=False, offer__excluded=False)
        .select_related("offer__venue")
        .order_by("starts_at")
    )
    reservable = [o for o in upcoming if o.offer.takes_reservations]
    for i, card in enumerate(cards[:20]):
        if not reservable:
            break
        try:
            services.reserve(card, reservable[i % len(reservable)], by=staff)
        except services.OfferError:
            continue  # e.g. a local pilot card at a venue elsewhere: refused, as it should be.
    # Last-minute seats on two shows in the next few days.
    soon = [o for o in upcoming if o.starts_at < now + dt.timedelta(days=4)][:2]
    for occurrence in soon:
        services.release_seats(occurrence, ctx.rng.choice([3, 5]), staff)
