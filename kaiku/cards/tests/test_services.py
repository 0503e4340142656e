"""The card lifecycle: stock, registration and its refusals, renewal, correction, inactivation, replacement."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.cards import numbers
from kaiku.cards.models import Card, CardEvent
from kaiku.cards.services import (
    CardError,
    HolderDetails,
    correct_card,
    create_stock,
    inactivate_card,
    register_card,
    register_community_card,
    reissue_activation_code,
    renew_card,
    replace_card,
)
from kaiku.network.models import Area, Municipality, NationalSettings
from kaiku.visits.models import Channel, Reason
from kaiku.visits.services import UseRequest, record_use

HEL = ZoneInfo("Europe/Helsinki")


def details(world, **overrides):
    values = {"birth_year": 1970, "municipality": world.muni_a, "postal_code": "33200", "children": 1}
    values.update(overrides)
    return HolderDetails(**values)


def use(world, card, key):
    return record_use(UseRequest(venue=world.venue_a, number=card.number, channel=Channel.TYPED, idempotency_key=key))


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(CardError) as raised:
        fn(*args, **kwargs)
    assert raised.value.message  # every code has a message for people
    return raised.value.code


# ----- stock ------------------------------------------------------------------------------------------


def test_stock_is_unregistered_numbers_of_the_site(world):
    cards = create_stock(world.distributor_a, 25, actor=world.users["distributor"])
    assert len(cards) == 25 == len({c.number for c in cards})
    stored = Card.objects.filter(number__in=[c.number for c in cards])
    assert stored.count() == 25
    assert all(c.status == Card.Status.UNREGISTERED and c.site == world.distributor_a for c in stored)
    assert all(numbers.is_valid(c.number) for c in stored)
    entry = AuditEntry.objects.get(action="cards.stock_created")
    assert entry.changes == {"count": 25} and entry.area == world.area_a


def test_only_distributors_have_stock(world):
    assert refusal(create_stock, world.venue_a, 5) == "not_a_distributor"
    assert not Card.objects.filter(site=world.venue_a).exists()


# ----- registration -----------------------------------------------------------------------------------


def test_registering_a_new_number(world):
    worker = world.users["distributor"]
    issued = register_card(world.distributor_a, details(world, gender="woman", life_situation="student"), worker)
    card = Card.objects.get(pk=issued.card.pk)
    today = timezone.localdate()
    assert card.status == Card.Status.ACTIVE and card.kind == Card.Kind.PERSONAL
    assert card.site == world.distributor_a and card.issued_by == worker
    assert card.registered_on == card.issued_on == today
    assert card.valid_until == today + dt.timedelta(days=365)
    assert (card.birth_year, card.municipality, card.postal_code, card.children) == (1970, world.muni_a, "33200", 1)
    assert numbers.is_valid(card.number)
    assert check_password(issued.activation_code, card.activation_code_hash)
    assert list(card.events.values_list("kind", flat=True)) == [CardEvent.Kind.REGISTERED]
    entry = AuditEntry.objects.get(action="cards.registered")
    assert entry.actor == worker and entry.changes["birth_year"] is None and entry.area == world.area_a
    assert use(world, card, "k1").accepted


def test_registering_a_stock_number_typed_as_printed(world):
    issued = register_card(
        world.distributor_a, details(world), world.users["distributor"], number=world.stock_a.display_number.lower()
    )
    assert issued.card.pk == world.stock_a.pk
    world.stock_a.refresh_from_db()
    assert world.stock_a.status == Card.Status.ACTIVE


def test_validity_follows_the_national_setting(world):
    rules = NationalSettings.get()
    rules.card_validity_days = 30
    rules.save()
    card = register_card(world.distributor_a, details(world), world.users["distributor"]).card
    assert card.valid_until == timezone.localdate() + dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("moment", "birth_year", "ok"),
    [
        # The test year is 2026: born 2010 turns 16 this year, born 2011 next year.
        (dt.datetime(2026, 1, 1, 0, 1, tzinfo=HEL), 2010, True),
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=HEL), 2010, True),
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=HEL), 2011, False),
        (dt.datetime(2027, 1, 1, 0, 1, tzinfo=HEL), 2011, True),
        (dt.datetime(2027, 1, 1, 0, 1, tzinfo=HEL), 2012, False),
    ],
)
def test_age_rule_at_the_year_boundary(world, moment, birth_year, ok):
    with time_machine.travel(moment, tick=False):
        if ok:
            card = register_card(world.distributor_a, details(world, birth_year=birth_year), None).card
            assert card.registered_on == moment.date()
        else:
            code = refusal(register_card, world.distributor_a, details(world, birth_year=birth_year), None)
            assert code == "too_young"
            assert "16" in CardError("too_young", age=16).message


def test_minimum_age_is_a_national_setting(world):
    rules = NationalSettings.get()
    rules.min_holder_age = 18
    rules.save()
    assert refusal(register_card, world.distributor_a, details(world, birth_year=2009), None) == "too_young"
    assert register_card(world.distributor_a, details(world, birth_year=2008), None).card.pk


def test_registration_refusals_change_nothing(world):
    site = world.distributor_a
    outside = Municipality.objects.create(code="091", name_fi="Helsinki", area=None)
    planning = Area.objects.create(name="Suunnitteilla", slug="suunnitteilla", status=Area.Status.PLANNING)
    planned = Municipality.objects.create(code="049", name_fi="Espoo", area=planning)
    cases = {
        "birth_year_invalid": details(world, birth_year=2027),
        "municipality_not_in_network": details(world, municipality=outside),
        "postal_code_invalid": details(world, postal_code="3310"),
        "children_invalid": details(world, children=31),
        "email_without_consent": details(world, email="a@example.org"),
        "consent_without_email": details(world, portal_consent=True),
    }
    before = (Card.objects.count(), CardEvent.objects.count(), AuditEntry.objects.count())
    for code, bad in cases.items():
        assert refusal(register_card, site, bad, None) == code
    assert refusal(register_card, site, details(world, municipality=planned), None) == "municipality_not_in_network"
    assert refusal(register_card, site, details(world, postal_code="33a00"), None) == "postal_code_invalid"
    assert (Card.objects.count(), CardEvent.objects.count(), AuditEntry.objects.count()) == before


def test_a_card_given_on_paper_is_registered_on_the_day_given_never_a_future_day(world):
    from kaiku.stats import intake
    from kaiku.stats.models import CardFact

    given = timezone.localdate() - dt.timedelta(days=40)
    card = register_card(world.distributor_a, details(world), None, on=given).card
    assert (card.registered_on, card.issued_on, card.valid_until) == (given, given, given + dt.timedelta(days=365))
    event = CardEvent.objects.get(card=card, kind=CardEvent.Kind.REGISTERED)
    assert event.details["late"] is True and event.details["given_on"] == given.isoformat()
    intake.fold()
    assert CardFact.objects.get(card_key=card.pk).day == given
    before = (Card.objects.count(), CardEvent.objects.count())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert refusal(register_card, world.distributor_a, details(world), None, on=tomorrow) == "date_in_future"
    assert (Card.objects.count(), CardEvent.objects.count()) == before


def test_a_local_only_site_registers_only_its_own_residents(world):
    code = refusal(register_card, world.distributor_l, details(world, municipality=world.muni_a), None)
    assert code == "municipality_outside_local_area"
    card = register_card(world.distributor_l, details(world, municipality=world.muni_l), None).card
    assert card.site.area.local_only


def test_stock_number_refusals(world):
    site, worker = world.distributor_a, world.users["distributor"]
    assert refusal(register_card, site, details(world), worker, number="KK-2222-2222") == "unknown_number"
    assert refusal(register_card, site, details(world), worker, number="not a number") == "unknown_number"
    foreign = create_stock(world.distributor_b, 1)[0]
    assert refusal(register_card, site, details(world), worker, number=foreign.number) == "number_of_another_site"
    assert refusal(register_card, site, details(world), worker, number=world.card_a.number) == "already_registered"
    assert refusal(register_card, world.venue_a, details(world), worker) == "not_a_distributor"


def test_a_portal_consent_with_email_is_stored(world):
    card = register_card(world.distributor_a, details(world, portal_consent=True, email="h@example.org"), None).card
    assert card.portal_consent and card.email == "h@example.org"


# ----- community cards --------------------------------------------------------------------------------


def test_community_card(world):
    worker = world.users["distributor"]
    issued = register_community_card(world.distributor_a, "Etsivä nuorisotyö", worker, number=world.stock_a.number)
    card = issued.card
    assert card.pk == world.stock_a.pk and card.kind == Card.Kind.COMMUNITY and card.status == Card.Status.ACTIVE
    assert card.community_label == "Etsivä nuorisotyö" and card.birth_year is None
    assert AuditEntry.objects.filter(action="cards.community_registered").count() == 1
    assert refusal(correct_card, card, details(world), worker) == "community_has_no_holder"
    assert refusal(register_community_card, world.venue_a, "x", worker) == "not_a_distributor"
    result = record_use(
        UseRequest(
            venue=world.venue_a, number=card.number, channel=Channel.TYPED, idempotency_key="c", community_clients=4
        )
    )
    assert result.accepted and result.use.community_clients == 4


# ----- renewal ----------------------------------------------------------------------------------------


def test_renewal_restarts_the_year_from_today(world):
    worker = world.users["distributor"]
    card = world.card_a
    Card.objects.filter(pk=card.pk).update(
        issued_on=dt.date(2025, 7, 1), registered_on=dt.date(2025, 7, 1), valid_until=dt.date(2026, 7, 1)
    )
    version = Card.objects.get(pk=card.pk).code_version
    issued = renew_card(card, worker)
    renewed = Card.objects.get(pk=card.pk)
    assert renewed.issued_on == timezone.localdate() == dt.date(2026, 6, 15)
    assert renewed.valid_until == dt.date(2027, 6, 15)
    assert renewed.registered_on == dt.date(2025, 7, 1), "the first registration date stays"
    assert renewed.code_version == version + 1
    assert check_password(issued.activation_code, renewed.activation_code_hash)
    assert renewed.events.last().kind == CardEvent.Kind.RENEWED
    entry = AuditEntry.objects.get(action="cards.renewed")
    assert entry.changes == {"issued_on": ["2025-07-01", "2026-06-15"], "valid_until": ["2026-07-01", "2027-06-15"]}


def test_only_active_cards_are_renewed(world):
    assert refusal(renew_card, world.stock_a, None) == "not_active"
    inactivate_card(world.card_a, "Moved away", None)
    assert refusal(renew_card, world.card_a, None) == "not_active"


# ----- correction -------------------------------------------------------------------------------------


def test_correction_records_changed_fields_in_history_and_audit(world):
    worker = world.users["distributor"]
    card = world.card_a
    version = card.code_version
    correct_card(card, details(world, birth_year=1957, postal_code="33500", children=3), worker)
    card.refresh_from_db()
    assert (card.postal_code, card.children) == ("33500", 3)
    assert card.code_version == version + 1
    event = card.events.get(kind=CardEvent.Kind.CORRECTED)
    assert event.details == {"fields": ["children", "postal_code"]} and event.actor == worker
    entry = AuditEntry.objects.get(action="cards.corrected")
    # Holder details are named as changed, their values are not recorded (issue 18).
    assert entry.changes == {"postal_code": None, "children": None}
    assert entry.actor == worker and entry.object_id == str(card.pk)


def test_a_correction_without_changes_writes_nothing(world):
    card = world.card_a
    same = HolderDetails(birth_year=1957, municipality=world.muni_a, postal_code="33999", children=2)
    correct_card(card, same, None)
    assert not card.events.filter(kind=CardEvent.Kind.CORRECTED).exists()
    assert not AuditEntry.objects.filter(action="cards.corrected").exists()


def test_a_correction_follows_the_registration_rules(world):
    assert refusal(correct_card, world.card_a, details(world, birth_year=2020), None) == "too_young"
    world.card_a.refresh_from_db()
    assert world.card_a.birth_year == 1957


# ----- inactivation -----------------------------------------------------------------------------------


def test_inactivation_needs_a_reason(world):
    assert refusal(inactivate_card, world.card_a, "   ", None) == "reason_required"
    world.card_a.refresh_from_db()
    assert world.card_a.status == Card.Status.ACTIVE
    version = world.card_a.code_version
    inactivate_card(world.card_a, "The holder moved abroad", world.users["distributor"])
    world.card_a.refresh_from_db()
    assert world.card_a.status == Card.Status.INACTIVE
    assert world.card_a.inactivation_reason == "The holder moved abroad"
    assert world.card_a.code_version == version + 1
    assert world.card_a.events.get(kind=CardEvent.Kind.INACTIVATED).details == {"reason": "The holder moved abroad"}
    assert AuditEntry.objects.get(action="cards.inactivated").changes["reason"] is None  # free text: named only
    assert use(world, world.card_a, "k").reason == Reason.INACTIVATED
    assert refusal(inactivate_card, world.card_a, "again", None) == "not_active"


# ----- replacement ------------------------------------------------------------------------------------


def test_replacing_a_lost_card(world):
    worker = world.users["distributor"]
    old = world.card_a
    issued = replace_card(old, worker)
    new = issued.card
    old.refresh_from_db()
    assert old.status == Card.Status.REPLACED and old.replaced_by == new
    assert new.status == Card.Status.ACTIVE and new.number != old.number
    assert (new.birth_year, new.postal_code, new.children, new.valid_until) == (1957, "33999", 2, old.valid_until)
    assert old.events.get(kind=CardEvent.Kind.REPLACED).details == {"new_card": new.pk}
    assert new.events.get(kind=CardEvent.Kind.REPLACEMENT).details == {"old_card": old.pk}
    assert AuditEntry.objects.get(action="cards.replaced").changes == {"replaced_by": new.number}
    assert use(world, old, "old").reason == Reason.REPLACED
    assert use(world, new, "new").accepted
    assert refusal(replace_card, old, worker) == "not_active"


def test_replacing_with_a_stock_number(world):
    new = replace_card(world.card_a, None, number=world.stock_a.number).card
    assert new.pk == world.stock_a.pk and new.status == Card.Status.ACTIVE
    assert refusal(replace_card, new, None, number=world.card_b.number) == "number_of_another_site"
    new.refresh_from_db()
    assert new.status == Card.Status.ACTIVE


def test_a_new_activation_code(world):
    code = reissue_activation_code(world.card_a, None)
    world.card_a.refresh_from_db()
    assert check_password(code, world.card_a.activation_code_hash)
    assert len(code) == 8
    assert refusal(reissue_activation_code, world.stock_a, None) == "not_active"
