import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.offers.models import Occurrence
from kaiku.offers.services import places_left
from kaiku.together import services
from kaiku.together.models import GroupRequest
from kaiku.together.services import RequestDetails, TogetherError
from kaiku.together.tests.helpers import community_card, concert, group_request
from kaiku.visits.models import Use
from kaiku.visits.services import UseRequest, record_use, record_uses

pytestmark = pytest.mark.django_db


def _details(world, occurrence, **kwargs):
    values = {"card": community_card(world), "occurrence": occurrence, "under_16": 2, "adults": 1}
    values.update(kwargs)
    return RequestDetails(**values)


def _code(call):
    with pytest.raises(TogetherError) as exc:
        call()
    return exc.value.code


def test_it_holds_the_places_when_the_venue_accepts(world):
    group = group_request(world, under_16=3, adults=2)
    assert places_left(group.occurrence) == 10
    services.accept(group, world.users["venue_staff"])
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.ACCEPTED
    assert group.held_places == 5
    assert places_left(group.occurrence) == 5


def test_it_refuses_when_the_places_do_not_fit(world):
    group = group_request(world, under_16=3, adults=1, quota=3)
    assert _code(lambda: services.accept(group, world.users["venue_staff"])) == "places_not_available"
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.REQUESTED and group.held_places == 0


def test_the_door_sees_the_held_places(world):
    group = group_request(world, under_16=3, adults=1, quota=5)
    services.accept(group, world.users["venue_staff"])
    # 4 of 5 places are held: a holder with two children no longer fits.
    result = record_use(
        UseRequest(
            venue=world.venue_a,
            number=world.card_a.number,
            channel="typed",
            idempotency_key="k1",
            children=2,
            occurrence=group.occurrence,
        )
    )
    assert result.reason == "quota_full"


def test_it_refuses_a_past_date(world):
    occurrence = concert(world.venue_a, days=-1)
    code = _code(lambda: services.request_places(world.distributor_a, _details(world, occurrence), None))
    assert code == "occurrence_past"


def test_it_refuses_a_cancelled_date(world):
    occurrence = concert(world.venue_a)
    Occurrence.objects.filter(pk=occurrence.pk).update(cancelled=True)
    occurrence.refresh_from_db()
    code = _code(lambda: services.request_places(world.distributor_a, _details(world, occurrence), None))
    assert code == "occurrence_closed"


def test_it_refuses_another_sites_card(world):
    occurrence = concert(world.venue_a)
    details = _details(world, occurrence, card=community_card(world, world.distributor_b))
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "card_not_of_site"


def test_it_refuses_too_big_a_community_group(world):
    occurrence = concert(world.venue_a)
    details = _details(world, occurrence, under_16=40)
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "community_group_too_large"


def test_a_personal_card_brings_only_its_children(world):
    occurrence = concert(world.venue_a)
    details = _details(world, occurrence, card=world.card_a, under_16=3, adults=1)
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "too_many_children"
    details = _details(world, occurrence, card=world.card_a, under_16=0, adults=2)
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "personal_card_one_adult"


def test_it_bounds_the_counts_and_the_needs(world):
    occurrence = concert(world.venue_a)
    details = _details(world, occurrence, under_16=0, adults=0)
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "bad_counts"
    details = _details(world, occurrence, needs="x" * 501)
    assert _code(lambda: services.request_places(world.distributor_a, details, None)) == "needs_too_long"


def test_a_proposed_date_holds_places_once_the_site_takes_it(world):
    group = group_request(world, under_16=2, adults=1)
    other = Occurrence.objects.create(offer=group.offer, starts_at=timezone.now() + dt.timedelta(days=9), quota=10)
    assert _code(lambda: services.propose(group, concert(world.venue_a), "", None)) == "not_same_offer"
    services.propose(group, other, "Tiistaina on tilaa", world.users["venue_staff"])
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.PROPOSED and places_left(other) == 10
    assert _code(lambda: services.accept(group, None)) == "wrong_state"
    services.accept_proposal(group, world.users["distributor"])
    group.refresh_from_db()
    assert group.occurrence == other and group.held_places == 3
    assert places_left(other) == 7


def test_declining_needs_a_reason_and_releases_the_places(world):
    group = group_request(world)
    services.accept(group, None)
    assert _code(lambda: services.decline(group, "  ", None)) == "reason_required"
    services.decline(group, "Esitys on peruttu", None)
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.DECLINED and places_left(group.occurrence) == 10


def test_withdrawing_releases_the_places(world):
    group = group_request(world)
    services.accept(group, None)
    services.withdraw(group, None)
    assert places_left(group.occurrence) == 10


def test_the_visit_is_recorded_against_the_request_once(world):
    group = group_request(world, under_16=3, adults=1, quota=4)
    services.accept(group, None)
    assert places_left(group.occurrence) == 0
    use = services.record_visit(group, 2, "abc", world.users["venue_staff"])
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.VISITED and group.use == use and group.held_places == 0
    assert use.accepted and use.community_clients == 2 and use.occurrence == group.occurrence
    assert places_left(group.occurrence) == 1
    assert services.record_visit(group, 2, "other", None) == use
    assert Use.objects.filter(card=group.card).count() == 1


@pytest.mark.parametrize("path", ["one", "batch"])
def test_the_groups_card_at_the_door_takes_the_held_places_and_closes_the_request(world, path):
    # All 4 places are held for the group: its own card, scanned at the door, still fits,
    # uses the held places instead of counting them twice, and the request is visited.
    group = group_request(world, under_16=3, adults=1, quota=4)
    services.accept(group, None)
    scan = UseRequest(
        venue=world.venue_a,
        number=group.card.number,
        channel="scanned",
        idempotency_key="door-1",
        community_clients=3,
        occurrence=group.occurrence,
    )
    result = record_use(scan) if path == "one" else record_uses([scan])[0]
    assert result.accepted, result.reason
    group.refresh_from_db()
    assert (group.status, group.held_places, group.use) == (GroupRequest.Status.VISITED, 0, result.use)
    assert places_left(group.occurrence) == 0  # 4 people came; nothing is held twice
    assert services.record_visit(group, 3, "desk", None) == result.use  # the desk then finds it recorded


def test_a_refused_visit_keeps_the_places_held(world):
    group = group_request(world, under_16=1, adults=1)
    services.accept(group, None)
    group.card.status = group.card.Status.INACTIVE
    group.card.save()
    assert _code(lambda: services.record_visit(group, 1, "abc", None)) == "use_refused"
    group.refresh_from_db()
    assert group.status == GroupRequest.Status.ACCEPTED and group.held_places == 2


def test_the_places_stop_counting_when_the_date_starts(world):
    group = group_request(world, under_16=3, adults=1)
    services.accept(group, None)
    with time_machine.travel(group.occurrence.starts_at + dt.timedelta(minutes=1)):
        assert places_left(group.occurrence) == 10


def test_both_sides_get_an_email_after_commit(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group = group_request(world)
    assert [m.to for m in mailoutbox] == [["venue@example.org"], ["venueadmin@example.org"]]
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(group, None)
    assert mailoutbox[-1].to == ["distributor@example.org"]
    assert f"/together/sites/{world.distributor_a.pk}/requests/{group.pk}/" in mailoutbox[-1].body


def test_no_free_text_reaches_the_audit_log_or_the_mail(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group = group_request(world)
        services.decline(group, "Salaisuus", None)
    assert len(mailoutbox) == 3
    entries = AuditEntry.objects.filter(object_type="together.grouprequest")
    assert entries.count() == 2
    for entry in entries:
        text = str(entry.changes) + entry.object_label
        assert "Pyörätuoli" not in text and "Salaisuus" not in text
    for mail in mailoutbox:
        assert "Pyörätuoli" not in mail.body and "Salaisuus" not in mail.body


def test_a_bulletin_goes_to_own_areas_only(world):
    details = services.BulletinDetails(area=world.area_b, audience="all", title="T", body="B")
    post = services.post_bulletin
    assert _code(lambda: post(details, None, national=False, area_ids={world.area_a.pk})) == "bulletin_area_required"
    details.area = None
    assert _code(lambda: post(details, None, national=False, area_ids={world.area_a.pk})) == "bulletin_area_required"
    details.area, details.audience = world.area_a, "everyone"
    assert _code(lambda: post(details, None, national=False, area_ids={world.area_a.pk})) == "bulletin_audience"
    details.audience, details.title = "venues", "  "
    assert _code(lambda: post(details, None, national=False, area_ids={world.area_a.pk})) == "bulletin_empty"
    details.title = "Tiedote"
    assert post(details, None, national=False, area_ids={world.area_a.pk}).area == world.area_a
