"""A place's roster as Ctrl+End is held (issue 12): each page asked for is read a part at a
time, within the read budget (desktop/ui/common/fetching.py), the rest in the next turns of
the event loop, and shown whole once read; the roster ends with every person in the order
it has read at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from uikit import click_page

from desktop.storage import rosters
from desktop.ui.common import fetching
from desktop.ui.people import roster_model


def test_ctrl_end_held_reads_the_roster_a_part_at_a_time_and_ends_in_its_order(
        window, qtbot, monkeypatch):
    """At 300,000 people a page of 25,600 rowids read at once held a press of End 23-26 ms
    (past a frame): no read takes more rowids than the budget allows at the roster's last
    rate (known after its first read), and a page read in parts is shown whole (each
    insertion is laid out and painted again), with the same people in the same order as
    the roster read at once."""
    monkeypatch.setattr(roster_model, "BATCH", 20)
    monkeypatch.setattr(fetching, "READ_BUDGET_S", 1e-9)  # any read is slower: a page's rows
    monkeypatch.setattr(roster_model, "HELD_S", 60.0)  # each press comes while End is held
    limits: list[int] = []
    real = rosters.people_rowids

    def people_rowids(conn, scope, **kw):
        limits.append(kw.get("limit", 100))
        return real(conn, scope, **kw)

    monkeypatch.setattr(rosters, "people_rowids", people_rowids)
    page = click_page(qtbot, window, "people")
    page.reload()
    model, table = page.model, page.table
    everyone = [r["id"] for r in rosters.people_page(window.conn, page.scope(), limit=-1)]
    assert model.rowCount() == 20 and len(everyone) > 20 + 40 + 80 + 160
    inserted: list[int] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append(last - first + 1))
    limits.clear()
    table.setFocus()
    for _ in range(len(everyone)):
        if not model.canFetchMore():
            break
        qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(5)
    qtbot.waitUntil(lambda: not model.canFetchMore(), timeout=10000)
    # The first read after the first page: the 40 asked, the roster's rate not known yet.
    assert limits[0] == 40 and max(limits[1:]) == 20, limits
    assert [model.record_id(r) for r in range(model.rowCount())] == everyone
    assert all(n >= 40 for n in inserted[:-1]), inserted  # each page shown whole
