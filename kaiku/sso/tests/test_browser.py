"""Single sign-on in a real browser on a phone: Kaiku → the test provider → Kaiku."""

import pytest

from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _through_the_provider(page, kaiku_email, provider_email):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.click(".sso-entry a")
    page.wait_for_url("**/sso/")
    assert_accessible(page)
    page.fill("#id_email", kaiku_email)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login/?next=" in url and "/accounts/" not in url)
    page.fill("#email", provider_email)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_staff_member_signs_in_with_their_organisation(phone, world, make_idp, live_server, settings):
    settings.SITE_ROOT = live_server.url
    # Trusted for two factors, so the sign-in ends on the start page (an untrusted one
    # goes on to Kaiku's own second step: test_signin.py).
    make_idp(callback=f"{live_server.url}/sso/callback/", trusted_for_second_factor=True)
    page = phone

    _through_the_provider(page, "admin@example.org", "admin@example.org")

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("form[action='/accounts/logout/'] button").count() == 1
    assert_accessible(page)


def test_an_unknown_person_is_refused_with_a_clear_message(phone, world, make_idp, live_server, settings):
    settings.SITE_ROOT = live_server.url
    make_idp(callback=f"{live_server.url}/sso/callback/")
    page = phone

    _through_the_provider(page, "nobody@example.org", "nobody@example.org")

    page.wait_for_url(lambda url: "/sso/callback/?" in url)
    alert = page.locator("[role=alert][data-code=unknown_email]")
    assert "Sähköpostiosoitteellesi ei ole Kaiku-tunnusta" in alert.inner_text()
    assert_accessible(page)


def test_the_provider_pages_work_on_a_phone(phone, world, make_idp):
    make_idp(domains="a-rather-long-municipality-domain.example.org example.org", area=world.area_a)
    page = phone
    sign_in(page, world.users["national_admin"])
    page.goto("/sso/providers/")
    assert_accessible(page)
    page.click("text=Test municipality")
    assert_accessible(page)
    page.goto("/sso/providers/new/")
    page.click("main button[type=submit]")
    assert page.locator(".field.has-error").count() >= 4
    assert_accessible(page)
