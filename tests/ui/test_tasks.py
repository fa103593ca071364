"""The one background-work pattern: results, user errors and Cancel come back on the
main thread; the window stays responsive meanwhile."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QWidget

from desktop.domain.errors import UserError
from desktop.ui.common.tasks import TaskRunner


def test_result_progress_and_main_thread_callbacks(qtbot):
    parent = QWidget()
    runner = TaskRunner(parent)
    seen: dict[str, object] = {}
    main = QApplication.instance().thread()

    def work(ctx):
        seen["worker"] = threading.current_thread().name
        for i in range(5):
            ctx.progress(i + 1, 5, f"bước {i + 1}")
        return 42

    def done(value):
        seen["value"] = value
        seen["on_main"] = QThread.currentThread() is main

    task = runner.run("Thử", work, on_done=done, parent=parent)
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert seen["value"] == 42 and seen["on_main"] is True
    assert seen["worker"] != threading.main_thread().name
    assert not runner.busy


def test_user_errors_and_cancel_are_reported_not_raised(qtbot):
    runner = TaskRunner()
    errors: list[str] = []

    def bad(ctx):
        raise UserError("tệp hỏng: bundle.vsb")

    task = runner.run("Lỗi", bad, on_error=errors.append)
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert errors == ["tệp hỏng: bundle.vsb"]

    def slow(ctx):
        while True:
            ctx.check()
            time.sleep(0.01)

    task = runner.run("Dài", slow, on_error=errors.append)
    qtbot.wait(50)
    task.cancel()
    with qtbot.waitSignal(task.ended, timeout=5000):
        pass
    assert errors[-1] == "Đã hủy"


def test_each_task_leaves_no_progress_dialog_behind(qtbot):
    """Found by the monkey (tests/ui/test_monkey.py): every task's progress dialog stayed a
    child of the window after it closed, 47 of them after 800 random clicks."""
    from PySide6.QtWidgets import QProgressDialog

    parent = QWidget()
    runner = TaskRunner(parent)

    def work(ctx):
        ctx.progress(1, 2, "nửa")
        return 1

    for _ in range(3):
        task = runner.run("Thử", work, parent=parent, show_after_ms=0)
        with qtbot.waitSignal(task.ended, timeout=5000):
            pass
    qtbot.waitUntil(lambda: not parent.findChildren(QProgressDialog), timeout=3000)


def test_a_finished_task_lets_go_of_what_it_held(qtbot):
    """Found by the monkey: each task stayed a child of the runner with its callbacks, and
    so with the Python side of its progress dialog and whatever its result callback held
    (a preview's PDF), for as long as the window."""
    import gc

    import shiboken6
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QProgressDialog

    from desktop.ui.common.tasks import Task

    parent = QWidget()
    runner = TaskRunner(parent)
    got: list[int] = []
    for _ in range(3):
        task = runner.run("Thử", lambda ctx: ctx.progress(1, 2) or 1, on_done=got.append,
                          parent=parent, show_after_ms=0)
        with qtbot.waitSignal(task.ended, timeout=5000):
            pass
    del task
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert got == [1, 1, 1]
    assert not runner.findChildren(Task)
    assert [o for o in gc.get_objects() if isinstance(o, QProgressDialog)] == []
    assert all(shiboken6.isValid(o) for o in gc.get_objects() if isinstance(o, Task))
