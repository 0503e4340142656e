"""What every page of the staff site carries in its head."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(db):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert match, "base.html names no icon"
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in icon.content


def test_every_table_that_may_scroll_sideways_can_be_scrolled_from_the_keyboard():
    # A wide table scrolls inside its wrapper on a phone; without a link inside, only a
    # focusable wrapper lets a keyboard user scroll it (axe: scrollable-region-focusable).
    root = Path(__file__).resolve().parents[2]
    wrappers = re.compile(r'<div class="table-wrap"([^>]*)>')
    found = 0
    for template in root.glob("*/templates/**/*.html"):
        for attributes in wrappers.findall(template.read_text()):
            found += 1
            assert 'tabindex="0"' in attributes, f"{template.relative_to(root)}: a table-wrap without tabindex"
    assert found >= 10
