"""The register's spine in a real browser on a phone: a distributor registers a card
through the form, and a venue records a use with it (check → valid → record).

Run once in Finnish and once in Swedish; every page visited passes axe-core.
"""

import pytest
from django.utils import translation

from kaiku.cards.models import Card, CardEvent
from kaiku.testing.browser import assert_accessible, set_language, sign_in
from kaiku.visits.models import Channel, Use

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tr(code: str, source: str) -> str:
    """The catalogue's text for ``source`` in ``code``; it must really be translated."""
    with translation.override(code):
        text = str(translation.gettext(source))
    assert text != source, f"{source!r} has no {code} translation"
    return text


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_it_registers_a_card_and_records_a_use_with_it(phone, world, language):
    page = phone

    # The distributor registers a card for a client.
    set_language(page, language)
    sign_in(page, world.users["distributor"])
    page.goto(f"/cards/site/{world.distributor_a.pk}/register/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == tr(language, "Register a card")
    assert_accessible(page)

    page.get_by_label(tr(language, "Birth year")).fill("1980")
    page.get_by_label(tr(language, "Home municipality")).select_option(value=world.muni_a.code)
    page.get_by_label(tr(language, "Postal code")).fill("33100")
    page.get_by_label(tr(language, "Own children or grandchildren under the age limit")).fill("2")
    page.get_by_label(tr(language, "The client is a client of our service and in a tight financial situation")).check()
    page.get_by_role("button", name=tr(language, "Register the card")).click()

    page.wait_for_url("**/cards/*/")
    card = Card.objects.exclude(pk__in=[world.card_a.pk, world.card_b.pk, world.card_l.pk]).get(
        site=world.distributor_a, status=Card.Status.ACTIVE
    )
    assert (card.birth_year, card.municipality, card.postal_code, card.children) == (1980, world.muni_a, "33100", 2)
    assert card.events.filter(kind=CardEvent.Kind.REGISTERED).exists()
    assert page.locator("h1").inner_text() == card.display_number
    with translation.override(language):
        registered = translation.gettext("The card %(number)s is registered.") % {"number": card.display_number}
    assert registered != f"The card {card.display_number} is registered."
    assert registered in page.locator(".messages").inner_text()
    assert_accessible(page)

    # A venue staff member checks the card at the door and records the use.
    page.context.clear_cookies()
    set_language(page, language)
    sign_in(page, world.users["venue_staff"])
    page.goto(f"/visits/venue/{world.venue_a.pk}/")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)

    page.get_by_label(tr(language, "Card number")).fill(card.display_number.lower())
    page.get_by_role("button", name=tr(language, "Check the card")).click()
    verdict = page.locator(".verdict")
    verdict.wait_for()
    assert "ok" in (verdict.get_attribute("class") or "")
    assert tr(language, "Valid") in verdict.inner_text()
    with translation.override(language):
        children_text = translation.ngettext("%(n)s child may come along", "%(n)s children may come along", 2) % {
            "n": 2
        }
    assert children_text in verdict.inner_text()
    # Venue staff never see who holds the card.
    body = page.locator("body").inner_text()
    assert "1980" not in body and "33100" not in body
    assert_accessible(page)

    page.get_by_label(tr(language, "Children")).fill("1")
    page.get_by_role("button", name=tr(language, "Record the use")).click()
    page.locator(".messages").wait_for()
    assert tr(language, "Use recorded. Welcome!") in page.locator(".messages").inner_text()
    assert_accessible(page)

    use = Use.objects.get(card=card)
    assert use.accepted and use.venue == world.venue_a and use.children == 1
    assert use.channel == Channel.TYPED and use.recorded_by == world.users["venue_staff"]
