"""The same person twice (issue 15): candidates found by CCCD or folded name and birth date,
scored; the queue (open, not the same, merged); a merge that leaves an alias which every
reference follows; unmerge."""

from __future__ import annotations

import pytest

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.kinds import KINDS
from desktop.storage import aliases, duplicates, records
from desktop.storage.history import UndoStack

PERSON = KINDS["person"]


def _person(store, name, **values):
    return store.add("person", {"full_name": name, **values}).id


def _sneak(conn, person_id, **values):
    """Two records with one CCCD arrive by sync (a local write refuses them): the test
    puts the number straight into the table, as an import's row write does."""
    sets = ", ".join(f"{k} = ?" for k in values)
    conn.execute(f"UPDATE person SET {sets} WHERE id = ?", (*values.values(), person_id))


def _open(conn):
    return {(c.a, c.b): c for c in duplicates.candidates(conn)}


def _pair(x, y):
    return (x, y) if x < y else (y, x)


def test_folded_name_and_birth_date_make_a_scored_candidate(store, conn, village):
    a = _person(store, "Lò Văn Đức", birth_date="05/03/1985", gender="male",
                ethnicity="Thái", residence_unit_id=village)
    b = _person(store, "LO VAN DUC", birth_date="05/03/1985", gender="male",
                ethnicity="Thái", residence_unit_id=village)
    c = _person(store, "Lò Văn Đức", birth_date="1985")  # the year alone
    d = _person(store, "Lò Văn Đức", birth_date="06/03/1985")  # another day: another man
    e = _person(store, "Lò Thị Đức", birth_date="05/03/1985")  # another name
    found = _open(conn)
    ab = found[_pair(a, b)]
    assert ab.score == 90 and set(ab.reasons) >= {"name", "birth_date", "ethnicity", "village",
                                                  "gender"}
    assert "trùng họ tên" in ab.reasons_text() and "cùng dân tộc" in ab.reasons_text()
    # A year alone against a full date: a weak candidate, below the queue's threshold unless
    # something else agrees.
    assert _pair(a, c) not in found
    assert _pair(a, d) not in found and _pair(a, e) not in found
    store.edit("person", c, {"ethnicity": "Thái"})
    found = _open(conn)
    assert found[_pair(a, c)].score == 45 and "birth_year" in found[_pair(a, c)].reasons
    # Ordered by score, highest first.
    scores = [x.score for x in duplicates.candidates(conn)]
    assert scores == sorted(scores, reverse=True)


def test_the_same_citizen_id_is_a_candidate_of_100_even_across_names(store, conn, village):
    a = _person(store, "Lò Văn Thắng", citizen_id="011085000123", birth_date="1985")
    b = _person(store, "Lo Van Thang B", birth_date="1990", gender="female")
    _sneak(conn, b, citizen_id="011085000123")
    duplicates.scan(conn, everyone=True)
    found = _open(conn)
    assert found[_pair(a, b)].score == 100 and "citizen_id" in found[_pair(a, b)].reasons


def test_a_pair_said_not_the_same_never_comes_back(store, conn, village):
    a = _person(store, "Quàng Văn Mạnh", birth_date="01/01/1970")
    b = _person(store, "Quàng Văn Mạnh", birth_date="01/01/1970")
    [c] = duplicates.candidates(conn)
    duplicates.dismiss(store, c.id)
    assert duplicates.candidates(conn) == []
    store.edit("person", a, {"phone": "0912345678", "full_name": "Quàng Văn  Mạnh"})
    store.edit("person", b, {"gender": "male"})
    duplicates.scan(conn, everyone=True)
    assert duplicates.candidates(conn) == []
    [kept] = duplicates.candidates(conn, duplicates.NOT_SAME)
    assert kept.id == c.id and kept.decided_by == "tester"
    # An open pair whose records no longer match leaves the queue.
    x = _person(store, "Giàng A Páo", birth_date="02/02/1980")
    y = _person(store, "Giàng A Páo", birth_date="02/02/1980")
    assert _pair(x, y) in _open(conn)
    store.edit("person", y, {"birth_date": "03/03/1981"})
    assert _pair(x, y) not in _open(conn)
    with pytest.raises(UserError, match="số"):
        duplicates.merge(store, "abc", x)


@pytest.fixture
def world(store, village):
    """Two records of one man, each with a membership, attendance, a deed, a chair."""
    org = store.add("organization", {"name": "Tổ tự quản bản Huổi Lếch",
                                     "org_type": "to_tu_quan", "unit_id": village}).id
    org2 = store.add("organization", {"name": "Tổ hòa giải bản Huổi Lếch",
                                      "org_type": "to_hoa_giai", "unit_id": village}).id
    keep = _person(store, "Lò Văn Đức", birth_date="05/03/1985", residence_unit_id=village)
    drop = _person(store, "Lo Van Duc", birth_date="05/03/1985", phone="0912345678",
                   residence_unit_id=village)
    m1 = store.add("membership", {"person_id": drop, "organization_id": org,
                                  "role": "thanh_vien", "joined_date": "2020"}).id
    m2 = store.add("membership", {"person_id": drop, "organization_id": org2,
                                  "role": "thanh_vien", "joined_date": "2021"}).id
    m0 = store.add("membership", {"person_id": keep, "organization_id": org2,
                                  "role": "thanh_vien", "joined_date": "2019"}).id
    meeting = store.add("meeting", {"organization_id": org, "title": "Họp tổ",
                                    "started_at": "08:00 01/06/2026", "chair_id": drop}).id
    att = store.add("attendance", {"meeting_id": meeting, "person_id": drop,
                                   "present": "có"}).id
    deed = store.add("deed", {"person_id": drop, "description": "Bắt kẻ trộm trâu",
                              "deed_date": "2025"}).id
    return {"keep": keep, "drop": drop, "m1": m1, "m2": m2, "m0": m0, "meeting": meeting,
            "att": att, "deed": deed, "org": org}


def test_merge_keeps_one_record_and_the_other_becomes_an_alias_of_it(store, conn, world):
    keep, drop = world["keep"], world["drop"]
    [c] = duplicates.candidates(conn)
    with pytest.raises(UserError, match="--keep"):
        duplicates.merge(store, c.id, "someone-else")
    merged = duplicates.merge(store, c.id, keep)
    assert merged.status == duplicates.MERGED and merged.kept == keep
    old = records.get(conn, PERSON, drop)
    assert old["merged_into"] == keep and old["deleted"]
    assert records.get(conn, PERSON, keep)["phone"] == "0912345678"  # filled from the other
    get = lambda kind, rid: records.get(conn, KINDS[kind], rid)  # noqa: E731
    assert get("membership", world["m1"])["person_id"] == keep
    assert get("membership", world["m2"])["deleted"]  # the survivor is already a member
    assert get("attendance", world["att"])["person_id"] == keep
    assert get("deed", world["deed"])["person_id"] == keep
    assert get("meeting", world["meeting"])["chair_id"] == keep
    assert aliases.resolve(conn, drop) == keep
    # The old id typed in a new record names the survivor.
    deed2 = store.add("deed", {"person_id": drop, "description": "Cứu người đuối nước",
                               "deed_date": "2026"}).id
    assert get("deed", deed2)["person_id"] == keep
    assert duplicates.candidates(conn) == []  # the alias is no candidate any more

    undone = duplicates.unmerge(store, c.id)
    assert undone.status == duplicates.OPEN
    old = records.get(conn, PERSON, drop)
    assert not old["deleted"] and old["merged_into"] is None
    assert records.get(conn, PERSON, keep)["phone"] is None
    assert get("membership", world["m1"])["person_id"] == drop
    assert not get("membership", world["m2"])["deleted"]
    assert get("attendance", world["att"])["person_id"] == drop
    assert get("deed", world["deed"])["person_id"] == drop
    assert get("meeting", world["meeting"])["chair_id"] == drop
    with pytest.raises(UserError, match="chưa được gộp"):
        duplicates.unmerge(store, c.id)


def test_a_merge_is_one_step_of_the_windows_undo(store, conn, world):
    undo = UndoStack(store)
    [c] = duplicates.candidates(conn)
    duplicates.merge(undo, c.id, world["drop"])  # either may be kept
    assert records.get(conn, PERSON, world["keep"])["merged_into"] == world["drop"]
    undo.undo()
    assert records.get(conn, PERSON, world["keep"])["merged_into"] is None
    assert not records.get(conn, PERSON, world["keep"])["deleted"]
    [again] = duplicates.candidates(conn)
    assert again.id == c.id and again.status == duplicates.OPEN


def test_references_that_name_a_merged_id_later_are_brought_to_the_survivor(store, conn,
                                                                          world):
    keep, drop = world["keep"], world["drop"]
    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, keep)
    # As a bundle from a site that had not seen the merge writes them: straight into rows.
    m3 = store.add("membership", {"person_id": keep, "organization_id": world["org"],
                                  "role": "thanh_vien"}).id
    d2 = store.add("deed", {"person_id": keep, "description": "Cứu người đuối nước",
                            "deed_date": "2026"}).id
    conn.execute("UPDATE membership SET person_id = ? WHERE id = ?", (drop, m3))
    conn.execute("UPDATE deed SET person_id = ? WHERE id = ?", (drop, d2))
    assert aliases.follow_merges(store) == 2
    assert records.get(conn, KINDS["deed"], d2)["person_id"] == keep
    # The survivor is a member of that organization already (the merge moved it): the late
    # second membership is deleted, as the merge itself does.
    assert records.get(conn, KINDS["membership"], m3)["deleted"]
    assert aliases.follow_merges(store) == 0


def test_refusals_name_what_is_wrong(store, conn, world):
    with pytest.raises(UserError, match="Mã cặp"):
        duplicates.get(conn, "x")
    with pytest.raises(UserError, match="Không có cặp"):
        duplicates.get(conn, 999)
    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, world["keep"])
    with pytest.raises(UserError, match="đã được gộp"):
        duplicates.merge(store, c.id, world["keep"])
    with pytest.raises(UserError, match="bỏ gộp"):
        duplicates.dismiss(store, c.id)
    with pytest.raises(ValidationError):
        store.edit("membership", world["m1"], {"person_id": "nobody"})


def test_every_kind_of_reference_follows_the_merge_and_comes_back(store, conn, world,
                                                                  tmp_path):
    """Memberships, attendance, deeds, a meeting's chair and secretary, a camera's owner and
    the files attached to the record: moved by the merge, back after unmerge; and, written
    later naming the old id, brought to the survivor."""
    from desktop.storage import attachments
    from desktop.storage.same_person import references

    keep, drop = world["keep"], world["drop"]
    expected = {("membership", "person_id"), ("meeting", "chair_id"),
                ("meeting", "secretary_id"), ("attendance", "person_id"),
                ("deed", "person_id"), ("camera", "owner_person_id")}
    assert expected <= set(references())  # a kind naming people is followed without a list
    village = records.get(conn, PERSON, keep)["residence_unit_id"]
    store.edit("meeting", world["meeting"], {"secretary_id": drop})
    camera = store.add("camera", {"owner_name": "Hộ ông Đức", "owner_person_id": drop,
                                  "unit_id": village, "camera_count": 2}).id
    scan = tmp_path / "cccd.jpg"
    scan.write_bytes(b"\xff\xd8 a scan of the card")
    attached = attachments.attach(store, "person", drop, scan).id
    named = [("membership", world["m1"], "person_id"), ("attendance", world["att"], "person_id"),
             ("deed", world["deed"], "person_id"), ("meeting", world["meeting"], "chair_id"),
             ("meeting", world["meeting"], "secretary_id"),
             ("camera", camera, "owner_person_id"), ("attachment", attached, "owner_id")]

    def who() -> list[object]:
        return [records.get(conn, KINDS[k], rid)[f] for k, rid, f in named]

    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, keep)
    assert who() == [keep] * len(named)
    duplicates.unmerge(store, c.id)
    assert who() == [drop] * len(named)
    duplicates.merge(store, c.id, keep)
    # Late: each reference set back to the old id, as rows a bundle writes.
    for k, rid, f in named:
        conn.execute(f"UPDATE {KINDS[k].table} SET {f} = ? WHERE id = ?", (drop, rid))
    assert aliases.follow_merges(store) == len(named)
    assert who() == [keep] * len(named)


def test_a_chain_of_merges_and_a_cycle_resolve_the_same_everywhere(store, conn, village):
    a = _person(store, "Lò Văn A", birth_date="01/01/1980")
    b = _person(store, "Lò Văn A", birth_date="01/01/1980")
    c = _person(store, "Lò Văn A", birth_date="01/01/1980")
    assert len(duplicates.candidates(conn)) == 3
    found = {(x.a, x.b): x for x in duplicates.candidates(conn)}
    duplicates.merge(store, found[_pair(b, c)].id, b)  # c into b
    duplicates.merge(store, found[_pair(a, b)].id, a)  # then b into a
    assert aliases.resolve(conn, c) == a and aliases.resolve(conn, b) == a
    # Two sites merging each way (a into b here, b into a there) make a cycle once both
    # arrive: every site picks the same end, the smallest id.
    conn.execute("UPDATE person SET merged_into = ? WHERE id = ?", (b, a))
    assert aliases.resolve(conn, a) == aliases.resolve(conn, b) == min(a, b)


def test_erasing_a_merged_record_keeps_its_alias_and_drops_its_match_keys(store, conn, world):
    from desktop.storage.erasure import erase_person

    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, world["keep"])
    erase_person(store, world["drop"])
    assert records.get(conn, PERSON, world["drop"])["merged_into"] == world["keep"]
    assert records.get(conn, PERSON, world["drop"])["full_name"] is None
    assert aliases.resolve(conn, world["drop"]) == world["keep"]
    # A person deleted and erased before any scan: the folded name and the CCCD leave the
    # match keys in the erasure's own transaction.
    other = _person(store, "Vàng Thị Mỷ", citizen_id="011190000777")
    duplicates.scan(conn)
    store.delete("person", other)
    erase_person(store, other)
    assert conn.execute("SELECT count(*) FROM duplicate_key WHERE person = (SELECT _rowid "
                        "FROM person WHERE id = ?)", (other,)).fetchone()[0] == 0


def test_a_merged_record_is_not_among_the_recently_deleted(store, conn, world):
    from desktop.storage.history import recently_deleted

    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, world["keep"])
    listed = {item.id for item in recently_deleted(conn)}
    assert world["m2"] in listed  # a second membership of one organization, deleted
    assert world["drop"] not in listed  # merged: taken back by Bỏ gộp, not Khôi phục


def test_one_pair_merged_each_way_at_two_sites_leaves_one_live_record(store, conn, world):
    keep, drop = world["keep"], world["drop"]
    [c] = duplicates.candidates(conn)
    duplicates.merge(store, c.id, keep)
    # The other way round arrives from another site: both records are now aliases.
    conn.execute("UPDATE person SET merged_into = ?, _deleted = 1 WHERE id = ?", (drop, keep))
    assert aliases.follow_merges(store) >= 1
    live = min(keep, drop)
    other = max(keep, drop)
    assert not records.get(conn, PERSON, live)["deleted"]
    assert records.get(conn, PERSON, live)["merged_into"] is None
    assert records.get(conn, PERSON, other)["merged_into"] == live
    assert records.get(conn, KINDS["membership"], world["m1"])["person_id"] == live
    [merged] = duplicates.candidates(conn, duplicates.MERGED)
    assert merged.kept == live


def test_a_merge_made_without_the_queue_is_unmerged_in_part(store, conn, world):
    """«Là cùng một người» while typing (or a merge that came from another site) leaves no list
    of what moved: unmerge restores the other record, no longer an alias; what moved stays."""
    from desktop.storage.same_person import merge_people

    keep, drop = world["keep"], world["drop"]
    merge_people(store, keep, drop_id=drop)
    [c] = duplicates.candidates(conn, duplicates.MERGED)
    assert c.kept == keep
    undone = duplicates.unmerge(store, c.id)
    assert undone.partial and undone.status == duplicates.OPEN
    old = records.get(conn, PERSON, drop)
    assert not old["deleted"] and old["merged_into"] is None
    assert records.get(conn, KINDS["membership"], world["m1"])["person_id"] == keep


def test_the_officers_answers_are_in_the_audit_log(store, conn, world):
    from desktop.storage import audit

    [c] = duplicates.candidates(conn)
    duplicates.dismiss(store, c.id)
    duplicates.reopen(store, c.id)
    duplicates.merge(store, c.id, world["keep"])
    duplicates.unmerge(store, c.id)
    events = [e for e in audit.entries(conn) if e.action.startswith("duplicate-")]
    assert [e.action for e in reversed(events)] == [
        "duplicate-dismiss", "duplicate-reopen", "duplicate-merge", "duplicate-unmerge"]
    assert all(e.actor == "tester" for e in events)
    assert audit.action_label("duplicate-merge") == "Là một người (gộp hai hồ sơ)"


def test_migration_20_puts_everyone_already_recorded_in_the_queue(tmp_path):
    """A database from before issue 15: its people, twins among them, are all looked at the
    first time the queue is read."""
    from desktop.storage import db, migrations

    path = tmp_path / "v19.db"
    conn = db.open_database(path, migrate=False)
    migrations.apply(conn, stop_before=20)
    conn.execute("BEGIN")
    for pid, name in (("p1", "Lò Văn Đức"), ("p2", "LÒ VĂN ĐỨC"), ("p3", "Quàng Thị Hoa")):
        conn.execute("INSERT INTO person(id, _part, full_name, birth_date) VALUES "
                     "(?, '03160', ?, '1985-03-05')", (pid, name))
    conn.execute("COMMIT")
    assert 20 in migrations.apply(conn)
    assert duplicates.pending(conn) == 3
    [c] = duplicates.candidates(conn)
    assert (c.a, c.b) == ("p1", "p2") and c.score == 60
    assert duplicates.pending(conn) == 0
    conn.close()


def test_scan_only_some_people_leaves_the_rest_to_scan(store, conn, village):
    """``scan(only=…)`` (an import's people) looks at those still to scan and leaves the
    others dirty for the page; a twin met later is found when the other is scanned."""
    a = _person(store, "Lò Văn Đức", birth_date="05/03/1985", residence_unit_id=village)
    b = _person(store, "LO VAN DUC", birth_date="05/03/1985", residence_unit_id=village)
    c = _person(store, "Quàng Thị Hoa", birth_date="1990")
    assert duplicates.pending(conn) == 3
    done = duplicates.scan(conn, only=[b, "not-a-person-id"])
    assert done.checked == 1 and duplicates.pending(conn) == 2
    assert duplicates.count_open(conn) == 0  # a is not filed yet: found when it is scanned
    assert duplicates.scan(conn, only=[b]).checked == 0  # scanned already: nothing to do
    assert duplicates.scan(conn, only=[]).checked == 0
    assert duplicates.scan(conn).checked == 2 and duplicates.pending(conn) == 0
    assert list(_open(conn)) == [_pair(a, b)] and c


def test_scan_only_reads_a_short_queue_whole_and_a_long_one_by_id(store, conn, village):
    """``scan(only=…)`` takes the same people whether the queue is no longer than the ids
    (read whole) or longer (looked up an id at a time): those of the ids still to scan,
    never one of the queue the ids do not name."""
    a = _person(store, "Lò Văn Đức", birth_date="05/03/1985", residence_unit_id=village)
    b = _person(store, "LO VAN DUC", birth_date="05/03/1985", residence_unit_id=village)
    c = _person(store, "Quàng Thị Hoa", birth_date="1990")
    d = _person(store, "Điêu Chính Tới", birth_date="12/12/1970")
    # a queue of 4 and 3 ids (one not there): looked up an id at a time
    assert duplicates.scan(conn, only=[c, d, "not-a-person-id"]).checked == 2
    assert duplicates.pending(conn) == 2
    # a queue of 2 and 3 ids naming one of them: read whole, a is left to scan
    assert duplicates.scan(conn, only=[b, "x-1", "x-2"]).checked == 1
    assert duplicates.pending(conn) == 1 and duplicates.count_open(conn) == 0
    # a queue of 1 and 2 ids naming it: read whole, the twin found
    assert duplicates.scan(conn, only=["x-0", a]).checked == 1
    assert duplicates.pending(conn) == 0
    assert list(_open(conn)) == [_pair(a, b)]


def test_watching_notes_the_people_written_on_this_connection_and_kept(store, conn, village):
    a = _person(store, "Lò Văn Đức", birth_date="05/03/1985")
    with duplicates.watching(conn) as written:
        b = _person(store, "Quàng Thị Hoa", birth_date="1990")
        store.edit("person", a, {"phone": "0912345678"})  # no matched field: not noted
        conn.execute("BEGIN")
        conn.execute("UPDATE person SET full_name = 'Lò Văn Thắng' WHERE id = ?", (a,))
        conn.execute("ROLLBACK")  # a write taken back leaves no note
        assert written.ids() == [b]
        store.edit("person", a, {"birth_date": "06/03/1985"})
        assert sorted(written.ids()) == sorted([a, b])
    _person(store, "Giàng A Páo", birth_date="1980")  # after the block: not noted any more
    assert conn.execute("SELECT count(*) FROM temp.duplicate_written").fetchone()[0] == 0
    assert not conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND "
                            "name LIKE 'duplicate_watch%'").fetchall()


def test_queue_reads_its_people_a_chunk_at_a_time_as_one_at_a_time(store, conn, village,
                                                                   monkeypatch):
    """The queue's people read a chunk of ids a statement: each pair carries the same two
    records, in the pair's order, as a read of each by id; one the commune does not hold
    (an alias naming a survivor kept elsewhere) is its id alone."""
    for i in range(4):  # four twins: eight people, more than a chunk
        for name in (f"Lò Văn Đức {i}", f"LÒ VĂN ĐỨC {i}"):
            _person(store, name, birth_date="05/03/1985", residence_unit_id=village)
    duplicates.scan(conn)
    conn.execute("INSERT INTO duplicate_candidate (a, b, score, reasons, status, found_local) "
                 "VALUES (?, 'zz-elsewhere', 10, '[\"name\"]', 'open', '2026-01-01T00:00:00')",
                 (conn.execute("SELECT id FROM person LIMIT 1").fetchone()[0],))
    monkeypatch.setattr(duplicates, "_PEOPLE_CHUNK", 3)
    found = duplicates.candidates(conn)
    assert len(found) == 5
    for c in found:
        assert [p["id"] for p in c.people] == [c.a, c.b]
        for p in c.people:
            if p["id"] == "zz-elsewhere":
                assert p == {"id": "zz-elsewhere"}
                continue
            part = conn.execute("SELECT _part FROM person WHERE id = ?", (p["id"],)).fetchone()
            assert p == {**records.get(conn, PERSON, str(p["id"])), "_part": part[0]}
        assert duplicates.get(conn, c.id).as_dict() == c.as_dict()
