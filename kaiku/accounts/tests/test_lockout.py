"""Staff sign-in guessing limits (django-axes): per account, per address, audited, unlockable."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from kaiku.audit.models import AuditEntry

PASSWORD = "a-long-staff-password-2026"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/django-admin/login/"


@pytest.fixture
def staff(world):
    user = world.users["distributor"]
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client, email, password, url=LOGIN, **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


def _signed_in(client):
    return "_auth_user_id" in client.session


def _lock(client, email, url=LOGIN, times=30, **extra):
    responses = [_sign_in(client, email, "wrong-password", url, **extra) for _ in range(times)]
    return responses[-1]


def test_30_wrong_passwords_lock_the_account_with_a_clear_message(staff, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = _lock(client, staff.email)
    assert response.status_code == 429
    body = response.content.decode()
    assert "too many wrong passwords" in body
    assert "Try again after" in body
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "no-store" in response["Cache-Control"]

    # The right password is refused too while the lock lasts, from any address.
    again = _sign_in(Client(), staff.email, PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert again.status_code == 429
    assert not _signed_in(client)


def test_the_lock_message_is_translated(staff):
    fi = _lock(Client(HTTP_ACCEPT_LANGUAGE="fi"), staff.email)
    assert "liian monta väärää salasanaa" in fi.content.decode()
    sv = _lock(Client(HTTP_ACCEPT_LANGUAGE="sv"), staff.email, times=1)
    assert "för många fel lösenord" in sv.content.decode()


def test_the_lock_ends_after_the_cool_off(staff, settings):
    _lock(Client(), staff.email)
    client = Client()
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        response = _sign_in(client, staff.email, PASSWORD)
        assert response.status_code == 302
        assert _signed_in(client)


def test_a_national_admin_unlocks_the_account(world, staff):
    _lock(Client(), staff.email)
    admin = world.client_for("national_admin")
    page = admin.get("/accounts/locks/")
    assert page.status_code == 200
    assert staff.email in page.content.decode()
    assert admin.post("/accounts/locks/", {"kind": "account", "value": staff.email}).status_code == 302
    # The address lock (same client, same failures) ended with the account's failures.
    client = Client()
    assert _sign_in(client, staff.email, PASSWORD).status_code == 302
    assert _signed_in(client)
    unlocked = AuditEntry.objects.get(action="accounts.unlocked")
    assert unlocked.object_id == str(staff.pk)


def test_the_lock_is_audited_once_without_the_email(staff, settings):
    _lock(Client(), staff.email)
    entries = AuditEntry.objects.filter(action="accounts.locked")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.object_id == str(staff.pk)
    assert entry.actor is None
    text = f"{entry.actor_label} {entry.object_label} {entry.changes}"
    assert staff.email not in text


def test_one_address_guessing_many_accounts_is_locked_others_are_not(world, staff, settings):
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(guesser, f"guess{i}@example.fi", "wrong-password")
    # Locked by address: even a real account's right password is refused there.
    assert _sign_in(guesser, staff.email, PASSWORD).status_code == 429
    # The account itself is not locked: from another address it signs in.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert _sign_in(other, staff.email, PASSWORD).status_code == 302


def test_the_address_is_the_one_our_proxy_saw(world, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(
            Client(),
            f"guess{i}@example.fi",
            "x",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.66",
        )
    assert AccessAttempt.objects.values("ip_address").distinct().count() == 1
    other = Client()
    assert (
        _sign_in(other, staff.email, PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10").status_code
        == 302
    )


def test_the_django_admin_sign_in_is_limited_too(world, settings):
    admin = world.users["national_admin"]
    admin.set_password(PASSWORD)
    admin.save()
    response = _lock(Client(), admin.email, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert _sign_in(Client(), admin.email, PASSWORD, url=ADMIN_LOGIN).status_code == 429


def test_unlocking_something_not_locked_says_so(world):
    admin = world.client_for("national_admin")
    response = admin.post("/accounts/locks/", {"kind": "account", "value": "nobody@example.fi"}, follow=True)
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="accounts.unlocked").exists()


def test_the_email_is_not_logged(staff, caplog):
    caplog.set_level("DEBUG")
    _lock(Client(), staff.email)
    assert staff.email not in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_a_national_admin_unlocks_an_address(world, staff, settings):
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(guesser, f"guess{i}@example.fi", "wrong-password")
    admin = world.client_for("national_admin")
    assert "203.0.113.66" in admin.get("/accounts/locks/").content.decode()
    assert admin.post("/accounts/locks/", {"kind": "address", "value": "not-an-address"}).status_code == 302
    assert _sign_in(guesser, staff.email, PASSWORD).status_code == 429
    assert admin.post("/accounts/locks/", {"kind": "address", "value": "203.0.113.66"}).status_code == 302
    assert _sign_in(guesser, staff.email, PASSWORD).status_code == 302
    assert AuditEntry.objects.filter(action="accounts.unlocked", object_label="client address").count() == 1
