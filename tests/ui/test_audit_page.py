"""The window's *Nhật ký* page (read only, newest first, paged as it scrolls, filtered by date and
account, the chain checked in the background) and *Xóa vĩnh viễn…* on the recently deleted
page (issue 11)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from uikit import click_page, close_window, open_window, save

from desktop.storage import audit, backup
from desktop.ui.accounts import audit_page
from desktop.ui.common.print_preview import last_preview


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    yield w
    close_window(w)


def _rows(page) -> list[list[str]]:
    m = page.model
    return [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]


def _answer(button_text: str, seen: list[str]) -> None:
    """Click ``button_text`` on the message box the window is about to show (modal)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for b in box.buttons():
            if b.text() == button_text:
                b.click()
                return
    QTimer.singleShot(0, click)


def test_the_log_newest_first_paged_and_filtered(window, qtbot, monkeypatch):
    monkeypatch.setattr(audit_page, "BATCH", 10)
    store = window.store
    pid = store.add("person", {"full_name": "Lò Văn Ấn", "citizen_id": "011090001234"}).id
    audit.record_event(window.conn, "cán bộ Mai", "print", {"what": "Danh sách"})
    page = click_page(qtbot, window, "audit")
    rows = _rows(page)
    assert len(rows) == 10 and page.model.canFetchMore()
    assert rows[0][2:5] == ["cán bộ Mai", "In", ""] and "Danh sách" in rows[0][6]
    assert rows[1][3] == "Thêm" and rows[1][4] == "Người" and "Lò Văn Ấn" in rows[1][6]
    assert "011090001234" not in str(rows[1])  # the CCCD only as its keyed hash
    seqs = [int(r[0]) for r in rows]
    assert seqs == sorted(seqs, reverse=True)
    page.model.fetchMore()  # as the list scrolls
    assert [int(r[0]) for r in _rows(page)][10:12] == [seqs[-1] - 1, seqs[-1] - 2]
    # By account: the combo lists who is in the log.
    index = page.actor.findData("cán bộ Mai")
    assert index > 0
    page.actor.setCurrentIndex(index)
    assert [r[2] for r in _rows(page)] == ["cán bộ Mai"]
    page.actor.setCurrentIndex(0)
    # By date: nothing from the future; a date that does not read is said so.
    page.since.setText("01/01/2100")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    page.since.setText("31/02/2026")
    qtbot.waitUntil(lambda: page.notice.isVisibleTo(page) and "31/02/2026" in page.notice.text())
    page.since.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == 10)
    assert pid
    save(window, "page_audit_log.png")


def test_the_check_runs_in_the_background_and_names_a_break(window, qtbot):
    page = click_page(qtbot, window, "audit")
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "last_message", None) is not None, timeout=20000)
    assert "nguyên vẹn" in page.last_message.text()
    page.last_message.close()
    page.last_message = None
    # The second entry (the demo's records were made in batches: its number is not 2).
    seq = window.conn.execute("SELECT seq FROM audit_entry ORDER BY seq LIMIT 1 OFFSET 1"
                              ).fetchone()[0]
    window.conn.execute("INSERT INTO audit_name (kind, name) VALUES ('actor', 'ai đó')")
    window.conn.execute("UPDATE audit_entry SET actor = (SELECT n FROM audit_name WHERE name = "
                        "'ai đó') WHERE seq = ?", (seq,))
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "last_message", None) is not None, timeout=20000)
    text = page.last_message.text()
    assert f"mục số {seq} " in text and "đã bị sửa" in text
    page.last_message.close()


def test_erase_for_good_from_recently_deleted_lists_the_backups(window, qtbot):
    store = window.store
    pid = store.add("person", {"full_name": "Vàng Thị Mai", "citizen_id": "011090004321"}).id
    made = backup.backup_now(window.conn, window.db_path, "manual")
    window.undo.delete("person", pid)
    page = click_page(qtbot, window, "deleted")
    row = next(i for i, item in enumerate(page.items) if item.id == pid)
    page.table.selectRow(row)
    seen: list[str] = []
    _answer("Không", seen)
    qtbot.mouseClick(page.erase_button, Qt.MouseButton.LeftButton)
    assert seen and "Vàng Thị Mai" in seen[0] and made.name in seen[0]
    assert window.conn.execute("SELECT full_name FROM person WHERE id = ?",
                               (pid,)).fetchone()[0] == "Vàng Thị Mai"
    page.table.selectRow(row)
    _answer("Xóa vĩnh viễn", seen)
    qtbot.mouseClick(page.erase_button, Qt.MouseButton.LeftButton)
    row_after = window.conn.execute("SELECT full_name, citizen_id FROM person WHERE id = ?",
                                    (pid,)).fetchone()
    assert tuple(row_after) == (None, None)
    assert pid not in [i.id for i in page.items]
    assert "Đã xóa vĩnh viễn «Vàng Thị Mai»" in window.statusBar().currentMessage()
    # Undo cannot bring the values back: the delete it remembered is forgotten.
    window.undo_last()
    assert window.conn.execute("SELECT _deleted, full_name FROM person WHERE id = ?",
                               (pid,)).fetchone()[:] == (1, None)
    assert "Vàng Thị Mai" not in str(_rows(click_page(qtbot, window, "audit")))
    assert audit.verify(window.conn).intact


def test_a_saved_or_printed_document_is_an_entry(window, qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    page = click_page(qtbot, window, "meetings")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    page.table.selectRow(0)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: last_preview(page) is not None, timeout=30000)
    preview = last_preview(page)
    saved = preview.save_as(str(tmp_path / "bien-ban.pdf"))
    event = audit.entries(window.conn, limit=1)[0]
    assert (event.action, event.actor) == ("export", window.store.actor)
    assert event.detail == {"file": str(saved), "format": "pdf", "what": "Biên bản"}
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    preview.print_to(printer)
    event = audit.entries(window.conn, limit=1)[0]
    assert event.action == "print" and event.detail["what"] == "Biên bản"
    preview.close()


def test_many_records_made_at_once_are_one_row_that_opens_them(window, qtbot):
    """An import or a bulk add is one entry (format 3): one row saying how many records and
    their numbers; a double click lists them one by one with the values they were made with."""
    village = window.conn.execute("SELECT id FROM unit WHERE level = 'village' LIMIT 1"
                                  ).fetchone()[0]
    ids = window.store.add_many("person", [
        {"full_name": name, "residence_unit_id": village}
        for name in ("Lò Văn Ấn", "Giàng Thị Dợ", "Vàng A Páo")])
    page = click_page(qtbot, window, "audit")
    first = audit.entries(window.conn, limit=1)[0]
    row = _rows(page)[0]
    assert row[0] == f"{first.seq}–{first.seq + 2}" and row[3:5] == ["Thêm", "Người"]
    assert f"3 bản ghi, mục số {first.seq}–{first.seq + 2}" in row[6]
    table = page.table
    # A large commune's range of numbers is not cut («348432–34…» in a 300,000-person log).
    assert table.columnWidth(0) > table.fontMetrics().horizontalAdvance("348432–348434")
    rect = table.visualRect(page.model.index(0, 4))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.last_batch is not None and page.last_batch.isVisible())
    dialog = page.last_batch
    shown = _rows(dialog)
    assert [r[0] for r in shown] == [str(first.seq + i) for i in range(3)]
    assert ["Lò Văn Ấn" in shown[0][6], "Giàng Thị Dợ" in shown[1][6],
            "Vàng A Páo" in shown[2][6]] == [True, True, True]
    assert [e.pk for e in dialog.model.entries] == ids
    save(dialog, "page_audit_batch.png")
    dialog.close()
    # From the keyboard too: Enter on the row opens the same batch.
    page.last_batch = None
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_batch is not None and page.last_batch.isVisible())
    assert [e.pk for e in page.last_batch.model.entries] == ids
    page.last_batch.close()
