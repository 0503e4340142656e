"""Walk every page each demo login reaches, on a 360 px phone, and report what fails.

Run it against the server `make run` started (same database, demo data loaded):

    .venv/bin/python scripts/phone_audit.py                      # http://127.0.0.1:8000
    .venv/bin/python scripts/phone_audit.py --base http://127.0.0.1:8011 --limit 150

For each demo login (and the demo holder in the portal), in Finnish and Swedish, it
follows the links of each page (breadth first, same site, no downloads, no sign-out)
up to ``--limit`` pages, and on each page runs the checks of the browser tests
(``kaiku.testing.browser``): axe-core's serious and critical violations, and text that
runs past the window's right edge. It prints one line per page with a finding and exits
non-zero if there was any. The browser tests cover chosen pages; this covers the rest.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
os.environ.setdefault("KAIKU_DEV", "1")

import django  # noqa: E402

django.setup()

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from kaiku.accounts.demo import demo_totp_code  # noqa: E402
from kaiku.accounts.models import User  # noqa: E402
from kaiku.portal.demo import DEMO_ACTIVATION_CODE, demo_card  # noqa: E402
from kaiku.testing.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, TEXT_PAST_THE_EDGE, axe_violations  # noqa: E402
from kaiku.web.demo import DEMO_PASSWORD  # noqa: E402
from kaiku.web.management.commands.demo_logins import DEMO_DOMAIN  # noqa: E402

# Links not to follow: sign-out, files, the API, Django's admin, other pages of long lists.
SKIP = re.compile(
    r"logout|sign-out|\.(pdf|csv|xlsx|json|ics|svg|js|webmanifest)|/api/|download|/static/|/i18n/|"
    r"/django-admin/|export|\?page=[3-9]|^mailto:"
)


def sign_in(page: Page, url: str, fields: dict[str, str]) -> None:
    """Fill a sign-in form's fields (by element id) and send it with Enter in the last."""
    page.goto(url)
    for selector, value in fields.items():
        page.fill(selector, value)
    page.press(selector, "Enter")
    page.wait_for_load_state("networkidle")


# The TOTP time step each demo login last signed in with, in this run.
_LAST_STEP: dict[str, int] = {}


def second_factor(page: Page, email: str) -> None:
    """Type the demo authenticator's code when the second step asks for it (docs/security.md)."""
    if "/two-factor/verify/" not in page.url:
        return
    # A code works once per person: wait for the next one if this person just used it.
    step = int(time.time() // 30)
    if _LAST_STEP.get(email, -1) >= step:
        time.sleep((step + 1) * 30 - time.time() + 1)
        step = int(time.time() // 30)
    _LAST_STEP[email] = step
    sign_in(page, page.url, {"#id_code": demo_totp_code()})


def walk(page: Page, base: str, start: list[str], limit: int) -> list[str]:
    """Findings, one line per page, of the pages reached from ``start``."""
    findings: list[str] = []
    queue, seen = list(start), set(start)
    visited = 0
    while queue and visited < limit:
        path = queue.pop(0)
        response = page.goto(base + path, wait_until="networkidle")
        visited += 1
        if response is None or "html" not in (response.headers.get("content-type") or ""):
            continue
        if response.status >= 400:
            findings.append(f"{path}: HTTP {response.status}")
            continue
        past = page.evaluate(TEXT_PAST_THE_EDGE)
        violations = [v["id"] for v in axe_violations(page)]
        if past or violations:
            findings.append(f"{path}: past the edge {past[:3]}, axe {violations}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = href.removeprefix(base).split("#")[0]
            if href.startswith("/") and not SKIP.search(href) and href not in seen:
                seen.add(href)
                queue.append(href)
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--limit", type=int, default=80, help="pages per login and language")
    parser.add_argument("--languages", default="fi,sv", help="comma-separated language codes")
    args = parser.parse_args()
    logins = list(
        User.objects.filter(email__endswith=DEMO_DOMAIN, is_active=True).order_by("pk").values_list("email", flat=True)
    )
    card = demo_card()
    if not logins or card is None:
        print("No demo data in this database: run `make run` (or manage.py demo_data) first.")
        return 2
    failed = False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for who in [*logins, "holder"]:
            for language in args.languages.split(","):
                context = browser.new_context(viewport=PHONE, locale=language)
                page = context.new_page()
                if who == "holder":
                    fields = {"#id_number": card.display_number, "#id_code": DEMO_ACTIVATION_CODE}
                    sign_in(page, f"{args.base}/portal/sign-in/", fields)
                    start = ["/portal/"]
                else:
                    sign_in(page, f"{args.base}/accounts/login/", {"#id_username": who, "#id_password": DEMO_PASSWORD})
                    second_factor(page, who)
                    start = ["/"]
                findings = walk(page, args.base, start, args.limit)
                for finding in findings:
                    print(f"{who} [{language}] {finding}")
                print(f"{who} [{language}]: {len(findings)} pages with findings", flush=True)
                failed = failed or bool(findings)
                context.close()
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
