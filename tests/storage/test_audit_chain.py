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
    """Everything the log holds, as text (its readable view) and as stored."""
    return "\n".join([str(tuple(r)) for r in conn.execute("SELECT * FROM audit_log")]
                     + [str(tuple(r)) for r in conn.execute("SELECT * FROM audit_entry")])


def _person(store, **values) -> str:
    return store.add("person", {"full_name": "Lò Văn Ấn", **values}).id


def _some_history(store, cccd: str = CCCD) -> str:
    pid = _person(store, citizen_id=cccd, phone="0912345678")
    store.edit("person", pid, {"full_name": "Lò Văn Ân", "ethnicity": "Thái"})
    store.delete("person", pid)
    store.restore("person", pid)
    return pid


def _chain(conn: dbapi.Connection, upto: int) -> bytes:
    """The chain hash of entry ``upto``, recomputed from the readable view as documented."""
    key = audit.audit_key(conn)
    chain = bytes(32)
    for r in conn.execute("SELECT * FROM audit_log WHERE seq <= ? ORDER BY seq", (upto,)):
        digest = audit.digest_of(key, r["old"], r["new"])
        content = audit.content_of(digest, r["seq"], audit.seconds_of(r["at"]), r["hlc"],
                                   r["site"], r["actor"], r["action"], r["tbl"], r["pk"],
                                   r["field"])
        chain = audit.chain_of(chain, content)
    return chain


def test_every_write_is_an_entry_chained_to_the_one_before(store, conn):
    pid = _some_history(store)
    rows = conn.execute("SELECT seq, action, field FROM audit_log WHERE pk = ? ORDER BY seq",
                        (pid,)).fetchall()
    assert [(r["action"], r["field"]) for r in rows] == [
        ("create", None), ("update", "full_name"), ("update", "ethnicity"),
        ("delete", "_deleted"), ("restore", "_deleted")]
    seqs = [r["seq"] for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    # Each stored hash: 8 bytes of the entry's content hash, 8 of the chain through it.
    for seq in seqs:
        stored = conn.execute("SELECT hash FROM audit_entry WHERE seq = ?", (seq,)).fetchone()[0]
        assert stored[8:] == _chain(conn, seq)[:8]
    result = audit.verify(conn)
    assert result.intact and result.entries == audit.head(conn)[0] == seqs[-1]
    assert get_meta(conn, audit.HEAD_META) == f"{seqs[-1]} {_chain(conn, seqs[-1]).hex()}"
    assert result.head_hash == _chain(conn, seqs[-1]).hex()


def test_the_hash_covers_every_field_and_the_values_through_their_digest(store, conn):
    pid = _person(store)
    store.edit("person", pid, {"phone": "0912345678"})
    row = conn.execute("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    stored = conn.execute("SELECT hash FROM audit_entry WHERE seq = ?",
                          (row["seq"],)).fetchone()[0]
    digest = audit.digest_of(audit.audit_key(conn), row["old"], row["new"])
    assert (row["old"], row["new"]) == (None, "0912345678")
    assert stored[:8] == audit.content_of(
        digest, row["seq"], audit.seconds_of(row["at"]), row["hlc"], row["site"], row["actor"],
        row["action"], row["tbl"], row["pk"], row["field"])[:8]


def test_an_entry_is_stored_in_a_few_dozen_bytes(store, conn):
    """Names, the record and the time as integers, 16 bytes of hash, no copy of a create's
    values (the record holds them): the row of a create is small whatever the record."""
    pid = _person(store, citizen_id=CCCD, phone="0912345678", notes="x" * 500)
    row = conn.execute("SELECT e.*, typeof(e.rec) AS rec_type FROM audit_entry e "
                       "ORDER BY seq DESC LIMIT 1").fetchone()
    assert (row["old"], row["new"], row["field"], row["rec_type"]) == (None, None, None,
                                                                        "integer")
    assert row["rec"] == conn.execute("SELECT _rowid FROM person WHERE id = ?",
                                      (pid,)).fetchone()[0]
    assert all(isinstance(row[c], int) for c in ("at", "site", "actor", "action", "tbl"))
    assert len(row["hash"]) == 16
    size = conn.execute("SELECT length(hash) + 8 * 7 FROM audit_entry ORDER BY seq DESC "
                        "LIMIT 1").fetchone()[0]
    assert size < 80


@pytest.mark.parametrize("values", [
    (1, 1_767_254_400, 5 << 16, "site", "Lò Văn Ấn", "update", "person", "p1", "full_name"),
    (2 ** 40, 0, 0, 'quote " back \\ tab \t nl \n', "", "print", None, None, None),
])
def test_the_canonical_encoding_is_json_of_the_list(values):
    """Written field by field for speed, it must stay exactly the documented JSON."""
    canonical = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))
    digest = bytes(range(32))
    assert audit.content_of(digest, *values) == hashlib.sha256(
        digest + canonical.encode()).digest()
    key = b"k" * 32
    for old, new in (("Ấn", None), (None, None), ('{"a": 1}', "x\u0001y"),
                     (b"\x01" * 16, "0")):
        shown = [audit.shown(old), audit.shown(new)]
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
        assert audit.digest_of(key, old, new) == hmac.digest(key, text.encode(), "sha256")


def test_times_are_kept_as_integers_and_shown_as_written():
    for text in ("2026-01-01T08:00:00", "1999-12-31T23:59:59", "2038-01-19T03:14:08"):
        assert audit.text_of(audit.seconds_of(text)) == text
    assert audit.seconds_of("not a time") == 0


def test_sensitive_values_are_kept_as_keyed_hashes(store, conn):
    pid = _some_history(store)
    text = _text(conn)
    assert CCCD not in text and "Thái" not in text
    assert "Lò Văn Ân" in text  # not sensitive: readable
    key = bytes.fromhex(get_meta(conn, audit.KEY_META) or "")
    assert len(key) == 32
    expected = "hmac:" + hmac.new(key, CCCD.encode(), hashlib.sha256).hexdigest()[:32]
    assert audit.keyed_hash(key, CCCD) == expected
    # The create keeps no values; its listing reads them from the record, hashed as well.
    created = [e for e in audit.entries(conn) if e.pk == pid and e.action == "create"][0]
    assert created.detail is not None and created.detail["citizen_id"] == expected
    assert created.detail["phone"] == "0912345678"
    edited = conn.execute("SELECT old, new FROM audit_log WHERE pk = ? AND field = 'ethnicity'",
                          (pid,)).fetchone()
    assert edited["old"] is None and edited["new"].startswith("hmac:")
    stored = conn.execute("SELECT typeof(new), length(new) FROM audit_entry e WHERE seq = "
                          "(SELECT seq FROM audit_log WHERE pk = ? AND field = 'ethnicity')",
                          (pid,)).fetchone()
    assert tuple(stored) == ("blob", 16)
    # A plain SHA-256 of a 12-digit number is a dictionary lookup away: not that.
    assert hashlib.sha256(CCCD.encode()).hexdigest()[:32] not in text


def test_a_create_lists_the_values_it_was_made_with(store, conn):
    """Walked back from the record through the later entries; a field last changed at
    another site (no entry here says what it replaced) is left out."""
    from desktop.storage import versions

    pid = _person(store, phone="0912345678", notes="ghi chú")
    store.edit("person", pid, {"full_name": "Lò Văn Ân"})
    store.edit("person", pid, {"full_name": "Lò Văn Ấn Hai", "phone": None})

    def made() -> dict[str, object] | None:
        return [e for e in audit.entries(conn) if e.pk == pid and e.action == "create"][0].detail

    assert made() == {"full_name": "Lò Văn Ấn", "phone": "0912345678", "notes": "ghi chú"}
    # The notes changed at another site (as an import writes them: value and version).
    rowid = conn.execute("SELECT _rowid FROM person WHERE id = ?", (pid,)).fetchone()[0]
    cells = versions.read_rowids(conn, "person", [rowid])[rowid]
    cells["notes"] = [cells["notes"][0] + 1, "other-site", cells["notes"][2], 1, []]
    conn.execute("UPDATE person SET notes = 'sửa ở nơi khác' WHERE _rowid = ?", (rowid,))
    versions.write(conn, "person", {rowid: cells})
    assert made() == {"full_name": "Lò Văn Ấn", "phone": "0912345678"}


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
    assert "cán bộ A" in audit.actors(conn)
    assert audit.verify(conn).intact


def test_an_event_about_something_else_than_a_record_keeps_its_key(store, conn):
    audit.record_event(conn, "tester", "vault-open", None, tbl="informant", pk="NT-03160-7")
    pid = _person(store)
    audit.record_event(conn, "tester", "print", None, tbl="person", pk=pid)
    stored = conn.execute("SELECT typeof(rec) FROM audit_entry ORDER BY seq DESC LIMIT 3"
                          ).fetchall()
    assert [r[0] for r in stored] == ["integer", "integer", "text"]
    assert [(e.tbl, e.pk) for e in audit.entries(conn, limit=3)] == [
        ("person", pid), ("person", pid), ("informant", "NT-03160-7")]
    assert audit.verify(conn).intact


def test_a_rolled_back_write_leaves_no_entry_and_the_chain_intact(store, conn):
    _person(store)
    before = audit.head(conn)
    with pytest.raises(RuntimeError), store.transaction():
        _person(store, full_name="Giàng A Dơ")
        audit.record_event(conn, "người mới", "print", {"what": "x"})
        raise RuntimeError("power cut")
    assert audit.head(conn) == before
    assert "người mới" not in audit.actors(conn)  # its name went with it
    _person(store, full_name="Vàng Thị Mai")
    assert audit.verify(conn).intact


def test_names_a_connection_keeps_survive_rollbacks_and_other_writers(store, conn, db_path):
    """An ordinal this connection added in a transaction that rolled back, then taken by
    another connection for another name, is not used again for the first name."""
    _person(store)
    other = db.open_database(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        audit.record_event(conn, "người A", "print")
        conn.execute("ROLLBACK")
        audit.record_event(other, "người B", "print")  # takes the ordinal A had
        audit.record_event(conn, "người A", "print")
        audit.record_event(conn, "người B", "export")
        assert [(e.actor, e.action) for e in audit.entries(conn, limit=3)] == [
            ("người B", "export"), ("người A", "print"), ("người B", "print")]
        # And one added here and committed stays good after the other connection wrote.
        audit.record_event(other, "người C", "print")
        audit.record_event(conn, "người A", "backup")
        assert audit.entries(other, limit=1)[0].actor == "người A"
        assert audit.verify(conn).intact
    finally:
        other.close()


def test_one_batch_reads_the_head_once_whatever_its_size(store, conn):
    """The write path does not look the previous entry (or a name, or a record) up for each
    row it adds: one read of the head for 40 people as for 400 (names this connection has
    used are kept with it; the records' rowids are looked up by the INSERT)."""
    village = store.add("unit", {"name": "Bản Nà Pán", "level": "village",
                                 "parent_id": "03160"}).id

    def audit_statements(n: int) -> list[str]:
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        try:
            store.add_many("person", [{"full_name": f"Người {i}", "residence_unit_id": village}
                                      for i in range(n)])
        finally:
            conn.set_trace_callback(None)
        return [s.split(" WHERE")[0] for s in statements
                if s.lstrip().upper().startswith("SELECT")
                and ("audit" in s or "SELECT id, _rowid FROM person WHERE id IN" in s)]

    audit_statements(1)  # the names this connection has not used yet are read once
    few, many = audit_statements(40), audit_statements(400)
    assert few == many == ["SELECT key, value FROM site_meta"], (few, many)
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
        _some_history(store, cccd=f"01109000123{i}")
        audit.record_event(conn, "tester", "print", {"n": i})
    assert audit.verify(conn).intact
    return conn


def _at(conn: dbapi.Connection, seq: int) -> str:
    return conn.execute("SELECT at FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0]


def test_an_entry_whose_text_was_edited_is_named(logged):
    seq = logged.execute("SELECT seq FROM audit_log WHERE field = 'full_name' "
                         "ORDER BY seq LIMIT 1 OFFSET 1").fetchone()[0]
    logged.execute("UPDATE audit_entry SET new = 'Ai đó khác' WHERE seq = ?", (seq,))
    broken = audit.verify(logged).broken
    assert broken is not None and (broken.seq, broken.problem) == (seq, "edited")
    assert broken.at == _at(logged, seq)
    assert f"mục số {seq}" in broken.message() and "đã bị sửa" in broken.message()


def test_an_entry_whose_actor_or_time_was_edited_is_named(logged):
    logged.execute("INSERT INTO audit_name (kind, name) VALUES ('actor', 'người khác')")
    logged.execute("UPDATE audit_entry SET actor = (SELECT n FROM audit_name WHERE name = "
                   "'người khác') WHERE seq = 7")
    assert (audit.verify(logged).broken.seq, audit.verify(logged).broken.problem) == (
        7, "edited")
    logged.execute("UPDATE audit_entry SET actor = (SELECT actor FROM audit_entry WHERE "
                   "seq = 6) WHERE seq = 7")
    assert audit.verify(logged).intact
    logged.execute("UPDATE audit_entry SET at = at - 86400 WHERE seq = 9")
    assert audit.verify(logged).broken.seq == 9
    logged.execute("UPDATE audit_entry SET at = at + 86400 WHERE seq = 9")
    # A name changed in the names table changes every entry that uses it: the first shows.
    first = logged.execute("SELECT min(seq) FROM audit_log WHERE actor = 'tester'").fetchone()[0]
    logged.execute("UPDATE audit_name SET name = 'ai đó' WHERE kind = 'actor' AND "
                   "name = 'tester'")
    assert audit.verify(logged).broken.seq == first


def test_an_edit_that_recomputes_the_entry_hash_is_still_caught(logged):
    row = logged.execute("SELECT * FROM audit_log WHERE seq = 5").fetchone()
    key = audit.audit_key(logged)
    content = audit.content_of(
        audit.digest_of(key, row["old"], "forged"), 5, audit.seconds_of(row["at"]),
        row["hlc"], row["site"], row["actor"], row["action"], row["tbl"], row["pk"],
        row["field"])
    forged = content[:8] + audit.chain_of(_chain(logged, 4), content)[:8]
    logged.execute("UPDATE audit_entry SET new = 'forged', hash = ? WHERE seq = 5", (forged,))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (5, "edited")
    assert "mục sau không còn nối với nó" in broken.message()


def test_a_deleted_entry_is_named(logged):
    logged.execute("DELETE FROM audit_entry WHERE seq = 6")
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (6, "missing")
    assert "bị mất" in broken.message()


def test_entries_cut_off_the_end_are_named(logged):
    last = audit.head(logged)[0]
    logged.execute("DELETE FROM audit_entry WHERE seq >= ?", (last - 1,))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (last - 1, "missing")


def test_two_swapped_entries_are_named(logged):
    logged.execute("UPDATE audit_entry SET seq = -1 WHERE seq = 8")
    logged.execute("UPDATE audit_entry SET seq = 8 WHERE seq = 9")
    logged.execute("UPDATE audit_entry SET seq = 9 WHERE seq = -1")
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (8, "reordered")
    assert "vốn là mục số 9" in broken.message()


@pytest.mark.parametrize("with_digest", [False, True])
def test_values_dropped_without_an_erasure_are_named(logged, with_digest):
    last = audit.head(logged)[0]
    row = logged.execute("SELECT old, new FROM audit_log WHERE seq = 4").fetchone()
    digest = audit.digest_of(audit.audit_key(logged), row["old"], row["new"])
    logged.execute("UPDATE audit_entry SET old = NULL, new = NULL, redacted = ?, digest = ? "
                   "WHERE seq = 4", (last, digest if with_digest else None))
    broken = audit.verify(logged).broken
    assert (broken.seq, broken.problem) == (4, "redacted")


def test_verify_walks_a_large_log_without_holding_it(conn, commune_site):
    """A province's log runs to hundreds of thousands of entries: verify reads it as it goes."""
    import tracemalloc

    conn.execute("BEGIN")
    out = audit.Appender(conn)
    for i in range(20_000):
        out.add(1_780_000_000, i, "site", "tester", "update", "person", f"p{i}", f"p{i}",
                "notes", None, f"{i:06d}" + "x" * 400)
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


def test_a_sender_that_upgraded_its_log_sets_a_new_baseline_not_an_alarm(conn):
    """Converting to format 2 re-chains every entry, so the same seq has another hash: the
    first head in the newer format replaces the one remembered; from then on a rewrite in the
    new format is caught as before, and a bundle written before the upgrade is not compared."""
    h1, h2, h3 = "a" * 64, "b" * 64, "c" * 64
    assert audit.observe_peer_head(conn, "s1", "Xã A", (10, h1)) is None  # format 1
    assert audit.observe_peer_head(conn, "s1", "Xã A", (10, h2, 2)) is None  # upgraded
    assert audit.observe_peer_head(conn, "s1", "Xã A", (8, h1, 1)) is None  # an older bundle
    assert audit.peer_warnings(conn) == {}
    assert audit.observe_peer_head(conn, "s1", "Xã A", (12, h2, 2)) is None
    warning = audit.observe_peer_head(conn, "s1", "Xã A", (12, h3, 2))
    assert warning is not None and "Mục 12 khác" in warning
    assert audit.observe_peer_head(conn, "s1", "Xã A", (11, h2, 2)) is not None  # shorter


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


@pytest.mark.parametrize("audit_format", ["2", 0, -1, 2.0, True, [2]])
def test_a_malformed_head_format_is_refused(audit_format):
    with pytest.raises(ValueError):
        audit.parse_head({"seq": 1, "hash": "a" * 64}, audit_format)


def test_a_wellformed_head_is_read():
    assert audit.parse_head(None) is None
    assert audit.parse_head({"seq": 0, "hash": "0" * 64}) == (0, "0" * 64, 1)
    assert audit.parse_head({"seq": 3, "hash": "a" * 64}, 2) == (3, "a" * 64, 2)
    # A format this program does not know yet cannot be judged: as if no head came.
    assert audit.parse_head({"seq": 3, "hash": "a" * 64}, audit.FORMAT + 1) is None


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


def _upgrade(conn: dbapi.Connection) -> dict[str, object]:
    """The entry the conversion to format 2 added: its detail."""
    [entry] = [e for e in audit.entries(conn) if e.action == "audit-upgrade"]
    assert entry.detail is not None
    return entry.detail


def test_an_older_log_is_chained_in_its_order_and_its_sensitive_values_hashed(tmp_path):
    conn = _old_log(tmp_path / "v8.db")
    assert migrations.apply(conn) == [m.version for m in migrations.MIGRATIONS
                                      if m.version >= audit.CHAIN_VERSION]
    rows = conn.execute("SELECT seq, at, actor, pk, field, old, new FROM audit_log "
                        "ORDER BY seq").fetchall()
    assert [(r["seq"], r["at"], r["pk"]) for r in rows[:4]] == [
        (1, "2026-01-02T08:00:00", "p1"), (2, "2026-01-02T08:05:00", "p1"),
        (3, "2026-01-02T08:06:00", "p1"), (4, "2026-01-03T09:00:00", "p1")]
    text = _text(conn)
    assert CCCD not in text and "011090009999" not in text and "Thái" not in text
    # A create converted keeps the values it had (nothing is lost in a conversion).
    created = json.loads(rows[0]["new"])
    assert created["birth_date"] == "1985-03-05"
    assert created["citizen_id"] == rows[1]["old"] == audit.keyed_hash(audit.audit_key(conn),
                                                                      CCCD)
    assert rows[2]["new"] == "Lò Văn Ân"
    assert audit.verify(conn).intact
    assert _upgrade(conn)["old_chain"] == "intact" and _upgrade(conn)["entries"] == 4
    # The recently deleted list still reads the log.
    assert [d.id for d in history.recently_deleted(conn)] == ["p1"]
    conn.close()


def _format_1_log(path: Path, store_path: Path) -> dbapi.Connection:
    """A database of schema 12 (format 1 log) with some history, written by that schema's
    code (audit_v9), and the person it is about."""
    from desktop.storage import audit_v9

    conn = db.open_database(path, migrate=False)
    migrations.apply(conn, stop_before=audit.FORMAT_VERSION)
    out = audit_v9.Appender(conn)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO person (id, _part, _deleted, full_name, citizen_id) VALUES "
                 "('p1', '03160', 0, 'Lò Văn Ân', ?)", (CCCD,))
    key = audit.audit_key(conn)
    values = {"full_name": "Lò Văn Ấn", "citizen_id": audit_v9._keyed_hash(key, CCCD)}
    out.add("e1", "2026-01-02T08:00:00", 1 << 16, "site", "admin", "create", "person", "p1",
            None, None, json.dumps(values, ensure_ascii=False))
    out.add("e2", "2026-01-02T08:06:00", 3 << 16, "site", "admin", "update", "person", "p1",
            "full_name", "Lò Văn Ấn", "Lò Văn Ân")
    out.add("e3", "2026-01-02T08:07:00", 4 << 16, "site", "admin", "update", "person", "p1",
            "ethnicity", None, audit_v9._keyed_hash(key, "Thái"))
    for i in range(3):
        out.add(f"v{i}", "2026-01-03T09:00:00", (5 + i) << 16, "site", "admin", "print", None,
                None, None, None, json.dumps({"n": i}))
    out.flush()
    from desktop.storage.site import set_meta

    set_meta(conn, audit_v9.HEAD_META, f"{out.seq} {out.hash}")
    conn.execute("COMMIT")
    return conn


def test_a_format_1_log_converts_with_the_same_entries_and_verifies(tmp_path):
    conn = _format_1_log(tmp_path / "v12.db", tmp_path)
    before = [tuple(r) for r in conn.execute(
        "SELECT seq, at, hlc, site, actor, action, tbl, pk, field, old, new FROM audit_log "
        "ORDER BY seq")]
    old_head = conn.execute("SELECT value FROM site_meta WHERE key = 'audit_head'").fetchone()[0]
    migrations.apply(conn)
    after = [tuple(r) for r in conn.execute(
        "SELECT seq, at, hlc, site, actor, action, tbl, pk, field, old, new FROM audit_log "
        "ORDER BY seq")]
    assert len(after) == len(before) + 1  # and the conversion's own entry

    def short(value: object) -> object:  # keyed hashes are kept in 16 bytes now
        if isinstance(value, str) and value.startswith("hmac:"):
            return value[:37]
        if isinstance(value, str) and value.startswith("{") and "hmac:" in value:
            return json.dumps({k: short(v) for k, v in json.loads(value).items()},
                              ensure_ascii=False, separators=(",", ":"))
        return value

    assert after[:-1] == [tuple(short(v) for v in row) for row in before]
    assert audit.verify(conn).intact
    detail = _upgrade(conn)
    assert detail["old_chain"] == "intact"
    assert detail["old_head"] == dict(zip(("seq", "hash"), (
        int(old_head.split()[0]), old_head.split()[1]), strict=True))
    assert "audit_entry" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_log' AND "
                        "type = 'view'").fetchone()[0] == 1
    conn.close()


@pytest.mark.parametrize(("tamper", "what"), [
    ("UPDATE audit_log SET new = 'Ai khác' WHERE seq = 2", "seq 2: values edited"),
    ("DELETE FROM audit_log WHERE seq = 3", "seq 3: missing"),
])
def test_a_format_1_log_tampered_before_the_upgrade_stays_on_record(tmp_path, tamper, what):
    """The conversion re-chains what it finds; what the old chain showed goes into the new
    log, so an upgrade cannot launder an edit made before it."""
    conn = _format_1_log(tmp_path / "v12.db", tmp_path)
    conn.execute(tamper)
    migrations.apply(conn)
    assert _upgrade(conn)["old_chain"] == what
    # A deleted entry's place stays empty in the new chain too.
    broken = audit.verify(conn).broken
    assert (broken is None) == ("missing" not in what)
    conn.close()


def test_a_database_made_before_migration_13_landed_runs_it_when_opened(tmp_path,
                                                                         monkeypatch):
    """13 was numbered below 14 and 17, which databases made meanwhile already have: opening
    one runs 13 all the same (schema_migrations says it never ran), and the version stays."""
    from desktop.storage import audit_v9
    from desktop.storage.site import set_meta

    path = tmp_path / "v17.db"
    without = [m for m in migrations.MIGRATIONS if m.version != audit.FORMAT_VERSION]
    monkeypatch.setattr(migrations, "MIGRATIONS", without)
    conn = db.open_database(path)
    out = audit_v9.Appender(conn)
    conn.execute("BEGIN")
    out.add("e1", "2026-01-02T08:00:00", 1 << 16, "site", "admin", "print", None, None, None,
            None, None)
    out.flush()
    set_meta(conn, audit_v9.HEAD_META, f"{out.seq} {out.hash}")
    conn.execute("COMMIT")
    assert not audit.ready(conn)
    conn.close()
    monkeypatch.undo()
    conn = db.open_database(path)
    try:
        assert audit.ready(conn) and migrations.current_version(conn) == db.SCHEMA_VERSION
        assert [e.action for e in audit.entries(conn)] == ["audit-upgrade", "print"]
        assert audit.verify(conn).intact
    finally:
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
    writers = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                     if any(f"{w} {t}" in p.read_text("utf-8")
                            for w in ("INSERT INTO", "UPDATE", "DELETE FROM")
                            for t in ("audit_log", "audit_entry", "audit_name")))
    # audit_v9: the format of schemas 9-12, for their migrations only.
    assert writers == ["storage/audit.py", "storage/audit_v9.py"]
