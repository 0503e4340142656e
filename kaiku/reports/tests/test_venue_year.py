"""The venue's year: new visitors, children reached, sectors, the value of tickets; the area's view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import override

from kaiku.cards.tests.factories import CardFactory
from kaiku.offers.forms import OfferForm
from kaiku.offers.tests.factories import OfferFactory
from kaiku.reports.tests.helpers import use
from kaiku.reports.venue_year import area_venues, new_visitor_uses, venue_year

D = dt.date(2025, 5, 10)


def _cards(world, n):
    return [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(n)]


def test_a_new_visitor_is_the_first_accepted_use_of_that_card_at_that_venue_ever(world):
    a, b, c, d, e = _cards(world, 5)
    use(a, world.venue_a, D.replace(year=2024))  # a came in 2024: not new in 2025
    use(a, world.venue_a, D)
    use(b, world.venue_b, D.replace(year=2024))  # another venue does not count
    use(b, world.venue_a, D)
    use(c, world.venue_a, D.replace(year=2024), voided=True)  # a voided use is no visit
    use(c, world.venue_a, D)
    use(d, world.venue_a, D.replace(year=2024), accepted=False)  # nor is a refused attempt
    use(d, world.venue_a, D)
    use(d, world.venue_a, D + dt.timedelta(days=30))  # a second visit the same year: still one visitor
    use(e, world.venue_a, D.replace(year=2026, month=1))  # next year
    new = new_visitor_uses([world.venue_a.pk], 2025)
    assert sorted(u.card_id for u in new) == sorted([b.pk, c.pk, d.pk])
    assert [u.card_id for u in new_visitor_uses([world.venue_a.pk], 2026)] == [e.pk]


def test_the_venues_year_by_offer_with_children_sectors_and_ticket_value(world):
    play = OfferFactory(venue=world.venue_a, title_en="Play", ticket_value=Decimal("25.00"))
    course = OfferFactory(venue=world.venue_a, title_en="Course", sector="education", ticket_value=None)
    cards = _cards(world, 12)
    for card in cards[:6]:
        use(card, world.venue_a, D, offer=play, children=1)  # 6 holders + 6 children
    for card in cards[6:12]:
        use(card, world.venue_a, D, offer=course)
    use(cards[0], world.venue_a, D + dt.timedelta(days=1), offer=course)  # not new any more
    with override("en"):
        report = venue_year(world.venue_a, 2025, None)
    rows = {label: ([c.value for c in cells], value) for label, cells, value in report.by_offer.rows}
    assert rows == {
        "Play": ([12, 6, 6], "300.00\u00a0€"),
        "Course": ([7, 6, 0], "\u2013"),
    }
    assert report.by_offer.total_value == "300.00\u00a0€"
    sectors = {label: [c.value for c in cells] for label, cells, _v in report.by_sector.rows}
    assert sectors == {"Culture": [12, 6, 6], "Education": [7, 6, 0]}
    assert dict(report.headline)["New visitors"] == "12"


def test_small_counts_are_suppressed_and_the_value_does_not_give_them_away(world):
    play = OfferFactory(venue=world.venue_a, title_en="Play", ticket_value=Decimal("20"))
    other = OfferFactory(venue=world.venue_a, title_en="Concert", ticket_value=Decimal("10"))
    cards = _cards(world, 12)
    for card in cards[:2]:
        use(card, world.venue_a, D, offer=play)
    for card in cards[2:12]:
        use(card, world.venue_a, D, offer=other)
    with override("en"):
        report = venue_year(world.venue_a, 2025, 5)
    rows = {label: ([c.text for c in cells], value) for label, cells, value in report.by_offer.rows}
    assert rows["Play"] == (["<5", "<5", "0"], "<5")
    # The other row is hidden too, or the totals would give the small one away.
    assert rows["Concert"] == (["\u00d7", "\u00d7", "0"], "\u00d7")
    assert report.by_offer.total_value == "\u00d7"


def test_the_venue_page_and_the_area_view(world):
    offer = OfferFactory(venue=world.venue_a, title_fi="Näytelmä", ticket_value=Decimal("15"))
    for card in _cards(world, 6):
        use(card, world.venue_a, D, offer=offer)
    response = world.client_for("venue_staff").get(
        reverse("reports:venue_year", args=[world.venue_a.pk]), {"year": "2025"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Näytelmä" in body and "90,00\u00a0€" in body  # Finnish: decimal comma
    assert reverse("reports:venue_certificate", args=[world.venue_a.pk]) + "?year=2025&amp;lang=sv" in body
    with override("en"):
        table = area_venues(world.area_a, 2025, 5)
    assert [(label, [c.text for c in cells], value) for label, cells, value in table.rows] == [
        ("Tampereen Teatteri", ["6", "6", "0"], "90.00\u00a0€")
    ]
    response = world.client_for("coordinator").get(
        reverse("reports:area_venues", args=[world.area_a.pk]), {"year": "2025"}
    )
    assert response.status_code == 200 and "Tampereen Teatteri" in response.content.decode()
    link = reverse("reports:venue_year", args=[world.venue_a.pk]) + "?year=2025"
    assert f'href="{link}"' in response.content.decode()
    # A year out of range falls back to this year rather than failing.
    response = world.client_for("coordinator").get(
        reverse("reports:area_venues", args=[world.area_a.pk]), {"year": "99999"}
    )
    assert response.status_code == 200 and response.context["form"].chosen_year == 2026


def test_the_area_view_suppresses_small_contributions_and_counts_only_accepted_uses(world):
    from kaiku.network.tests.factories import VenueFactory

    museum = VenueFactory(area=world.area_a, municipality=world.muni_a, name="Tampereen museo")
    offer = OfferFactory(venue=museum, ticket_value=Decimal("8"))
    cards = _cards(world, 12)
    for card in cards[:2]:
        use(card, museum, D, offer=offer)
    use(cards[2], museum, D, offer=offer, voided=True)  # a voided use is no admission
    use(cards[3], museum, D, offer=offer, accepted=False)  # nor is a refused attempt
    for card in cards[4:12]:
        use(card, world.venue_a, D, children=1)
    use(cards[0], world.venue_b, D)  # another area's venue: not in the view
    with override("en"):
        table = area_venues(world.area_a, 2025, 5)
    rows = {label: ([c.text for c in cells], value) for label, cells, value in table.rows}
    assert rows["Tampereen museo"] == (["<5", "<5", "0"], "<5")  # the value would give the count away
    assert rows["Tampereen Teatteri"] == (["\u00d7", "\u00d7", "8"], "\u2013")
    assert table.total_value == "\u00d7"
    with override("en"):
        exact = area_venues(world.area_a, 2025, None)
    assert {label: [c.value for c in cells] for label, cells, _v in exact.rows} == {
        "Tampereen museo": [2, 2, 0],
        "Tampereen Teatteri": [16, 8, 8],
    }


@pytest.mark.parametrize("value, ok", [("12.50", True), ("", True), ("-1", False), ("10001", False), ("abc", False)])
def test_the_offer_form_edits_the_tickets_face_value(world, value, ok):
    offer = OfferFactory(venue=world.venue_a)
    data = {"kind": "event", "title_fi": "Näytös", "sector": "culture", "ticket_method": "box_office",
            "ticket_value": value}  # fmt: skip
    form = OfferForm(data, instance=offer)
    assert form.is_valid() is ok, form.errors
    if ok:
        assert form.save().ticket_value == (Decimal(value) if value else None)
