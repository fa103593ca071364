"""The read-only connection a list's worker thread keeps from question to question (the
counts, counting.py; the page read ahead, read_ahead.py): opened with the key this process
unlocked the file with, and given up once the key is forgotten (the window's data closed,
another account) or the file at the path is another one (a restore, a rewrite), which the
file's device and inode tell."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from desktop.storage import db, dbapi, paging

Identity = tuple[int, int]  # the file's device and inode when it was opened


def identity(path: Path) -> Identity:
    st = os.stat(path)
    return st.st_dev, st.st_ino


def open_kept(path: Path, cache_kib: int | None = None, *,
              why: list[BaseException] | None = None
              ) -> tuple[dbapi.Connection | None, Identity | None]:
    """A reader of ``path`` and the file's identity; (None, None): locked, closed or gone
    (the error that stopped it added to ``why``; none when the key is not known)."""
    try:
        file = identity(path)
        conn = paging.reader(path) if cache_kib is None else paging.reader(path, cache_kib)
    except (OSError, dbapi.Error) as e:
        if why is not None:
            why.append(e)
        return None, None
    return (conn, file) if conn is not None else (None, None)


def still_good(path: Path | None, opened: Identity | None) -> bool:
    """The key is still known and the file at the path is the one opened."""
    if path is None or db.known_key(path) is None:
        return False
    try:
        return identity(path) == opened
    except OSError:
        return False


def close_quietly(conn: dbapi.Connection | None) -> None:
    if conn is not None:
        with contextlib.suppress(dbapi.Error):
            conn.close()
