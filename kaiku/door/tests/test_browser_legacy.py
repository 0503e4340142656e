"""Legacy card numbers at the door in Chromium: the camera reads a Code 39 and a QR code of
the old register's cards (rendered by code39.py and segno), typed numbers are checked
online and offline, and an unknown legacy number or X/Z gives no card (issue 24)."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image

from kaiku.cards.tests.factories import CardFactory, declare_legacy_formats
from kaiku.door.tests.test_browser import _barcode_image, _camera_video, _open_door
from kaiku.testing.browser import assert_accessible
from kaiku.visits.models import Channel, Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _legacy_cards(world):
    declare_legacy_formats()
    letters = CardFactory(number="KA004711", site=world.distributor_a, municipality=world.muni_a, children=1)
    serial = CardFactory(number="201900042", site=world.distributor_a, municipality=world.muni_a, children=0)
    return letters, serial


def _qr_image(text):
    buffer = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(buffer, kind="png", scale=6, border=4)
    return Image.open(io.BytesIO(buffer.getvalue()))


# Each format once in each symbology, as printed by the old register (with its separators).
@pytest.mark.parametrize(
    ("what", "printed", "stored"), [("code39", "KA-004711", "KA004711"), ("qr", "2019-00042", "201900042")]
)
def test_the_camera_reads_a_legacy_card(chromium, live_server, world, tmp_path, what, printed, stored):
    from kaiku.testing.browser import CHROMIUM, CHROMIUM_ARGS, PHONE

    letters, serial = _legacy_cards(world)
    card = letters if stored == letters.number else serial
    image = _barcode_image(printed) if what == "code39" else _qr_image(printed)
    video = _camera_video(image.convert("RGB"), tmp_path / "camera.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fi-FI")
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(20_000)
        _open_door(page, world)
        page.click("#door-camera-start")
        page.wait_for_selector("#door[data-view='verdict']", state="attached")
        assert page.get_attribute("#door", "data-verdict") == "valid"
        assert page.inner_text("#door-v-number").strip() == stored
        page.click("#door-record")
        page.wait_for_selector("#door[data-view='done']", state="attached")
    finally:
        browser.close()
    use = Use.objects.get()
    assert (use.card_id, use.channel, use.accepted) == (card.pk, Channel.SCAN, True)


def _offline_check(page, text):
    """The device's own verdict, with what it keeps offline (valid-card set, formats)."""
    return page.evaluate(
        """(text) => {
            const s = window.KaikuDoor.state;
            return window.KaikuDoorCodes.check(text, {publicKeys: s.publicKeys, revocations: s.revocations,
                validSet: s.validSet, venue: s.config.venue, rules: s.config.rules,
                legacyFormats: s.config.legacy_formats});
        }""",
        text,
    )


def test_typed_legacy_numbers_online_and_offline(phone, world):
    page = phone
    page.set_default_timeout(20_000)
    _legacy_cards(world)
    _open_door(page, world)
    page.wait_for_function("() => window.KaikuDoor.state.validSet !== null")

    # Offline: the declared patterns and the valid-card set, both formats.
    for typed, stored in (("ka 004711", "KA004711"), ("2019-00042", "201900042")):
        verdict = _offline_check(page, typed)
        assert (verdict["valid"], verdict["fromSet"], verdict["number"]) == (True, True, stored)
    assert _offline_check(page, "KA004712")["reason"] == "not_in_valid_set"
    assert _offline_check(page, "x")["reason"] == "mobile_only"
    assert _offline_check(page, "KA00471")["reason"] == "malformed"

    # Online, typed into the page: the register answers.
    page.fill("#door-typed", "ka-004711")
    page.click("#door-typed-form button[type=submit]")
    page.wait_for_selector("#door[data-view='verdict']", state="attached")
    assert page.get_attribute("#door", "data-verdict") == "valid"
    assert page.inner_text("#door-v-number").strip() == "KA004711"
    assert_accessible(page)
    page.click("#door-cancel")

    page.evaluate("(t) => window.KaikuDoor.handleScan(t, 'typed')", "KA004712")
    page.wait_for_selector("#door[data-reason='unknown_number']", state="attached")
    assert "KA004711" not in page.inner_text("#door")
    page.evaluate("(t) => window.KaikuDoor.handleScan(t, 'typed')", "Z")
    page.wait_for_selector("#door[data-reason='mobile_only']", state="attached")
    assert page.inner_text("#door-verdict-reason").strip()
