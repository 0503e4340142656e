"""What every page of the staff site carries in its head."""

from __future__ import annotations

import re

from django.test import Client


def test_every_page_names_its_icon_so_browsers_do_not_ask_for_a_missing_favicon(db):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert match, "base.html names no icon"
    icon = client.get(match.group(1))
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in icon.content
