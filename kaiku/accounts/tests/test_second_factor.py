"""The staff second factor: who must pass it, enrolment, sign-in by code, recovery code, and reset."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import kaiku
from kaiku.accounts import twofactor
from kaiku.accounts.models import Passkey, Role
from kaiku.accounts.tests.factories import UserFactory, user_with_role
from kaiku.audit.models import AuditEntry
from kaiku.testing.matrix import Row
from kaiku.testing.twofactor import half_signed_in

PASSWORD = "correct horse battery"
REQUIRED = ["national_admin", "coordinator", "distributor"]
SECOND_STEP = ("/accounts/two-factor/verify/", "/accounts/two-factor/set-up/")


def sign_in_with_password(email: str, next_url: str = "") -> tuple[Client, str]:
    client = Client()
    data = {"username": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 302
    return client, response["Location"]


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, computed by django-otp's own TOTP."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrol_totp(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:second_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user_id=int(client.session["_auth_user_id"]), confirmed=False)
    response = client.post(reverse("accounts:second_factor_setup"), {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:recovery_codes"))
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li><code class="number">([a-z2-7]{8})</code></li>', codes_page)
    device.refresh_from_db()
    return device, codes


# --------------------------------------------------------------------------- who must pass it


@pytest.mark.parametrize("role", REQUIRED)
def test_it_sends_roles_that_see_card_data_to_enrol_after_the_password(world, role):
    client, location = sign_in_with_password(world.users[role].email)
    assert location.startswith(reverse("accounts:second_factor_setup"))
    assert client.get(location).status_code == 200
    assert twofactor.requires_second_factor(world.users[role])


@pytest.mark.parametrize("role", ["venue_staff", "venue_admin"])
def test_it_leaves_it_optional_for_venue_staff(world, role):
    client, location = sign_in_with_password(world.users[role].email)
    assert location == reverse("web:home")
    assert client.get(reverse("visits:venue", args=[world.venue_a.pk])).status_code == 200


def test_it_asks_venue_staff_who_enrolled_for_their_factor(world):
    user = world.users["venue_staff"]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client, location = sign_in_with_password(user.email)
    assert location.startswith(reverse("accounts:second_factor"))
    response = client.get(reverse("visits:venue", args=[world.venue_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:second_factor"))


def test_it_requires_it_of_anyone_with_django_admin_access(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    assert twofactor.requires_second_factor(admin)
    client = half_signed_in(admin)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith(SECOND_STEP[1])
    assert client.get("/django-admin/accounts/user/").status_code == 302


def _matrix_rows() -> list[Row]:
    rows: list[Row] = []
    for module in pkgutil.iter_modules(kaiku.__path__):
        try:
            tests = importlib.import_module(f"kaiku.{module.name}.tests.test_permissions")
        except ModuleNotFoundError:
            continue
        for attr in dir(tests):
            if attr.endswith("MATRIX"):
                rows += getattr(tests, attr)
    return rows


@pytest.mark.parametrize("role", REQUIRED)
def test_it_keeps_a_half_signed_in_session_from_every_page_its_role_may_open(world, role):
    """Every GET of the permission matrices that answers this role 200 answers a half-signed-in one elsewhere."""
    rows = [
        row
        for row in _matrix_rows()
        if row.method == "GET" and row.expect.get(role) == 200 and row.expect.get("anonymous") != 200
    ]
    assert len(rows) > 5
    client = half_signed_in(world.users[role])
    for row in rows:
        if row.setup is not None:
            row.setup(world)
        url = row.url(world)
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 403, url
            assert response.json()["code"] == "second_factor_required"
        elif url.startswith("/accounts/two-factor/"):
            # The second step's own pages: the manage page and codes send on to the second step.
            assert response.status_code in (200, 302), url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith(SECOND_STEP), url


def test_it_lets_a_half_signed_in_session_sign_out_and_change_language(world):
    client = half_signed_in(world.users["distributor"])
    assert client.post(reverse("accounts:logout")).status_code == 302
    client = half_signed_in(world.users["distributor"])
    assert client.post(reverse("set_language"), {"language": "sv", "next": "/"}).status_code == 302


def test_a_verified_mark_of_another_person_does_not_count(world):
    client = half_signed_in(world.users["distributor"])
    session = client.session
    session[twofactor.SESSION_KEY] = {"user": world.users["national_admin"].pk, "method": "totp"}
    session.save()
    response = client.get(reverse("cards:site_cards", args=[world.distributor_a.pk]))
    assert response.status_code == 302


def test_a_role_given_after_sign_in_is_caught_at_once(world):
    user = world.users["venue_staff"]
    client, _location = sign_in_with_password(user.email)
    assert client.get(reverse("web:home")).status_code == 200
    user.roles.create(role=Role.DISTRIBUTOR_STAFF, site=world.distributor_a)
    response = client.get(reverse("cards:site_cards", args=[world.distributor_a.pk]))
    assert response.status_code == 302 and response["Location"].startswith(SECOND_STEP)


def test_the_hook_for_other_sign_in_paths(world, rf):
    request = rf.get("/")
    request.user = world.users["coordinator"]
    request.session = Client().session
    assert twofactor.post_login_redirect(request, "/audit/").startswith(SECOND_STEP[1])
    twofactor.mark_verified(request, twofactor.Method.TRUSTED_PROVIDER)
    assert twofactor.post_login_redirect(request, "/audit/") == "/audit/"


# --------------------------------------------------------------------------- enrolment and sign-in


def test_it_enrols_an_authenticator_app_and_shows_recovery_codes_once(world):
    user = world.users["distributor"]
    cards = reverse("cards:site_cards", args=[world.distributor_a.pk])
    client, location = sign_in_with_password(user.email, next_url=cards)
    page = client.get(location)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    assert "no-store" in page["Cache-Control"]
    assert b"<svg" in page.content and b"<script>" not in page.content
    device, codes = enrol_totp(client)
    assert device.confirmed and len(codes) == twofactor.RECOVERY_CODE_COUNT == len(set(codes))
    # Shown once: the page no longer lists them.
    again = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert client.get(cards).status_code == 200
    actions = list(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert "accounts.totp_added" in actions and "accounts.recovery_codes_made" in actions


def test_a_wrong_code_does_not_enrol(world):
    client, location = sign_in_with_password(world.users["coordinator"].email)
    client.get(location)
    response = client.post(reverse("accounts:second_factor_setup"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [twofactor.SecondFactorError("invalid_code").message]
    assert not TOTPDevice.objects.filter(user=world.users["coordinator"], confirmed=True).exists()
    assert client.get(reverse("audit:log")).status_code == 302


def test_it_signs_in_with_a_code_from_the_app(world, _clock):
    user = world.users["national_admin"]
    first, location = sign_in_with_password(user.email)
    device, _codes = enrol_totp(first)
    _clock.shift(30)  # a code works once: the app's next code comes 30 s later
    client, location = sign_in_with_password(user.email, next_url="/audit/")
    assert location == f"{reverse('accounts:second_factor')}?next=%2Faudit%2F"
    assert client.get("/audit/").status_code == 302
    response = client.post(location, {"code": current_code(device), "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert client.session[twofactor.SESSION_KEY]["method"] == "totp"


def test_a_code_works_once(world):
    user = world.users["national_admin"]
    first, _location = sign_in_with_password(user.email)
    device, _codes = enrol_totp(first)
    code = current_code(device)  # the code that just enrolled the app
    client, location = sign_in_with_password(user.email)
    response = client.post(location, {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == [twofactor.SecondFactorError("invalid_code").message]


def test_wrong_codes_are_throttled_and_audited(world):
    user = world.users["coordinator"]
    first, _location = sign_in_with_password(user.email)
    enrol_totp(first)
    client, location = sign_in_with_password(user.email)
    assert client.post(location, {"code": "111111"}).status_code == 200
    response = client.post(location, {"code": "222222"})
    assert response.context["form"].errors["code"] == [twofactor.SecondFactorError("throttled").message]
    failed = AuditEntry.objects.filter(action="accounts.second_factor_failed", object_id=str(user.pk))
    assert failed.count() == 1


def test_a_recovery_code_signs_in_once(world):
    user = world.users["distributor"]
    first, _location = sign_in_with_password(user.email)
    _device, codes = enrol_totp(first)
    client, location = sign_in_with_password(user.email)
    response = client.post(location, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.session[twofactor.SESSION_KEY]["method"] == "recovery_code"
    assert StaticToken.objects.filter(device__user=user).count() == twofactor.RECOVERY_CODE_COUNT - 1
    again, location = sign_in_with_password(user.email)
    assert again.post(location, {"code": codes[0]}).status_code == 200


def test_new_recovery_codes_replace_the_old(world):
    user = world.users["distributor"]
    client, _location = sign_in_with_password(user.email)
    _device, old = enrol_totp(client)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response.status_code == 302
    new = re.findall(r'<code class="number">([a-z2-7]{8})</code>', client.get(response["Location"]).content.decode())
    assert len(new) == twofactor.RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert not StaticToken.objects.filter(device__user=user, token__in=old).exists()


def test_a_half_signed_in_person_with_a_factor_cannot_add_another(world):
    user = world.users["distributor"]
    first, _location = sign_in_with_password(user.email)
    enrol_totp(first)
    client, _location = sign_in_with_password(user.email)
    response = client.get(reverse("accounts:second_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(SECOND_STEP[0])
    response = client.post(reverse("accounts:passkey_register_options"))
    assert response.status_code == 400 and response.json()["code"] == "verify_first"
    assert client.post(reverse("accounts:recovery_codes")).status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_passkey_answers_are_checked(world):
    user = world.users["distributor"]
    client = half_signed_in(user)
    response = client.post(reverse("accounts:passkey_register_options"))
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["id"] == "127.0.0.1" or options["rp"]["id"]
    bad = client.post(
        reverse("accounts:passkey_register"),
        {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {}}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "passkey_invalid"
    # The challenge was used up by the failed answer.
    again = client.post(reverse("accounts:passkey_register"), {"credential": {}}, content_type="application/json")
    assert again.json()["code"] == "challenge_missing"
    huge = client.post(reverse("accounts:passkey_auth"), "x" * 70_000, content_type="application/json")
    assert huge.status_code == 400
    assert not Passkey.objects.filter(user=user).exists()


# --------------------------------------------------------------------------- a lost phone


def test_a_national_admin_resets_a_persons_factors(world):
    user = world.users["distributor"]
    first, _location = sign_in_with_password(user.email)
    enrol_totp(first)
    admin = world.client_for("national_admin")
    found = admin.get(reverse("accounts:second_factor_users"), {"email": "distributor@"})
    assert found.status_code == 200 and user.email in found.content.decode()
    assert "no-store" in found["Cache-Control"]
    response = admin.post(reverse("accounts:second_factor_reset", args=[user.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    entry = AuditEntry.objects.get(action="accounts.second_factor_reset")
    assert entry.actor == world.users["national_admin"] and entry.object_id == str(user.pk)
    assert entry.changes == {"authenticator_apps": 1, "passkeys": 0, "recovery_codes": 10}
    # At the next sign-in they enrol anew.
    _client, location = sign_in_with_password(user.email)
    assert location.startswith(SECOND_STEP[1])


def test_no_secret_or_e_mail_reaches_the_audit_log(world):
    user = world.users["distributor"]
    client, _location = sign_in_with_password(user.email)
    device, codes = enrol_totp(client)
    world.client_for("national_admin").post(reverse("accounts:second_factor_reset", args=[user.pk]))
    for entry in AuditEntry.objects.filter(object_id=str(user.pk), action__startswith="accounts."):
        text = f"{entry.object_label} {entry.changes}"
        assert user.email not in text and device.key not in text
        assert not any(code in text for code in codes)


def test_only_a_national_admin_resets(world):
    target = world.users["venue_staff"]
    TOTPDevice.objects.create(user=target, name="app", confirmed=True)
    for role in ["coordinator", "distributor", "venue_admin"]:
        assert world.client_for(role).post(reverse("accounts:second_factor_reset", args=[target.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


def test_the_audit_label_is_not_the_email(world):
    user = user_with_role(Role.VENUE_STAFF, site=world.venue_a, email="secret-person@example.org")
    twofactor.reset_factors(world.users["national_admin"], user)
    entry = AuditEntry.objects.get(action="accounts.second_factor_reset", object_id=str(user.pk))
    assert "secret-person" not in entry.object_label


def test_the_django_admin_shows_no_totp_key(world):
    device = TOTPDevice.objects.create(user=world.users["coordinator"], name="app", confirmed=True)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/django-admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.content.decode()
