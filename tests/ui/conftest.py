"""Fixtures of the window tests: clean settings, demo databases built once per session, the
database of a first start, a window on a small demo province."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dbkit import copy_database
from PySide6.QtCore import QSettings

from desktop.storage import db, demo, keyfile


@pytest.fixture(autouse=True)
def fresh_settings(qapp):
    """Each test starts with no remembered window state (tab, columns, geometry)."""
    qapp.setOrganizationName("antq-desk-tests")
    QSettings().clear()
    yield
    QSettings().clear()


@pytest.fixture(autouse=True, scope="session")
def our_file_dialogs():
    """The program's file dialogs in place before any test stubs one: the window's start
    (make_application) puts them in place once a process, and a stub set by a test run alone,
    before its first window, was replaced by the real dialog, which then waited for a click
    (test_sync_clicks' export and import passed only after another test of its file)."""
    from desktop.ui.common import file_dialogs

    file_dialogs.install()


@pytest.fixture(autouse=True)
def working_directory_in_tmp(tmp_path, monkeypatch):
    """Each window test runs in its own folder: a Qt file dialog given no folder starts in
    the working directory, and its «Tạo thư mục mới» once left «Thư mục mới» folders in the
    project (tests never touch files they did not make)."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def demo_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Demo databases by size, each built once per test session."""
    made: dict[tuple[int, int], Path] = {}

    def make(communes: int, people_per_village: int) -> Path:
        key = (communes, people_per_village)
        if key not in made:
            path = tmp_path_factory.mktemp("demo") / "demo.db"
            demo.create_demo_database(path, communes=communes,
                                      people_per_village=people_per_village)
            made[key] = path
        return made[key]

    return make


@pytest.fixture
def fresh_db(master_db: Path, tmp_path: Path) -> Path:
    """As a first start leaves it: migrated, reference data, no site, no account, no key file
    yet (its key is known to this process only)."""
    path = tmp_path / "antq.db"
    copy_database(master_db, path)
    conn = db.open_database(path)
    conn.execute("DELETE FROM account")
    conn.close()
    keyfile.keyfile_path(path).unlink()
    return path


@pytest.fixture
def windows():
    """Windows a test opens (uikit.window_as), closed at its end with their connections."""
    from uikit import close_windows

    opened: list = []
    yield opened
    close_windows(opened)


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    """A window on a demo of two communes (40 people a village), the whole province chosen
    in the tree. A test file defining its own ``window`` fixture uses that one."""
    from uikit import close_window, open_window

    w = open_window(demo_factory(2, 40), tmp_path)
    w.tree.setCurrentIndex(w.nav_model.index(0, 0))  # the whole province
    yield w
    close_window(w)
