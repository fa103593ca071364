"""Issue 15: the officer records in the window that a person moved to another commune (the
same function as ``antq edit person ID residence_unit_id=CODE moved_date=…``)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from uikit import click_button_menu, click_page, close_window, open_window, save, when_modal

from desktop.ui.people.move_dialog import MoveDialog


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def test_a_move_recorded_in_the_window_ends_memberships_and_moves_the_record(window, qtbot):
    conn = window.conn
    window.tree.setCurrentIndex(window.nav_model.index(0, 0))
    page = click_page(qtbot, window, "people")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    members = {r[0] for r in conn.execute("SELECT person_id FROM membership WHERE _deleted = 0 "
                                          "AND left_date IS NULL")}
    row = next(r for r in range(page.model.rowCount()) if page.model.record_id(r) in members)
    page.table.scrollTo(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.table.visualRect(page.model.index(row, 0)).center())
    pid = page.current_id()
    old = conn.execute("SELECT _part FROM person WHERE id = ?", (pid,)).fetchone()[0]
    seen: dict[str, str] = {}

    def answer(dialog: MoveDialog) -> None:
        qtbot.mouseClick(dialog.commune, Qt.MouseButton.LeftButton)  # opens its list
        qtbot.keyClick(dialog.commune.view(), Qt.Key.Key_Down)
        qtbot.keyClick(dialog.commune.view(), Qt.Key.Key_Return)
        seen["to"] = str(dialog.commune.currentData())
        dialog.date.selectAll()
        qtbot.keyClicks(dialog.date, "31/02/2026")  # no such day: said, nothing written
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        seen["error"] = dialog.message.text()
        dialog.date.selectAll()
        qtbot.keyClicks(dialog.date, "01/12/2026")
        save(dialog, "move_dialog.png")
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    when_modal(MoveDialog, answer)
    click_button_menu(qtbot, page.members_button, "Chuyển nơi cư trú sang xã khác…")
    qtbot.waitUntil(lambda: "to" in seen and conn.execute(
        "SELECT count(*) FROM person_move WHERE person_id = ?", (pid,)).fetchone()[0] == 1,
        timeout=5000)
    assert "Ngày chuyển" in seen["error"], seen
    assert seen["to"] != old
    # At the province the record goes at once; the memberships of the old commune ended.
    assert conn.execute("SELECT _part FROM person WHERE id = ?", (pid,)).fetchone()[0] \
        == seen["to"]
    assert conn.execute("SELECT status, moved_date FROM person_move WHERE person_id = ?",
                        (pid,)).fetchone()[:] == ("done", "2026-12-01")
    assert not conn.execute("SELECT 1 FROM membership WHERE person_id = ? AND _part = ? AND "
                            "_deleted = 0 AND (left_date IS NULL OR exit_reason IS NOT "
                            "'chuyen_noi_o')", (pid, old)).fetchone()
    assert "Đã ghi" in window.statusBar().currentMessage()
