"""Hoàn tác lần nhập này (issue 12): an import's undo journal puts the database back as it was
before the import, row for row, and is refused once anything was written after it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dbkit import logical_dump, stamped_after
from synckit import Node

from desktop.domain.errors import UserError
from desktop.storage import audit, dbapi, erasure, undo
from desktop.sync import conflicts

_FTS_SHADOW = re.compile(r"^\w+_fts_(data|idx|docsize|config): ")


def state(conn: dbapi.Connection) -> list[str]:
    """The logical dump, less what an undo is allowed to leave: the site's clock (never set
    back), the sender's audit head it showed (what a sender showed is not unlearnt), and the
    full-text index's own b-trees (the same words, in other segments: checked by
    :func:`search_index_ok` instead), and when this computer noted a bundle received (an
    import again is noted at its own time: the rest of the note is compared; so are the import
    log's line, the import's journal and the sender's enrolment row, less their local times,
    which fell on another second now and then)."""
    notes = [f"sync_bundle_note: {tuple(r)}" for r in conn.execute(
        "SELECT bundle_id, direction, peer, created_local, clock_warnings, file "
        "FROM sync_bundle_note ORDER BY bundle_id, direction")]
    logged = [f"sync_import_log: {tuple(r)}" for r in conn.execute(
        "SELECT bundle_id, sender, sender_counter, sha256, result, counts FROM sync_import_log "
        "ORDER BY bundle_id")]
    journals = [f"sync_undo: {tuple(r)}" for r in conn.execute(
        "SELECT id, bundle_id, sender, file, actor, site_id, own_seqs, names_above, "
        "sender_counter, sender_import_time, records FROM sync_undo ORDER BY id")]
    sites = [f"sync_site: {tuple(r)}" for r in conn.execute(
        "SELECT site_id, site_kind, unit_code, name, sign_pub, recv_pub, partitions, "
        "certificate, fingerprint, status, enrolled_local_time, revoked_local_time, "
        "last_counter FROM sync_site ORDER BY site_id")]
    return [line for line in logical_dump(conn)
            if not _FTS_SHADOW.match(line) and not line.startswith("site_meta: ('hlc',")
            and not line.startswith(("audit_peer_head: ", "sync_bundle_note: ",
                                     "sync_import_log: ", "sync_undo: ", "sync_site: "))
            ] + notes + logged + journals + sites


def search_index_ok(conn: dbapi.Connection) -> None:
    for t in ("person", "organization", "meeting"):
        conn.execute(f"INSERT INTO {t}_fts({t}_fts, rank) VALUES ('integrity-check', 1)")


def send(src: Node, dst: Node, folder: Path) -> list[Path]:
    return src.export(folder, to=dst)


def imported(dst: Node, *paths: Path) -> None:
    results = dst.import_(*paths)
    assert [r.status for r in results] == ["imported"] * len(paths), results


@pytest.fixture
def pair(network):
    prov, (a, _b) = network(2)
    return prov, a


def test_undo_puts_back_new_records_beliefs_and_the_import_log(pair, tmp_path):
    prov, a = pair
    for i in range(3):
        a.store.add("person", {"full_name": f"Lò Văn Sáng {i}", "phone": f"091234567{i}"})
    village = a.store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                   "parent_id": a.part}).id
    a.store.add("organization", {"name": "Tổ bảo vệ an ninh, trật tự bản Huổi Lếch",
                                 "org_type": "Tổ bảo vệ ANTT", "unit_id": village})
    before = state(prov.conn)
    imported(prov, *send(a, prov, tmp_path / "1"))
    assert state(prov.conn) != before
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 3
    done = undo.undo(prov.conn, actor="chỉ huy")
    assert state(prov.conn) == before
    search_index_ok(prov.conn)
    assert done.records == 5 and len(done.journals) == 1
    [event] = [e for e in audit.entries(prov.conn) if e.action == "import-undo"]
    assert event.actor == "chỉ huy" and done.bundle_ids[0] in str(event.detail)


def test_undo_puts_back_changed_fields_and_their_versions(pair, tmp_path):
    prov, a = pair
    pid = a.store.add("person", {"full_name": "Nguyễn Văn Đức", "phone": "0912345678"}).id
    imported(prov, *send(a, prov, tmp_path / "1"))
    a.store.edit("person", pid, {"full_name": "Trần Thị Hoa", "notes": "đã chuyển đi"})
    a.store.delete("person", pid)
    before = state(prov.conn)
    imported(prov, *send(a, prov, tmp_path / "2"))
    assert prov.conn.execute("SELECT _deleted FROM person WHERE id = ?", (pid,)).fetchone()[0]
    undo.undo(prov.conn)
    assert state(prov.conn) == before
    search_index_ok(prov.conn)
    from desktop.storage import search

    assert [h.id for h in search.search(prov.conn, "nguyen van duc")] == [pid]
    assert search.search(prov.conn, "tran thi hoa") == []


def test_undo_of_a_bundle_mixing_new_and_changed_records_of_one_table(pair, tmp_path):
    # The journal notes the new records of a batch only when some of its ids were not found:
    # a batch holding both must remove the new person and put the changed one back.
    prov, a = pair
    held = a.store.add("person", {"full_name": "Lò Thị Mai", "phone": "0912000001"}).id
    imported(prov, *send(a, prov, tmp_path / "1"))
    a.store.edit("person", held, {"full_name": "Lò Thị Mai Anh", "address": "Bản Nậm Kè"})
    a.store.add("person", {"full_name": "Quàng Văn Pó", "phone": "0912000002"})
    before = state(prov.conn)
    imported(prov, *send(a, prov, tmp_path / "2"))
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 2
    assert undo.undo(prov.conn).records == 2
    assert state(prov.conn) == before
    search_index_ok(prov.conn)


def test_undo_takes_back_the_conflicts_an_import_opened_and_reopens_those_it_closed(
        pair, tmp_path):
    prov, a = pair
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng"}).id
    imported(prov, *send(a, prov, tmp_path / "1"))
    imported(a, *send(prov, a, tmp_path / "2"))
    a.store.edit("person", pid, {"phone": "0911111111"})
    # The province's edit must win, or the commune never hears of the conflict.
    with stamped_after(a.conn):
        prov.store.edit("person", pid, {"phone": "0922222222"})
    # Opened: the commune's concurrent edit arrives at the province.
    before = state(prov.conn)
    imported(prov, *send(a, prov, tmp_path / "3"))
    assert len(conflicts.list_conflicts(prov.conn)) == 1
    undo.undo(prov.conn)
    assert state(prov.conn) == before and conflicts.list_conflicts(prov.conn) == []
    # Closed: both sides hold it open; the province's resolution closes the commune's.
    imported(prov, *send(a, prov, tmp_path / "4"))
    imported(a, *send(prov, a, tmp_path / "5"))
    [at_a] = conflicts.list_conflicts(a.conn)
    [at_prov] = conflicts.list_conflicts(prov.conn)
    conflicts.resolve_conflict(prov.store, at_prov.id, "theirs")
    before = state(a.conn)
    imported(a, *send(prov, a, tmp_path / "6"))
    assert conflicts.list_conflicts(a.conn) == []
    undo.undo(a.conn)
    assert state(a.conn) == before
    assert [c.id for c in conflicts.list_conflicts(a.conn)] == [at_a.id]


def test_undo_is_refused_after_a_local_write_and_changes_nothing(pair, tmp_path):
    prov, a = pair
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    imported(prov, *send(a, prov, tmp_path / "1"))
    prov.store.add("person", {"full_name": "Người nhập tay ở tỉnh", "residence_unit_id": a.part})
    why = undo.refusal(prov.conn)
    assert why is not None and "đã có thay đổi ghi trên máy này" in why
    before = logical_dump(prov.conn)
    with pytest.raises(UserError, match="đã có thay đổi ghi trên máy này"):
        undo.undo(prov.conn)
    assert logical_dump(prov.conn) == before


def test_only_the_newest_import_is_undone_first_then_the_one_before(pair, tmp_path):
    prov, a = pair
    before_all = state(prov.conn)
    a.store.add("person", {"full_name": "Người thứ nhất"})
    [first] = send(a, prov, tmp_path / "1")
    imported(prov, first)
    between = state(prov.conn)
    a.store.add("person", {"full_name": "Người thứ hai"})
    [second] = send(a, prov, tmp_path / "2")
    imported(prov, second)
    first_id, second_id = [j.bundle_id for j in reversed(undo.journals(prov.conn))]
    with pytest.raises(UserError, match="hãy hoàn tác lần nhập đó trước"):
        undo.undo(prov.conn, [first_id])
    undo.undo(prov.conn, [second_id])
    assert state(prov.conn) == between
    undo.undo(prov.conn)
    assert state(prov.conn) == before_all
    with pytest.raises(UserError, match="Không có lần nhập nào để hoàn tác"):
        undo.undo(prov.conn)
    # Undone imports can be imported again, and both at once undone in one go.
    imported(prov, first, second)
    undo.undo(prov.conn, [first_id, second_id])
    assert state(prov.conn) == before_all


def test_a_bundle_undone_imports_again_the_same(pair, tmp_path):
    prov, a = pair
    a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"})
    [f] = send(a, prov, tmp_path / "1")
    imported(prov, f)
    after = state(prov.conn)
    undo.undo(prov.conn)
    imported(prov, f)
    assert state(prov.conn) == after


def test_the_journals_of_the_last_imports_are_kept(pair, tmp_path, monkeypatch):
    prov, a = pair
    monkeypatch.setattr(undo, "KEEP", 2)
    for i in range(4):
        a.store.add("person", {"full_name": f"Người {i}"})
        imported(prov, *send(a, prov, tmp_path / str(i)))
    kept = undo.journals(prov.conn)
    assert len(kept) == 2 and [j.id for j in kept] == [4, 3]
    assert prov.conn.execute("SELECT count(DISTINCT undo) FROM sync_undo_record").fetchone()[0] == 2
    assert prov.conn.execute("SELECT min(undo) FROM sync_undo_row").fetchone()[0] == 3
    undo.undo(prov.conn)
    undo.undo(prov.conn)
    with pytest.raises(UserError, match="Không có lần nhập nào để hoàn tác"):
        undo.undo(prov.conn)
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 2


def test_a_dry_run_and_a_refused_bundle_leave_no_journal(pair, tmp_path):
    prov, a = pair
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [f] = send(a, prov, tmp_path / "1")
    prov.import_(f, dry_run=True)
    assert undo.journals(prov.conn) == []
    broken = tmp_path / "broken.vsb"
    broken.write_bytes(f.read_bytes()[:-200])
    prov.import_(broken)
    assert undo.journals(prov.conn) == []
    # The journal's triggers live only while an import writes: a local write notes nothing.
    imported(prov, f)
    rows = prov.conn.execute("SELECT count(*) FROM sync_undo_row").fetchone()[0]
    prov.store.add("person", {"full_name": "Người nhập tay", "residence_unit_id": a.part})
    assert prov.conn.execute("SELECT count(*) FROM sync_undo_row").fetchone()[0] == rows
    assert prov.conn.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'"
                             ).fetchone()[0] == 0


def test_an_erasure_drops_every_journal(pair, tmp_path):
    prov, a = pair
    pid = a.store.add("person", {"full_name": "Lò Văn Sáng", "phone": "0912345678"}).id
    imported(prov, *send(a, prov, tmp_path / "1"))
    prov.store.delete("person", pid)
    erasure.erase_person(prov.store, pid)
    assert undo.journals(prov.conn) == []
    assert prov.conn.execute("SELECT count(*) FROM sync_undo_record").fetchone()[0] == 0


def test_cli_lists_and_undoes_the_last_import(pair, tmp_path, capsys):
    import json

    from desktop import cli

    prov, a = pair
    a.store.add("person", {"full_name": "Lò Văn Sáng"})
    [f] = send(a, prov, tmp_path / "1")
    imported(prov, f)
    path = str(prov.path)
    assert cli.main(["undo-import", "--list", "--db", path, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    [j] = listed["imports"]
    assert listed["undoable"] and j["sender_name"] == "c0" and j["records"] == 1
    assert cli.main(["undo-import", j["bundle_id"], "--db", path]) == 0
    assert "Đã hoàn tác lần nhập gói" in capsys.readouterr().out
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    assert cli.main(["undo-import", "--db", path]) == 2
    assert "Không có lần nhập nào để hoàn tác" in capsys.readouterr().err
    assert cli.main(["import-bundle", str(f), "--db", path]) == 0  # imports again
    assert prov.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 1


def test_the_journal_names_a_record_lines_records_from_the_lines_the_same_as_from_the_cells(
        pair, tmp_path, monkeypatch):
    # A new person is 10 field versions, one record line: the journal lists the records from
    # the lines (a tenth as many to read), and lists exactly those the cells name.
    prov, a = pair
    held = a.store.add("person", {"full_name": "Lò Thị Mai", "phone": "0912000001"}).id
    imported(prov, *send(a, prov, tmp_path / "1"))
    a.store.edit("person", held, {"full_name": "Lò Thị Mai Anh", "address": "Bản Nậm Kè"})
    for i in range(3):
        a.store.add("person", {"full_name": f"Quàng Văn Pó {i}", "phone": f"091200010{i}",
                               "notes": "mới"})
    real, given = undo.start, []

    def spy(store, bundle_id, sender, file, cells, records=None):
        given.append((store, bundle_id, sender, file, list(cells), records))
        return real(store, bundle_id, sender, file, cells, records)

    monkeypatch.setattr(undo, "start", spy)
    imported(prov, *send(a, prov, tmp_path / "2"))
    [(store, bundle_id, sender, file, cells, records)] = given
    assert records is not None and len(records) == 4 < len(cells)
    undo.undo(prov.conn)

    def journalled(**lines) -> list[tuple]:
        with store.transaction("sync"):
            j = real(store, bundle_id, sender, file, cells, **lines)
            rows = prov.conn.execute("SELECT tbl, id, row IS NULL FROM sync_undo_record "
                                     "WHERE undo = ? ORDER BY tbl, id", (j.id,)).fetchall()
            j.finish()
            raise _Nothing([tuple(r) for r in rows])  # rolled back: the same state again

    got = []
    for lines in ({}, {"records": records}):
        with pytest.raises(_Nothing) as e:
            journalled(**lines)
        got.append(e.value.rows)
    assert got[0] == got[1] and len(got[0]) == 4
    assert sorted(new for _t, _id, new in got[0]) == [0, 1, 1, 1]


class _Nothing(Exception):
    def __init__(self, rows: list[tuple]) -> None:
        super().__init__("rolled back")
        self.rows = rows


def test_every_import_writes_its_journal_through_the_same_statements(pair, tmp_path,
                                                                     monkeypatch):
    # The connection's statement cache keeps one copy of each (db.CACHED_STATEMENTS): an id in
    # the triggers' text made 15 new statements an import, on the one connection a folder
    # import of many bundles runs on.
    prov, a = pair
    real, seen = undo.Recorder.finish, []

    def finish(self):
        seen.append(sorted(r[0] for r in self.conn.execute(
            "SELECT sql FROM temp.sqlite_master WHERE name GLOB 'antq_undo_*'")))
        return real(self)

    monkeypatch.setattr(undo.Recorder, "finish", finish)
    for i in range(2):
        a.store.add("person", {"full_name": f"Lò Văn Sáng {i}", "phone": f"091234567{i}"})
        imported(prov, *send(a, prov, tmp_path / str(i)))
    assert len(seen) == 2 and len(seen[0]) == 15 and seen[0] == seen[1]
    # Each import's rows still go to its own journal.
    assert [r[0] for r in prov.conn.execute(
        "SELECT DISTINCT undo FROM sync_undo_row ORDER BY undo")] == [1, 2]
