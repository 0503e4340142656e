"""The door page in a real browser: codes checked by the page's JavaScript, and the
offline flow (queue in IndexedDB, sync when the network returns, forced uses, replay).
"""

import io

import pytest
import segno
from PIL import Image, ImageDraw

from kaiku.cards import services as cards
from kaiku.cards.tests.factories import CardFactory
from kaiku.door import code39, codes, printables
from kaiku.door.tests.poppler import pdf_to_png
from kaiku.door.tests.test_codes import _resign
from kaiku.testing.browser import assert_accessible, sign_in
from kaiku.visits.models import Channel, Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_door(page, world):
    sign_in(page, world.users["venue_staff"])
    page.goto(f"/door/venues/{world.venue_a.pk}/")
    page.evaluate("() => window.KaikuDoor.ready")
    page.wait_for_selector("#door[data-ready='yes']", state="attached")


def _local_check(page, text, today=None):
    return page.evaluate(
        """([text, today]) => {
            const s = window.KaikuDoor.state;
            return window.KaikuDoorCodes.check(text, {publicKeys: s.publicKeys, revocations: s.revocations,
                venue: s.config.venue, rules: s.config.rules}, today || undefined);
        }""",
        [text, today],
    )


def test_the_page_refuses_bad_codes_by_itself(phone, world, other_key):
    page = phone
    _open_door(page, world)
    assert_accessible(page)
    good = codes.card_code(world.card_a)
    assert _local_check(page, good)["valid"] is True
    assert _local_check(page, good)["childrenAllowed"] == world.card_a.children

    tampered = good[:40] + ("A" if good[40] != "A" else "B") + good[41:]
    assert _local_check(page, tampered)["reason"] in {"bad_signature", "malformed"}
    assert _local_check(page, good[:-3])["reason"] == "malformed"
    assert _local_check(page, _resign(good, other_key))["reason"] == "bad_signature"
    expired_day = (world.card_a.valid_until.replace(year=world.card_a.valid_until.year + 1)).isoformat()
    assert _local_check(page, good, expired_day)["reason"] == "expired"
    assert _local_check(page, codes.card_code(world.card_l))["reason"] == "wrong_area"
    assert _local_check(page, "KK-2222-2223")["reason"] == "bad_check_character"

    # Revoked: inactivated on the server, learnt from the revocation delta.
    cards.inactivate_card(world.card_a, "lost", None)
    renewed = cards.renew_card(world.card_b, None).card
    old_b = codes.card_code(world.card_b)  # world.card_b still has the old code version in memory
    page.evaluate("() => window.KaikuDoor.refresh()")
    assert _local_check(page, good)["reason"] == "inactivated"
    assert _local_check(page, old_b)["reason"] == "outdated_code"
    assert _local_check(page, codes.card_code(renewed))["valid"] is True

    # The same answers on the screen, through the scan handler.
    page.evaluate("(t) => window.KaikuDoor.handleScan(t, 'test')", tampered)
    page.wait_for_selector("#door[data-verdict='refused']", state="attached")
    assert page.locator("#door-verdict-box").is_visible()
    assert_accessible(page)


def _printed_card_png(card, tmp_path):
    """A photo-like image of the printed holder slip (PDF → PNG with poppler)."""
    (png,) = pdf_to_png(printables.holder_slip_pdf(card, None, "fi"), tmp_path, dpi=150)
    return png


def test_it_records_offline_and_syncs_once(phone, world, tmp_path):
    page = phone
    photo_card = CardFactory(site=world.distributor_a, municipality=world.muni_a, children=0)
    image = _printed_card_png(photo_card, tmp_path)
    _open_door(page, world)
    page.evaluate("() => navigator.serviceWorker.ready")

    page.context.set_offline(True)
    page.wait_for_selector("#door[data-online='no']", state="attached")

    # 1: a scanned code, confirmed with one child.
    verdict = page.evaluate("(t) => window.KaikuDoor.handleScan(t, 'camera')", codes.card_code(world.card_a))
    assert verdict["valid"] and verdict["checkedOffline"]
    page.fill("#door-children", "1")
    page.click("#door-record")
    page.wait_for_selector("#door[data-view='done']", state="attached")
    page.click("#door-next")

    # 2: a photo of a printed card, read by the page's barcode reader.
    page.set_input_files("#door-photo", str(image))
    page.wait_for_selector("#door[data-view='verdict']", state="attached")
    assert page.get_attribute("#door", "data-verdict") == "valid"
    page.click("#door-record")
    page.wait_for_selector("#door[data-view='done']", state="attached")
    page.click("#door-next")

    # 3: a card that the register inactivates while the device is offline.
    page.evaluate("(t) => window.KaikuDoor.handleScan(t, 'camera')", codes.card_code(world.card_b))
    page.click("#door-record")
    page.wait_for_selector("#door[data-queue='3']", state="attached")
    assert "3" in page.inner_text("#door-banner")
    assert Use.objects.count() == 0
    cards.inactivate_card(world.card_b, "reported stolen", None)
    queued = page.evaluate("() => window.KaikuDoor.queue()")
    assert len({item["key"] for item in queued}) == 3 and all(item["scanned_at"] for item in queued)

    # The page itself comes from the service worker's cache while offline.
    page.reload()
    page.evaluate("() => window.KaikuDoor.ready")
    page.wait_for_selector("#door[data-queue='3']", state="attached")

    page.context.set_offline(False)
    page.wait_for_selector("#door[data-queue='0']", state="attached", timeout=20_000)
    uses = list(Use.objects.order_by("scanned_at"))
    assert [u.card_id for u in uses] == [world.card_a.pk, photo_card.pk, world.card_b.pk]
    assert all(u.channel == Channel.OFFLINE and u.accepted for u in uses)
    assert [u.forced for u in uses] == [False, False, True]
    assert uses[2].reason == "inactivated" and uses[0].children == 1
    page.wait_for_selector("#door-synced li[data-forced='yes']", state="attached")

    # Replaying the same batch records nothing new.
    answer = page.evaluate(
        """(items) => fetch(window.KaikuDoor.state.venueId ? '/api/door/venues/' + window.KaikuDoor.state.venueId + '/uses/' : '', {
            method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': (document.cookie.match(/csrftoken=([^;]+)/) || [])[1]},
            body: JSON.stringify({uses: items.map(({venue, ...rest}) => rest)})}).then(r => r.json())""",
        queued,
    )
    assert [r["created"] for r in answer["results"]] == [False, False, False]
    assert Use.objects.count() == 3


def test_a_device_token_opens_the_door_and_a_use_can_be_undone(phone, world):
    page = phone
    sign_in(page, world.users["venue_admin"])
    page.goto(f"/door/venues/{world.venue_a.pk}/devices/")
    page.fill("#id_label", "Lipputiski")
    page.locator("#device-form button").click()
    token = page.inner_text("#new-token").strip()
    assert token.startswith("kkd_")
    assert_accessible(page)

    # A shared device without a staff session: paste the token once.
    page.context.clear_cookies()
    page.goto("/door/device/")
    page.fill("#door-token", token)
    page.locator("#door-device-form button").click()
    page.wait_for_selector("#door[data-ready='yes']", state="attached")
    page.evaluate("() => window.KaikuDoor.ready")

    page.fill("#door-typed", world.card_a.display_number)
    page.locator("#door-typed-form button").click()
    page.wait_for_selector("#door[data-verdict='valid']", state="attached")
    assert world.card_a.display_number in page.inner_text("#door-v-number")
    assert_accessible(page)
    page.click("#door-record")
    page.wait_for_selector("#door[data-view='done']", state="attached")
    use = Use.objects.get()
    assert use.accepted and use.channel == Channel.TYPED and use.recorded_via.startswith("door device")
    page.click("#door-undo")
    page.wait_for_selector("#door-undo", state="hidden")
    use.refresh_from_db()
    assert use.voided_at is not None


def _camera_video(image, path):
    """A Y4M video of one still image, for Chromium's fake camera (4:2:0, even sizes)."""
    frame = Image.new("RGB", (640, 480), "white")
    image.thumbnail((600, 440))
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    data = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\n")
        for _ in range(5):
            out.write(b"FRAME\n" + data)
    return path


def _barcode_image(number):
    """The card's Code 39 barcode, drawn as on the printed card (3 px per narrow module)."""
    bars = code39.modules(number)
    width = sum(w for _bar, w in bars) * 3 + 60
    image = Image.new("RGB", (width, 120), "white")
    draw = ImageDraw.Draw(image)
    x = 30
    for is_bar, w in bars:
        if is_bar:
            draw.rectangle([x, 10, x + w * 3 - 1, 110], fill="black")
        x += w * 3
    return image


@pytest.mark.parametrize("what", ["qr", "code39"])
def test_the_camera_reads_the_qr_code_and_the_barcode(chromium, live_server, world, tmp_path, what):
    from kaiku.testing.browser import CHROMIUM, CHROMIUM_ARGS, PHONE

    if what == "qr":
        buffer = io.BytesIO()
        segno.make(codes.card_code(world.card_a), error="m", boost_error=False).save(
            buffer, kind="png", scale=6, border=4
        )
        image = Image.open(io.BytesIO(buffer.getvalue()))
    else:
        image = _barcode_image(world.card_a.number)
    video = _camera_video(image.convert("RGB"), tmp_path / "camera.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    # The fake camera is a launch flag, so this test starts its own browser
    # (with the session's Playwright: one event loop per thread).
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fi-FI")
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(15_000)
        _open_door(page, world)
        page.click("#door-camera-start")
        page.wait_for_selector("#door[data-view='verdict']", state="attached")
        assert page.get_attribute("#door", "data-verdict") == "valid"
        assert world.card_a.display_number in page.inner_text("#door-v-number")
        page.click("#door-record")
        page.wait_for_selector("#door[data-view='done']", state="attached")
    finally:
        browser.close()
    use = Use.objects.get()
    assert use.channel == Channel.SCAN and use.card_id == world.card_a.pk


def test_the_printables_and_venue_list_pages_are_accessible(phone, world):
    page = phone
    sign_in(page, world.users["distributor"])
    page.goto(f"/door/sites/{world.distributor_a.pk}/printables/")
    assert_accessible(page)
    page.context.clear_cookies()
    sign_in(page, world.users["coordinator"])
    page.goto("/door/")
    assert_accessible(page)
