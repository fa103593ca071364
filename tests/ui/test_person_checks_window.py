"""The person editor, clicked and typed through as an officer does: a citizen ID that another
person holds is refused until the officer says they are one person (then merged); one that
contradicts the gender is refused in Vietnamese words, never "citizen_id: …"; a phone pasted in
another script's digits («٠٩١٢٣٤٥٦٧٨», which looks like a number) is refused naming the digit
(session 10 review: a local write took any Unicode digit, which every peer then had to take)."""

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


def _open_person_editor(window, qtbot) -> RecordDialog:
    village = find_item(window, "organization").parent()
    window.tree.setCurrentIndex(village)
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
    widget.selectAll()  # typed over what is there
    type_text(widget, text)


def _click_save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def _phones(window, name: str) -> list[str]:
    return [r[0] for r in window.conn.execute(
        "SELECT phone FROM person WHERE full_name = ? AND _deleted = 0", (name,))]


def _count(window) -> int:
    return window.conn.execute("SELECT count(*) FROM person WHERE _deleted = 0").fetchone()[0]


def test_a_citizen_id_already_held_is_refused_then_merged_when_the_officer_says_so(
        window, qtbot):
    holder = window.conn.execute(
        "SELECT id, full_name, citizen_id, phone FROM person WHERE citizen_id IS NOT NULL AND "
        "phone IS NULL AND _deleted = 0 ORDER BY full_name LIMIT 1").fetchone()
    before = _count(window)
    dialog = _open_person_editor(window, qtbot)
    _type(qtbot, dialog, "full_name", holder["full_name"])
    _type(qtbot, dialog, "citizen_id", holder["citizen_id"])
    _type(qtbot, dialog, "phone", "0912345678")
    _click_save(qtbot, dialog)
    assert dialog.isVisible() and _count(window) == before
    message = dialog.editors["citizen_id"].message.text()
    assert f"đã là số của {holder['full_name']}" in message and "citizen_id" not in message
    button = dialog.same_person
    assert button.isVisible()
    assert button.text() == "Là cùng một người: gộp vào hồ sơ đã có"
    assert holder["full_name"] in button.toolTip()
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "person_editor_same_citizen_id.png"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert _count(window) == before  # no second person with the number
    row = window.conn.execute("SELECT phone FROM person WHERE id = ?",
                              (holder["id"],)).fetchone()
    assert row["phone"] == "0912345678"
    assert f"gộp vào hồ sơ của {holder['full_name']}" in window.statusBar().currentMessage()
    window.undo_last()
    assert window.conn.execute("SELECT phone FROM person WHERE id = ?",
                               (holder["id"],)).fetchone()["phone"] is None


def test_a_citizen_id_of_the_other_sex_is_refused_in_vietnamese(window, qtbot):
    before = _count(window)
    dialog = _open_person_editor(window, qtbot)
    _type(qtbot, dialog, "full_name", "Lò Thị Hoa")
    gender = dialog.editors["gender"].widget
    gender.setFocus()
    while gender.currentText() != "Nữ":
        qtbot.keyClick(gender, Qt.Key.Key_Down)
    _type(qtbot, dialog, "birth_date", "05/03/1985")
    _type(qtbot, dialog, "citizen_id", "011085000999")  # digit 4 = 0: a man born in 1985
    qtbot.keyClick(dialog.editors["citizen_id"].widget, Qt.Key.Key_Tab)  # on to the next field
    message = dialog.editors["citizen_id"].message
    assert message.isVisible() and "b00020" in message.styleSheet()  # red: an error
    _click_save(qtbot, dialog)
    assert dialog.isVisible() and _count(window) == before
    assert "Giới tính theo số định danh là nam (chữ số thứ 4 là 0), khác giới tính đã ghi " \
           "(nữ)" in message.text()
    assert "citizen_id" not in message.text()
    gender.setFocus()
    qtbot.keyClick(gender, Qt.Key.Key_Up)  # the officer had the gender wrong: Nam
    assert gender.currentText() == "Nam"
    _click_save(qtbot, dialog)
    assert not dialog.isVisible() and _count(window) == before + 1


def test_a_phone_in_another_script_s_digits_is_refused_naming_the_digit(window, qtbot):
    dialog = _open_person_editor(window, qtbot)
    _type(qtbot, dialog, "full_name", "Lò Thị Hoa Phương")
    _type(qtbot, dialog, "phone", "٠٩١٢٣٤٥٦٧٨")
    _click_save(qtbot, dialog)
    message = dialog.editors["phone"].message
    assert dialog.isVisible() and message.isVisible()
    assert "«٠» (U+0660) không phải 0–9" in message.text(), message.text()
    assert _phones(window, "Lò Thị Hoa Phương") == []
    QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "person_editor_phone_other_digits.png"))

    _type(qtbot, dialog, "phone", "0912 345 678")
    _click_save(qtbot, dialog)
    assert not dialog.isVisible()
    assert _phones(window, "Lò Thị Hoa Phương") == ["0912345678"]
