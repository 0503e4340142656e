"""A consistent backup of the embedded (SQLite) setup in one archive (issue 18, item 7).

SQLite's online backup API copies a live database page by page under a read
transaction, so writers carry on (WAL mode) and the copy is one committed state. The
archive holds the copy, the card signing key and the secret key file, and a manifest
with their SHA-256 sums. PostgreSQL is backed up with ``pg_dump`` (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

DATABASE_NAME = "kaiku.sqlite3"


class BackupError(Exception):
    pass


def secret_key_file() -> Path:
    return Path(os.environ.get("SECRET_KEY_FILE") or settings.BASE_DIR / "var" / "secret-key")


def _copy(source: str, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def backup(output: Path, *, now: dt.datetime | None = None) -> tuple[Path, list[str]]:
    """Write the archive (mode 600) to ``output`` (a file, or a directory to put it in)."""
    if connection.vendor != "sqlite":
        raise BackupError("This database is not SQLite: back it up with pg_dump (docs/deploy.md).")
    now = now or dt.datetime.now(dt.UTC)
    if output.is_dir():
        output = output / f"kaiku-backup-{now:%Y%m%d-%H%M%S}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    members: list[tuple[Path, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / DATABASE_NAME
        _copy(str(connection.settings_dict["NAME"]), copy)
        members.append((copy, DATABASE_NAME))
        for path, name in (
            (Path(settings.CARD_SIGNING_KEY_FILE), "card-signing-key.pem"),
            (secret_key_file(), "secret-key"),
        ):
            if path.is_file():
                members.append((path, name))
        manifest = {"created": now.isoformat(), "files": {name: _sha256(path) for path, name in members}}
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            for path, name in members:
                archive.add(path, arcname=name)
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("MANIFEST.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return output, [name for _path, name in members]
