"""Long lists in the window: counts from another thread ("…" until they come), the first
result of a search without waiting for the typing to pause, a roster that forgets the rows
scrolled past, pages that grow while the scroll bar is held at the bottom."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from uikit import click_page, type_text

from desktop.domain import text
from desktop.domain.kinds import PERSON
from desktop.storage import ranked, records, rosters
from desktop.storage.present import Presenter
from desktop.storage.writer import Store
from desktop.ui.people import roster_model
from desktop.ui.records import record_model
from desktop.ui.records.pages import count_of


def test_the_roster_is_counted_off_the_ui_thread_and_shows_dots_until_then(
        window, qtbot, monkeypatch):
    threads = []
    real = rosters.count_people

    def counted(*args, **kw):
        threads.append(threading.current_thread())
        return real(*args, **kw)

    monkeypatch.setattr(rosters, "count_people", counted)
    page = window.people
    page.reload()
    assert page.count.text() == "…"  # the first page is shown; the count is on its way
    qtbot.waitUntil(lambda: page.count.text().endswith("người"), timeout=5000)
    assert threads and threading.main_thread() not in threads
    shown = int(page.count.text().split()[0].replace(".", ""))
    assert shown == real(window.conn, page.scope(), None) > roster_model.BATCH


def test_a_count_that_comes_after_a_newer_search_is_dropped(window, qtbot):
    page = window.people
    page.search.setFocus()
    type_text(page.search, "zzzz")  # nobody
    qtbot.waitUntil(lambda: page.count.text() == "0 người", timeout=5000)
    page.search.clear()
    qtbot.waitUntil(lambda: page.count.text().endswith("người")
                    and page.count.text() != "0 người", timeout=5000)
    assert page.model.counted_total == page.model.total > 0


def test_only_the_search_the_officer_stops_at_is_counted(window, qtbot, monkeypatch):
    # A count waits a moment for typing to go on (woken by the next key's question, not by
    # polling): "ng" is searched at once but "u" follows before its count starts.
    counted, real = [], rosters.count_people

    def count(conn, scope, search=None):
        counted.append(search)
        return real(conn, scope, search)

    page = window.people
    qtbot.waitUntil(lambda: page.count.text() not in ("", "…"), timeout=5000)
    monkeypatch.setattr(rosters, "count_people", count)
    monkeypatch.setattr(page.model._counter.state, "delay", 1.0)  # a slow machine's pause
    page.search.setFocus()
    type_text(page.search, "ng")
    assert page.model.search == "ng" and page.count.text() == "…"
    type_text(page.search, "u")
    qtbot.waitUntil(lambda: page.count.text() != "…", timeout=5000)
    assert page.model.search == "ngu" and counted == ["ngu"]
    assert page.count.text() == count_of("person", real(window.conn, page.scope(), "ngu"))


def test_the_count_s_number_format_is_loaded_off_the_ui_thread(window, qtbot, monkeypatch):
    # babel and its locale data take tens of milliseconds to load the first time: the worker
    # that counts loads them, not the UI thread showing the count in the officer's first search.
    import threading

    from desktop.domain import formatting

    page = window.people
    qtbot.waitUntil(lambda: page.count.text() not in ("", "…"), timeout=5000)
    real, first_loaded_by = formatting._locale, []
    real.cache_clear()
    formatting._thousands.cache_clear()  # (a count's separator, read from babel's once)

    def locale(name):
        if real.cache_info().currsize == 0:
            first_loaded_by.append(threading.current_thread())
        return real(name)

    monkeypatch.setattr(formatting, "_locale", locale)
    page.search.setFocus()
    type_text(page.search, "ng")
    qtbot.waitUntil(lambda: page.count.text() != "…", timeout=5000)
    assert first_loaded_by and first_loaded_by[0] is not threading.main_thread()


def test_a_list_of_minutes_is_counted_off_the_ui_thread_too(window, qtbot):
    page = window.show_page("meetings")
    assert page.count.text() == "…"
    qtbot.waitUntil(lambda: page.count.text().endswith("biên bản họp"), timeout=5000)
    n = int(page.count.text().split()[0].replace(".", ""))
    assert n == records.count(window.conn, page.kind, page.model.query) > 0


def test_the_first_key_that_changes_the_search_runs_it_at_once(window, qtbot):
    page = window.people
    resets = []  # the search of each list read anew (its first page shown)
    page.model.replaced.connect(lambda: resets.append(page.model.search))
    page.search.setFocus()
    type_text(page.search, "l")  # one letter searches nothing: the list stays as it is
    assert resets == [] and not page.typing.timer.isActive()
    type_text(page.search, "o")  # "lo": searched at once, no pause waited for
    assert resets == ["lo"]
    type_text(page.search, " v")  # typing on: once it pauses
    assert resets == ["lo"] and page.typing.timer.isActive()
    qtbot.waitUntil(lambda: resets == ["lo", "lo v"], timeout=3000)
    names = [text.search_words(page.model.index(r, 0).data())
             for r in range(page.model.rowCount())]
    assert names and all(any(w.startswith("lo") for w in n) and any(w.startswith("v")
                                                                   for w in n) for n in names)
    QApplication.sendEvent(page.search, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return,
                                                  Qt.KeyboardModifier.NoModifier))
    assert page.table.currentIndex().row() == 0


@pytest.mark.parametrize("name", ["people", "meetings"])
def test_a_search_typed_lets_go_of_the_row_chosen_and_shows_its_results_from_the_top(
        window, qtbot, name):
    # A new search's rows take the places of the rows shown (no removal and insertion):
    # the row the officer had clicked is someone else now, so nothing stays chosen (Sửa,
    # Xóa act on the chosen row), and the results start at the top of the list.
    page = window.people if name == "people" else click_page(qtbot, window, name)
    model, table = page.model, page.table
    qtbot.waitUntil(lambda: model.rowCount() > 40
                    and table.verticalScrollBar().maximum() > 0, timeout=5000)
    row = model.rowCount() - 3
    table.scrollTo(model.index(row, 0), table.ScrollHint.PositionAtTop)
    assert table.verticalScrollBar().value() > 0
    rect = table.visualRect(model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = model.record_id(row)
    assert chosen and table.currentIndex().row() == row and page.current_id() == chosen
    page.search.setFocus()
    typed = "ng" if name == "people" else "ho"
    type_text(page.search, typed)
    qtbot.waitUntil(lambda: (model.search if name == "people" else model.query.search)
                    == typed, timeout=3000)
    assert model.rowCount() > 0
    assert not table.currentIndex().isValid() and page.current_id() is None
    assert not table.selectionModel().hasSelection()
    assert table.verticalScrollBar().value() == 0
    first = [model.record_id(r) for r in range(model.rowCount())]
    if name == "people":
        expected = rosters.people_page(window.conn, page.scope(), search=typed, limit=100)
    else:
        expected = records.page(window.conn, page.kind, model.query, limit=100)
    assert first == [r["id"] for r in expected][:len(first)]
    shown = [model.index(r, 0).data() for r in range(min(5, model.rowCount()))]
    assert shown == [Presenter(window.conn).record(
        PERSON if name == "people" else page.kind, r)[model.column_name(0) if name == "people"
                                                      else model.columns[0]]
        for r in expected[:len(shown)]]


def test_a_roster_scrolled_to_its_end_keeps_only_the_rows_near_the_screen(
        window, qtbot, monkeypatch):
    monkeypatch.setattr(roster_model, "CHUNK", 10)
    monkeypatch.setattr(roster_model, "CACHED_CHUNKS", 3)
    page = window.people
    page.reload()
    model = page.model
    first = [model.index(r, 0).data() for r in range(5)]
    page.table.scrollToBottom()
    while model.canFetchMore():
        model.fetchMore()
    everyone = rosters.people_page(window.conn, page.scope(), limit=-1)
    assert model.rowCount() == len(everyone) > 10 * 3
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == everyone[-1]["full_name"]
    assert model.record_id(last) == everyone[-1]["id"]
    for r in range(0, model.rowCount(), 7):  # as a long scroll would paint them
        model.index(r, 0).data()
    assert model.presented <= 10 * 3  # the rest were let go
    assert [model.index(r, 0).data() for r in range(5)] == first  # read again when shown
    assert model.row_of(everyone[-1]["id"]) == last


def test_pages_grow_while_the_scroll_bar_is_held_at_the_bottom(window):
    model = window.people.model
    window.people.reload()
    assert model.rowCount() == roster_model.BATCH
    model.fetchMore()
    model.fetchMore()  # asked again at once: twice as many, then four times
    assert model.rowCount() in (roster_model.BATCH * 7, model.total)


def test_the_warm_up_reads_off_the_ui_thread_and_lends_the_ranks_to_the_window(
        window, qtbot, monkeypatch):
    """Half a second after the first roster, the read-ahead's worker reads the name index
    into its connection's cache, a slice at a time, then the ranks and numbers a search is
    placed or found by (storage/ranked.py), and lends them to the window's connection: read
    once, never on the UI thread (at 300,000 people 1.1 s of processor there, in slices
    of up to 120 ms that held keys back)."""
    slices = []
    real = rosters.warm

    def warm(conn, after, rows=4000):
        slices.append((after, threading.current_thread() is threading.main_thread(),
                       conn is window.conn))
        return real(conn, after, rows=50)

    ranks_read = []  # each step of the name order read: on the window's connection?
    real_rowids = ranked._hex_rowids
    monkeypatch.setattr(ranked, "_hex_rowids", lambda c, sql, args: (
        ranks_read.append(c is window.conn) if "ORDER BY p.name_key" in sql else None,
        real_rowids(c, sql, args))[1])
    monkeypatch.setattr(rosters, "warm", warm)
    qtbot.waitUntil(lambda: rosters.warmed(window.conn), timeout=10000)
    assert slices and not any(ui or mine for _after, ui, mine in slices)
    # The name index 50 entries a step, with the ranks, then the numbers, a step each
    everyone = window.conn.execute("SELECT count(*) FROM person").fetchone()[0]
    assert len(slices) > everyone // 50 + 1
    assert len(ranks_read) == everyone // 50 + 1 and not any(ranks_read)  # by the worker


def test_a_search_after_a_write_reads_the_ranks_and_numbers_again_while_idle(window, qtbot,
                                                                           monkeypatch):
    """What the warm-up read (the ranks and numbers a search is placed or found by) is read
    again by the read-ahead's worker and lent to the window once the officer searches after
    the database changed (here written by a bundle or another window); the search finds the
    same people before and after."""
    from desktop.storage.writer import Store

    page = window.people
    qtbot.waitUntil(lambda: rosters.warmed(window.conn), timeout=10000)
    cccd, place = window.conn.execute(
        "SELECT citizen_id, residence_unit_id FROM person WHERE _deleted = 0 AND citizen_id "
        "> '' AND residence_unit_id IS NOT NULL ORDER BY citizen_id LIMIT 1").fetchone()
    added = Store(window.conn, actor="tester").add("person", {  # given name «A»: first
        "full_name": "Vũ Hữu A", "citizen_id": cccd[:-1] + "9", "residence_unit_id": place}).id
    window.conn.commit()
    assert not rosters.warmed(window.conn)
    page.search.setFocus()
    type_text(page.search, cccd[:3])
    qtbot.waitUntil(lambda: page.model.search == cccd[:3], timeout=5000)
    before = [page.model.record_id(r) for r in range(page.model.rowCount())]
    qtbot.waitUntil(lambda: rosters.warmed(window.conn), timeout=10000)
    page.search.clear()
    type_text(page.search, cccd[:3])
    qtbot.waitUntil(lambda: page.model.search == cccd[:3] and page.model.rowCount() > 0,
                    timeout=5000)
    assert [page.model.record_id(r) for r in range(page.model.rowCount())] == before
    assert before[0] == added
    monkeypatch.setattr(ranked, "SCANNED", None)  # never found in the numbers held
    assert before == [r["id"] for r in rosters.people_page(
        window.conn, page.scope(), search=cccd[:3], limit=len(before))]


def test_each_row_shows_its_person_s_values_on_both_sides_of_a_chunk(window, qtbot,
                                                                      monkeypatch):
    """The roster reads only the columns it shows: scrolled to its end with Ctrl+End, every
    row still shows its own person's values, in the roster's order, on both sides of the
    chunks its rows are read in (rows 9 and 10, 19 and 20…)."""
    monkeypatch.setattr(roster_model, "CHUNK", 10)
    page = window.people
    page.reload()
    model, table = page.model, page.table
    table.setFocus()
    for _ in range(20):  # each press at the bottom fetches the next page
        if not model.canFetchMore():
            break
        qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(10)
    everyone = rosters.people_page(window.conn, page.scope(), limit=-1)
    assert model.rowCount() == len(everyone) > roster_model.BATCH
    presenter = Presenter(window.conn)
    names = [model.column_name(c) for c in range(model.columnCount())]
    for r in [r for k in range(10, len(everyone), 10) for r in (k - 1, k)]:
        shown = presenter.record(PERSON, everyone[r], only=names)
        assert [model.index(r, c).data() for c in range(len(names))] == [
            shown[n] for n in names], r
    assert any(model.index(r, names.index("residence_unit_id")).data()
               for r in range(len(everyone)))  # a place's name, not its id


def test_pages_keep_growing_while_end_is_held_even_when_a_page_is_slow(
        window, qtbot, monkeypatch):
    """Ctrl+End held down: each page twice the last, even on a machine so busy that a page
    takes longer than the keyboard's repeat (the gap counts from when the last page came).
    A slow page comes in parts read in the next turns of the event loop (fetching.py),
    turning here as between the keyboard's repeats."""
    real = rosters.people_rowids

    def slow(*args, **kw):
        time.sleep(0.15)
        return real(*args, **kw)

    monkeypatch.setattr(rosters, "people_rowids", slow)
    page = window.people
    page.reload()
    model, table = page.model, page.table
    table.setFocus()
    counts = [model.rowCount()]
    for _ in range(3):
        qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: model.rowCount() > counts[-1] or not model.canFetchMore(),
                        timeout=5000)
        counts.append(model.rowCount())
    total = model.total
    b = roster_model.BATCH
    assert counts == [min(n, total) for n in (b, b * 3, b * 7, b * 15)], counts


def test_a_list_s_pages_grow_too_while_the_scroll_bar_is_held(window, qtbot, monkeypatch):
    """The minutes (any record list): asked again as soon as a page came (End or the scroll
    bar held at the bottom), each page twice the last, so that 6,000 minutes end in seven
    pages rather than sixty; after a pause, one page again."""
    monkeypatch.setattr(record_model, "BATCH", 20)
    page = click_page(qtbot, window, "meetings")
    model = page.model
    model.refresh()
    total = records.count(window.conn, page.kind, model.query)
    assert total > 20 + 40 + 80 + 20
    model.fetchMore()
    model.fetchMore()  # asked again at once: twice as many, then four times
    assert model.rowCount() == 20 + 40 + 80
    qtbot.wait(int(record_model.HELD_S * 1000) + 100)  # the officer lets go a moment
    model.fetchMore()
    assert model.rowCount() == 20 + 40 + 80 + 20
    ids = [model.record_id(r) for r in range(model.rowCount())]
    while model.canFetchMore():
        model.fetchMore()
    everyone = [r["id"] for r in records.page(window.conn, page.kind, model.query, limit=-1)]
    assert [model.record_id(r) for r in range(model.rowCount())] == everyone
    assert everyone[:len(ids)] == ids  # the same rows in the same order across the pages


@pytest.mark.parametrize("page_name", ["meetings", "organizations", "deeds"])
def test_a_list_reads_only_what_it_shows_and_shows_the_same(window, qtbot, page_name):
    """A record list reads its columns alone (and a meeting's issuer, which its number is
    shown with), page after page as End is held: every row's text is what the whole record
    presents."""
    page = click_page(qtbot, window, page_name)
    model = page.model
    model.refresh()
    while model.canFetchMore():
        model.fetchMore()
    whole = records.page(window.conn, page.kind, model.query, limit=-1)
    assert [model.record_id(r) for r in range(model.rowCount())] == [r["id"] for r in whole]
    presenter = Presenter(window.conn)
    for row, rec in enumerate(whole):
        shown = presenter.record(page.kind, rec)
        assert [model.cell_text(row, c) for c in range(model.columnCount())] == [
            shown.get(name, "").replace("\n", " ")[:200] for name in model.columns]
    if page_name == "meetings":  # numbered minutes: «NN/BB-…», the issuer read with them
        assert any("/BB-" in model.cell_text(r, model.columns.index("number"))
                   for r in range(model.rowCount()))


@pytest.mark.parametrize("page_name", ["meetings", "organizations", "deeds"])
def test_a_list_s_columns_fit_the_rows_on_screen(window, qtbot, page_name):
    """Sized once, when its first rows come, to the rows on screen (not to every row of the
    page): no text there is cut, but a column wider than 320 px."""
    page = click_page(qtbot, window, page_name)
    table, model = page.table, page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=5000)
    metrics = table.fontMetrics()
    last = table.rowAt(table.viewport().height() - 1)
    on_screen = range(model.rowCount() if last < 0 else last + 1)
    assert len(on_screen) > 5
    for column in range(model.columnCount()):
        widest = max(metrics.horizontalAdvance(model.cell_text(r, column)) for r in on_screen)
        assert table.columnWidth(column) >= min(widest, 320 - 12), (page_name, column)


def test_a_list_opened_the_first_time_is_not_sized_to_rows_far_below_the_screen(window, qtbot):
    """Sized when its first rows come, before its table is shown (a page opened the first
    time): to its first rows, as many as the window's height holds, not to every row of the
    page (Qt's measure of a table not yet shown: 100 cameras at 300k people, 800 cells)."""
    org_id, org_name = window.conn.execute(
        "SELECT id, name FROM organization WHERE _deleted = 0 "
        "ORDER BY length(name) DESC LIMIT 1").fetchone()
    Store(window.conn).add("deed", {"deed_date": "1990-05-01", "organization_id": org_id,
                                    "description": "Bắt giữ đối tượng trộm cắp"})
    window.changed()
    page = click_page(qtbot, window, "deeds")
    table, model = page.table, page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and table.isVisible(), timeout=5000)
    column = model.columns.index("organization_id")
    last = model.rowCount() - 1  # the oldest deed, the newest first
    assert model.cell_text(last, column) == org_name
    assert last > window.height() // table.rowHeight(0)  # far below the screen
    assert table.columnWidth(column) < min(table.fontMetrics().horizontalAdvance(org_name), 320)
