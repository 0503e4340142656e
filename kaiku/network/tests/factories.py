import factory

from kaiku.network.models import Area, Municipality, Sector, Site


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")
    status = Area.Status.ACTIVE


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"{900 - n:03d}")
    name_fi = factory.Sequence(lambda n: f"Kunta {n}")
    name_sv = factory.Sequence(lambda n: f"Kommun {n}")
    area = factory.SubFactory(AreaFactory)


class DistributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    kind = Site.Kind.DISTRIBUTOR
    name = factory.Sequence(lambda n: f"Social office {n}")
    area = factory.SubFactory(AreaFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    kind = Site.Kind.VENUE
    name = factory.Sequence(lambda n: f"Theatre {n}")
    area = factory.SubFactory(AreaFactory)
    sector = Sector.CULTURE


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    kind = Site.Kind.AGENCY
    name = factory.Sequence(lambda n: f"Ticket agency {n}")
    area = factory.SubFactory(AreaFactory)
