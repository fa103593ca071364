from __future__ import annotations

import json

import pytest
from dbkit import version_rows

from desktop.domain import hlc
from desktop.domain.errors import NotFoundError, UserError, ValidationError
from desktop.storage import audit as audit_log
from desktop.storage import dbapi, records, versions
from desktop.storage.db import open_database
from desktop.storage.writer import Store, kind_named


def cells(conn: dbapi.Connection, pk: str) -> dict[str, dict[str, object]]:
    return {r["field"]: r for r in version_rows(conn, pk)}


def test_add_stamps_every_given_field_and_the_tombstone(store, conn, village, commune_site):
    pid = store.add("person", {"full_name": "Lò Văn Ấn", "birth_date": "05/03/1985",
                               "gender": "nam", "residence_unit_id": village}).id
    c = cells(conn, pid)
    assert set(c) == {"full_name", "birth_date", "gender", "residence_unit_id", "_deleted"}
    assert {r["origin"] for r in c.values()} == {commune_site.site_id}
    assert {r["part"] for r in c.values()} == {"03160"}  # the village's commune
    seqs = sorted(r["seq"] for r in c.values())
    assert seqs == list(range(seqs[0], seqs[0] + 5))  # contiguous dots
    row = conn.execute("SELECT * FROM person WHERE id = ?", (pid,)).fetchone()
    assert (row["birth_date"], row["gender"], row["_part"]) == ("1985-03-05", "male", "03160")
    audit = conn.execute("SELECT action, actor, new FROM audit_log WHERE pk = ?", (pid,)).fetchall()
    assert [(a["action"], a["actor"]) for a in audit] == [("create", "tester")]
    # The create keeps no copy of the values (storage/audit.py); its listing reads the record.
    assert [e.detail["full_name"] for e in audit_log.entries(conn) if e.pk == pid] == [
        "Lò Văn Ấn"]


def test_edit_versions_only_changed_fields_and_remembers_what_it_replaced(store, conn):
    pid = store.add("person", {"full_name": "Lò Văn Ấn", "phone": "0912345678"}).id
    before = cells(conn, pid)
    store.edit("person", pid, {"full_name": "Lò Văn Ân", "phone": "0912 345 678"})
    after = cells(conn, pid)
    assert after["phone"]["seq"] == before["phone"]["seq"]  # same value: no new version
    assert after["full_name"]["hlc"] > before["full_name"]["hlc"]
    old = before["full_name"]
    assert json.loads(after["full_name"]["hist"]) == [[old["origin"], old["part"], old["seq"]]]
    audit = conn.execute("SELECT field, old, new FROM audit_log WHERE pk = ? AND action='update'",
                         (pid,)).fetchall()
    assert [tuple(a) for a in audit] == [("full_name", "Lò Văn Ấn", "Lò Văn Ân")]


def test_delete_is_a_versioned_tombstone_and_restore_undoes_it(store, conn):
    pid = store.add("person", {"full_name": "Giàng A Dơ"}).id
    store.delete("person", pid)
    assert conn.execute("SELECT count(*) FROM person WHERE id = ?", (pid,)).fetchone()[0] == 1
    assert records.get(conn, kind_named("person"), pid)["deleted"] is True
    assert pid not in {r["id"] for r in records.page(conn, kind_named("person"))}
    deleted = records.page(conn, kind_named("person"), records.Query(only_deleted=True))
    assert [r["id"] for r in deleted] == [pid]
    tomb = cells(conn, pid)["_deleted"]
    store.restore("person", pid)
    assert cells(conn, pid)["_deleted"]["hlc"] > tomb["hlc"]
    assert records.get(conn, kind_named("person"), pid)["deleted"] is False
    with pytest.raises(UserError, match="chưa bị xóa"):
        store.restore("person", pid)


def test_a_deleted_record_cannot_be_edited_or_referenced(store, village):
    pid = store.add("person", {"full_name": "Giàng A Dơ"}).id
    org = store.add("organization", {"name": "Tổ BV ANTT bản Huổi Lếch",
                                     "org_type": "to_bao_ve_antt", "unit_id": village}).id
    store.delete("person", pid)
    with pytest.raises(UserError, match="khôi phục"):
        store.edit("person", pid, {"phone": "0912345678"})
    with pytest.raises(ValidationError, match="Người: .*đã bị xóa"):
        store.add("membership", {"person_id": pid, "organization_id": org, "role": "to_vien"})


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"full_name": "A", "birth_date": "31/02/1990"}, "birth_date", "31/02/1990"),
    ({"full_name": "A", "citizen_id": "01108500012"}, "citizen_id", "12"),
    ({"full_name": "A", "nickname": "x"}, "nickname", "không có trường"),
    ({"full_name": "A", "residence_unit_id": "nope"}, "residence_unit_id", "nope"),
    ({"full_name": "A", "ethnicity": "Klingon"}, "ethnicity", "Klingon"),
    ({"full_name": "A", "gender": "x"}, "gender", "Nam, Nữ"),
    ({"full_name": "A", "birth_date": "01/01/2030"}, "birth_date", "tương lai"),
    ({"birth_date": "1990"}, "full_name", "bắt buộc"),
])
def test_bad_input_names_the_field_and_changes_nothing(store, conn, dump, values, field,
                                                       message):
    before = dump(conn)
    with pytest.raises(ValidationError) as e:
        store.add("person", values)
    assert e.value.field == field
    assert message in str(e.value)
    assert dump(conn) == before


def test_bulk_add_with_one_bad_row_saves_nothing_and_names_the_row(store, conn, dump):
    before = dump(conn)
    rows = [{"full_name": "Lò Văn A"}, {"full_name": "Lò Văn B", "birth_date": "13/13/2000"}]
    with pytest.raises(ValidationError, match="dòng 2, Ngày sinh: "):
        store.add_many("person", rows)
    assert dump(conn) == before


def test_unknown_ids_and_kinds_are_clear_errors(store):
    with pytest.raises(NotFoundError, match="không-có"):
        store.edit("person", "không-có", {"phone": "0912345678"})
    with pytest.raises(UserError, match="spaceship"):
        store.add("spaceship", {})


def test_an_edit_beats_a_value_stamped_by_a_clock_far_ahead(store, conn):
    pid = store.add("person", {"full_name": "Vàng A Páo"}).id
    future = hlc.pack(hlc.wall_ms_now() + 10 * 365 * 86400 * 1000, 7)
    rowid = conn.execute("SELECT _rowid FROM person WHERE id = ?", (pid,)).fetchone()[0]
    held = versions.read(conn, "person", [pid])[pid]
    held["full_name"][0] = future
    versions.write(conn, "person", {rowid: held})
    store.edit("person", pid, {"full_name": "Vàng A Pao"})
    assert cells(conn, pid)["full_name"]["hlc"] > future


def test_two_connections_writing_in_turn_never_reuse_a_sequence(store, db_path):
    other = Store(open_database(db_path), actor="second window", today=store.today)
    for i in range(5):
        store.add("person", {"full_name": f"Lò Văn {i}"})
        other.add("person", {"full_name": f"Quàng Thị {i}"})
    seqs = sorted(int(r["seq"]) for r in version_rows(store.conn))
    assert len(seqs) == len(set(seqs))
    top = store.conn.execute("SELECT seq FROM sync_vv").fetchone()[0]
    assert top == max(seqs)
    stamps = [r[0] for r in store.conn.execute(
        "SELECT hlc FROM audit_log ORDER BY seq")]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_writing_needs_an_initialised_site(conn):
    with pytest.raises(UserError, match="antq init"):
        Store(conn).add("person", {"full_name": "Lò Văn Ấn"})
