"""The documented production configuration (docs/deploy.md), for tests that need it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from django.conf import settings

# What docs/deploy.md tells an operator to set, and nothing more.
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "Q2w9-e8R7t6Y5u4I3o2P1a0S9d8F7g6H5j4K3l2Z1x0C",
    "SITE_ROOT": "https://kaiku.example.fi",
    "ALLOWED_HOSTS": "kaiku.example.fi",
    "CSRF_TRUSTED_ORIGINS": "https://kaiku.example.fi",
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_HOST": "smtp.example.fi",
}
SECURITY_SETTINGS = [
    "DEV",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "MIDDLEWARE",
    "EMAIL_BACKEND",
    "CACHE_BACKEND",
]


def production_environ(**extra: str) -> dict[str, str]:
    """This process's environment without development switches, plus the production variables."""
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests (kaiku.testing.browser) in the same worker.
    dev = {
        "KAIKU_DEV",
        "DEBUG",
        "SECRET_KEY",
        "EMAIL_BACKEND",
        "CACHE_BACKEND",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dev}
    return {**clean, **PRODUCTION_ENV, **extra}


def run_python(code: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def production_settings() -> dict[str, Any]:
    """kaiku/settings.py's security settings as the production environment makes them."""
    code = (
        "import json, kaiku.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {SECURITY_SETTINGS!r}}}, default=str))"
    )
    result = run_python(code, production_environ())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    if values["SECURE_PROXY_SSL_HEADER"]:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values
