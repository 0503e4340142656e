from django.core import mail
from django.urls import reverse

from kaiku.network.models import Area, AreaStatusChange, Invitation, Site


def test_the_national_admin_creates_an_area_in_planning(world, client):
    client.force_login(world.users["national_admin"])
    response = client.post(reverse("onboarding:area_create"), {"name": "Kainuu", "slug": "kainuu", "kind": "county"})
    area = Area.objects.get(slug="kainuu")
    assert response.status_code == 302 and area.status == Area.Status.PLANNING


def test_a_coordinator_starts_the_pilot_on_the_page(world, client):
    client.force_login(world.users["coordinator"])
    area = world.area_a
    area.status = Area.Status.PLANNING
    area.save()
    url = reverse("onboarding:area_status", args=[area.pk])
    client.post(url, {"status": "pilot"})
    area.refresh_from_db()
    assert area.status == "planning"  # no dates: refused with a message
    client.post(url, {"status": "pilot", "pilot_start": "2026-08-01", "pilot_end": "2027-05-31"})
    area.refresh_from_db()
    assert area.status == "pilot"
    assert AreaStatusChange.objects.get(area=area).changed_by == world.users["coordinator"]


def test_a_coordinator_invites_by_e_mail_only_within_the_area(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["coordinator"])
    url = reverse("onboarding:invitations", args=[world.area_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"site": world.venue_a.pk, "email": "uusi@example.org", "kind": "admin"})
    assert response.status_code == 302 and mail.outbox[0].to == ["uusi@example.org"]
    response = client.post(url, {"site": world.venue_b.pk, "email": "x@example.org", "kind": "admin"})
    assert response.status_code == 200 and Invitation.objects.count() == 1


def test_a_coordinator_adds_a_partner(world, client):
    client.force_login(world.users["coordinator"])
    url = reverse("onboarding:site_create", args=[world.area_a.pk])
    data = {"kind": "venue", "name": "Tampere-talo", "municipality": "837", "sector": "culture"}
    assert client.post(url, data).status_code == 302
    assert Site.objects.get(name="Tampere-talo").area == world.area_a
    assert client.post(url, {**data, "municipality": "297"}).status_code == 200  # not in the area
