import datetime as dt

import factory
from django.utils import timezone

from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.network.tests.factories import DistributorFactory, MunicipalityFactory


class CardFactory(factory.django.DjangoModelFactory):
    """An active personal card registered today, valid for a year."""

    class Meta:
        model = Card

    number = factory.LazyFunction(numbers.generate)
    site = factory.SubFactory(DistributorFactory)
    status = Card.Status.ACTIVE
    kind = Card.Kind.PERSONAL
    registered_on = factory.LazyFunction(timezone.localdate)
    issued_on = factory.LazyFunction(timezone.localdate)
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    birth_year = 1980
    municipality = factory.LazyAttribute(lambda o: MunicipalityFactory(area=o.site.area))
    postal_code = "33100"
    children = 2


class StockCardFactory(CardFactory):
    status = Card.Status.UNREGISTERED
    registered_on = None
    issued_on = None
    valid_until = None
    birth_year = None
    municipality = None
    postal_code = ""
    children = 0
