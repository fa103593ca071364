"""The window offers the two copies by name (nội bộ, niêm yết công khai) when printing and
exporting a roster, and the record editors set the độ mật (issue 11)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from uikit import close_window, find_item, open_window

from desktop.domain.kinds import KINDS
from desktop.reports.profiles import Profile, mask_phone
from desktop.storage import records, rosters
from desktop.ui.common.print_preview import last_preview, last_profile_dialog


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def _members(window) -> list[dict]:
    org = find_item(window, "organization")
    window.tree.setCurrentIndex(org)
    window.show_page("people")
    return rosters.people_page(window.conn, window.people.scope(), limit=-1)


def _action(button, text: str):
    [action] = [a for a in button.menu().actions() if a.text() == text]
    return action


def _choose(page, qtbot, profile: Profile) -> None:
    """Answer the profile dialog with the mouse, by the profile's Vietnamese name."""
    qtbot.waitUntil(lambda: last_profile_dialog(page) is not None)
    dialog = last_profile_dialog(page)
    labels = {b.text() for b in dialog.buttons.values()}
    assert labels == {"Nội bộ", "Niêm yết công khai"}
    button = dialog.buttons[profile]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert button.isChecked()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def _preview_text(page, qtbot, tmp_path) -> list[str]:
    qtbot.waitUntil(lambda: last_preview(page) is not None, timeout=10000)
    saved = last_preview(page).save_as(str(tmp_path / "ds.pdf"))
    last_preview(page).close()
    return [p.extract_text() for p in PdfReader(io.BytesIO(saved.read_bytes())).pages]


def _assert_public_text(text: str, members: list[dict]) -> None:
    assert members and any(m["citizen_id"] for m in members)
    for m in members:
        if m["citizen_id"]:
            assert m["citizen_id"] not in text
        if m["phone"]:
            assert m["phone"] not in text and mask_phone(m["phone"]) in text
    assert not re.search(r"\b\d\d/\d\d/(19|20)\d\d\b", text)  # birth dates: the year only
    assert "Dân tộc" not in text and "Tôn giáo" not in text


def test_print_offers_both_profiles_and_the_public_copy_withholds(window, qtbot, tmp_path):
    members = _members(window)
    page = window.people
    _action(page.print_button, "Danh sách…").trigger()
    _choose(page, qtbot, Profile.PUBLIC)
    [*pages] = _preview_text(page, qtbot, tmp_path)
    text = "\n".join(pages)
    assert "Bản niêm yết công khai" in text
    _assert_public_text(text, members)
    _action(page.print_button, "Danh sách…").trigger()
    _choose(page, qtbot, Profile.INTERNAL)
    text = "\n".join(_preview_text(page, qtbot, tmp_path))
    assert "Dân tộc" in text and next(m["citizen_id"] for m in members
                                      if m["citizen_id"]) in text


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_excel_export_offers_both_profiles(window, qtbot, tmp_path, monkeypatch, fmt):
    members = _members(window)
    page = window.people
    target = tmp_path / f"ds.{fmt}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    label = "Xuất ra Excel (.xlsx)…" if fmt == "xlsx" else "Xuất ra CSV…"
    _action(page.excel_button, label).trigger()
    _choose(page, qtbot, Profile.PUBLIC)
    assert target.exists()
    if fmt == "xlsx":
        rows = openpyxl.load_workbook(target).active.iter_rows(values_only=True)
        text = "\n".join(str(v) for row in rows for v in row if v is not None)
    else:
        text = target.read_text("utf-8-sig")
    _assert_public_text(text, members)
    for m in members:
        assert m["full_name"] in text


def test_the_editor_sets_the_classification_and_the_print_is_marked(window, qtbot, tmp_path):
    members = _members(window)
    page = window.people
    page.table.selectRow(0)
    dialog = page.edit_current()
    combo = dialog.editors["classification"].widget
    # Thường by default, Mật the other choice; no blank entry.
    assert [combo.itemText(i) for i in range(combo.count())] == ["Thường", "Mật"]
    assert combo.currentText() == "Thường"
    combo.setCurrentIndex(combo.findText("Mật"))
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    pid = page.current_id()
    assert records.get(window.conn, KINDS["person"], pid)["classification"] == "mat"
    assert pid in {m["id"] for m in members}
    _action(page.print_button, "Danh sách…").trigger()
    _choose(page, qtbot, Profile.INTERNAL)
    pages = _preview_text(page, qtbot, tmp_path)
    assert pages and all("MẬT" in p for p in pages)
    # The public copy of a document holding a Mật record is refused, with the reason.
    _action(page.print_button, "Danh sách…").trigger()
    _choose(page, qtbot, Profile.PUBLIC)
    qtbot.waitUntil(lambda: "Mật" in window.statusBar().currentMessage(), timeout=10000)
    assert last_preview(page) is None


def test_a_new_record_starts_at_thuong(window):
    page = window.people
    find = find_item(window, "organization").parent()
    window.tree.setCurrentIndex(find)
    dialog = page.add()
    assert dialog.editors["classification"].widget.currentText() == "Thường"
    assert dialog.editors["classification"].text() == "thuong"
    dialog.reject()
