"""Helpers of the window tests: a window over a copy of a database, typing Vietnamese,
finding things in the navigation tree, screenshots."""

from __future__ import annotations

from pathlib import Path

from dbkit import copy_database
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from desktop.ui.shell.app import build_window, make_application
from desktop.ui.shell.navigation import ID_ROLE, KIND_ROLE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def open_window(master: Path, tmp_path: Path):
    """A main window over a copy of ``master``, so each test may write freely."""
    db = tmp_path / "window.db"
    copy_database(master, db)
    make_application()
    w = build_window(db)
    w.show()
    return w


def close_window(w) -> None:
    w.close()
    w.deleteLater()
    QApplication.processEvents()
    w.conn.close()


def commune_window(master: Path, tmp_path: Path):
    """A main window over a copy of ``master`` made the site of Công an xã Mường Nhé."""
    from desktop.storage import db, site

    source = tmp_path / "source.db"
    copy_database(master, source)
    conn = db.open_database(source)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    conn.close()
    return open_window(source, tmp_path)


def window_as(path: Path, name: str, password: str, windows: list):
    """A main window on ``path`` logged in as the account ``name``, as after the login
    dialog; kept in ``windows`` (the ``windows`` fixture closes them)."""
    from desktop.storage import accounts

    conn, _account, _notes = accounts.login(path, name, password)
    make_application()
    w = build_window(path, conn=conn)
    windows.append(w)
    w.show()
    return w


def close_windows(opened: list) -> None:
    """Close windows a test opened, then their connections (a window whose account logged
    out has none)."""
    for w in opened:
        if getattr(w, "screen_lock", None) is not None:
            w.screen_lock.set_interval_ms(0)
        w.close()
        w.deleteLater()
    QApplication.processEvents()
    for w in opened:
        if w.conn is not None:
            w.conn.close()


def find_organization(window, wanted, index: QModelIndex | None = None) -> QModelIndex | None:
    """The first organization of the tree for which ``wanted(index)`` is true, expanding
    units on the way."""
    model = window.nav_model
    index = index or QModelIndex()
    for row in range(model.rowCount(index)):
        child = model.index(row, 0, index)
        if child.data(KIND_ROLE) == "organization" and wanted(child):
            return child
        if child.data(KIND_ROLE) == "unit":
            window.tree.expand(child)
            found = find_organization(window, wanted, child)
            if found is not None:
                return found
    return None


def click_button_menu(qtbot, button, text: str) -> None:
    """A push button's menu opened by a click, then its item ``text`` clicked."""
    menu = button.menu()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    action = next(a for a in menu.actions() if a.text() == text)
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def type_text(widget, text: str) -> None:
    """qtbot.keyClicks aborts on non-ASCII: key events that carry the text instead."""
    for ch in text:
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     ch))


def choose_by_keys(qtbot, combo, data) -> None:
    """Pick the item of ``combo`` whose data is ``data`` as an officer does with the keyboard:
    Home, then Down until it is there."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == data:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data


def retype_cell(qtbot, dialog, table, row: int, column: int, text: str) -> None:
    """Double-click a cell of ``dialog``'s table, type ``text`` over it, Enter (the officer
    fixing a wrong value in a preview)."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    rect = table.visualItemRect(table.item(row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not table
    editor.selectAll()
    type_text(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def new_site(master_db: Path, folder: Path, name: str, **kw) -> Path:
    """A copy of ``master_db`` at ``folder/name/antq.db`` made the site ``name`` (``kw``: its
    province_code or commune_code)."""
    from desktop.storage import db, site

    path = folder / name / "antq.db"
    path.parent.mkdir(parents=True)
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name=name, **kw)
    conn.close()
    return path


def keyed_site(master_db: Path, folder: Path, name: str, **kw) -> Path:
    """A copy of ``master_db`` at ``folder/antq.db`` made the site ``name`` with its sync keys
    (the province and the communes that exchange bundles in a window test)."""
    from desktop.storage import db, site
    from desktop.sync import keys

    path = folder / "antq.db"
    path.parent.mkdir(parents=True)
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name=name, **kw)
    keys.init_keys(conn)
    conn.close()
    return path


def find_item(window, wanted_kind: str, index: QModelIndex | None = None) -> QModelIndex | None:
    """The first tree item of a kind ("organization", "unit"), expanding units on the way."""
    model = window.nav_model
    index = index or QModelIndex()
    for row in range(model.rowCount(index)):
        child = model.index(row, 0, index)
        if child.data(KIND_ROLE) == wanted_kind and child.data(ID_ROLE):
            return child
        if child.data(KIND_ROLE) == "unit":
            window.tree.expand(child)
            found = find_item(window, wanted_kind, child)
            if found is not None:
                return found
    return None


def save(window, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / name))


def tab_in_view(bar, tab: int) -> bool:
    """The tab ``tab`` of ``bar`` wholly on screen: the bar shown, not scrolling (its arrows
    hidden), the tab inside the bar and the bar inside its window."""
    from PySide6.QtWidgets import QToolButton

    rect = bar.tabRect(tab)
    arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
    window = bar.window()
    corner = bar.mapTo(window, rect.bottomRight())
    return (bar.isVisible() and bar.isTabVisible(tab) and not arrows and rect.isValid()
            and bar.rect().contains(rect) and window.rect().contains(corner))


def click_page(qtbot, window, name: str):
    """The page ``name`` shown as the officer does it: its section's tab clicked, then its own
    tab (desktop/ui/shell/sections.py), each checked to be in view first; the page returned."""
    i = [n for n, _label in window.PAGES].index(name)
    for bar, tab in window.tabs.clicks_to(i):
        assert tab_in_view(bar, tab), (name, bar.tabText(tab))
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tab).center())
    assert window.tabs.currentIndex() == i, (name, window.tabs.currentIndex())
    return window.page(name)


def click_menu(qtbot, window, action) -> None:
    """Open the menu holding ``action`` from the menu bar and click the item, as the officer
    does (a disabled item does nothing)."""
    from PySide6.QtCore import QTimer

    bar = window.menuBar()
    menu = next(a.menu() for a in bar.actions()
                if a.menu() is not None and action in a.menu().actions())
    window.activateWindow()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.actionGeometry(menu.menuAction()).center())
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    pos = menu.actionGeometry(action).center()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=pos)
    if menu.isVisible():  # a disabled item leaves its menu open
        QTimer.singleShot(0, menu.close)
        qtbot.waitUntil(lambda: not menu.isVisible(), timeout=3000)


def when_modal(kind, then) -> None:
    """Call ``then(dialog)`` once a modal dialog of class ``kind`` is up: the way a test
    answers a dialog run with exec(), which does not return until it is answered."""
    from PySide6.QtCore import QTimer

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            then(dialog)
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)


def enrol_with_a_person(province: Path, commune: Path, folder: Path,
                        **person: object) -> None:
    """Keys for both sites, the commune enrolled at the province by the functions the window
    calls, and a person in a village of the commune (Mường Nhé, 03160)."""
    from desktop.storage import db
    from desktop.storage.writer import Store
    from desktop.sync import enrol, keys

    prov, comm = db.open_database(province), db.open_database(commune)
    try:
        for conn in (prov, comm):
            keys.init_keys(conn)
        request, answer = folder / "request.json", folder / "answer.json"
        fp = enrol.make_request(comm, keys.unlock(comm), request)
        prov_keys = keys.unlock(prov)
        enrol.accept_request(prov, prov_keys, request, answer, confirmed_fingerprint=fp)
        enrol.install_response(comm, answer,
                               keys.fingerprint(prov_keys.site.site_id, prov_keys.public))
        store = Store(comm, actor="xã")
        village = store.add("unit", {"name": "Bản Huổi Lếch", "level": "village",
                                     "parent_id": "03160"}).id
        store.add("person", {"full_name": "Vàng A Dơ", "residence_unit_id": village,
                             **person})
    finally:
        prov.close()
        comm.close()
