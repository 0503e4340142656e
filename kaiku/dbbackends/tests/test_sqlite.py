"""The SQLite backend's background checkpoints."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest
from django.db import connection

from kaiku.dbbackends.sqlite import base

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")


def _wal_database(path: str, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (x TEXT)")
    for _ in range(rows):
        db.execute("INSERT INTO t VALUES (?)", ("x" * 2000,))
    return db


def test_a_checkpoint_copies_the_whole_log_into_the_database(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    writer = _wal_database(path, 200)
    busy, frames, copied = base.checkpoint(path)
    assert (busy, copied) == (0, frames) and frames >= 100
    # Nothing written since: nothing left to copy.
    assert base.checkpoint(path)[1:] == (frames, frames)
    writer.close()


def test_no_database_no_checkpoint(tmp_path):
    assert base.checkpoint(str(tmp_path / "missing.sqlite3")) is None
    assert not (tmp_path / "missing.sqlite3").exists()


@sqlite_only
@pytest.mark.django_db
def test_connections_leave_checkpoints_to_one_thread_per_process():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == base.AUTOCHECKPOINT_PAGES
    path = connection.settings_dict["NAME"]
    assert base._CHECKPOINTERS.get(os.path.abspath(path)) == os.getpid()
    assert sum(t.name == "sqlite-checkpoint" and t.is_alive() for t in threading.enumerate()) >= 1
    # Opening another connection to the same database starts no second thread.
    before = sum(t.name == "sqlite-checkpoint" for t in threading.enumerate())
    base._start_checkpointer(os.path.abspath(path))
    assert sum(t.name == "sqlite-checkpoint" for t in threading.enumerate()) == before
