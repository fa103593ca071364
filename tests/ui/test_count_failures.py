"""A count or a read made off the UI thread that fails is said (desktop/ui/common/counting.py):
the question raised (a damaged page, a busy file, a bug) or its connection could not be opened
(the file moved away). Before, the worker swallowed it: the home page's figures stayed greyed,
«Trùng lặp» and «Địa bàn» kept "…" or their old rows, a list's count "…" for ever, and no one
was told. Each page says it its own way and stays usable; a later answer clears it; the error
is in the program's log. A question interrupted because a newer one came, or the window let go
of its file, is no failure: nothing is said."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from uikit import click_page, type_text

from desktop.storage import dbapi, duplicates, records, rosters, villages
from desktop.ui.movement import home_page
from desktop.ui.records.pages import count_of, format_count


@pytest.fixture(autouse=True)
def log_folder(tmp_path, monkeypatch) -> Path:
    """The error log written in the test's own folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ANTQ_DATA_DIR", str(folder))
    return folder / "logs" / "antq.log"


def logged(log: Path) -> str:
    return log.read_text("utf-8") if log.exists() else ""


def counted(qtbot, page) -> None:
    """The list's count has come (a figure: not "…", nor the dash of a failure)."""
    qtbot.waitUntil(lambda: page.count.text() not in ("", "…", "—"), timeout=5000)


def test_home_figures_that_cannot_be_read_are_said_with_a_retry(window, qtbot, monkeypatch,
                                                                log_folder):
    home = click_page(qtbot, window, "home")
    qtbot.waitUntil(lambda: home.summary.isEnabled() and home.summary.rowCount() > 0,
                    timeout=10000)
    assert not home.problem.isVisible()
    real = home_page.read_figures

    def broken(conn, unit, period):
        raise RuntimeError("a bug in the question")

    monkeypatch.setattr(home_page, "read_figures", broken)
    home.period.setFocus()
    qtbot.keyClick(home.period, Qt.Key.Key_Down)  # another period: its figures asked
    qtbot.waitUntil(home.problem.isVisible, timeout=5000)
    text = home.problem_text.text()
    assert text.startswith("Không đọc được số liệu: lỗi không mong đợi khi đọc dữ liệu. "
                           "Hãy thử lại"), text
    code = re.search(r"#([0-9A-F]{6})", text).group(1)
    log = logged(log_folder)
    assert f"#{code}" in log and "RuntimeError" in log and "home_page.py" in log
    assert not home.summary.isEnabled()  # the figures of before, greyed
    # The window answers: another period chosen is asked again (the same error is not
    # written to the log a second time).
    qtbot.keyClick(home.period, Qt.Key.Key_Down)
    assert not home.retry_button.isEnabled()  # asked
    qtbot.waitUntil(home.retry_button.isEnabled, timeout=5000)
    assert home.problem.isVisible() and logged(log_folder).count(" ERROR #") == 1
    monkeypatch.setattr(home_page, "read_figures", real)
    qtbot.mouseClick(home.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: home.summary.isEnabled(), timeout=10000)
    assert not home.problem.isVisible()
    assert home.title.text().endswith(f"— {home.period.currentData().label}")
    assert home.summary.rowCount() > 0


def test_a_lists_count_whose_file_cannot_be_opened_is_a_dash_that_says_why(window, qtbot,
                                                                           log_folder):
    """The file moved away under the window (a USB stick pulled out): the worker cannot open
    it again; the count shows a dash, why on hover, and the list goes on being searched."""
    page = click_page(qtbot, window, "people")
    counted(qtbot, page)
    path = Path(window.db_path)
    away = path.with_name(path.name + ".away")
    path.rename(away)
    try:
        page.search.setFocus()
        type_text(page.search, "ng")
        qtbot.waitUntil(lambda: page.count.text() == "—", timeout=5000)
        assert page.count.toolTip().startswith(
            "Không đếm được: không mở được tệp dữ liệu (tệp đã bị chuyển, xóa, hoặc ổ đĩa bị "
            "rút ra). Hãy kiểm tra tệp rồi thử lại."), page.count.toolTip()
        assert page.model.search == "ng" and page.model.rowCount() > 0  # still searched
        assert "FileNotFoundError" in logged(log_folder)
    finally:
        away.rename(path)
    type_text(page.search, "u")
    counted(qtbot, page)
    assert page.count.toolTip() == ""
    assert page.count.text() == count_of("person", rosters.count_people(
        window.conn, page.scope(), "ngu"))


def test_a_record_lists_count_that_raises_is_a_dash_till_the_next_count(window, qtbot,
                                                                         monkeypatch):
    page = click_page(qtbot, window, "cameras")
    counted(qtbot, page)
    real = records.count

    def damaged(conn, kind, query=None):
        raise dbapi.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(records, "count", damaged)
    page.search.setFocus()
    type_text(page.search, "ca")
    qtbot.waitUntil(lambda: page.count.text() == "—", timeout=5000)
    tip = page.count.toolTip()
    assert tip.startswith("Không đếm được: tệp dữ liệu không đọc được, có thể đã bị hỏng. "
                          "Hãy thử lại; nếu vẫn lỗi, khôi phục từ bản sao lưu"), tip
    assert re.search(r"Mã lỗi #[0-9A-F]{6}", tip)
    monkeypatch.setattr(records, "count", real)
    type_text(page.search, "m")
    counted(qtbot, page)
    assert page.count.text() == count_of("camera", records.count(
        window.conn, page.kind, page.model.query))
    assert page.count.toolTip() == ""


def _twins(window) -> tuple[str, str]:
    village = window.conn.execute("SELECT id FROM unit WHERE level = 'village' LIMIT 1"
                                  ).fetchone()[0]
    a = window.store.add("person", {"full_name": "Lò Văn Đức", "birth_date": "05/03/1985",
                                    "residence_unit_id": village}).id
    b = window.store.add("person", {"full_name": "LÒ VĂN ĐỨC", "birth_date": "05/03/1985",
                                    "residence_unit_id": village}).id
    return a, b


def test_trung_lap_says_in_its_status_line_that_its_pairs_could_not_be_read(window, qtbot,
                                                                              monkeypatch):
    a, b = _twins(window)
    real = duplicates.queue

    def busy(conn, status=duplicates.OPEN, limit=500):
        raise dbapi.OperationalError("database is locked")

    monkeypatch.setattr(duplicates, "queue", busy)
    page = click_page(qtbot, window, "duplicates")
    qtbot.waitUntil(lambda: page.count.text().startswith("Không đọc được danh sách cặp:"),
                    timeout=5000)
    assert page.count.text().startswith(
        "Không đọc được danh sách cặp: cơ sở dữ liệu đang bận (một chương trình khác đang "
        "ghi). Hãy thử lại sau giây lát."), page.count.text()
    assert not page.reading and page.table.rowCount() == 0
    monkeypatch.setattr(duplicates, "queue", real)
    # Usable: another status chosen reads it, and coming back to the open pairs too.
    page.status.setFocus()
    qtbot.keyClick(page.status, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.count.text() == "0 cặp", timeout=5000)
    monkeypatch.setattr(duplicates, "queue", busy)
    qtbot.keyClick(page.status, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: page.count.text().startswith("Không đọc được"), timeout=5000)
    monkeypatch.setattr(duplicates, "queue", real)
    window.changed()  # what the window does after a save: the page read again
    qtbot.waitUntil(lambda: page.count.text() == "1 cặp", timeout=5000)
    assert [{c.a, c.b} for c in page.found] == [{a, b}]


def test_dia_ban_says_when_the_residents_could_not_be_counted(window, qtbot, monkeypatch):
    real = villages.residents

    def broken(reader, ids):
        raise RuntimeError("a bug")

    monkeypatch.setattr(villages, "residents", broken)
    page = click_page(qtbot, window, "areas")
    qtbot.waitUntil(lambda: "Không đếm được số người cư trú" in page.hint.text(),
                    timeout=5000)
    assert "lỗi không mong đợi khi đọc dữ liệu" in page.hint.text()
    assert page.model.rowCount() > 0
    column = [page.model.index(r, page.RESIDENTS).data() for r in range(page.model.rowCount())]
    assert set(column) == {"—"}
    tip = page.model.index(0, page.RESIDENTS).data(Qt.ItemDataRole.ToolTipRole)
    assert "Không đếm được số người cư trú" in tip
    monkeypatch.setattr(villages, "residents", real)
    box = page.show_old
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())  # read again
    assert box.isChecked()
    qtbot.waitUntil(lambda: page.counter.answer is not None, timeout=5000)
    assert "Không đếm được" not in page.hint.text()
    ids = [v.id for v in page.rows]
    counts = real(window.conn, ids)
    assert [page.model.index(r, page.RESIDENTS).data() for r in range(len(ids))] == [
        format_count(counts[i]) for i in ids]


def test_an_interrupted_count_says_nothing(window, qtbot, monkeypatch, log_folder):
    """A count superseded by a newer search, or stopped as the window lets go of its file
    (a restore), is interrupted on its connection: no failure is said or logged. Only a
    failure of the latest question is (and a later count clears it)."""
    page = click_page(qtbot, window, "people")
    counted(qtbot, page)
    failures: list = []
    page.model.count_failed.connect(failures.append)
    real = rosters.count_people
    started = threading.Event()
    interrupted: list[BaseException] = []

    def count(conn, scope, search=None):
        if search == "xq":
            raise RuntimeError("a bug")
        if search == "ng":  # long: SQL the newer question interrupts
            started.set()
            deadline = time.monotonic() + 10
            try:
                while time.monotonic() < deadline:
                    conn.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                                 "FROM c WHERE x < 200000) SELECT count(*) FROM c").fetchone()
            except dbapi.OperationalError as e:
                interrupted.append(e)
                raise
        return real(conn, scope, search)

    monkeypatch.setattr(rosters, "count_people", count)
    page.search.setFocus()
    type_text(page.search, "xq")
    qtbot.waitUntil(lambda: page.count.text() == "—", timeout=5000)
    assert len(failures) == 1
    page.search.clear()
    counted(qtbot, page)
    assert page.count.toolTip() == ""
    type_text(page.search, "ng")
    qtbot.waitUntil(started.is_set, timeout=5000)
    type_text(page.search, "u")  # a newer question: the count running is interrupted
    counted(qtbot, page)
    assert page.count.text() == count_of("person", real(window.conn, page.scope(), "ngu"))
    assert [str(e) for e in interrupted] == ["interrupted"]
    # The window lets go of its file while a count runs: interrupted, nothing said either.
    started.clear()
    page.search.clear()
    counted(qtbot, page)
    type_text(page.search, "ng")
    qtbot.waitUntil(started.is_set, timeout=5000)
    window.stop_pending_work()
    qtbot.waitUntil(lambda: len(interrupted) == 2, timeout=5000)
    qtbot.wait(200)
    assert page.count.text() == "…" and page.count.toolTip() == ""
    assert len(failures) == 1
    log = logged(log_folder)
    assert log.count(" ERROR #") == 1 and "OperationalError" not in log
