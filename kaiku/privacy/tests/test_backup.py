"""``manage.py backup``: a consistent copy of a live SQLite database, restored and checked."""

from __future__ import annotations

import io
import json
import sqlite3
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
