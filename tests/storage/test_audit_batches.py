"""Format 3 of the audit log (issue 12): the creates one write makes (an import, a bulk add)
are one entry that names its records compactly and takes one seq number each; it is chained
as one entry, so a record taken out of it, or the entry edited, shows; listing it says how
many records it made and reads them back one by one; an older log's creates are grouped in
place by migration 25, its old chain checked and recorded."""

from __future__ import annotations

import json
import sqlite3

import pytest

from desktop.storage import audit, dbapi, migrations

N = 10_000


def _people(store, village: str, n: int) -> list[str]:
    return store.add_many("person", [{"full_name": f"Lò Văn Ấn {i}", "residence_unit_id": village,
                                      "phone": f"09{i:08d}"} for i in range(n)])


def _audit_bytes(conn: dbapi.Connection, tmp_path) -> int:
    """The audit log's b-trees (rows and indexes), by dbstat on a plain copy."""
    plain = tmp_path / "plain.db"
    conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    with sqlite3.connect(plain) as p:
        return int(p.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'audit%'")
                   .fetchone()[0])


def test_ten_thousand_creates_cost_the_log_a_few_pages(store, conn, village, tmp_path):
    """Format 2 kept a 55-byte row and a 13-byte index entry a record: 10,000 people were
    about 680 KB of log. Now one entry."""
    before = audit.head(conn)[0]
    empty = _audit_bytes(conn, tmp_path)
    (tmp_path / "plain.db").unlink()
    ids = _people(store, village, N)
    grown = _audit_bytes(conn, tmp_path) - empty
    assert grown < 8 * 4096, grown
    assert conn.execute("SELECT count(*) FROM audit_entry WHERE seq > ?",
                        (before,)).fetchone()[0] == 1
    # One seq number a record: the head moved on by 10,000, and verify counts them.
    assert audit.head(conn)[0] == before + N
    result = audit.verify(conn)
    assert result.intact and result.head_seq == before + N and result.entries == before + N
    [entry] = audit.entries(conn, limit=1)
    assert (entry.action, entry.tbl, entry.span, entry.seq, entry.last_seq) == (
        "create", "person", N, before + 1, before + N)
    assert [e.pk for e in audit.expand(conn, entry.seq, offset=N - 2)] == ids[-2:]


def test_a_batch_is_read_back_record_by_record_with_the_values_it_made(store, conn, village):
    ids = _people(store, village, 3)
    store.edit("person", ids[1], {"full_name": "Giàng A Dơ"})
    batch = [e for e in audit.entries(conn) if e.span > 1][0]
    assert batch.detail is None and batch.as_dict()["records"] == 3
    records = audit.expand(conn, batch.seq)
    assert [(e.seq, e.pk, e.action) for e in records] == [
        (batch.seq + i, pid, "create") for i, pid in enumerate(ids)]
    # The values each was made with: the record walked back through the later edit.
    assert records[1].detail == {"full_name": "Lò Văn Ấn 1", "residence_unit_id": village,
                                 "phone": "0900000001"}
    assert records[2].detail is not None and records[2].detail["full_name"] == "Lò Văn Ấn 2"
    assert [e.pk for e in audit.expand(conn, batch.seq, offset=1, limit=1)] == [ids[1]]
    assert audit.expand(conn, batch.seq + 1) == []  # a record's seq inside it is no entry


def test_one_create_stays_an_entry_of_its_own(store, conn, village):
    pid = store.add("person", {"full_name": "Lò Văn Ấn", "residence_unit_id": village}).id
    [entry] = audit.entries(conn, limit=1)
    assert (entry.pk, entry.span) == (pid, 1)
    assert conn.execute("SELECT typeof(rec) FROM audit_entry ORDER BY seq DESC LIMIT 1"
                        ).fetchone()[0] == "integer"


@pytest.fixture
def batched(store, conn, village) -> tuple[int, list[str]]:
    ids = _people(store, village, 50)
    seq = conn.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
    store.edit("person", ids[0], {"full_name": "Giàng A Dơ"})
    audit.record_event(conn, "tester", "print", {"what": "Danh sách"})
    assert audit.verify(conn).intact
    return seq, ids


def _rowids(conn: dbapi.Connection, seq: int) -> list[int]:
    blob = conn.execute("SELECT rec FROM audit_entry WHERE seq = ?", (seq,)).fetchone()[0]
    return audit.batch_rowids(audit.decode_batch(blob)[1])


def test_a_record_taken_out_of_a_batch_is_caught(conn, batched):
    seq, _ids = batched
    rowids = _rowids(conn, seq)
    blob = audit.encode_batch(audit.decode_batch(conn.execute(
        "SELECT rec FROM audit_entry WHERE seq = ?", (seq,)).fetchone()[0])[0],
        rowids[:20] + rowids[21:])
    conn.execute("UPDATE audit_entry SET rec = ? WHERE seq = ?", (blob, seq))
    broken = audit.verify(conn).broken
    assert broken is not None and (broken.seq, broken.problem) == (seq, "edited")


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_entry SET hlc = hlc + 1 WHERE seq = {seq}",
    "UPDATE audit_entry SET at = at - 3600 WHERE seq = {seq}",
    "UPDATE audit_entry SET rec = x'00' WHERE seq = {seq}",
    "UPDATE audit_entry SET rec = x'0002ffffffffffffffff7f' WHERE seq = {seq}",
    "UPDATE person SET id = 'someone-else' WHERE _rowid = (SELECT max(_rowid) FROM person)",
])
def test_a_batch_edited_is_caught(conn, batched, tamper):
    seq, _ids = batched
    conn.execute(tamper.format(seq=seq))
    broken = audit.verify(conn).broken
    assert broken is not None and (broken.seq, broken.problem) == (seq, "edited")


def test_a_deleted_batch_leaves_its_records_numbers_missing(conn, batched):
    seq, _ids = batched
    conn.execute("DELETE FROM audit_entry WHERE seq = ?", (seq,))
    broken = audit.verify(conn).broken
    assert broken is not None and (broken.seq, broken.problem) == (seq, "missing")


def test_a_batch_moved_is_named_reordered(conn, batched):
    seq, _ids = batched
    last = audit.head(conn)[0]
    conn.execute("UPDATE audit_entry SET seq = ? WHERE seq = ?", (last + 1, last))
    conn.execute("UPDATE audit_entry SET seq = ? WHERE seq = ?", (last, seq))
    broken = audit.verify(conn).broken
    assert broken is not None and broken.problem in ("missing", "reordered")


# -- migration 25 ---------------------------------------------------------------------------

def _as_format_2(conn: dbapi.Connection, store, village: str) -> list[tuple]:
    """A format-2 log written as the code before format 3 wrote it (one entry a create),
    with an edit, an event and a gap-free chain; returns what its entries say."""
    out = audit.Appender(conn)
    conn.execute("BEGIN")
    rows = []
    first = int(conn.execute("SELECT coalesce(max(_rowid), 0) + 1 FROM person").fetchone()[0])
    for i in range(30):
        conn.execute("INSERT INTO person (_rowid, id, _part, _deleted, full_name, "
                     "residence_unit_id) VALUES (?, ?, '03160', 0, ?, ?)",
                     (first + i, f"p{i}", f"Người {i}", village))
        rows.append((1_780_000_000, (5 << 16) + i, "site", "tester", "create", "person",
                     first + i, f"p{i}", None, None, None))
    rows.append((1_780_000_060, 9 << 16, "site", "tester", "update", "person", first, "p0",
                 "full_name", "Người 0", "Người không"))
    rows.append((1_780_000_100, 10 << 16, "site", "tester", "print", None, None, None, None,
                 None, json.dumps({"n": 1})))
    for i in range(30, 35):  # a second write, a minute later
        conn.execute("INSERT INTO person (_rowid, id, _part, _deleted, full_name, "
                     "residence_unit_id) VALUES (?, ?, '03160', 0, ?, ?)",
                     (first + i, f"p{i}", f"Người {i}", village))
        rows.append((1_780_000_160, (11 << 16) + i, "site", "tester", "create", "person",
                     first + i, f"p{i}", None, None, None))
    for r in rows:
        out.add(*r)
    out.flush()
    conn.execute("COMMIT")
    return rows


def _listing(conn: dbapi.Connection) -> list[tuple]:
    out = []
    for e in audit.entries(conn, limit=10_000):
        for x in (audit.expand(conn, e.seq) if e.span > 1 else [e]):
            out.append((x.seq, x.at, x.actor, x.action, x.tbl, x.pk, x.field, x.old, x.new))
    return sorted(out, reverse=True)


def test_migration_25_groups_an_older_logs_creates_keeping_their_numbers(store, conn,
                                                                         village):
    _as_format_2(conn, store, village)
    listed = _listing(conn)
    head = audit.head(conn)
    entries = conn.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    conn.execute("BEGIN")
    audit.group_creates(conn)
    conn.execute("COMMIT")
    # Two batches (30 and 5 records) in place of 35 entries, and the upgrade's own entry.
    assert conn.execute("SELECT count(*) FROM audit_entry").fetchone()[0] == entries - 33 + 1
    after = _listing(conn)
    assert after[1:] == listed  # every entry says what it said, under the same number
    upgrade = audit.entries(conn, limit=1)[0]
    assert upgrade.action == "audit-upgrade" and upgrade.seq == head[0] + 1
    assert upgrade.detail is not None
    assert (upgrade.detail["old_chain"], upgrade.detail["records"], upgrade.detail["batches"],
            upgrade.detail["old_head"]) == ("intact", 35, 2, {"seq": head[0], "hash": head[1]})
    assert audit.verify(conn).intact


def test_migration_25_records_an_older_chain_that_was_broken(store, conn, village):
    rows = _as_format_2(conn, store, village)
    first = audit.head(conn)[0] - len(rows) + 1
    conn.execute("UPDATE audit_entry SET new = 'Ai khác' WHERE seq = ?", (first + 30,))
    conn.execute("BEGIN")
    audit.group_creates(conn)
    conn.execute("COMMIT")
    upgrade = audit.entries(conn, limit=1)[0]
    assert upgrade.detail is not None
    assert upgrade.detail["old_chain"] == f"seq {first + 30}: edited"


def test_migration_25_leaves_a_log_without_runs_of_creates_as_it_is(store, conn, village):
    store.add("person", {"full_name": "Lò Văn Ấn", "residence_unit_id": village})
    audit.record_event(conn, "tester", "print", None)
    before = [tuple(r) for r in conn.execute("SELECT * FROM audit_entry ORDER BY seq")]
    conn.execute("BEGIN")
    audit.group_creates(conn)
    conn.execute("COMMIT")
    assert [tuple(r) for r in conn.execute("SELECT * FROM audit_entry ORDER BY seq")] == before


def test_migration_25_is_in_the_program():
    assert 25 in [m.version for m in migrations.MIGRATIONS]
    assert audit.BATCH_VERSION == 25 and audit.FORMAT == 3


@pytest.mark.parametrize("rowids", [[1, 2, 3], [7], [5, 6, 9, 10, 11, 2, 3, 40_000_000],
                                    list(range(100, 10_100))])
def test_the_batch_encoding_round_trips(rowids):
    blob = audit.encode_batch(12345, rowids)
    span, runs = audit.decode_batch(blob)
    assert span == 12345 and audit.batch_rowids(runs) == rowids
    if rowids == list(range(100, 10_100)):
        assert len(blob) <= 6


def test_a_person_made_in_a_batch_and_erased_leaves_no_old_value_in_it(store, conn, village):
    """Xóa vĩnh viễn: the batch holds ids only; reading it back shows the blanked record, and
    the chain still holds."""
    from desktop.storage.erasure import erase_person

    ids = store.add_many("person", [
        {"full_name": "Lò Văn Ấn", "citizen_id": "011090001234", "phone": "0912345678",
         "notes": "Hay giúp đỡ bà con", "residence_unit_id": village},
        {"full_name": "Giàng A Dơ", "residence_unit_id": village}])
    store.edit("person", ids[0], {"full_name": "Lò Văn Ân"})
    store.delete("person", ids[0])
    erase_person(store, ids[0])
    [batch] = [e for e in audit.entries(conn, limit=100) if e.span > 1]
    records = audit.expand(conn, batch.seq)
    text = str([e.as_dict() for e in records]) + str(
        [tuple(r) for r in conn.execute("SELECT * FROM audit_log")])
    for value in ("Lò Văn Ấn", "Lò Văn Ân", "0912345678", "Hay giúp đỡ bà con",
                  "011090001234", audit.keyed_hash(audit.audit_key(conn), "011090001234")):
        assert value not in text
    assert records[0].pk == ids[0] and records[0].detail == {"residence_unit_id": village}
    assert records[1].detail is not None and records[1].detail["full_name"] == "Giàng A Dơ"
    assert audit.verify(conn).intact
