from __future__ import annotations

from desktop.domain.kinds import KINDS
from desktop.storage import history, records


def test_undo_takes_back_edits_deletes_and_creations_in_turn(store, conn):
    undo = history.UndoStack(store)
    pid = undo.add("person", {"full_name": "Lò Văn Ấn", "phone": "0912345678"}).id
    undo.edit("person", pid, {"full_name": "Lò Văn Ân", "phone": "0912345678"})
    undo.delete("person", pid)
    person = KINDS["person"]

    assert undo.undo().action == "delete"
    assert records.get(conn, person, pid)["deleted"] is False
    assert undo.undo().action == "update"
    assert records.get(conn, person, pid)["full_name"] == "Lò Văn Ấn"
    assert undo.undo().action == "create"
    assert records.get(conn, person, pid)["deleted"] is True
    assert undo.undo() is None and not undo.can_undo
    # Every undo was a versioned write, never a silent change.
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE pk = ? "
                                          "ORDER BY seq", (pid,))]
    assert actions == ["create", "update", "delete", "restore", "update", "delete"]


def test_an_edit_that_changes_nothing_leaves_nothing_to_undo(store):
    undo = history.UndoStack(store)
    pid = store.add("person", {"full_name": "Lò Văn Ấn"}).id
    undo.edit("person", pid, {"full_name": "Lò  Văn Ấn "})  # cleans to the same value
    assert not undo.can_undo


def test_recently_deleted_lists_what_is_still_deleted_latest_first(store, conn):
    a = store.add("person", {"full_name": "Giàng A Dơ"}).id
    b = store.add("person", {"full_name": "Lò Thị Mai"}).id
    store.delete("person", a)
    store.delete("person", b)
    items = history.recently_deleted(conn)
    assert [(i.kind, i.title) for i in items] == [("person", "Lò Thị Mai"),
                                                  ("person", "Giàng A Dơ")]
    store.restore("person", b)
    assert [i.id for i in history.recently_deleted(conn)] == [a]


def test_a_batch_is_one_transaction_and_one_undo_step(store, conn):
    undo = history.UndoStack(store)
    with undo.batch():
        a = undo.add("person", {"full_name": "Giàng A Dơ"}).id
        b = undo.add("person", {"full_name": "Lò Thị Mai"}).id
    assert undo.undo().id == a
    person = KINDS["person"]
    assert records.get(conn, person, a)["deleted"] and records.get(conn, person, b)["deleted"]
    assert not undo.can_undo


def test_a_failing_batch_saves_nothing(store, conn, dump):
    import pytest

    from desktop.domain.errors import ValidationError

    undo = history.UndoStack(store)
    before = dump(conn)
    with pytest.raises(ValidationError), undo.batch():
        undo.add("person", {"full_name": "Giàng A Dơ"})
        undo.add("person", {"full_name": "Lò Thị Mai", "birth_date": "32/01/2000"})
    assert dump(conn) == before and not undo.can_undo
