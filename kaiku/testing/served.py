"""Kaiku served by gunicorn on the loopback address, against the test database.

For tests that need real worker processes (shared rate limits) or gunicorn's own
access log. The test must commit its data (``django_db(transaction=True)``), because
gunicorn's workers read the database through their own connections.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass
class Served:
    base: str
    logs: Path

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else (f"{db['USER']}@" if db.get("USER") else "")
    url = f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {"DATABASE_URL": url}


@contextmanager
def gunicorn(tmp_path: Path, *, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Served]:
    port = _free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    environ = {
        **os.environ,
        # The test settings (the test process's password hasher, static files from the
        # apps); gunicorn itself is configured as `make run` configures it.
        "DJANGO_SETTINGS_MODULE": "kaiku.test_settings",
        "KAIKU_DEV": "1",
        "CACHE_BACKEND": "database",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        "CARD_SIGNING_KEY_FILE": settings.CARD_SIGNING_KEY_FILE,
        **_database_env(),
        **(env or {}),
    }
    out = (logs / "server.log").open("w")
    # The working directory holds gunicorn.conf.py, as for `make run` and docs/deploy.md.
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn"),
            "kaiku.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            str(logs / "access.log"),
            "--error-logfile",
            str(logs / "error.log"),
        ],
        cwd=settings.BASE_DIR,
        env=environ,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{(logs / 'server.log').read_text()}") from None
                time.sleep(0.3)
        yield Served(base, logs)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        out.close()
