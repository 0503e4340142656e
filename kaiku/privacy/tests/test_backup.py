"""``manage.py backup``: a consistent copy of a live SQLite database, restored and checked."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from kaiku.cards.tests.factories import CardFactory
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseRequest, record_use


@pytest.mark.django_db(transaction=True)
def test_a_backup_under_writes_restores_every_committed_use(world, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL is backed up with pg_dump (docs/deploy.md)")
    key = tmp_path / "card-signing-key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\ntest\n-----END PRIVATE KEY-----\n")
    settings.CARD_SIGNING_KEY_FILE = str(key)
    cards = [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(40)]
    committed: list[int] = []
    stop = threading.Event()
    errors: list[Exception] = []

    def write_uses() -> None:
        try:
            i = 0
            while not stop.is_set() and i < 400:
                result = record_use(
                    UseRequest(
                        venue=world.venue_a,
                        number=cards[i % len(cards)].number,
                        channel=Channel.TYPED,
                        idempotency_key=f"backup-{i}",
                    )
                )
                committed.append(result.use.pk)  # record_use has committed when it returns
                i += 1
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=write_uses)
    writer.start()
    while len(committed) < 20 and writer.is_alive():
        stop.wait(0.01)
    before_backup = list(committed)
    out = io.StringIO()
    archive_path = tmp_path / "kaiku.tar.gz"
    call_command("backup", "--output", str(archive_path), stdout=out)
    stop.set()
    writer.join()
    assert not errors
    assert oct(archive_path.stat().st_mode & 0o777) == "0o600"

    # Restore as docs/deploy.md says: unpack, check the manifest, open the database.
    restored = tmp_path / "restored"
    with tarfile.open(archive_path) as archive:
        archive.extractall(restored, filter="data")
    manifest = json.loads((restored / "MANIFEST.json").read_text())
    assert set(manifest["files"]) >= {"kaiku.sqlite3", "card-signing-key.pem"}
    assert (restored / "card-signing-key.pem").read_text() == key.read_text()
    db = sqlite3.connect(restored / "kaiku.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ids = {row[0] for row in db.execute(f"SELECT id FROM {Use._meta.db_table}")}  # noqa: S608
    db.close()
    assert set(before_backup) <= ids  # every use committed before the backup is there
    assert ids <= set(committed)  # and nothing that was not committed
    assert len(committed) > len(before_backup) or len(committed) == 400  # writes went on meanwhile

    # Put it in place and start on it, as the restore steps in docs/deploy.md do: the file
    # with mode 600, `migrate`, then the application reads it.
    live = tmp_path / "srv" / "kaiku.sqlite3"
    live.parent.mkdir()
    shutil.copyfile(restored / "kaiku.sqlite3", live)
    live.chmod(0o600)
    env = {**os.environ, "SQLITE_PATH": str(live), "DJANGO_SETTINGS_MODULE": "kaiku.settings", "KAIKU_DEV": "1"}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    migrated = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [*manage, "migrate", "--no-input"], env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    counted = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [
            *manage,
            "shell",
            "-c",
            "from kaiku.visits.models import Use; print(sorted(Use.objects.values_list('pk', flat=True)))",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout.strip().splitlines()[-1]) == sorted(ids)
