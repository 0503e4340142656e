import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kaiku.accounts.models import Role, RoleAssignment, User
from kaiku.audit.models import AuditEntry
from kaiku.network import onboarding as services
from kaiku.network.models import Acknowledgement, Area, AreaStatusChange, ChecklistEntry, Invitation, TrainingReminder
from kaiku.partners.services import create_api_key
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, Reason, Use

pytestmark = pytest.mark.django_db(transaction=False)


def _accept(token, **kw):
    data = services.Acceptance(full_name="Pia Partner", password="a long enough password", acknowledge=True)
    for k, v in kw.items():
        setattr(data, k, v)
    return services.accept_invitation(token, data)


def test_it_moves_an_area_from_planning_to_pilot_to_active_with_who_and_when(world):
    admin = world.users["national_admin"]
    area = Area.objects.create(name="Lappi", slug="lappi")
    assert area.status == Area.Status.PLANNING
    with pytest.raises(services.OnboardingError) as exc:
        services.change_area_status(area, Area.Status.PILOT, admin)
    assert exc.value.code == "pilot_dates_required"
    start, end = dt.date(2026, 8, 1), dt.date(2027, 5, 31)
    services.change_area_status(area, Area.Status.PILOT, admin, pilot_start=start, pilot_end=end)
    services.change_area_status(area, Area.Status.ACTIVE, admin)
    area.refresh_from_db()
    assert (area.status, area.pilot_start, area.pilot_end) == ("active", start, end)
    history = list(AreaStatusChange.objects.filter(area=area).order_by("changed_at", "pk"))
    assert [(h.from_status, h.to_status, h.changed_by) for h in history] == [
        ("planning", "pilot", admin),
        ("pilot", "active", admin),
    ]
    with pytest.raises(services.OnboardingError) as exc:
        services.change_area_status(area, Area.Status.PILOT, admin, pilot_start=start, pilot_end=end)
    assert exc.value.code == "bad_transition"


def test_it_ticks_and_unticks_checklist_items(world, client):
    client.force_login(world.users["coordinator"])
    url = reverse("onboarding:checklist", args=[world.area_a.pk])
    client.post(url, {"item": "working_group", "done": "on"})
    entry = ChecklistEntry.objects.get(area=world.area_a)
    assert (entry.item, entry.done_by) == ("working_group", world.users["coordinator"])
    page = client.get(reverse("onboarding:onboarding", args=[world.area_a.pk]))
    assert "coordinator@example.org" in page.content.decode()
    client.post(url, {"item": "working_group"})
    assert not ChecklistEntry.objects.exists()


def test_it_sends_an_invitation_only_after_commit_and_accepts_it_once(world, django_capture_on_commit_callbacks):
    services.publish_guideline("2026.1", "Free tickets, no income proof.", "", world.users["national_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.invite(
            world.venue_a, "New.Admin@example.org", Invitation.Kind.ADMIN, world.users["coordinator"]
        )
    assert mail.outbox[-1].to == ["new.admin@example.org"]
    assert sent.token in mail.outbox[-1].body
    assert sent.invitation.token_hash != sent.token  # only a hash is stored
    with pytest.raises(services.OnboardingError) as exc:
        _accept(sent.token, acknowledge=False)
    assert exc.value.code == "guideline_not_acknowledged"
    user = _accept(sent.token, contact_name="Pia Partner", contact_email="pia@example.org")
    assert RoleAssignment.objects.get(user=user).role == Role.VENUE_ADMIN
    world.venue_a.refresh_from_db()
    assert (world.venue_a.contact_name, world.venue_a.contact_email) == ("Pia Partner", "pia@example.org")
    assert Acknowledgement.objects.filter(site=world.venue_a, version__version="2026.1", by=user).exists()
    with pytest.raises(services.OnboardingError) as exc:
        _accept(sent.token)
    assert exc.value.code == "invitation_used"
    assert User.objects.filter(email="new.admin@example.org").count() == 1


def test_it_refuses_an_expired_invitation(world, _clock):
    sent = services.invite(world.distributor_a, "late@example.org", Invitation.Kind.STAFF, world.users["coordinator"])
    _clock.shift(dt.timedelta(days=13, hours=23))
    services.open_invitation(sent.token)  # still valid on day 14
    _clock.shift(dt.timedelta(hours=2))
    with pytest.raises(services.OnboardingError) as exc:
        _accept(sent.token)
    assert exc.value.code == "invitation_expired"
    assert not User.objects.filter(email="late@example.org").exists()


def test_it_shows_a_used_or_unknown_link_as_closed(world, client):
    sent = services.invite(world.venue_a, "staff@example.org", Invitation.Kind.STAFF, world.users["venue_admin"])
    _accept(sent.token)
    assert client.get(reverse("onboarding:accept", args=[sent.token])).status_code == 410
    assert client.get(reverse("onboarding:accept", args=["nonsense"])).status_code == 404


def test_it_accepts_through_the_page_and_signs_in(world, client):
    sent = services.invite(world.venue_a, "staff@example.org", Invitation.Kind.STAFF, world.users["venue_admin"])
    url = reverse("onboarding:accept", args=[sent.token])
    response = client.post(url, {"full_name": "Sami Staff", "password": "short"})
    assert response.status_code == 200 and not User.objects.filter(email="staff@example.org").exists()
    response = client.post(url, {"full_name": "Sami Staff", "password": "a long enough password"})
    assert response.status_code == 302
    user = User.objects.get(email="staff@example.org")
    assert RoleAssignment.objects.get(user=user).role == Role.VENUE_STAFF
    assert client.get(reverse("web:home")).wsgi_request.user == user


def test_it_asks_every_partner_again_when_a_new_guideline_is_published(world, django_capture_on_commit_callbacks):
    admin = world.users["national_admin"]
    world.venue_a.contact_email = "venue@example.org"
    world.venue_a.save()
    v1 = services.publish_guideline("1", "First.", "", admin)
    for site in services.partner_sites():
        services.acknowledge(site, v1, admin)
    assert not services.not_acknowledged(services.partner_sites()).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_guideline("2", "Second.", "", admin)
    assert "venue@example.org" in [m.to[0] for m in mail.outbox]
    pending = set(services.not_acknowledged(services.partner_sites()))
    assert world.venue_a in pending and world.distributor_b in pending
    assert world.agency_a not in pending  # agencies sign a contract, not the guideline


def test_coordinators_see_who_has_not_acknowledged(world, client):
    v1 = services.publish_guideline("1", "First.", "", world.users["national_admin"])
    services.acknowledge(world.distributor_a, v1, world.users["distributor"])
    client.force_login(world.users["coordinator"])
    body = client.get(
        reverse("onboarding:onboarding", args=[world.area_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    pending = body.split("have not acknowledged")[1].split("</ul>")[0]
    assert "Tampereen Teatteri" in pending and "Tampereen sosiaalitoimisto" not in pending


def test_a_partner_admin_acknowledges_on_the_page(world, client):
    services.publish_guideline("1", "First.", "", world.users["national_admin"])
    client.force_login(world.users["venue_admin"])
    url = reverse("onboarding:acknowledge", args=[world.venue_a.pk])
    client.post(url, {})
    assert not Acknowledgement.objects.exists()
    client.post(url, {"acknowledge": "on"})
    assert Acknowledgement.objects.get().by == world.users["venue_admin"]


def test_the_training_reminder_is_sent_once_a_year(world, _clock, django_capture_on_commit_callbacks):
    world.venue_a.contact_email = "venue@example.org"
    world.venue_a.save()
    world.distributor_a.contact_email = "social@example.org"
    world.distributor_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_training_reminders", stdout=open("/dev/null", "w"))
        call_command("send_training_reminders", stdout=open("/dev/null", "w"))
    assert sorted(m.to[0] for m in mail.outbox) == ["social@example.org", "venue@example.org"]
    assert TrainingReminder.objects.filter(year=2026).count() == 2
    _clock.move_to(dt.datetime(2027, 1, 2, 9, 0, tzinfo=timezone.get_current_timezone()))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_training_reminders() == 2
        assert services.send_training_reminders() == 0
    assert len(mail.outbox) == 4


def test_offboarding_keeps_history_and_statistics_and_ends_access(world, client):
    coordinator = world.users["coordinator"]
    use = visits.record_use(visits.UseRequest(world.venue_a, world.card_a.number, Channel.TYPED, "k1")).use
    key = create_api_key(world.venue_a, "Box office", ["check", "record"], coordinator).key
    open_invite = services.invite(world.venue_a, "x@example.org", Invitation.Kind.STAFF, coordinator).invitation
    client.force_login(coordinator)
    client.post(reverse("onboarding:site_offboard", args=[world.venue_a.pk]), {"reason": "Closed for renovation"})
    world.venue_a.refresh_from_db()
    assert world.venue_a.offboarded_at is not None
    assert Use.objects.filter(pk=use.pk, venue=world.venue_a).exists()
    assert Use.objects.filter(venue=world.venue_a).accepted().count() == 1
    assert not RoleAssignment.objects.filter(site=world.venue_a).exists()
    key.refresh_from_db()
    open_invite.refresh_from_db()
    assert key.revoked_at is not None and open_invite.revoked_at is not None
    later = visits.record_use(visits.UseRequest(world.venue_a, world.card_a.number, Channel.TYPED, "k2")).use
    assert later.reason == Reason.VENUE_CLOSED
    entry = AuditEntry.objects.get(action="partners.offboarded")
    assert entry.changes["reason"] == "Closed for renovation" and entry.actor == coordinator
    # The area's history still lists it, marked as having left.
    body = client.get(reverse("network:area_detail", args=[world.area_a.pk])).content.decode()
    assert "Tampereen Teatteri" in body


def test_someone_with_an_account_adds_the_invited_role_with_their_own_password(world, client):
    """A person who already works at one venue is invited to a second one."""
    person = world.users["venue_staff"]
    person.set_password("my existing password")
    person.save()
    roles_before = set(RoleAssignment.objects.filter(user=person).values_list("role", "site_id"))
    sent = services.invite(world.venue_b, person.email.upper(), Invitation.Kind.STAFF, world.users["national_admin"])
    url = reverse("onboarding:accept", args=[sent.token])
    page = client.get(url)
    assert page.status_code == 200 and page.context["existing"] and "full_name" not in page.context["form"].fields
    wrong = client.post(url, {"password": "not my password"})
    assert wrong.status_code == 200
    assert wrong.context["form"].non_field_errors() == [str(services.OnboardingError("wrong_password").message)]
    assert set(RoleAssignment.objects.filter(user=person).values_list("role", "site_id")) == roles_before
    assert Invitation.objects.get(pk=sent.invitation.pk).accepted_at is None
    response = client.post(url, {"password": "my existing password"})
    assert response.status_code == 302
    roles = set(RoleAssignment.objects.filter(user=person).values_list("role", "site_id"))
    assert roles == roles_before | {(Role.VENUE_STAFF, world.venue_b.pk)}
    assert User.objects.filter(email=person.email).count() == 1
    assert Invitation.objects.get(pk=sent.invitation.pk).accepted_by == person
    assert client.get(reverse("visits:venue", args=[world.venue_b.pk])).status_code == 200


def test_a_closed_account_cannot_take_an_invitation(world):
    person = world.users["venue_staff"]
    person.is_active = False
    person.save()
    sent = services.invite(world.venue_b, person.email, Invitation.Kind.STAFF, world.users["national_admin"])
    with pytest.raises(services.OnboardingError) as exc:
        _accept(sent.token)
    assert exc.value.code == "email_in_use"
    assert not RoleAssignment.objects.filter(user=person, site=world.venue_b).exists()
