"""A passkey in a real browser: Chromium's virtual authenticator enrols one and signs in with it."""

import pytest
from django.urls import reverse

from kaiku.accounts import twofactor
from kaiku.accounts.models import Passkey
from kaiku.audit.models import AuditEntry
from kaiku.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def _virtual_authenticator(page):
    """A platform authenticator with a fingerprint that always matches (WebAuthn over CDP)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    return cdp, cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


def _password(page, email, next_url):
    page.goto(f"{reverse('accounts:login')}?next={next_url}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_it_enrols_a_passkey_and_signs_in_with_it(phone, world, live_server, settings):
    settings.SITE_ROOT = live_server.url  # the relying party: localhost, a secure context
    page = phone
    user = world.users["distributor"]
    cards = reverse("cards:site_cards", args=[world.distributor_a.pk])
    cdp, authenticator = _virtual_authenticator(page)

    _password(page, user.email, cards)
    page.wait_for_url(f"**{reverse('accounts:second_factor_setup')}*")
    assert_accessible(page)
    page.fill("[data-passkey-name]", "Puhelin")
    page.click("[data-passkey='register'] [data-passkey-start]")
    page.wait_for_url(f"**{reverse('accounts:recovery_codes')}*")
    assert page.locator("[data-recovery-codes] li").count() == twofactor.RECOVERY_CODE_COUNT
    assert_accessible(page)
    page.click(f"main a[href='{cards}']")
    page.wait_for_url(f"**{cards}")
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "Puhelin"
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    # Sign out, and in again: the password, then the passkey.
    page.click("nav form button[type=submit]")
    page.wait_for_url("**/")
    _password(page, user.email, cards)
    page.wait_for_url(f"**{reverse('accounts:second_factor')}*")
    assert page.locator("#id_code").is_visible()
    assert_accessible(page)
    page.click("[data-passkey='verify'] [data-passkey-start]")
    page.wait_for_url(f"**{cards}")
    assert page.locator("h1").count() == 1
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert AuditEntry.objects.filter(
        action="accounts.second_factor_passed", object_id=str(user.pk), changes={"method": "passkey"}
    ).exists()


def test_the_setup_page_fits_a_phone_in_swedish(phone, world):
    from django.conf import settings as django_settings

    from kaiku.testing.browser import set_language
    from kaiku.testing.twofactor import half_signed_in

    page = phone
    set_language(page, "sv")
    client = half_signed_in(world.users["coordinator"])
    base = page.context._impl_obj._options.get("baseURL")
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value, "url": base}]
    )
    page.goto(reverse("audit:log"))
    page.wait_for_url(f"**{reverse('accounts:second_factor_setup')}*")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert_accessible(page)


def test_a_national_admin_resets_a_lost_phone_on_a_phone(phone, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kaiku.testing.browser import sign_in

    page = phone
    target = world.users["distributor"]
    TOTPDevice.objects.create(user=target, name="app", confirmed=True)
    sign_in(page, world.users["national_admin"])
    page.goto(reverse("accounts:second_factor_manage"))
    assert_accessible(page)
    page.click(f"a[href='{reverse('accounts:second_factor_users')}']")
    page.fill("#id_email", "distributor@")
    page.click("main button[type=submit]")
    assert_accessible(page)
    page.click(f"a[href='{reverse('accounts:second_factor_reset', args=[target.pk])}']")
    assert_accessible(page)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{reverse('accounts:second_factor_users')}")
    assert page.locator(".msg-success").count() == 1
    assert not TOTPDevice.objects.filter(user=target).exists()
