"""Python's cycle collector kept out of the officer's typing (desktop/ui/shell/collector.py):
what the start made is frozen once the window is filled and idle, and thawed when the window
closes or lets go of its data."""

from __future__ import annotations

import gc

from uikit import open_window

from desktop.ui.shell import collector


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
