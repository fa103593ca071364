"""How the program starts: the window's frame is painted before anything reads the
database, its data follows right after, then the start backup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dbkit import copy_database
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from desktop.ui.shell.app import open_if_set_up, start_window

ROOT = Path(__file__).resolve().parents[2]


def test_the_frame_shows_first_and_the_data_follows(qapp, qtbot, demo_factory, tmp_path,
                                                     monkeypatch):
    db = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), db)
    backups = []
    monkeypatch.setattr("desktop.ui.shell.main_window.backup_at_start", lambda w: backups.append(w))
    conn = open_if_set_up(db)
    assert conn is not None
    w = start_window(db, conn=conn)
    try:
        assert not w.is_filled
        needing = {a.text() for a in w.actions_needing_data}
        assert "&Hoàn tác" in needing and "&Thoát" not in needing
        assert not any(a.isEnabled() for a in w.actions_needing_data)
        with qtbot.waitSignal(w.filled, timeout=5000):
            pass  # the first paint of the frame starts filling it
        assert w.is_filled
        qtbot.waitUntil(lambda: backups == [w], timeout=5000)  # once its rows are painted
        assert w.nav_model.rowCount() == 1
        assert w.people.model.rowCount() > 0
        assert w.windowTitle().endswith("(dữ liệu mẫu)")
        assert all(a.isEnabled() for a in w.actions_needing_data if a is not w.undo_action)
        assert not w.undo_action.isEnabled()  # nothing to undo yet
    finally:
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()


class _PaintsAfterFilled(QObject):
    """Every widget painted once the window has said it is filled (an application-wide
    filter: the page's table exists only once it is filled)."""

    def __init__(self) -> None:
        super().__init__()
        self.filled = False
        self.painted: list[QObject] = []

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if self.filled and event.type() == QEvent.Type.Paint:
            self.painted.append(obj)
        return False


def test_the_days_backup_starts_once_the_first_rows_are_painted(qapp, qtbot, demo_factory,
                                                                 tmp_path, monkeypatch):
    """``filled`` comes before the page's rows are painted: the day's backup (its modules,
    its status-bar widgets, the look for today's copy, the copy itself when due) starts after
    that paint, not at ``filled``, where it held the rows back (issue 12)."""
    db = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), db)
    spy = _PaintsAfterFilled()
    qapp.installEventFilter(spy)
    started: list[bool] = []  # at each start of the backup: were the rows painted then?

    def backup_at_start(w) -> None:
        started.append(w.people.table.viewport() in spy.painted)

    monkeypatch.setattr("desktop.ui.shell.main_window.backup_at_start", backup_at_start)
    conn = open_if_set_up(db)
    assert conn is not None
    w = start_window(db, conn=conn)
    try:
        w.filled.connect(lambda: setattr(spy, "filled", True))
        with qtbot.waitSignal(w.filled, timeout=5000):
            pass
        assert w.people.model.rowCount() > 0
        qtbot.waitUntil(lambda: bool(started), timeout=5000)
        assert started == [True]  # after the rows' paint, once
        qtbot.wait(50)
        w.update()
        qtbot.waitUntil(lambda: spy.painted.count(w.people.table.viewport()) > 1, timeout=3000)
        assert started == [True]  # not again at the next paint
    finally:
        qapp.removeEventFilter(spy)
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()


class _Unpainted(QWidget):
    """A window never shown (restored minimised): its page never paints."""

    def __init__(self) -> None:
        super().__init__()
        self.tabs = QTabWidget(self)
        self.tabs.addTab(QWidget(), "page")


def test_work_waiting_for_the_first_rows_still_starts_when_no_paint_comes(qtbot, monkeypatch):
    from desktop.ui.shell import main_window

    monkeypatch.setattr(main_window, "ROWS_AT_LATEST_MS", 100)
    window = _Unpainted()
    calls: list[int] = []
    main_window.after_first_rows(window, lambda: calls.append(1))
    qtbot.wait(30)
    assert calls == []  # not at once: it waits for a paint
    qtbot.waitUntil(lambda: calls == [1], timeout=3000)  # none came: started anyway
    window.show()
    qtbot.waitExposed(window)
    window.repaint()
    qtbot.wait(150)
    assert calls == [1]  # once: a paint after the fallback starts nothing again
    window.close()
    # Painted first: started by the paint, and the fallback's time passing starts nothing.
    shown = _Unpainted()
    shown.show()
    qtbot.waitExposed(shown)
    main_window.after_first_rows(shown, lambda: calls.append(2))
    shown.update()
    qtbot.waitUntil(lambda: calls == [1, 2], timeout=3000)
    qtbot.wait(250)
    assert calls == [1, 2]
    shown.close()


def test_a_database_without_a_site_goes_to_the_first_run_wizard(qapp, tmp_path):
    from desktop.storage.db import open_database

    open_database(tmp_path / "new.db").close()
    assert open_if_set_up(tmp_path / "new.db") is None


_FRAME_ONLY = r"""
import json, sys
from pathlib import Path
from desktop.ui.shell.app import make_application, start_window
app = make_application()
app.setOrganizationName("antq-desk-tests-start")
# As a real start: the frame first; the login (then the data) follows its first paint.
w = start_window(Path(sys.argv[1]), backup=False)
print(json.dumps(sorted(m for m in sys.modules if m.startswith("desktop"))))
"""


def test_the_frame_is_built_without_the_record_modules(demo_factory, tmp_path):
    """What the window needs before its first paint stays small: no record kinds, no
    migrations, no storage queries, no pages (start-up budget, DESIGN.md)."""
    db = tmp_path / "frame.db"
    copy_database(demo_factory(1, 10), db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "ANTQ_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", _FRAME_ONLY, str(db)], capture_output=True,
                         text=True, env=env, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "desktop.ui.shell.main_window" in loaded
    heavy = {"desktop.domain.kinds", "desktop.storage.migrations", "desktop.storage.records",
             "desktop.storage.rosters", "desktop.storage.writer", "desktop.ui.records.pages",
             "desktop.ui.people.people_page", "desktop.ui.shell.navigation",
             "desktop.ui.shell.first_run"}
    assert loaded & heavy == set()


_TO_THE_PROMPT = r"""
import os, sys
from pathlib import Path
from desktop.cli import window_args
args = window_args(["--db", sys.argv[1]])  # as `antq --db PATH` reads its arguments
import PySide6.QtCore
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from desktop.ui.shell import crash, single_instance
from desktop.ui.shell.app import make_application, start_window
app = make_application()
app.setOrganizationName("antq-desk-tests-start")
single_instance.guard(args.db)  # as run_app: the one-window lock, the crash hook
crash.install(app)
w = start_window(args.db, backup=False)
seen = {}
import PySide6.QtGui, PySide6.QtWidgets
def now():  # PySide builds a class (the Qt namespace: its 140 enums) when first named
    return {"Qt": "Qt" in vars(PySide6.QtCore),
            "modules": sorted(m for m in ("PySide6.QtNetwork", "desktop.errorlog", "hashlib",
                                          "desktop.storage.db", "desktop.storage.accounts",
                                          "sqlcipher3", "desktop.cli_support", "json")
                              if m in sys.modules),
            # the file dialog's parts (named when a dialog first opens), the menus' shortcuts
            # (built behind the prompt), the message box (a login's notes). (Not QAction:
            # this test's findChildren below meets the menus' own.)
            "classes": sorted(n for n in ("QIdentityProxyModel", "QFileSystemModel", "QUrl",
                                          "QKeySequence", "QMessageBox")
                              if n in vars(PySide6.QtCore) or n in vars(PySide6.QtGui)
                              or n in vars(PySide6.QtWidgets))}
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.ChildPolished and type(ev.child()).__name__ == \
                "LoginDialog":
            ev.child().installEventFilter(self)
        elif ev.type() == QEvent.Type.Paint and "frame" not in seen:
            seen["frame"] = now()
        elif ev.type() == QEvent.Type.Paint and type(obj).__name__ == "LoginDialog":
            seen["prompt"] = now()
            from PySide6.QtWidgets import QLabel, QLineEdit
            seen["asks"] = [obj.findChild(QLineEdit).text(),
                            [l.text() for l in obj.findChildren(QLabel) if "mẫu" in l.text()]]
            import json  # (after looking: the json modules are among those looked for)

            print(json.dumps(seen), flush=True)
            os._exit(0)
        return False
spy = Spy()
for widget in [w, *w.findChildren(QWidget)]:  # the frame: the first paint of any of them
    widget.installEventFilter(spy)
app.exec()
"""


@pytest.mark.parametrize("name", ["prompt.db", "demo.db"])
def test_the_frame_and_the_login_prompt_leave_out_what_they_do_not_show(demo_factory,
                                                                        tmp_path, name):
    """Before the frame's first paint and the login prompt's, the start does not build what
    neither shows (issue 12, the start budget): the Qt namespace's enums (25 ms; name ``Qt``
    inside a function, never at a module's top, in what the frame imports), the one-window
    guard's QtNetwork (its listener comes later), the error log (loaded by the first error),
    the json modules (no settings file here: only a language chosen writes one; the window's
    last place is read when it fills),
    the storage modules and the database driver (imported while the password is typed), the
    command line's parsers and helpers (a window start's options are read by hand), Qt
    classes neither uses
    (0.3–1 ms each when first named: the file dialog's, the menus' entries', the message box).
    The first login on a machine offers the first account, and the demo's prompt says its
    account and password, without the account code (key derivation, cipher) either."""
    db = tmp_path / name
    copy_database(demo_factory(1, 10), db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "ANTQ_DATA_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run([sys.executable, "-c", _TO_THE_PROMPT, str(db)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["frame"] == {"Qt": False, "modules": [], "classes": []}
    assert seen["prompt"] == {"Qt": False, "modules": [], "classes": []}
    hint = ["Dữ liệu mẫu: tài khoản «admin», mật khẩu «dulieumau»."] if name == "demo.db" else []
    assert seen["asks"] == ["admin", hint]  # nothing remembered here: the first account


def test_data_that_cannot_be_read_is_reported_not_waited_for(qapp, qtbot, demo_factory,
                                                             tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.storage import dbapi
    from desktop.ui.shell.main_window import MainWindow

    db = tmp_path / "damaged.db"
    copy_database(demo_factory(1, 10), db)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: said.append(a[2]))

    def damaged(self):
        raise dbapi.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(MainWindow, "fill", damaged)
    w = start_window(db, backup=False, conn=open_if_set_up(db))
    try:
        qtbot.waitUntil(lambda: len(said) == 1, timeout=5000)
        assert "damaged.db" in said[0] and "malformed" in said[0]
        assert not w.isVisible()
    finally:
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()


def test_a_window_closed_before_its_first_paint_is_never_filled(qapp, qtbot, demo_factory,
                                                                tmp_path):
    db = tmp_path / "closed.db"
    copy_database(demo_factory(1, 10), db)
    w = start_window(db, backup=False, conn=open_if_set_up(db))
    w.close()
    qtbot.wait(700)  # past the latest moment a frame is filled without a paint
    assert not w.is_filled
    w.deleteLater()
    QApplication.processEvents()
    w.conn.close()
