"""Attachments through the window: dropped on the minutes, stored encrypted, saved back out
byte for byte with «Lưu tệp đính kèm ra…», a changed file refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from uikit import click_page, close_window, find_item, open_window, type_text

from desktop.storage.paths import attachments_dir
from desktop.ui.records import editors

MARKER = b"BIEN-BAN-MAT-7f3a9c"
NAME = "Biên bản họp Lò Văn Ấn.pdf"


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def drop(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    widget.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_a_dropped_scan_is_stored_encrypted_and_saved_out_byte_for_byte(
        window, qtbot, tmp_path_factory, monkeypatch):
    scan = tmp_path_factory.mktemp("desktop") / NAME
    scan.write_bytes(b"%PDF-1.4 " + MARKER * 200)
    window.tree.setCurrentIndex(find_item(window, "organization"))
    click_page(qtbot, window, "meetings")
    page = window.meetings
    dialog = page.add()
    type_text(dialog.editors["title"].widget, "Họp tổ")
    dialog.editors["started_at"].widget.setText("08:00 05/12/2026")
    drop(dialog.files, scan)
    dialog.save()
    assert not dialog.isVisible(), dialog.banner.text()
    meeting_id = page.current_id()

    stored = [p for p in attachments_dir(window.ctx.db_path).rglob("*") if p.is_file()]
    assert len(stored) == 1 and MARKER not in stored[0].read_bytes()
    assert "Biên" not in str(stored[0])

    told: list[str] = []
    monkeypatch.setattr(editors.QMessageBox, "information", lambda _p, _t, text: told.append(text))
    monkeypatch.setattr(editors.QMessageBox, "warning", lambda _p, _t, text: told.append(text))
    target = tmp_path_factory.mktemp("usb") / "ban-sao.pdf"
    monkeypatch.setattr(editors.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    again = page.open_dialog(meeting_id)
    assert again.files.item(0).text() == NAME
    again.files.setCurrentRow(0)
    qtbot.mouseClick(again.save_file, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == scan.read_bytes()
    assert told == [f"Đã ghi {target}"]

    # A file changed on disk is refused, and nothing is written.
    stored[0].write_bytes(stored[0].read_bytes()[:-1] + b"\0")
    target.unlink()
    qtbot.mouseClick(again.save_file, Qt.MouseButton.LeftButton)
    assert not target.exists()
    assert f"Tệp đính kèm {NAME} đã bị hỏng hoặc bị sửa" in told[-1]
    again.reject()
