"""The person editor, typed through as an officer does: a phone pasted in another script's digits
(«٠٩١٢٣٤٥٦٧٨», which looks like a number) is refused under the field naming the digit, and
nothing is written; the same number in 0-9 is stored (session 10 review: a local write took
any Unicode digit, which every peer then had to take)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from uikit import SCREENSHOTS, close_window, find_item, open_window, type_text

from desktop.ui.records.record_dialog import RecordDialog


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def _editor(window, qtbot) -> RecordDialog:
    window.tree.setCurrentIndex(find_item(window, "organization").parent())
    qtbot.mouseClick(window.people.add_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, RecordDialog) and w.isVisible())
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _type(qtbot, dialog, name: str, text: str) -> None:
    widget = dialog.editors[name].widget
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    widget.setFocus()
    widget.selectAll()
    type_text(widget, text)


def _phones(window, name: str) -> list[str]:
    return [r[0] for r in window.conn.execute(
        "SELECT phone FROM person WHERE full_name = ? AND _deleted = 0", (name,))]


def test_a_phone_in_another_script_s_digits_is_refused_naming_the_digit(window, qtbot):
    dialog = _editor(window, qtbot)
    _type(qtbot, dialog, "full_name", "Lò Thị Hoa Phương")
    _type(qtbot, dialog, "phone", "٠٩١٢٣٤٥٦٧٨")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    message = dialog.editors["phone"].message
    assert dialog.isVisible() and message.isVisible()
    assert "«٠» (U+0660) không phải 0–9" in message.text(), message.text()
    assert _phones(window, "Lò Thị Hoa Phương") == []
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "person_editor_phone_other_digits.png"))

    _type(qtbot, dialog, "phone", "0912 345 678")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _phones(window, "Lò Thị Hoa Phương") == ["0912345678"]
