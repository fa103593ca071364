"""A moment after the window fills, the sync folder's runner starts only when a folder is
named: importing the sync modules held the UI thread ~50 ms two seconds after start, under
whatever the officer was typing then (the worst keystroke of bench_window's typing)."""

from __future__ import annotations

import sys

from uikit import close_window, open_window

from desktop.storage import site
from desktop.sync import sync_folder


def test_no_sync_folder_named_no_runner_after_start(qapp, qtbot, demo_factory, tmp_path,
                                                    monkeypatch):
    monkeypatch.delitem(sys.modules, "desktop.ui.exchange.province_sync", raising=False)
    w = open_window(demo_factory(1, 5), tmp_path)
    try:
        assert w.is_filled and sync_folder.folder(w.conn) is None
        qtbot.wait(2600)  # past the moment the runner would start
        assert getattr(w, "sync_folder_runner", None) is None
        assert "desktop.ui.exchange.province_sync" not in sys.modules  # nor its imports
    finally:
        close_window(w)


def test_a_named_sync_folder_starts_its_runner_a_moment_after_start(qapp, qtbot,
                                                                     demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    try:
        # Named before the moment comes (as by another session of the same officer).
        site.set_meta(w.conn, sync_folder.FOLDER_KEY, str(tmp_path / "share"))
        assert getattr(w, "sync_folder_runner", None) is None
        qtbot.waitUntil(lambda: getattr(w, "sync_folder_runner", None) is not None,
                        timeout=5000)
        # Its status line in the status bar (this demo has no sync keys: it says so).
        assert w.sync_folder_runner.label.isVisible()
        assert w.sync_folder_runner.timer.isActive()  # and again on its timer
    finally:
        close_window(w)
