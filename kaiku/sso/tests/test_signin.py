"""Signing in through a real OpenID provider (kaiku/testing/oidc_provider) in a second process."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kaiku.accounts.models import RoleAssignment
from kaiku.audit.models import AuditEntry
from kaiku.sso.models import IdentityLink
from kaiku.sso.services import MESSAGES, SESSION_SECOND_FACTOR

pytestmark = pytest.mark.usefixtures("real_clock")


def _start(client: Client, email: str, next_url: str = "") -> str:
    response = client.post(reverse("sso:signin"), {"email": email, "next": next_url})
    assert response.status_code == 302, response.content
    return response["Location"]


def _callback(client: Client, provider_answer) -> object:  # type: ignore[no-untyped-def]
    assert provider_answer.status_code == 302, provider_answer.text[:500]
    location = urlsplit(provider_answer.headers["Location"])
    assert location.path == reverse("sso:callback")
    return client.get(f"{location.path}?{location.query}")


def _signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def _refused(response, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 403
    body = response.content.decode()
    assert f'data-code="{code}"' in body
    assert escape(str(MESSAGES[code])) in body
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_it_signs_in_through_the_code_flow_with_pkce_and_nonce(world, make_idp, oidc_provider):
    idp = make_idp()
    user = world.users["distributor"]
    roles_before = list(RoleAssignment.objects.filter(user=user).values_list("role", "site_id"))
    client = Client()

    authorize = _start(client, "Distributor@Example.org")
    assert authorize.startswith(oidc_provider.issuer + "/authorize/")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"]
    assert query["scope"] == ["openid email"]
    assert query["client_id"] == [idp.client_id]

    response = _callback(client, oidc_provider.sign_in(authorize, "distributor@example.org"))

    assert response.status_code == 302
    # An untrusted provider's sign-in still asks a distributor for Kaiku's second factor.
    assert response["Location"] == _second_step("/")
    assert _signed_in_as(client) == user.pk
    assert client.get(reverse("web:home")).status_code == 302
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "site_id")) == roles_before
    assert client.session.get(SESSION_SECOND_FACTOR) is None
    entry = AuditEntry.objects.get(action="sso.signed_in")
    assert (entry.actor_id, entry.object_id) == (user.pk, str(idp.pk))
    assert "example.org" not in f"{entry.object_label} {entry.changes}"


def _second_step(next_url: str) -> str:
    return f"{reverse('accounts:second_factor_setup')}?{urlencode({'next': next_url})}"


def test_it_goes_to_next_as_the_password_login_does(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    authorize = _start(client, "admin@example.org", next_url="/audit/")
    response = _callback(client, oidc_provider.sign_in(authorize, "admin@example.org"))
    assert response["Location"] == _second_step("/audit/")

    other = Client()
    authorize = _start(other, "admin@example.org", next_url="https://evil.example/")
    response = _callback(other, oidc_provider.sign_in(authorize, "admin@example.org"))
    assert response["Location"] == _second_step(reverse("web:home"))


def test_the_provider_really_requires_pkce(world, make_idp, oidc_provider):
    make_idp()
    authorize = _start(Client(), "admin@example.org")
    parts = urlsplit(authorize)
    query = "&".join(p for p in parts.query.split("&") if not p.startswith("code_challenge"))
    answer = oidc_provider.sign_in(f"{oidc_provider.issuer}{parts.path}?{query}", "admin@example.org")
    assert answer.status_code in (302, 400)
    assert "code" not in parse_qs(urlsplit(answer.headers.get("Location", "")).query)


def test_it_trusts_the_providers_second_factor_when_configured(world, make_idp, oidc_provider):
    make_idp(trusted_for_second_factor=True)
    client = Client()
    authorize = _start(client, "admin@example.org")
    response = _callback(client, oidc_provider.sign_in(authorize, "admin@example.org"))
    assert _signed_in_as(client) == world.users["national_admin"].pk
    assert client.session[SESSION_SECOND_FACTOR] is True
    # No second step of Kaiku's own: the session is verified and staff pages open.
    assert response["Location"] == reverse("web:home")
    assert client.get("/audit/").status_code == 200


def test_it_refuses_a_token_for_another_audience(world, make_idp, oidc_provider):
    idp = make_idp(quirk="wrong-audience")
    client = Client()
    authorize = _start(client, "admin@example.org")
    response = _callback(client, oidc_provider.sign_in(authorize, "admin@example.org"))
    _refused(response, "wrong_audience")
    assert _signed_in_as(client) is None
    entry = AuditEntry.objects.get(action="sso.refused")
    assert (entry.object_id, entry.changes, entry.actor_id) == (str(idp.pk), {"code": "wrong_audience"}, None)


def test_it_refuses_an_expired_token(world, make_idp, oidc_provider):
    make_idp(quirk="expired")
    client = Client()
    authorize = _start(client, "admin@example.org")
    _refused(_callback(client, oidc_provider.sign_in(authorize, "admin@example.org")), "token_expired")
    assert _signed_in_as(client) is None


def test_it_refuses_an_unknown_email(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    authorize = _start(client, "nobody@example.org")
    response = _callback(client, oidc_provider.sign_in(authorize, "nobody@example.org"))
    _refused(response, "unknown_email")
    assert _signed_in_as(client) is None
    assert "nobody" not in str(list(AuditEntry.objects.values()))


def test_it_refuses_an_inactive_account(world, make_idp, oidc_provider):
    make_idp()
    user = world.users["coordinator"]
    user.is_active = False
    user.save()
    client = Client()
    authorize = _start(client, user.email)
    _refused(_callback(client, oidc_provider.sign_in(authorize, user.email)), "unknown_email")


def test_it_refuses_an_unverified_email(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    authorize = _start(client, "admin@example.org")
    response = _callback(client, oidc_provider.sign_in(authorize, "admin@example.org", verified=False))
    _refused(response, "email_unverified")
    assert _signed_in_as(client) is None


def test_a_provider_cannot_vouch_for_another_organisations_address(world, make_idp, oidc_provider):
    make_idp(domains="tampere.test")
    client = Client()
    authorize = _start(client, "someone@tampere.test")
    response = _callback(client, oidc_provider.sign_in(authorize, "admin@example.org"))
    _refused(response, "domain_not_allowed")
    assert _signed_in_as(client) is None


def test_it_refuses_a_callback_it_did_not_start(world, make_idp, oidc_provider):
    make_idp()
    _refused(Client().get(reverse("sso:callback"), {"code": "x", "state": "y"}), "no_flow")

    client = Client()
    _start(client, "admin@example.org")
    _refused(client.get(reverse("sso:callback"), {"code": "x", "state": "forged"}), "state_mismatch")


def test_a_callback_works_once(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    authorize = _start(client, "admin@example.org")
    answer = oidc_provider.sign_in(authorize, "admin@example.org")
    assert _callback(client, answer).status_code == 302
    client.logout()
    _refused(_callback(client, answer), "no_flow")


def test_it_shows_the_providers_refusal(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    state = parse_qs(urlsplit(_start(client, "admin@example.org")).query)["state"][0]
    response = client.get(reverse("sso:callback"), {"error": "access_denied", "state": state})
    _refused(response, "provider_refused")


def test_it_says_when_no_organisation_uses_the_domain(world, make_idp):
    make_idp()
    response = Client().post(reverse("sso:signin"), {"email": "someone@elsewhere.test"})
    assert response.status_code == 400
    assert escape(str(MESSAGES["no_provider"])) in response.content.decode()


def test_it_says_when_the_provider_cannot_be_reached(world, make_idp):
    idp = make_idp()
    idp.issuer = "http://127.0.0.1:9"
    idp.save()
    response = Client().post(reverse("sso:signin"), {"email": "admin@example.org"})
    assert response.status_code == 400
    assert escape(str(MESSAGES["provider_unreachable"])) in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Sähköpostiosoitteellesi ei ole Kaiku-tunnusta"),
        ("sv", "Det finns inget Kaiku-konto för din e-postadress"),
        ("en", "There is no Kaiku account for your e-mail address"),
    ],
)
def test_it_refuses_an_unknown_email_in_three_languages(world, make_idp, oidc_provider, language, text):
    make_idp()
    client = Client(headers={"accept-language": language})
    client.cookies["django_language"] = language
    authorize = _start(client, "nobody@example.org")
    response = _callback(client, oidc_provider.sign_in(authorize, "nobody@example.org"))
    assert response.status_code == 403
    assert text in response.content.decode()


def test_it_refuses_an_oversized_answer(world, make_idp, oidc_provider):
    make_idp()
    client = Client()
    state = parse_qs(urlsplit(_start(client, "admin@example.org")).query)["state"][0]
    _refused(client.get(reverse("sso:callback"), {"code": "x" * 5000, "state": state}), "invalid_token")


def test_no_address_code_or_token_reaches_the_logs(world, make_idp, oidc_provider, caplog):
    caplog.set_level(logging.DEBUG)
    make_idp()
    client = Client()
    authorize = _start(client, "admin@example.org")
    answer = oidc_provider.sign_in(authorize, "admin@example.org")
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    _callback(client, answer)
    other = Client()
    _refused(
        _callback(other, oidc_provider.sign_in(_start(other, "nobody@example.org"), "nobody@example.org")),
        "unknown_email",
    )
    logged = caplog.text
    assert "example.org" not in logged
    assert code not in logged
    # No JWT (ID token) in any record: a header beginning '{"' in base64url, then two dot-separated
    # parts. Not the bare "eyJ", which a random PKCE challenge in a logged URL holds now and then.
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.", logged)


def test_it_refuses_a_token_from_another_issuer(world, make_idp, oidc_provider):
    make_idp(quirk="wrong-issuer")
    client = Client()
    authorize = _start(client, "admin@example.org")
    _refused(_callback(client, oidc_provider.sign_in(authorize, "admin@example.org")), "wrong_issuer")
    assert _signed_in_as(client) is None


def test_it_refuses_a_discovery_document_for_another_issuer(world, make_idp, oidc_provider):
    idp = make_idp()
    idp.issuer = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    idp.save()
    response = Client().post(reverse("sso:signin"), {"email": "admin@example.org"})
    assert response.status_code == 400
    assert escape(str(MESSAGES["discovery_mismatch"])) in response.content.decode()


def test_the_first_sign_in_ties_the_providers_person_to_the_account(world, make_idp, oidc_provider):
    idp = make_idp()

    def attempt(email: str, person: str):  # type: ignore[no-untyped-def]
        client = Client()
        return client, _callback(client, oidc_provider.sign_in(_start(client, email), email, person=person))

    client, response = attempt("admin@example.org", "alice")
    assert _signed_in_as(client) == world.users["national_admin"].pk
    link = IdentityLink.objects.get()
    assert (link.provider, link.user) == (idp, world.users["national_admin"])

    # The provider gives the same address to another person: refused.
    client, response = attempt("admin@example.org", "mallory")
    _refused(response, "identity_changed")
    # The same person now claims another account's address: refused.
    client, response = attempt("distributor@example.org", "alice")
    _refused(response, "identity_changed")
    assert IdentityLink.objects.count() == 1

    client, response = attempt("admin@example.org", "alice")
    assert _signed_in_as(client) == world.users["national_admin"].pk
    # The support service removes the link (Django admin): the next sign-in ties anew.
    link.delete()
    client, response = attempt("admin@example.org", "mallory")
    assert _signed_in_as(client) == world.users["national_admin"].pk
