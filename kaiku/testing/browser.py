"""Browser tests: Debian's Chromium driven by Playwright, and axe-core checks.

A missing Chromium is a failure, never a skip: `scripts/system-deps.sh` installs it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A page in a fresh phone-sized browser context pointed at the live server."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page: Any, user: Any) -> None:
    """Put a signed-in session for ``user`` into the page's browser context."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    base = page.context._impl_obj._options.get("baseURL") or ""
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}])


def wait_until(page: Any, expression: str, arg: Any = None, timeout_ms: int = 30_000) -> Any:
    """Evaluate ``expression`` (a function, may be async) until it returns something truthy.

    ``page.wait_for_function`` does not await a promise: a predicate that returns one (an
    async function, or ``.then(...)``) is truthy at once, so the wait ends before anything
    happened. Each try here is a whole ``page.evaluate``, which awaits it.
    """
    waited = 0
    while True:
        found = page.evaluate(expression, arg)
        if found:
            return found
        if waited >= timeout_ms:
            raise AssertionError(f"not true within {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)
        waited += 100


def set_language(page: Any, code: str) -> None:
    base = page.context._impl_obj._options.get("baseURL") or ""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": base}])


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of the given impacts on the current page."""
    if not AXE_JS.exists():
        pytest.fail("node_modules/axe-core is missing: run npm ci (make install)")
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
    # does not govern; a <script> tag added to the page would be refused (no inline script).
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in impacts]


# Text nodes whose box ends past the right edge of the window, outside any element that
# scrolls sideways (a wide table in its wrapper may scroll; a word cut off at the edge not).
TEXT_PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (; el && el !== document.body; el = el.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX)) return true;
    }
    return false;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || scrolls(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) {
      if (box.width > 0 && box.right > width + 1) { found.push(node.textContent.trim().slice(0, 60)); break; }
    }
  }
  return found;
}"""


def assert_fits_the_window(page: Any) -> None:
    """No text runs past the right edge of the window (a 360 px phone's, in ``phone``)."""
    past = page.evaluate(TEXT_PAST_THE_EDGE)
    assert not past, f"text past the window's edge on {page.url}: {past[:5]}"


def assert_accessible(page: Any) -> None:
    """axe-core finds nothing serious or critical, and no text runs past the window's edge."""
    # A navigation the last action started may still be loading on a busy machine: check the
    # page it leads to, not the document being replaced (``documentElement`` was null once).
    page.wait_for_load_state()
    assert_fits_the_window(page)
    violations = axe_violations(page)
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]} for v in violations
    ]
    assert not violations, f"axe-core violations on {page.url}: {json.dumps(summary, indent=1)}"
