"""The audit log is a hash chain: every write and event is an entry, an entry edited, deleted or
moved with raw SQL is named by ``verify``, sensitive values are keyed hashes, and an older
database's log becomes a chain when migrated (issue 11)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from desktop.storage import audit, db, dbapi, history, migrations
from desktop.storage.site import get_meta

CCCD = "011090001234"


def _text(conn: dbapi.Connection) -> str:
    """Everything the log holds, as text."""
    return "\n".join(str(tuple(r)) for r in conn.execute("SELECT * FROM audit_log"))


def _person(store, **values) -> str:
    return store.add("person", {"full_name": "Lò Văn Ấn", **values}).id


def _some_history(store) -> str:
    pid = _person(store, citizen_id=CCCD, phone="0912345678")
    store.edit("person", pid, {"full_name": "Lò Văn Ân", "ethnicity": "Thái"})
    store.delete("person", pid)
    store.restore("person", pid)
    return pid


def test_every_write_is_an_entry_chained_to_the_one_before(store, conn):
    pid = _some_history(store)
    rows = conn.execute("SELECT seq, action, field, prev, hash FROM audit_log WHERE pk = ? "
                        "ORDER BY seq", (pid,)).fetchall()
    assert [(r["action"], r["field"]) for r in rows] == [
        ("create", None), ("update", "full_name"), ("update", "ethnicity"),
        ("delete", "_deleted"), ("restore", "_deleted")]
    seqs = [r["seq"] for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["prev"] == before["hash"]
    first = conn.execute("SELECT prev FROM audit_log WHERE seq = 1").fetchone()[0]
    assert first == audit.GENESIS
    result = audit.verify(conn)
    assert result.intact and result.entries == audit.head(conn)[0] == seqs[-1]
    assert get_meta(conn, audit.HEAD_META) == f"{seqs[-1]} {rows[-1]['hash']}"


def test_the_hash_covers_every_field_and_the_values_through_their_digest(store, conn):
    _person(store)
    row = conn.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert row["digest"] == audit.digest_of(row["old"], row["new"])
    assert row["hash"] == audit.hash_of(row["seq"], row["prev"], row["id"], row["at"],
                                        row["hlc"], row["site"], row["actor"], row["action"],
                                        row["tbl"], row["pk"], row["field"], row["digest"])


@pytest.mark.parametrize("values", [
    (1, audit.GENESIS, "id", "2026-01-01T08:00:00", 5 << 16, "site", "Lò Văn Ấn", "update",
     "person", "p1", "full_name", "f" * 64),
    (2 ** 40, "a" * 64, 'quote " back \\ tab \t nl \n', "", 0, "", "", "print", None, None, None,
     "0" * 64),
])
def test_the_canonical_encoding_is_json_of_the_list(values):
    """Written field by field for speed, it must stay exactly the documented JSON."""
    canonical = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    assert audit.hash_of(*values) == hashlib.sha256(canonical.encode()).hexdigest()
    for old, new in (("Ấn", None), (None, None), ('{"a": 1}', "x\u0001y")):
        text = json.dumps([old, new], ensure_ascii=False, separators=(",", ":"))
        assert audit.digest_of(old, new) == hashlib.sha256(text.encode()).hexdigest()


def test_sensitive_values_are_kept_as_keyed_hashes(store, conn):
    pid = _some_history(store)
    text = _text(conn)
    assert CCCD not in text and "Thái" not in text
    assert "Lò Văn Ân" in text and "0912345678" in text  # not sensitive: readable
    key = bytes.fromhex(get_meta(conn, audit.KEY_META) or "")
    assert len(key) == 32
    expected = "hmac:" + hmac.new(key, CCCD.encode(), hashlib.sha256).hexdigest()
    created = conn.execute("SELECT new FROM audit_log WHERE pk = ? AND action = 'create'",
                           (pid,)).fetchone()[0]
    assert json.loads(created)["citizen_id"] == expected  # who holds the key can check a CCCD
    edited = conn.execute("SELECT old, new FROM audit_log WHERE pk = ? AND field = 'ethnicity'",
                          (pid,)).fetchone()
    assert edited["old"] is None and edited["new"].startswith("hmac:")
    # A plain SHA-256 of a 12-digit number is a dictionary lookup away: not that.
    assert hashlib.sha256(CCCD.encode()).hexdigest() not in text


def test_events_join_the_chain_inside_or_outside_a_transaction(store, conn):
    _person(store)
    seq = audit.record_event(conn, "cán bộ A", "export", {"format": "xlsx", "rows": 3})
    with store.transaction():
        _person(store, full_name="Giàng A Dơ")
        inner = audit.record_event(conn, "tester", "print", {"what": "Danh sách"})
        _person(store, full_name="Vàng Thị Mai")
    last = audit.entries(conn, limit=3)
    assert [e.action for e in last] == ["create", "print", "create"]
    assert last[1].seq == inner > seq
    event = audit.entries(conn, user="cán bộ A")[0]
    assert (event.tbl, event.field, event.detail) == (None, None, {"format": "xlsx", "rows": 3})
    assert audit.verify(conn).intact


def test_a_rolled_back_write_leaves_no_entry_and_the_chain_intact(store, conn):
    _person(store)
    before = audit.head(conn)
    with pytest.raises(RuntimeError), store.transaction():
        _person(store, full_name="Giàng A Dơ")
        audit.record_event(conn, None, "print", {"what": "x"})
        raise RuntimeError("power cut")
    assert audit.head(conn) == before
    _person(store, full_name="Vàng Thị Mai")
    assert audit.verify(conn).intact


def test_one_batch_reads_the_head_once_whatever_its_size(store, conn):
    """The write path does not look the previous entry up for each row it adds."""
    village = store.add("unit", {"name": "Bản Nà Pán", "level": "village",
                                 "parent_id": "03160"}).id
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        store.add_many("person", [{"full_name": f"Người {i}", "residence_unit_id": village}
                                  for i in range(40)])
    finally:
        conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and ("audit_log" in s or "audit_head" in s)]
    assert len(reads) == 1, reads
    assert audit.verify(conn).intact


def test_a_restore_is_the_next_entry_of_the_restored_log(store, conn, db_path):
    from desktop.storage import backup

    _person(store)
    made = backup.backup_now(conn, db_path, "manual")
    assert audit.entries(conn, limit=1)[0].action == "backup"
    _person(store, full_name="Giàng A Dơ")
    conn.close()
    backup.restore(made, db_path, actor="chỉ huy")
    restored = db.open_database(db_path)
    try:
        last = audit.entries(restored, limit=2)
        # The copy was made before its own "backup" entry: the restore follows the person.
        assert [(e.action, e.actor) for e in last] == [("db-restore", "chỉ huy"),
                                                         ("create", "tester")]
        assert last[0].detail["file"] == str(made)
        assert audit.verify(restored).intact
    finally:
        restored.close()


# -- tampering ------------------------------------------------------------------------------

@pytest.fixture
def logged(store, conn) -> dbapi.Connection:
    """A log of some twenty entries."""
    for i in range(4):
        _some_history(store)
        audit.record_event(conn, "tester", "print", {"n": i})
    assert audit.verify(conn).intact
    return conn


def _at(conn: dbapi.Connection, seq: int) -> str:
    return conn.execute("SELECT at FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0]


def test_an_entry_whose_text_was_edited_is_named(logged):
    seq = logged.execute("SELECT seq FROM audit_log WHERE field = 'full_name' "
                         "ORDER BY seq LIMIT 1 OFFSET 1").fetchone()[0]
    logged.execute("UPDATE audit_log SET new = 'Ai đó khác' WHERE seq = ?", (seq,))
    broken = audit.verify(logged).broken
    assert broken is not None and (broken.seq, broken.problem) == (seq, "edited")
    assert broken.at == _at(logged, seq)
    assert f"mục số {seq}" in broken.message() and "đã bị sửa" in broken.message()


def test_an_entry_whose_actor_or_time_was_edited_is_named(logged):
    logged.execute("UPDATE audit_log SET actor = 'người khác' WHERE seq = 7")
    assert (audit.verify(logged).broken.seq, audit.verify(logged).broken.problem) == (
        7, "edited")
    logged.execute("UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 6) "
                   "WHERE seq = 7")
    assert audit.verify(logged).intact
    logged.execute("UPDATE audit_log SET at = '2020-01-01T00:00:00' WHERE seq = 9")
    assert audit.verify(logged).broken.seq == 9


def test_an_edit_that_recomputes_the_entry_hash_is_still_caught(logged):
    row = logged.execute("SELECT * FROM audit_log WHERE seq = 5").fetchone()
    digest = audit.digest_of(row["old"], "forged")
    forged = audit.hash_of(5, row["prev"], row["id"], row["at"], row["hlc"], row["site"],
                           row["actor"], row["action"], row["tbl"], row["pk"], row["field"],
                           digest)
    logged.execute("UPDATE audit_log SET new = 'forged', digest = ?, hash = ? WHERE seq = 5",
                   (digest, forged))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (5, "edited")


def test_a_deleted_entry_is_named(logged):
    logged.execute("DELETE FROM audit_log WHERE seq = 6")
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (6, "missing")
    assert "bị mất" in broken.message()


def test_entries_cut_off_the_end_are_named(logged):
    last = audit.head(logged)[0]
    logged.execute("DELETE FROM audit_log WHERE seq >= ?", (last - 1,))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (last - 1, "missing")


def test_two_swapped_entries_are_named(logged):
    logged.execute("UPDATE audit_log SET seq = -1 WHERE seq = 8")
    logged.execute("UPDATE audit_log SET seq = 8 WHERE seq = 9")
    logged.execute("UPDATE audit_log SET seq = 9 WHERE seq = -1")
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (8, "reordered")
    assert "vốn là mục số 9" in broken.message()


def test_values_dropped_without_an_erasure_are_named(logged):
    last = audit.head(logged)[0]
    logged.execute("UPDATE audit_log SET old = NULL, new = NULL, redacted = ? WHERE seq = 4",
                   (last,))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (4, "redacted")


def test_verify_walks_a_large_log_without_holding_it(conn, commune_site):
    """A province's log runs to hundreds of thousands of entries: verify reads it as it goes."""
    import tracemalloc

    conn.execute("BEGIN")
    out = audit._Appender(conn)
    for i in range(20_000):
        out.add(f"id{i}", "2026-05-01T10:00:00", i, "site", "tester", "update", "person",
                f"p{i}", "notes", None, f"{i:06d}" + "x" * 400)
        if len(out.rows) == 5_000:
            out.flush()
    out.flush()
    conn.execute("COMMIT")
    tracemalloc.start()
    try:
        result = audit.verify(conn)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.intact and result.entries == 20_000
    assert peak < 1_000_000  # the log itself is over 8 MB of text


# -- the heads other sites showed -----------------------------------------------------------

def test_a_sender_whose_history_shrank_or_changed_is_warned_about(conn):
    h1, h2 = "a" * 64, "b" * 64
    assert audit.observe_peer_head(conn, "s1", "Xã A", (10, h1)) is None
    assert audit.observe_peer_head(conn, "s1", "Xã A", (12, h2)) is None
    warning = audit.observe_peer_head(conn, "s1", "Xã A", (11, h1))
    assert warning is not None and "Nhật ký của Xã A đã bị viết lại?" in warning
    assert audit.observe_peer_head(conn, "s1", "Xã A", (12, h1)) is not None
    assert audit.observe_peer_head(conn, "s1", "Xã A", (12, h2)) is None  # as seen
    assert audit.peer_warnings(conn) == {"s1": audit.peer_warnings(conn)["s1"]}
    assert audit.observe_peer_head(conn, "s2", "Xã B", (3, h1)) is None
    assert "s2" not in audit.peer_warnings(conn)


@pytest.mark.parametrize("value", [
    [1, "a" * 64], {"seq": 1}, {"seq": 1, "hash": "a" * 64, "x": 1},
    {"seq": "1", "hash": "a" * 64}, {"seq": True, "hash": "a" * 64},
    {"seq": -1, "hash": "a" * 64}, {"seq": 2 ** 60, "hash": "a" * 64},
    {"seq": 1, "hash": "A" * 64}, {"seq": 1, "hash": "a" * 63}, {"seq": 1, "hash": "a" * 65},
    {"seq": 1, "hash": "g" * 64}, {"seq": 1.0, "hash": "a" * 64}, {"seq": 1, "hash": None},
])
def test_a_malformed_head_from_outside_is_refused(value):
    with pytest.raises(ValueError):
        audit.parse_head(value)


def test_a_wellformed_head_is_read():
    assert audit.parse_head(None) is None
    assert audit.parse_head({"seq": 0, "hash": "0" * 64}) == (0, "0" * 64)


# -- upgrading an older database ------------------------------------------------------------

def _old_log(path: Path) -> dbapi.Connection:
    """A database of version 8 whose plain log holds a CCCD and an ethnicity."""
    conn = db.open_database(path, migrate=False)
    migrations.apply(conn, stop_before=audit.CHAIN_VERSION)
    create = json.dumps({"full_name": "Lò Văn Ấn", "citizen_id": CCCD, "ethnicity": "Thái",
                         "birth_date": "1985-03-05"}, ensure_ascii=False)
    rows = [
        ("e1", "2026-01-02T08:00:00", 1 << 16, "site", "root", "create", "person", "p1", None,
         None, create),
        ("e2", "2026-01-02T08:05:00", 2 << 16, "site", "root", "update", "person", "p1",
         "citizen_id", CCCD, "011090009999"),
        ("e3", "2026-01-02T08:06:00", 3 << 16, "site", "root", "update", "person", "p1",
         "full_name", "Lò Văn Ấn", "Lò Văn Ân"),
        ("e4", "2026-01-03T09:00:00", 4 << 16, "site", "root", "delete", "person", "p1",
         "_deleted", "0", "1"),
    ]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO person (id, _part, _deleted, full_name) VALUES "
                 "('p1', '03160', 1, 'Lò Văn Ân')")
    conn.execute("COMMIT")
    return conn


def test_an_older_log_is_chained_in_its_order_and_its_sensitive_values_hashed(tmp_path):
    conn = _old_log(tmp_path / "v8.db")
    assert migrations.apply(conn) == [m.version for m in migrations.MIGRATIONS
                                      if m.version >= audit.CHAIN_VERSION]
    rows = conn.execute("SELECT seq, id, field, old, new FROM audit_log ORDER BY seq").fetchall()
    assert [(r["seq"], r["id"]) for r in rows] == [(1, "e1"), (2, "e2"), (3, "e3"), (4, "e4")]
    text = _text(conn)
    assert CCCD not in text and "011090009999" not in text and "Thái" not in text
    assert json.loads(rows[0]["new"])["birth_date"] == "1985-03-05"
    assert rows[1]["old"].startswith("hmac:") and rows[2]["new"] == "Lò Văn Ân"
    assert audit.verify(conn).intact
    # The recently deleted list still reads the log.
    assert [d.id for d in history.recently_deleted(conn)] == ["p1"]
    conn.close()


def _plain_database(path: Path) -> dbapi.Connection:
    """A database file without encryption, so a test can read what its pages hold."""
    conn = dbapi.connect(str(path), isolation_level=None, factory=dbapi.Connection)
    conn.row_factory = dbapi.Row
    return conn


def test_the_plain_values_do_not_linger_in_the_file_after_the_upgrade(tmp_path):
    path = tmp_path / "plain.db"
    conn = _plain_database(path)
    migrations.apply(conn, stop_before=audit.CHAIN_VERSION)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (f"e{i}", "2026-01-01T00:00:00", i, "s", "root", "create", "person", f"p{i}", None,
         None, json.dumps({"full_name": "A", "citizen_id": CCCD})) for i in range(500)])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert CCCD.encode() in path.read_bytes()
    migrations.apply(conn)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert CCCD.encode() not in path.read_bytes()  # not even in the pages freed


def test_audit_log_is_written_only_by_the_audit_module():
    root = Path(__file__).resolve().parents[2] / "desktop"
    writers = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
               if any(w in p.read_text("utf-8") for w in (
                   "INSERT INTO audit_log", "UPDATE audit_log", "DELETE FROM audit_log"))]
    assert writers == ["storage/audit.py"]
