"""Tips, renewals and reminders: the rules by their codes."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.cards.models import Card
from kaiku.cards.services import renew_card
from kaiku.cards.tests.factories import CardFactory
from kaiku.outreach import services
from kaiku.outreach.models import RenewalReminder, WorkerTip
from kaiku.outreach.services import OutreachError
from kaiku.outreach.tests.conftest import date_of, offer_at
from kaiku.portal.models import HolderPreference
from kaiku.portal.services import _new_device
from kaiku.visits.services import UseRequest, record_use

pytestmark = pytest.mark.django_db


def _tip(world, card=None, offer=None, occurrence=None, delivery="print"):
    return services.give_tip(
        world.distributor_a,
        card or world.card_a,
        offer or offer_at(world.venue_a),
        occurrence,
        delivery=delivery,
        actor=world.users["distributor"],
    )


def test_it_records_a_printed_tip_and_audits_it_without_the_card_number(world):
    offer = offer_at(world.venue_a)
    occ = date_of(offer)
    tip = _tip(world, offer=offer, occurrence=occ)
    assert tip.follow_until == tip.given_on + dt.timedelta(days=60)
    entry = AuditEntry.objects.get(action="outreach.tip_given")
    assert world.card_a.number not in str(entry.changes)
    assert entry.changes["delivery"] == "print"


def test_the_same_tip_twice_on_one_day_is_recorded_once(world):
    offer = offer_at(world.venue_a)
    first = _tip(world, offer=offer)
    assert _tip(world, offer=offer) == first
    assert WorkerTip.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("other_site_card", "card_of_other_site"),
        ("inactive_card", "card_not_active"),
        ("other_area_offer", "offer_unavailable"),
        ("excluded_offer", "offer_unavailable"),
        ("cancelled_date", "date_unavailable"),
        ("date_of_other_offer", "date_unavailable"),
        ("no_portal", "no_portal"),
    ],
)
def test_it_refuses_a_tip_with_a_reason_code(world, setup, code):
    card, offer, occ, delivery = world.card_a, offer_at(world.venue_a), None, "print"
    if setup == "other_site_card":
        card = world.card_b
    elif setup == "inactive_card":
        Card.objects.filter(pk=card.pk).update(status=Card.Status.INACTIVE)
        card.refresh_from_db()
    elif setup == "other_area_offer":
        offer = offer_at(world.venue_b)
    elif setup == "excluded_offer":
        offer.excluded = True
        offer.save()
    elif setup == "cancelled_date":
        occ = date_of(offer, cancelled=True)
    elif setup == "date_of_other_offer":
        occ = date_of(offer_at(world.venue_a, "Toinen"))
    elif setup == "no_portal":
        delivery = "portal"
    with pytest.raises(OutreachError) as exc:
        _tip(world, card=card, offer=offer, occurrence=occ, delivery=delivery)
    assert exc.value.code == code
    assert not WorkerTip.objects.exists()


def test_a_portal_tip_needs_a_signed_in_browser_or_email_consent_and_shows_in_the_portal(world):
    _new_device(world.card_a, "code")
    offer = offer_at(world.venue_a, "Jazz")
    tip = _tip(world, offer=offer, delivery="portal")
    assert services.portal_tips(world.card_a) == [tip]
    assert services.portal_tips(world.card_b) == []
    # A printed tip is not in the portal.
    _tip(world, offer=offer_at(world.venue_a, "Paperi"))
    assert services.portal_tips(world.card_a) == [tip]


def test_a_portal_tip_leaves_the_portal_when_its_date_has_passed(world):
    _new_device(world.card_a, "code")
    offer = offer_at(world.venue_a)
    _tip(world, offer=offer, occurrence=date_of(offer, days=2), delivery="portal")
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert services.portal_tips(world.card_a) == []


def _use(world, card, venue, key, day_offset=0):
    with time_machine.travel(timezone.now() + dt.timedelta(days=day_offset)):
        result = record_use(UseRequest(venue=venue, number=card.number, channel="typed", idempotency_key=key))
        assert result.accepted, result.reason


def test_tip_figures_count_visits_to_the_venue_within_60_days_and_hide_small_counts(world):
    offer = offer_at(world.venue_a)
    cards = [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(6)]
    for card in cards:
        _tip(world, card=card, offer=offer)
    for i, card in enumerate(cards[:5]):
        _use(world, card, world.venue_a, f"k{i}", day_offset=10)
    # A visit after 60 days does not count as following the tip.
    _use(world, cards[5], world.venue_a, "late", day_offset=61)
    today = timezone.localdate()
    figures = services.tip_figures([world.distributor_a, world.distributor_b], today, today + dt.timedelta(days=90))
    given, followed = figures.table.cells[0]
    assert (given.value, followed.value) == (6, 5)
    assert figures.table.cells[1][0].text == "0"

    WorkerTip.objects.create(
        site=world.distributor_b, card=world.card_b, offer=offer_at(world.venue_b), delivery="print", given_on=today
    )
    one = services.tip_figures([world.distributor_b], today, today)
    assert one.table.cells[0][0].text == "<5" and one.table.cells[0][0].value is None
    national = services.tip_figures([world.distributor_b], today, today, national=True)
    assert national.table.cells[0][0].value == 1


def test_coming_due_lists_only_the_sites_active_cards_expiring_within_30_days(world):
    today = timezone.localdate()
    soon = CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=30))
    CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=31))
    CardFactory(site=world.distributor_a, valid_until=today - dt.timedelta(days=1))
    CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=5), status=Card.Status.INACTIVE)
    CardFactory(site=world.distributor_b, valid_until=today + dt.timedelta(days=5))
    assert list(services.coming_due(world.distributor_a)) == [soon]


def test_reminders_go_once_per_card_and_validity_to_consenting_holders(world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due = CardFactory(
        site=world.distributor_a,
        valid_until=today + dt.timedelta(days=30),
        portal_consent=True,
        email="holder@example.org",
    )
    HolderPreference.objects.create(card=due, language="sv")
    portal_only = CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=20), portal_consent=True)
    CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=30))  # no consent
    CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=31), portal_consent=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_renewal_reminders() == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["holder@example.org"]
    assert world.distributor_a.name in message.body
    assert "förnya" in message.body.lower() or "förnya" in message.subject.lower()
    assert services.due_reminder(due).site == world.distributor_a
    assert services.due_reminder(portal_only) is not None
    # Run again (cron twice, or the next day): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_renewal_reminders", stdout=None)
    assert len(mail.outbox) == 1
    assert RenewalReminder.objects.count() == 2


def test_a_renewal_starts_a_new_period_with_its_own_reminder(world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    card = CardFactory(
        site=world.distributor_a, valid_until=today + dt.timedelta(days=10), portal_consent=True, email="h@example.org"
    )
    services.send_renewal_reminders()
    renew_card(card, world.users["distributor"])
    card.refresh_from_db()
    assert services.due_reminder(card) is None  # the old period's reminder is no longer shown
    with time_machine.travel(timezone.now() + dt.timedelta(days=340)):
        assert services.send_renewal_reminders() == 1
    assert RenewalReminder.objects.filter(card=card).count() == 2


def test_near_is_the_area_or_in_a_county_the_sites_own_municipality(world):
    from kaiku.network.models import Municipality
    from kaiku.network.tests.factories import VenueFactory

    here = offer_at(world.venue_b, "Kuopiossa")
    iisalmi = Municipality.objects.create(code="140", name_fi="Iisalmi", area=world.area_b)
    away = offer_at(VenueFactory(area=world.area_b, municipality=iisalmi), "Iisalmessa")
    assert list(services.near_offers(world.distributor_b)) == [here]
    # In a municipality area, the whole area is near.
    tampere_offer = offer_at(world.venue_a)
    assert list(services.near_offers(world.distributor_a)) == [tampere_offer]
    assert away not in services.near_offers(world.distributor_a)
