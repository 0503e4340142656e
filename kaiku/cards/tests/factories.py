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


# Two legacy formats of the register used before Kaiku (docs/legacy-numbers.md), as the
# acceptance tests declare them: letters and digits, and a year-dash-serial number.
LETTERS_FORMAT = {"name": "Letters and digits", "pattern": "[A-Z]{2}[0-9]{6}", "example": "KA 004711"}
SERIAL_FORMAT = {"name": "Year and serial", "pattern": "20[0-9]{2}[0-9]{5}", "example": "2019-00042"}


def declare_legacy_formats() -> list:
    """Declare both formats through the service, as the national admin's page does."""
    from kaiku.cards import legacy

    return [legacy.save_format(None, dict(values)) for values in (LETTERS_FORMAT, SERIAL_FORMAT)]
