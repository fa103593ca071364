"""Trợ giúp → Giới thiệu, clicked in the menu: the program's licence and every shipped
component with its licence (issue 15, "a program the province may hand out")."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from uikit import SCREENSHOTS, click_menu, close_window, open_window

from desktop import third_party
from desktop.storage import db, site
from desktop.ui.shell.about import AboutDialog


@pytest.fixture
def window(qapp, master_db: Path, tmp_path: Path):
    from dbkit import copy_database

    path = tmp_path / "commune.db"
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    conn.close()
    w = open_window(path, tmp_path)
    yield w
    close_window(w)


def test_the_about_box_lists_each_component_with_its_licence(window, qtbot):
    action = next(a for m in window.menuBar().actions() if m.menu()
                  for a in m.menu().actions() if a.text() == "&Giới thiệu")
    click_menu(qtbot, window, action)
    qtbot.waitUntil(lambda: any(isinstance(w, AboutDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, AboutDialog) and w.isVisible())
    text = box.text()
    assert "GPL-3.0-or-later" in text and "LICENSE" in text and "THIRD_PARTY_LICENSES" in text
    lines = text.splitlines()
    for c in third_party.components():
        # one row per component: its name, version and licence (the table reads as lines)
        row = next((i for i, line in enumerate(lines) if line.strip() == c.name), None)
        assert row is not None, c.name
        assert c.licence in "\n".join(lines[row:row + 3]), c.name
    assert "vietnam-provinces" in text and "LGPL-3.0-only" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box.grab().save(str(SCREENSHOTS / "about.png"))
    close = box.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)
