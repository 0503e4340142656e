"""A staff member changes their own password; their other sessions end."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from kaiku.accounts import twofactor
from kaiku.audit.models import AuditEntry

OLD = "the-old-staff-password-1"
NEW = "Kirsikkapuu-kukkii-2026"


@pytest.fixture
def staff(world):
    user = world.users["coordinator"]
    user.set_password(OLD)
    user.save()
    return user


def _client(user, password):
    client = Client()
    assert client.post("/accounts/login/", {"username": user.email, "password": password}).status_code == 302
    # A coordinator's sign-in goes on to the second factor; pass it as the code would.
    session = client.session
    session[twofactor.SESSION_KEY] = {"user": user.pk, "method": "test"}
    session.save()
    return client


def test_it_changes_the_password_and_ends_the_other_sessions(staff):
    here, elsewhere = _client(staff, OLD), _client(staff, OLD)
    response = here.post("/accounts/password/", {"old_password": OLD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW)
    # This browser stays signed in; the other one is signed out.
    assert here.get("/accounts/password/").status_code == 200
    assert elsewhere.get("/accounts/password/").status_code == 302
    entry = AuditEntry.objects.get(action="accounts.password_changed")
    assert entry.object_id == str(staff.pk)
    assert NEW not in str(entry.changes)


def test_it_refuses_a_weak_password_and_changes_nothing(staff):
    client = _client(staff, OLD)
    for weak in (staff.email, "short-pw1", "123456789012", "password1234"):
        response = client.post(
            "/accounts/password/", {"old_password": OLD, "new_password1": weak, "new_password2": weak}
        )
        assert response.status_code == 200, weak
        assert 'class="error"' in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(OLD)
    assert not AuditEntry.objects.filter(action="accounts.password_changed").exists()


def test_the_policy_has_django_s_four_validators_and_twelve_characters(staff):
    with pytest.raises(ValidationError) as similar:
        validate_password(staff.email, user=staff)
    assert "password_too_similar" in {e.code for e in similar.value.error_list}
    with pytest.raises(ValidationError) as short:
        validate_password("Qz8#kLm2pX1", user=staff)
    assert {e.code for e in short.value.error_list} == {"password_too_short"}
    with pytest.raises(ValidationError) as numeric:
        validate_password("582039174628", user=staff)
    assert "password_entirely_numeric" in {e.code for e in numeric.value.error_list}
    with pytest.raises(ValidationError) as common:
        validate_password("password1234", user=staff)
    assert "password_too_common" in {e.code for e in common.value.error_list}
    validate_password(NEW, user=staff)
