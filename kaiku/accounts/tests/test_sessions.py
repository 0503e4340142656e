"""Stock sessions and authentication: ``cached_db`` sessions, django-axes then ``ModelBackend``."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kaiku.accounts.models import Role
from kaiku.accounts.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _signed_in(world):
    user = user_with_role(Role.VENUE_STAFF, site=world.venue_a)
    client = Client()
    client.force_login(user)
    return user, client, reverse("visits:venue", args=[world.venue_a.pk])


def test_the_settings_are_djangos_own():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.AUTHENTICATION_BACKENDS == [
        "kaiku.accounts.lockout.LockoutBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def test_a_session_is_kept_in_the_database_and_expires_after_its_age(world):
    _user, client, url = _signed_in(world)
    assert client.get(url).status_code == 200
    assert Session.objects.filter(session_key=client.session.session_key).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_deactivated_person_is_signed_out_on_the_next_request(world):
    user, client, url = _signed_in(world)
    assert client.get(url).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
