"""Finding 9 of issue 14, in the window: a new minutes for a Tổ whose 2026 series runs
01…NN/BB-TBV is shown and saved as NN+1/BB-TBV; a ký hiệu the officer types starts its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from uikit import SCREENSHOTS, click_page, close_window, find_organization, open_window, type_text

from desktop.domain.kinds import KINDS
from desktop.storage import derived, records
from desktop.ui.records.editors import MeetingDialog
from desktop.ui.shell.navigation import ID_ROLE


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def tbv_organization(window):
    """A Tổ of the demo whose minutes run in a TBV series in 2026, as a tree item."""
    return find_organization(window, lambda i: len(series(window.conn, i.data(ID_ROLE))) >= 2)


def series(conn, org_id, issuer="TBV", year=2026) -> list[int]:
    rows = records.page(conn, KINDS["meeting"],
                        records.Query(filters={"organization_id": org_id}))
    return sorted(r["number"] for r in rows if r["issuer"] == issuer and r["year"] == year)


def open_new_minutes(qtbot, window, org_index):
    window.tree.scrollTo(org_index)
    qtbot.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=window.tree.visualRect(org_index).center())
    assert window.tree.currentIndex() == org_index
    page = click_page(qtbot, window, "meetings")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), MeetingDialog),
                    timeout=3000)
    return QApplication.activeModalWidget()


def fill_and_save(qtbot, dialog, title: str, started: str) -> None:
    dialog.editors["title"].widget.setFocus()
    type_text(dialog.editors["title"].widget, title)
    started_edit = dialog.editors["started_at"].widget
    started_edit.setFocus()
    type_text(started_edit, started)
    qtbot.keyClick(started_edit, Qt.Key.Key_Tab)  # leaving the field: the number follows


def save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.banner.text()


def saved(window):
    rec = records.get(window.conn, KINDS["meeting"], window.meetings.current_id())
    return derived.format_meeting_number(rec["number"], rec["issuer"])


def test_a_new_minutes_continues_its_organizations_series(window, qtbot):
    org_index = tbv_organization(window)
    assert org_index is not None
    org_id = org_index.data(ID_ROLE)
    expected = f"{max(series(window.conn, org_id)) + 1:02d}/BB-TBV"
    dialog = open_new_minutes(qtbot, window, org_index)
    issuer, number = dialog.editors["issuer"].widget, dialog.editors["number"].widget
    assert issuer.text() == "TBV"
    fill_and_save(qtbot, dialog, "Sinh hoạt định kỳ quý IV", "08:00 05/12/2026")
    assert number.placeholderText() == f"tự đánh số khi lưu: {expected}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SCREENSHOTS / "minutes_number.png"))
    save(qtbot, dialog)
    assert saved(window) == expected

    # The officer types another ký hiệu: its own series, from 01.
    dialog = open_new_minutes(qtbot, window, org_index)
    issuer = dialog.editors["issuer"].widget
    issuer.setFocus()
    qtbot.keyClick(issuer, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(issuer, "CAX")
    fill_and_save(qtbot, dialog, "Họp bất thường", "19:00 06/12/2026")
    assert dialog.editors["number"].widget.placeholderText() == "tự đánh số khi lưu: 01/BB-CAX"
    save(qtbot, dialog)
    assert saved(window) == "01/BB-CAX"
    # One exception starts no series: the next minutes go on in TBV.
    dialog = open_new_minutes(qtbot, window, org_index)
    assert dialog.editors["issuer"].widget.text() == "TBV"
    dialog.reject()
