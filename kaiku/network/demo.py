"""Demo network: a city, a wellbeing services county and a local-only pilot, with their sites.

Municipality codes are the official ones (Statistics Finland). Venues cover all four
sectors; every area has distributor sites; one ticket agency sells for the city's venues.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kaiku.network import models as network
from kaiku.network.models import Area, Municipality, NationalSettings, Sector, Site
from kaiku.network.onboarding import partner_sites
from kaiku.web.tokens import token_hash

# code, Finnish name, Swedish name
MUNICIPALITIES = {
    "tampere": [("837", "Tampere", "Tammerfors")],
    "pohjois-savo": [
        ("297", "Kuopio", "Kuopio"),
        ("749", "Siilinjärvi", "Siilinjärvi"),
        ("140", "Iisalmi", "Idensalmi"),
        ("915", "Varkaus", "Varkaus"),
        ("778", "Suonenjoki", "Suonenjoki"),
    ],
    "porvoo": [("638", "Porvoo", "Borgå")],
}

# Municipalities outside the network, so that the register can show the refusal.
OUTSIDE = [("091", "Helsinki", "Helsingfors"), ("564", "Oulu", "Uleåborg")]

# Postal codes that holders of each municipality plausibly have.
POSTAL_CODES = {
    "837": ["33100", "33200", "33210", "33230", "33400", "33500", "33540", "33580", "33710", "33720", "33800", "33900"],
    "297": ["70100", "70110", "70150", "70300", "70460", "70620", "70780", "70800", "70840", "70900"],
    "749": ["71800", "71820", "71850"],
    "140": ["74100", "74120", "74130", "74160", "74170"],
    "915": ["78200", "78250", "78300", "78850", "78870"],
    "778": ["77600", "77630"],
    "638": ["06100", "06150", "06400", "06450", "06500", "06650", "06750"],
}

# (area, municipality code, name, organisation, sector, address)
VENUES = [
    ("tampere", "837", "Tampereen Teatteri", "Tampereen Teatteri Oy", Sector.CULTURE, "Keskustori 2, Tampere"),
    ("tampere", "837", "Museokeskus Vapriikki", "Tampereen kaupunki", Sector.CULTURE, "Alaverstaanraitti 5, Tampere"),
    ("tampere", "837", "Tampere Filharmonia", "Tampereen kaupunki", Sector.CULTURE, "Yliopistonkatu 55, Tampere"),
    ("tampere", "837", "Sampolan kansalaisopisto", "Tampereen seudun työväenopisto", Sector.EDUCATION, "Sammonkatu 2"),
    ("tampere", "837", "Särkänniemen planetaario", "Särkänniemi Oy", Sector.SCIENCE, "Laiturikatu 1, Tampere"),
    ("tampere", "837", "Kalevan uimahalli", "Tampereen kaupunki", Sector.SPORTS, "Sammonkatu 51, Tampere"),
    ("pohjois-savo", "297", "Kuopion kaupunginteatteri", "Kuopion kaupunki", Sector.CULTURE, "Niiralankatu 2, Kuopio"),
    ("pohjois-savo", "297", "Kuopion museo", "Kuopion kaupunki", Sector.CULTURE, "Kauppakatu 23, Kuopio"),
    ("pohjois-savo", "297", "Kuopion kansalaisopisto", "Kuopion kaupunki", Sector.EDUCATION, "Kuopionlahdenkatu 23"),
    ("pohjois-savo", "297", "Kuopion luonnontieteellinen museo", "Kuopion kaupunki", Sector.SCIENCE, "Myhkyrinkatu 22"),
    ("pohjois-savo", "297", "Kuopion uimahalli", "Kuopion kaupunki", Sector.SPORTS, "Kuopionlahdenkatu 6, Kuopio"),
    ("pohjois-savo", "140", "Iisalmen kulttuurikeskus", "Iisalmen kaupunki", Sector.CULTURE, "Kirkkopuistonkatu 9"),
    ("pohjois-savo", "915", "Varkauden museot", "Varkauden kaupunki", Sector.CULTURE, "Wredenkatu 2, Varkaus"),
    ("pohjois-savo", "749", "Siilinjärven uimahalli", "Siilinjärven kunta", Sector.SPORTS, "Ahmontie 6, Siilinjärvi"),
    ("porvoo", "638", "Porvoon museo", "Porvoon museo", Sector.CULTURE, "Välikatu 11, Porvoo"),
    ("porvoo", "638", "Porvoon kansalaisopisto", "Porvoon kaupunki", Sector.EDUCATION, "Papinkatu 10, Porvoo"),
    ("porvoo", "638", "Kokonhallin uimahalli", "Porvoon kaupunki", Sector.SPORTS, "Aleksanterinkaari 2, Porvoo"),
]

# (area, municipality code, name, organisation)
DISTRIBUTORS = [
    ("tampere", "837", "Aikuissosiaalityö, Tampere", "Tampereen kaupunki"),
    ("tampere", "837", "Klubitalo Tampere", "Tampereen Mielenterveysyhdistys ry"),
    ("tampere", "837", "Diakoniatyö, Tampereen seurakunnat", "Tampereen evankelis-luterilaiset seurakunnat"),
    ("pohjois-savo", "297", "Aikuissosiaalityö, Kuopio", "Pohjois-Savon hyvinvointialue"),
    ("pohjois-savo", "297", "Kuopion Klubitalo", "Kuopion Seudun Mielenterveysseura ry"),
    ("pohjois-savo", "140", "Työllisyyspalvelut, Iisalmi", "Iisalmen kaupunki"),
    ("pohjois-savo", "915", "Etsivä nuorisotyö, Varkaus", "Varkauden kaupunki"),
    ("porvoo", "638", "Etsivä nuorisotyö, Porvoo", "Porvoon kaupunki"),
]


def populate(ctx: Any) -> None:
    today = ctx.today
    NationalSettings.get()
    now = timezone.now()
    pilot = {
        "local_only": True,
        "pilot_start": today - dt.timedelta(days=300),
        "pilot_end": today + dt.timedelta(days=430),
    }
    # slug: name, kind, status, days since the status changed, and a pilot's own fields
    planned = {
        "tampere": ("Tampere", Area.Kind.MUNICIPALITY, Area.Status.ACTIVE, 900, {}),
        "pohjois-savo": ("Pohjois-Savon hyvinvointialue", Area.Kind.COUNTY, Area.Status.ACTIVE, 800, {}),
        "porvoo": ("Porvoon pilotti", Area.Kind.MUNICIPALITY, Area.Status.PILOT, 300, pilot),
    }
    areas = {
        slug: Area.objects.create(
            name=name, slug=slug, kind=kind, status=status, status_changed_at=now - dt.timedelta(days=days), **extra
        )
        for slug, (name, kind, status, days, extra) in planned.items()
    }
    ctx.areas.update(areas)
    for key, rows in MUNICIPALITIES.items():
        for code, name_fi, name_sv in rows:
            ctx.municipalities[code] = Municipality.objects.create(
                code=code, name_fi=name_fi, name_sv=name_sv, area=areas[key]
            )
    for code, name_fi, name_sv in OUTSIDE:
        Municipality.objects.create(code=code, name_fi=name_fi, name_sv=name_sv, area=None)

    def site(kind: str, area: str, code: str, name: str, organisation: str, mailed: str, **more: Any) -> Site:
        """A site whose contact address is at a domain made of ``mailed`` (its name or organisation)."""
        return Site.objects.create(
            kind=kind,
            name=name,
            organisation=organisation,
            area=areas[area],
            municipality=ctx.municipalities[code],
            contact_email=f"kaikukortti@{_domain(mailed)}",
            **more,
        )

    for area, code, name, organisation, sector, address in VENUES:
        ctx.venues.append(site(Site.Kind.VENUE, area, code, name, organisation, name, sector=sector, address=address))
    for area, code, name, organisation in DISTRIBUTORS:
        ctx.distributors.append(site(Site.Kind.DISTRIBUTOR, area, code, name, organisation, organisation))
    ctx.agencies.append(
        Site.objects.create(
            kind=Site.Kind.AGENCY,
            name="Lippupalvelu Demo",
            organisation="Lippupalvelu Demo Oy",
            area=areas["tampere"],
            contact_email="api@lippupalvelu.example",
        )
    )
    ctx.extra["postal_codes"] = POSTAL_CODES


def populate_onboarding(ctx: Any) -> None:
    """Area onboarding: guideline versions and acknowledgements, a pilot's checklist and
    status history, an area in planning and an invitation. Runs after the partners' demo
    (``web.demo.APP_ORDER``), when every site, login and agency exists."""
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

    if coordinator is not None and isinstance(ctx.areas.get("tampere"), network.Area):
        ctx.logins.append(
            (
                "Onboarding (area coordinator)",
                coordinator.email,
                reverse("onboarding:onboarding", args=[ctx.areas["tampere"].pk]),
            )
        )
    ctx.extra["onboarding_demo"] = {"planning_area": planning, "sites": network.Site.objects.count()}


def _domain(name: str) -> str:
    plain = name.lower().translate(str.maketrans("äöå", "aoa"))
    return "".join(ch for ch in plain if ch.isalnum())[:24] + ".example"
