"""Finding 7 of issue 14: no English or internal word in the Vietnamese window — Qt's file
dialogs included (Qt's own dialog with our catalog and our dates, whatever the platform)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QTreeView
from uikit import close_window, commune_window, when_modal

ENGLISH = re.compile(r"\b(Look|Files|type|Folder|File|Name|Size|Type|Date|Modified|Open|"
                     r"Save|Cancel|Back|Forward|Parent|Create|Detail|List|Directory)\b")


@pytest.fixture
def window(master_db, tmp_path):
    w = commune_window(master_db, tmp_path)
    yield w
    close_window(w)


def test_the_file_dialog_speaks_vietnamese_with_our_dates(qtbot, window, tmp_path):
    folder = tmp_path / "thu-muc-con"
    folder.mkdir()
    stamp = time.mktime((2026, 12, 6, 9, 5, 0, 0, 0, -1))
    os.utime(folder, (stamp, stamp))
    (tmp_path / "ghi-chu.txt").write_text("x")
    seen: dict[str, object] = {}

    def inspect(dialog: QFileDialog) -> None:
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        view = dialog.findChild(QTreeView, "treeView")
        model, root = view.model(), view.rootIndex()

        def row_of(name: str) -> list[str]:
            for r in range(model.rowCount(root)):
                if model.index(r, 0, root).data() == name:
                    return [model.index(r, c, root).data() for c in range(4)]
            return []

        qtbot.waitUntil(lambda: bool(row_of("thu-muc-con")), timeout=5000)
        seen["folder"] = row_of("thu-muc-con")
        seen["headers"] = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
        seen["texts"] = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible()] + [
            t for b in dialog.findChildren(QAbstractButton) if b.isVisible()
            for t in (b.text(), b.toolTip()) if t]
        cancel = next(b for b in dialog.findChildren(QAbstractButton)
                      if b.isVisible() and b.text() == "Hủy")
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    when_modal(QFileDialog, inspect)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)  # Tệp → Mở…
    qtbot.waitUntil(lambda: "texts" in seen, timeout=10000)

    name, _size, kind, modified = seen["folder"]
    assert kind == "Thư mục"
    assert modified == QDateTime.fromSecsSinceEpoch(int(stamp)).toString("HH:mm dd/MM/yyyy")
    assert modified == "09:05 06/12/2026"  # as everywhere in the program (domain/dates.py)
    assert seen["headers"] == ["Tên", "Kích thước", "Kiểu", "Ngày sửa"]
    assert "&Tìm trong:" in seen["texts"] and "&Kiểu tệp:" in seen["texts"]
    english = [t for t in seen["texts"] if ENGLISH.search(t.replace("&", ""))]
    assert english == []


def test_a_stubbed_picker_still_replaces_ours(monkeypatch, qapp):
    """Tests answer file pickers by replacing QFileDialog's functions: still possible."""
    from desktop.ui.common import file_dialogs

    file_dialogs.install()
    assert QFileDialog.getOpenFileName is file_dialogs.get_open_file_name
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("x.db", ""))
    assert QFileDialog.getOpenFileName(None, "t") == ("x.db", "")


def test_the_qt_catalog_names_file_types_the_qt6_way():
    """Qt 6 names a file's type in QAbstractFileIconProvider and its dialog's labels carry
    their shortcut letter: both in our catalog."""
    import xml.etree.ElementTree as ET

    from desktop.resources import resource_path

    root = ET.parse(resource_path("translations", "qtbase_vi.ts")).getroot()
    by_context = {c.findtext("name"): {m.findtext("source") for m in c.iter("message")}
                  for c in root.iter("context")}
    assert {"Folder", "%1 File", "Drive"} <= by_context["QAbstractFileIconProvider"]
    assert {"&Look in:", "Files of &type:"} <= by_context["QFileDialog"]
    assert Path(resource_path("translations", "qtbase_vi.qm")).stat().st_size > 0
