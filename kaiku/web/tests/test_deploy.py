"""The documented production configuration passes `check --deploy` with no warning;
start-up refuses weak secrets and the console e-mail backend; demo secrets stay out."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings

from kaiku.web.tests.production import production_environ, run_python

CHECK = "import kaiku.settings"
# One worker runs the module, so the production database below is migrated once, not once per worker.
pytestmark = pytest.mark.xdist_group("deploy")


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def prod_env(tmp_path_factory):
    db = tmp_path_factory.mktemp("deploy") / "kaiku.sqlite3"
    # SQLite in a fresh file, also when the suite runs on PostgreSQL.
    env = production_environ(SQLITE_PATH=str(db), DATABASE_URL="", DJANGO_SETTINGS_MODULE="kaiku.settings")
    migrated = _manage(env, "migrate", "--no-input", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    return env


def test_check_deploy_passes_with_no_warning(prod_env):
    result = _manage(prod_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_while_a_demo_login_key_or_token_exists(prod_env):
    create = (
        "import django; django.setup()\n"
        "from kaiku.accounts.models import User\n"
        "User.objects.create_user('admin@demo.kaiku.fi', 'x')\n"
    )
    assert run_python(create, prod_env).returncode == 0
    try:
        result = _manage(prod_env, "check", "--deploy")
        assert result.returncode != 0
        assert "kaiku.E001" in result.stderr
    finally:
        run_python(
            "import django; django.setup()\n"
            "from kaiku.accounts.models import User\n"
            "User.objects.filter(email__endswith='@demo.kaiku.fi').delete()\n",
            prod_env,
        )


def test_the_demo_key_and_token_are_errors(world):
    from kaiku.door.demo import DEMO_DEVICE_TOKEN
    from kaiku.door.models import DeviceToken
    from kaiku.partners.demo import DEMO_API_KEY
    from kaiku.partners.models import ApiKey
    from kaiku.web.checks import no_demo_secrets
    from kaiku.web.tokens import token_hash

    assert no_demo_secrets(None) == []
    ApiKey.objects.create(site=world.agency_a, label="demo", prefix="demo0001", key_hash=token_hash(DEMO_API_KEY))
    DeviceToken.objects.create(venue=world.venue_a, label="demo", token_hash=token_hash(DEMO_DEVICE_TOKEN))
    assert {e.id for e in no_demo_secrets(None)} == {"kaiku.E002", "kaiku.E003"}


@pytest.mark.parametrize("command", ["demo_data", "demo_logins", "portal_demo_card"])
def test_demo_commands_refuse_to_run_in_production(prod_env, command):
    result = _manage(prod_env, command)
    assert result.returncode != 0
    assert "development only" in result.stderr


def test_start_up_refuses_a_short_secret_key():
    result = run_python(CHECK, production_environ(SECRET_KEY="short-but-not-empty-key"))
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_start_up_refuses_the_console_email_backend():
    env = production_environ(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    result = run_python(CHECK, env)
    assert result.returncode != 0
    assert "console e-mail backend" in result.stderr


def test_development_mode_keeps_its_conveniences():
    result = run_python(
        "import kaiku.settings as s; print(s.EMAIL_BACKEND, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)",
        {**production_environ(KAIKU_DEV="1", SITE_ROOT="http://127.0.0.1:8000"), "SECRET_KEY": ""},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.mail.backends.console.EmailBackend", "0", "False"]
