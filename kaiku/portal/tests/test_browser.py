"""The holder's portal in a real phone-sized browser: flows, offline card, axe-core and page weight."""

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kaiku.cards.services import renew_card
from kaiku.door.codes import verify_code
from kaiku.portal.holder import COOKIE
from kaiku.portal.models import Feedback, GroupVisitParticipant, HolderDevice
from kaiku.portal.services import _new_device
from kaiku.portal.tests.conftest import CODE, make_group_visit, make_occurrence, make_offer, with_code
from kaiku.testing.browser import assert_accessible, set_language, sign_in, wait_until
from kaiku.visits.services import UseRequest, record_use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_LIMIT = 100_000  # bytes of HTML, CSS and JS per page, images excluded
WEIGHTS_FILE = Path("/tmp/kaiku-portal-page-weights.json")

# Sums what the page loaded (the document and every non-image resource) by body size,
# uncompressed as the test server sends it: an upper bound of what a phone transfers.
WEIGHT_JS = r"""() => {
  const nav = performance.getEntriesByType('navigation')[0];
  let total = nav ? nav.encodedBodySize : 0;
  for (const r of performance.getEntriesByType('resource')) {
    if (r.initiatorType === 'img' || /\.(png|jpe?g|gif|webp|svg|ico)(\?|$)/.test(r.name)) continue;
    total += r.encodedBodySize;
  }
  return total;
}"""


def base_url(page) -> str:
    return page.context._impl_obj._options.get("baseURL") or ""


def holder_cookie(page, card) -> None:
    _device, token = _new_device(card, HolderDevice.Method.CODE)
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": base_url(page)}])


def door_use(world, key="door-1", offer=None):
    result = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel="scan", idempotency_key=key, offer=offer)
    )
    assert result.accepted
    return result.use


def test_it_signs_in_with_number_and_code_and_the_card_opens_offline(world, phone):
    with_code(world.card_a)
    phone.goto("/portal/")
    phone.fill("#id_number", world.card_a.display_number)
    phone.fill("#id_code", CODE)
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url("**/portal/")
    phone.locator("main a[href='/portal/card/']").click()
    phone.wait_for_url("**/portal/card/")
    assert phone.locator(".number").inner_text() == world.card_a.display_number
    # The QR on the screen is the door's signed code for this card.
    shot = Image.open(io.BytesIO(phone.locator(".qr-wrap").screenshot()))
    [found] = [b for b in zxingcpp.read_barcodes(shot) if b.format == zxingcpp.BarcodeFormat.QRCode]
    check = verify_code(found.text)
    assert check.ok and check.code.number == world.card_a.number
    # Wait until the service worker runs and has saved the card.
    phone.evaluate("async () => { await navigator.serviceWorker.ready; }")
    wait_until(phone, "async () => !!(await caches.match('/portal/card/'))", timeout_ms=10_000)
    phone.context.set_offline(True)
    try:
        phone.reload()
        assert phone.locator(".number").inner_text() == world.card_a.display_number
        phone.goto("/portal/card/")
        assert phone.locator(".qr-wrap svg").count() == 1
        # The card changes (here: renewed) while the phone is offline.
        renew_card(world.card_a, world.users["distributor"])
    finally:
        phone.context.set_offline(False)
    # Back online, the browser's own "online" event makes the page fetch the card's
    # version and reload the changed card by itself: the test does not poke the page,
    # which would race that reload.
    phone.wait_for_selector("[data-card-version='2']")


def test_a_use_recorded_at_the_door_appears_and_asks_for_feedback(world, phone):
    offer = make_offer(world.venue_a, title_fi="Kevätkonsertti")
    door_use(world, offer=offer)
    holder_cookie(phone, world.card_a)
    phone.goto("/portal/uses/")
    assert world.venue_a.name in phone.locator("main").inner_text()
    phone.locator("main a[href*='/feedback/']").first.click()
    phone.locator("label[for=id_score_3]").click()  # the fourth face: 4
    phone.locator("label[for=id_with_someone_0]").click()
    phone.fill("#id_text", "Mukava ilta")
    phone.locator("main button[type=submit]:not([name=skip])").click()
    phone.wait_for_selector("h1")
    feedback = Feedback.objects.get(use__card=world.card_a)
    assert (feedback.score, feedback.went_with_someone, feedback.text) == (4, True, "Mukava ilta")
    phone.goto("/portal/uses/")
    assert phone.locator("main a[href*='/feedback/']").count() == 0


def test_a_holder_joins_a_group_visit(world, phone):
    visit = make_group_visit(world)
    holder_cookie(phone, world.card_a)
    phone.goto("/portal/groups/")
    phone.locator(f"form[action='/portal/groups/{visit.pk}/join/'] button").click()
    phone.wait_for_selector(f"form[action='/portal/groups/{visit.pk}/leave/']")
    assert GroupVisitParticipant.objects.filter(group_visit=visit, card=world.card_a).exists()


def test_a_holder_downloads_their_data(world, phone):
    door_use(world)
    holder_cookie(phone, world.card_a)
    phone.goto("/portal/my-data/")
    with phone.expect_download() as info:
        phone.locator("a[href='/portal/my-data/download/']").click()
    data = json.loads(Path(info.value.path()).read_text())
    assert data["card"]["number"] == world.card_a.display_number
    assert data["card"]["birth_year"] == 1957
    assert len(data["uses"]) == 1


def _check(phone, path: str, weights: dict[str, int], lang: str) -> None:
    response = phone.goto(path)
    assert response is not None and response.status == 200, path
    phone.wait_for_load_state("load")
    weight = phone.evaluate(WEIGHT_JS)
    weights[f"{lang} {path}"] = weight
    assert weight < PAGE_LIMIT, f"{path} weighs {weight} bytes"
    _fits(phone, path)
    assert_accessible(phone)


def _fits(phone, path: str) -> None:
    """WCAG 1.4.10 reflow: nothing scrolls sideways on a 360 px screen."""
    width = phone.evaluate("document.documentElement.scrollWidth")
    wide = phone.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"
    )
    assert width <= 360, f"{path} is {width} px wide: {wide}"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_portal_page_is_accessible_and_light(world, phone, lang):
    card = world.card_a
    card.survey_consent = True
    card.portal_consent, card.email = True, "holder@example.org"
    card.save()
    offer = make_offer(world.venue_a, quota=5)
    make_occurrence(offer, days=2)
    use = door_use(world, offer=offer)
    visit = make_group_visit(world)
    from kaiku.portal.tests.conftest import community_card

    community_card(world)
    set_language(phone, lang)
    weights: dict[str, int] = {}
    # Signed out.
    from kaiku.portal.services import feedback_token

    for path in (
        "/portal/sign-in/",
        "/portal/sign-in/email/",
        f"/portal/feedback/{feedback_token(use)}/",
        "/portal/sign-in/link/unknown/",
    ):
        _check(phone, path, weights, lang)
    phone.locator("main button[type=submit]").click()  # an unknown link: "does not work"
    phone.wait_for_load_state("load")
    assert_accessible(phone)
    phone.goto("/portal/sign-in/email/")
    phone.fill("#id_email", "nobody@example.org")
    phone.locator("main button[type=submit]").click()
    phone.wait_for_load_state("load")
    assert_accessible(phone)
    # Signed in as the holder.
    holder_cookie(phone, card)
    for path in (
        "/portal/",
        "/portal/card/",
        "/portal/uses/",
        f"/portal/uses/{use.pk}/feedback/",
        "/portal/survey/",
        "/portal/offers/",
        "/portal/groups/",
        "/portal/my-data/",
    ):
        _check(phone, path, weights, lang)
    # The largest text still fits the screen.
    phone.goto("/portal/card/")
    phone.locator("footer form.sizes button[value='150']").click()
    phone.wait_for_load_state("load")
    assert phone.evaluate("document.documentElement.className") == "ts-150"
    for path in ("/portal/card/", "/portal/uses/", "/portal/offers/", "/portal/my-data/"):
        phone.goto(path)
        _fits(phone, path)
    phone.locator("footer form.sizes button[value='100']").click()
    # A feedback form sent without a face shows its error accessibly.
    phone.goto(f"/portal/uses/{use.pk}/feedback/")
    phone.locator("main button[type=submit]:not([name=skip])").click()
    phone.wait_for_load_state("load")
    assert_accessible(phone)
    phone.locator("label[for=id_score_4]").click()
    phone.locator("main button[type=submit]:not([name=skip])").click()
    phone.wait_for_load_state("load")
    assert_accessible(phone)  # thank-you page
    phone.goto("/portal/")
    phone.locator("footer form[action='/portal/sign-out/'] button").click()
    phone.wait_for_load_state("load")
    assert_accessible(phone)  # signed-out page
    # Distributor staff's group visit pages.
    sign_in(phone, world.users["distributor"])
    site = world.distributor_a.pk
    for path in (
        f"/portal/sites/{site}/groups/",
        f"/portal/sites/{site}/groups/new/",
        f"/portal/sites/{site}/groups/{visit.pk}/",
    ):
        _check(phone, path, weights, lang)
    previous = json.loads(WEIGHTS_FILE.read_text()) if WEIGHTS_FILE.exists() else {}
    WEIGHTS_FILE.write_text(json.dumps({**previous, **weights}, indent=1, sort_keys=True))
