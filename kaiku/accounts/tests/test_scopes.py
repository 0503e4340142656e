"""Roles and scopes: one person may hold several roles; every role sees only its own scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.accounts.scopes import scope_for, staffed_venues
from kaiku.accounts.tests.factories import UserFactory, user_with_role


def test_one_person_with_several_roles_reaches_each_scope(world):
    person = user_with_role(Role.DISTRIBUTOR_STAFF, site=world.distributor_a)
    RoleAssignment.objects.create(user=person, role=Role.VENUE_STAFF, site=world.venue_b)
    scope = scope_for(person)
    assert scope.distributor_site_ids == {world.distributor_a.pk} and scope.venue_ids == {world.venue_b.pk}
    assert not scope.national and scope.is_staff_member
    client = Client()
    client.force_login(person)
    assert client.get(reverse("cards:site_cards", args=[world.distributor_a.pk])).status_code == 200
    assert client.get(reverse("visits:venue", args=[world.venue_b.pk])).status_code == 200
    assert client.get(reverse("visits:venue", args=[world.venue_a.pk])).status_code == 404
    assert client.get(reverse("cards:site_cards", args=[world.distributor_b.pk])).status_code == 404


def test_anonymous_and_roleless_users_have_no_scope(world):
    from django.contrib.auth.models import AnonymousUser

    assert not scope_for(AnonymousUser()).is_staff_member
    assert not scope_for(UserFactory()).is_staff_member


def test_venue_admin_is_also_venue_staff_for_the_page(world):
    scope = scope_for(world.users["venue_admin"])
    assert scope.venue_admin_ids == {world.venue_a.pk} and world.venue_a.pk in scope.venue_ids


def test_staffed_venues_are_the_venues_of_a_persons_roles_by_name(world):
    person = user_with_role(Role.VENUE_STAFF, site=world.venue_a)
    RoleAssignment.objects.create(user=person, role=Role.VENUE_ADMIN, site=world.venue_b)
    RoleAssignment.objects.create(user=person, role=Role.DISTRIBUTOR_STAFF, site=world.distributor_a)
    # "Kuopion museo" before "Tampereen Teatteri"; the distributor site is no venue.
    assert staffed_venues(person) == [world.venue_b, world.venue_a]
    assert staffed_venues(world.users["distributor"]) == []
    assert staffed_venues(UserFactory()) == []


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.NATIONAL_ADMIN, {"area": "area_a"}),
        (Role.AREA_COORDINATOR, {"site": "venue_a"}),
        (Role.DISTRIBUTOR_STAFF, {"site": "venue_a"}),
        (Role.VENUE_STAFF, {"site": "distributor_a"}),
        (Role.VENUE_ADMIN, {}),
    ],
)
def test_a_role_needs_a_scope_of_its_kind(world, role, scope):
    assignment = RoleAssignment(user=UserFactory(), role=role, **{k: world.obj(v) for k, v in scope.items()})
    if role == Role.AREA_COORDINATOR:
        assignment.side = "culture"
    with pytest.raises(ValidationError):
        assignment.clean()


def test_a_coordinator_needs_a_side(world):
    assignment = RoleAssignment(user=UserFactory(), role=Role.AREA_COORDINATOR, area=world.area_a)
    with pytest.raises(ValidationError):
        assignment.clean()
    assignment.side = "social"
    assignment.clean()


def test_login_with_e_mail_in_any_case(world):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "Distributor@Example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    wrong = Client().post(reverse("accounts:login"), {"username": "distributor@example.org", "password": "nope"})
    assert wrong.status_code == 200 and "_auth_user_id" not in wrong.client.session
