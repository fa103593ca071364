"""The home page's figures are read off the UI thread (issue 12, «the window never freezes»):
at a commune of 300,000 people their SQL held the window 0.9 s at each showing of the page,
each unit clicked in the tree and each period chosen. While they are read the window answers
(another period can be chosen), the figures shown stay greyed, and the last choice's figures
are the ones shown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from uikit import click_page, close_window, open_window

from desktop.storage import statistics


@pytest.fixture
def window(qapp, demo_factory, tmp_path):
    w = open_window(demo_factory(1, 5), tmp_path)
    yield w
    close_window(w)


def test_the_home_pages_figures_come_from_a_worker_and_the_last_period_wins(
        qtbot, window, monkeypatch):
    home = click_page(qtbot, window, "home")
    qtbot.waitUntil(lambda: home.summary.isEnabled() and home.summary.rowCount() > 0,
                    timeout=10000)
    real = statistics.organizations
    threads: list[int] = []
    release = threading.Event()

    def held(*a, **k):  # the worker waits here until the test lets it go
        threads.append(threading.get_ident())
        release.wait(10)
        return real(*a, **k)

    monkeypatch.setattr(statistics, "organizations", held)
    home.period.setFocus()
    qtbot.keyClick(home.period, Qt.Key.Key_Down)  # another period: its figures are asked
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    # The figures are being read and the window still answers: greyed, another period chosen.
    assert not home.summary.isEnabled() and not home.chart.isEnabled()
    qtbot.keyClick(home.period, Qt.Key.Key_Down)
    last = home.period.currentData()
    assert home.period.currentIndex() == 2
    release.set()
    qtbot.waitUntil(lambda: home.summary.isEnabled(), timeout=10000)
    assert home.title.text().endswith(f"— {last.label}"), home.title.text()
    assert threading.main_thread().ident not in threads
    labels = [home.summary.item(r, 0).text() for r in range(home.summary.rowCount())]
    assert "Tổ chức quần chúng bảo vệ ANTT" in labels
