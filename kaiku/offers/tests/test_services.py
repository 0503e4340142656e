"""The offer rules, reservations and last-minute seats, tested through their services."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.cards.tests.factories import CardFactory
from kaiku.offers import services
from kaiku.offers.models import Offer, Reservation
from kaiku.offers.services import OfferError, cancel_reservation, places_left, release_seats, reserve
from kaiku.offers.tests.factories import OccurrenceFactory, OfferFactory, ReservableOfferFactory
from kaiku.visits.models import Channel, Reason
from kaiku.visits.services import UseRequest, record_use, taken_places, void_use


def _use(world, card, occurrence, key, **kwargs):
    return record_use(
        UseRequest(
            venue=occurrence.offer.venue,
            number=card.number,
            channel=Channel.TYPED,
            idempotency_key=key,
            occurrence=occurrence,
            **kwargs,
        )
    )


def _cards(world, n):
    return [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(n)]


@pytest.fixture
def show(world):
    offer = ReservableOfferFactory(venue=world.venue_a, quota=2)
    return OccurrenceFactory(offer=offer)


def test_it_refuses_children_on_a_course(world):
    offer = OfferFactory(venue=world.venue_a, kind=Offer.Kind.COURSE)
    card = CardFactory(site=world.distributor_a, municipality=world.muni_a, children=2)
    result = record_use(
        UseRequest(
            venue=world.venue_a, number=card.number, channel=Channel.TYPED, idempotency_key="c", offer=offer, children=1
        )
    )
    assert result.reason == Reason.CHILDREN_NOT_ALLOWED_COURSE


def test_it_lets_children_come_to_an_event(world):
    occurrence = OccurrenceFactory(offer=OfferFactory(venue=world.venue_a))
    card = CardFactory(site=world.distributor_a, municipality=world.muni_a, children=2)
    assert _use(world, card, occurrence, "e", children=2).accepted


def test_it_refuses_a_sold_out_offer_and_occurrence(world, show):
    show.sold_out = True
    show.save()
    assert _use(world, world.card_a, show, "s1").reason == Reason.SOLD_OUT
    with pytest.raises(OfferError) as exc:
        reserve(world.card_a, show)
    assert exc.value.code == Reason.SOLD_OUT


def test_it_refuses_an_excluded_offer(world, show):
    Offer.objects.filter(pk=show.offer.pk).update(excluded=True)
    show.refresh_from_db()
    assert _use(world, world.card_a, show, "x1").reason == Reason.EXCLUDED
    with pytest.raises(OfferError) as exc:
        reserve(world.card_a, show)
    assert exc.value.code == Reason.EXCLUDED


def test_it_fills_the_quota_with_uses_and_reservations(world, show):
    one, two, three = _cards(world, 3)
    reserve(one, show)
    assert _use(world, two, show, "q2").accepted
    assert taken_places(show) == 2
    assert places_left(show) == 0
    assert _use(world, three, show, "q3").reason == Reason.QUOTA_FULL
    with pytest.raises(OfferError) as exc:
        reserve(three, show)
    assert exc.value.code == Reason.QUOTA_FULL


def test_a_voided_use_frees_its_place(world, show):
    one, two, three = _cards(world, 3)
    first = _use(world, one, show, "v1").use
    _use(world, two, show, "v2")
    void_use(first, "mistake", None)
    assert _use(world, three, show, "v3").accepted


def test_no_quota_means_no_cap(world):
    occurrence = OccurrenceFactory(offer=OfferFactory(venue=world.venue_a, quota=None))
    for i, card in enumerate(_cards(world, 4)):
        assert _use(world, card, occurrence, f"n{i}").accepted
    assert places_left(occurrence) is None


def test_the_occurrence_quota_overrides_the_offer_quota(world):
    occurrence = OccurrenceFactory(offer=OfferFactory(venue=world.venue_a, quota=5), quota=1)
    one, two = _cards(world, 2)
    assert _use(world, one, occurrence, "o1").accepted
    assert _use(world, two, occurrence, "o2").reason == Reason.QUOTA_FULL


def test_a_reservation_becomes_the_use_and_takes_no_second_place(world, show):
    one, two = _cards(world, 2)
    reservation = reserve(one, show)
    reserve(two, show)
    # The quota (2) is full of reservations; the reserved card still gets in.
    result = _use(world, one, show, "r1")
    assert result.accepted
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.USED
    assert reservation.use == result.use
    assert taken_places(show) == 2


def test_reserving_twice_returns_the_same_reservation(world, show):
    first = reserve(world.card_a, show)
    assert reserve(world.card_a, show) == first
    assert Reservation.objects.count() == 1


def test_a_cancelled_reservation_frees_its_place(world, show):
    one, two, three = _cards(world, 3)
    first = reserve(one, show)
    reserve(two, show)
    cancel_reservation(first, by_holder=True)
    first.refresh_from_db()
    assert first.status == Reservation.Status.CANCELLED and first.cancelled_by_holder
    assert reserve(three, show).is_active
    # Cancelling again changes nothing; a used one cannot be cancelled.
    assert cancel_reservation(first).status == Reservation.Status.CANCELLED


def test_a_used_reservation_cannot_be_cancelled(world, show):
    reservation = reserve(world.card_a, show)
    _use(world, world.card_a, show, "u")
    with pytest.raises(OfferError) as exc:
        cancel_reservation(reservation)
    assert exc.value.code == "not_active"


def test_reservations_are_released_when_the_occurrence_starts(world, show, _clock):
    one, two, three = _cards(world, 3)
    reserve(one, show)
    reserve(two, show)
    assert _use(world, three, show, "before").reason == Reason.QUOTA_FULL
    _clock.move_to(show.starts_at + dt.timedelta(minutes=1))
    assert taken_places(show) == 0
    assert _use(world, three, show, "after").accepted
    # The reserved card arriving late still gets in if a place is left, and its
    # reservation is closed as used.
    assert _use(world, one, show, "late").accepted
    assert Reservation.objects.get(card=one).status == Reservation.Status.USED
    assert services.expire_started_reservations() == 1
    assert Reservation.objects.get(card=two).status == Reservation.Status.EXPIRED


def test_it_refuses_reservations_it_cannot_take(world, show, _clock):
    plain = OccurrenceFactory(offer=OfferFactory(venue=world.venue_a))
    with pytest.raises(OfferError) as exc:
        reserve(world.card_a, plain)
    assert exc.value.code == "reservations_off"
    world.card_a.status = "inactive"
    world.card_a.save()
    with pytest.raises(OfferError) as exc:
        reserve(world.card_a, show)
    assert exc.value.code == Reason.INACTIVATED
    with pytest.raises(OfferError) as exc:
        reserve(world.card_l, show)
    assert exc.value.code == Reason.WRONG_AREA
    _use(world, world.card_b, show, "used")
    with pytest.raises(OfferError) as exc:
        reserve(world.card_b, show)
    assert exc.value.code == Reason.ALREADY_USED
    _clock.move_to(show.starts_at)
    with pytest.raises(OfferError) as exc:
        reserve(CardFactory(site=world.distributor_a, municipality=world.muni_a), show)
    assert exc.value.code == "started"


def test_last_minute_seats_add_places_and_mark_the_offer(world, show):
    one, two, three = _cards(world, 3)
    _use(world, one, show, "l1")
    _use(world, two, show, "l2")
    release_seats(show, 1, world.users["venue_staff"])
    show.refresh_from_db()
    assert show.effective_quota == 3
    assert show.offer.has_last_minute()
    assert _use(world, three, show, "l3").accepted
    assert AuditEntry.objects.filter(action="offers.seats_released").exists()
    with pytest.raises(OfferError) as exc:
        release_seats(show, 0, None)
    assert exc.value.code == "bad_seats"


def test_last_minute_seats_cannot_be_released_after_the_start(world, show, _clock):
    _clock.move_to(show.starts_at + dt.timedelta(seconds=1))
    with pytest.raises(OfferError) as exc:
        release_seats(show, 3, None)
    assert exc.value.code == "started"


def test_event_dates_follow_the_occurrences(world):
    offer = OfferFactory(venue=world.venue_a)
    now = timezone.now()
    for days in (3, 10):
        services.save_occurrence(OccurrenceFactory.build(offer=offer, starts_at=now + dt.timedelta(days=days)), None)
    offer.refresh_from_db()
    assert offer.starts_on == timezone.localdate(now + dt.timedelta(days=3))
    assert offer.ends_on == timezone.localdate(now + dt.timedelta(days=10))
