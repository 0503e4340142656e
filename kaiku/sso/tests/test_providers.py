"""The national admin's provider pages: the secret is stored encrypted and never shown back."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from kaiku.audit.models import AuditEntry
from kaiku.sso.models import IdentityProvider
from kaiku.sso.secretbox import seal, unseal

SECRET = "very-secret-client-secret-123"


def _data(**overrides: object) -> dict[str, object]:
    data = {
        "name": "Tampereen kaupunki",
        "area": "",
        "site": "",
        "email_domains": "@Tampere.FI, ekta.fi tampere.fi",
        "issuer": "https://login.tampere.fi/",
        "client_id": "kaiku-prod",
        "client_secret": SECRET,
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin(world):  # type: ignore[no-untyped-def]
    return world.client_for("national_admin")


def test_it_creates_a_provider_with_the_secret_encrypted(world, admin):
    response = admin.post(reverse("sso:provider_create"), _data(area=world.area_a.pk, trusted_for_second_factor="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    idp = IdentityProvider.objects.get()
    assert idp.email_domains == "tampere.fi ekta.fi"
    assert idp.issuer == "https://login.tampere.fi"
    assert idp.trusted_for_second_factor and idp.area == world.area_a
    assert SECRET not in idp.client_secret_sealed
    assert unseal(idp.client_secret_sealed) == SECRET
    entry = AuditEntry.objects.get(action="sso.provider_created")
    assert SECRET not in str(entry.changes)
    page = admin.get(reverse("sso:provider_list")).content.decode()
    assert "Tampereen kaupunki" in page and SECRET not in page


def test_it_never_shows_the_secret_back(world, admin):
    admin.post(reverse("sso:provider_create"), _data())
    idp = IdentityProvider.objects.get()
    url = reverse("sso:provider_edit", args=[idp.pk])
    assert SECRET not in admin.get(url).content.decode()
    failed = admin.post(url, _data(name=""))
    assert failed.status_code == 400
    assert SECRET not in failed.content.decode()


def test_a_blank_secret_keeps_the_stored_one(world, admin):
    admin.post(reverse("sso:provider_create"), _data())
    idp = IdentityProvider.objects.get()
    response = admin.post(reverse("sso:provider_edit", args=[idp.pk]), _data(client_secret="", client_id="kaiku-2"))
    assert response.status_code == 302
    idp.refresh_from_db()
    assert (idp.client_id, unseal(idp.client_secret_sealed)) == ("kaiku-2", SECRET)
    entry = AuditEntry.objects.get(action="sso.provider_changed")
    assert entry.changes == {"client_id": ["kaiku-prod", "kaiku-2"]}


def test_a_new_provider_needs_a_secret(world, admin):
    response = admin.post(reverse("sso:provider_create"), _data(client_secret=""))
    assert response.status_code == 400
    assert not IdentityProvider.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issuer", "http://login.tampere.fi"),
        ("issuer", "https://login.tampere.fi/?x=1"),
        ("email_domains", "not a domain!"),
        ("email_domains", " ".join(f"d{i}.fi" for i in range(21))),
        ("email_domains", ""),
        ("client_id", "x" * 256),
    ],
)
def test_it_refuses_bad_values_and_saves_nothing(world, admin, field, value):
    response = admin.post(reverse("sso:provider_create"), _data(**{field: value}))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_two_providers_cannot_sign_in_the_same_domain(world, admin):
    admin.post(reverse("sso:provider_create"), _data())
    response = admin.post(reverse("sso:provider_create"), _data(name="Other", email_domains="ekta.fi"))
    assert response.status_code == 400
    assert IdentityProvider.objects.count() == 1


def test_a_secret_sealed_under_another_key_reads_as_empty():
    sealed = seal("abc")
    assert unseal(sealed) == "abc"
    with override_settings(SSO_SECRET_KEY="another-key-" * 5):
        assert unseal(sealed) == ""
