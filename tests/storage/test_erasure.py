"""Xóa vĩnh viễn: a deleted person's personal fields are blanked as a synced change, their old
values leave the readable audit log (which still verifies), and the backups that may still
hold them are named (issue 11)."""

from __future__ import annotations

import pytest
from dbkit import version_rows

from desktop.domain.errors import UserError
from desktop.storage import audit, backup, erasure, history, merge
from desktop.storage.erasure import ERASED_FIELDS, erase_person

CCCD = "011090001234"
NAME = "Lò Văn Ấn"


@pytest.fixture
def person(store, village) -> str:
    pid = store.add("person", {"full_name": NAME, "birth_date": "05/03/1990", "gender": "nam",
                               "citizen_id": CCCD, "ethnicity": "Thái", "phone": "0912345678",
                               "address": "Bản Huổi Lếch", "notes": "Hay giúp đỡ bà con",
                               "residence_unit_id": village}).id
    store.edit("person", pid, {"full_name": "Lò Văn Ân", "phone": "0987654321"})
    return pid


def person_village(conn, pid: str) -> str:
    return conn.execute("SELECT residence_unit_id FROM person WHERE id = ?", (pid,)).fetchone()[0]


def _audit_text(conn) -> str:
    return "\n".join(str(tuple(r)) for r in conn.execute("SELECT * FROM audit_log"))


def test_a_person_not_deleted_first_is_refused_and_nothing_changes(store, conn, person, dump):
    before = dump(conn)
    with pytest.raises(UserError, match="chưa bị xóa"):
        erase_person(store, person)
    assert dump(conn) == before


def test_erasing_blanks_the_personal_fields_as_a_versioned_change(store, conn, person,
                                                                  village):
    store.delete("person", person)
    old_cells = {r["field"]: r["hlc"] for r in version_rows(conn, person)}
    result = erase_person(store, person)
    row = conn.execute("SELECT * FROM person WHERE id = ?", (person,)).fetchone()
    assert all(row[f] is None for f in ERASED_FIELDS)
    assert (row["id"], row["residence_unit_id"], row["_deleted"]) == (person, village, 1)
    assert row["_search"] == ""  # nothing left for the search to find
    assert set(result.fields) == {"full_name", "birth_date", "gender", "citizen_id",
                                  "ethnicity", "phone", "address", "notes"}
    # Each blanked field is a newer version: it goes out in the next bundle like any edit.
    sent = {c[2]: c for c in merge.cells_to_send(conn, {}, lambda _p: True) if c[1] == person}
    for name in result.fields:
        assert sent[name][3] is None and sent[name][4] > old_cells[name]
    assert sent["residence_unit_id"][3] == village
    assert NAME not in str(sent) and CCCD not in str(sent)


def test_the_old_values_leave_the_readable_log_and_the_chain_still_holds(store, conn, person):
    other = store.add("person", {"full_name": "Giàng A Dơ"}).id
    store.edit("person", other, {"full_name": "Giàng A Dờ"})
    store.delete("person", person)
    result = erase_person(store, person)
    text = _audit_text(conn)
    for value in (NAME, "Lò Văn Ân", "0912345678", "0987654321", "Hay giúp đỡ bà con", CCCD):
        assert value not in text
    # Not even the keyed hash of the CCCD is left to match against.
    key = audit.audit_key(conn)
    assert audit.keyed_hash(key, CCCD) not in text
    assert "Giàng A Dờ" in text  # someone else's entries keep their values
    assert result.redacted >= 4
    assert audit.verify(conn).intact
    entries = [e for e in audit.entries(conn, limit=50) if e.pk == person]
    assert entries[0].action == "erase" and entries[0].seq == result.erase_seq
    assert all(e.old is None and e.new is None and e.redacted for e in entries[1:]
               if e.action != "create")
    # The entries themselves stay. The create kept no values: what its listing shows is read
    # from the record, now blank but for its village.
    [create] = [e for e in entries if e.action == "create"]
    assert create.redacted is None and create.detail == {"residence_unit_id": person_village(
        conn, person)}
    assert other  # (kept)


def test_the_backups_made_before_are_named(store, conn, db_path, person):
    made = backup.backup_now(conn, db_path, "manual")
    store.delete("person", person)
    result = erase_person(store, person)
    assert [b.path for b in result.backups] == [made]
    event = audit.entries(conn, limit=1)[0]
    assert event.detail is not None and event.detail["backups"] == [made.name]


def test_an_erased_person_leaves_the_recently_deleted_list(store, conn, person):
    store.delete("person", person)
    assert [d.id for d in history.recently_deleted(conn)] == [person]
    erase_person(store, person)
    assert history.recently_deleted(conn) == []


def test_the_conflict_queue_forgets_the_values(store, conn, person):
    conn.execute(
        "INSERT INTO sync_conflict (id, kind, severity, tbl, pk, field, loser_value, loser_hlc, "
        "loser_origin, loser_part, loser_seq, winner_value, winner_hlc, winner_origin, "
        "winner_part, winner_seq, detected_site, detected_local_time) VALUES "
        "('c1', 'value', 'normal', 'person', ?, 'full_name', ?, 1, 'o', 'p', 1, ?, 2, 'o', "
        "'p', 2, 's', '2026-01-01T00:00:00')", (person, NAME, "Lò Văn Ân"))
    store.delete("person", person)
    erase_person(store, person)
    row = conn.execute("SELECT loser_value, winner_value FROM sync_conflict").fetchone()
    assert tuple(row) == (None, None)


def test_erasing_again_or_at_another_replica_redacts_what_is_left(store, conn, person):
    store.delete("person", person)
    erase_person(store, person)
    # An edit made here afterwards to the blank record (say, a note) is erased by a second run.
    store.restore("person", person)
    store.edit("person", person, {"full_name": "Người mới", "notes": "ghi chú mới"})
    store.delete("person", person)
    again = erase_person(store, person)
    assert again.fields == ["full_name", "notes"]
    assert "ghi chú mới" not in _audit_text(conn) and "Người mới" not in _audit_text(conn)
    assert audit.verify(conn).intact
    assert erasure.ERASED_FIELDS == ERASED_FIELDS


def test_only_the_chief_may_erase(store, conn, person, dump):
    from desktop.storage import accounts

    store.delete("person", person)
    accounts.bind(conn, accounts.Account("maiv", "officer"))
    before = dump(conn)
    with pytest.raises(UserError, match="không được xóa vĩnh viễn"):
        erase_person(store, person)
    assert dump(conn) == before
    accounts.bind(conn, accounts.Account("tuan", "chief"))
    assert erase_person(store, person).fields


def test_the_erased_values_do_not_linger_in_the_file(tmp_path):
    """Seen through an unencrypted file: secure_delete and the index's secure-delete mode
    overwrite the old text instead of leaving it in free pages."""
    from desktop.storage import dbapi, migrations, site
    from desktop.storage.writer import Store

    path = tmp_path / "plain.db"
    conn = dbapi.connect(str(path), isolation_level=None, factory=dbapi.Connection)
    conn.row_factory = dbapi.Row
    conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(conn)
    site.init_site(conn, name="Xã", commune_code="03160")
    store = Store(conn, actor="chief")
    pid = store.add("person", {"full_name": "Quàng Văn Xiển", "citizen_id": CCCD,
                               "phone": "0987123456"}).id
    store.delete("person", pid)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    needles = ["Quàng Văn Xiển".encode(), b"quang van xien", b"xien", b"0987123456",
               CCCD.encode()]
    assert all(n in path.read_bytes() for n in needles)
    erase_person(store, pid)
    conn.close()
    data = path.read_bytes()
    assert [n for n in needles if n in data] == []
