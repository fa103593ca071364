"""The demo database tells a story (issue 14, finding 11): over its last three years members
join and leave, models are built and replicated, deeds are done, so the home page shows
movement rather than "không đổi" on every line."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from uikit import click_page, close_window, open_window

from desktop.reports import periods
from desktop.storage.demo import DEMO_TODAY


@pytest.fixture
def window(qapp, demo_factory, tmp_path, monkeypatch):
    # The home page offers this year's periods and last year's; the demo's story ends on
    # DEMO_TODAY, so its periods are offered as on that day (from 2027 on, the year before
    # DEMO_TODAY's was no longer offered and the test skipped it; from 2028 both).
    from desktop.ui.movement import home_page

    real = home_page.period_choices
    monkeypatch.setattr(home_page, "period_choices", lambda today: real(DEMO_TODAY))
    w = open_window(demo_factory(1, 20), tmp_path)
    yield w
    close_window(w)


def choose_period(qtbot, combo, wanted: periods.Period) -> None:
    """Walk the period list with the arrow keys, as an officer does from the keyboard."""
    index = next((i for i in range(combo.count()) if combo.itemData(i) == wanted), -1)
    if index < 0:
        pytest.skip(f"the home page no longer offers {wanted.label}")
    combo.setFocus()
    for _step in range(combo.count()):
        if combo.currentIndex() == index:
            break
        key = Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    assert combo.currentIndex() == index


@pytest.mark.parametrize("year", [DEMO_TODAY.year, DEMO_TODAY.year - 1])
def test_the_home_page_shows_the_demo_moving_year_on_year(qtbot, window, year):
    home = click_page(qtbot, window, "home")
    choose_period(qtbot, home.period, periods.year(year))
    # read off the UI thread: greyed until the period's figures come
    qtbot.waitUntil(lambda: home.summary.isEnabled() and home.summary.rowCount() > 0,
                    timeout=10000)
    rows = {home.summary.item(r, 0).text(): (int(home.summary.item(r, 1).text()),
                                             home.summary.item(r, 3).text())
            for r in range(home.summary.rowCount())}
    for line in ("Thành viên mới tham gia trong kỳ", "Thành viên thôi tham gia trong kỳ",
                 "Mô hình xây dựng mới trong kỳ", "Lượt nhân rộng mô hình trong kỳ",
                 "Người tốt, việc tốt"):
        assert rows[line][0] > 0, (line, rows)
    unchanged = [line for line, (_n, change) in rows.items() if change == "không đổi"]
    assert len(unchanged) <= 3, rows
