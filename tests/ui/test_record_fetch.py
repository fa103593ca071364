"""A record list's pages as End is held (issue 12): a page whose rows are slow to read comes
a part at a time, between paints, and the list ends with every row in its order; the rows it
holds are not walked by the cycle collector."""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt
from uikit import click_page

from desktop.storage import records
from desktop.ui.common import fetching
from desktop.ui.records import record_model


def _press_end(qtbot, table) -> None:
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)


def test_a_page_slow_to_read_comes_a_part_at_a_time_between_paints(window, qtbot, monkeypatch):
    """Ctrl+End held on a list whose rows are slow to read (good deeds at the tree's root,
    each its person's row read afresh for its place: 20-50 µs a row at 300,000 people, and
    1,500 of them a page): no read takes more rows than READ_BUDGET_S allows at the rate of
    the list's last read; the rest of the page asked for comes in the next turns of the event
    loop, and the list ends with the same rows in the same order as read at once."""
    monkeypatch.setattr(record_model, "BATCH", 20)
    # any row is slower than that (not raising: the old model, without it, fails below)
    monkeypatch.setattr(fetching, "READ_BUDGET_S", 1e-9)
    monkeypatch.setattr(record_model, "HELD_S", 60.0)  # each press comes while End is held
    limits: list[int] = []
    real = records.page

    def page_read(*args, **kw):
        limits.append(kw.get("limit", 500))
        return real(*args, **kw)

    monkeypatch.setattr(records, "page", page_read)
    page = click_page(qtbot, window, "meetings")
    model, table = page.model, page.table
    model.refresh()
    everyone = [r["id"] for r in real(window.conn, page.kind, model.query, limit=-1)]
    assert len(everyone) > 20 + 40 + 80
    model.fetchMore()  # 40 rows asked for (End held): 20 read at once, 20 in the next turn
    assert model.rowCount() == 40
    qtbot.waitUntil(lambda: model.rowCount() >= 60, timeout=5000)
    table.setFocus()
    for _ in range(len(everyone)):
        if not model.canFetchMore():
            break
        _press_end(qtbot, table)
        qtbot.wait(5)
    qtbot.waitUntil(lambda: not model.canFetchMore(), timeout=5000)
    assert limits and max(limits) == 20, limits
    assert [model.record_id(r) for r in range(model.rowCount())] == everyone


def test_the_rows_a_list_holds_are_not_walked_by_the_cycle_collector(window, qtbot,
                                                                     monkeypatch):
    """A list's rows hold only their values, which the cycle collector does not track: only
    the last row of each page read carried the key the next page starts after (a key's tuple
    in each row made each of the 6,000 minutes held at 300,000 people part of every full
    collection, and brought the next one nearer with every page)."""
    reads = []
    real = records.page
    monkeypatch.setattr(records, "page", lambda *a, **kw: reads.append(1) or real(*a, **kw))
    page = click_page(qtbot, window, "meetings")
    model = page.model
    model.refresh()
    while model.canFetchMore():
        model.fetchMore()
    held = model._rows  # noqa: SLF001 - what the model keeps of each row
    assert len(held) > 10 * len(reads)
    assert sum(gc.is_tracked(r) for r in held) <= len(reads)
    assert not any("sort_key" in r for r in held)
    assert [model.record_id(r) for r in range(model.rowCount())] == [
        r["id"] for r in real(window.conn, page.kind, model.query, limit=-1)]


def test_a_page_still_coming_is_not_read_once_the_window_lets_go_of_the_file(
        window, qtbot, monkeypatch):
    """The window closes (or a restore takes the file) while the rest of a page is still to
    come in the next turn: that turn reads nothing, on a connection about to be closed."""
    monkeypatch.setattr(record_model, "BATCH", 20)
    monkeypatch.setattr(fetching, "READ_BUDGET_S", 1e-9)
    monkeypatch.setattr(record_model, "HELD_S", 60.0)
    page = click_page(qtbot, window, "meetings")
    model = page.model
    model.refresh()
    reads: list[int] = []
    real = records.page
    monkeypatch.setattr(records, "page", lambda *a, **kw: reads.append(1) or real(*a, **kw))
    model.fetchMore()  # 40 rows asked for: 20 now, 20 in the next turn
    assert len(reads) == 1 and model.rowCount() == 40
    window.stop_pending_work()  # what closing the window or a restore does first
    qtbot.wait(50)
    assert len(reads) == 1 and model.rowCount() == 40
