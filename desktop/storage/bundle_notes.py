"""What this site remembers of each bundle it sent or received, for the province's overview of
its communes (issue 15, *Các xã*): when the bundle was made (the sender's own clock, as it
signed it), when it came or went here, and the clock warnings it raised.

Local only (never synced). Written in the same transaction as the import it describes, so a
rolled-back import leaves no note; an export's note is written once the bundle is on the stick.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from desktop.storage import dbapi

SCHEMA = """
CREATE TABLE sync_bundle_note (bundle_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')), peer TEXT NOT NULL,
    created_local TEXT, local_time TEXT NOT NULL, clock_warnings TEXT NOT NULL DEFAULT '[]',
    file TEXT, PRIMARY KEY (bundle_id, direction)) WITHOUT ROWID;
CREATE INDEX sync_bundle_note_peer ON sync_bundle_note(peer, direction, local_time)
"""

# A time the sender wrote is hostile: only an ISO date-time of a sane length is kept.
_MAX_TIME_TEXT = 40


def create_schema(conn: dbapi.Connection) -> None:
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def sender_time(value: object) -> str | None:
    """The manifest's ``created_local`` if it reads as a date-time, else nothing."""
    if not isinstance(value, str) or len(value) > _MAX_TIME_TEXT:
        return None
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return value


def record_received(conn: dbapi.Connection, bundle_id: str, peer: str, created: object,
                    clock_warnings: Sequence[str], file: str) -> None:
    """Inside the import's transaction."""
    conn.execute("INSERT OR REPLACE INTO sync_bundle_note VALUES (?, 'in', ?, ?, ?, ?, ?)",
                 (bundle_id, peer, sender_time(created), _now(),
                  json.dumps(list(clock_warnings), ensure_ascii=False), file))


def record_sent(conn: dbapi.Connection, bundle_id: str, peer: str, created: str,
                file: str) -> None:
    """After the bundle is written (its own transaction when none is open)."""
    conn.execute("INSERT OR REPLACE INTO sync_bundle_note VALUES (?, 'out', ?, ?, ?, '[]', ?)",
                 (bundle_id, peer, created, _now(), file))
