"""Places are people (issue 19 item 1): uses, reservations and group visits share one count."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory
from kaiku.offers.models import Offer
from kaiku.offers.services import OfferError, places_left, reserve
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory, ReservableOfferFactory
from kaiku.portal import services as portal
from kaiku.portal.services import PortalError
from kaiku.visits.models import Channel, Reason
from kaiku.visits.services import UseRequest, record_use, record_uses, taken_places


def _card(world, children=2, **kwargs):
    return CardFactory(site=world.distributor_a, municipality=world.muni_a, children=children, **kwargs)


def _request(card, occurrence, key, **kwargs):
    return UseRequest(
        venue=occurrence.offer.venue,
        number=card.number,
        channel=Channel.TYPED,
        idempotency_key=key,
        occurrence=occurrence,
        **kwargs,
    )


def _community(world):
    return _card(world, children=0, kind=Card.Kind.COMMUNITY, community_label="Klubi")


@pytest.fixture
def show(world):
    return OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, quota=4))


def test_it_counts_the_holder_and_each_child_but_not_assistants(world, show):
    assert record_use(_request(_card(world), show, "a", children=2, assistants=2)).accepted
    assert taken_places(show) == 3
    assert places_left(show) == 1
    refused = record_use(_request(_card(world), show, "b", children=1))
    assert refused.reason == Reason.QUOTA_FULL
    assert record_use(_request(_card(world), show, "c", assistants=3)).accepted
    assert places_left(show) == 0


def test_community_clients_take_places(world, show):
    result = record_use(_request(_community(world), show, "k", community_clients=3))
    assert result.accepted
    assert taken_places(show) == 4


def test_a_reservation_holds_a_place_for_each_person_of_its_party(world, show):
    reservation = reserve(_card(world), show, children=2)
    assert reservation.places == 3
    assert places_left(show) == 1
    with pytest.raises(OfferError) as exc:
        reserve(_card(world), show, children=1)
    assert exc.value.code == Reason.QUOTA_FULL


def test_a_reservation_party_follows_the_same_rule_as_a_use(world, show):
    with pytest.raises(OfferError) as exc:
        reserve(_card(world, children=1), show, children=2)
    assert exc.value.code == Reason.TOO_MANY_CHILDREN
    with pytest.raises(OfferError) as exc:
        reserve(_card(world), show, community_clients=1)
    assert exc.value.code == Reason.COMMUNITY_CLIENTS_PERSONAL
    course = OccurrenceFactory(offer=ReservableOfferFactory(venue=world.venue_a, kind=Offer.Kind.COURSE))
    with pytest.raises(OfferError) as exc:
        reserve(_card(world), course, children=1)
    assert exc.value.code == Reason.CHILDREN_NOT_ALLOWED_COURSE


def test_a_reserved_party_is_admitted_into_its_own_places(world, show):
    card = _card(world)
    reserve(card, show, children=2)
    record_use(_request(_card(world, children=0), show, "other"))
    assert places_left(show) == 0
    assert record_use(_request(card, show, "mine", children=2)).accepted
    assert taken_places(show) == 4


def test_a_bigger_party_than_reserved_needs_the_extra_places(world, show):
    card = _card(world)
    reserve(card, show, children=0)
    record_use(_request(_card(world, children=0), show, "o1", children=0))
    record_use(_request(_card(world, children=0), show, "o2", children=0))
    assert places_left(show) == 1
    assert record_use(_request(card, show, "mine", children=2)).reason == Reason.QUOTA_FULL
    assert record_use(_request(card, show, "mine2", children=1)).accepted
    assert places_left(show) == 0


def test_a_sold_out_offer_has_no_places_left_on_any_date(world, client):
    offer = OfferFactory(venue=world.venue_a, quota=10)
    occurrence = OccurrenceFactory(offer=offer)
    assert places_left(occurrence) == 10
    offer.sold_out = True
    offer.save()
    assert places_left(occurrence) == 0
    client.cookies.load({"django_language": "en"})
    page = client.get(f"/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sold out: there are no free tickets" in page
    assert "places left" not in page and "· sold out" in page.replace("\n    · ", "· ")


def test_the_offer_page_counts_people_and_says_assistants_are_free(world, client):
    occurrence = OccurrenceFactory(offer=OfferFactory(venue=world.venue_a, quota=10))
    record_use(_request(_card(world), occurrence, "p", children=2, assistants=1))
    client.cookies.load({"django_language": "en"})
    page = client.get(f"/offers/{occurrence.offer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7 places left" in page
    assert "assistant or interpreter gets in free" in page


def test_a_batch_counts_people_like_single_uses(world, show):
    requests = [_request(_card(world), show, f"b{i}", children=1, accepted_offline=False) for i in range(3)]
    results = record_uses(requests)
    assert [r.accepted for r in results] == [True, True, False]
    assert results[2].reason == Reason.QUOTA_FULL
    assert taken_places(show) == 4


def _group(world, occurrence, size):
    return portal.create_group_visit(
        world.distributor_a,
        portal.GroupVisitDetails(
            offer=occurrence.offer,
            occurrence=occurrence,
            meets_at=occurrence.starts_at - dt.timedelta(minutes=30),
            meeting_place="Aula",
            max_size=size,
            community_card=_community(world),
        ),
        world.users["distributor"],
    )


def test_a_group_visit_holds_its_places_when_created(world, show):
    visit = _group(world, show, 2)
    assert visit.held_places == 3  # two participants and the worker
    assert places_left(show) == 1
    with pytest.raises(PortalError) as exc:
        _group(world, show, 1)
    assert exc.value.code == "not_enough_places"
    assert record_use(_request(_card(world), show, "x", children=1)).reason == Reason.QUOTA_FULL


def test_a_group_member_is_admitted_into_the_group_places(world, show):
    visit = _group(world, show, 2)
    member = _card(world, children=0)
    portal.join_group_visit(member, visit)
    record_use(_request(_card(world, children=0), show, "outsider"))
    assert places_left(show) == 0
    assert record_use(_request(member, show, "member")).accepted
    visit.refresh_from_db()
    assert visit.held_places == 2
    assert taken_places(show) == 4
    portal.cancel_group_visit(visit, world.users["distributor"])
    assert places_left(show) == 2


@pytest.mark.parametrize(("flag", "code"), [("sold_out", "date_sold_out"), ("cancelled", "date_cancelled")])
def test_a_group_visit_respects_sold_out_and_cancelled_dates(world, show, flag, code):
    visit = _group(world, show, 2)
    setattr(show, flag, True)
    show.save()
    with pytest.raises(PortalError) as exc:
        portal.join_group_visit(_card(world, children=0), visit)
    assert exc.value.code == code
    with pytest.raises(PortalError) as exc:
        _group(world, show, 1)
    assert exc.value.code == code


def test_group_places_stop_counting_when_the_date_starts(world, show):
    _group(world, show, 3)
    assert places_left(show) == 0
    assert places_left(show, show.starts_at + dt.timedelta(minutes=1)) == 4
    assert timezone.now() < show.starts_at
