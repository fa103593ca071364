"""Finding 12 of issue 14: an unforeseen error in the window is a dialog in plain words with
the detail to copy and a local log without personal data; a second start on a database
already open brings the first window forward and ends."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from dbkit import copy_database
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from uikit import click_menu, close_window, commune_window, when_modal

from desktop.ui.common.tasks import TaskRunner
from desktop.ui.shell import crash, single_instance
from desktop.ui.shell.crash import ErrorDialog

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = "Lò Thị Bí Mật"
SECRET_CCCD = "011199012345"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("ANTQ_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def reporter(qapp, monkeypatch):
    """The program's hooks, put back as they were after the test."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    return crash.install(qapp)


@pytest.fixture
def window(master_db, tmp_path):
    w = commune_window(master_db, tmp_path)
    yield w
    close_window(w)


def _answer(seen: dict, qtbot):
    def then(dialog: ErrorDialog) -> None:
        seen["detail"] = dialog.details.toPlainText()
        seen["message"] = dialog.message.text()
        seen["log_label"] = dialog.log_label.text()
        qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
        seen["clipboard"] = QGuiApplication.clipboard().text()
        seen["copied"] = dialog.copy_button.text()
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    return then


@pytest.mark.qt_no_exception_capture
def test_a_slot_that_raises_shows_the_dialog_and_logs_no_value(qtbot, window, data_dir,
                                                               reporter, monkeypatch):
    person = {"full_name": SECRET_NAME, "citizen_id": SECRET_CCCD}

    def broken_about(parent, db_path):  # a bug that carries a citizen's data in its message
        lookup = {}
        try:
            return lookup[person["citizen_id"]]
        except KeyError:
            raise ValueError(f"{person['full_name']} ({person['citizen_id']})") from None

    monkeypatch.setattr("desktop.ui.shell.about.show_about", broken_about)
    about = next(a for m in window.menuBar().actions() if m.menu() is not None
                 for a in m.menu().actions() if a.text() == "&Giới thiệu")
    seen: dict[str, str] = {}
    when_modal(ErrorDialog, _answer(seen, qtbot))
    click_menu(qtbot, window, about)  # Trợ giúp → Giới thiệu, clicked
    qtbot.waitUntil(lambda: "copied" in seen, timeout=5000)

    assert "lỗi không mong đợi" in seen["message"] and "đã lưu" in seen["message"]
    log = data_dir / "logs" / "antq.log"
    assert str(log) in seen["log_label"]
    assert seen["clipboard"] == seen["detail"] and seen["copied"] == "Đã sao chép"
    text = log.read_text("utf-8")
    code = seen["detail"].splitlines()[0]  # "#A1B2C3", the same in the log
    assert code.startswith("#") and code in text
    # The traceback: the type, our file, the function and the line that raised.
    assert "ValueError" in text and "broken_about" in text
    assert "tests/ui/test_errors_and_single_instance.py:" in text
    assert "raise ValueError(f\"{person['full_name']}" in text
    # Never the values, in the log or in what the officer copies.
    for value in (SECRET_NAME, SECRET_CCCD, "Bí Mật"):
        assert value not in text and value not in seen["detail"]
    assert str(Path.home()) not in text.replace(str(log), "")
    if os.name == "posix":
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert window.isVisible()  # the window carries on


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_background_work_is_logged_and_shown(qtbot, data_dir, reporter):
    errors: list[str] = []

    def work(ctx):
        raise KeyError(SECRET_CCCD)

    seen: dict[str, str] = {}
    when_modal(ErrorDialog, _answer(seen, qtbot))
    task = TaskRunner().run("Thử", work, on_error=errors.append)
    qtbot.waitUntil(lambda: "copied" in seen, timeout=5000)
    with qtbot.waitSignal(task.ended, timeout=5000, raising=False):
        pass
    code = seen["detail"].splitlines()[0]
    assert errors == [f"Lỗi không mong đợi ({code}); chi tiết trong nhật ký lỗi"]
    text = (data_dir / "logs" / "antq.log").read_text("utf-8")
    assert "KeyError" in text and "in work" in text and SECRET_CCCD not in text


@pytest.mark.qt_no_exception_capture
def test_a_bug_on_another_thread_is_shown_by_the_windows_thread(qtbot, data_dir, reporter):
    seen: dict[str, str] = {}
    when_modal(ErrorDialog, _answer(seen, qtbot))

    def work() -> None:
        raise ZeroDivisionError(SECRET_NAME)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: "copied" in seen, timeout=5000)
    assert seen["detail"].splitlines()[1] == "ZeroDivisionError"
    assert "in work" in seen["detail"] and SECRET_NAME not in seen["detail"]


def test_the_log_is_rotated(data_dir, monkeypatch):
    from desktop import errorlog

    monkeypatch.setattr(errorlog, "MAX_BYTES", 2000)
    for _i in range(40):
        try:
            raise RuntimeError(SECRET_NAME)
        except RuntimeError:
            errorlog.record(*sys.exc_info())
    logs = sorted(p.name for p in (data_dir / "logs").iterdir())
    assert logs == ["antq.log", "antq.log.1", "antq.log.2", "antq.log.3"]
    assert all((data_dir / "logs" / n).stat().st_size <= 2000 for n in logs)


def test_a_second_start_on_the_same_database_brings_the_first_forward(qtbot, window,
                                                                      data_dir):
    listener = single_instance.guard(window.db_path)
    # The first start holds the database's lock at once; it listens only once its window has
    # painted (QtNetwork is left out of the start until then), so the second start, launched
    # right away, comes before it listens and must wait for it.
    assert listener is not None and listener.lock is not None and not listener.listening
    try:
        window.showMinimized()
        raised: list[bool] = []
        listener.raised.connect(lambda: raised.append(True))
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANTQ_DATA_DIR=str(data_dir))
        second = subprocess.Popen([sys.executable, "-m", "desktop", "--db",
                                   str(window.db_path)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # This process answers while the second one connects, as the first window would.
        qtbot.waitUntil(lambda: second.poll() is not None and bool(raised), timeout=60000)
        out, err = second.communicate()
        assert second.returncode == 0, err
        assert "đã mở trong một cửa sổ khác" in out
        assert listener.listening and not window.isMinimized()
        # Another database is not held back; the same one by another path is.
        other = window.db_path.with_name("khac.db")
        assert not single_instance.signal_running(other)
        alias = window.db_path.parent / ".." / window.db_path.parent.name / window.db_path.name
        assert single_instance.server_name(alias) == single_instance.server_name(
            window.db_path)
    finally:
        listener.close()
        QApplication.instance().setProperty("single_instance", None)


_FIRST = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from desktop.ui.shell import single_instance
from desktop.ui.shell.app import make_application, start_window
app = make_application()
listener = single_instance.guard(Path(sys.argv[1]))  # as run_app: the lock, then the frame
print("locked" if listener is not None else "refused", flush=True)
listener.raised.connect(lambda: (print("raised", flush=True), QApplication.exit(0)))
QTimer.singleShot(60_000, lambda: (print("never raised", flush=True), QApplication.exit(1)))
window = start_window(Path(sys.argv[1]), backup=False)  # frame, then the login prompt
sys.exit(app.exec())
"""


def test_two_starts_one_window(tmp_path, data_dir, master_db):
    """Two real processes on one database: the first shows its frame and login prompt, the
    second ends saying so, and the first comes forward."""
    db = tmp_path / "two.db"
    copy_database(master_db, db)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANTQ_DATA_DIR=str(data_dir),
               PYTHONPATH=str(ROOT))
    first = subprocess.Popen([sys.executable, "-c", _FIRST, str(db)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "locked"
        second = subprocess.run([sys.executable, "-m", "desktop", "--db", str(db)], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        assert "đã mở trong một cửa sổ khác" in second.stdout
        assert first.stdout.readline().strip() == "raised"
        assert first.wait(timeout=60) == 0
        assert not Path(single_instance.lock_path(db)).exists()  # released when it quit
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


@pytest.mark.skipif(os.name != "posix", reason="a Unix socket left behind by a crash")
def test_a_start_after_a_crash_takes_the_lock_and_the_name_over(qapp, qtbot, tmp_path):
    db = tmp_path / "crashed.db"
    name = single_instance.server_name(db)
    from PySide6.QtCore import QDir

    # What a crash leaves: the lock file of a process that is gone, and its socket, bound,
    # never listening, never removed.
    crashed = subprocess.run([sys.executable, "-c", (
        "import os, sys; from pathlib import Path; "
        "from desktop.ui.shell import single_instance; "
        "assert single_instance._lock(Path(sys.argv[1])) is not None; os._exit(0)"), str(db)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert crashed.returncode == 0 and Path(single_instance.lock_path(db)).exists()
    stale = Path(QDir.tempPath()) / name
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(stale))
    left.close()
    try:
        assert stale.exists() and not single_instance.signal_running(db)
        listener = single_instance.guard(db)
        assert listener is not None and listener.lock is not None
        qtbot.waitUntil(lambda: listener.listening, timeout=5000)  # no window: half a second
        assert single_instance.signal_running(db)
        listener.close()
        assert not Path(single_instance.lock_path(db)).exists()  # released at the end
    finally:
        stale.unlink(missing_ok=True)
        Path(single_instance.lock_path(db)).unlink(missing_ok=True)
        qapp.setProperty("single_instance", None)


def test_the_lock_is_held_until_let_go_and_a_file_removed_meanwhile_is_not_held(tmp_path):
    """The one-window lock is the system's lock on an open file (no write, no sync at a start):
    taken once, refused while held, its file removed when let go; a start that opened the file
    just before its holder let go and removed it does not hold a lock on a file that is gone."""
    db = tmp_path / "lock.db"
    first = single_instance._lock(db)
    assert first is not None and Path(single_instance.lock_path(db)).exists()
    try:
        assert single_instance._lock(db) is None  # held (by another open of the file, too)
        late = os.open(single_instance.lock_path(db), os.O_RDWR)  # a start, just before …
    finally:
        first.unlock()  # … the holder lets go
    try:
        assert not Path(single_instance.lock_path(db)).exists()
        second = single_instance._lock(db)
        assert second is not None and Path(single_instance.lock_path(db)).exists()
        if os.name != "nt":  # the late start's file is not the one at the path any more
            import fcntl

            fcntl.flock(late, fcntl.LOCK_EX | fcntl.LOCK_NB)  # it can lock the removed file …
            assert not os.path.samestat(os.fstat(late), os.stat(single_instance.lock_path(db)))
        second.unlock()
    finally:
        os.close(late)
