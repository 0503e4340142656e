"""Two tenants and one user per role, for permission matrices and view tests.

Tenant A is where every role user works. Tenant B holds objects that those users
must never reach (they answer 404). ``L`` is a local-only pilot area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from kaiku.accounts.models import CoordinatorSide, Role, User
from kaiku.accounts.tests.factories import user_with_role
from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory, StockCardFactory
from kaiku.network.models import Area, Municipality, Sector, Site
from kaiku.network.tests.factories import AgencyFactory, AreaFactory, DistributorFactory, VenueFactory

ROLES = [
    "anonymous",
    "national_admin",
    "coordinator",
    "distributor",
    "venue_staff",
    "venue_admin",
]


@dataclass
class World:
    area_a: Area
    area_b: Area
    area_l: Area
    muni_a: Municipality
    muni_b: Municipality
    muni_l: Municipality
    distributor_a: Site
    distributor_b: Site
    distributor_l: Site
    venue_a: Site
    venue_b: Site
    venue_l: Site
    agency_a: Site
    card_a: Card
    card_b: Card
    card_l: Card
    stock_a: Card
    users: dict[str, User]
    extra: dict[str, Any] = field(default_factory=dict)

    def client_for(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def obj(self, name: str) -> Any:
        """An object by name, for URL kwargs in permission matrices: 'card_a', or extra['offer_a']."""
        if name in self.extra:
            return self.extra[name]
        return getattr(self, name)


def build_world() -> World:
    area_a = AreaFactory(name="Tampere", slug="tampere")
    area_b = AreaFactory(name="Pohjois-Savo", slug="pohjois-savo", kind=Area.Kind.COUNTY)
    area_l = AreaFactory(name="Pilottikylä", slug="pilottikyla", status=Area.Status.PILOT, local_only=True)
    muni_a = Municipality.objects.create(code="837", name_fi="Tampere", name_sv="Tammerfors", area=area_a)
    muni_b = Municipality.objects.create(code="297", name_fi="Kuopio", name_sv="Kuopio", area=area_b)
    muni_l = Municipality.objects.create(code="092", name_fi="Vantaa", name_sv="Vanda", area=area_l)
    distributor_a = DistributorFactory(area=area_a, municipality=muni_a, name="Tampereen sosiaalitoimisto")
    distributor_b = DistributorFactory(area=area_b, municipality=muni_b, name="Kuopion Klubitalo")
    distributor_l = DistributorFactory(area=area_l, municipality=muni_l, name="Pilotin etsivä nuorisotyö")
    venue_a = VenueFactory(area=area_a, municipality=muni_a, name="Tampereen Teatteri", sector=Sector.CULTURE)
    venue_b = VenueFactory(area=area_b, municipality=muni_b, name="Kuopion museo", sector=Sector.CULTURE)
    venue_l = VenueFactory(area=area_l, municipality=muni_l, name="Pilotin uimahalli", sector=Sector.SPORTS)
    agency_a = AgencyFactory(area=area_a, name="Lippupiste")
    # Distinctive holder details: permission tests assert they never reach venue staff.
    card_a = CardFactory(site=distributor_a, municipality=muni_a, birth_year=1957, postal_code="33999")
    card_b = CardFactory(site=distributor_b, municipality=muni_b)
    card_l = CardFactory(site=distributor_l, municipality=muni_l)
    stock_a = StockCardFactory(site=distributor_a)
    users = {
        "national_admin": user_with_role(Role.NATIONAL_ADMIN, email="admin@example.org"),
        "coordinator": user_with_role(
            Role.AREA_COORDINATOR, area=area_a, side=CoordinatorSide.CULTURE, email="coordinator@example.org"
        ),
        "distributor": user_with_role(Role.DISTRIBUTOR_STAFF, site=distributor_a, email="distributor@example.org"),
        "venue_staff": user_with_role(Role.VENUE_STAFF, site=venue_a, email="venue@example.org"),
        "venue_admin": user_with_role(Role.VENUE_ADMIN, site=venue_a, email="venueadmin@example.org"),
    }
    return World(
        area_a=area_a,
        area_b=area_b,
        area_l=area_l,
        muni_a=muni_a,
        muni_b=muni_b,
        muni_l=muni_l,
        distributor_a=distributor_a,
        distributor_b=distributor_b,
        distributor_l=distributor_l,
        venue_a=venue_a,
        venue_b=venue_b,
        venue_l=venue_l,
        agency_a=agency_a,
        card_a=card_a,
        card_b=card_b,
        card_l=card_l,
        stock_a=stock_a,
        users=users,
    )
