"""record_use: every reason code and every rule of DESIGN §4, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory
from kaiku.network.models import NationalSettings, Sector
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits.models import Channel, Reason, Use
from kaiku.visits.services import UseError, UseRequest, check_card, record_use, void_use

HEL = ZoneInfo("Europe/Helsinki")
_keys = itertools.count()


def attempt(venue, number, **kwargs):
    kwargs.setdefault("channel", Channel.TYPED)
    kwargs.setdefault("idempotency_key", f"key-{next(_keys)}")
    return record_use(UseRequest(venue=venue, number=number, **kwargs))


def offer_at(venue, *, kind=Offer.Kind.EVENT, quota=None, **kwargs):
    offer = Offer.objects.create(
        venue=venue, kind=kind, sector=Sector.CULTURE, title_fi="Konsertti", quota=quota, **kwargs
    )
    occurrence = Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(hours=2))
    return offer, occurrence


# ----- one scenario per reason code -------------------------------------------------------------


def _malformed(w):
    return attempt(w.venue_a, "KK-0000")


def _mobile_only(w):
    # The old register's reserved value for a person's mobile-only card (docs/legacy-numbers.md).
    return attempt(w.venue_a, "x")


def _bad_check(w):
    number = w.card_a.number
    wrong = number[:-1] + ("2" if number[-1] != "2" else "3")
    return attempt(w.venue_a, wrong)


def _unknown(w):
    number = "2222222"
    from kaiku.cards.numbers import check_character

    return attempt(w.venue_a, number + check_character(number))


def _not_registered(w):
    return attempt(w.venue_a, w.stock_a.number)


def _inactivated(w):
    cards.inactivate_card(w.card_a, "Lost and found", w.users["distributor"])
    return attempt(w.venue_a, w.card_a.number)


def _replaced(w):
    cards.replace_card(w.card_a, w.users["distributor"])
    return attempt(w.venue_a, w.card_a.number)


def _expired(w):
    Card.objects.filter(pk=w.card_a.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    return attempt(w.venue_a, w.card_a.number)


def _not_yet_valid(w):
    # A device that recorded a use before the card was registered (its clock or the card is wrong).
    return attempt(w.venue_a, w.card_a.number, scanned_at=timezone.now() - dt.timedelta(days=3))


def _wrong_area(w):
    return attempt(w.venue_a, w.card_l.number)


def _too_many_children(w):
    return attempt(w.venue_a, w.card_a.number, children=w.card_a.children + 1)


def _children_course(w):
    _offer, occurrence = offer_at(w.venue_a, kind=Offer.Kind.COURSE)
    return attempt(w.venue_a, w.card_a.number, children=1, occurrence=occurrence)


def _community_group(w):
    card = cards.register_community_card(w.distributor_a, "Etsivä nuorisotyö", w.users["distributor"]).card
    return attempt(w.venue_a, card.number, community_clients=NationalSettings.get().community_group_max + 1)


def _community_clients_personal(w):
    return attempt(w.venue_a, w.card_a.number, community_clients=1)


def _already_used(w):
    _offer, occurrence = offer_at(w.venue_a)
    assert attempt(w.venue_a, w.card_a.number, occurrence=occurrence).accepted
    return attempt(w.venue_a, w.card_a.number, occurrence=occurrence)


def _quota_full(w):
    _offer, occurrence = offer_at(w.venue_a, quota=1)
    other = CardFactory(site=w.distributor_a, municipality=w.muni_a)
    assert attempt(w.venue_a, other.number, occurrence=occurrence).accepted
    return attempt(w.venue_a, w.card_a.number, occurrence=occurrence)


def _sold_out(w):
    _offer, occurrence = offer_at(w.venue_a, sold_out=True)
    return attempt(w.venue_a, w.card_a.number, occurrence=occurrence)


def _cancelled(w):
    _offer, occurrence = offer_at(w.venue_a)
    occurrence.cancelled = True
    occurrence.save(update_fields=["cancelled"])
    return attempt(w.venue_a, w.card_a.number, occurrence=occurrence)


def _excluded(w):
    offer, _occurrence = offer_at(w.venue_a, excluded=True)
    return attempt(w.venue_a, w.card_a.number, offer=offer)


def _offer_elsewhere(w):
    offer, _occurrence = offer_at(w.venue_b)
    return attempt(w.venue_a, w.card_a.number, offer=offer)


def _venue_closed(w):
    w.venue_a.offboarded_at = timezone.now()
    w.venue_a.save()
    return attempt(w.venue_a, w.card_a.number)


def _bad_counts(w):
    return attempt(w.venue_a, w.card_a.number, assistants=11)


SCENARIOS = {
    Reason.MALFORMED: _malformed,
    Reason.MOBILE_ONLY: _mobile_only,
    Reason.BAD_CHECK_CHARACTER: _bad_check,
    Reason.UNKNOWN_NUMBER: _unknown,
    Reason.NOT_REGISTERED: _not_registered,
    Reason.INACTIVATED: _inactivated,
    Reason.REPLACED: _replaced,
    Reason.EXPIRED: _expired,
    Reason.NOT_YET_VALID: _not_yet_valid,
    Reason.WRONG_AREA: _wrong_area,
    Reason.TOO_MANY_CHILDREN: _too_many_children,
    Reason.CHILDREN_NOT_ALLOWED_COURSE: _children_course,
    Reason.COMMUNITY_GROUP_TOO_LARGE: _community_group,
    Reason.COMMUNITY_CLIENTS_PERSONAL: _community_clients_personal,
    Reason.ALREADY_USED: _already_used,
    Reason.QUOTA_FULL: _quota_full,
    Reason.SOLD_OUT: _sold_out,
    Reason.CANCELLED: _cancelled,
    Reason.EXCLUDED: _excluded,
    Reason.OFFER_ELSEWHERE: _offer_elsewhere,
    Reason.VENUE_CLOSED: _venue_closed,
    Reason.BAD_COUNTS: _bad_counts,
}


def test_every_reason_code_has_a_scenario():
    # A signed code's refusals happen before any card is looked up: the door's check
    # keeps them (kaiku/visits/tests/test_attempts.py).
    codes = {Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE, Reason.OUTDATED_CODE}
    assert set(SCENARIOS) == set(Reason) - codes


@pytest.mark.parametrize("reason", list(SCENARIOS), ids=[r.value for r in SCENARIOS])
def test_each_refusal_is_stored_with_its_reason(world, reason):
    before = Use.objects.count()
    result = SCENARIOS[reason](world)
    assert not result.accepted
    assert result.reason == reason.value
    use = Use.objects.get(pk=result.use.pk)
    assert use.outcome == Use.Outcome.REFUSED and use.reason == reason.value
    assert Use.objects.count() > before
    # Refused attempts never count as accepted uses.
    assert not Use.objects.accepted().filter(pk=use.pk).exists()


def test_a_valid_card_is_accepted_with_everything_stored(world):
    staff = world.users["venue_staff"]
    result = attempt(world.venue_a, world.card_a.display_number, children=2, assistants=1, recorded_by=staff)
    assert result.accepted and result.created and result.reason == ""
    use = result.use
    assert use.card == world.card_a
    assert (use.adults, use.children, use.assistants, use.community_clients) == (1, 2, 1, 0)
    assert use.sector == Sector.CULTURE and use.channel == Channel.TYPED
    assert use.recorded_by == staff and use.used_on == timezone.localdate()
    assert use.received_at is not None and use.scanned_at is not None
    assert not use.forced and not use.late


def test_unknown_numbers_keep_only_what_was_typed(world):
    result = _unknown(world)
    assert result.use.card is None and len(result.use.typed_number) == 8


# ----- DESIGN §4.2: validity ----------------------------------------------------------------------


def test_a_card_is_valid_on_its_last_day_and_expired_the_day_after(world):
    last_day = world.card_a.valid_until
    with time_machine.travel(dt.datetime.combine(last_day, dt.time(23, 59), HEL), tick=False):
        assert attempt(world.venue_a, world.card_a.number).accepted
    with time_machine.travel(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 1), HEL), tick=False):
        result = attempt(world.venue_a, world.card_a.number)
        assert result.reason == Reason.EXPIRED
        assert check_card(world.card_a.number, world.venue_a).reason == Reason.EXPIRED


def test_renewal_makes_an_expired_card_work_again(world):
    day_after = world.card_a.valid_until + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(day_after, dt.time(12), HEL), tick=False):
        assert attempt(world.venue_a, world.card_a.number).reason == Reason.EXPIRED
        cards.renew_card(world.card_a, world.users["distributor"])
        assert attempt(world.venue_a, world.card_a.number).accepted


# ----- DESIGN §4.3 and §4.4: who may come along ------------------------------------------------------


def test_children_up_to_the_registered_number(world):
    assert world.card_a.children == 2
    assert attempt(world.venue_a, world.card_a.number, children=2).accepted
    assert attempt(world.venue_a, world.card_a.number, children=3).reason == Reason.TOO_MANY_CHILDREN
    childless = CardFactory(site=world.distributor_a, municipality=world.muni_a, children=0)
    assert attempt(world.venue_a, childless.number, children=1).reason == Reason.TOO_MANY_CHILDREN


def test_a_course_takes_the_holder_but_no_children(world):
    _offer, occurrence = offer_at(world.venue_a, kind=Offer.Kind.COURSE)
    assert attempt(world.venue_a, world.card_a.number, children=1, occurrence=occurrence).reason == (
        Reason.CHILDREN_NOT_ALLOWED_COURSE
    )
    assert attempt(world.venue_a, world.card_a.number, occurrence=occurrence).accepted


def test_assistants_are_recorded_separately_and_free(world):
    result = attempt(world.venue_a, world.card_a.number, assistants=2)
    assert result.accepted and result.use.assistants == 2 and result.use.children == 0


def test_community_group_maximum_comes_from_national_settings(world):
    card = cards.register_community_card(world.distributor_a, "Klubitalo", world.users["distributor"]).card
    assert attempt(world.venue_a, card.number, community_clients=10).accepted
    assert attempt(world.venue_a, card.number, community_clients=11).reason == Reason.COMMUNITY_GROUP_TOO_LARGE
    rules = NationalSettings.get()
    rules.community_group_max = 3
    rules.save()
    assert attempt(world.venue_a, card.number, community_clients=3).accepted
    assert attempt(world.venue_a, card.number, community_clients=4).reason == Reason.COMMUNITY_GROUP_TOO_LARGE
    check = check_card(card.number, world.venue_a)
    assert check.valid and check.kind == Card.Kind.COMMUNITY and check.community_group_max == 3
    assert check.children_allowed == 0


def test_a_community_card_brings_clients_not_children(world):
    card = cards.register_community_card(world.distributor_a, "Klubitalo", world.users["distributor"]).card
    assert attempt(world.venue_a, card.number, children=1).reason == Reason.TOO_MANY_CHILDREN


# ----- DESIGN §4.5: local-only areas, both directions -------------------------------------------------


@pytest.mark.parametrize(
    ("card", "venue", "reason"),
    [
        ("card_l", "venue_a", Reason.WRONG_AREA),  # a local card outside its area
        ("card_a", "venue_l", Reason.WRONG_AREA),  # a local-only area refuses other areas' cards
        ("card_l", "venue_l", None),
        ("card_a", "venue_b", None),  # ordinary cards are national
        ("card_b", "venue_a", None),
    ],
)
def test_local_only_areas(world, card, venue, reason):
    result = attempt(world.obj(venue), world.obj(card).number)
    assert result.use.reason == (reason or "")
    assert result.accepted is (reason is None)


# ----- DESIGN §4.7: the same card twice for one occurrence ------------------------------------------


def test_staff_may_override_a_second_use_with_a_reason(world):
    _offer, occurrence = offer_at(world.venue_a)
    assert attempt(world.venue_a, world.card_a.number, occurrence=occurrence).accepted
    assert attempt(world.venue_a, world.card_a.number, occurrence=occurrence, override_reason="  ").reason == (
        Reason.ALREADY_USED
    )
    result = attempt(world.venue_a, world.card_a.number, occurrence=occurrence, override_reason="Ticket for a friend")
    assert result.accepted and result.use.override_reason == "Ticket for a friend"


def test_a_voided_use_no_longer_blocks_the_occurrence(world):
    _offer, occurrence = offer_at(world.venue_a, quota=1)
    first = attempt(world.venue_a, world.card_a.number, occurrence=occurrence).use
    void_use(first, "Wrong card", world.users["venue_admin"])
    assert attempt(world.venue_a, world.card_a.number, occurrence=occurrence).accepted


def test_another_occurrence_is_a_new_use(world):
    _offer, occurrence = offer_at(world.venue_a)
    later = Occurrence.objects.create(offer=occurrence.offer, starts_at=occurrence.starts_at + dt.timedelta(days=1))
    assert attempt(world.venue_a, world.card_a.number, occurrence=occurrence).accepted
    assert attempt(world.venue_a, world.card_a.number, occurrence=later).accepted


def test_an_occurrence_sets_the_offer_and_sector(world):
    offer, occurrence = offer_at(world.venue_a)
    offer.sector = Sector.SCIENCE
    offer.save()
    use = attempt(world.venue_a, world.card_a.number, occurrence=occurrence).use
    assert use.offer == offer and use.sector == Sector.SCIENCE


def test_the_venue_sector_is_the_default(world):
    assert attempt(world.venue_l, world.card_l.number).use.sector == Sector.SPORTS


# ----- idempotency ------------------------------------------------------------------------------------


def test_the_same_key_twice_is_recorded_once(world):
    first = attempt(world.venue_a, world.card_a.number, idempotency_key="device-1:42")
    # Even if the card changed in between, a resend returns the first answer.
    cards.inactivate_card(world.card_a, "Lost", world.users["distributor"])
    second = attempt(world.venue_a, world.card_a.number, idempotency_key="device-1:42")
    assert first.created and not second.created
    assert second.use.pk == first.use.pk and second.accepted
    assert Use.objects.filter(idempotency_key="device-1:42").count() == 1


def test_the_same_key_at_another_venue_is_another_use(world):
    attempt(world.venue_a, world.card_a.number, idempotency_key="same")
    attempt(world.venue_b, world.card_a.number, idempotency_key="same")
    assert Use.objects.filter(idempotency_key="same").count() == 2


def test_an_empty_key_is_an_error_and_stores_nothing(world):
    with pytest.raises(UseError) as raised:
        attempt(world.venue_a, world.card_a.number, idempotency_key="  ")
    assert raised.value.code == "idempotency_key_required"
    assert not Use.objects.exists()


def test_a_resent_key_is_caught_by_the_constraint_and_changes_nothing(world, django_assert_max_num_queries):
    """No look-up runs before recording: the unique constraint catches a resent key,
    the attempt's writes roll back and the first use is returned."""
    from kaiku.pending.models import PendingStat

    winner = attempt(world.venue_a, world.card_a.number, idempotency_key="raced").use
    noted = PendingStat.objects.count()
    result = attempt(world.venue_a, world.card_a.number, idempotency_key="raced")
    assert not result.created and result.use.pk == winner.pk
    assert Use.objects.filter(idempotency_key="raced").count() == 1
    assert PendingStat.objects.count() == noted  # nothing more for the statistics to count


# ----- voiding --------------------------------------------------------------------------------------


def test_voiding_keeps_the_row_and_writes_the_audit_log(world):
    use = attempt(world.venue_a, world.card_a.number).use
    admin = world.users["venue_admin"]
    with pytest.raises(UseError):
        void_use(use, "   ", admin)
    voided = void_use(use, "Recorded on the wrong card", admin)
    assert Use.objects.filter(pk=use.pk).exists()
    assert voided.voided_at is not None and voided.voided_by == admin
    assert voided.void_reason == "Recorded on the wrong card"
    assert not Use.objects.accepted().filter(pk=use.pk).exists()
    entry = AuditEntry.objects.get(action="visits.voided")
    assert entry.actor == admin and entry.changes == {"reason": None}  # free text: named, not recorded
    # Voiding again changes nothing.
    again = void_use(use, "Another reason", admin)
    assert again.void_reason == "Recorded on the wrong card"
    assert AuditEntry.objects.filter(action="visits.voided").count() == 1


# ----- offline, late --------------------------------------------------------------------------------


def test_a_refused_card_let_in_offline_is_kept_as_forced(world):
    cards.inactivate_card(world.card_a, "Lost", world.users["distributor"])
    result = attempt(world.venue_a, world.card_a.number, channel=Channel.OFFLINE, accepted_offline=True)
    assert result.accepted and result.use.forced and result.use.reason == Reason.INACTIVATED


def test_a_valid_card_accepted_offline_is_not_forced(world):
    result = attempt(world.venue_a, world.card_a.number, channel=Channel.OFFLINE, accepted_offline=True)
    assert result.accepted and not result.use.forced


def test_an_unknown_number_cannot_be_forced(world):
    result = attempt(world.venue_a, "KK-2222-2222", channel=Channel.OFFLINE, accepted_offline=True)
    assert not result.accepted and not result.use.forced


def test_late_entries_are_flagged(world):
    now = timezone.now()
    Card.objects.filter(pk=world.card_a.pk).update(issued_on=timezone.localdate() - dt.timedelta(days=10))
    on_time = attempt(world.venue_a, world.card_a.number, scanned_at=now - dt.timedelta(hours=23))
    late = attempt(world.venue_a, world.card_a.number, scanned_at=now - dt.timedelta(hours=25))
    assert not on_time.use.late and late.use.late
    assert late.accepted and late.use.used_on == timezone.localdate(now - dt.timedelta(hours=25))


# ----- the door's check -------------------------------------------------------------------------------


def test_check_card_tells_the_door_only_what_it_may_know(world):
    check = check_card(world.card_a.display_number.lower(), world.venue_a)
    assert check.valid and check.kind == Card.Kind.PERSONAL and check.children_allowed == 2
    assert check_card("nonsense", world.venue_a).reason == Reason.MALFORMED
    assert check_card(world.stock_a.number, world.venue_a).reason == Reason.NOT_REGISTERED
    assert not Use.objects.exists(), "checking records nothing"


def test_check_card_at_a_venue_that_left_the_network(world):
    world.venue_a.offboarded_at = timezone.now()
    world.venue_a.save()
    assert check_card(world.card_a.number, world.venue_a).reason == Reason.VENUE_CLOSED
