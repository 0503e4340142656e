"""SQLite with a fair queue for writers.

Kaiku runs every SQLite transaction as ``BEGIN IMMEDIATE`` (settings), so writers
never interleave a quota count with an insert. When the write lock is taken,
SQLite's busy handler makes the others *sleep and retry* with growing pauses
(up to 100 ms), so under load a use that could be recorded in 5 ms waits 50-250 ms.
Here each connection first takes an exclusive ``flock`` on a lock file beside the
database: the kernel wakes the next waiter the moment the holder commits, across
threads and gunicorn worker processes alike. SQLite's own locking stays in force
underneath; the flock only orders who asks for it.

Threads of one process first queue on a lock of their own (woken at once when it
is released), so only one thread per process waits for the file lock. That wait
polls every ``POLL_SECONDS`` rather than blocking in the kernel. Both waits give up
queueing after ``QUEUE_TIMEOUT`` seconds (falling back to SQLite's busy handler),
so a connection that keeps a transaction open — a test holding one while another
thread writes, say — can never deadlock the process.

Checkpoints run in the background. By default the connection whose commit pushes the
write-ahead log past 1,000 pages copies the log into the database file and syncs it
to disk, inside its transaction and so while every other writer waits (about one
commit in forty when recording uses, each then taking tens of milliseconds).
Here each process that opens the database starts one thread that checkpoints
(``PASSIVE``: never blocking a writer or a reader) every ``CHECKPOINT_SECONDS``, and
the connections checkpoint by themselves only past ``AUTOCHECKPOINT_PAGES``, a safety
net should the thread fall behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sqlite3
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base

QUEUE_TIMEOUT = 20.0
POLL_SECONDS = 0.0002
CHECKPOINT_SECONDS = 0.5
AUTOCHECKPOINT_PAGES = 20000
# The log file is cut back to this size when a checkpoint lets it start over.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024

# One lock per database file for the threads of this process.
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(name: str) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(name, threading.Lock())


# The database files this process checkpoints, with the process id that started the thread.
_CHECKPOINTERS: dict[str, int] = {}


def _start_checkpointer(path: str) -> None:
    """One background checkpointing thread per database file and process (fork-safe)."""
    with _THREAD_LOCKS_GUARD:
        if _CHECKPOINTERS.get(path) == os.getpid():
            return
        _CHECKPOINTERS[path] = os.getpid()
    threading.Thread(target=_checkpoint_loop, args=(path,), name="sqlite-checkpoint", daemon=True).start()


def checkpoint(path: str) -> tuple[int, int, int] | None:
    """One passive checkpoint: (busy, frames in the log, frames copied), None if there is no database."""
    if not os.path.exists(path):
        return None
    # A connection of its own, opened each time: the file may have been replaced
    # (a test database is recreated), and a stale handle would checkpoint nothing.
    db = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        row = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        db.close()
    return (int(row[0]), int(row[1]), int(row[2])) if row else None


def _checkpoint_loop(path: str) -> None:
    while True:
        time.sleep(CHECKPOINT_SECONDS)
        # A checkpoint another process is running, or a database being replaced, is
        # simply tried again next time.
        with contextlib.suppress(sqlite3.Error):
            checkpoint(path)


@functools.lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, remembering each statement's "%s" to "?" conversion.

    Hot paths run the same few statements over and over; the regular expression
    that rewrites them cost more than some of the statements themselves.
    """

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)  # type: ignore[misc,no-any-return]


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_fd: int | None = None
    _write_locked: bool = False
    _thread_lock: threading.Lock | None = None
    _thread_locked: bool = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        name = str(self.settings_dict["NAME"])
        if not self.is_in_memory_db() and not name.startswith("file:"):
            self._write_lock_fd = os.open(f"{name}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._thread_lock = _thread_lock(os.path.abspath(name))
            connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            connection.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
            _start_checkpointer(os.path.abspath(name))
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _acquire(self) -> None:
        if self._write_lock_fd is None or self._write_locked:
            return
        deadline = time.monotonic() + QUEUE_TIMEOUT
        if self._thread_lock is not None and not self._thread_locked:
            self._thread_locked = self._thread_lock.acquire(timeout=QUEUE_TIMEOUT)
        while True:
            try:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(POLL_SECONDS)
            else:
                self._write_locked = True
                return

    def _release(self) -> None:
        if self._write_lock_fd is not None and self._write_locked:
            self._write_locked = False
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
        if self._thread_lock is not None and self._thread_locked:
            self._thread_locked = False
            self._thread_lock.release()

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
