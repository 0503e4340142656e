"""The area dashboard at a glance: tiles with last year's change, contents, charts beside their tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.stats.tests.helpers import add_uses, use
from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def desktop(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url, locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def demo_like(world: Any) -> None:
    """This year's uses (add_uses) and some in the same months a year earlier, at several venues."""
    today = timezone.localdate()
    Card.objects.filter(pk__in=[world.card_a.pk, world.card_b.pk]).update(
        issued_on=today.replace(year=today.year - 2), valid_until=today + dt.timedelta(days=300)
    )
    add_uses(world)
    for month in (2, 3, 5):
        moment = dt.datetime(today.year - 1, month, 12, 12, tzinfo=ZoneInfo("Europe/Helsinki"))
        with time_machine.travel(moment, tick=False):
            for _ in range(3):
                use(world, world.card_a, world.venue_a, children=1)
            use(world, world.card_b, world.venue_a)


# document.documentElement.scrollHeight of this area dashboard at 1,280 px before the
# dashboard was laid out for a glance (one column, every chart above its table): 6,992 px.
# The layout brought it to 2,455 px (35 %); the home-municipality and life-situation
# tables (issue 23, item 1) then added two sections: 2,662 px (38 %).
HEIGHT_BEFORE = 6992


def test_it_fits_the_area_dashboard_in_a_third_of_its_old_height_on_a_desktop(desktop, world):
    demo_like(world)
    sign_in(desktop, world.users["coordinator"])
    desktop.goto(f"/stats/area/{world.area_a.pk}/")
    height = desktop.evaluate("document.documentElement.scrollHeight")
    assert height <= HEIGHT_BEFORE * 0.40, height
    assert_accessible(desktop)
    # The change from a year earlier is in words, with the period it compares with.
    change = desktop.locator(".tile .change .sr-only").first.text_content()
    assert "2025" in change and change.split()[0] in ("Laskua", "Kasvua", "Ei"), change

    # Opening a table puts it beside its chart, the section across the whole width.
    section = desktop.locator("section:has(#t-sectors)")
    section.locator("summary").click()
    chart = section.locator("svg.chart").bounding_box()
    table = section.locator("table.stats").bounding_box()
    assert table["x"] >= chart["x"] + chart["width"] - 1 and abs(table["y"] - chart["y"]) < 120
    assert_accessible(desktop)

    # The contents lead to each section.
    desktop.locator(".toc a[href='#t-cards']").click()
    assert desktop.evaluate("location.hash") == "#t-cards"


def test_it_stacks_chart_and_table_on_a_phone(phone, world):
    demo_like(world)
    sign_in(phone, world.users["coordinator"])
    phone.goto(f"/stats/area/{world.area_a.pk}/")
    section = phone.locator("section:has(#t-sectors)")
    section.locator("summary").click()
    chart = section.locator("svg.chart").bounding_box()
    table = section.locator("table.stats").bounding_box()
    assert table["y"] >= chart["y"] + chart["height"] - 1
    assert_accessible(phone)
