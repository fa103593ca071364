"""The one way to run long work off the UI thread: progress, Cancel, callbacks on the main thread.

The work function gets a :class:`TaskContext` to report progress and to ask whether the user
cancelled; it must not touch widgets and should open its own database connection. Its result
or its error comes back through Qt signals, which are delivered on the main thread.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop import errorlog
from desktop.domain.errors import UserError
from desktop.i18n import _


class Cancelled(Exception):
    """Raised inside the work when the user pressed Cancel."""


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str, object)  # message; None for a user error, else the bug's Incident


@dataclass
class TaskContext:
    _signals: _Signals
    _cancelled: list[bool]

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._signals.progress.emit(done, total, message)

    @property
    def cancelled(self) -> bool:
        return self._cancelled[0]

    def check(self) -> None:
        if self._cancelled[0]:
            raise Cancelled


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[TaskContext], Any], ctx: TaskContext,
                 signals: _Signals) -> None:
        super().__init__()
        self.work, self.ctx, self.signals = work, ctx, signals

    def run(self) -> None:
        try:
            result = self.work(self.ctx)
        except Cancelled:
            self.signals.failed.emit(_("Đã hủy"), None)
        except UserError as e:
            self.signals.failed.emit(str(e), None)
        except Exception:  # a bug: in the log and the error dialog; the window stays alive
            incident = errorlog.record(*sys.exc_info(), where="task")
            self.signals.failed.emit(_("Lỗi không mong đợi (#{c}); chi tiết trong nhật ký "
                                       "lỗi").format(c=incident.code), incident)
        else:
            self.signals.finished.emit(result)


class Task(QObject):
    """A running piece of work; keep a reference until it ends (the runner does)."""

    ended = Signal()

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.signals = _Signals()
        self.cancel_flag = [False]

    def cancel(self) -> None:
        self.cancel_flag[0] = True


class TaskRunner(QObject):
    """Starts tasks on a thread pool and shows a delayed, cancellable progress dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._running: set[Task] = set()

    def run(self, title: str, work: Callable[[TaskContext], Any], *,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[str], None] | None = None,
            parent: QWidget | None = None, show_after_ms: int = 300) -> Task:
        task = Task(self)
        dialog = QProgressDialog(title, _("Hủy"), 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(show_after_ms)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        shown = QTimer(task, singleShot=True, interval=show_after_ms)
        shown.timeout.connect(dialog.show)
        shown.start()
        over: list[bool] = []  # set when the task has finished

        def progress(done: int, total: int, message: str) -> None:
            if over:  # a report queued before the end: its dialog is gone
                return
            dialog.setMaximum(max(total, 0))
            dialog.setValue(min(done, total) if total else 0)
            if message:
                dialog.setLabelText(message)

        def finish(result: Any = None, error: str | None = None) -> None:
            shown.stop()
            over.append(True)
            dialog.close()
            dialog.deleteLater()  # one per task: kept, they piled up under the window
            self._running.discard(task)
            if error is None:
                if on_done:
                    on_done(result)
            elif on_error:
                on_error(error)
            task.ended.emit()
            # Then the task goes too, with its signals (the worker emits nothing after its
            # result): a child of the runner, it kept its callbacks, the results they hold
            # and the progress dialog's Python side as long as the window.
            task.signals.deleteLater()
            task.deleteLater()

        task.signals.progress.connect(progress)
        task.signals.finished.connect(lambda result: finish(result))

        def failed(message: str, incident: errorlog.Incident | None) -> None:
            finish(error=message)
            reporter = QApplication.instance().property("error_reporter")
            if incident is not None and reporter is not None:  # desktop/ui/shell/crash.py
                reporter.show(incident)

        task.signals.failed.connect(failed)
        self._running.add(task)
        self.pool.start(_Runnable(work, TaskContext(task.signals, task.cancel_flag),
                                  task.signals))
        return task

    @property
    def busy(self) -> bool:
        return bool(self._running)
