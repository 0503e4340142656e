"""The door all day, in a real browser: the valid-card set offline, the lists refreshed on a
timer, /door/ offline, the phone layout, the override for an already used card."""

import datetime as dt

import pytest
from django.core.signals import request_started
from django.utils import timezone

from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.cards.tests.factories import CardFactory, StockCardFactory
from kaiku.door import codes
from kaiku.offers.tests.factories import OccurrenceFactory
from kaiku.testing.browser import PHONE, assert_accessible, sign_in, wait_until
from kaiku.visits.models import Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_door(page, world):
    sign_in(page, world.users["venue_staff"])
    page.goto(f"/door/venues/{world.venue_a.pk}/")
    page.evaluate("() => window.KaikuDoor.ready")
    page.wait_for_selector("#door[data-ready='yes']", state="attached")


def _scan(page, text, source="camera"):
    return page.evaluate("([t, s]) => window.KaikuDoor.handleScan(t, s)", [text, source])


def _record(page):
    page.click("#door-record")
    page.wait_for_selector("#door[data-view='done']", state="attached")
    page.click("#door-next")


def _register(card, world):
    """What the card desk does to pre-printed stock, in one step."""
    today = timezone.localdate()
    card.status, card.kind, card.children = Card.Status.ACTIVE, Card.Kind.PERSONAL, 1
    card.registered_on = card.issued_on = today
    card.valid_until = today + dt.timedelta(days=365)
    card.municipality, card.birth_year, card.postal_code = world.muni_a, 1990, "33100"
    card.save()


def test_cardboard_cards_offline_and_a_door_open_all_day(phone, world, settings):
    settings.DOOR_REFRESH_SECONDS = 1
    settings.DOOR_VALID_SET_MIN_AGE = 0
    page = phone
    page.set_default_timeout(30_000)  # a loaded two-core machine; nothing here waits on a fixed delay
    registered = StockCardFactory(site=world.distributor_a)
    registered_code = codes.card_code(registered)  # printed while it was stock
    _register(registered, world)
    unregistered_code = codes.card_code(StockCardFactory(site=world.distributor_a))
    inactivated = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    cards.inactivate_card(inactivated, "lost", None)
    later = CardFactory(site=world.distributor_a, municipality=world.muni_a)

    _open_door(page, world)
    page.evaluate("() => navigator.serviceWorker.ready")
    assert page.get_attribute("#door", "data-lists-at")
    assert "(" in page.inner_text("#door-banner [data-lists]")  # "… updated 12.03 (now)"

    # Inactivated while the door stays open and online: the next timed refresh knows.
    assert page.evaluate("(n) => window.KaikuDoorCodes.check(n, window.KaikuDoor.state)", later.number)["valid"]
    before = page.get_attribute("#door", "data-lists-at")
    cards.inactivate_card(later, "stolen", None)
    page.wait_for_function("(b) => document.getElementById('door').dataset.listsAt !== b", arg=before)
    # Until the page knows both cards as inactivated: the refresh that changed listsAt may have
    # asked for the lists just before the card was inactivated.
    wait_until(
        page,
        "(ns) => Promise.all(ns.map((n) => window.KaikuDoorCodes.check(n, window.KaikuDoor.state)))"
        ".then((vs) => vs.every((v) => v.reason === 'inactivated'))",
        [inactivated.number, later.number],
    )

    page.context.set_offline(True)
    page.wait_for_selector("#door[data-online='no']", state="attached")

    # A stock card registered before going offline: valid, from the set.
    verdict = _scan(page, registered_code)
    assert verdict["valid"] and verdict["fromSet"] and verdict["checkedOffline"]
    assert page.get_attribute("#door", "data-source") == "set"
    assert page.locator("#door-v-offline").is_visible()
    assert "(" in page.inner_text("#door-v-offline")  # how fresh the device's knowledge is
    assert page.inner_text("#door-v-children") != "0"  # unknown offline, and said so
    assert_accessible(page)
    _record(page)

    # An unregistered stock card and the typed numbers of inactivated cards: not valid.
    verdict = _scan(page, unregistered_code)
    assert not verdict["valid"] and verdict["reason"] == "not_in_valid_set"
    # Waits for the page to draw the refusal (a loaded machine may lag behind the verdict).
    page.wait_for_selector("#door-record", state="hidden")
    for card in (inactivated, later):
        verdict = _scan(page, card.display_number, "typed")
        assert not verdict["valid"] and verdict["reason"] == "inactivated"
        assert page.get_attribute("#door", "data-verdict") == "refused"

    # A valid card typed offline is answered from the set and queued.
    verdict = _scan(page, world.card_a.display_number, "typed")
    assert verdict["valid"] and verdict["fromSet"]
    _record(page)
    page.wait_for_selector("#door[data-queue='2']", state="attached")

    # /door/ opens offline (a one-venue user is sent to the venue's door, as online).
    page.goto("/door/")
    page.evaluate("() => window.KaikuDoor.ready")
    page.wait_for_selector("#door[data-queue='2']", state="attached")
    assert page.url.endswith(f"/door/venues/{world.venue_a.pk}/")

    page.context.set_offline(False)
    page.wait_for_selector("#door[data-queue='0']", state="attached", timeout=30_000)
    page.evaluate("() => window.KaikuDoor.sync()")  # once more: nothing is recorded twice
    uses = Use.objects.filter(venue=world.venue_a)
    assert sorted(u.card_id for u in uses) == sorted([registered.pk, world.card_a.pk])
    assert all(u.outcome == Use.Outcome.ACCEPTED and not u.forced for u in uses)
    synced = page.inner_text("#door-synced")
    assert registered.number[-4:] in synced and world.card_a.number[-4:] in synced


def test_one_refresh_at_a_time_so_an_older_list_never_lands_on_a_newer_one(phone, world, settings):
    """A failed part of a refresh (here the config) does not end it while the revocation list
    is still on its way: a second refresh then would overtake it, and the older (full) list,
    landing last, would forget a card inactivated in between (a CI run saw exactly that)."""
    settings.DOOR_REFRESH_SECONDS = 3600  # no timer: the test starts every refresh
    settings.DOOR_VALID_SET_MIN_AGE = 0
    page = phone
    card = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    asked: list[str] = []
    held: list = []

    def revocations(route):
        asked.append(route.request.url)
        if held:
            route.continue_()
        else:  # the server's answer now, delivered when the test says
            held.append((route, route.fetch()))

    configs: list[str] = []

    def config(route):
        configs.append(route.request.url)
        route.abort() if len(configs) == 1 else route.continue_()

    sign_in(page, world.users["venue_staff"])
    page.route("**/api/door/revocations/**", revocations)
    page.route("**/api/door/venues/*/config/", config)
    page.goto(f"/door/venues/{world.venue_a.pk}/")
    page.wait_for_function("() => window.KaikuDoor")
    while not held:  # the first refresh: its config failed, its revocation list is held
        page.wait_for_timeout(50)
    cards.inactivate_card(card, "stolen", None)
    page.evaluate("() => { window.KaikuDoor.refresh(); }")  # the page's timer, meanwhile
    # Time for a second list to overtake the held one, were one asked for. The test cannot
    # pass late because of this wait; without it, a page that overtook might go unseen.
    page.wait_for_timeout(500)
    route, answer = held[0]
    route.fulfill(response=answer)  # the older list (without the card) arrives
    page.evaluate("() => window.KaikuDoor.ready")
    page.evaluate("() => window.KaikuDoor.refresh()")
    assert len(asked) == 2, asked  # the held one, then the one after it: none overtook it
    assert (
        page.evaluate(
            "(n) => window.KaikuDoorCodes.check(n, window.KaikuDoor.state).then((v) => v.reason)", card.number
        )
        == "inactivated"
    )
    assert page.get_attribute("#door", "data-lists-at")  # the last refresh was whole


def test_a_phone_records_a_holder_with_one_child_without_scrolling(phone, world):
    page = phone
    _open_door(page, world)
    page.fill("#door-typed", world.card_a.number)
    page.press("#door-typed", "Enter")
    page.wait_for_selector("#door[data-view='verdict']", state="attached")
    page.click("[data-for='door-children'][data-step='1']")
    assert page.evaluate("() => window.scrollY") == 0
    box = page.locator("#door-record").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert not page.locator("#door-assistants").is_visible()  # one tap away, under "more"
    assert_accessible(page)
    page.click("#door-record")
    page.wait_for_selector("#door[data-view='done']", state="attached")
    use = Use.objects.get(card=world.card_a)
    assert use.outcome == Use.Outcome.ACCEPTED and use.children == 1


def test_verdict_titles_wrap_only_between_words(phone, world):
    page = phone
    _open_door(page, world)
    _scan(page, world.card_a.number, "typed")
    for title in ("Tarkistetaan myöhemmin", "Kontrolleras senare", "Ei voimassa", "Inte giltigt", "Check later"):
        words = page.evaluate(
            """(title) => {
                const node = document.getElementById('door-verdict-title');
                node.textContent = title;
                const text = node.firstChild, out = [];
                let at = 0;
                for (const word of title.split(' ')) {
                    const range = document.createRange();
                    range.setStart(text, at);
                    range.setEnd(text, at + word.length);
                    out.push(range.getClientRects().length);
                    at += word.length + 1;
                }
                return out;
            }""",
            title,
        )
        assert words == [1] * len(words), title


def test_the_door_overrides_an_already_used_card_with_a_reason(phone, world):
    page = phone
    occurrence = OccurrenceFactory(offer__venue=world.venue_a)
    _open_door(page, world)
    for _ in range(2):
        _scan(page, world.card_a.number, "typed")
        page.click("#door-more summary")
        page.select_option("#door-offer", f"occ:{occurrence.pk}")
        page.click("#door-record")
        page.wait_for_selector("#door[data-view='done']", state="attached")
    assert page.locator("#door-override").is_visible()
    page.fill("#door-override-reason", "Left and came back")
    page.click("#door-override-record")
    page.wait_for_function("() => document.getElementById('door-override').hidden")
    accepted = Use.objects.filter(card=world.card_a, occurrence=occurrence, outcome=Use.Outcome.ACCEPTED)
    assert accepted.count() == 2
    assert [u.override_reason for u in accepted.order_by("pk")] == ["", "Left and came back"]


def test_the_door_page_is_fetched_once_per_load(phone, world):
    page = phone
    path = f"/door/venues/{world.venue_a.pk}/"
    fetched = []

    def count(sender, environ, **kwargs):
        if environ.get("PATH_INFO") == path:
            fetched.append(environ["PATH_INFO"])

    _open_door(page, world)
    page.evaluate("() => navigator.serviceWorker.ready")
    request_started.connect(count)
    try:
        for _ in range(2):
            page.reload()
            page.evaluate("() => window.KaikuDoor.ready")
            page.wait_for_selector("#door[data-ready='yes']", state="attached")
    finally:
        request_started.disconnect(count)
    assert len(fetched) == 2
