"""The *Trùng lặp* page (issue 15): the two records side by side, «Là một người» asking which
to keep, «Không phải một người», «Bỏ gộp» and Hoàn tác — by clicks on the real widgets."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from uikit import click_menu, click_page, close_window, open_window, save

from desktop.domain.kinds import KINDS
from desktop.storage import duplicates, records

PERSON = KINDS["person"]


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    yield w
    close_window(w)


def _answer(prefix: str, seen: list[str]) -> None:
    """Click the button starting with ``prefix`` on the message box about to be shown."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for b in box.buttons():
            if b.text().startswith(prefix):
                b.click()
                return
    QTimer.singleShot(0, click)


def _twins(window, name: str, born: str) -> tuple[str, str]:
    village = window.conn.execute("SELECT id FROM unit WHERE level = 'village' LIMIT 1"
                                  ).fetchone()[0]
    a = window.store.add("person", {"full_name": name, "birth_date": born, "phone": "0912345678",
                                    "residence_unit_id": village}).id
    b = window.store.add("person", {"full_name": name.upper(), "birth_date": born,
                                    "residence_unit_id": village}).id
    return a, b


def _page(window, qtbot):
    page = click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(page.isVisible)  # a page built into a shown tab is shown by the event loop
    page.reload()
    _read(qtbot, page)
    return page


def _read(qtbot, page) -> None:
    """The queue read on the page's worker has come (every reload asks it there)."""
    qtbot.waitUntil(lambda: not page.reading, timeout=5000)


def _select(qtbot, page, a: str, b: str) -> None:
    _read(qtbot, page)
    row = next(r for r, c in enumerate(page.found) if {c.a, c.b} == {a, b})
    rect = page.table.visualRect(page.table.model().index(row, 2))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert {page.current().a, page.current().b} == {a, b}


def _person(window, pid):
    return records.get(window.conn, PERSON, pid)


def test_same_person_merged_by_clicks_then_taken_back(window, qtbot, tmp_path):
    a, b = _twins(window, "Lò Văn Đức", "05/03/1985")
    page = _page(window, qtbot)
    _select(qtbot, page, a, b)
    # Side by side: the two names as typed, the phone only one of them has, highlighted
    # where both have a value and they differ.
    shown = [[page.compare.item(r, c).text() for c in range(2)]
             for r in range(page.compare.rowCount())]
    assert sorted(shown[0]) == sorted(["Lò Văn Đức", "LÒ VĂN ĐỨC"])
    assert page.compare.item(0, 0).background().color().name() == "#fff1c2"
    save(window, "duplicates-page.png")

    c = page.current()
    seen: list[str] = []
    _answer("Giữ hồ sơ 1", seen)
    qtbot.mouseClick(page.same_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert "Giữ lại hồ sơ nào" in seen[0]
    dropped = c.b
    assert _person(window, dropped)["merged_into"] == c.a and _person(window, dropped)["deleted"]
    _read(qtbot, page)
    assert all({x.a, x.b} != {a, b} for x in page.found)  # gone from the open queue
    assert "Đã gộp" in window.statusBar().currentMessage()

    # The window's Hoàn tác takes the merge back as one step.
    click_menu(qtbot, window, window.undo_action)
    assert _person(window, dropped)["merged_into"] is None
    assert not _person(window, dropped)["deleted"]
    page.reload()
    _select(qtbot, page, a, b)

    # Merged again, keeping the other; then «Bỏ gộp» from the merged list.
    seen.clear()
    _answer("Giữ hồ sơ 2", seen)
    qtbot.mouseClick(page.same_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert _person(window, c.a)["merged_into"] == c.b
    assert _person(window, c.b)["phone"] == "0912345678" or _person(window, c.a)["phone"]
    page.status.setCurrentIndex(page.status.findData(duplicates.MERGED))
    _select(qtbot, page, a, b)
    assert page.unmerge_button.isVisible()
    qtbot.mouseClick(page.unmerge_button, Qt.MouseButton.LeftButton)
    assert _person(window, c.a)["merged_into"] is None and not _person(window, c.a)["deleted"]
    assert duplicates.get(window.conn, c.id).status == duplicates.OPEN


def test_not_the_same_person_leaves_the_queue_for_good(window, qtbot):
    a, b = _twins(window, "Quàng Thị Hoa", "01/01/1990")
    page = _page(window, qtbot)
    _select(qtbot, page, a, b)
    qtbot.mouseClick(page.not_same_button, Qt.MouseButton.LeftButton)
    _read(qtbot, page)
    assert all({x.a, x.b} != {a, b} for x in page.found)
    window.store.edit("person", a, {"phone": "0987654321"})
    page.reload()
    _read(qtbot, page)
    assert all({x.a, x.b} != {a, b} for x in page.found)
    page.status.setCurrentIndex(page.status.findData(duplicates.NOT_SAME))
    _select(qtbot, page, a, b)
    assert page.reopen_button.isVisible() and not page.not_same_button.isEnabled()


def test_cancel_merges_nothing(window, qtbot):
    a, b = _twins(window, "Giàng A Páo", "02/02/1980")
    page = _page(window, qtbot)
    _select(qtbot, page, a, b)
    seen: list[str] = []
    _answer("Hủy", seen)
    qtbot.mouseClick(page.same_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen))
    assert _person(window, a)["merged_into"] is None and _person(window, b)["merged_into"] is None


def test_many_people_to_look_at_are_scanned_in_the_background(window, qtbot, monkeypatch):
    from desktop.ui.people import duplicates_page

    a, b = _twins(window, "Lường Văn Thưởng", "03/03/1975")
    monkeypatch.setattr(duplicates_page, "BACKGROUND_FROM", 0)
    page = click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(page.isVisible)
    page.reload()  # two people written since the last look: more than 0, so in the background
    qtbot.waitUntil(lambda: any({x.a, x.b} == {a, b} for x in page.found), timeout=10000)
    assert duplicates.pending(window.conn) == 0
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Đã xét" in window.statusBar().currentMessage(), timeout=10000)
    assert any({x.a, x.b} == {a, b} for x in page.found)


def test_two_communes_are_named_before_a_merge_across_them(qapp, demo_factory, tmp_path, qtbot):
    w = open_window(demo_factory(2, 5), tmp_path)
    try:
        villages = [r[0] for r in w.conn.execute(
            "SELECT v.id FROM unit v JOIN unit c ON c.id = v.parent_id WHERE v.level = 'village' "
            "GROUP BY c.id ORDER BY c.code LIMIT 2")]
        assert len(villages) == 2
        a, b = (w.store.add("person", {"full_name": "Sùng A Dình", "birth_date": "04/04/1984",
                                       "residence_unit_id": v}).id for v in villages)
        page = _page(w, qtbot)
        _select(qtbot, page, a, b)
        seen: list[str] = []
        _answer("Hủy", seen)
        qtbot.mouseClick(page.same_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(seen))
        assert "Hai hồ sơ ở hai xã" in seen[0]
        assert records.get(w.conn, PERSON, a)["merged_into"] is None
    finally:
        close_window(w)


def test_the_pair_is_told_apart_by_what_an_officer_reads_not_by_ids(window, qtbot):
    """Name, birth date, village, the CCCD masked as printed (011*****2345), ethnicity: the
    record ids (which an officer never reads) only in the tooltips."""
    village = window.conn.execute("SELECT id, name FROM unit WHERE level = 'village' LIMIT 1"
                                  ).fetchone()
    a = window.store.add("person", {"full_name": "Lò Thị Én", "birth_date": "05/03/1985",
                                    "gender": "female", "citizen_id": "011185002345",
                                    "ethnicity": "thai", "residence_unit_id": village[0]}).id
    b = window.store.add("person", {"full_name": "Lò Thị Én", "birth_date": "05/03/1985",
                                    "ethnicity": "thai", "residence_unit_id": village[0]}).id
    page = _page(window, qtbot)
    _select(qtbot, page, a, b)
    row = page.table.currentRow()
    cells = [page.table.item(row, c).text() for c in range(page.table.columnCount())]
    first = cells[2] if page.current().a == a else cells[3]
    assert first == f"Lò Thị Én · 05/03/1985 · {village[1]} · CCCD 011*****2345 · Thái"
    shown = " ".join(cells) + " ".join(
        page.compare.item(r, c).text() for r in range(page.compare.rowCount())
        for c in range(2) if page.compare.item(r, c))
    for secret in (a, b, "011185002345"):
        assert secret not in shown
    labels = [page.compare.verticalHeaderItem(r).text() for r in range(page.compare.rowCount())]
    assert "Mã hồ sơ" not in labels
    cccd_row = labels.index(PERSON.field("citizen_id").label)
    # beside its label the number alone (the one-line summary says «CCCD» before it)
    assert "011*****2345" in [page.compare.item(cccd_row, c).text() for c in range(2)]
    assert not any(page.compare.item(cccd_row, c).text().startswith("CCCD")
                   for c in range(2))
    assert a in page.table.item(row, 2).toolTip() + page.table.item(row, 3).toolTip()
    save(window, "duplicates_told_apart.png")


def test_page_reads_the_queue_once_on_opening_and_again_after_a_write(window, qtbot,
                                                                        monkeypatch):
    """Opening the page reads the queue once, on a worker's connection (the window refreshed
    the page it had just built, reading it twice, and on its own thread); a reload with
    nothing written keeps the pairs shown; a write (a new twin) or another status read it
    again."""
    a, b = _twins(window, "Lò Văn Đức", "05/03/1985")
    reads: list[object] = []
    queue = duplicates.queue

    def counted(conn, status=duplicates.OPEN, limit=500):
        reads.append((status, threading.get_ident()))
        return queue(conn, status, limit)

    monkeypatch.setattr(duplicates, "queue", counted)
    page = click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(page.isVisible)
    _read(qtbot, page)
    assert all(thread != threading.get_ident() for _s, thread in reads)  # on the worker
    reads[:] = [s for s, _t in reads]
    assert reads == [duplicates.OPEN]
    shown = [page.table.item(0, c).text() for c in range(5)]
    assert [{c.a, c.b} for c in page.found] == [{a, b}]
    page.reload()
    assert not page.reading and reads == [duplicates.OPEN]
    assert [page.table.item(0, c).text() for c in range(5)] == shown
    c, d = _twins(window, "Quàng Thị Én", "01/01/1990")
    page.reload()
    _read(qtbot, page)
    assert len(reads) == 2 and {frozenset((x.a, x.b)) for x in page.found} == {
        frozenset((a, b)), frozenset((c, d))}
    assert page.table.rowCount() == 2
    page.status.setFocus()
    qtbot.keyClick(page.status, Qt.Key.Key_Down)  # «Không phải một người»: none
    _read(qtbot, page)
    assert reads[-1][0] != duplicates.OPEN and page.table.rowCount() == 0
    qtbot.keyClick(page.status, Qt.Key.Key_Home)
    _read(qtbot, page)
    assert reads[-1][0] == duplicates.OPEN and page.table.rowCount() == 2


def test_the_queue_read_while_another_page_is_shown_is_there_on_coming_back(
        window, qtbot, monkeypatch):
    """The officer opens Trùng lặp and goes on to another page before the worker has read
    the queue: the pairs are there on coming back (shown then, with nothing read again)."""
    a, b = _twins(window, "Lò Văn Đức", "05/03/1985")
    let_go = threading.Event()
    queue = duplicates.queue
    reads: list[object] = []

    def held(conn, status=duplicates.OPEN, limit=500):
        reads.append(status)
        let_go.wait(10)
        return queue(conn, status, limit)

    monkeypatch.setattr(duplicates, "queue", held)
    page = click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(lambda: bool(reads))  # the worker is reading
    click_page(qtbot, window, "people")
    qtbot.waitUntil(lambda: not page.isVisible())
    let_go.set()
    _read(qtbot, page)
    assert page.table.rowCount() == 0  # hidden: not shown yet
    click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    assert [{c.a, c.b} for c in page.found] == [{a, b}] and reads == [duplicates.OPEN]


def test_the_pages_workers_let_go_of_the_file_with_the_window(window, qtbot):
    """A restore or another account: the window lets go of its file, and the connections the
    Trùng lặp and Địa bàn pages' workers keep on it are closed with the lists' own."""
    _twins(window, "Lò Văn Đức", "05/03/1985")
    page = _page(window, qtbot)
    areas = click_page(qtbot, window, "areas")
    qtbot.waitUntil(lambda: areas.counter.answer is not None, timeout=5000)
    workers = (page.reader.state, areas.counter.state)
    assert all(state.holding for state in workers)
    window.stop_pending_work()
    assert not any(state.holding for state in workers)
