"""The witness's own state: the latest checkpoint it cosigned per log, in a SQLite file.

Only the witness process writes this file. Check-and-update is one ``BEGIN IMMEDIATE``
transaction, so two concurrent submissions can never roll the stored size back (the race
tlog-witness warns about).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    note TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refusals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    at INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Witnessed:
    """The newest checkpoint cosigned for one log (note includes the cosignature)."""

    origin: str
    size: int
    root_hash: bytes
    note: str
    updated_at: int


class WitnessStore:
    """Synchronous SQLite access guarded by one lock (call it from a worker thread)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a cosigned size must survive a crash
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._conn.close()

    def get(self, origin: str) -> Witnessed | None:
        """The latest cosigned checkpoint of ``origin``."""
        with self._lock:
            return self._get(origin)

    def _get(self, origin: str) -> Witnessed | None:
        row = self._conn.execute(
            "SELECT origin, size, root_hash, note, updated_at FROM witnessed WHERE origin = ?",
            (origin,),
        ).fetchone()
        return Witnessed(*row) if row is not None else None

    def update(self, origin: str, decide: Callable[[Witnessed | None], Witnessed | None]) -> None:
        """Atomically read the state of ``origin``, let ``decide`` check it, store its result.

        ``decide`` raises to refuse (nothing is written) or returns the new state.
        """
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                new = decide(self._get(origin))
                if new is not None:
                    self._conn.execute(
                        "INSERT INTO witnessed (origin, size, root_hash, note, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(origin) DO UPDATE SET "
                        "size = excluded.size, root_hash = excluded.root_hash, "
                        "note = excluded.note, updated_at = excluded.updated_at",
                        (new.origin, new.size, new.root_hash, new.note, new.updated_at),
                    )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def record_refusal(self, origin: str, status: int, reason: str, note: str, at: int) -> None:
        """Keep a refused but validly signed checkpoint: possible evidence of misbehaviour."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO refusals (origin, status, reason, note, at) VALUES (?, ?, ?, ?, ?)",
                (origin, status, reason, note, at),
            )

    def refusals(self, origin: str) -> list[tuple[int, str, str]]:
        """Refused checkpoints of ``origin``: (status, reason, note), oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, reason, note FROM refusals WHERE origin = ? ORDER BY seq",
                (origin,),
            ).fetchall()
        return [(int(s), str(r), str(n)) for s, r, n in rows]
