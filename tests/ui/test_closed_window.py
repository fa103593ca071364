"""A closed window leaves nothing behind that reads its database: the roster's name index
warmed half a second after the first roster, the sync folder looked at two seconds after the
start — both once ran on a timer after the window and its connection had closed (the
"closed database" errors of the window tests' teardown, swallowed by an except on the way)."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from dbkit import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from uikit import when_modal

from desktop.storage import accounts, db, dbapi, site
from desktop.storage.writer import Store
from desktop.ui.accounts.login import LoginDialog
from desktop.ui.shell.app import build_window, make_application


class WatchedConnection(dbapi.Connection):
    """The window's connection, noting every statement asked of it once closed."""

    def close(self) -> None:
        self.closed_uses: list[str] = []
        self.is_closed = True
        super().close()

    def execute(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(self, "is_closed", False):
            self.closed_uses.append("".join(traceback.format_stack(limit=8)))
        return super().execute(*args, **kwargs)


@pytest.fixture
def commune_db(master_db: Path, tmp_path: Path) -> Path:
    path = copy_database(master_db, tmp_path / "xa.db")
    conn, _a, _n = accounts.login(path, TEST_USER, TEST_PASSWORD)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    store = Store(conn)
    village = store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                 "parent_id": "03160"}).id
    store.add_many("person", [{"full_name": f"Lò Văn Người {i:03d}", "gender": "male",
                               "residence_unit_id": village} for i in range(150)])
    conn.close()
    return path


def open_on_people(commune_db: Path, qtbot) -> tuple:
    conn, _a, _n = accounts.login(commune_db, TEST_USER, TEST_PASSWORD)
    conn.__class__ = WatchedConnection  # same layout: a Python subclass of the same driver
    make_application()
    w = build_window(commune_db, conn=conn)
    w.show()
    people = w.show_page("people")
    qtbot.waitUntil(lambda: people.model.rowCount() > 0, timeout=5000)
    return w, conn


def test_closing_the_window_cancels_what_waits_on_a_timer(qapp, qtbot, commune_db: Path):
    w, conn = open_on_people(commune_db, qtbot)
    w.close()  # its close button: a close event; then the program closes the database
    conn.close()
    qtbot.wait(2600)  # past the warming's half second and the sync folder's two
    assert conn.closed_uses == [], "read after closing:\n" + "\n".join(conn.closed_uses)
    w.deleteLater()
    QApplication.processEvents()


def test_logging_in_as_another_account_cancels_them_too(qapp, qtbot, commune_db: Path):
    """From the lock screen: the window's data is closed while the login dialog waits."""
    w, conn = open_on_people(commune_db, qtbot)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    qtbot.keyClick(w.tree, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert w.screen_lock.is_locked
    asked: list[bool] = []

    def wait_then_cancel(dialog: LoginDialog) -> None:
        asked.append(db.known_key(commune_db) is None)  # the data is closed meanwhile
        qtbot.wait(2600)
        dialog.reject()

    when_modal(LoginDialog, wait_then_cancel)
    qtbot.mouseClick(w.screen_lock.page.switch_button, Qt.MouseButton.LeftButton)
    assert asked == [True] and not w.isVisible()
    assert conn.closed_uses == [], "read after closing:\n" + "\n".join(conn.closed_uses)
    w.deleteLater()
    QApplication.processEvents()
