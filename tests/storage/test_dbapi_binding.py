"""The driver binds None and bytes through adapters of the program's own (dbapi.py, issue 12:
the driver's search for ``__adapt__``/``__conform__`` raised two exceptions a value): still
NULL and a blob, in execute and executemany, named and positional."""

from __future__ import annotations

from desktop.storage import dbapi


def test_none_is_null_and_bytes_a_blob():
    conn = dbapi.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a, b, c)")
    conn.execute("INSERT INTO t VALUES (?, ?, ?)", (None, b"\x00\xff", "x"))
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(None, b"", 1), (b"ab", None, None)])
    conn.execute("INSERT INTO t VALUES (:a, :b, :c)", {"a": None, "b": b"z", "c": None})
    got = conn.execute("SELECT typeof(a), typeof(b), typeof(c), b FROM t ORDER BY rowid")
    assert [tuple(r) for r in got] == [
        ("null", "blob", "text", b"\x00\xff"), ("null", "blob", "integer", b""),
        ("blob", "null", "null", None), ("null", "blob", "null", b"z")]
    assert conn.execute("SELECT count(*) FROM t WHERE a IS NULL").fetchone()[0] == 3
