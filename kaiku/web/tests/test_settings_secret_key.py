"""Without SECRET_KEY a checkout still starts: a random key is generated once into a file."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRINT_KEY = "import kaiku.settings as s; print(s.SECRET_KEY)"


def _settings_key(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "KAIKU_DEV", "DEBUG"}}
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_KEY],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_generates_a_private_key_once_and_reuses_it(tmp_path: Path):
    key_file = tmp_path / "var" / "secret-key"
    first = _settings_key({"SECRET_KEY_FILE": str(key_file)})
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 32 and key != "dev-only-secret-key-not-for-production"
    assert key_file.read_text() == key
    assert key_file.stat().st_mode & 0o077 == 0
    again = _settings_key({"SECRET_KEY_FILE": str(key_file)})
    assert again.stdout.strip() == key


def test_it_refuses_a_truncated_key_file(tmp_path: Path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("short")
    result = _settings_key({"SECRET_KEY_FILE": str(key_file)})
    assert result.returncode != 0
    assert "no usable secret key" in result.stderr


def test_an_explicit_secret_key_wins(tmp_path: Path):
    result = _settings_key({"SECRET_KEY": "x" * 60, "SECRET_KEY_FILE": str(tmp_path / "unused")})
    assert result.stdout.strip() == "x" * 60
    assert not (tmp_path / "unused").exists()
