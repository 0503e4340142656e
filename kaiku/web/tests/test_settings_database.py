"""DATABASE_URL and where the demo logins go: settings read in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import override_settings

from kaiku.web.demo import logins_file

PRINT_DB = "import json, kaiku.settings as s; print(json.dumps(s.DATABASES['default'], default=str))"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH", "DEMO_LOGINS_FILE"}}
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "kaiku.settings", "KAIKU_DEV": "1", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_it_reads_a_sqlite_database_url_without_postgresql_options(tmp_path: Path):
    result = _run(["-c", PRINT_DB], {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert result.returncode == 0, result.stderr
    db = json.loads(result.stdout)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == f"{tmp_path}/db.sqlite3"
    assert "options" not in db["OPTIONS"] and "server_side_binding" not in db["OPTIONS"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_it_keeps_the_postgresql_options_for_a_postgresql_url():
    result = _run(["-c", PRINT_DB], {"DATABASE_URL": "postgres://kaiku@localhost:5432/kaiku"})
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)["OPTIONS"]
    assert options["options"] == "-c jit=off" and options["server_side_binding"] is True


def test_migrate_runs_on_a_sqlite_database_url(tmp_path: Path):
    result = _run(
        ["manage.py", "migrate", "--noinput", "-v", "0"], {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db.sqlite3").stat().st_size > 0


def test_demo_logins_go_beside_the_sqlite_database(tmp_path: Path):
    database = {
        **settings.DATABASES["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "a.sqlite3"),
    }
    with override_settings(DEMO_LOGINS_FILE=""):
        assert logins_file(database) == tmp_path / "a.sqlite3.demo-logins.json"


def test_demo_logins_of_a_server_database_are_named_after_it():
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "kaiku_demo"}
    with override_settings(DEMO_LOGINS_FILE=""):
        assert logins_file(database) == Path(settings.BASE_DIR) / "var" / "demo-logins-kaiku_demo.json"


def test_the_demo_logins_file_is_a_setting(tmp_path: Path):
    with override_settings(DEMO_LOGINS_FILE=str(tmp_path / "x.json")):
        assert logins_file() == tmp_path / "x.json"
