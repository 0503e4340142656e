import datetime as dt

import factory
from django.utils import timezone

from kaiku.network.models import Sector
from kaiku.network.tests.factories import VenueFactory
from kaiku.offers.models import ArtForm, Occurrence, Offer, TicketMethod


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    venue = factory.SubFactory(VenueFactory)
    kind = Offer.Kind.EVENT
    sector = Sector.CULTURE
    art_form = ArtForm.THEATRE
    title_fi = factory.Sequence(lambda n: f"Näytös {n}")
    title_sv = factory.Sequence(lambda n: f"Föreställning {n}")
    title_en = factory.Sequence(lambda n: f"Show {n}")


class ReservableOfferFactory(OfferFactory):
    ticket_method = TicketMethod.RESERVATION


class OccurrenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Occurrence

    offer = factory.SubFactory(OfferFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=2))
