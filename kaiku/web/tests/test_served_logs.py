"""A browser session through a sign-in link, an invitation and a card search against
gunicorn configured as `make run` and docs/deploy.md configure it: no card number,
e-mail address or token reaches the server's logs."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaiku.door import keys
from kaiku.network.models import Invitation
from kaiku.portal.models import EmailSignInToken
from kaiku.testing.browser import PHONE
from kaiku.testing.served import gunicorn

PASSWORD = "a-long-staff-password-2026"
LINK_TOKEN = "Lt7-secret-sign-in-link-token-AbCdEf123456"
INVITE_TOKEN = "In9-secret-invitation-token-ZyXwVu987654"


def _real_time_code(device: TOTPDevice) -> str:
    # The test runs on a frozen clock; gunicorn on the machine's. `date` tells the real time.
    now = int(subprocess.run(["date", "+%s"], capture_output=True, text=True, check=True).stdout)  # noqa: S607
    otp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    otp.time = now
    return f"{otp.token():06d}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_card_number_email_or_token_in_the_logs(world, chromium, tmp_path):
    # The server runs on the real clock, the test on the frozen one: far-future expiries.
    far = timezone.now() + dt.timedelta(days=3650)
    card = world.card_a
    card.email = "holder.person@example.org"
    card.save()
    EmailSignInToken.objects.create(
        card=card, token_hash=hashlib.sha256(LINK_TOKEN.encode()).hexdigest(), expires_at=far
    )
    Invitation.objects.create(
        site=world.venue_a,
        email="invited.person@example.org",
        token_hash=hashlib.sha256(INVITE_TOKEN.encode()).hexdigest(),
        expires_at=far,
    )
    keys.current()  # the card signing key file, created for this test process, shared with the server
    staff = world.users["distributor"]
    staff.set_password(PASSWORD)
    staff.save()
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)

    with gunicorn(tmp_path, workers=1) as served:
        context = chromium.new_context(viewport=PHONE, base_url=served.base, locale="fi-FI")
        page = context.new_page()
        page.set_default_timeout(15_000)
        # A holder signs in with the link from their e-mail and opens the card.
        page.goto(f"/portal/sign-in/link/{LINK_TOKEN}/")
        page.locator("main button[type=submit]").first.click()
        page.wait_for_load_state()
        page.goto("/portal/card/")
        assert card.display_number in page.content()
        # Someone opens an invitation.
        page.goto(f"/partners/invite/{INVITE_TOKEN}/")
        assert page.locator("h1").first.is_visible()
        # Staff sign in and search for the card by its number.
        page.goto("/accounts/login/")
        page.fill("input[name=username]", staff.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        # The second factor, as the person's app shows it on the server's (real) clock.
        page.fill("input[name=code]", _real_time_code(device))
        page.locator("main form:has(input[name=code]) button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"/cards/site/{world.distributor_a.pk}/?q={card.number}&email={staff.email}")
        assert card.display_number in page.content()
        context.close()
    logs = served.log_text()

    assert "/portal/sign-in/link/…/" in logs and f"/cards/site/{world.distributor_a.pk}/" in logs, logs
    for secret in (
        card.number,
        card.display_number,
        card.email,
        staff.email,
        "invited.person@example.org",
        LINK_TOKEN,
        INVITE_TOKEN,
    ):
        assert secret not in logs, f"{secret!r} in the server's logs"
