"""An unforeseen error in the window: a dialog in plain words, the technical detail to copy,
the same detail in the local log (desktop/errorlog.py), as vorta and Anki do. Without this a
bug's traceback goes to a console no officer sees and the window just does nothing.

Qt calls ``sys.excepthook`` for an exception raised in a slot (a click, a timer), so one
hook catches them all; an exception on another thread is logged there and shown by the
window's thread. Installing the hooks is cheap (issue 12, the start budget): the log and the
dialog's Qt names are loaded by the first error.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desktop import APP_NAME
from desktop.i18n import _

if TYPE_CHECKING:
    from desktop import errorlog

# No ``Qt`` at import time: its namespace's enums (25 ms) would be built before the window's
# first paint. Each function that needs it imports it, and so the dialog's own widgets: a
# class's first use builds its enums, and the hooks are installed before the frame paints.


class ErrorDialog(QDialog):
    """What happened, in words; the detail below, to copy; where the log is."""

    def __init__(self, incident: errorlog.Incident, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import (
            QDialogButtonBox,
            QLabel,
            QPlainTextEdit,
            QPushButton,
            QVBoxLayout,
        )

        super().__init__(parent)
        self.incident = incident
        self.setWindowTitle(_("Lỗi không mong đợi — {app}").format(app=APP_NAME))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.message = QLabel(_(
            "<p><b>Chương trình gặp một lỗi không mong đợi</b>, nên việc vừa làm có thể "
            "chưa xong.</p><p>Những gì đã lưu trước đó vẫn còn nguyên. Anh/chị có thể làm "
            "tiếp; nếu lỗi lặp lại, hãy đóng rồi mở lại chương trình và báo cho người hỗ trợ "
            "kỹ thuật, gửi kèm phần chi tiết dưới đây.</p>"))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.details = QPlainTextEdit(incident.detail)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details, 1)
        if incident.log_file is not None:
            where = _("Chi tiết này (không có dữ liệu về người) cũng được ghi vào tệp nhật ký "
                      "lỗi {p}.").format(p=incident.log_file)
        else:
            where = _("Không ghi được tệp nhật ký lỗi (ổ đĩa đầy hoặc không ghi được); hãy "
                      "sao chép chi tiết này.")
        self.log_label = QLabel(where)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(_("Sao chép chi tiết"))
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button = QPushButton(_("Mở thư mục nhật ký"))
        self.folder_button.clicked.connect(self.open_log_folder)
        self.folder_button.setEnabled(incident.log_file is not None)
        buttons.addButton(self.folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.incident.detail)
        self.copy_button.setText(_("Đã sao chép"))

    def open_log_folder(self) -> bool:
        from desktop.ui.shell.about import open_folder

        return self.incident.log_file is not None and open_folder(self.incident.log_file.parent)


class ErrorReporter(QObject):
    """``sys.excepthook`` and ``threading.excepthook`` of the window's process."""

    _from_thread = Signal(object)  # an Incident, shown on the window's thread

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.dialog: ErrorDialog | None = None
        # Emitted on another thread only, so Qt queues it to this object's (the window's).
        self._from_thread.connect(self.show)

    def excepthook(self, exc_type: type[BaseException], exc: BaseException | None,
                   tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)  # type: ignore[arg-type]
            return
        from desktop import errorlog

        incident = errorlog.record(exc_type, exc, tb)
        print(_("Lỗi không mong đợi #{c}; chi tiết trong {p}").format(
            c=incident.code, p=incident.log_file), file=sys.stderr)
        app = QApplication.instance()
        if app is None:
            return
        from PySide6.QtCore import QThread

        if QThread.currentThread() == app.thread():
            self.show(incident)
        else:
            self._from_thread.emit(incident)

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def show(self, incident: errorlog.Incident) -> None:
        """One dialog at a time: an error while one is open (or one raised by it) is logged
        only, not a cascade of dialogs."""
        if self.dialog is not None:
            return
        # Over what the officer was looking at; never through the application's "main_window"
        # property, which outlives a window that was closed and deleted.
        parent = QApplication.activeModalWidget() or QApplication.activeWindow()
        self.dialog = ErrorDialog(incident, parent)
        try:
            self.dialog.exec()
        finally:
            self.dialog.deleteLater()
            self.dialog = None


def install(app: QApplication) -> ErrorReporter:
    """Route every unforeseen exception of this process to the log and the dialog."""
    reporter = app.property("error_reporter")
    if not isinstance(reporter, ErrorReporter):
        reporter = ErrorReporter(app)
        app.setProperty("error_reporter", reporter)
    sys.excepthook = reporter.excepthook
    threading.excepthook = reporter.thread_hook
    return reporter
