"""Every URL of every permission matrix, served in the documented production configuration:
HSTS, a Content-Security-Policy without inline script, Permissions-Policy, Referrer-Policy,
Secure cookies, and no-store wherever card or holder data can be shown."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import pytest
from django.test import Client

import kaiku
from kaiku.testing.matrix import Row
from kaiku.web.tests.production import production_settings

# Namespaces whose pages or downloads show a card or a holder's details.
HOLDER_DATA = {
    "cards",
    "portal",
    "visits",
    "door",
    "door-api",
    "onboarding",
    "partners",
    "partners-api",
    "audit",
    "stats",
}
CAMERA_PAGES = {"door:page", "door:device_page"}
# Pages of the privacy app that show a card or its holder's details (the rest are public notices).
PRIVACY_HOLDER_PAGES = {"privacy:erase_card", "privacy:erase_own", "privacy:erased", "privacy:reads"}
# Uploaded pictures: a stricter policy of their own (nothing runs, sandboxed).
SANDBOXED = {"web:media"}
# The same for everyone, no card or holder in them: they choose their own caching.
STATIC_LIKE = {"portal:service_worker", "portal:manifest", "portal:icon"}


def _rows() -> list[tuple[str, Row, object]]:
    rows = []
    for module in pkgutil.iter_modules(kaiku.__path__):
        try:
            tests = importlib.import_module(f"kaiku.{module.name}.tests.test_permissions")
        except ModuleNotFoundError:
            continue
        for attr in dir(tests):
            if attr.endswith("MATRIX"):
                rows += [(module.name, row, tests) for row in getattr(tests, attr)]
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def production():
    return production_settings()


def _role(row: Row) -> str:
    for role in ("holder", "national_admin", "distributor", "coordinator", "venue_admin", "venue_staff", "anonymous"):
        if row.expect.get(role) == 200:
            return role
    return next(iter(row.expect))


def _client(world, app: str, tests, role: str) -> Client:
    if hasattr(tests, "client_for"):  # the portal's and the privacy app's signed-in holder
        return tests.client_for(world)(role)
    return world.client_for(role)


def test_the_production_settings_are_production(production):
    assert production["DEV"] is False
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["SECURE_SSL_REDIRECT"]
    assert production["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert production["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert production["CACHE_BACKEND"] == "database"


@pytest.mark.parametrize(("app", "row", "tests"), ROWS, ids=[f"{r.url_name}-{r.method}" for _a, r, _t in ROWS])
def test_every_url_has_the_security_headers(world, settings, production, app, row, tests):
    for name, value in production.items():
        if name not in {"DEV", "EMAIL_BACKEND", "CACHE_BACKEND"}:
            setattr(settings, name, value)
    if row.setup is not None:
        row.setup(world)
    role = _role(row)
    client = _client(world, app, tests, role)
    url = row.url(world)
    https = {"secure": True, "HTTP_X_FORWARDED_PROTO": "https"}
    if row.method == "GET":
        response = client.get(url, **https)
    elif row.content_type:
        body = json.dumps(row.data) if row.content_type == "application/json" else row.data
        response = client.generic(row.method, url, data=body, content_type=row.content_type, **https)
    else:
        response = getattr(client, row.method.lower())(url, data=row.data, **https)
    where = f"{role} {row.method} {url} ({response.status_code})"

    assert "max-age=31536000" in response.get("Strict-Transport-Security", ""), where
    csp = response.get("Content-Security-Policy", "")
    if row.url_name in SANDBOXED and response.status_code == 200:
        assert "default-src 'none'" in csp and "sandbox" in csp, where
        return
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src, f"no script-src in CSP at {where}: {csp!r}"
    assert "'unsafe-inline'" not in script_src.group(1) and "'unsafe-eval'" not in script_src.group(1), where
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, where
    assert response.get("Referrer-Policy") == "same-origin", where
    camera = "camera=(self)" if row.url_name in CAMERA_PAGES else "camera=()"
    assert camera in response.get("Permissions-Policy", ""), where
    for cookie in response.cookies.values():
        if cookie.value:
            assert cookie["secure"], f"cookie {cookie.key} without Secure at {where}"
    namespace = row.url_name.split(":", 1)[0] if ":" in row.url_name else ""
    holder_page = namespace in HOLDER_DATA or row.url_name in PRIVACY_HOLDER_PAGES or role == "holder"
    if holder_page and row.url_name not in STATIC_LIKE:
        assert "no-store" in response.get("Cache-Control", ""), where
