"""A list's counts are made by one worker of its own on a connection it keeps from count to
count (desktop/ui/common/counting.py): right after writes, closed with the window's data, and
no thread started or woken at every key typed."""

from __future__ import annotations

import threading

from uikit import type_text

from desktop.storage import rosters
from desktop.storage.writer import Store
from desktop.ui.common import counting
from desktop.ui.records.pages import count_of


def counted_on(monkeypatch) -> list:
    """The connections the roster's counts were made on, in order."""
    used: list = []
    real = rosters.count_people

    def count(conn, scope, search=None):
        used.append(conn)
        return real(conn, scope, search)

    monkeypatch.setattr(rosters, "count_people", count)
    return used


def shown_count(page) -> str:
    return page.count.text()


def test_counts_are_made_on_one_kept_connection_and_right_after_a_write(window, qtbot,
                                                                       monkeypatch):
    page = window.people
    qtbot.waitUntil(lambda: shown_count(page) not in ("", "…"), timeout=5000)
    used = counted_on(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")
    qtbot.waitUntil(lambda: page.model.search == "ng" and shown_count(page) != "…",
                    timeout=5000)
    type_text(page.search, "uy")
    qtbot.waitUntil(lambda: page.model.search == "nguy" and shown_count(page) != "…",
                    timeout=5000)
    assert len(used) == 2 and used[0] is used[1]  # kept, not made again
    assert used[0] is not window.conn
    before = rosters.count_people(window.conn, page.scope(), "nguy")
    assert shown_count(page) == count_of("person", before)
    # A person who matches is written (here on the window's connection, as a dialog saves):
    place = window.conn.execute("SELECT residence_unit_id FROM person WHERE _deleted = 0 "
                                "AND residence_unit_id IS NOT NULL LIMIT 1").fetchone()[0]
    Store(window.conn, actor="tester").add("person", {"full_name": "Nguy Văn Mới",
                                                      "residence_unit_id": place})
    window.conn.commit()
    window.changed()  # what the window does after a save: its pages read again
    qtbot.waitUntil(lambda: shown_count(page) == count_of("person", before + 1),
                    timeout=5000)
    off_ui = [conn for conn in used if conn is not window.conn]  # (not ``model.total``)
    assert len(off_ui) > 2 and all(conn is used[0] for conn in off_ui)


def test_keys_typed_start_no_thread_and_one_worker_counts(window, qtbot, monkeypatch):
    page = window.people
    qtbot.waitUntil(lambda: shown_count(page) not in ("", "…"), timeout=5000)
    monkeypatch.setattr(page.model._counter.state, "delay", 1.0)
    assert page.model._counter.state.started  # its worker, made at the roster's first count
    started = []
    real_start = counting._start
    monkeypatch.setattr(counting, "_start", lambda work: started.append(work) or
                        real_start(work))
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    page.search.setFocus()
    for typed in ("ng", "u", "y", "ễ", "n"):
        type_text(page.search, typed)
        qtbot.wait(40)
    qtbot.waitUntil(lambda: page.model.search == "nguyễn" and shown_count(page) != "…",
                    timeout=5000)
    assert started == []  # the worker made at the first count goes on
    assert shown_count(page) == count_of("person", rosters.count_people(
        window.conn, page.scope(), "nguyễn"))


def test_the_count_connection_closes_with_the_window_s_data(window, qtbot, monkeypatch):
    page = window.people
    used = counted_on(monkeypatch)
    page.search.setFocus()
    type_text(page.search, "ng")
    qtbot.waitUntil(lambda: bool(used) and shown_count(page) != "…", timeout=5000)
    kept = used[-1]
    window.close_data()  # another account logs in: the key is forgotten

    def closed() -> bool:
        try:
            kept.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - closed
            return True
        return False

    qtbot.waitUntil(closed, timeout=6000)


def test_restore_from_the_window_after_counts_and_reading_ahead(window, qtbot, monkeypatch):
    """The workers' kept connections are closed before the file is replaced: an open reader
    made the restore refuse («đang được mở ở nơi khác») and the test wait on its message."""
    from PySide6.QtWidgets import QApplication, QMessageBox
    from uikit import close_window

    from desktop.storage import backup
    from desktop.ui.accounts import backup_dialog

    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _parent, _title, text, *a: warned.append(text)))
    page = window.people
    used = counted_on(monkeypatch)
    saved = backup.backup_now(window.conn, window.db_path, "manual")
    qtbot.waitUntil(lambda: page.model._ahead._warmed, timeout=10000)  # its own connection
    page.search.setFocus()
    type_text(page.search, "ng")
    qtbot.waitUntil(lambda: bool(used) and shown_count(page) != "…", timeout=5000)
    try:
        assert backup_dialog.restore_into(window, saved), warned
    finally:
        new = QApplication.instance().property("main_window")
        if new is not None and new is not window:
            close_window(new)
    assert warned == []
