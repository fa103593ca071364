"""Python's cycle collector kept out of the officer's typing (desktop/ui/shell/collector.py):
what the start made is frozen once the window is filled and idle, and thawed when the window
closes or lets go of its data; its young collections held off while the window starts
(desktop/gc_hold.py)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from dbkit import copy_database
from PySide6.QtWidgets import QApplication
from uikit import open_window

from desktop import gc_hold
from desktop.ui.shell import collector
from desktop.ui.shell.app import open_if_set_up, start_window

ROOT = Path(__file__).resolve().parents[2]


def test_the_start_is_frozen_once_filled_and_thawed_when_the_window_closes(
        qapp, qtbot, demo_factory, tmp_path, monkeypatch):
    monkeypatch.setattr(collector, "FREEZE_AFTER_MS", 50)
    gc.unfreeze()
    w = open_window(demo_factory(2, 40), tmp_path)
    try:
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=5000)
        assert w.isVisible() and w.is_filled
        w.close()  # the window's own close (its closeEvent)
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        w.deleteLater()
        w.conn.close()


def test_letting_go_of_the_data_thaws_what_was_frozen(qapp, qtbot, demo_factory, tmp_path,
                                                      monkeypatch):
    # Another account logs in from the lock screen: the window's data is closed, and what
    # the window held is collected again when it goes.
    monkeypatch.setattr(collector, "FREEZE_AFTER_MS", 50)
    gc.unfreeze()
    w = open_window(demo_factory(2, 40), tmp_path)
    try:
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=5000)
        w.close_data()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        w.close()
        w.deleteLater()


def test_a_start_holds_the_young_collections_until_its_first_rows(qapp, qtbot, demo_factory,
                                                                  tmp_path, monkeypatch):
    # A start's young collections walked the modules, classes and wrappers it makes, all of
    # which live as long as the window: none until the first rows are painted, then the
    # usual thresholds, what the start made frozen (collector.py, gc_hold.py).
    monkeypatch.setattr("desktop.ui.shell.main_window.backup_at_start", lambda w: None)
    db = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), db)
    usual = gc.get_threshold()
    gc.unfreeze()
    conn = open_if_set_up(db)
    assert conn is not None
    w = start_window(db, conn=conn)
    try:
        assert gc.get_threshold()[0] == gc_hold.START_THRESHOLD
        with qtbot.waitSignal(w.filled, timeout=5000):
            pass
        assert gc.get_threshold()[0] == gc_hold.START_THRESHOLD  # filled, rows not painted
        qtbot.waitUntil(lambda: gc.get_threshold() == usual, timeout=5000)
        assert gc.get_freeze_count() > 0  # what the start made, not walked again
        assert w.people.model.rowCount() > 0
    finally:
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()
        gc_hold.release(freeze=False)
        gc.unfreeze()
    assert gc.get_threshold() == usual and gc.get_freeze_count() == 0


def test_a_window_closed_before_its_rows_lets_the_collector_go(qapp, qtbot, demo_factory,
                                                               tmp_path):
    db = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), db)
    usual = gc.get_threshold()
    conn = open_if_set_up(db)
    assert conn is not None
    w = start_window(db, conn=conn, backup=False)
    try:
        assert gc_hold.held()
        w.close()  # before its first paint (a login cancelled, the window closed)
        assert not gc_hold.held() and gc.get_threshold() == usual
    finally:
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        conn.close()
        gc_hold.release(freeze=False)
        gc.unfreeze()


def test_antq_holds_the_collector_before_pyside_is_imported(tmp_path):
    # `antq` (cli.open_window) holds it before importing the window's modules: PySide's own
    # import made about 28 young collections (6 ms) before the login prompt.
    code = (
        "import gc, sys\n"
        "class Stop(Exception): pass\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6':\n"
        "            print(gc.get_threshold()[0], flush=True)\n"
        "            raise Stop\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from desktop import cli\n"
        "try:\n"
        "    cli.open_window(None)\n"
        "except Stop:\n"
        "    pass\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(gc_hold.START_THRESHOLD)]
