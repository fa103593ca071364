"""Issue 12 in the window: the day's backup runs in the background after the first paint
(progress in the status bar, a failure a warning), the backup dialog shows the space used, the
budget and what pruning deletes, and an import is undone by clicking."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from dbkit import copy_database
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton
from uikit import click_menu, close_window, enrol_with_a_person, type_text, when_modal

from desktop.storage import backup, db, site
from desktop.storage.paths import backups_dir
from desktop.sync import keys
from desktop.ui.accounts.backup_dialog import RestoreDialog
from desktop.ui.exchange.sync_dialogs import ResultsDialog
from desktop.ui.shell.app import build_window, make_application, open_if_set_up, start_window

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "KDF_PARAMS", {"t": 1, "m": 8, "p": 1})


class Paints(QObject):
    """Counts the paint events of a widget."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def menu_action(window, text: str) -> QAction:
    [action] = [a for a in window.findChildren(QAction) if a.text() == text]
    return action


def message_button(box: QMessageBox, text: str) -> QPushButton:
    [button] = [b for b in box.buttons() if b.text().replace("&", "") == text]
    return button


def test_the_daily_copy_runs_in_the_background_after_the_first_paint(
        qapp, qtbot, demo_factory, tmp_path, monkeypatch):
    path = tmp_path / "start.db"
    copy_database(demo_factory(1, 10), path)
    started, release = threading.Event(), threading.Event()
    real = backup._copy

    def slow_copy(*args, **kwargs) -> None:  # a large database on a slow disk
        started.set()
        assert release.wait(30)
        real(*args, **kwargs)

    monkeypatch.setattr(backup, "_copy", slow_copy)
    conn = open_if_set_up(path)
    assert conn is not None
    w = start_window(path, conn=conn)
    paints = Paints(w)
    try:
        with qtbot.waitSignal(w.filled, timeout=5000):
            pass
        # (the copy starts once the rows are painted: the event loop turns meanwhile)
        qtbot.waitUntil(started.is_set, timeout=10000)
        daily = w.daily_backup
        # The copy is under way and the window goes on: it shows its rows and repaints.
        assert daily.running and daily.bar.isVisible()
        assert w.people.model.rowCount() > 0
        seen = paints.count
        w.update()
        qtbot.waitUntil(lambda: paints.count > seen, timeout=3000)
        assert daily.running and backup.list_backups(path) == []
        release.set()
        qtbot.waitUntil(lambda: not daily.running and daily.made is not None, timeout=10000)
        assert "Đã sao lưu cơ sở dữ liệu" in w.statusBar().currentMessage()
        assert not daily.bar.isVisible()
        [made] = backup.list_backups(path)
        assert made.reason == "daily" and made.created.date() == dt.date.today()
    finally:
        release.set()
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()
    # The same day again: no second copy.
    conn = open_if_set_up(path)
    again = start_window(path, conn=conn)
    try:
        with qtbot.waitSignal(again.filled, timeout=5000):
            pass
        qtbot.waitUntil(lambda: getattr(again, "daily_backup", None) is not None, timeout=5000)
        assert not again.daily_backup.running and again.daily_backup.thread is None
        assert len(backup.list_backups(path)) == 1
    finally:
        again.close()
        again.deleteLater()
        QApplication.processEvents()
        again.conn.close()


def test_a_failed_daily_copy_is_a_warning_in_the_status_bar(qapp, qtbot, demo_factory, tmp_path,
                                                            monkeypatch):
    path = tmp_path / "full.db"
    copy_database(demo_factory(1, 10), path)

    def disk_full(*_args, **_kwargs) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_copy", disk_full)
    conn = open_if_set_up(path)
    w = start_window(path, conn=conn)
    try:
        with qtbot.waitSignal(w.filled, timeout=5000):
            pass
        qtbot.waitUntil(lambda: getattr(w, "daily_backup", None) is not None
                        and w.daily_backup.warning.isVisible(), timeout=10000)
        assert "Chưa sao lưu hôm nay" in w.daily_backup.warning.text()
        assert "No space left on device" in w.daily_backup.warning.toolTip()
        assert w.isVisible() and w.people.model.rowCount() > 0
    finally:
        w.close()
        w.deleteLater()
        QApplication.processEvents()
        w.conn.close()


def _fake_backup(db_path: Path, when: dt.datetime, size: int) -> Path:
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{db_path.stem}-{when:%Y%m%d-%H%M%S-%f}-daily.db"
    with p.open("wb") as f:
        f.truncate(size)
    return p


def test_the_backup_dialog_shows_space_budget_and_what_pruning_deletes(
        qapp, qtbot, master_db, tmp_path):
    path = tmp_path / "xa.db"
    copy_database(master_db, path)
    conn = db.open_database(path)
    site.init_site(conn, name="Công an xã Mường Nhé", commune_code="03160")
    conn.close()
    now = dt.datetime.now()
    copies = [_fake_backup(path, now - dt.timedelta(days=n, hours=1), 400 * backup.MB)
              for n in range(5)]
    make_application()
    w = build_window(path)
    w.show()
    try:
        click_menu(qtbot, w, menu_action(w, "&Khôi phục từ bản sao lưu…"))
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), RestoreDialog)
                        or any(isinstance(x, RestoreDialog) and x.isVisible()
                               for x in QApplication.topLevelWidgets()), timeout=3000)
        [dialog] = [x for x in QApplication.topLevelWidgets()
                    if isinstance(x, RestoreDialog) and x.isVisible()]
        assert dialog.list.count() == 5
        usage = dialog.usage.text()
        assert "Đang dùng 2 GB cho 5 bản; hạn mức 2 GB" in usage
        assert "Không có bản nào phải xóa" in usage
        # A smaller budget, typed: the two oldest would go, said before anything is deleted.
        dialog.budget.setFocus()
        dialog.budget.selectAll()
        type_text(dialog.budget, "1")
        assert dialog.budget.value() == 1.0
        assert "Lần dọn tới sẽ xóa 3 bản" in dialog.usage.text()
        texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
        assert texts[0].endswith("giữ: bản mới nhất")
        assert [t.endswith("sẽ xóa khi dọn") for t in texts] == [False, False, True, True, True]
        assert all(p.exists() for p in copies)
        asked: list[str] = []

        def yes(box: QMessageBox) -> None:
            asked.append(box.text())
            qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)

        when_modal(QMessageBox, yes)
        qtbot.mouseClick(dialog.save_budget, LEFT)
        assert asked and "Xóa 3 bản sao lưu cũ" in asked[0]
        assert [p.exists() for p in copies] == [True, True, False, False, False]
        assert backup.load_policy(path).budget == backup.GB
        assert dialog.list.count() == 2 and "Không có bản nào phải xóa" in dialog.usage.text()
        dialog.reject()
    finally:
        close_window(w)


# -- Hoàn tác lần nhập này ---------------------------------------------------------------------

@pytest.fixture
def enrolled(master_db: Path, tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, kw in (("province", {"province_code": "11"}),
                     ("commune", {"commune_code": "03160"})):
        p = tmp_path / name / "antq.db"
        p.parent.mkdir()
        copy_database(master_db, p)
        conn = db.open_database(p)
        site.init_site(conn, name=f"Công an {name}", **kw)
        conn.close()
        out[name] = p
    enrol_with_a_person(out["province"], out["commune"], tmp_path, phone="0911000000")
    return out


def _bundle(commune: Path, stick: Path) -> Path:
    from desktop.sync import exchange

    conn = db.open_database(commune)
    try:
        [r] = exchange.export_to_folder(conn, keys.unlock(conn), stick)
    finally:
        conn.close()
    return r.path


def _people(window) -> list[str]:
    return [r[0] for r in window.conn.execute("SELECT full_name FROM person")]


def _import_by_clicking(qtbot, w, bundle: Path, monkeypatch) -> ResultsDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bundle)], ""))
    when_modal(QMessageBox, lambda box: qtbot.mouseClick(message_button(box, "Nhập"), LEFT))
    before = w.sync.last_dialog
    click_menu(qtbot, w, menu_action(w, "&Nhập từ USB…"))
    qtbot.waitUntil(lambda: isinstance(w.sync.last_dialog, ResultsDialog)
                    and w.sync.last_dialog is not before
                    and w.sync.last_dialog.windowTitle() == "Kết quả nhập", timeout=15000)
    return w.sync.last_dialog


def test_an_import_is_undone_by_clicking_and_refused_after_a_later_edit(
        qapp, qtbot, enrolled, tmp_path, monkeypatch):
    stick = tmp_path / "usb"
    stick.mkdir()
    bundle = _bundle(enrolled["commune"], stick)
    make_application()
    w = build_window(enrolled["province"])
    w.show()
    try:
        results = _import_by_clicking(qtbot, w, bundle, monkeypatch)
        assert "Vàng A Dơ" in _people(w)
        asked: list[str] = []

        def undo_it(box: QMessageBox) -> None:
            asked.append(box.text())
            qtbot.mouseClick(message_button(box, "Hoàn tác"), LEFT)

        when_modal(QMessageBox, undo_it)
        assert results.undo_button.isVisible()
        qtbot.mouseClick(results.undo_button, LEFT)
        qtbot.waitUntil(lambda: not results.undo_button.isEnabled(), timeout=15000)
        assert "Hoàn tác lần nhập này?" in asked[0] and bundle.stem in asked[0]
        assert "Vàng A Dơ" not in _people(w)
        assert "Đã hoàn tác lần nhập 1 gói" in w.statusBar().currentMessage()
        results.reject()

        # Imported again, then a person typed in at the province: undo is refused, and why.
        results = _import_by_clicking(qtbot, w, bundle, monkeypatch)
        assert "Vàng A Dơ" in _people(w)
        results.reject()
        w.store.add("person", {"full_name": "Người nhập ở tỉnh", "residence_unit_id": w.conn
                               .execute("SELECT residence_unit_id FROM person").fetchone()[0]})
        refused: list[str] = []

        def read(box: QMessageBox) -> None:
            refused.append(box.text())
            qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)

        when_modal(QMessageBox, read)
        click_menu(qtbot, w, menu_action(w, "&Hoàn tác lần nhập gần nhất…"))
        qtbot.waitUntil(lambda: bool(refused), timeout=5000)
        assert "đã có thay đổi ghi trên máy này" in refused[0]
        assert "khôi phục từ một bản sao lưu" in refused[0]
        assert "Vàng A Dơ" in _people(w)
    finally:
        close_window(w)
