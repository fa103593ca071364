"""The start's work behind the password prompt (issue 12, the start budget): while the login
dialog waits for the officer, the modules the login and the first page need are imported;
the officer then logs in with a real click and the roster shows."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from dbkit import copy_database

from desktop.ui.shell.preload import AFTER_LOGIN

ROOT = Path(__file__).resolve().parents[2]

_START = r"""
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop.ui.shell.app import make_application, start_window
app = make_application()
app.setOrganizationName("antq-desk-tests-preload")
w = start_window(Path(sys.argv[1]), backup=False)  # as a start: frame, then the login dialog
out = {}

def menus():  # the menu bar's titles, each with the number of its entries
    return [[a.text(), len(a.menu().actions())] for a in w.menuBar().actions()]

out["frame_menus"] = menus()

def typed():  # the officer has been typing for a second and a half: nothing logged in yet
    dialog = w.login_dialog
    out["while_typing"] = sorted(m for m in sys.modules if m.startswith("desktop"))
    import PySide6.QtCore, PySide6.QtGui
    out["classes_while_typing"] = sorted(
        n for n in ("QPainter", "QItemSelectionModel", "QTextLine")
        if n in vars(PySide6.QtGui) or n in vars(PySide6.QtCore))
    out["logged_in_before_click"] = w.conn is not None
    out["typing_menus"] = menus()
    dialog.password.setText(os.environ["ANTQ_PASSWORD"])  # the tests' (tests/conftest.py)
    dialog.ok_button.click()  # «Đăng nhập»

def wait_for_login():
    if getattr(w, "login_dialog", None) is None or not w.login_dialog.isVisible():
        QTimer.singleShot(20, wait_for_login)
    else:
        QTimer.singleShot(1500, typed)

def filled():
    out["rows"] = w.people.model.rowCount()
    out["title"] = w.windowTitle()
    out["menus"] = menus()
    out["enabled"] = all(a.isEnabled() for a in w.actions_needing_data if a is not w.undo_action)
    print(json.dumps(out), flush=True)
    QApplication.exit(0)

w.filled.connect(lambda: QTimer.singleShot(0, filled))
QTimer.singleShot(0, wait_for_login)
def give_up():  # say what the window is waiting for
    dialog = getattr(w, "login_dialog", None)
    print("waiting:", out, dialog and dialog.message.text(), file=sys.stderr, flush=True)
    QApplication.exit(3)

QTimer.singleShot(60_000, give_up)
sys.exit(app.exec())
"""


def test_what_the_login_and_first_page_need_is_imported_while_the_password_is_typed(
        demo_factory, tmp_path):
    db = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "ANTQ_DATA_DIR": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # its settings (the login) stay here
    out = subprocess.run([sys.executable, "-c", _START, str(db)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["logged_in_before_click"] is False
    loaded = set(result["while_typing"])
    # Imported behind the prompt, not after «Đăng nhập»: the storage the login writes with,
    # the tree, the people page and its roster.
    for module in ("desktop.storage.accounts", "desktop.storage.audit", "desktop.storage.vault",
                   "desktop.storage.rosters",
                   "desktop.ui.shell.navigation", "desktop.ui.people.people_page",
                   "desktop.ui.people.roster_model", "desktop.ui.shell.record_pages"):
        assert module in loaded, module
    # The Qt classes the first rows' paint meets (built with their enums when first named).
    assert result["classes_while_typing"] == ["QItemSelectionModel", "QPainter", "QTextLine"]
    # ... and the window then works as before: logged in by the click, the roster shown.
    assert result["rows"] > 0
    # The menu bar's titles are in the frame; their entries are made behind the prompt too,
    # and after the login they are all there, those that need the data enabled.
    titles = ["&Tệp", "&Sửa", "Đồng &bộ", "&Xem", "Trợ &giúp"]
    assert [t for t, _n in result["frame_menus"]] == titles
    assert result["typing_menus"] == result["menus"] and result["enabled"]
    assert all(n >= 2 for _t, n in result["menus"]), result["menus"]


def test_every_module_preloaded_exists():
    """A module renamed or removed would silently leave its import to after the click."""
    missing = [m for m in AFTER_LOGIN if importlib.util.find_spec(m.partition(":")[0]) is None]
    assert missing == []
    classes = [m.partition(":") for m in AFTER_LOGIN if ":" in m]
    assert classes and all(hasattr(importlib.import_module(m), c) for m, _c, c in classes)
