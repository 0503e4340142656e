"""Issue 24 acceptance: a legacy card's Code 39 drawn by a library (python-barcode), not
by Kaiku's own renderer, read by the door page's camera in Chromium."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kaiku.cards.tests.factories import CardFactory, declare_legacy_formats
from kaiku.door.tests.test_browser import _camera_video, _open_door
from kaiku.visits.models import Channel, Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _library_code39(text):
    import barcode
    from barcode.writer import ImageWriter

    out = io.BytesIO()
    barcode.get_barcode_class("code39")(text, writer=ImageWriter(), add_checksum=False).write(
        out, {"module_width": 0.4, "module_height": 12, "quiet_zone": 8, "write_text": False, "dpi": 150}
    )
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def test_the_camera_reads_a_code39_drawn_by_a_library(chromium, live_server, world, tmp_path):
    from kaiku.testing.browser import CHROMIUM, CHROMIUM_ARGS, PHONE

    declare_legacy_formats()
    card = CardFactory(number="KA004711", site=world.distributor_a, municipality=world.muni_a, children=1)
    video = _camera_video(_library_code39("KA-004711"), tmp_path / "camera.y4m")
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
        assert page.inner_text("#door-v-number").strip() == card.number
        page.click("#door-record")
        page.wait_for_selector("#door[data-view='done']", state="attached")
    finally:
        browser.close()
    use = Use.objects.get()
    assert (use.card_id, use.channel, use.accepted) == (card.pk, Channel.SCAN, True)
